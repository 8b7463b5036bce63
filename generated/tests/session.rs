//! Tokens against moto: alias sign-ins name the user as Cognito knows them, refreshes keep them
//! valid, and moto's real tokens verify against its key set, or are refused for the right
//! reason. (Rotation, `GetTokensFromRefreshToken`, `RevokeToken` and passkeys, which moto does
//! not implement, are tested against the runtime's scripted peer.)

use cognito_idp_testkit::Script;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognito_idp::jwt::{Checks, TokenUse, Verifier, VerifyError};
use cognito_idp::sign_in::{Flow, Refresh, SignInConfig, Tokens, Zeroizing};
use cognito_idp::types::{AttributeType, ExplicitAuthFlowsType, UsernameAttributeType};
use cognito_idp::{Client, Config, Credentials, RetryConfig};

const PASSWORD: &str = "Alias!passw0rd";

fn moto_url() -> String {
    std::env::var("COGNITO_IDP_TEST_MOTO_URL").unwrap_or_else(|_| {
        panic!("COGNITO_IDP_TEST_MOTO_URL is not set: run the tests with `cargo xtask test`, which starts moto")
    })
}

fn client() -> Client {
    Client::new(
        Config::builder()
            .endpoint_url(moto_url())
            .region("us-east-1")
            .credentials(Credentials::new("AKIDMOTO", "moto-does-not-check"))
            .retry(RetryConfig::disabled())
            .build(),
    )
}

/// A pool whose usernames are e-mail addresses, its app client, and a confirmed user.
async fn alias_pool(client: &Client) -> (SignInConfig, &'static str) {
    let pool_id = client
        .create_user_pool()
        .pool_name("aliases")
        .username_attributes(UsernameAttributeType::Email)
        .send()
        .await
        .expect("CreateUserPool")
        .user_pool
        .and_then(|p| p.id)
        .expect("a pool id");
    let client_id = client
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client
        .and_then(|c| c.client_id)
        .expect("a client id");
    let email = "erin@example.com";
    client
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username(email)
        .user_attributes(
            AttributeType::builder()
                .name("email")
                .value(email)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("AdminCreateUser");
    client
        .admin_set_user_password()
        .user_pool_id(&pool_id)
        .username(email)
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .expect("AdminSetUserPassword");
    (SignInConfig::new(pool_id, client_id), email)
}

async fn sign_in(client: &Client, config: &SignInConfig, flow: Flow, name: &str) -> Tokens {
    client
        .authenticator(config.clone())
        .run(
            flow,
            name,
            Some(Zeroizing::new(PASSWORD.into())),
            &mut Script::none(),
        )
        .await
        .expect("signed in")
}

#[tokio::test]
async fn alias_sign_ins_name_the_user_as_cognito_knows_them_and_refresh() {
    let client = client();
    let (config, email) = alias_pool(&client).await;
    for flow in [Flow::UserPassword, Flow::AdminUserPassword] {
        let tokens = sign_in(&client, &config, flow.clone(), email).await;
        let user = client
            .get_user()
            .access_token(tokens.access_token.as_str())
            .send()
            .await
            .expect("GetUser");
        assert_eq!(tokens.username, user.username, "{flow:?}");
        assert_ne!(tokens.username, email, "{flow:?}: not the typed alias");
        let sub = user.user_attributes.iter().find(|a| a.name == "sub");
        assert_eq!(tokens.sub.as_deref(), sub.and_then(|a| a.value.as_deref()));
        let left = tokens.expires_at.duration_since(SystemTime::now()).unwrap();
        assert!(
            left > Duration::from_secs(3000) && left <= Duration::from_secs(3600),
            "{left:?}"
        );

        let mut how = Refresh::Auto;
        let fresh = client
            .authenticator(config.clone())
            .refresh(&tokens, &mut how)
            .await
            .expect("refreshed");
        assert_eq!(
            how,
            Refresh::RefreshTokenAuth,
            "moto allows REFRESH_TOKEN_AUTH"
        );
        assert_eq!(fresh.username, tokens.username);
        assert_eq!(
            fresh.refresh_token, tokens.refresh_token,
            "kept: not reissued"
        );
        client
            .get_user()
            .access_token(fresh.access_token.as_str())
            .send()
            .await
            .expect("the refreshed access token works");
    }
}

/// Re-signs `token`'s header and payload with a key that is not moto's.
fn forge(token: &str, header: Option<&str>) -> String {
    let der = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../runtime/tests/data/test-rsa-a.pk8"
    ))
    .expect("the test key");
    let key = ring::signature::RsaKeyPair::from_pkcs8(&der).expect("an RSA key");
    let mut parts = token.split('.');
    let (original_header, payload) = (parts.next().unwrap(), parts.next().unwrap());
    let header = header
        .map(|h| URL_SAFE_NO_PAD.encode(h))
        .unwrap_or_else(|| original_header.to_owned());
    let signed = format!("{header}.{payload}");
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        signed.as_bytes(),
        &mut signature,
    )
    .unwrap();
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature))
}

#[tokio::test]
async fn motos_tokens_verify_against_its_key_set() {
    let client = client();
    let (config, email) = alias_pool(&client).await;
    let tokens = sign_in(&client, &config, Flow::UserPassword, email).await;
    let access = tokens.access_token.as_str();
    let id = tokens.id_token.as_deref().expect("an ID token").as_str();
    let jwks = format!("{}/{}/.well-known/jwks.json", moto_url(), config.pool_id);
    let verifier = |checks: Checks| {
        Verifier::new(checks)
            .unwrap()
            .with_jwks_url(&jwks)
            .unwrap()
            .with_refetch_interval(Duration::ZERO)
    };
    let checks = Checks::new(&config.pool_id, &config.client_id);
    let all = verifier(checks.clone());

    let claims = all
        .verify(access)
        .await
        .expect("moto's access token verifies");
    assert_eq!(claims.username(), Some(tokens.username.as_str()));
    all.verify(id).await.expect("moto's ID token verifies");
    assert_eq!(all.key_set_fetches().await, 1);

    let later = SystemTime::now() + Duration::from_secs(2 * 3600);
    assert_eq!(
        all.verify_at(access, later).await,
        Err(VerifyError::Expired)
    );
    let other_client = verifier(Checks::new(&config.pool_id, "another-client"));
    assert_eq!(other_client.verify(access).await, Err(VerifyError::Client));
    let mut id_only = checks.clone();
    id_only.token_use = vec![TokenUse::Id];
    assert_eq!(
        verifier(id_only).verify(access).await,
        Err(VerifyError::TokenUse)
    );
    assert_eq!(
        all.verify(&forge(access, None)).await,
        Err(VerifyError::Signature)
    );

    // An unknown key id refetches the key set once, then is refused.
    let unknown = forge(access, Some(r#"{"alg":"RS256","kid":"rotated-away"}"#));
    assert_eq!(all.verify(&unknown).await, Err(VerifyError::UnknownKey));
    assert_eq!(all.key_set_fetches().await, 2);
    // With the default interval, a flood of them costs no more fetches.
    let patient = Verifier::new(checks).unwrap().with_jwks_url(&jwks).unwrap();
    patient.verify(access).await.unwrap();
    for _ in 0..20 {
        assert_eq!(patient.verify(&unknown).await, Err(VerifyError::UnknownKey));
    }
    assert_eq!(patient.key_set_fetches().await, 1);
}
