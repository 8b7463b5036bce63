//! The newer challenges through the `Authenticator`, against the scripted peer, which checks
//! what it is sent (moto implements none of them): passkeys, e-mail MFA setup, a device the
//! user declines to remember, and a device whose confirmation fails without failing the
//! sign-in.

use cognito_idp_runtime::signin::{
    Answer, Authenticator, Flow, MfaKind, NewDevice, Question, SignInConfig, Zeroizing,
};
use cognito_idp_testkit::peer::{CLIENT_ID, POOL_ID, claims};
use cognito_idp_testkit::{Confirm, Peer, Script};

const OPTIONS: &str = r#"{"challenge":"Y2hhbGxlbmdl","rpId":"example.com","allowCredentials":[]}"#;
const CREDENTIAL: &str = r#"{"id":"cred-1","type":"public-key","response":{"signature":"c2ln"}}"#;

fn uma() -> Peer {
    Peer::new().user("uma", "sub-uma", "Uma!passw0rd")
}

fn config() -> SignInConfig {
    SignInConfig::new(POOL_ID, CLIENT_ID)
}

fn password() -> Option<Zeroizing<String>> {
    Some(Zeroizing::new("Uma!passw0rd".into()))
}

#[tokio::test]
async fn a_passkey_ceremony_is_the_callers_and_the_rest_is_not() {
    let peer = uma().passkey(OPTIONS, CREDENTIAL);
    let flow = Flow::UserAuth {
        preferred: Some("WEB_AUTHN".into()),
    };
    let credential = Answer::WebAuthn {
        credential: Zeroizing::new(CREDENTIAL.into()),
    };
    let mut user = Script::new([("WebAuthn", credential)]);
    let tokens = Authenticator::new(&peer, config())
        .run(flow, "uma", None, &mut user)
        .await
        .expect("signed in with a passkey");
    assert_eq!(claims(&tokens.access_token)["username"], "sub-uma");
    assert_eq!(
        user.asked,
        [Question::WebAuthn {
            credential_request_options: OPTIONS.into()
        }]
    );
    assert_eq!(peer.log(), ["InitiateAuth USER_AUTH", "Respond WEB_AUTHN"]);
}

#[tokio::test]
async fn email_mfa_is_set_up_then_answered() {
    let peer = uma().email_setup("uma@example.com", "271828");
    let mut user = Script::new([
        ("EmailForMfa", Answer::Email("uma@example.com".into())),
        ("Code", Answer::Code(Zeroizing::new("271828".into()))),
    ]);
    Authenticator::new(&peer, config())
        .run(Flow::UserPassword, "uma", password(), &mut user)
        .await
        .expect("signed in after setting up e-mail MFA");
    assert_eq!(
        user.asked[1],
        Question::Code {
            kind: MfaKind::Email,
            destination: Some("u***@example.com".into())
        }
    );
    assert_eq!(
        peer.log(),
        [
            "InitiateAuth USER_PASSWORD_AUTH",
            "Respond MFA_SETUP",
            "Respond EMAIL_OTP"
        ]
    );
}

#[tokio::test]
async fn a_declined_device_is_tracked_not_remembered() {
    let peer = uma().issue_devices(Confirm::AskUser);
    let mut user = Script::new([("RememberDevice", Answer::RememberDevice(false))]);
    let tokens = Authenticator::new(&peer, config())
        .run(Flow::UserPassword, "uma", password(), &mut user)
        .await
        .unwrap();
    assert_eq!(tokens.new_device, Some(NewDevice::NotRemembered));
    assert_eq!(
        peer.log(),
        ["InitiateAuth USER_PASSWORD_AUTH", "ConfirmDevice"]
    );
}

#[tokio::test]
async fn a_failing_confirm_device_keeps_the_tokens() {
    let peer = uma().issue_devices(Confirm::Fails("TooManyRequestsException"));
    let tokens = Authenticator::new(&peer, config())
        .run(Flow::UserPassword, "uma", password(), &mut Script::none())
        .await
        .expect("the sign-in succeeds without the device");
    assert_eq!(claims(&tokens.access_token)["username"], "sub-uma");
    assert!(tokens.device.is_none());
    assert_eq!(
        tokens.new_device,
        Some(NewDevice::Failed {
            operation: "ConfirmDevice",
            reason: "TooManyRequestsException: Rate exceeded".into(),
        })
    );
}
