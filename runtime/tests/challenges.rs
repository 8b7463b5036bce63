//! The newer challenges through the `Authenticator`, against a scripted peer that checks what it
//! is sent (moto implements none of them): passkeys, e-mail MFA setup, a device the user
//! declines to remember, and a device whose confirmation fails without failing the sign-in.

use std::collections::HashMap;
use std::sync::Mutex;

use cognito_idp_runtime::signin::{
    Answer, AuthResult, AuthTransport, Authenticator, Flow, MfaKind, NewDevice, PromptError,
    Prompter, Question, Reply, Request, SignInConfig, TransportFailure, Zeroizing,
};

const OPTIONS: &str = r#"{"challenge":"Y2hhbGxlbmdl","rpId":"example.com","allowCredentials":[]}"#;
const CREDENTIAL: &str = r#"{"id":"cred-1","type":"public-key","response":{"signature":"c2ln"}}"#;

/// What the peer does after the password.
#[derive(Clone, Copy, PartialEq)]
enum Script {
    /// E-mail MFA must be set up first.
    EmailSetup,
    /// Tokens with a new device, whose ConfirmDevice needs the user's word.
    NewDevice,
    /// Tokens with a new device, whose ConfirmDevice fails.
    FailingConfirm,
}

struct Peer {
    script: Script,
    log: Mutex<Vec<String>>,
}

fn challenge(name: &str, parameters: &[(&str, &str)], session: &str) -> Reply {
    Reply::Challenge {
        name: name.into(),
        parameters: parameters
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        session: Some(session.into()),
        available: vec![],
    }
}

fn tokens(new_device: bool) -> Reply {
    Reply::Authenticated(AuthResult {
        access_token: Some("access-token".into()),
        refresh_token: Some("refresh-token".into()),
        expires_in: Some(3600),
        new_device: new_device.then(|| ("us-east-1_dev-1".into(), "group-1".into())),
        ..AuthResult::default()
    })
}

fn refuse(operation: &'static str, code: &str) -> TransportFailure {
    TransportFailure {
        operation,
        code: Some(code.into()),
        message: Some("Rate exceeded".into()),
        source: "refused".into(),
    }
}

impl AuthTransport for &Peer {
    async fn send(&self, _: &str, _: &str, request: Request) -> Result<Reply, TransportFailure> {
        self.log
            .lock()
            .unwrap()
            .push(request.operation().to_owned());
        let get =
            |map: &HashMap<String, String>, key: &str| map.get(key).cloned().unwrap_or_default();
        match request {
            Request::InitiateAuth {
                auth_flow: "USER_AUTH",
                parameters,
                ..
            } => {
                assert_eq!(get(&parameters, "PREFERRED_CHALLENGE"), "WEB_AUTHN");
                Ok(challenge(
                    "WEB_AUTHN",
                    &[("CREDENTIAL_REQUEST_OPTIONS", OPTIONS)],
                    "s-webauthn",
                ))
            }
            Request::InitiateAuth {
                auth_flow: "USER_PASSWORD_AUTH",
                ..
            } => match self.script {
                Script::EmailSetup => Ok(challenge(
                    "MFA_SETUP",
                    &[("MFAS_CAN_SETUP", r#"["EMAIL_OTP"]"#)],
                    "s-setup",
                )),
                Script::NewDevice | Script::FailingConfirm => Ok(tokens(true)),
            },
            Request::RespondToAuthChallenge {
                challenge_name,
                responses,
                session,
                ..
            } => match (challenge_name.as_str(), session.as_deref()) {
                ("WEB_AUTHN", Some("s-webauthn")) => {
                    assert_eq!(get(&responses, "CREDENTIAL"), CREDENTIAL);
                    Ok(tokens(false))
                }
                ("MFA_SETUP", Some("s-setup")) => {
                    assert_eq!(get(&responses, "EMAIL"), "uma@example.com");
                    Ok(challenge(
                        "EMAIL_OTP",
                        &[("CODE_DELIVERY_DESTINATION", "u***@example.com")],
                        "s-code",
                    ))
                }
                ("EMAIL_OTP", Some("s-code")) => {
                    assert_eq!(get(&responses, "EMAIL_OTP_CODE"), "271828");
                    Ok(tokens(false))
                }
                other => panic!("the peer does not script {other:?}"),
            },
            Request::ConfirmDevice { .. } => match self.script {
                Script::FailingConfirm => Err(refuse("ConfirmDevice", "TooManyRequestsException")),
                _ => Ok(Reply::DeviceConfirmed {
                    user_confirmation_necessary: true,
                }),
            },
            Request::RememberDevice { .. } => Ok(Reply::DeviceRemembered),
            other => panic!("the peer does not script {other:?}"),
        }
    }
}

/// Answers from a list, checking each question's kind.
struct User(Vec<(&'static str, Answer)>);

impl Prompter for User {
    async fn answer(&mut self, question: &Question) -> Result<Answer, PromptError> {
        let (expected, answer) = self.0.remove(0);
        let asked = format!("{question:?}");
        assert!(
            asked.starts_with(expected),
            "expected {expected}, asked {asked}"
        );
        if let Question::WebAuthn {
            credential_request_options,
        } = question
        {
            assert_eq!(credential_request_options, OPTIONS);
        }
        if let Question::Code { kind, destination } = question {
            assert_eq!(
                (*kind, destination.as_deref()),
                (MfaKind::Email, Some("u***@example.com"))
            );
        }
        Ok(answer)
    }
}

fn peer(script: Script) -> Peer {
    Peer {
        script,
        log: Mutex::default(),
    }
}

fn config() -> SignInConfig {
    SignInConfig::new("us-east-1_Flows", "flows-client")
}

fn password() -> Option<Zeroizing<String>> {
    Some(Zeroizing::new("Uma!passw0rd".into()))
}

#[tokio::test]
async fn a_passkey_ceremony_is_the_callers_and_the_rest_is_not() {
    let peer = peer(Script::NewDevice);
    let flow = Flow::UserAuth {
        preferred: Some("WEB_AUTHN".into()),
    };
    let credential = Answer::WebAuthn {
        credential: Zeroizing::new(CREDENTIAL.into()),
    };
    let tokens = Authenticator::new(&peer, config())
        .run(flow, "uma", None, &mut User(vec![("WebAuthn", credential)]))
        .await
        .expect("signed in with a passkey");
    assert_eq!(tokens.access_token.as_str(), "access-token");
    assert_eq!(
        *peer.log.lock().unwrap(),
        ["InitiateAuth", "RespondToAuthChallenge"]
    );
}

#[tokio::test]
async fn email_mfa_is_set_up_then_answered() {
    let peer = peer(Script::EmailSetup);
    let mut user = User(vec![
        ("EmailForMfa", Answer::Email("uma@example.com".into())),
        ("Code", Answer::Code(Zeroizing::new("271828".into()))),
    ]);
    Authenticator::new(&peer, config())
        .run(Flow::UserPassword, "uma", password(), &mut user)
        .await
        .expect("signed in after setting up e-mail MFA");
    assert_eq!(peer.log.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn a_declined_device_is_tracked_not_remembered() {
    let peer = peer(Script::NewDevice);
    let mut user = User(vec![("RememberDevice", Answer::RememberDevice(false))]);
    let tokens = Authenticator::new(&peer, config())
        .run(Flow::UserPassword, "uma", password(), &mut user)
        .await
        .unwrap();
    assert_eq!(tokens.new_device, Some(NewDevice::NotRemembered));
    assert_eq!(*peer.log.lock().unwrap(), ["InitiateAuth", "ConfirmDevice"]);
}

#[tokio::test]
async fn a_failing_confirm_device_keeps_the_tokens() {
    let peer = peer(Script::FailingConfirm);
    let tokens = Authenticator::new(&peer, config())
        .run(Flow::UserPassword, "uma", password(), &mut User(vec![]))
        .await
        .expect("the sign-in succeeds without the device");
    assert_eq!(tokens.access_token.as_str(), "access-token");
    assert!(tokens.device.is_none());
    assert_eq!(
        tokens.new_device,
        Some(NewDevice::Failed {
            operation: "ConfirmDevice",
            reason: "TooManyRequestsException: Rate exceeded".into(),
        })
    );
}
