//! Remembered devices: their SRP, confirming and remembering new ones, forgetting stale ones.

use super::*;

#[test]
fn device_challenges_are_answered_with_the_device_secrets() {
    let mut machine = SignIn::new(
        config().with_device(device()),
        Flow::UserSrp,
        "hal",
        password("pw"),
    );
    let Initiate { parameters, .. } = initiate(sent(machine.start().unwrap()));
    assert_eq!(parameters["DEVICE_KEY"], "us-east-1_dev");
    let Respond { responses, .. } = respond(sent(
        machine.receive(verifier_challenge("sub-hal")).unwrap(),
    ));
    assert_eq!(responses["DEVICE_KEY"], "us-east-1_dev");

    let Respond {
        challenge: name,
        responses,
        ..
    } = respond(sent(
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
    let Respond {
        challenge: name,
        responses,
        ..
    } = respond(sent(machine.receive(device_challenge).unwrap()));
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
    let Initiate { parameters, .. } = initiate(sent(restart.expect("a fresh start")));
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
