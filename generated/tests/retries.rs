//! The standard retry mode's quota: retries spend tokens shared by a client and its clones,
//! successes return them, and an empty bucket stops retrying until the service recovers.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cognito_idp::{Client, Config, Credentials, RetryConfig};
use support::{RawStub, json};

fn client(stub: &RawStub, quota: u32) -> Client {
    Client::new(
        Config::builder()
            .endpoint_url(&stub.url)
            .region("us-east-1")
            .credentials(Credentials::new("AKIDSTUB", "stub-secret-key"))
            .retry(
                RetryConfig::default()
                    .with_initial_backoff(Duration::from_millis(1))
                    .with_max_backoff(Duration::from_millis(2))
                    .with_retry_quota(quota),
            )
            .build(),
    )
}

#[tokio::test]
async fn the_retry_quota_drains_on_failures_and_refills_on_successes() {
    let healthy = Arc::new(AtomicBool::new(false));
    let state = healthy.clone();
    let stub = RawStub::start(move |_| match state.load(Ordering::SeqCst) {
        true => json(200, r#"{"UserPools":[]}"#),
        false => json(
            500,
            r#"{"__type":"InternalErrorException","message":"down"}"#,
        ),
    })
    .await;
    // 20 tokens: two failing calls' retries (2 x 2 x 5) spend them all.
    let client = client(&stub, 20);
    let call = |client: Client| async move { client.list_user_pools().max_results(1).send().await };
    let mut requests = Vec::new();
    for _ in 0..3 {
        let before = stub.requests();
        let failed = call(client.clone()).await.unwrap_err();
        assert_eq!(failed.code(), Some("InternalErrorException"));
        requests.push(stub.requests() - before);
    }
    assert_eq!(
        requests,
        [3, 3, 1],
        "the third call, on a clone, finds the bucket empty"
    );

    // Recovered: each success returns a token; five of them pay for one retry again.
    healthy.store(true, Ordering::SeqCst);
    for _ in 0..5 {
        call(client.clone()).await.expect("the service is back");
    }
    healthy.store(false, Ordering::SeqCst);
    let before = stub.requests();
    call(client.clone()).await.unwrap_err();
    assert_eq!(stub.requests() - before, 2, "one retry's worth of tokens");

    // Without a quota, every failing call retries in full.
    let unlimited = Client::new(
        Config::builder()
            .endpoint_url(&stub.url)
            .region("us-east-1")
            .credentials(Credentials::new("AKIDSTUB", "stub-secret-key"))
            .retry(
                RetryConfig::default()
                    .with_initial_backoff(Duration::from_millis(1))
                    .without_retry_quota(),
            )
            .build(),
    );
    for _ in 0..3 {
        let before = stub.requests();
        call(unlimited.clone()).await.unwrap_err();
        assert_eq!(stub.requests() - before, 3);
    }
}
