//! The transport against a scripted stub server on 127.0.0.1: what it sends, and how it copes
//! with throttling, server errors, broken connections, slowness and bad bodies.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cognito_idp::error::{DecodeError, ResponseErrorKind, SdkError, TimeoutKind};
use cognito_idp::operation::list_user_pools::ListUserPoolsError;
use cognito_idp::types::AuthFlowType;
use cognito_idp::{Client, Config, Credentials, RetryConfig, TimeoutConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the stub does with one request.
#[derive(Clone)]
enum Reply {
    /// A complete response.
    Http {
        status: u16,
        content_type: &'static str,
        body: String,
    },
    /// Declares a longer body than it sends, then closes.
    Truncated { declared: usize, body: &'static str },
    /// A chunked body of this many bytes, without a length up front.
    Chunked(usize),
    /// Closes the connection without answering.
    Close,
    /// Answers after a wait.
    Late(Duration, Box<Reply>),
}

fn json(status: u16, body: &str) -> Reply {
    Reply::Http {
        status,
        content_type: "application/x-amz-json-1.1",
        body: body.to_owned(),
    }
}

fn error(status: u16, code: &str) -> Reply {
    json(
        status,
        &format!(r#"{{"__type":"{code}","message":"scripted {code}"}}"#),
    )
}

const POOLS: &str = r#"{"UserPools":[{"Id":"us-east-1_stub","Name":"stub"}]}"#;

/// A request as the stub saw it.
#[derive(Debug, Clone)]
struct Seen {
    at: Instant,
    head: String,
    body: String,
}

struct Stub {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Stub {
    /// Serves `replies` in order, one per connection; later requests get a 500.
    async fn start(replies: Vec<Reply>) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            let mut replies = replies.into_iter();
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let reply = replies
                    .next()
                    .unwrap_or_else(|| error(500, "StubExhausted"));
                let log = log.clone();
                tokio::spawn(async move { serve(socket, reply, log).await });
            }
        });
        Stub { url, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn client(&self, retry: RetryConfig, timeouts: TimeoutConfig) -> Client {
        Client::new(
            Config::builder()
                .endpoint_url(&self.url)
                .region("us-east-1")
                .credentials(Credentials::new("AKIDSTUB", "stub-secret-key"))
                .retry(retry)
                .timeouts(timeouts)
                .max_response_bytes(4096)
                .build(),
        )
    }
}

async fn serve(mut socket: TcpStream, reply: Reply, log: Arc<Mutex<Vec<Seen>>>) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let (head, body_start) = loop {
        let Ok(n) = socket.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break (
                String::from_utf8_lossy(&buffer[..end]).into_owned(),
                end + 4,
            );
        }
    };
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    while buffer.len() < body_start + length {
        let Ok(n) = socket.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buffer[body_start..body_start + length]).into_owned();
    log.lock().unwrap().push(Seen {
        at: Instant::now(),
        head,
        body,
    });
    respond(&mut socket, reply).await;
}

async fn respond(socket: &mut TcpStream, reply: Reply) {
    match reply {
        Reply::Http {
            status,
            content_type,
            body,
        } => {
            let response = format!(
                "HTTP/1.1 {status} Stub\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
                 x-amzn-RequestId: req-{status}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
        Reply::Truncated { declared, body } => {
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {declared}\r\n\
                 Connection: close\r\n\r\n{body}"
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
        Reply::Chunked(size) => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n\
                        Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
            let _ = socket.write_all(head.as_bytes()).await;
            for _ in 0..size / 1024 {
                let _ = socket
                    .write_all(format!("400\r\n{}\r\n", "x".repeat(1024)).as_bytes())
                    .await;
            }
            let _ = socket.write_all(b"0\r\n\r\n").await;
        }
        Reply::Close => {}
        Reply::Late(wait, reply) => {
            tokio::time::sleep(wait).await;
            Box::pin(respond(socket, *reply)).await;
        }
    }
    let _ = socket.shutdown().await;
}

/// Retries with a fixed, short backoff, so the waits can be checked.
fn quick_retries() -> RetryConfig {
    RetryConfig::default()
        .with_initial_backoff(Duration::from_millis(100))
        .without_jitter()
}

async fn list_pools(client: &Client) -> Result<Vec<String>, SdkError<ListUserPoolsError>> {
    let output = client.list_user_pools().max_results(10).send().await?;
    Ok(output
        .user_pools
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| p.id)
        .collect())
}

#[tokio::test]
async fn requests_are_aws_json_and_signed_only_when_the_model_says() {
    let stub = Stub::start(vec![json(200, POOLS), json(200, r#"{"Session":"s"}"#)]).await;
    let client = stub.client(RetryConfig::disabled(), TimeoutConfig::default());
    assert_eq!(list_pools(&client).await.unwrap(), ["us-east-1_stub"]);
    client
        .initiate_auth()
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .client_id("app")
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", "hunter2-secret")
        .send()
        .await
        .unwrap();

    let seen = stub.seen();
    let signed = seen[0].head.to_ascii_lowercase();
    assert!(signed.starts_with("post / http/1.1"), "{signed}");
    assert!(signed.contains("content-type: application/x-amz-json-1.1"));
    assert!(signed.contains("x-amz-target: awscognitoidentityproviderservice.listuserpools"));
    assert!(signed.contains("user-agent: cognito-idp/"), "{signed}");
    assert!(
        signed.contains("authorization: aws4-hmac-sha256 credential=akidstub/"),
        "{signed}"
    );
    assert!(
        signed.contains("/us-east-1/cognito-idp/aws4_request"),
        "{signed}"
    );
    assert!(signed.contains("x-amz-date: "));
    assert_eq!(seen[0].body, r#"{"MaxResults":10}"#);

    let unsigned = seen[1].head.to_ascii_lowercase();
    assert!(unsigned.contains("x-amz-target: awscognitoidentityproviderservice.initiateauth"));
    assert!(
        !unsigned.contains("authorization:"),
        "InitiateAuth is `authtype: none`: {unsigned}"
    );
    assert!(
        seen[1].body.contains(r#""AuthFlow":"USER_PASSWORD_AUTH""#),
        "{}",
        seen[1].body
    );
}

#[tokio::test]
async fn throttling_is_retried_with_growing_backoff() {
    let stub = Stub::start(vec![
        error(400, "ThrottlingException"),
        error(400, "TooManyRequestsException"),
        json(200, POOLS),
    ])
    .await;
    let client = stub.client(quick_retries(), TimeoutConfig::default());
    assert_eq!(list_pools(&client).await.unwrap(), ["us-east-1_stub"]);
    let seen = stub.seen();
    assert_eq!(seen.len(), 3);
    let first_wait = seen[1].at - seen[0].at;
    let second_wait = seen[2].at - seen[1].at;
    assert!(first_wait >= Duration::from_millis(100), "{first_wait:?}");
    assert!(second_wait >= Duration::from_millis(200), "{second_wait:?}");
}

#[tokio::test]
async fn jittered_backoff_stays_under_its_ceiling() {
    let stub = Stub::start(vec![error(503, "ServiceUnavailable"), json(200, POOLS)]).await;
    let retry = RetryConfig::default().with_initial_backoff(Duration::from_millis(300));
    let client = stub.client(retry, TimeoutConfig::default());
    assert!(list_pools(&client).await.is_ok());
    let seen = stub.seen();
    assert!(
        seen[1].at - seen[0].at < Duration::from_millis(300 + 250),
        "waited more than the ceiling"
    );
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let stub = Stub::start(vec![error(500, "InternalErrorException"), json(200, POOLS)]).await;
    let client = stub.client(quick_retries(), TimeoutConfig::default());
    assert_eq!(list_pools(&client).await.unwrap(), ["us-east-1_stub"]);
    assert_eq!(stub.seen().len(), 2);
}

#[tokio::test]
async fn attempts_run_out_with_the_last_error() {
    let stub = Stub::start(vec![error(500, "InternalErrorException"); 4]).await;
    let client = stub.client(quick_retries(), TimeoutConfig::default());
    let failed = list_pools(&client).await.unwrap_err();
    assert_eq!(failed.attempts(), 3);
    assert!(
        matches!(
            failed.as_service_error(),
            Some(ListUserPoolsError::InternalErrorException(_))
        ),
        "{failed:?}"
    );
    assert_eq!(
        failed.meta().and_then(|m| m.request_id.as_deref()),
        Some("req-500")
    );
    assert_eq!(stub.seen().len(), 3);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let stub = Stub::start(vec![error(400, "NotAuthorizedException"), json(200, POOLS)]).await;
    let client = stub.client(quick_retries(), TimeoutConfig::default());
    let failed = list_pools(&client).await.unwrap_err();
    assert!(
        matches!(
            failed.as_service_error(),
            Some(ListUserPoolsError::NotAuthorizedException(_))
        ),
        "{failed:?}"
    );
    assert_eq!(failed.attempts(), 1);
    assert_eq!(stub.seen().len(), 1);
}

#[tokio::test]
async fn closed_connections_are_retried_then_reported() {
    let stub = Stub::start(vec![Reply::Close, json(200, POOLS)]).await;
    let client = stub.client(quick_retries(), TimeoutConfig::default());
    assert_eq!(list_pools(&client).await.unwrap(), ["us-east-1_stub"]);

    let stub = Stub::start(vec![Reply::Close, Reply::Close, Reply::Close]).await;
    let client = stub.client(quick_retries(), TimeoutConfig::default());
    let failed = list_pools(&client).await.unwrap_err();
    assert!(matches!(failed, SdkError::Dispatch(_)), "{failed:?}");
    assert_eq!(failed.attempts(), 3);
}

#[tokio::test]
async fn nothing_listening_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::new(
        Config::builder()
            .endpoint_url(url)
            .region("us-east-1")
            .credentials(Credentials::new("AKIDSTUB", "stub-secret-key"))
            .retry(RetryConfig::disabled())
            .build(),
    );
    match list_pools(&client).await.unwrap_err() {
        SdkError::Dispatch(e) => assert!(e.is_connect(), "{e:?}"),
        other => panic!("expected a dispatch error, got {other:?}"),
    }
}

#[tokio::test]
async fn slow_responses_time_out_per_attempt_and_per_operation() {
    let late = || Reply::Late(Duration::from_secs(3), Box::new(json(200, POOLS)));
    let stub = Stub::start(vec![late(), late()]).await;
    let attempt_limit = TimeoutConfig::default().with_attempt(Some(Duration::from_millis(200)));
    let client = stub.client(quick_retries().with_max_attempts(2), attempt_limit);
    match list_pools(&client).await.unwrap_err() {
        SdkError::Timeout(t) => {
            assert_eq!(
                (t.kind, t.attempts, t.limit),
                (TimeoutKind::Attempt, 2, Duration::from_millis(200))
            )
        }
        other => panic!("expected an attempt timeout, got {other:?}"),
    }

    let stub = Stub::start(vec![late()]).await;
    let operation_limit = TimeoutConfig::default()
        .with_attempt(None)
        .with_operation(Some(Duration::from_millis(300)));
    let client = stub.client(quick_retries(), operation_limit);
    let started = Instant::now();
    match list_pools(&client).await.unwrap_err() {
        SdkError::Timeout(t) => assert_eq!((t.kind, t.attempts), (TimeoutKind::Operation, 1)),
        other => panic!("expected an operation timeout, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(2));

    // Both limits: the first attempt times out on its own (200 ms), then the 100 ms backoff;
    // the operation's time (which the attempt's timer also keeps) runs out in the second
    // attempt, or already in the backoff.
    for (operation, attempts) in [(400, 2), (250, 1)] {
        let stub = Stub::start(vec![late(), late(), late()]).await;
        let both = TimeoutConfig::default()
            .with_attempt(Some(Duration::from_millis(200)))
            .with_operation(Some(Duration::from_millis(operation)));
        let client = stub.client(quick_retries().with_max_attempts(3), both);
        let started = Instant::now();
        match list_pools(&client).await.unwrap_err() {
            SdkError::Timeout(t) => assert_eq!(
                (t.kind, t.attempts, t.limit),
                (
                    TimeoutKind::Operation,
                    attempts,
                    Duration::from_millis(operation)
                )
            ),
            other => panic!("expected an operation timeout, got {other:?}"),
        }
        assert!(started.elapsed() < Duration::from_millis(operation + 500));
    }
}

/// A credentials source that never answers.
#[derive(Debug)]
struct Hanging;

impl cognito_idp::credentials::ProvideCredentials for Hanging {
    fn provide_credentials(&self) -> cognito_idp::credentials::CredentialsFuture<'_> {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn the_operation_limit_bounds_fetching_credentials_too() {
    let stub = Stub::start(vec![]).await;
    let client = Client::new(
        Config::builder()
            .endpoint_url(&stub.url)
            .region("us-east-1")
            .credentials_provider(Hanging)
            .timeouts(TimeoutConfig::default().with_operation(Some(Duration::from_millis(200))))
            .build(),
    );
    match list_pools(&client).await.unwrap_err() {
        SdkError::Timeout(t) => assert_eq!((t.kind, t.attempts), (TimeoutKind::Operation, 0)),
        other => panic!("expected an operation timeout, got {other:?}"),
    }
    assert!(stub.seen().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn invalid_json_is_a_response_error_that_quotes_nothing() {
    let stub = Stub::start(vec![json(200, r#"{"UserPools": "AccessToken-eyJsecret"}"#)]).await;
    let client = stub.client(quick_retries(), TimeoutConfig::default());
    let failed = list_pools(&client).await.unwrap_err();
    let SdkError::Response(response) = &failed else {
        panic!("expected a response error, got {failed:?}")
    };
    assert_eq!((response.status, response.attempts), (200, 1));
    let shown = format!("{failed:?} {response}");
    assert!(!shown.contains("eyJsecret"), "the body leaked: {shown}");
    assert!(response.to_string().contains("line 1"), "{response}");
}

#[tokio::test]
async fn truncated_bodies_fail_in_transit() {
    let truncated = || Reply::Truncated {
        declared: 200,
        body: r#"{"UserPools": ["#,
    };
    let stub = Stub::start(vec![truncated(), truncated(), truncated()]).await;
    let client = stub.client(quick_retries(), TimeoutConfig::default());
    let failed = list_pools(&client).await.unwrap_err();
    assert!(matches!(failed, SdkError::Dispatch(_)), "{failed:?}");
    assert_eq!(failed.attempts(), 3);
}

#[tokio::test]
async fn oversized_bodies_are_refused_unread() {
    let big = format!(r#"{{"UserPools":[],"Pad":"{}"}}"#, "x".repeat(8000));
    let stub = Stub::start(vec![json(200, &big), Reply::Chunked(8192)]).await;
    let client = stub.client(quick_retries(), TimeoutConfig::default());
    for _ in 0..2 {
        let failed = list_pools(&client).await.unwrap_err();
        let SdkError::Response(response) = &failed else {
            panic!("expected a response error, got {failed:?}")
        };
        assert_eq!(
            response.kind,
            ResponseErrorKind::TooLarge { limit: 4096 },
            "{response}"
        );
        assert_eq!(response.attempts, 1);
    }
}

#[tokio::test]
async fn wrong_content_types_are_unhandled_or_unreadable() {
    let html = |status| Reply::Http {
        status,
        content_type: "text/html",
        body: "<html><body>Bad gateway</body></html>".into(),
    };
    let stub = Stub::start(vec![html(400), html(200)]).await;
    let client = stub.client(quick_retries(), TimeoutConfig::default());

    let failed = list_pools(&client).await.unwrap_err();
    let Some(ListUserPoolsError::Unhandled(unhandled)) = failed.as_service_error() else {
        panic!("expected an unhandled error, got {failed:?}");
    };
    assert_eq!(unhandled.meta().status, Some(400));
    let snippet = std::error::Error::source(unhandled).unwrap().to_string();
    assert!(snippet.contains("Bad gateway"), "{snippet}");

    let failed = list_pools(&client).await.unwrap_err();
    let SdkError::Response(response) = &failed else {
        panic!("expected a response error, got {failed:?}")
    };
    // A successful status is read whatever its label; this body is no JSON at all.
    assert!(
        matches!(
            response.kind,
            ResponseErrorKind::Undecodable(DecodeError::Syntax { line: 1, column: 1 })
        ),
        "{response}"
    );
}

#[tokio::test]
async fn empty_error_bodies_are_unhandled() {
    let stub = Stub::start(vec![Reply::Http {
        status: 404,
        content_type: "application/json",
        body: String::new(),
    }])
    .await;
    let client = stub.client(quick_retries(), TimeoutConfig::default());
    let failed = list_pools(&client).await.unwrap_err();
    let Some(ListUserPoolsError::Unhandled(unhandled)) = failed.as_service_error() else {
        panic!("expected an unhandled error, got {failed:?}");
    };
    assert_eq!(unhandled.meta().status, Some(404));
}

#[tokio::test]
async fn construction_errors_send_nothing() {
    let stub = Stub::start(vec![json(200, POOLS)]).await;
    // No region: the signed operation has nothing to sign for.
    let client = Client::new(
        Config::builder()
            .endpoint_url(&stub.url)
            .credentials(Credentials::new("A", "B"))
            .build(),
    );
    assert!(matches!(
        list_pools(&client).await.unwrap_err(),
        SdkError::Construction(_)
    ));
    // A required member missing.
    let client = stub.client(RetryConfig::disabled(), TimeoutConfig::default());
    let missing = client
        .initiate_auth()
        .client_id("app")
        .send()
        .await
        .unwrap_err();
    let cause = std::error::Error::source(&missing).expect("what is missing");
    assert!(cause.to_string().contains("auth_flow"), "{cause}");
    // No region and no endpoint.
    let nowhere = Client::new(Config::builder().build());
    assert!(matches!(
        list_pools(&nowhere).await.unwrap_err(),
        SdkError::Construction(_)
    ));
    assert!(stub.seen().is_empty());
}

/// Every span and event field, as text.
struct Capture(Arc<Mutex<String>>);

struct Fields<'a>(&'a Mutex<String>);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0
            .lock()
            .unwrap()
            .push_str(&format!("{}={value:?} ", field.name()));
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        self.0
            .lock()
            .unwrap()
            .push_str(&format!("[{}] ", span.metadata().name()));
        span.record(&mut Fields(&self.0));
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        values.record(&mut Fields(&self.0));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        event.record(&mut Fields(&self.0));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn tracing_names_calls_but_never_secrets() {
    let tokens = r#"{"AuthenticationResult":{"AccessToken":"eyJ-secret-access","RefreshToken":"eyJ-secret-refresh"}}"#;
    let stub = Stub::start(vec![
        error(400, "NotAuthorizedException"),
        json(200, tokens),
    ])
    .await;
    let client = stub.client(RetryConfig::disabled(), TimeoutConfig::default());
    let log = Arc::new(Mutex::new(String::new()));
    let _guard = tracing::dispatcher::set_default(&tracing::Dispatch::new(Capture(log.clone())));
    for _ in 0..2 {
        let _ = client
            .initiate_auth()
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .client_id("app")
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", "hunter2-tracing")
            .send()
            .await;
    }
    let log = log.lock().unwrap().clone();
    assert!(log.contains("operation=\"InitiateAuth\""), "{log}");
    assert!(
        log.contains("status=400") && log.contains("NotAuthorizedException"),
        "{log}"
    );
    for secret in ["hunter2-tracing", "eyJ-secret", "stub-secret-key"] {
        assert!(!log.contains(secret), "{secret} shows in the trace: {log}");
    }
}

#[tokio::test]
async fn a_required_member_filled_in_is_traced_by_name() {
    let page = r#"{"Users":[{"Username":"a","Attributes":[{"Value":"v"}]}]}"#;
    let stub = Stub::start(vec![json(200, page)]).await;
    let client = stub.client(RetryConfig::disabled(), TimeoutConfig::default());
    let log = Arc::new(Mutex::new(String::new()));
    let _guard = tracing::dispatcher::set_default(&tracing::Dispatch::new(Capture(log.clone())));
    let users = client
        .list_users()
        .user_pool_id("p")
        .send()
        .await
        .expect("a lenient read");
    assert_eq!(
        users.users.unwrap()[0].attributes.as_ref().unwrap()[0].name,
        ""
    );
    let log = log.lock().unwrap().clone();
    assert!(log.contains(r#"structure="AttributeType""#), "{log}");
    assert!(log.contains(r#"member="Name""#), "{log}");
}
