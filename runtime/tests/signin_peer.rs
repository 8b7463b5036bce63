//! Sign-in against the scripted Cognito peer, which really checks SRP proofs (moto does not): the
//! server side of cognito-srp.md §16 with registered verifiers, for users and devices, with
//! `SECRET_HASH` checked over the right username at every step, and choice-based `USER_AUTH`.

use cognito_idp_runtime::signin::{Answer, AuthError, Authenticator, Flow, SignInConfig};
use cognito_idp_runtime::srp::DeviceSecrets;
use cognito_idp_testkit::peer::{CLIENT_ID, POOL_ID, claims};
use cognito_idp_testkit::{Confirm, Peer, Script};
use zeroize::Zeroizing;

fn config() -> SignInConfig {
    SignInConfig::new(POOL_ID, CLIENT_ID)
}

#[tokio::test]
async fn srp_proofs_are_checked_and_a_wrong_password_is_refused() {
    let peer = Peer::new().user("alice@example.com", "sub-alice", "S3cure!pass");
    let auth = Authenticator::new(&peer, config());
    let tokens = auth
        .sign_in("alice@example.com", "S3cure!pass", &mut Script::none())
        .await
        .expect("signed in");
    assert_eq!(claims(&tokens.access_token)["username"], "sub-alice");
    assert_eq!(tokens.username, "sub-alice");
    assert_eq!(
        peer.log(),
        ["InitiateAuth USER_SRP_AUTH", "Respond PASSWORD_VERIFIER"]
    );

    let refused = auth
        .sign_in("alice@example.com", "wrong-pass", &mut Script::none())
        .await
        .unwrap_err();
    assert_eq!(
        refused.code(),
        Some("NotAuthorizedException"),
        "{refused:?}"
    );
    assert!(!format!("{refused} {refused:?}").contains("wrong-pass"));
}

#[tokio::test]
async fn secret_hash_is_over_the_typed_name_then_the_internal_id() {
    let peer = Peer::new()
        .user("bob", "sub-bob-1234", "B0b!password")
        .client_secret("app-secret");
    let auth = Authenticator::new(&peer, config().with_client_secret("app-secret"));
    auth.sign_in("bob", "B0b!password", &mut Script::none())
        .await
        .expect("signed in with SECRET_HASH");

    let wrong = Authenticator::new(&peer, config().with_client_secret("another-secret"));
    let refused = wrong
        .sign_in("bob", "B0b!password", &mut Script::none())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("NotAuthorizedException"));
}

#[tokio::test]
async fn a_device_is_remembered_then_signs_in_with_its_own_proof() {
    let peer = Peer::new()
        .user("carol", "sub-carol", "C4rol!password")
        .issue_devices(Confirm::AskUser);
    let auth = Authenticator::new(&peer, config());
    let first = auth
        .sign_in(
            "carol",
            "C4rol!password",
            &mut Script::new([("RememberDevice", Answer::RememberDevice(true))]),
        )
        .await
        .expect("first sign-in");
    assert_eq!(
        peer.log(),
        [
            "InitiateAuth USER_SRP_AUTH",
            "Respond PASSWORD_VERIFIER",
            "ConfirmDevice",
            "UpdateDeviceStatus"
        ]
    );
    let device = first.device.expect("the new device's secrets");

    let remembering = Authenticator::new(&peer, config().with_device(device.clone()));
    let second = remembering
        .sign_in("carol", "C4rol!password", &mut Script::none())
        .await
        .expect("device sign-in");
    assert_eq!(
        peer.log(),
        [
            "InitiateAuth USER_SRP_AUTH",
            "Respond PASSWORD_VERIFIER",
            "Respond DEVICE_SRP_AUTH",
            "Respond DEVICE_PASSWORD_VERIFIER"
        ]
    );
    assert_eq!(
        second.device.map(|d| d.device_key),
        Some(device.device_key.clone())
    );

    // A device with the wrong password fails the peer's check.
    let (forged, _) =
        DeviceSecrets::generate(&device.device_key, &device.device_group_key).unwrap();
    let forger = Authenticator::new(&peer, config().with_device(forged));
    let refused = forger
        .sign_in("carol", "C4rol!password", &mut Script::none())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("NotAuthorizedException"));
}

#[tokio::test]
async fn an_unknown_device_is_dropped_and_the_sign_in_retried() {
    let peer = Peer::new().user("dan", "sub-dan", "D4n!password");
    let (stale, _) = DeviceSecrets::generate("us-east-1_gone", "group-1").unwrap();
    let auth = Authenticator::new(&peer, config().with_device(stale));
    let tokens = auth
        .sign_in("dan", "D4n!password", &mut Script::none())
        .await
        .expect("signed in without the device");
    assert!(tokens.device.is_none());
    assert_eq!(
        peer.log(),
        [
            "InitiateAuth USER_SRP_AUTH",
            "Respond PASSWORD_VERIFIER",
            "InitiateAuth USER_SRP_AUTH",
            "Respond PASSWORD_VERIFIER"
        ]
    );
}

#[tokio::test]
async fn user_auth_select_challenge_then_password_srp() {
    let peer = Peer::new().user("erin", "sub-erin", "Er1n!password");
    let auth = Authenticator::new(&peer, config());
    let choose = || Script::new([("SelectChallenge", Answer::Choice("PASSWORD_SRP".into()))]);
    let password = Some(Zeroizing::new("Er1n!password".to_owned()));
    let tokens = auth
        .run(
            Flow::UserAuth { preferred: None },
            "erin",
            password,
            &mut choose(),
        )
        .await
        .expect("tokens");
    assert_eq!(claims(&tokens.access_token)["username"], "sub-erin");
    assert_eq!(
        peer.log(),
        [
            "InitiateAuth USER_AUTH",
            "Respond SELECT_CHALLENGE",
            "Respond PASSWORD_VERIFIER"
        ]
    );

    let wrong = Some(Zeroizing::new("nope".to_owned()));
    let refused = auth
        .run(
            Flow::UserAuth { preferred: None },
            "erin",
            wrong,
            &mut choose(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(refused, AuthError::Transport(_))
            && refused.code() == Some("NotAuthorizedException")
    );
}
