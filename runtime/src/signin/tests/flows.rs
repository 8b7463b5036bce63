//! Each flow's first request and the responses that follow: the exact parameters, `SECRET_HASH`
//! over the right name, context and metadata.

use super::*;

#[test]
fn user_srp_with_a_secret_hashes_the_right_username_at_each_step() {
    let config = config().with_client_secret(SECRET);
    let mut machine = SignIn::new(config, Flow::UserSrp, "alice@example.com", password("pw"));
    let Initiate {
        admin,
        flow,
        parameters,
    } = initiate(sent(machine.start().unwrap()));
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

    let Respond {
        challenge: name,
        responses,
        session,
        ..
    } = respond(sent(
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
    let Initiate {
        admin,
        flow,
        parameters,
    } = initiate(sent(machine.start().unwrap()));
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
    let Initiate {
        admin: is_admin,
        flow,
        parameters,
    } = initiate(sent(admin.start().unwrap()));
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
    let Respond {
        admin: is_admin,
        challenge: name,
        responses,
        ..
    } = respond(sent(
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
    let Initiate { parameters, .. } = initiate(sent(
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
    let Initiate {
        flow, parameters, ..
    } = initiate(sent(machine.start().unwrap()));
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
    let Initiate {
        flow, parameters, ..
    } = initiate(sent(plain.start().unwrap()));
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
    let Respond {
        challenge: name,
        responses,
        ..
    } = respond(sent(
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
    let Initiate { parameters, .. } = initiate(sent(srp.start().unwrap()));
    assert_eq!(parameters["CHALLENGE_NAME"], "SRP_A");
    assert!(parameters.contains_key("SRP_A"));
    let Respond {
        challenge: name, ..
    } = respond(sent(srp.receive(verifier_challenge("carol")).unwrap()));
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
    let Initiate {
        flow, parameters, ..
    } = initiate(sent(machine.start().unwrap()));
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
    let Initiate { parameters, .. } = initiate(sent(machine.start().unwrap()));
    assert!(parameters.contains_key("SRP_A") && !parameters.contains_key("PASSWORD"));

    let mut machine = SignIn::new(config(), preferred("EMAIL_OTP"), "dan", None);
    let Initiate { parameters, .. } = initiate(sent(machine.start().unwrap()));
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
    let Respond { responses, .. } = respond(sent(
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
        initiate(sent(machine.start().unwrap())).parameters,
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
    let Respond {
        challenge: name,
        responses,
        ..
    } = respond(sent(
        machine
            .answer(Answer::Password(Zeroizing::new("pw".into())))
            .unwrap(),
    ));
    assert_eq!(name, "SELECT_CHALLENGE");
    assert_eq!(responses["ANSWER"], "PASSWORD_SRP");
    assert!(responses.contains_key("SRP_A"));
    let Respond {
        challenge: name, ..
    } = respond(sent(machine.receive(verifier_challenge("dan")).unwrap()));
    assert_eq!(name, "PASSWORD_VERIFIER");

    let mut machine = SignIn::new(config(), Flow::UserAuth { preferred: None }, "dan", None);
    machine.start().unwrap();
    machine.receive(offered()).unwrap();
    let Respond { responses, .. } = respond(sent(
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
    let Respond { responses, .. } = respond(sent(
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

#[test]
fn sign_in_after_sign_up_sends_the_confirmation_session() {
    let mut machine = SignIn::new(
        config().with_client_secret(SECRET),
        Flow::AfterSignUp {
            session: Zeroizing::new("confirm-session".into()),
        },
        "kai@example.com",
        None,
    );
    let request = sent(machine.start().unwrap());
    let Request::InitiateAuth {
        auth_flow,
        parameters,
        session,
        ..
    } = &request
    else {
        panic!("{request:?}")
    };
    assert_eq!(*auth_flow, "USER_AUTH");
    assert_eq!(session.as_deref(), Some("confirm-session"));
    assert_eq!(
        *parameters,
        map(&[
            ("USERNAME", "kai@example.com"),
            (
                "SECRET_HASH",
                &secret_hash("kai@example.com", CLIENT, SECRET)
            )
        ])
    );
    assert!(!format!("{request:?}").contains("confirm-session"));
    assert!(
        !done(machine.receive(tokens()).unwrap())
            .access_token
            .is_empty()
    );
}
