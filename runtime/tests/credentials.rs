//! Credentials from a container endpoint and from IMDSv2, served by stubs on 127.0.0.1, and the
//! cache in front of them: refreshed before expiry, once for many callers, kept through a failing
//! source while still valid, and failing with an error that names the source.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use cognito_idp_runtime::credentials::{
    CredentialsCache, CredentialsError, DefaultChain, ProvideCredentials, SharedCredentialsProvider,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the stub saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: HashMap<String, String>,
}

type Answer = dyn Fn(&Seen) -> (u16, String) + Send + Sync;

/// Answers each request with `answer(request)` after `delay`.
struct Stub {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Stub {
    async fn start(
        delay: Duration,
        answer: impl Fn(&Seen) -> (u16, String) + Send + Sync + 'static,
    ) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let answer: Arc<Answer> = Arc::new(answer);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (log, answer) = (log.clone(), answer.clone());
                tokio::spawn(async move {
                    let mut buffer = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buffer.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buffer).into_owned();
                    let mut lines = head.lines();
                    let mut request_line = lines.next().unwrap_or_default().split(' ');
                    let seen = Seen {
                        method: request_line.next().unwrap_or_default().to_owned(),
                        path: request_line.next().unwrap_or_default().to_owned(),
                        headers: lines
                            .filter_map(|l| l.split_once(':'))
                            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                            .collect(),
                    };
                    log.lock().unwrap().push(seen.clone());
                    tokio::time::sleep(delay).await;
                    let (status, body) = answer(&seen);
                    let reply = format!(
                        "HTTP/1.1 {status} Stub\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(reply.as_bytes()).await;
                });
            }
        });
        Stub { url, seen }
    }

    fn requests(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

fn rfc3339(at: SystemTime) -> String {
    aws_smithy_types::DateTime::from(at)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap()
}

/// Credentials expiring `lifetime` from now, numbered by `serial`.
fn document(lifetime: Duration, serial: usize) -> String {
    format!(
        r#"{{"AccessKeyId":"AKIDCONTAINER{serial}","SecretAccessKey":"container-secret","Token":"container-token","Expiration":"{}"}}"#,
        rfc3339(SystemTime::now() + lifetime)
    )
}

fn chain(vars: &[(&str, &str)]) -> DefaultChain {
    let mut vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    vars.insert("HOME".into(), "/nonexistent".into());
    vars.entry("AWS_EC2_METADATA_DISABLED".into())
        .or_insert("true".into());
    DefaultChain::from_vars(move |name| vars.get(name).cloned())
}

/// A container endpoint that wants `token` and issues credentials lasting `lifetime`.
async fn container(lifetime: Duration, delay: Duration) -> Stub {
    let issued = Arc::new(AtomicUsize::new(0));
    Stub::start(delay, move |seen| {
        if seen.headers.get("authorization").map(String::as_str) != Some("container-auth") {
            return (401, "{}".into());
        }
        (
            200,
            document(lifetime, issued.fetch_add(1, Ordering::SeqCst)),
        )
    })
    .await
}

#[tokio::test]
async fn the_container_endpoint_gives_credentials_with_its_token() {
    let stub = container(Duration::from_secs(3600), Duration::ZERO).await;
    let uri = format!("{}/v2/credentials/abc", stub.url);
    let found = chain(&[
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-auth"),
    ])
    .provide_credentials()
    .await
    .expect("credentials from the endpoint");
    assert_eq!(found.access_key_id(), "AKIDCONTAINER0");
    assert_eq!(found.session_token(), Some("container-token"));
    assert!(found.expiry().unwrap() > SystemTime::now() + Duration::from_secs(3500));
    assert_eq!(stub.seen.lock().unwrap()[0].path, "/v2/credentials/abc");

    // The token from a file, as EKS pod identity gives it.
    let file = std::env::temp_dir().join(format!("container-token-{}", std::process::id()));
    std::fs::write(&file, "container-auth\n").unwrap();
    chain(&[
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri),
        (
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            file.to_str().unwrap(),
        ),
    ])
    .provide_credentials()
    .await
    .expect("the token file is read");
    std::fs::remove_file(file).unwrap();
}

#[tokio::test]
async fn a_failing_source_names_itself() {
    let stub = Stub::start(Duration::ZERO, |_| (500, "{}".into())).await;
    let uri = format!("{}/creds", stub.url);
    let error = chain(&[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri)])
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        matches!(error, CredentialsError::Source { .. }),
        "{error:?}"
    );
    let shown = error.to_string();
    assert!(
        shown.contains(&uri) && shown.contains("HTTP 500"),
        "{shown}"
    );
    // Plain HTTP elsewhere than this machine or the container agent is refused unsent.
    let refused = chain(&[(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "http://192.0.2.10/creds",
    )])
    .provide_credentials()
    .await
    .unwrap_err();
    let shown = refused.to_string();
    assert!(shown.contains("plain HTTP"), "{shown}");
}

#[tokio::test]
async fn the_cache_refreshes_before_expiry_once_for_many_callers() {
    // Four minutes left: inside the five-minute margin, so every use refreshes.
    let stub = container(Duration::from_secs(240), Duration::from_millis(50)).await;
    let uri = format!("{}/creds", stub.url);
    let cache = Arc::new(CredentialsCache::new(SharedCredentialsProvider::new(
        chain(&[
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-auth"),
        ]),
    )));
    let callers: Vec<_> = (0..32)
        .map(|_| {
            let cache = cache.clone();
            tokio::spawn(async move {
                cache
                    .credentials()
                    .await
                    .map(|c| c.access_key_id().to_owned())
            })
        })
        .collect();
    let mut keys = Vec::new();
    for caller in callers {
        keys.push(caller.await.unwrap().expect("credentials"));
    }
    assert_eq!(stub.requests(), 1, "one fetch for 32 concurrent callers");
    assert!(keys.iter().all(|k| k == "AKIDCONTAINER0"));
    let again = cache.credentials().await.unwrap();
    assert_eq!(
        again.access_key_id(),
        "AKIDCONTAINER1",
        "refreshed before expiry"
    );
    assert_eq!(stub.requests(), 2);

    // An hour left: kept.
    let stub = container(Duration::from_secs(3600), Duration::ZERO).await;
    let uri = format!("{}/creds", stub.url);
    let cache = CredentialsCache::new(SharedCredentialsProvider::new(chain(&[
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-auth"),
    ])));
    for _ in 0..5 {
        cache.credentials().await.unwrap();
    }
    assert_eq!(stub.requests(), 1);
}

/// Credentials four minutes from expiry (inside the cache's five-minute margin), then failures.
#[derive(Debug, Default)]
struct FailsAfterFirst {
    calls: Arc<AtomicUsize>,
}

impl ProvideCredentials for FailsAfterFirst {
    fn provide_credentials(&self) -> cognito_idp_runtime::credentials::CredentialsFuture<'_> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            match call {
                0 => Ok(cognito_idp_runtime::Credentials::new("AKIDFIRST", "secret")
                    .with_expiry(SystemTime::now() + Duration::from_secs(240))),
                _ => Err(CredentialsError::Source {
                    source_name: "the test's provider".into(),
                    reason: "unreachable".into(),
                }),
            }
        })
    }
}

#[tokio::test]
async fn the_cache_keeps_valid_credentials_through_a_failing_source_and_backs_off() {
    let calls = Arc::new(AtomicUsize::new(0));
    let provider = FailsAfterFirst {
        calls: calls.clone(),
    };
    let cache = CredentialsCache::new(SharedCredentialsProvider::new(provider));
    assert_eq!(
        cache.credentials().await.unwrap().access_key_id(),
        "AKIDFIRST"
    );
    // Due (inside the margin): the fetch fails, the held credentials are still good for
    // minutes, so they are handed out, and the next callers do not ask the source again at once.
    for _ in 0..10 {
        assert_eq!(
            cache.credentials().await.unwrap().access_key_id(),
            "AKIDFIRST"
        );
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "one failed fetch, then a backoff"
    );
}

#[tokio::test]
async fn imdsv2_gives_the_roles_credentials_with_a_session_token() {
    let stub = Stub::start(Duration::ZERO, |seen| {
        let token = seen.headers.get("x-aws-ec2-metadata-token").map(String::as_str);
        match (seen.method.as_str(), seen.path.as_str(), token) {
            ("PUT", "/latest/api/token", _) => {
                assert_eq!(seen.headers["x-aws-ec2-metadata-token-ttl-seconds"], "21600");
                (200, "imds-session".into())
            }
            (_, _, token) if token != Some("imds-session") => (401, String::new()),
            ("GET", "/latest/meta-data/iam/security-credentials/", _) => (200, "web-role\n".into()),
            ("GET", "/latest/meta-data/iam/security-credentials/web-role", _) => (
                200,
                format!(
                    r#"{{"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"AKIDIMDS","SecretAccessKey":"imds-secret","Token":"imds-token","Expiration":"{}"}}"#,
                    rfc3339(SystemTime::now() + Duration::from_secs(6 * 3600))
                ),
            ),
            _ => (404, String::new()),
        }
    })
    .await;
    let found = chain(&[
        ("AWS_EC2_METADATA_DISABLED", "false"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &stub.url),
    ])
    .provide_credentials()
    .await
    .expect("credentials from instance metadata");
    assert_eq!(
        (found.access_key_id(), found.session_token()),
        ("AKIDIMDS", Some("imds-token"))
    );
    assert_eq!(stub.requests(), 3);

    // A configured endpoint that fails is an error naming it; disabled, it is not asked.
    let down = Stub::start(Duration::ZERO, |_| (503, String::new())).await;
    let error = chain(&[
        ("AWS_EC2_METADATA_DISABLED", "false"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &down.url),
    ])
    .provide_credentials()
    .await
    .unwrap_err();
    let shown = error.to_string();
    assert!(
        shown.contains(&down.url) && shown.contains("HTTP 503"),
        "{shown}"
    );
    let disabled = chain(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &down.url)])
        .provide_credentials()
        .await;
    assert!(disabled.is_err());
    assert_eq!(down.requests(), 1, "the disabled chain asked nothing");
}
