//! Property tests of the SRP engine against a server side written from the protocol
//! (cognito-srp.md §16): thousands of random handshakes must verify, and no challenge, however
//! malformed, may make the engine panic.

use std::collections::HashMap;
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cognito_idp_runtime::srp::{DeviceSecrets, SrpSession};
use num_bigint::BigUint;
use proptest::prelude::*;

use cognito_idp_testkit::srp_server::{Server, number};

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn user_signatures_verify_on_the_server_side(
        a in prop::collection::vec(any::<u8>(), 128),
        b in prop::collection::vec(any::<u8>(), 32..128),
        salt in prop::collection::vec(any::<u8>(), 1..17),
        pool in "[A-Za-z0-9]{1,10}",
        user in "\\PC{1,12}",
        password in "\\PC{1,24}",
        block in prop::collection::vec(any::<u8>(), 1..64),
        secs in 0u64..4_102_444_800,
    ) {
        prop_assume!(number(&a) != BigUint::ZERO && number(&b) != BigUint::ZERO);
        let server = Server::new();
        let salt = number(&salt);
        let v = server.verifier(&salt, &pool, &user, &password);
        let big_b = server.public(&v, &number(&b));
        let session = SrpSession::with_private_ephemeral(&a).unwrap();
        let params: HashMap<String, String> = [
            ("SRP_B", big_b.to_str_radix(16)),
            ("SALT", salt.to_str_radix(16)),
            ("SECRET_BLOCK", STANDARD.encode(&block)),
            ("USER_ID_FOR_SRP", user.clone()),
        ].into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let claim = session
            .password_verifier_at(&format!("us-east-1_{pool}"), &params, &password, UNIX_EPOCH + Duration::from_secs(secs))
            .unwrap();
        let message = [pool.as_bytes(), user.as_bytes(), &block, claim.timestamp.as_bytes()].concat();
        prop_assert_eq!(claim.signature, server.expected_signature(&session.srp_a(), &v, &number(&b), &message));
    }

}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn device_signatures_verify_against_the_registered_verifier(
        password in prop::array::uniform32(any::<u8>()),
        salt in prop::array::uniform16(any::<u8>()),
        a in prop::collection::vec(any::<u8>(), 128),
        b in prop::collection::vec(any::<u8>(), 32..64),
        device_key in "[a-z0-9-]{1,40}",
        group in "[A-Za-z0-9-]{1,12}",
    ) {
        prop_assume!(number(&a) != BigUint::ZERO && number(&b) != BigUint::ZERO);
        let mut password40 = [0u8; 40];
        password40[..32].copy_from_slice(&password);
        let (secrets, registered) = DeviceSecrets::generate_from(&device_key, &group, &password40, &salt);
        // The server keeps only what ConfirmDevice sent: the verifier and the salt.
        let server = Server::new();
        let v = number(&STANDARD.decode(&registered.password_verifier).unwrap());
        let salt = number(&STANDARD.decode(&registered.salt).unwrap());
        prop_assert_eq!(&v, &server.verifier(&salt, &group, &device_key, secrets.password()));
        let session = SrpSession::with_private_ephemeral(&a).unwrap();
        let params: HashMap<String, String> = [
            ("SRP_B", server.public(&v, &number(&b)).to_str_radix(16)),
            ("SALT", salt.to_str_radix(16)),
            ("SECRET_BLOCK", "c2VjcmV0".to_owned()),
            ("USERNAME", "someone".to_owned()),
        ].into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let claim = session.device_password_verifier_at(&secrets, &params, UNIX_EPOCH).unwrap();
        let message = [group.as_bytes(), device_key.as_bytes(), b"secret", claim.timestamp.as_bytes()].concat();
        prop_assert_eq!(claim.signature, server.expected_signature(&session.srp_a(), &v, &number(&b), &message));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// Arbitrary, hostile or missing parameters give an error or a claim, never a panic.
    #[test]
    fn arbitrary_challenges_never_panic(
        b in prop::option::of("[0-9a-fA-F_+ -]{0,1100}"),
        salt in prop::option::of("[0-9a-fA-Fg ]{0,40}"),
        block in prop::option::of("\\PC{0,64}"),
        user in prop::option::of("\\PC{0,16}"),
        pool_id in "\\PC{0,20}",
    ) {
        let session = SrpSession::with_private_ephemeral(&[7; 16]).unwrap();
        let params: HashMap<String, String> = [("SRP_B", b), ("SALT", salt), ("SECRET_BLOCK", block), ("USER_ID_FOR_SRP", user)]
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_owned(), v?)))
            .collect();
        if let Err(error) = session.password_verifier_at(&pool_id, &params, "pw", UNIX_EPOCH) {
            prop_assert!(!error.to_string().contains("pw"));
        }
    }
}

#[test]
fn oversized_and_malformed_parameters_are_named() {
    let session = SrpSession::with_private_ephemeral(&[1; 128]).unwrap();
    let base: HashMap<String, String> = [
        ("SRP_B", "ab"),
        ("SALT", "cd"),
        ("SECRET_BLOCK", "aGk="),
        ("USER_ID_FOR_SRP", "u"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let with = |key: &str, value: String| {
        let mut p = base.clone();
        p.insert(key.to_owned(), value);
        session
            .password_verifier_at("us-east-1_pool", &p, "pw", UNIX_EPOCH)
            .unwrap_err()
            .to_string()
    };
    assert!(with("SRP_B", "f".repeat(5000)).contains("SRP_B is longer"));
    assert!(with("SALT", "xyz".into()).contains("SALT is not hexadecimal"));
    assert!(with("SECRET_BLOCK", "a-".into()).contains("SECRET_BLOCK is not base64"));
    let mut missing = base.clone();
    missing.remove("USER_ID_FOR_SRP");
    let error = session
        .password_verifier_at("us-east-1_pool", &missing, "pw", UNIX_EPOCH)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "the challenge has no USER_ID_FOR_SRP parameter"
    );
    let error = session
        .password_verifier_at("nounderscore", &base, "pw", UNIX_EPOCH)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "the user pool id is not of the form <region>_<name>"
    );
    assert!(SrpSession::with_private_ephemeral(&[0; 128]).is_err());
}

#[test]
fn secrets_never_show_in_debug() {
    let (secrets, _) = DeviceSecrets::generate_from("key", "group", &[9; 40], &[3; 16]);
    let shown = format!("{secrets:?}");
    assert!(!shown.contains(secrets.password()), "{shown}");
    assert!(shown.contains("key") && shown.contains("Redacted"));
    let session = SrpSession::new().unwrap();
    assert!(!format!("{session:?}").is_empty());
    // Two sessions never share an ephemeral.
    assert_ne!(session.srp_a(), SrpSession::new().unwrap().srp_a());
}

#[test]
fn device_secrets_persist_through_serde() {
    let (secrets, _) =
        DeviceSecrets::generate_from("us-east-1_device", "group", &[5; 40], &[6; 16]);
    let stored = serde_json::to_string(&secrets).unwrap();
    let restored: DeviceSecrets = serde_json::from_str(&stored).unwrap();
    assert_eq!(restored, secrets);
    assert_eq!(restored.password(), secrets.password());
}
