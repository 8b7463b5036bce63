//! The machine alone, step by step: the exact parameters it sends for each flow and challenge.

use std::collections::HashMap;

use zeroize::Zeroizing;

use super::*;
use crate::srp::{DeviceSecrets, secret_hash};

const POOL: &str = "us-east-1_Pool";
const CLIENT: &str = "client-1";
const SECRET: &str = "client-secret";

fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn sorted_keys(map: &HashMap<String, String>) -> Vec<&str> {
    let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

fn config() -> SignInConfig {
    SignInConfig::new(POOL, CLIENT)
}

fn password(p: &str) -> Option<Zeroizing<String>> {
    Some(Zeroizing::new(p.to_owned()))
}

fn device() -> DeviceSecrets {
    DeviceSecrets::generate_from("us-east-1_dev", "group", &[3; 40], &[4; 16]).0
}

fn sent(step: Step) -> Request {
    match step {
        Step::Send(request) => request,
        other => panic!("expected a request, got {other:?}"),
    }
}

fn asked(step: Step) -> Question {
    match step {
        Step::Ask(question) => question,
        other => panic!("expected a question, got {other:?}"),
    }
}

fn done(step: Step) -> Tokens {
    match step {
        Step::Done(tokens) => tokens,
        other => panic!("expected tokens, got {other:?}"),
    }
}

fn initiate(request: Request) -> (bool, &'static str, HashMap<String, String>) {
    match request {
        Request::InitiateAuth {
            admin,
            auth_flow,
            parameters,
            ..
        } => (admin, auth_flow, parameters),
        other => panic!("expected InitiateAuth, got {other:?}"),
    }
}

fn respond(request: Request) -> (bool, String, HashMap<String, String>, Option<String>) {
    match request {
        Request::RespondToAuthChallenge {
            admin,
            challenge_name,
            responses,
            session,
            ..
        } => (
            admin,
            challenge_name.as_str().to_owned(),
            responses,
            session,
        ),
        other => panic!("expected RespondToAuthChallenge, got {other:?}"),
    }
}

fn challenge(name: &str, parameters: &[(&str, &str)], session: &str) -> Reply {
    Reply::Challenge {
        name: name.into(),
        parameters: map(parameters),
        session: Some(session.to_owned()),
        available: Vec::new(),
    }
}

fn tokens() -> Reply {
    Reply::Authenticated(AuthResult {
        access_token: Some("access".into()),
        id_token: Some("id".into()),
        refresh_token: Some("refresh".into()),
        expires_in: Some(3600),
        token_type: Some("Bearer".into()),
        new_device: None,
    })
}

/// A valid-looking PASSWORD_VERIFIER challenge for user id `sub`.
fn verifier_challenge(sub: &str) -> Reply {
    challenge(
        "PASSWORD_VERIFIER",
        &[
            ("USER_ID_FOR_SRP", sub),
            ("USERNAME", sub),
            ("SALT", "abcdef"),
            ("SRP_B", "123456789abcdef"),
            ("SECRET_BLOCK", "c2VjcmV0"),
        ],
        "s1",
    )
}

#[test]
fn user_srp_with_a_secret_hashes_the_right_username_at_each_step() {
    let config = config().with_client_secret(SECRET);
    let mut machine = SignIn::new(config, Flow::UserSrp, "alice@example.com", password("pw"));
    let (admin, flow, parameters) = initiate(sent(machine.start().unwrap()));
    assert_eq!((admin, flow), (false, "USER_SRP_AUTH"));
    let keys = sorted_keys(&parameters);
    assert_eq!(keys, ["SECRET_HASH", "SRP_A", "USERNAME"]);
    assert_eq!(parameters["USERNAME"], "alice@example.com");
    assert_eq!(
        parameters["SECRET_HASH"],
        secret_hash("alice@example.com", CLIENT, SECRET)
    );
    assert!(
        parameters["SRP_A"].chars().all(|c| c.is_ascii_hexdigit())
            && parameters["SRP_A"].len() > 700
    );

    let (_, name, responses, session) = respond(sent(
        machine.receive(verifier_challenge("sub-123")).unwrap(),
    ));
    assert_eq!(name, "PASSWORD_VERIFIER");
    assert_eq!(session.as_deref(), Some("s1"));
    let keys = sorted_keys(&responses);
    assert_eq!(
        keys,
        [
            "PASSWORD_CLAIM_SECRET_BLOCK",
            "PASSWORD_CLAIM_SIGNATURE",
            "SECRET_HASH",
            "TIMESTAMP",
            "USERNAME"
        ]
    );
    assert_eq!(responses["USERNAME"], "sub-123");
    assert_eq!(responses["PASSWORD_CLAIM_SECRET_BLOCK"], "c2VjcmV0");
    assert_eq!(
        responses["SECRET_HASH"],
        secret_hash("sub-123", CLIENT, SECRET)
    );

    let tokens = done(machine.receive(tokens()).unwrap());
    assert_eq!(tokens.access_token.as_str(), "access");
    assert_eq!(tokens.username, "sub-123");
    assert!(matches!(
        machine.receive(self::tokens()),
        Err(SignInError::Finished)
    ));
}

#[test]
fn user_password_and_admin_flows() {
    let mut machine = SignIn::new(config(), Flow::UserPassword, "bob", password("pw"));
    let (admin, flow, parameters) = initiate(sent(machine.start().unwrap()));
    assert_eq!(
        (admin, flow, parameters),
        (
            false,
            "USER_PASSWORD_AUTH",
            map(&[("USERNAME", "bob"), ("PASSWORD", "pw")])
        )
    );
    done(machine.receive(tokens()).unwrap());

    let mut admin = SignIn::new(config(), Flow::AdminUserPassword, "bob", password("pw"));
    let (is_admin, flow, parameters) = initiate(sent(admin.start().unwrap()));
    assert_eq!(
        (is_admin, flow, parameters),
        (
            true,
            "ADMIN_USER_PASSWORD_AUTH",
            map(&[("USERNAME", "bob"), ("PASSWORD", "pw")])
        )
    );
    // Challenges of an admin flow are answered through the admin operation too.
    let question = asked(
        admin
            .receive(challenge("SOFTWARE_TOKEN_MFA", &[("USERNAME", "bob")], "s"))
            .unwrap(),
    );
    assert_eq!(
        question,
        Question::Code {
            kind: MfaKind::SoftwareToken,
            destination: None
        }
    );
    let (is_admin, name, responses, _) = respond(sent(
        admin
            .answer(Answer::Code(Zeroizing::new("123456".into())))
            .unwrap(),
    ));
    assert!(is_admin);
    assert_eq!(
        (name.as_str(), responses),
        (
            "SOFTWARE_TOKEN_MFA",
            map(&[("USERNAME", "bob"), ("SOFTWARE_TOKEN_MFA_CODE", "123456")])
        )
    );
}

#[test]
fn password_is_asked_for_when_missing() {
    let mut machine = SignIn::new(config(), Flow::UserPassword, "bob", None);
    assert_eq!(asked(machine.start().unwrap()), Question::Password);
    assert!(matches!(
        machine.answer(Answer::Choice("x".into())),
        Err(SignInError::WrongAnswer { .. })
    ));
    let mut machine = SignIn::new(config(), Flow::UserPassword, "bob", None);
    machine.start().unwrap();
    let (_, _, parameters) = initiate(sent(
        machine
            .answer(Answer::Password(Zeroizing::new("late".into())))
            .unwrap(),
    ));
    assert_eq!(parameters["PASSWORD"], "late");
}

#[test]
fn refresh_token_flow_with_a_device_and_a_secret() {
    let config = config().with_client_secret(SECRET).with_device(device());
    let flow = Flow::RefreshToken {
        refresh_token: Zeroizing::new("r-token".into()),
    };
    let mut machine = SignIn::new(config, flow, "sub-9", None);
    let (_, flow, parameters) = initiate(sent(machine.start().unwrap()));
    assert_eq!(flow, "REFRESH_TOKEN_AUTH");
    assert_eq!(
        parameters,
        map(&[
            ("REFRESH_TOKEN", "r-token"),
            ("DEVICE_KEY", "us-east-1_dev"),
            ("SECRET_HASH", &secret_hash("sub-9", CLIENT, SECRET))
        ])
    );
    let refreshed = Reply::Authenticated(AuthResult {
        access_token: Some("new".into()),
        ..AuthResult::default()
    });
    let tokens = done(machine.receive(refreshed).unwrap());
    assert!(tokens.refresh_token.is_none());
    assert_eq!(
        tokens.device.as_ref().map(|d| d.device_key.as_str()),
        Some("us-east-1_dev")
    );
}

#[test]
fn custom_auth_with_and_without_srp() {
    let mut plain = SignIn::new(config(), Flow::CustomAuth { srp: false }, "carol", None);
    let (_, flow, parameters) = initiate(sent(plain.start().unwrap()));
    assert_eq!(
        (flow, parameters),
        ("CUSTOM_AUTH", map(&[("USERNAME", "carol")]))
    );
    let question = asked(
        plain
            .receive(challenge(
                "CUSTOM_CHALLENGE",
                &[("USERNAME", "carol"), ("captcha", "2+2")],
                "s",
            ))
            .unwrap(),
    );
    assert_eq!(
        question,
        Question::Custom {
            parameters: map(&[("USERNAME", "carol"), ("captcha", "2+2")])
        }
    );
    let (_, name, responses, _) = respond(sent(
        plain
            .answer(Answer::Custom(map(&[("ANSWER", "4")])))
            .unwrap(),
    ));
    assert_eq!(
        (name.as_str(), responses),
        (
            "CUSTOM_CHALLENGE",
            map(&[("USERNAME", "carol"), ("ANSWER", "4")])
        )
    );

    let mut srp = SignIn::new(
        config(),
        Flow::CustomAuth { srp: true },
        "carol",
        password("pw"),
    );
    let (_, _, parameters) = initiate(sent(srp.start().unwrap()));
    assert_eq!(parameters["CHALLENGE_NAME"], "SRP_A");
    assert!(parameters.contains_key("SRP_A"));
    let (_, name, _, _) = respond(sent(srp.receive(verifier_challenge("carol")).unwrap()));
    assert_eq!(name, "PASSWORD_VERIFIER");
    asked(
        srp.receive(challenge(
            "CUSTOM_CHALLENGE",
            &[("USERNAME", "carol")],
            "s2",
        ))
        .unwrap(),
    );
}

#[test]
fn user_auth_with_a_preference_or_a_choice() {
    let preferred = |p: &str| Flow::UserAuth {
        preferred: Some(p.into()),
    };
    let mut machine = SignIn::new(config(), preferred("PASSWORD"), "dan", password("pw"));
    let (_, flow, parameters) = initiate(sent(machine.start().unwrap()));
    assert_eq!(flow, "USER_AUTH");
    assert_eq!(
        parameters,
        map(&[
            ("USERNAME", "dan"),
            ("PREFERRED_CHALLENGE", "PASSWORD"),
            ("PASSWORD", "pw")
        ])
    );

    let mut machine = SignIn::new(config(), preferred("PASSWORD_SRP"), "dan", password("pw"));
    let (_, _, parameters) = initiate(sent(machine.start().unwrap()));
    assert!(parameters.contains_key("SRP_A") && !parameters.contains_key("PASSWORD"));

    let mut machine = SignIn::new(config(), preferred("EMAIL_OTP"), "dan", None);
    let (_, _, parameters) = initiate(sent(machine.start().unwrap()));
    assert_eq!(
        parameters,
        map(&[("USERNAME", "dan"), ("PREFERRED_CHALLENGE", "EMAIL_OTP")])
    );
    let question = asked(
        machine
            .receive(challenge(
                "EMAIL_OTP",
                &[("CODE_DELIVERY_DESTINATION", "d***@e***")],
                "s",
            ))
            .unwrap(),
    );
    assert_eq!(
        question,
        Question::Code {
            kind: MfaKind::Email,
            destination: Some("d***@e***".into())
        }
    );
    let (_, _, responses, _) = respond(sent(
        machine
            .answer(Answer::Code(Zeroizing::new("99".into())))
            .unwrap(),
    ));
    assert_eq!(
        responses,
        map(&[("USERNAME", "dan"), ("EMAIL_OTP_CODE", "99")])
    );

    // No preference: Cognito offers a choice.
    let offered = || Reply::Challenge {
        name: "SELECT_CHALLENGE".into(),
        parameters: HashMap::new(),
        session: Some("s".into()),
        available: vec!["PASSWORD_SRP".into(), "PASSWORD".into(), "SMS_OTP".into()],
    };
    let mut machine = SignIn::new(config(), Flow::UserAuth { preferred: None }, "dan", None);
    assert_eq!(
        initiate(sent(machine.start().unwrap())).2,
        map(&[("USERNAME", "dan")])
    );
    let question = asked(machine.receive(offered()).unwrap());
    assert_eq!(
        question,
        Question::SelectChallenge {
            available: vec!["PASSWORD_SRP".into(), "PASSWORD".into(), "SMS_OTP".into()]
        }
    );
    assert!(matches!(
        machine.answer(Answer::Choice("WEB_AUTHN".into())),
        Err(SignInError::WrongAnswer { .. })
    ));

    let mut machine = SignIn::new(config(), Flow::UserAuth { preferred: None }, "dan", None);
    machine.start().unwrap();
    machine.receive(offered()).unwrap();
    // PASSWORD_SRP needs the password, which was not given: asked for, then answered.
    assert_eq!(
        asked(
            machine
                .answer(Answer::Choice("PASSWORD_SRP".into()))
                .unwrap()
        ),
        Question::Password
    );
    let (_, name, responses, _) = respond(sent(
        machine
            .answer(Answer::Password(Zeroizing::new("pw".into())))
            .unwrap(),
    ));
    assert_eq!(name, "SELECT_CHALLENGE");
    assert_eq!(responses["ANSWER"], "PASSWORD_SRP");
    assert!(responses.contains_key("SRP_A"));
    let (_, name, _, _) = respond(sent(machine.receive(verifier_challenge("dan")).unwrap()));
    assert_eq!(name, "PASSWORD_VERIFIER");

    let mut machine = SignIn::new(config(), Flow::UserAuth { preferred: None }, "dan", None);
    machine.start().unwrap();
    machine.receive(offered()).unwrap();
    let (_, _, responses, _) = respond(sent(
        machine.answer(Answer::Choice("SMS_OTP".into())).unwrap(),
    ));
    assert_eq!(
        responses,
        map(&[("USERNAME", "dan"), ("ANSWER", "SMS_OTP")])
    );
    let question = asked(machine.receive(challenge("SMS_OTP", &[], "s3")).unwrap());
    assert_eq!(
        question,
        Question::Code {
            kind: MfaKind::Sms,
            destination: None
        }
    );
    let (_, _, responses, _) = respond(sent(
        machine
            .answer(Answer::Code(Zeroizing::new("42".into())))
            .unwrap(),
    ));
    assert_eq!(
        responses,
        map(&[("USERNAME", "dan"), ("SMS_OTP_CODE", "42")])
    );
}

#[test]
fn new_password_required_with_attributes() {
    let mut machine = SignIn::new(config(), Flow::UserPassword, "erin", password("temporary"));
    machine.start().unwrap();
    let required = r#"["userAttributes.given_name","userAttributes.custom:team"]"#;
    let question = asked(
        machine
            .receive(challenge(
                "NEW_PASSWORD_REQUIRED",
                &[
                    ("USER_ID_FOR_SRP", "erin"),
                    ("requiredAttributes", required),
                    ("userAttributes", "{}"),
                ],
                "s",
            ))
            .unwrap(),
    );
    assert_eq!(
        question,
        Question::NewPassword {
            required_attributes: vec!["given_name".into(), "custom:team".into()]
        }
    );
    let partial = Answer::NewPassword {
        password: Zeroizing::new("N3w!".into()),
        attributes: map(&[("given_name", "Erin")]),
    };
    assert_eq!(
        machine.answer(partial).unwrap_err(),
        SignInError::MissingAttribute("custom:team".into())
    );

    let mut machine = SignIn::new(config(), Flow::UserPassword, "erin", password("temporary"));
    machine.start().unwrap();
    machine
        .receive(challenge(
            "NEW_PASSWORD_REQUIRED",
            &[("requiredAttributes", required)],
            "s",
        ))
        .unwrap();
    let full = Answer::NewPassword {
        password: Zeroizing::new("N3w!".into()),
        attributes: map(&[("given_name", "Erin"), ("custom:team", "blue")]),
    };
    let (_, name, responses, session) = respond(sent(machine.answer(full).unwrap()));
    assert_eq!(
        (name.as_str(), session.as_deref()),
        ("NEW_PASSWORD_REQUIRED", Some("s"))
    );
    assert_eq!(
        responses,
        map(&[
            ("USERNAME", "erin"),
            ("NEW_PASSWORD", "N3w!"),
            ("userAttributes.given_name", "Erin"),
            ("userAttributes.custom:team", "blue")
        ])
    );
}

#[test]
fn sms_mfa_and_mfa_selection() {
    let mut machine = SignIn::new(
        config().with_device(device()),
        Flow::UserPassword,
        "fay",
        password("pw"),
    );
    machine.start().unwrap();
    let question = asked(
        machine
            .receive(challenge(
                "SELECT_MFA_TYPE",
                &[
                    ("USERNAME", "fay"),
                    ("MFAS_CAN_CHOOSE", r#"["SMS_MFA","SOFTWARE_TOKEN_MFA"]"#),
                ],
                "s",
            ))
            .unwrap(),
    );
    assert_eq!(
        question,
        Question::SelectMfa {
            options: vec!["SMS_MFA".into(), "SOFTWARE_TOKEN_MFA".into()]
        }
    );
    let (_, _, responses, _) = respond(sent(
        machine.answer(Answer::Choice("SMS_MFA".into())).unwrap(),
    ));
    assert_eq!(
        responses,
        map(&[("USERNAME", "fay"), ("ANSWER", "SMS_MFA")])
    );
    let question = asked(
        machine
            .receive(challenge(
                "SMS_MFA",
                &[
                    ("CODE_DELIVERY_DESTINATION", "+*******1234"),
                    ("USERNAME", "fay"),
                ],
                "s2",
            ))
            .unwrap(),
    );
    assert_eq!(
        question,
        Question::Code {
            kind: MfaKind::Sms,
            destination: Some("+*******1234".into())
        }
    );
    let (_, _, responses, _) = respond(sent(
        machine
            .answer(Answer::Code(Zeroizing::new("777".into())))
            .unwrap(),
    ));
    assert_eq!(
        responses,
        map(&[
            ("USERNAME", "fay"),
            ("SMS_MFA_CODE", "777"),
            ("DEVICE_KEY", "us-east-1_dev")
        ])
    );
}

#[test]
fn mfa_setup_associates_and_verifies_a_software_token() {
    let mut machine = SignIn::new(
        config().with_client_secret(SECRET),
        Flow::UserPassword,
        "gus",
        password("pw"),
    );
    machine.start().unwrap();
    let step = machine.receive(challenge(
        "MFA_SETUP",
        &[
            ("MFAS_CAN_SETUP", r#"["SOFTWARE_TOKEN_MFA"]"#),
            ("USERNAME", "gus"),
        ],
        "s1",
    ));
    assert_eq!(
        sent(step.unwrap()),
        Request::AssociateSoftwareToken {
            session: Some("s1".into())
        }
    );
    let question = asked(
        machine
            .receive(Reply::SoftwareTokenAssociated {
                secret_code: "JBSWY3DP".into(),
                session: Some("s2".into()),
            })
            .unwrap(),
    );
    assert_eq!(
        question,
        Question::SetUpSoftwareToken {
            secret_code: Zeroizing::new("JBSWY3DP".into())
        }
    );
    let answer = Answer::SoftwareToken {
        code: Zeroizing::new("123456".into()),
        friendly_device_name: Some("phone".into()),
    };
    let request = sent(machine.answer(answer).unwrap());
    assert_eq!(
        request,
        Request::VerifySoftwareToken {
            session: Some("s2".into()),
            user_code: "123456".into(),
            friendly_device_name: Some("phone".into())
        }
    );
    let (_, name, responses, session) = respond(sent(
        machine
            .receive(Reply::SoftwareTokenVerified {
                session: Some("s3".into()),
            })
            .unwrap(),
    ));
    assert_eq!(
        (name.as_str(), session.as_deref()),
        ("MFA_SETUP", Some("s3"))
    );
    assert_eq!(
        responses,
        map(&[
            ("USERNAME", "gus"),
            ("SECRET_HASH", &secret_hash("gus", CLIENT, SECRET))
        ])
    );

    // moto writes the list with single quotes.
    let mut quoted = SignIn::new(config(), Flow::UserPassword, "gus", password("pw"));
    quoted.start().unwrap();
    let step = quoted.receive(challenge(
        "MFA_SETUP",
        &[("MFAS_CAN_SETUP", "['SOFTWARE_TOKEN_MFA', 'SMS_MFA']")],
        "s1",
    ));
    assert_eq!(
        sent(step.unwrap()),
        Request::AssociateSoftwareToken {
            session: Some("s1".into())
        }
    );
    let mut garbled = SignIn::new(config(), Flow::UserPassword, "gus", password("pw"));
    garbled.start().unwrap();
    let step = garbled.receive(challenge(
        "MFA_SETUP",
        &[("MFAS_CAN_SETUP", "['SOFTWARE\"]")],
        "s1",
    ));
    assert!(matches!(step, Err(SignInError::BadParameter { .. })));

    let mut other = SignIn::new(config(), Flow::UserPassword, "gus", password("pw"));
    other.start().unwrap();
    let only_email = other.receive(challenge(
        "MFA_SETUP",
        &[("MFAS_CAN_SETUP", r#"["EMAIL_OTP"]"#)],
        "s",
    ));
    assert!(
        matches!(only_email, Ok(Step::Ask(Question::EmailForMfa))),
        "{only_email:?}"
    );
    let mut sms = SignIn::new(config(), Flow::UserPassword, "gus", password("pw"));
    sms.start().unwrap();
    let only_sms = sms.receive(challenge(
        "MFA_SETUP",
        &[("MFAS_CAN_SETUP", r#"["SMS_MFA"]"#)],
        "s",
    ));
    assert!(matches!(only_sms, Err(SignInError::PhoneNumberRequired)));
}

#[test]
fn device_challenges_are_answered_with_the_device_secrets() {
    let mut machine = SignIn::new(
        config().with_device(device()),
        Flow::UserSrp,
        "hal",
        password("pw"),
    );
    let (_, _, parameters) = initiate(sent(machine.start().unwrap()));
    assert_eq!(parameters["DEVICE_KEY"], "us-east-1_dev");
    let (_, _, responses, _) = respond(sent(
        machine.receive(verifier_challenge("sub-hal")).unwrap(),
    ));
    assert_eq!(responses["DEVICE_KEY"], "us-east-1_dev");

    let (_, name, responses, _) = respond(sent(
        machine
            .receive(challenge(
                "DEVICE_SRP_AUTH",
                &[("USERNAME", "sub-hal")],
                "s2",
            ))
            .unwrap(),
    ));
    assert_eq!(name, "DEVICE_SRP_AUTH");
    let keys = sorted_keys(&responses);
    assert_eq!(keys, ["DEVICE_KEY", "SRP_A", "USERNAME"]);
    let device_challenge = challenge(
        "DEVICE_PASSWORD_VERIFIER",
        &[
            ("USERNAME", "sub-hal"),
            ("SALT", "0a"),
            ("SRP_B", "fedcba987654321"),
            ("SECRET_BLOCK", "YmxvY2s="),
        ],
        "s3",
    );
    let (_, name, responses, _) = respond(sent(machine.receive(device_challenge).unwrap()));
    assert_eq!(name, "DEVICE_PASSWORD_VERIFIER");
    let keys = sorted_keys(&responses);
    assert_eq!(
        keys,
        [
            "DEVICE_KEY",
            "PASSWORD_CLAIM_SECRET_BLOCK",
            "PASSWORD_CLAIM_SIGNATURE",
            "TIMESTAMP",
            "USERNAME"
        ]
    );
    done(machine.receive(tokens()).unwrap());
}

#[test]
fn a_new_device_is_confirmed_and_remembered() {
    let mut machine = SignIn::new(config(), Flow::UserPassword, "ivy", password("pw"));
    machine.start().unwrap();
    let issued = Reply::Authenticated(AuthResult {
        access_token: Some("access".into()),
        new_device: Some(("us-east-1_new".into(), "group-key".into())),
        ..AuthResult::default()
    });
    let Request::ConfirmDevice {
        access_token,
        device_key,
        device_name,
        verifier,
    } = sent(machine.receive(issued).unwrap())
    else {
        panic!("expected ConfirmDevice");
    };
    assert_eq!(
        (access_token.as_str(), device_key.as_str()),
        ("access", "us-east-1_new")
    );
    assert!(device_name.starts_with("cognito-idp-runtime/"));
    assert!(!verifier.password_verifier.is_empty() && !verifier.salt.is_empty());
    // The pool leaves it to the user, who is asked.
    let asked = machine
        .receive(Reply::DeviceConfirmed {
            user_confirmation_necessary: true,
        })
        .unwrap();
    assert!(
        matches!(asked, Step::Ask(Question::RememberDevice)),
        "{asked:?}"
    );
    let request = sent(machine.answer(Answer::RememberDevice(true)).unwrap());
    assert_eq!(
        request,
        Request::RememberDevice {
            access_token: "access".into(),
            device_key: "us-east-1_new".into()
        }
    );
    let tokens = done(machine.receive(Reply::DeviceRemembered).unwrap());
    assert_eq!(tokens.new_device, Some(NewDevice::Remembered));
    let device = tokens.device.expect("the new device's secrets");
    assert_eq!(
        (device.device_key.as_str(), device.device_group_key.as_str()),
        ("us-east-1_new", "group-key")
    );
    assert_eq!(device.password().len(), 56);
}

#[test]
fn a_forgotten_device_is_dropped_and_the_sign_in_restarts() {
    let mut machine = SignIn::new(
        config().with_device(device()),
        Flow::UserSrp,
        "jay",
        password("pw"),
    );
    machine.start().unwrap();
    let restart = machine
        .failed(
            "RespondToAuthChallenge",
            "ResourceNotFoundException",
            Some("Device does not exist."),
        )
        .unwrap();
    let (_, _, parameters) = initiate(sent(restart.expect("a fresh start")));
    assert!(!parameters.contains_key("DEVICE_KEY"));
    assert!(machine.device().is_none());
    // Other errors end the sign-in.
    let mut machine = SignIn::new(
        config().with_device(device()),
        Flow::UserSrp,
        "jay",
        password("pw"),
    );
    machine.start().unwrap();
    assert!(
        machine
            .failed(
                "RespondToAuthChallenge",
                "NotAuthorizedException",
                Some("Incorrect username or password.")
            )
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        machine.receive(tokens()),
        Err(SignInError::Finished)
    ));
}

#[test]
fn hostile_replies_are_typed_errors() {
    let start = |flow| {
        let mut machine = SignIn::new(config(), flow, "kim", password("hunter2-password"));
        machine.start().unwrap();
        machine
    };
    let unknown = start(Flow::UserSrp).receive(challenge("TELEPATHY", &[], "s"));
    assert_eq!(
        unknown.unwrap_err(),
        SignInError::UnknownChallenge("TELEPATHY".into())
    );
    let missing =
        start(Flow::UserSrp).receive(challenge("PASSWORD_VERIFIER", &[("SALT", "ab")], "s"));
    assert!(matches!(missing, Err(SignInError::Srp(_))));
    let unreadable = start(Flow::UserPassword).receive(challenge(
        "SELECT_MFA_TYPE",
        &[("MFAS_CAN_CHOOSE", "not json")],
        "s",
    ));
    assert!(matches!(
        unreadable,
        Err(SignInError::BadParameter {
            parameter: "MFAS_CAN_CHOOSE",
            ..
        })
    ));
    let no_srp = start(Flow::UserPassword).receive(verifier_challenge("kim"));
    assert_eq!(
        no_srp.unwrap_err(),
        SignInError::NoHandshake(Challenge::PasswordVerifier)
    );
    let mut twice = start(Flow::UserSrp);
    twice.receive(verifier_challenge("kim")).unwrap();
    let repeated = twice.receive(verifier_challenge("kim")).unwrap_err();
    assert_eq!(
        repeated,
        SignInError::RepeatedChallenge(Challenge::PasswordVerifier)
    );
    assert!(repeated.to_string().contains("came again"), "{repeated}");
    let no_device = start(Flow::UserSrp).receive(challenge("DEVICE_SRP_AUTH", &[], "s"));
    assert_eq!(
        no_device.unwrap_err(),
        SignInError::NoDevice(Challenge::DeviceSrpAuth)
    );
    let no_access = start(Flow::UserPassword).receive(Reply::Authenticated(AuthResult::default()));
    assert_eq!(no_access.unwrap_err(), SignInError::NoAccessToken);
    let wrong_reply = start(Flow::UserPassword).receive(Reply::DeviceRemembered);
    assert_eq!(
        wrong_reply.unwrap_err(),
        SignInError::ReplyMismatch {
            expected: "a challenge or tokens"
        }
    );

    // A server that never stops asking.
    let mut looping = start(Flow::CustomAuth { srp: false });
    let mut outcome = Ok(());
    for _ in 0..100 {
        match looping.receive(challenge("CUSTOM_CHALLENGE", &[], "s")) {
            Ok(_) => {}
            Err(e) => {
                outcome = Err(e);
                break;
            }
        }
        looping
            .answer(Answer::Custom(map(&[("ANSWER", "x")])))
            .unwrap();
    }
    assert!(
        matches!(outcome, Err(SignInError::TooManySteps(_))),
        "{outcome:?}"
    );

    // Nothing secret in any of it.
    for error in [
        SignInError::UnknownChallenge("X".into()),
        SignInError::TooManySteps(24),
    ] {
        assert!(!format!("{error} {error:?}").contains("hunter2"));
    }
    assert!(!format!("{:?}", start(Flow::UserPassword)).contains("hunter2"));
}

#[test]
fn debug_output_redacts_secrets() {
    let mut machine = SignIn::new(
        config().with_client_secret(SECRET),
        Flow::UserPassword,
        "lee",
        password("pa55word"),
    );
    let request = sent(machine.start().unwrap());
    let shown = format!("{request:?} {machine:?}");
    assert!(
        !shown.contains("pa55word") && !shown.contains(SECRET),
        "{shown}"
    );
    assert!(shown.contains("PASSWORD") && shown.contains("USERNAME"));
    let tokens = done(machine.receive(tokens()).unwrap());
    let shown = format!("{tokens:?}");
    assert!(
        !shown.contains("access\"") && !shown.contains("refresh\""),
        "{shown}"
    );
    let answer = format!("{:?}", Answer::Code(Zeroizing::new("987654".into())));
    assert!(!answer.contains("987654"));
}

/// An unsigned token with these claims (the machine reads claims, it does not verify them).
fn jwt(claims: serde_json::Value) -> String {
    use base64::Engine as _;
    let part = |v: &serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    format!(
        "{}.{}.c2ln",
        part(&serde_json::json!({"alg": "RS256", "kid": "k"})),
        part(&claims)
    )
}

#[test]
fn tokens_know_who_and_until_when() {
    use std::time::{Duration, UNIX_EPOCH};
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    // Signed in with an alias: the access token names the user as Cognito knows them.
    let mut machine = SignIn::new(
        config(),
        Flow::UserPassword,
        "ann@example.com",
        password("pw"),
    );
    machine.start().unwrap();
    let access = jwt(serde_json::json!({
        "username": "6f1c-internal", "sub": "6f1c-sub", "exp": 1_700_003_000_u64,
    }));
    let reply = Reply::Authenticated(AuthResult {
        access_token: Some(access.clone()),
        expires_in: Some(3600),
        ..AuthResult::default()
    });
    let issued = done(machine.receive_at(reply, now).unwrap());
    assert!(!format!("{issued:?}").contains(&access));
    assert_eq!(issued.username, "6f1c-internal");
    assert_eq!(issued.sub.as_deref(), Some("6f1c-sub"));
    assert_eq!(
        issued.expires_at,
        UNIX_EPOCH + Duration::from_secs(1_700_003_000)
    );
    // A token that is no JWT: the typed name, and receipt time plus ExpiresIn.
    let mut machine = SignIn::new(config(), Flow::UserPassword, "bo", password("pw"));
    machine.start().unwrap();
    let tokens = done(machine.receive_at(tokens(), now).unwrap());
    assert_eq!(
        (tokens.username.as_str(), tokens.sub.as_deref()),
        ("bo", None)
    );
    assert_eq!(tokens.expires_at, now + Duration::from_secs(3600));
}

#[test]
fn get_tokens_from_refresh_token_sends_the_secret_device_and_metadata() {
    let metadata = map(&[("app", "mobile")]);
    let mut machine = SignIn::new(
        config()
            .with_client_secret(SECRET)
            .with_device(device())
            .with_client_metadata(metadata.clone()),
        Flow::GetTokensFromRefreshToken {
            refresh_token: Zeroizing::new("rt-1".into()),
        },
        "kim",
        None,
    );
    let request = sent(machine.start().unwrap());
    assert_eq!(
        request,
        Request::GetTokensFromRefreshToken {
            refresh_token: "rt-1".into(),
            client_secret: Some(SECRET.into()),
            device_key: Some("us-east-1_dev".into()),
            client_metadata: metadata,
        }
    );
    assert!(!format!("{request:?}").contains("rt-1"));
    let tokens = done(machine.receive(tokens()).unwrap());
    assert_eq!(
        tokens.refresh_token.as_deref().map(String::as_str),
        Some("refresh")
    );
}

#[test]
fn requests_carry_client_metadata_and_encoded_data() {
    let config = config()
        .with_client_metadata(map(&[("k", "v")]))
        .with_encoded_data(|user| Some(format!("fingerprint-of-{user}")));
    let mut machine = SignIn::new(config.clone(), Flow::UserPassword, "lu", password("pw"));
    let Request::InitiateAuth { context, .. } = sent(machine.start().unwrap()) else {
        panic!("expected InitiateAuth")
    };
    assert_eq!(context.client_metadata, map(&[("k", "v")]));
    assert_eq!(context.encoded_data.as_deref(), Some("fingerprint-of-lu"));
    assert!(!format!("{context:?}").contains("fingerprint"));
    let step = machine
        .receive(challenge("SMS_MFA", &[("USERNAME", "lu-internal")], "s"))
        .unwrap();
    asked(step);
    let Request::RespondToAuthChallenge { context, .. } = sent(
        machine
            .answer(Answer::Code(Zeroizing::new("123".into())))
            .unwrap(),
    ) else {
        panic!("expected RespondToAuthChallenge")
    };
    assert_eq!(
        context.encoded_data.as_deref(),
        Some("fingerprint-of-lu-internal")
    );
    // The admin operations take context in another form: no encoded data.
    let mut admin = SignIn::new(config, Flow::AdminUserPassword, "lu", password("pw"));
    let Request::InitiateAuth { context, .. } = sent(admin.start().unwrap()) else {
        panic!("expected InitiateAuth")
    };
    assert_eq!(
        (context.encoded_data, context.client_metadata.len()),
        (None, 1)
    );
}

/// A sign-in that got tokens with a new device and sent ConfirmDevice.
fn confirming(config: SignInConfig) -> SignIn {
    let mut machine = SignIn::new(config, Flow::UserPassword, "ivy", password("pw"));
    machine.start().unwrap();
    let issued = Reply::Authenticated(AuthResult {
        access_token: Some("access".into()),
        new_device: Some(("us-east-1_new".into(), "group-key".into())),
        ..AuthResult::default()
    });
    assert!(matches!(
        sent(machine.receive(issued).unwrap()),
        Request::ConfirmDevice { .. }
    ));
    machine
}

#[test]
fn remembering_a_device_is_the_users_choice_when_the_pool_asks() {
    let confirmed = || Reply::DeviceConfirmed {
        user_confirmation_necessary: true,
    };
    // Declined when asked: tokens, the device tracked but not remembered.
    let mut machine = confirming(config());
    asked(machine.receive(confirmed()).unwrap());
    let tokens = done(machine.answer(Answer::RememberDevice(false)).unwrap());
    assert_eq!(tokens.new_device, Some(NewDevice::NotRemembered));
    assert!(tokens.device.is_some());
    // Configured never: nothing asked.
    let mut machine = confirming(config().with_remember_device(RememberDevice::Never));
    let tokens = done(machine.receive(confirmed()).unwrap());
    assert_eq!(tokens.new_device, Some(NewDevice::NotRemembered));
    // Configured always: remembered without asking.
    let mut machine = confirming(config().with_remember_device(RememberDevice::Always));
    assert!(matches!(
        sent(machine.receive(confirmed()).unwrap()),
        Request::RememberDevice { .. }
    ));
    // A pool that remembers devices itself asks nothing.
    let mut machine = confirming(config());
    let tokens = done(
        machine
            .receive(Reply::DeviceConfirmed {
                user_confirmation_necessary: false,
            })
            .unwrap(),
    );
    assert_eq!(tokens.new_device, Some(NewDevice::Remembered));
}

#[test]
fn a_failing_confirm_device_or_update_device_status_keeps_the_tokens() {
    let mut machine = confirming(config());
    let step = machine
        .failed(
            "ConfirmDevice",
            "TooManyRequestsException",
            Some("Rate exceeded"),
        )
        .unwrap()
        .expect("the sign-in goes on");
    let tokens = done(step);
    assert_eq!(tokens.access_token.as_str(), "access");
    assert!(
        tokens.device.is_none(),
        "an unconfirmed device is of no use"
    );
    assert_eq!(
        tokens.new_device,
        Some(NewDevice::Failed {
            operation: "ConfirmDevice",
            reason: "TooManyRequestsException: Rate exceeded".into()
        })
    );
    let mut machine = confirming(config().with_remember_device(RememberDevice::Always));
    sent(
        machine
            .receive(Reply::DeviceConfirmed {
                user_confirmation_necessary: true,
            })
            .unwrap(),
    );
    let tokens = done(
        machine
            .failed("UpdateDeviceStatus", "InternalErrorException", None)
            .unwrap()
            .unwrap(),
    );
    assert!(tokens.device.is_some(), "confirmed, so kept");
    assert!(matches!(
        tokens.new_device,
        Some(NewDevice::Failed {
            operation: "UpdateDeviceStatus",
            ..
        })
    ));
}

#[test]
fn web_authn_is_asked_and_answered_with_the_credential() {
    let mut machine = SignIn::new(
        config(),
        Flow::UserAuth {
            preferred: Some("WEB_AUTHN".into()),
        },
        "pat",
        None,
    );
    let (_, flow, parameters) = initiate(sent(machine.start().unwrap()));
    assert_eq!(
        (flow, parameters["PREFERRED_CHALLENGE"].as_str()),
        ("USER_AUTH", "WEB_AUTHN")
    );
    let options = r#"{"challenge":"abc","rpId":"example.com"}"#;
    let question = asked(
        machine
            .receive(challenge(
                "WEB_AUTHN",
                &[("CREDENTIAL_REQUEST_OPTIONS", options)],
                "s1",
            ))
            .unwrap(),
    );
    assert_eq!(
        question,
        Question::WebAuthn {
            credential_request_options: options.into()
        }
    );
    let credential = r#"{"id":"cred","response":{}}"#;
    let (_, name, responses, session) = respond(sent(
        machine
            .answer(Answer::WebAuthn {
                credential: Zeroizing::new(credential.into()),
            })
            .unwrap(),
    ));
    assert_eq!(
        (name.as_str(), session.as_deref()),
        ("WEB_AUTHN", Some("s1"))
    );
    assert_eq!(responses["CREDENTIAL"], credential);
    assert_eq!(responses["USERNAME"], "pat");
    // Options that are not JSON are refused.
    let mut machine = SignIn::new(config(), Flow::UserAuth { preferred: None }, "pat", None);
    machine.start().unwrap();
    let bad = machine.receive(challenge(
        "WEB_AUTHN",
        &[("CREDENTIAL_REQUEST_OPTIONS", "{")],
        "s",
    ));
    assert!(matches!(bad, Err(SignInError::BadParameter { .. })));
    // Chosen from SELECT_CHALLENGE.
    let mut machine = SignIn::new(config(), Flow::UserAuth { preferred: None }, "pat", None);
    machine.start().unwrap();
    let select = Reply::Challenge {
        name: "SELECT_CHALLENGE".into(),
        parameters: HashMap::new(),
        session: Some("s".into()),
        available: vec!["WEB_AUTHN".into(), "PASSWORD".into()],
    };
    asked(machine.receive(select).unwrap());
    let (_, _, responses, _) = respond(sent(
        machine.answer(Answer::Choice("WEB_AUTHN".into())).unwrap(),
    ));
    assert_eq!(responses["ANSWER"], "WEB_AUTHN");
}

#[test]
fn email_mfa_setup_asks_the_address_then_the_code() {
    let mut machine = SignIn::new(
        config().with_client_secret(SECRET),
        Flow::UserPassword,
        "eve",
        password("pw"),
    );
    machine.start().unwrap();
    let question = asked(
        machine
            .receive(challenge(
                "MFA_SETUP",
                &[("MFAS_CAN_SETUP", r#"["EMAIL_OTP"]"#)],
                "s1",
            ))
            .unwrap(),
    );
    assert_eq!(question, Question::EmailForMfa);
    let (_, name, responses, session) = respond(sent(
        machine
            .answer(Answer::Email("eve@example.com".into()))
            .unwrap(),
    ));
    assert_eq!(
        (name.as_str(), session.as_deref()),
        ("MFA_SETUP", Some("s1"))
    );
    assert_eq!(responses["EMAIL"], "eve@example.com");
    assert_eq!(responses["SECRET_HASH"], secret_hash("eve", CLIENT, SECRET));
    let question = asked(
        machine
            .receive(challenge(
                "EMAIL_OTP",
                &[("CODE_DELIVERY_DESTINATION", "e***@example.com")],
                "s2",
            ))
            .unwrap(),
    );
    assert!(matches!(
        question,
        Question::Code {
            kind: MfaKind::Email,
            ..
        }
    ));
    let (_, name, responses, _) = respond(sent(
        machine
            .answer(Answer::Code(Zeroizing::new("424242".into())))
            .unwrap(),
    ));
    assert_eq!(
        (name.as_str(), responses["EMAIL_OTP_CODE"].as_str()),
        ("EMAIL_OTP", "424242")
    );
}

#[test]
fn a_sign_in_replays_exactly_from_its_randomness_and_reply_times() {
    use std::time::{Duration, UNIX_EPOCH};
    let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let run = |seed: u8| {
        let mut machine = SignIn::new(
            config().with_device(device()),
            Flow::UserSrp,
            "rae",
            password("pw"),
        )
        .with_random(move |bytes| {
            for (i, byte) in bytes.iter_mut().enumerate() {
                *byte = (i as u8).wrapping_mul(31).wrapping_add(seed);
            }
            Ok(())
        });
        let start = sent(machine.start().unwrap());
        let proof = sent(
            machine
                .receive_at(verifier_challenge("sub-rae"), at)
                .unwrap(),
        );
        (start, proof)
    };
    assert_eq!(run(7), run(7), "same randomness and times, same requests");
    assert_ne!(run(7).0, run(8).0, "SRP_A follows the randomness");
    // A failing source of randomness is an error, not a weak key.
    let mut broken = SignIn::new(config(), Flow::UserSrp, "rae", password("pw"))
        .with_random(|_| Err(crate::srp::SrpError::Randomness));
    assert!(matches!(
        broken.start(),
        Err(SignInError::Srp(crate::srp::SrpError::Randomness))
    ));
}
