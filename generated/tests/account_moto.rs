//! Account journeys against moto (started by `cargo xtask test`), for those it implements: an
//! app client with a secret, a user with an e-mail, sign-up to TOTP and MFA preferences.

use std::sync::Arc;

use cognito_idp::account::{Account, MfaSetting, MfaSettings};
use cognito_idp::sign_in::{Flow, MemoryStore, Session, SessionOptions, SignInConfig, Zeroizing};
use cognito_idp::types::ExplicitAuthFlowsType;
use cognito_idp::{Client, Config, Credentials, RetryConfig};
use cognito_idp_testkit::Script;
use cognito_idp_testkit::totp::fresh_totp;

const PASSWORD: &str = "Moto!passw0rd";

fn client() -> Client {
    let url = std::env::var("COGNITO_IDP_TEST_MOTO_URL").unwrap_or_else(|_| {
        panic!("COGNITO_IDP_TEST_MOTO_URL is not set: run the tests with `cargo xtask test`, which starts moto")
    });
    Client::new(
        Config::builder()
            .endpoint_url(url)
            .region("us-east-1")
            .credentials(Credentials::new("AKIDMOTO", "moto-does-not-check"))
            .retry(RetryConfig::disabled())
            .build(),
    )
}

/// A pool with an app client that has a secret.
async fn pool(client: &Client) -> SignInConfig {
    let pool_id = client
        .create_user_pool()
        .pool_name("journeys")
        .send()
        .await
        .expect("CreateUserPool")
        .user_pool
        .and_then(|p| p.id)
        .expect("a pool id");
    let app = client
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .generate_secret(true)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client
        .expect("an app client");
    SignInConfig::new(pool_id, app.client_id.expect("a client id"))
        .with_client_secret(app.client_secret.expect("a secret"))
}

#[tokio::test]
async fn sign_up_confirm_sign_in_and_manage_the_account() {
    let client = client();
    let config = pool(&client).await;
    let accounts = client.accounts(config.clone());
    let signed_up = accounts
        .sign_up("una", PASSWORD, &[("email", "una@example.com")], &[])
        .await
        .expect("signed up with SECRET_HASH");
    assert!(!signed_up.confirmed);
    assert!(!signed_up.sub.is_empty());
    accounts
        .confirm_sign_up("una", "123456", false, signed_up.session.as_ref())
        .await
        .expect("confirmed");

    let auth = client.authenticator(config.clone());
    let tokens = auth
        .run(
            Flow::UserPassword,
            "una",
            Some(Zeroizing::new(PASSWORD.into())),
            &mut Script::none(),
        )
        .await
        .expect("signed in");
    let session = Session::new(
        auth,
        tokens,
        Arc::new(MemoryStore::default()),
        SessionOptions::default(),
    )
    .unwrap();
    let account = Account::new(session);

    let me = account.user_attributes().await.expect("GetUser");
    assert_eq!(me.sub, signed_up.sub);
    assert_eq!(
        me.attributes.get("email").map(String::as_str),
        Some("una@example.com")
    );
    account
        .update_user_attributes(&[("name", "Una")])
        .await
        .expect("UpdateUserAttributes");
    assert_eq!(
        account
            .user_attributes()
            .await
            .unwrap()
            .attributes
            .get("name")
            .map(String::as_str),
        Some("Una")
    );

    let secret = account.set_up_totp().await.expect("AssociateSoftwareToken");
    let uri = secret.uri("Journeys", "una@example.com");
    assert!(
        uri.starts_with("otpauth://totp/Journeys:una%40example.com?secret="),
        "{}",
        uri.as_str()
    );
    // moto checks TOTP codes (the test server is started so).
    let wrong = account
        .verify_totp("000000", Some("phone"))
        .await
        .unwrap_err();
    assert!(
        wrong
            .as_service_error()
            .is_some_and(|e| e.is_code_mismatch_exception()),
        "{wrong:?}"
    );
    account
        .verify_totp(&fresh_totp(secret.expose()).await, Some("phone"))
        .await
        .expect("VerifySoftwareToken");
    let totp = MfaSetting {
        enabled: true,
        preferred: true,
    };
    account
        .set_mfa_preference(MfaSettings {
            totp: Some(totp),
            ..MfaSettings::default()
        })
        .await
        .expect("SetUserMFAPreference");
    let preference = account.mfa_preference().await.unwrap();
    assert_eq!(preference.preferred.as_deref(), Some("SOFTWARE_TOKEN_MFA"));

    account
        .change_password(PASSWORD, "Moto!passw0rd2")
        .await
        .expect("ChangePassword");
    let refused = account
        .change_password(PASSWORD, "Moto!passw0rd3")
        .await
        .unwrap_err();
    assert!(
        refused
            .as_service_error()
            .is_some_and(|e| e.is_not_authorized_exception()),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_password_is_reset_and_a_taken_name_is_a_typed_error() {
    let client = client();
    let config = pool(&client).await;
    let accounts = client.accounts(config.clone());
    let signed_up = accounts
        .sign_up("vic", PASSWORD, &[("email", "vic@example.com")], &[])
        .await
        .unwrap();
    accounts
        .confirm_sign_up("vic", "123456", false, signed_up.session.as_ref())
        .await
        .unwrap();
    let delivery = accounts
        .reset_password("vic")
        .await
        .expect("ForgotPassword");
    assert!(!delivery.destination.is_empty());
    accounts
        .confirm_reset_password("vic", "123456", "Moto!reset1")
        .await
        .expect("ConfirmForgotPassword");
    client
        .authenticator(config.clone())
        .run(
            Flow::UserPassword,
            "vic",
            Some(Zeroizing::new("Moto!reset1".into())),
            &mut Script::none(),
        )
        .await
        .expect("the new password works");
    let taken = accounts
        .sign_up("vic", PASSWORD, &[], &[])
        .await
        .unwrap_err();
    assert!(
        taken
            .as_service_error()
            .is_some_and(|e| e.is_username_exists_exception()),
        "{taken:?}"
    );
}

#[tokio::test]
async fn the_account_example_walks_a_new_user_through() {
    let client = client();
    let config = pool(&client).await;
    // moto's authenticator-app secret is always this one.
    let code = fresh_totp("asdfasdfasdf").await;
    let example = std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("examples/account");
    assert!(
        example.exists(),
        "{} is not built: run the tests with `cargo xtask test`",
        example.display()
    );
    let secret = config.client_secret.as_ref().unwrap();
    let mut child = std::process::Command::new(example)
        .args([
            "--endpoint",
            &std::env::var("COGNITO_IDP_TEST_MOTO_URL").unwrap(),
        ])
        .args([
            "--pool-id",
            &config.pool_id,
            "--client-id",
            &config.client_id,
        ])
        .args([
            "--client-secret",
            secret.as_str(),
            "--username",
            "wes",
            "--email",
            "wes@example.com",
        ])
        .args(["--issuer", "Example Co"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the example starts");
    use std::io::Write as _;
    write!(
        child.stdin.take().unwrap(),
        "{PASSWORD}\n123456\n{code}\nMoto!passw0rd9\n"
    )
    .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    for step in [
        "Signed up",
        "Confirmed.",
        "Signed in",
        "Authenticator app set up.",
        "Password changed.",
        "Signed out.",
    ] {
        assert!(stdout.contains(step), "{step}: {stdout}");
    }
    assert!(
        stdout.contains("otpauth://totp/Example%20Co:wes%40example.com?secret="),
        "{stdout}"
    );
    let all = format!("{stdout}{stderr}");
    assert!(
        !all.contains("eyJ") && !all.contains(PASSWORD) && !all.contains(secret.as_str()),
        "{all}"
    );
}
