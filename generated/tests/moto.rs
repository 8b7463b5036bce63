//! The generated client against a real local Cognito server: moto, which `cargo xtask test`
//! installs and starts, passing its address in `COGNITO_IDP_TEST_MOTO_URL`.

use cognito_idp::error::SdkError;
use cognito_idp::operation::get_csv_header::GetCsvHeaderError;
use cognito_idp::operation::get_user::GetUserError;
use cognito_idp::operation::initiate_auth::{InitiateAuthError, InitiateAuthOutput};
use cognito_idp::types::{AuthFlowType, ExplicitAuthFlowsType, MessageActionType};
use cognito_idp::{Client, Config, Credentials, RetryConfig};
use cognito_idp_runtime::srp::secret_hash;

const PASSWORD: &str = "Corr3ct-Horse!";

fn server(variable: &str) -> String {
    std::env::var(variable).unwrap_or_else(|_| {
        panic!("{variable} is not set: run the tests with `cargo xtask test`, which starts the local Cognito server")
    })
}

/// A client of the main moto. moto does not check these credentials; signed requests go to the
/// region they are signed for, and unsigned ones to us-east-1, so both use that.
fn client() -> Client {
    Client::new(
        Config::builder()
            .endpoint_url(server("COGNITO_IDP_TEST_MOTO_URL"))
            .region("us-east-1")
            .credentials(Credentials::new("AKIDMOTO", "moto-does-not-check"))
            .retry(RetryConfig::disabled())
            .build(),
    )
}

/// A fresh pool, and an app client with the user-password, SRP and refresh flows.
async fn pool(client: &Client, with_secret: bool) -> (String, String, Option<String>) {
    let pool = client
        .create_user_pool()
        .pool_name("tests")
        .send()
        .await
        .expect("CreateUserPool");
    let pool_id = pool.user_pool.and_then(|p| p.id).expect("a pool id");
    let app = client
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .generate_secret(with_secret)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client
        .expect("the app client");
    let client_id = app.client_id.expect("a client id");
    assert_eq!(app.client_secret.is_some(), with_secret);
    (pool_id, client_id, app.client_secret)
}

/// A confirmed user with a permanent password, made by an administrator.
async fn admin_user(client: &Client, pool_id: &str, username: &str) {
    client
        .admin_create_user()
        .user_pool_id(pool_id)
        .username(username)
        .temporary_password("Temp0rary!pass")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect("AdminCreateUser");
    client
        .admin_set_user_password()
        .user_pool_id(pool_id)
        .username(username)
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .expect("AdminSetUserPassword");
}

async fn password_sign_in(
    client: &Client,
    client_id: &str,
    username: &str,
    password: &str,
) -> Result<InitiateAuthOutput, SdkError<InitiateAuthError>> {
    client
        .initiate_auth()
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .client_id(client_id)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
}

#[tokio::test]
async fn sign_up_sign_in_refresh_and_sign_out() {
    let client = client();
    let (pool_id, client_id, _) = pool(&client, false).await;
    client
        .sign_up()
        .client_id(&client_id)
        .username("alice")
        .password(PASSWORD)
        .send()
        .await
        .expect("SignUp");
    client
        .admin_confirm_sign_up()
        .user_pool_id(&pool_id)
        .username("alice")
        .send()
        .await
        .expect("AdminConfirmSignUp");

    let tokens = password_sign_in(&client, &client_id, "alice", PASSWORD)
        .await
        .expect("USER_PASSWORD_AUTH")
        .authentication_result
        .expect("tokens, no challenge");
    let access = tokens.access_token.expect("an access token");
    let refresh = tokens.refresh_token.expect("a refresh token");
    assert!(tokens.expires_in.is_some_and(|s| s > 0));

    let me = client
        .get_user()
        .access_token(&access)
        .send()
        .await
        .expect("GetUser");
    assert_eq!(me.username, "alice");

    let refreshed = client
        .initiate_auth()
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .client_id(&client_id)
        .auth_parameters("REFRESH_TOKEN", refresh)
        .send()
        .await
        .expect("REFRESH_TOKEN_AUTH")
        .authentication_result
        .expect("new tokens");
    let new_access = refreshed.access_token.expect("a new access token");
    assert_eq!(
        client
            .get_user()
            .access_token(&new_access)
            .send()
            .await
            .expect("GetUser")
            .username,
        "alice"
    );

    client
        .global_sign_out()
        .access_token(&new_access)
        .send()
        .await
        .expect("GlobalSignOut");
    let after = client
        .get_user()
        .access_token(&new_access)
        .send()
        .await
        .expect_err("signed out");
    assert!(
        matches!(
            after.as_service_error(),
            Some(GetUserError::NotAuthorizedException(_))
        ),
        "expected NotAuthorizedException after sign-out, got {after:?}"
    );
}

#[tokio::test]
async fn app_client_with_a_secret_needs_the_secret_hash() {
    let client = client();
    let (pool_id, client_id, secret) = pool(&client, true).await;
    let secret = secret.expect("a client secret");
    admin_user(&client, &pool_id, "bob").await;
    let signed_in = client
        .initiate_auth()
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .client_id(&client_id)
        .auth_parameters("USERNAME", "bob")
        .auth_parameters("PASSWORD", PASSWORD)
        .auth_parameters("SECRET_HASH", secret_hash("bob", &client_id, &secret))
        .send()
        .await
        .expect("USER_PASSWORD_AUTH with SECRET_HASH");
    assert!(
        signed_in
            .authentication_result
            .and_then(|r| r.access_token)
            .is_some()
    );
}

#[tokio::test]
async fn list_users_follows_pages() {
    let client = client();
    let (pool_id, _, _) = pool(&client, false).await;
    let mut expected: Vec<String> = (0..12).map(|i| format!("user{i:02}")).collect();
    for name in &expected {
        client
            .admin_create_user()
            .user_pool_id(&pool_id)
            .username(name)
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .expect("AdminCreateUser");
    }
    let request = client.list_users().user_pool_id(&pool_id);
    let sizes = |page_size| {
        let request = request.clone();
        async move {
            let mut pages = request.into_paginator().page_size(page_size).send();
            let mut sizes = Vec::new();
            while let Some(page) = pages.next().await {
                sizes.push(page.expect("ListUsers page").users.map_or(0, |u| u.len()));
            }
            sizes
        }
    };
    assert_eq!(sizes(5).await, [5, 5, 2]);
    assert_eq!(sizes(4).await, [4, 4, 4]);
    assert_eq!(sizes(12).await, [12]);

    let users = request
        .into_paginator()
        .page_size(7)
        .items()
        .send()
        .collect()
        .await
        .expect("every user");
    let mut names: Vec<String> = users.into_iter().filter_map(|u| u.username).collect();
    names.sort();
    expected.sort();
    assert_eq!(names, expected);
}

#[tokio::test]
async fn modelled_errors_are_typed() {
    let client = client();
    let (pool_id, client_id, _) = pool(&client, false).await;
    admin_user(&client, &pool_id, "carol").await;

    let wrong = password_sign_in(&client, &client_id, "carol", "Wr0ng-password!")
        .await
        .expect_err("wrong password");
    assert!(
        matches!(
            wrong.as_service_error(),
            Some(InitiateAuthError::NotAuthorizedException(_))
        ),
        "{wrong:?}"
    );
    let meta = wrong.meta().expect("service error metadata");
    assert_eq!(meta.code.as_deref(), Some("NotAuthorizedException"));
    assert_eq!(meta.status, Some(400));
    assert!(
        !format!("{wrong} {wrong:?}").contains("Wr0ng-password!"),
        "the password leaked into the error"
    );

    let unknown = password_sign_in(&client, &client_id, "nobody", PASSWORD)
        .await
        .expect_err("unknown user");
    assert!(
        matches!(
            unknown.as_service_error(),
            Some(InitiateAuthError::UserNotFoundException(_))
        ),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn unimplemented_operation_is_unhandled_with_its_status() {
    let client = client();
    let (pool_id, _, _) = pool(&client, false).await;
    // moto has no GetCSVHeader: it answers with an HTML 500 page.
    let error = client
        .get_csv_header()
        .user_pool_id(&pool_id)
        .send()
        .await
        .expect_err("not implemented");
    let Some(GetCsvHeaderError::Unhandled(unhandled)) = error.as_service_error() else {
        panic!("expected an unhandled error, got {error:?}");
    };
    assert_eq!(unhandled.meta().status, Some(500));
    assert_eq!(error.attempts(), 1);
    let source = std::error::Error::source(unhandled)
        .expect("the body snippet")
        .to_string();
    assert!(source.contains("begins"), "{source}");
    assert!(
        source.chars().count() < 300,
        "the snippet is bounded: {source}"
    );
}

#[tokio::test]
async fn signatures_are_checked_by_a_strict_server() {
    let url = server("COGNITO_IDP_TEST_SIGV4_URL");
    let key = server("COGNITO_IDP_TEST_SIGV4_KEY");
    let (id, secret) = key.split_once(':').expect("id:secret");
    let signed = |secret: &str| {
        Client::new(
            Config::builder()
                .endpoint_url(&url)
                .region("us-east-1")
                .credentials(Credentials::new(id, secret))
                .retry(RetryConfig::disabled())
                .build(),
        )
    };
    let pool = signed(secret)
        .create_user_pool()
        .pool_name("signed")
        .send()
        .await
        .expect("a well-signed call");
    let pool_id = pool.user_pool.and_then(|p| p.id).expect("a pool id");
    signed(secret)
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("dave")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect("a well-signed Admin call");

    let refused = signed("not-the-secret")
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username("eve")
        .send()
        .await
        .expect_err("a wrong secret key");
    let meta = refused.meta().expect("a service error");
    assert_eq!(meta.status, Some(403), "{refused:?}");
    assert!(!format!("{refused:?}").contains("not-the-secret"));
}

/// Serves `body` to every request, as a container credentials endpoint does.
async fn credentials_endpoint(body: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/v2/credentials/task",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = [0u8; 4096];
            let _ = socket.read(&mut buffer).await;
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(reply.as_bytes()).await;
        }
    });
    url
}

#[tokio::test]
async fn calls_are_signed_with_credentials_from_the_default_chain() {
    use cognito_idp::credentials::DefaultChain;
    let url = server("COGNITO_IDP_TEST_SIGV4_URL");
    let key = server("COGNITO_IDP_TEST_SIGV4_KEY");
    let (id, secret) = key.split_once(':').expect("id:secret");
    let expiration = cognito_idp::primitives::DateTime::from(
        std::time::SystemTime::now() + std::time::Duration::from_secs(3600),
    )
    .fmt(cognito_idp::primitives::DateTimeFormat::DateTime)
    .unwrap();
    let endpoint = credentials_endpoint(format!(
        r#"{{"AccessKeyId":"{id}","SecretAccessKey":"{secret}","Expiration":"{expiration}"}}"#
    ))
    .await;
    let chain = DefaultChain::from_vars(move |name| match name {
        "AWS_CONTAINER_CREDENTIALS_FULL_URI" => Some(endpoint.clone()),
        "AWS_EC2_METADATA_DISABLED" => Some("true".into()),
        "HOME" => Some("/nonexistent".into()),
        _ => None,
    });
    let client = Client::new(
        Config::builder()
            .endpoint_url(&url)
            .region("us-east-1")
            .credentials_provider(chain)
            .retry(RetryConfig::disabled())
            .build(),
    );
    client
        .create_user_pool()
        .pool_name("from-the-container")
        .send()
        .await
        .expect("signed with the container's credentials");
}
