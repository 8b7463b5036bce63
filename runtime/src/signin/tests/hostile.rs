//! What a sign-in refuses, what it never shows, what its tokens say, and that it replays.

use super::*;

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
