//! Errors read well: each layer of every kind of error describes itself and leaves the rest to
//! its `source()`, so a chain printer shows each message once; and the details are at hand
//! (`code()`, `message()`, `request_id()`, `is_*()`), on `SdkError` and on operation errors.

mod support;

use cognito_idp_testkit::Script;
use std::error::Error;

use cognito_idp::error::SdkError;
use cognito_idp::operation::initiate_auth::InitiateAuthError;
use cognito_idp::sign_in::{Flow, SignInConfig};
use cognito_idp::types::AuthFlowType;
use cognito_idp::{Client, Config, Credentials, RetryConfig, TimeoutConfig};
use support::{RawStub, json, response};
use zeroize::Zeroizing;

/// Every layer's own text, outermost first.
fn layers(error: &(dyn Error + 'static)) -> Vec<String> {
    let mut out = vec![error.to_string()];
    let mut next = error.source();
    while let Some(cause) = next {
        out.push(cause.to_string());
        next = cause.source();
    }
    out
}

/// No layer's text appears inside another's.
fn assert_each_said_once(error: &(dyn Error + 'static)) -> Vec<String> {
    let layers = layers(error);
    for (i, outer) in layers.iter().enumerate() {
        assert!(!outer.is_empty(), "{layers:?}");
        for inner in &layers[i + 1..] {
            assert!(
                !outer.contains(inner.as_str()) && !inner.contains(outer.as_str()),
                "{inner:?} and {outer:?} repeat each other: {layers:?}"
            );
        }
    }
    layers
}

async fn initiate(client: &Client) -> Result<(), SdkError<InitiateAuthError>> {
    client
        .initiate_auth()
        .client_id("app")
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", "Pa55!word")
        .send()
        .await
        .map(|_| ())
}

const WRONG: &str = "Incorrect username or password.";

#[tokio::test]
async fn service_errors_say_each_thing_once_and_give_their_details() {
    let body = format!(r#"{{"__type":"NotAuthorizedException","message":"{WRONG}"}}"#);
    let stub = RawStub::start(move |_| {
        response(
            400,
            &[
                ("Content-Type", "application/x-amz-json-1.1"),
                ("x-amzn-RequestId", "req-42"),
            ],
            body.as_bytes(),
        )
    })
    .await;
    let error = initiate(&stub.client()).await.unwrap_err();
    let layers = assert_each_said_once(&error);
    assert_eq!(
        layers,
        ["service error", &format!("NotAuthorizedException: {WRONG}")]
    );
    assert_eq!(
        (error.code(), error.message(), error.request_id()),
        (Some("NotAuthorizedException"), Some(WRONG), Some("req-42"))
    );
    let operation = error.into_service_error().unwrap();
    assert!(operation.is_not_authorized_exception());
    assert!(!operation.is_user_not_found_exception());
    assert_eq!(
        (
            operation.code(),
            operation.message(),
            operation.request_id()
        ),
        (Some("NotAuthorizedException"), Some(WRONG), Some("req-42"))
    );
    let InitiateAuthError::NotAuthorizedException(modelled) = &operation else {
        panic!("{operation:?}")
    };
    assert_eq!(modelled.meta().status, Some(400));
}

#[tokio::test]
async fn every_other_kind_of_error_says_each_thing_once() {
    let stub = RawStub::start(|n| match n {
        // A modelled code whose body cannot be read as that error.
        0 => json(
            400,
            r#"{"__type":"InvalidParameterException","reasonCode":7}"#,
        ),
        1 => response(
            502,
            &[("Content-Type", "text/html")],
            b"<h1>Bad gateway</h1>",
        ),
        2 => json(200, "not json"),
        _ => json(200, r#"{"Users":[],"PaginationToken":"same"}"#),
    })
    .await;
    let client = stub.client();
    let mut kinds = Vec::new();
    let unhandled = initiate(&client).await.unwrap_err();
    assert!(matches!(
        unhandled.as_service_error(),
        Some(InitiateAuthError::Unhandled(_))
    ));
    assert_eq!(unhandled.code(), Some("InvalidParameterException"));
    kinds.push(assert_each_said_once(&unhandled));
    let page = client
        .list_user_pools()
        .max_results(1)
        .send()
        .await
        .unwrap_err();
    kinds.push(assert_each_said_once(&page));
    let garbage = client
        .list_user_pools()
        .max_results(1)
        .send()
        .await
        .unwrap_err();
    kinds.push(assert_each_said_once(&garbage));
    let mut pages = client
        .list_users()
        .user_pool_id("p")
        .into_paginator()
        .send();
    let stopped = loop {
        match pages.next().await.expect("a stop, not an end") {
            Ok(_) => continue,
            Err(e) => break e,
        }
    };
    assert_eq!(stub.requests(), 5, "two pages, then the stop");
    kinds.push(assert_each_said_once(&stopped));

    // Nothing listening: a dispatch failure.
    let refused = Client::new(
        Config::builder()
            .endpoint_url("http://127.0.0.1:9")
            .region("us-east-1")
            .retry(RetryConfig::disabled())
            .build(),
    );
    kinds.push(assert_each_said_once(
        &initiate(&refused).await.unwrap_err(),
    ));
    // A server that never answers: a timeout.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let slow = Client::new(
        Config::builder()
            .endpoint_url(format!("http://{}", silent.local_addr().unwrap()))
            .region("us-east-1")
            .retry(RetryConfig::disabled())
            .timeouts(
                TimeoutConfig::default().with_attempt(Some(std::time::Duration::from_millis(50))),
            )
            .build(),
    );
    kinds.push(assert_each_said_once(&initiate(&slow).await.unwrap_err()));
    // Nothing sent: a missing member, and no region to sign for.
    let missing = client
        .initiate_auth()
        .client_id("app")
        .send()
        .await
        .unwrap_err();
    kinds.push(assert_each_said_once(&missing));
    let no_region = Client::new(
        Config::builder()
            .endpoint_url(&stub.url)
            .credentials(Credentials::new("A", "B"))
            .build(),
    );
    kinds.push(assert_each_said_once(
        &no_region
            .list_user_pools()
            .max_results(1)
            .send()
            .await
            .unwrap_err(),
    ));

    let outermost: Vec<&str> = kinds.iter().map(|k| k[0].as_str()).collect();
    assert_eq!(
        outermost,
        [
            "service error",
            "service error",
            "unusable response",
            "pagination stopped",
            "dispatch failure",
            "timed out",
            "failed to construct the request",
            "failed to construct the request",
        ]
    );
    assert!(
        kinds.iter().all(|k| k.len() >= 2),
        "each names its cause: {kinds:?}"
    );
}

#[tokio::test]
async fn sign_in_errors_say_each_thing_once() {
    let body = format!(r#"{{"__type":"NotAuthorizedException","message":"{WRONG}"}}"#);
    let stub = RawStub::start(move |n| match n {
        0 => json(400, &body),
        _ => json(
            200,
            r#"{"AuthenticationResult":{"AccessToken":"","ExpiresIn":3600}}"#,
        ),
    })
    .await;
    let auth = stub
        .client()
        .authenticator(SignInConfig::new("us-east-1_p", "app"));
    for _ in 0..2 {
        let error = auth
            .run(
                Flow::UserPassword,
                "alice",
                Some(Zeroizing::new("Pa55!word".into())),
                &mut Script::none(),
            )
            .await
            .unwrap_err();
        let layers = assert_each_said_once(&error);
        let all = layers.join(" | ");
        assert!(all.matches(WRONG).count() <= 1, "{all}");
    }
}
