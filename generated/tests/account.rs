//! Account journeys through the generated client against the scripted journey peer, which checks
//! `SECRET_HASH` over the `Username` of every request, and codes as Cognito does (wrong, expired,
//! too many tries); moto plays the journeys it knows in `account_moto.rs`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use cognito_idp::account::{Account, AccountError, Accounts, DeliveryMedium, ReplyError};
use cognito_idp::error::{PaginationError, SdkError};
use cognito_idp::sign_in::{
    Flow, MemoryStore, Session, SessionError, SessionOptions, SignInConfig, TokenStore, Zeroizing,
};
use cognito_idp::{Client, Config, Credentials, RetryConfig};
use cognito_idp_testkit::Script;
use cognito_idp_testkit::journeys::{CLIENT_ID, CODE, JourneyPeer, Oddity, POOL_ID};
use cognito_idp_testkit::peer::claims;

const SECRET: &str = "journey-secret";
const PASSWORD: &str = "Journey!pass1";

fn client(peer: &JourneyPeer) -> Client {
    Client::new(
        Config::builder()
            .endpoint_url(&peer.url)
            .region("us-east-1")
            .credentials(Credentials::new("AKIDPEER", "peer-does-not-check"))
            .retry(RetryConfig::disabled())
            .build(),
    )
}

fn config(secret: Option<&str>) -> SignInConfig {
    let config = SignInConfig::new(POOL_ID, CLIENT_ID);
    match secret {
        Some(secret) => config.with_client_secret(secret),
        None => config,
    }
}

#[tokio::test]
async fn sign_up_confirm_and_signed_in_without_the_password_again() {
    let peer = JourneyPeer::start(Some(SECRET)).await;
    let client = client(&peer);
    // The whole journey, as an app writes it: four lines.
    let accounts = client.accounts(config(Some(SECRET)));
    let signed_up = accounts
        .sign_up(
            "jo@example.com",
            PASSWORD,
            &[("email", "jo@example.com")],
            &[],
        )
        .await
        .unwrap();
    let confirmed = accounts
        .confirm_sign_up("jo@example.com", CODE, false, signed_up.session.as_ref())
        .await
        .unwrap();
    let tokens = accounts
        .sign_in_confirmed("jo@example.com", &confirmed, &mut Script::none())
        .await
        .unwrap();

    assert!(!signed_up.confirmed);
    assert_eq!(signed_up.sub, "sub-jo@example.com");
    let delivery = signed_up.delivery.as_ref().expect("a code was sent");
    assert_eq!(
        (
            delivery.destination.as_str(),
            &delivery.medium,
            delivery.attribute.as_deref()
        ),
        ("j***@e***", &DeliveryMedium::Email, Some("email"))
    );
    assert_eq!(
        claims(&tokens.access_token)["username"],
        "sub-jo@example.com"
    );
    assert_eq!(
        peer.log(),
        ["SignUp", "ConfirmSignUp", "InitiateAuth USER_AUTH"]
    );
    let shown = format!("{signed_up:?} {confirmed:?}");
    assert!(
        !shown.contains("session-") && !shown.contains(PASSWORD),
        "{shown}"
    );

    // The hash is over the name each request sends: a wrong secret is refused at once.
    let wrong = client.accounts(config(Some("another-secret")));
    let refused = wrong.sign_up("kim", PASSWORD, &[], &[]).await.unwrap_err();
    assert_eq!(refused.code(), Some("NotAuthorizedException"));
    assert!(
        refused
            .as_service_error()
            .is_some_and(|e| e.is_not_authorized_exception())
    );
    let unhashed = client.accounts(config(None));
    let refused = unhashed
        .resend_sign_up_code("jo@example.com")
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("NotAuthorizedException"));
}

#[tokio::test]
async fn codes_that_are_wrong_expired_or_tried_too_often_are_typed() {
    let peer = JourneyPeer::start(Some(SECRET)).await;
    let client = client(&peer);
    let accounts = client.accounts(config(Some(SECRET)));
    accounts
        .sign_up(
            "lee",
            PASSWORD,
            &[("email", "lee@example.com")],
            &[("captcha", "ok")],
        )
        .await
        .unwrap();
    let wrong = accounts
        .confirm_sign_up("lee", "000000", false, None)
        .await
        .unwrap_err();
    assert!(
        wrong
            .as_service_error()
            .is_some_and(|e| e.is_code_mismatch_exception()),
        "{wrong:?}"
    );
    for _ in 0..2 {
        accounts
            .confirm_sign_up("lee", "000000", false, None)
            .await
            .unwrap_err();
    }
    let limited = accounts
        .confirm_sign_up("lee", CODE, false, None)
        .await
        .unwrap_err();
    assert!(
        limited
            .as_service_error()
            .is_some_and(|e| e.is_limit_exceeded_exception()),
        "{limited:?}"
    );
    // A new code resets the tries.
    let delivery = accounts.resend_sign_up_code("lee").await.unwrap();
    assert_eq!(delivery.medium, DeliveryMedium::Email);
    peer.expire_codes();
    let expired = accounts
        .confirm_sign_up("lee", CODE, false, None)
        .await
        .unwrap_err();
    assert!(
        expired
            .as_service_error()
            .is_some_and(|e| e.is_expired_code_exception()),
        "{expired:?}"
    );
    let nobody = accounts.resend_sign_up_code("nobody").await.unwrap_err();
    assert!(
        nobody
            .as_service_error()
            .is_some_and(|e| e.is_user_not_found_exception())
    );
    let taken = accounts
        .sign_up("lee", PASSWORD, &[], &[])
        .await
        .unwrap_err();
    assert!(
        taken
            .as_service_error()
            .is_some_and(|e| e.is_username_exists_exception())
    );
    // Refused before anything is sent.
    let twice = accounts
        .sign_up("max", PASSWORD, &[("email", "a@x"), ("email", "b@x")], &[])
        .await
        .unwrap_err();
    assert!(
        matches!(twice, AccountError::Reply(ReplyError::DuplicateAttribute(ref name)) if name == "email")
    );
}

#[tokio::test]
async fn a_password_is_reset_with_the_code_and_works() {
    let peer = JourneyPeer::start(Some(SECRET)).await;
    peer.add_user("nia@example.com", "sub-nia", PASSWORD, "nia@example.com");
    let client = client(&peer);
    let accounts = client.accounts(config(Some(SECRET)));
    let delivery = accounts.reset_password("nia@example.com").await.unwrap();
    assert_eq!(delivery.destination, "j***@e***");
    let wrong = accounts
        .confirm_reset_password("nia@example.com", "111111", "New!pass2")
        .await
        .unwrap_err();
    assert!(
        wrong
            .as_service_error()
            .is_some_and(|e| e.is_code_mismatch_exception())
    );
    accounts
        .confirm_reset_password("nia@example.com", CODE, "New!pass2")
        .await
        .unwrap();
    let tokens = client
        .authenticator(config(Some(SECRET)))
        .run(
            Flow::UserPassword,
            "nia@example.com",
            Some(Zeroizing::new("New!pass2".into())),
            &mut Script::none(),
        )
        .await
        .expect("the new password works");
    assert_eq!(tokens.username, "sub-nia");
    assert_eq!(
        peer.log(),
        [
            "ForgotPassword",
            "ConfirmForgotPassword",
            "ConfirmForgotPassword",
            "InitiateAuth USER_PASSWORD_AUTH"
        ]
    );
}

#[tokio::test]
async fn a_reset_with_no_such_user_an_expired_or_overtried_code_is_typed() {
    let peer = JourneyPeer::start(Some(SECRET)).await;
    peer.add_user("oli", "sub-oli", PASSWORD, "oli@example.com");
    let client = client(&peer);
    let accounts = client.accounts(config(Some(SECRET)));
    let nobody = accounts.reset_password("nobody").await.unwrap_err();
    assert!(
        nobody
            .as_service_error()
            .is_some_and(|e| e.is_user_not_found_exception())
    );

    accounts.reset_password("oli").await.unwrap();
    for _ in 0..3 {
        let wrong = accounts
            .confirm_reset_password("oli", "000000", "New!pass2")
            .await;
        assert!(
            wrong
                .unwrap_err()
                .as_service_error()
                .is_some_and(|e| e.is_code_mismatch_exception())
        );
    }
    let limited = accounts
        .confirm_reset_password("oli", CODE, "New!pass2")
        .await
        .unwrap_err();
    assert!(
        limited
            .as_service_error()
            .is_some_and(|e| e.is_limit_exceeded_exception()),
        "{limited:?}"
    );
    accounts.reset_password("oli").await.unwrap();
    peer.expire_codes();
    let expired = accounts
        .confirm_reset_password("oli", CODE, "New!pass2")
        .await
        .unwrap_err();
    assert!(
        expired
            .as_service_error()
            .is_some_and(|e| e.is_expired_code_exception()),
        "{expired:?}"
    );
    // The password is unchanged by any of it.
    client
        .authenticator(config(Some(SECRET)))
        .run(
            Flow::UserPassword,
            "oli",
            Some(Zeroizing::new(PASSWORD.into())),
            &mut Script::none(),
        )
        .await
        .expect("the old password still works");
}

#[tokio::test]
async fn metadata_validation_and_context_data_reach_each_request() {
    let peer = JourneyPeer::start(Some(SECRET)).await;
    let client = client(&peer);
    let metadata = HashMap::from([("app".to_owned(), "journeys".to_owned())]);
    let config = config(Some(SECRET))
        .with_client_metadata(metadata)
        .with_encoded_data(|username| Some(format!("context-of-{username}")));
    let accounts = client.accounts(config);
    let validation = [("captcha", "ok")];
    accounts
        .sign_up(
            "uma",
            PASSWORD,
            &[("email", "uma@example.com")],
            &validation,
        )
        .await
        .unwrap();
    accounts.resend_sign_up_code("uma").await.unwrap();
    accounts
        .confirm_sign_up("uma", CODE, true, None)
        .await
        .unwrap();
    accounts.reset_password("uma").await.unwrap();
    accounts
        .confirm_reset_password("uma", CODE, "New!pass2")
        .await
        .unwrap();
    let sign_up = &peer.bodies("SignUp")[0];
    assert_eq!(
        sign_up["ValidationData"],
        serde_json::json!([{"Name": "captcha", "Value": "ok"}])
    );
    assert_eq!(
        sign_up["UserAttributes"],
        serde_json::json!([{"Name": "email", "Value": "uma@example.com"}])
    );
    assert_eq!(peer.bodies("ConfirmSignUp")[0]["ForceAliasCreation"], true);
    for operation in [
        "SignUp",
        "ResendConfirmationCode",
        "ConfirmSignUp",
        "ForgotPassword",
        "ConfirmForgotPassword",
    ] {
        let body = &peer.bodies(operation)[0];
        assert_eq!(body["ClientId"], CLIENT_ID, "{operation}");
        assert_eq!(body["Username"], "uma", "{operation}");
        assert_eq!(body["ClientMetadata"]["app"], "journeys", "{operation}");
        assert_eq!(
            body["UserContextData"]["EncodedData"], "context-of-uma",
            "{operation}"
        );
    }
}

#[tokio::test]
async fn odd_answers_fail_the_journey_with_a_typed_error() {
    let peer = JourneyPeer::start(None).await;
    let client = client(&peer);
    let accounts = client.accounts(config(None));
    accounts.sign_up("ora", PASSWORD, &[], &[]).await.unwrap();
    peer.oddity(Oddity::NoDestination);
    let nowhere = accounts.resend_sign_up_code("ora").await.unwrap_err();
    assert!(
        matches!(nowhere, AccountError::Reply(ReplyError::NoDestination)),
        "{nowhere:?}"
    );
    peer.oddity(Oddity::NoSession);
    let confirmed = accounts
        .confirm_sign_up("ora", CODE, false, None)
        .await
        .unwrap();
    let no_session = accounts
        .sign_in_confirmed("ora", &confirmed, &mut Script::none())
        .await
        .unwrap_err();
    assert!(
        matches!(no_session, AccountError::Reply(ReplyError::NoSession)),
        "{no_session:?}"
    );
}

/// A session of `typed`, signed in with the password.
async fn session(
    client: &Client,
    typed: &str,
    options: SessionOptions,
) -> (Session<Client>, Arc<MemoryStore>) {
    let auth = client.authenticator(config(None));
    let tokens = auth
        .run(
            Flow::UserPassword,
            typed,
            Some(Zeroizing::new(PASSWORD.into())),
            &mut Script::none(),
        )
        .await
        .expect("signed in");
    let store = Arc::new(MemoryStore::default());
    (
        Session::new(auth, tokens, store.clone(), options).unwrap(),
        store,
    )
}

#[tokio::test]
async fn a_signed_in_user_manages_their_own_account() {
    let peer = JourneyPeer::start(None).await;
    peer.add_user("pat", "sub-pat", PASSWORD, "pat@example.com");
    let client = client(&peer);
    let (session, store) = session(&client, "pat", SessionOptions::default()).await;
    let account = Account::new(session.clone());

    let me = account.user_attributes().await.unwrap();
    assert_eq!(
        (me.username.as_str(), me.sub.as_str()),
        ("sub-pat", "sub-pat")
    );
    assert_eq!(me.email_verified, Some(true));
    assert!(
        !format!("{me:?}").contains("pat@example.com"),
        "attribute values stay out of Debug"
    );

    let refused = account
        .change_password("not-it", "Other!pass3")
        .await
        .unwrap_err();
    assert!(
        refused
            .as_service_error()
            .is_some_and(|e| e.is_not_authorized_exception())
    );
    account
        .change_password(PASSWORD, "Other!pass3")
        .await
        .unwrap();

    // A new address needs verifying; a name does not.
    let sent = account
        .update_user_attributes(&[("email", "pat@example.org"), ("name", "Pat")])
        .await
        .unwrap();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        (sent[0].attribute.as_deref(), &sent[0].medium),
        (Some("email"), &DeliveryMedium::Email)
    );
    let me = account.user_attributes().await.unwrap();
    assert_eq!(me.email_verified, Some(false));
    assert_eq!(me.attributes.get("name").map(String::as_str), Some("Pat"));
    let twice = account
        .update_user_attributes(&[("name", "A"), ("name", "B")])
        .await
        .unwrap_err();
    assert!(
        matches!(twice, AccountError::Reply(ReplyError::DuplicateAttribute(ref name)) if name == "name")
    );

    let sent = account
        .send_attribute_verification_code("email")
        .await
        .unwrap();
    assert_eq!(sent.attribute.as_deref(), Some("email"));
    let wrong = account
        .confirm_attribute("email", "999999")
        .await
        .unwrap_err();
    assert!(
        wrong
            .as_service_error()
            .is_some_and(|e| e.is_code_mismatch_exception())
    );
    account.confirm_attribute("email", CODE).await.unwrap();
    assert_eq!(
        account.user_attributes().await.unwrap().email_verified,
        Some(true)
    );
    account.delete_user_attributes(&["email"]).await.unwrap();
    assert!(
        !account
            .user_attributes()
            .await
            .unwrap()
            .attributes
            .contains_key("email")
    );

    let devices = account.devices().await.unwrap();
    assert_eq!(devices.len(), 2, "both pages");
    account.remember_device("us-east-1_dev-b").await.unwrap();
    account
        .do_not_remember_device("us-east-1_dev-b")
        .await
        .unwrap();
    account.forget_device("us-east-1_dev-a").await.unwrap();
    assert_eq!(account.devices().await.unwrap().len(), 1);
    let gone = account.forget_device("us-east-1_dev-a").await.unwrap_err();
    assert!(
        gone.as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception())
    );

    assert_eq!(account.passkeys().await.unwrap().len(), 2);
    let registration = account.register_passkey().await.unwrap();
    assert_eq!(registration.options["rp"]["id"], "example.com");
    account
        .complete_passkey(serde_json::json!({"id": "cred-3", "type": "public-key"}))
        .await
        .unwrap();
    account.delete_passkey("cred-1").await.unwrap();
    let ids: Vec<String> = account
        .passkeys()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.credential_id)
        .collect();
    assert_eq!(ids, ["cred-2", "cred-3"]);

    account.delete_user().await.unwrap();
    assert!(store.load().unwrap().is_none(), "the store is cleared");
    assert!(matches!(
        session.access_token().await,
        Err(SessionError::SignedOut)
    ));
    let after = account.user_attributes().await.unwrap_err();
    assert!(
        matches!(after, AccountError::Session(SessionError::SignedOut)),
        "{after:?}"
    );
}

#[tokio::test]
async fn a_refused_refresh_in_a_journey_sends_nothing_and_says_so() {
    let peer = JourneyPeer::start(None).await;
    peer.add_user("quin", "sub-quin", PASSWORD, "quin@example.com");
    let client = client(&peer);
    // The tokens are due (their exp is 4e9 s): the refresh is refused, the session ends.
    let late = SessionOptions::default()
        .with_clock(|| UNIX_EPOCH + Duration::from_secs(4_000_000_000 - 30));
    let (session, _) = session(&client, "quin", late).await;
    peer.log();
    let account = Account::new(session);
    let failed = account
        .change_password(PASSWORD, "Other!pass3")
        .await
        .unwrap_err();
    assert!(
        matches!(failed, AccountError::Session(SessionError::Refresh(_))),
        "{failed:?}"
    );
    assert!(
        !peer.log().iter().any(|op| op == "ChangePassword"),
        "nothing half-done"
    );
}

#[tokio::test]
async fn duplicate_attributes_in_an_answer_are_refused() {
    let peer = JourneyPeer::start(None).await;
    peer.add_user("rio", "sub-rio", PASSWORD, "rio@example.com");
    let client = client(&peer);
    let (session, _) = session(&client, "rio", SessionOptions::default()).await;
    peer.oddity(Oddity::DuplicateAttribute);
    let twice = Account::new(session).user_attributes().await.unwrap_err();
    assert!(
        matches!(twice, AccountError::Reply(ReplyError::DuplicateAttribute(ref name)) if name == "email")
    );
}

#[tokio::test]
async fn a_listing_that_would_not_end_is_an_error_not_part_of_the_list() {
    let peer = JourneyPeer::start(None).await;
    peer.add_user("sol", "sub-sol", PASSWORD, "sol@example.com");
    let client = client(&peer);
    let (session, _) = session(&client, "sol", SessionOptions::default()).await;
    let account = Account::new(session);
    peer.oddity(Oddity::RepeatedPageToken);
    let devices = account.devices().await.unwrap_err();
    assert!(
        matches!(
            devices,
            AccountError::Operation(SdkError::Pagination(PaginationError::RepeatedToken { .. }))
        ),
        "{devices:?}"
    );
    let passkeys = account.passkeys().await.unwrap_err();
    assert!(
        matches!(
            passkeys,
            AccountError::Operation(SdkError::Pagination(PaginationError::RepeatedToken { .. }))
        ),
        "{passkeys:?}"
    );
    let log = peer.log();
    assert_eq!(
        log.iter().filter(|op| *op == "ListDevices").count(),
        2,
        "{log:?}"
    );
}

#[test]
fn accounts_and_their_results_debug_without_secrets() {
    let accounts: Accounts =
        Client::new(Config::builder().region("us-east-1").build()).accounts(config(Some(SECRET)));
    let shown = format!("{accounts:?}");
    assert!(!shown.contains(SECRET), "{shown}");
}
