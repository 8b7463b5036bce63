//! What the corpus-classes client does on the wire, against a loopback stub: `iso8601`
//! timestamps travel as text, an input shared by operations is sent whole, and the operations
//! this client cannot carry are refused without a byte sent.

use std::sync::{Arc, Mutex};

use corpus_classes::error::{ConstructionError, SdkError, ThingNotFound};
use corpus_classes::primitives::DateTime;
use corpus_classes::types::{OperationValue, Provider};
use corpus_classes::{Client, Config, Credentials, RetryConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server answering every request with `body`, keeping the request bodies it read.
async fn stub(body: &'static str) -> (Client, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = Vec::new();
            let mut chunk = [0u8; 4096];
            // Headers, then as many body bytes as Content-Length says.
            let text = loop {
                let n = socket.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break String::from_utf8_lossy(&request).into_owned();
                }
                request.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&request).into_owned();
                if let Some((head, rest)) = text.split_once("\r\n\r\n") {
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    if rest.len() >= length {
                        break rest.to_owned();
                    }
                }
            };
            log.lock().unwrap().push(text);
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(reply.as_bytes()).await;
        }
    });
    let client = Client::new(
        Config::builder()
            .endpoint_url(&url)
            .region("us-east-1")
            .credentials(Credentials::new("AKIDSTUB", "stub-secret-key"))
            .retry(RetryConfig::disabled())
            .build(),
    );
    (client, seen)
}

#[tokio::test]
async fn iso8601_timestamps_are_text_both_ways() {
    let (client, seen) = stub(
        r#"{"Since":"2023-11-14T22:13:20.5Z","Seen":["1970-01-01T00:00:00Z"],"Epoch":1700000000,"Matrix":[["a","b"],[]]}"#,
    )
    .await;
    let output = client
        .get_thing()
        .thing_id("t-1")
        .since(DateTime::from_secs(1_700_000_000))
        .seen(DateTime::from_secs(0))
        .epoch(DateTime::from_secs(1_700_000_000))
        .matrix(vec!["x".to_owned()])
        .operation(OperationValue::builder().kind("renamed").build())
        .send()
        .await
        .unwrap();
    assert_eq!(output.since, Some(DateTime::from_secs_f64(1_700_000_000.5)));
    assert_eq!(output.seen, Some(vec![DateTime::from_secs(0)]));
    assert_eq!(output.epoch, Some(DateTime::from_secs(1_700_000_000)));
    assert_eq!(
        output.matrix,
        Some(vec![vec!["a".to_owned(), "b".to_owned()], vec![]])
    );

    let sent: serde_json::Value = serde_json::from_str(&seen.lock().unwrap()[0]).unwrap();
    assert_eq!(sent["Since"], "2023-11-14T22:13:20Z");
    assert_eq!(sent["Seen"], serde_json::json!(["1970-01-01T00:00:00Z"]));
    assert_eq!(sent["Epoch"], 1_700_000_000);
    assert_eq!(sent["Operation"]["Kind"], "renamed");
    assert_eq!(sent["Matrix"], serde_json::json!([["x"]]));
}

#[tokio::test]
async fn a_shared_input_is_sent_whole_with_its_idempotency_token() {
    let (client, seen) = stub(r#"{"PoolId":"p-1","Providers":[{"ProviderName":"idp"}]}"#).await;
    let output = client
        .update_pool()
        .pool_id("p-1")
        .providers(
            Provider::builder()
                .provider_name("idp")
                .client_secret("s3cr3t")
                .default_value(true)
                .build(),
        )
        .tags("team", "auth")
        .send()
        .await
        .unwrap();
    assert_eq!(output.pool_id, "p-1");
    let sent: serde_json::Value = serde_json::from_str(&seen.lock().unwrap()[0]).unwrap();
    assert_eq!(sent["Providers"][0]["ClientSecret"], "s3cr3t");
    assert_eq!(sent["Providers"][0]["Default"], true);
    assert_eq!(sent["Tags"]["team"], "auth");
    assert_eq!(
        sent["ClientToken"].as_str().map(str::len),
        Some(36),
        "{sent}"
    );
}

/// The reason of a construction error that refused a request.
fn refusal<E: std::fmt::Debug>(result: Result<impl std::fmt::Debug, SdkError<E>>) -> String {
    match result {
        Err(SdkError::Construction(ConstructionError::Request(e))) => e.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn operations_this_client_cannot_carry_send_nothing() {
    let (client, seen) = stub("{}").await;
    let streamed = refusal(client.watch_things().thing_id("t").send().await);
    assert!(streamed.contains("streams events"), "{streamed}");
    let prefixed = refusal(client.put_record().thing_id("t").send().await);
    assert!(prefixed.contains("hostPrefix"), "{prefixed}");
    assert!(
        seen.lock().unwrap().is_empty(),
        "a refused operation sent a request"
    );
}

#[tokio::test]
async fn members_named_as_generated_methods_or_errors_keep_their_wire_names() {
    let (client, seen) = stub(r#"{"LastError":{"Message":"gone"}}"#).await;
    let output = client
        .get_thing()
        .thing_id("t-1")
        .build_value("b")
        .send_value("s")
        .report(ThingNotFound::builder().message("lost").build())
        .send()
        .await
        .unwrap();
    assert_eq!(
        output.last_error.and_then(|e| e.message),
        Some("gone".to_owned())
    );
    let sent: serde_json::Value = serde_json::from_str(&seen.lock().unwrap()[0]).unwrap();
    assert_eq!(sent["Build"], "b");
    assert_eq!(sent["Send"], "s");
    // An error shape sent as a member is its members, without the response metadata.
    assert_eq!(sent["Report"], serde_json::json!({"Message": "lost"}));
}
