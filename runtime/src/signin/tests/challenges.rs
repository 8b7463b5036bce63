//! The challenges a user answers: new passwords, codes, MFA selection and setup, passkeys.

use super::*;

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
    let Respond {
        challenge: name,
        responses,
        session,
        ..
    } = respond(sent(machine.answer(full).unwrap()));
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
    let Respond { responses, .. } = respond(sent(
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
    let Respond { responses, .. } = respond(sent(
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
    let Respond {
        challenge: name,
        responses,
        session,
        ..
    } = respond(sent(
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
fn mfa_setup_offering_an_app_and_email_asks_which() {
    let offering = || {
        let mut machine = SignIn::new(config(), Flow::UserPassword, "gus", password("pw"));
        machine.start().unwrap();
        let asked = asked(
            machine
                .receive(challenge(
                    "MFA_SETUP",
                    &[("MFAS_CAN_SETUP", r#"["SOFTWARE_TOKEN_MFA","EMAIL_OTP"]"#)],
                    "s1",
                ))
                .unwrap(),
        );
        assert_eq!(
            asked,
            Question::SelectMfaSetup {
                options: vec!["SOFTWARE_TOKEN_MFA".into(), "EMAIL_OTP".into()]
            }
        );
        machine
    };
    let mut email = offering();
    let step = email.answer(Answer::Choice("EMAIL_OTP".into())).unwrap();
    assert_eq!(asked(step), Question::EmailForMfa);
    let step = email
        .answer(Answer::Email("gus@example.com".into()))
        .unwrap();
    let Respond {
        challenge,
        responses,
        session,
        ..
    } = respond(sent(step));
    assert_eq!(
        (challenge.as_str(), session.as_deref()),
        ("MFA_SETUP", Some("s1"))
    );
    assert_eq!(responses["EMAIL"], "gus@example.com");

    let mut app = offering();
    let step = app
        .answer(Answer::Choice("SOFTWARE_TOKEN_MFA".into()))
        .unwrap();
    assert_eq!(
        sent(step),
        Request::AssociateSoftwareToken {
            session: Some("s1".into())
        }
    );
    let mut neither = offering();
    assert_eq!(
        neither
            .answer(Answer::Choice("SMS_MFA".into()))
            .unwrap_err(),
        SignInError::WrongAnswer {
            expected: "one of the offered MFA types"
        }
    );
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
    let Initiate {
        flow, parameters, ..
    } = initiate(sent(machine.start().unwrap()));
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
    let Respond {
        challenge: name,
        responses,
        session,
        ..
    } = respond(sent(
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
    let Respond { responses, .. } = respond(sent(
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
    let Respond {
        challenge: name,
        responses,
        session,
        ..
    } = respond(sent(
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
    let Respond {
        challenge: name,
        responses,
        ..
    } = respond(sent(
        machine
            .answer(Answer::Code(Zeroizing::new("424242".into())))
            .unwrap(),
    ));
    assert_eq!(
        (name.as_str(), responses["EMAIL_OTP_CODE"].as_str()),
        ("EMAIL_OTP", "424242")
    );
}
