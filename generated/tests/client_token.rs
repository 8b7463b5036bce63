//! Machine-to-machine tokens from `GetClientToken` (`Client::client_credentials`), against the
//! scripted domain's API side: the operation's request is what Cognito checks, tokens are kept
//! per scope set with one request in flight, and refusals are typed without the secret.

use std::sync::Arc;

use cognito_idp::credentials::{CredentialsError, CredentialsFuture, ProvideCredentials};
use cognito_idp::oauth::{ClientCredentials, OAuthError};
use cognito_idp::{Client, Config, Credentials, RetryConfig};
use cognito_idp_testkit::oauth::{CLIENT_ID, CLIENT_SECRET, TokenEndpoint};

fn client(endpoint: &TokenEndpoint) -> Client {
    Client::new(
        Config::builder()
            .endpoint_url(&endpoint.url)
            .region("eu-west-1")
            .credentials(Credentials::new("AKIDTEST", "test-secret-key"))
            .retry(RetryConfig::disabled())
            .build(),
    )
}

#[tokio::test]
async fn tokens_come_from_get_client_token_and_are_kept_per_scope_set() {
    let endpoint = TokenEndpoint::start().await;
    let tokens = client(&endpoint).client_credentials(CLIENT_ID, CLIENT_SECRET);
    let read = tokens.token(&["orders/read"]).await.unwrap();
    assert_eq!(read.token.as_str(), "m2m-1");
    assert_eq!(read.scopes, ["orders/read"]);
    let both = tokens
        .token(&["orders/write", "orders/read"])
        .await
        .unwrap();
    assert_eq!(both.token.as_str(), "m2m-2");
    assert_eq!(both.scopes, ["orders/read", "orders/write"]);
    // The same sets again, in another order: from the cache.
    assert_eq!(
        tokens.token(&["orders/read"]).await.unwrap().token.as_str(),
        "m2m-1"
    );
    let header = tokens
        .authorization(&["orders/read", "orders/write"])
        .await
        .unwrap();
    assert_eq!(header.as_str(), "Bearer m2m-2");
    // No scopes: all the client may have, the operation's `Scopes` left out.
    assert_eq!(tokens.token(&[]).await.unwrap().token.as_str(), "m2m-3");
    assert_eq!(endpoint.requests(), 3);
    assert_eq!(tokens.scope_sets(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_request() {
    let endpoint = TokenEndpoint::start().await;
    endpoint.delay(std::time::Duration::from_millis(100));
    let tokens = Arc::new(client(&endpoint).client_credentials(CLIENT_ID, CLIENT_SECRET));
    let callers: Vec<_> = (0..32)
        .map(|_| {
            let tokens = tokens.clone();
            tokio::spawn(async move { tokens.token(&["orders/read"]).await.unwrap() })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap().token.as_str(), "m2m-1");
    }
    assert_eq!(endpoint.requests(), 1);
}

#[tokio::test]
async fn refusals_are_typed_and_never_carry_the_secret() {
    let endpoint = TokenEndpoint::start().await;
    let wrong = "wrong secret 1234";
    let tokens: ClientCredentials = client(&endpoint).client_credentials(CLIENT_ID, wrong);
    let error = tokens.token(&["orders/read"]).await.unwrap_err();
    match &error {
        OAuthError::Service { code, status, .. } => {
            assert_eq!(code.as_deref(), Some("NotAuthorizedException"));
            assert_eq!(*status, Some(400));
        }
        other => panic!("{other:?}"),
    }
    for shown in [
        error.to_string(),
        format!("{error:?}"),
        format!("{tokens:?}"),
    ] {
        assert!(!shown.contains(wrong), "{shown}");
    }
    assert!(format!("{tokens:?}").contains("GetClientToken as m2m-client"));

    let tokens = client(&endpoint).client_credentials(CLIENT_ID, CLIENT_SECRET);
    let error = tokens.token(&["billing/all"]).await.unwrap_err();
    assert!(
        matches!(&error, OAuthError::Service { code: Some(c), .. } if c == "InvalidParameterException"),
        "{error:?}"
    );
    let error = client(&endpoint)
        .client_credentials("another", CLIENT_SECRET)
        .token(&[])
        .await
        .unwrap_err();
    assert!(
        matches!(&error, OAuthError::Service { code: Some(c), .. } if c == "ResourceNotFoundException"),
        "{error:?}"
    );
}

#[tokio::test]
async fn service_faults_and_unusable_answers_are_errors() {
    let endpoint = TokenEndpoint::start().await;
    endpoint.fail_next(&[(500, Some("InternalErrorException"))]);
    let tokens = client(&endpoint).client_credentials(CLIENT_ID, CLIENT_SECRET);
    let error = tokens.token(&["orders/read"]).await.unwrap_err();
    assert!(
        matches!(&error, OAuthError::Service { code: Some(c), status: Some(500), .. } if c == "InternalErrorException"),
        "{error:?}"
    );
    // A lifetime the runtime refuses: no token is kept from it.
    endpoint.lifetime(0);
    let error = tokens.token(&["orders/write"]).await.unwrap_err();
    assert!(matches!(error, OAuthError::Unreadable(_)), "{error:?}");
}

/// Credentials that are never there.
#[derive(Debug)]
struct NoCredentials;

impl ProvideCredentials for NoCredentials {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(async {
            Err(CredentialsError::NotFound {
                profile: "default".into(),
            })
        })
    }
}

#[tokio::test]
async fn without_aws_credentials_the_signed_operation_is_not_sent() {
    let endpoint = TokenEndpoint::start().await;
    let client = Client::new(
        Config::builder()
            .endpoint_url(&endpoint.url)
            .region("eu-west-1")
            .credentials_provider(NoCredentials)
            .retry(RetryConfig::disabled())
            .build(),
    );
    let error = client
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .token(&[])
        .await
        .unwrap_err();
    assert!(matches!(error, OAuthError::NotSent(_)), "{error:?}");
    assert!(!error.to_string().contains(CLIENT_SECRET), "{error}");
    assert_eq!(endpoint.requests(), 0);
}
