//! Whole sign-ins through the generated client against moto (started by `cargo xtask test`):
//! SRP with and without a client secret, a new password for an invited user, TOTP MFA with real
//! RFC 6238 codes, MFA setup, and refresh.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use cognito_idp::sign_in::{Answer, Flow, MfaKind, Question, SignInConfig};
use cognito_idp::types::{
    ExplicitAuthFlowsType, MessageActionType, SoftwareTokenMfaConfigType,
    SoftwareTokenMfaSettingsType, UserPoolMfaType,
};
use cognito_idp::{Client, Config, Credentials, RetryConfig};
use cognito_idp_testkit::Script;
use cognito_idp_testkit::totp::{fresh_totp, totp};
use zeroize::Zeroizing;

const PASSWORD: &str = "Corr3ct-Horse!";

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

/// A pool with `mfa` and an app client allowing SRP, passwords and refresh.
async fn pool(client: &Client, with_secret: bool, mfa: Option<UserPoolMfaType>) -> SignInConfig {
    let pool = client
        .create_user_pool()
        .pool_name("sign-in")
        .send()
        .await
        .expect("CreateUserPool");
    let pool_id = pool.user_pool.and_then(|p| p.id).expect("a pool id");
    if let Some(mfa) = mfa {
        client
            .set_user_pool_mfa_config()
            .user_pool_id(&pool_id)
            .software_token_mfa_configuration(
                SoftwareTokenMfaConfigType::builder().enabled(true).build(),
            )
            .mfa_configuration(mfa)
            .send()
            .await
            .expect("SetUserPoolMfaConfig");
    }
    let app = client
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .generate_secret(with_secret)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client
        .expect("an app client");
    let config = SignInConfig::new(pool_id, app.client_id.expect("a client id"));
    match app.client_secret {
        Some(secret) => config.with_client_secret(secret),
        None => config,
    }
}

/// A user made by an administrator; with `permanent`, ready to sign in, else invited with a
/// temporary password.
async fn user(client: &Client, config: &SignInConfig, username: &str, permanent: bool) {
    client
        .admin_create_user()
        .user_pool_id(&config.pool_id)
        .username(username)
        .temporary_password("Temp0rary!pass")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect("AdminCreateUser");
    if permanent {
        client
            .admin_set_user_password()
            .user_pool_id(&config.pool_id)
            .username(username)
            .password(PASSWORD)
            .permanent(true)
            .send()
            .await
            .expect("AdminSetUserPassword");
    }
}

#[tokio::test]
async fn srp_sign_in_without_and_with_a_client_secret() {
    let client = client();
    for with_secret in [false, true] {
        let config = pool(&client, with_secret, None).await;
        user(&client, &config, "alice", true).await;
        let auth = client.authenticator(config);
        let tokens = auth
            .sign_in("alice", PASSWORD, &mut Script::none())
            .await
            .expect("SRP sign-in");
        // moto's USER_ID_FOR_SRP is the user's sub, not the typed name: the proof used it.
        assert_eq!(tokens.username, "alice");
        assert!(tokens.refresh_token.is_some() && tokens.id_token.is_some());
        let me = client
            .get_user()
            .access_token(tokens.access_token.as_str())
            .send()
            .await
            .expect("GetUser");
        assert_eq!(me.username, "alice", "with_secret = {with_secret}");
    }
}

#[tokio::test]
async fn unknown_users_and_wrong_secrets_are_refused() {
    let client = client();
    let config = pool(&client, true, None).await;
    user(&client, &config, "bob", true).await;
    let unknown = client
        .authenticator(config.clone())
        .sign_in("nobody", PASSWORD, &mut Script::none())
        .await;
    assert_eq!(unknown.unwrap_err().code(), Some("UserNotFoundException"));
    let wrong_secret = config.with_client_secret("not-the-secret");
    let refused = client
        .authenticator(wrong_secret)
        .sign_in("bob", PASSWORD, &mut Script::none())
        .await;
    let error = refused.unwrap_err();
    assert_eq!(error.code(), Some("NotAuthorizedException"), "{error:?}");
    assert!(!format!("{error} {error:?}").contains(PASSWORD));
}

#[tokio::test]
async fn an_invited_user_sets_a_new_password() {
    let client = client();
    let config = pool(&client, false, None).await;
    user(&client, &config, "carol", false).await;
    let auth = client.authenticator(config);
    let mut script = Script::none().with_new_password("N3w-Passw0rd!", HashMap::new());
    let tokens = auth
        .sign_in("carol", "Temp0rary!pass", &mut script)
        .await
        .expect("signed in with a new password");
    assert!(
        matches!(script.asked.as_slice(), [Question::NewPassword { .. }]),
        "{:?}",
        script.asked
    );
    assert!(!tokens.access_token.is_empty());
    // The new password is now the password.
    auth.sign_in("carol", "N3w-Passw0rd!", &mut Script::none())
        .await
        .expect("the new password works");
}

#[tokio::test]
async fn software_token_mfa_with_real_codes() {
    let client = client();
    let config = pool(&client, false, Some(UserPoolMfaType::Optional)).await;
    user(&client, &config, "dave", true).await;
    let auth = client.authenticator(config);
    let first = auth
        .sign_in("dave", PASSWORD, &mut Script::none())
        .await
        .expect("no MFA yet");
    let access = first.access_token.as_str();

    let secret = client
        .associate_software_token()
        .access_token(access)
        .send()
        .await
        .expect("AssociateSoftwareToken")
        .secret_code
        .expect("a TOTP secret");
    let verified = client
        .verify_software_token()
        .access_token(access)
        .user_code(fresh_totp(&secret).await)
        .send()
        .await
        .expect("VerifySoftwareToken");
    assert_eq!(
        verified.status.map(|s| s.as_str().to_owned()).as_deref(),
        Some("SUCCESS")
    );
    client
        .set_user_mfa_preference()
        .access_token(access)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .expect("SetUserMFAPreference");

    let mut script = Script::none().with_totp(&secret);
    let tokens = auth
        .sign_in("dave", PASSWORD, &mut script)
        .await
        .expect("signed in with a TOTP code");
    assert!(matches!(
        script.asked.as_slice(),
        [Question::Code {
            kind: MfaKind::SoftwareToken,
            ..
        }]
    ));
    assert!(!tokens.access_token.is_empty());

    // A wrong code is refused by the server (moto checks codes with TOTP switched on).
    let wrong = totp(&secret, SystemTime::now() - Duration::from_secs(3600));
    let mut wrong = Script::new([("Code", Answer::Code(Zeroizing::new(wrong)))]);
    let refused = auth
        .sign_in("dave", PASSWORD, &mut wrong)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("CodeMismatchException"), "{refused:?}");
}

#[tokio::test]
async fn mfa_setup_on_first_sign_in() {
    let client = client();
    let config = pool(&client, false, Some(UserPoolMfaType::On)).await;
    user(&client, &config, "erin", true).await;
    let auth = client.authenticator(config);
    let mut script = Script::none();
    let tokens = auth
        .sign_in("erin", PASSWORD, &mut script)
        .await
        .expect("MFA set up, then signed in");
    assert!(
        matches!(
            script.asked.as_slice(),
            [Question::SetUpSoftwareToken { .. }]
        ),
        "{:?}",
        script.asked
    );
    assert!(!tokens.access_token.is_empty());
}

#[tokio::test]
async fn admin_user_password_sign_in_goes_through_the_admin_operations() {
    let client = client();
    let config = pool(&client, false, None).await;
    user(&client, &config, "hank", true).await;
    let password = Some(Zeroizing::new(PASSWORD.to_owned()));
    let auth = client.authenticator(config);
    let tokens = auth
        .run(
            Flow::AdminUserPassword,
            "hank",
            password,
            &mut Script::none(),
        )
        .await
        .expect("signed in");
    let me = client
        .get_user()
        .access_token(tokens.access_token.as_str())
        .send()
        .await
        .expect("GetUser");
    assert_eq!(me.username, "hank");
    let wrong = Some(Zeroizing::new("Wr0ng-password!".to_owned()));
    let refused = auth
        .run(Flow::AdminUserPassword, "hank", wrong, &mut Script::none())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("NotAuthorizedException"));
}

#[tokio::test]
async fn refresh_token_sign_in() {
    let client = client();
    let config = pool(&client, false, None).await;
    user(&client, &config, "fay", true).await;
    let auth = client.authenticator(config);
    let first = auth
        .sign_in("fay", PASSWORD, &mut Script::none())
        .await
        .expect("signed in");
    let refresh_token = first.refresh_token.clone().expect("a refresh token");
    let flow = Flow::RefreshToken { refresh_token };
    let refreshed = auth
        .run(flow, &first.username, None, &mut Script::none())
        .await
        .expect("refreshed");
    assert!(
        refreshed.refresh_token.is_none(),
        "a refresh keeps the refresh token it was given"
    );
    let me = client
        .get_user()
        .access_token(refreshed.access_token.as_str())
        .send()
        .await
        .expect("GetUser");
    assert_eq!(me.username, "fay");
}

/// Runs the built example against moto with `args`, piping `input`: (success, stdout, stderr).
fn run_example(
    config: &SignInConfig,
    username: &str,
    args: &[&str],
    input: &str,
) -> (bool, String, String) {
    // `cargo test` builds the examples beside the test binaries: target/<profile>/examples.
    let test_binary = std::env::current_exe().unwrap();
    let example = test_binary
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("examples/sign_in");
    assert!(
        example.exists(),
        "{} is not built: run the tests with `cargo xtask test`",
        example.display()
    );
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
            "--username",
            username,
        ])
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the example starts");
    use std::io::Write as _;
    write!(child.stdin.take().unwrap(), "{input}").unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.success(), stdout, stderr)
}

#[tokio::test]
async fn the_example_signs_in_without_showing_tokens() {
    let client = client();
    let config = pool(&client, false, None).await;
    user(&client, &config, "gina", true).await;
    let (success, stdout, stderr) = run_example(&config, "gina", &[], &format!("{PASSWORD}\n"));
    assert!(success, "{stdout}{stderr}");
    assert!(stdout.contains("Signed in as gina."), "{stdout}");
    assert!(stdout.contains("The tokens expire at"), "{stdout}");
    // JWTs start with `eyJ`; none may be printed, nor the password.
    assert!(
        !stdout.contains("eyJ") && !stderr.contains("eyJ"),
        "{stdout}{stderr}"
    );
    assert!(!stdout.contains(PASSWORD) && !stderr.contains(PASSWORD));
}

#[tokio::test]
async fn the_example_keeps_its_session_in_a_store() {
    let client = client();
    let config = pool(&client, false, None).await;
    user(&client, &config, "hana", true).await;
    let store =
        std::env::temp_dir().join(format!("cognito-idp-example-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&store);
    let store_arg = store.to_str().unwrap();
    let (success, stdout, stderr) = run_example(
        &config,
        "hana",
        &["--store", store_arg],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        success && stdout.contains("Signed in as hana."),
        "{stdout}{stderr}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&store).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "readable by its owner only");
    }
    // The second run asks nothing: it refreshes the stored session.
    let (success, stdout, stderr) = run_example(&config, "hana", &["--store", store_arg], "");
    assert!(success, "{stdout}{stderr}");
    assert!(
        stdout.contains("Refreshed the stored session of hana."),
        "{stdout}{stderr}"
    );
    assert!(
        !stdout.contains("eyJ") && !stderr.contains("eyJ"),
        "{stdout}{stderr}"
    );
    // Once the refresh token is revoked, it signs in again.
    let stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&store).unwrap()).unwrap();
    client
        .global_sign_out()
        .access_token(stored["access_token"].as_str().unwrap())
        .send()
        .await
        .expect("GlobalSignOut");
    let (success, stdout, stderr) = run_example(
        &config,
        "hana",
        &["--store", store_arg],
        &format!("{PASSWORD}\n"),
    );
    assert!(success, "{stdout}{stderr}");
    assert!(
        stderr.contains("cannot be refreshed") && stdout.contains("Signed in as hana."),
        "{stdout}{stderr}"
    );
    std::fs::remove_file(&store).unwrap();
}

#[tokio::test]
async fn the_example_says_why_a_sign_in_failed() {
    let client = client();
    let config = pool(&client, false, None).await;
    user(&client, &config, "ivan", true).await;
    // moto does not check SRP proofs: the password flow is the one it refuses a wrong password in.
    let (success, _, stderr) = run_example(
        &config,
        "ivan",
        &["--flow", "password"],
        "Wr0ng-password!\n",
    );
    assert!(!success);
    // Every layer, once: the sign-in, the request, the service's code and message.
    assert!(stderr.contains("a sign-in request failed"), "{stderr}");
    assert!(stderr.contains("NotAuthorizedException"), "{stderr}");
    assert!(!stderr.contains("Wr0ng-password!"), "{stderr}");
}

#[cfg(unix)]
#[tokio::test]
async fn the_example_makes_an_existing_store_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let client = client();
    let config = pool(&client, false, None).await;
    user(&client, &config, "jade", true).await;
    let store = std::env::temp_dir().join(format!(
        "cognito-idp-example-open-{}.json",
        std::process::id()
    ));
    std::fs::write(&store, b"").unwrap();
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store_arg = store.to_str().unwrap();
    let (success, stdout, stderr) = run_example(
        &config,
        "jade",
        &["--store", store_arg],
        &format!("{PASSWORD}\n"),
    );
    let mode = std::fs::metadata(&store).unwrap().permissions().mode();
    let _ = std::fs::remove_file(&store);
    assert!(success, "{stdout}{stderr}");
    assert_eq!(
        mode & 0o777,
        0o600,
        "an existing file is made readable by its owner only"
    );
}
