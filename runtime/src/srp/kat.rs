//! Known-answer tests: every vector of `tests/data/srp-kat.json` and
//! `tests/data/srp-published-vectors.json`, every intermediate value.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use num_bigint::BigUint;
use serde_json::Value;

use super::math::{self, pad};
use super::{Challenge, DeviceSecrets, SrpError, SrpSession, decode_lenient, secret_hash};

const KAT: &str = include_str!("../../tests/data/srp-kat.json");
const PUBLISHED: &str = include_str!("../../tests/data/srp-published-vectors.json");

fn vectors(source: &str) -> Vec<Value> {
    let document: Value = serde_json::from_str(source).expect("vector file is JSON");
    document["vectors"]
        .as_array()
        .expect("a vectors array")
        .clone()
}

fn text<'v>(vector: &'v Value, key: &str) -> &'v str {
    vector[key]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no {key}", vector["id"]))
}

fn number(vector: &Value, key: &str) -> BigUint {
    math::parse_hex(text(vector, key))
        .unwrap_or_else(|| panic!("{}: {key} is not hex", vector["id"]))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn bytes_of(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

/// `Tue Jul 3 07:28:05 UTC 2012` as an instant, to drive the public API's own formatting.
fn instant(timestamp: &str) -> SystemTime {
    let parts: Vec<&str> = timestamp.split(' ').collect();
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = months.iter().position(|m| *m == parts[1]).expect("a month") as u8 + 1;
    let date = time::Date::from_calendar_date(
        parts[5].parse().expect("a year"),
        time::Month::try_from(month).expect("a month"),
        parts[2].parse().expect("a day"),
    )
    .expect("a date");
    let clock: Vec<u8> = parts[3]
        .split(':')
        .map(|p| p.parse().expect("a number"))
        .collect();
    let at = date
        .with_hms(clock[0], clock[1], clock[2])
        .expect("a time")
        .assume_utc();
    UNIX_EPOCH + Duration::from_secs(at.unix_timestamp().try_into().expect("after 1970"))
}

fn parameters(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Checks every intermediate value of a user or device login vector; returns the signature.
fn check_login(v: &Value, realm: &str, user: &str, password: &str) -> String {
    let id = &v["id"];
    let expected = &v["expected"];
    let session =
        SrpSession::with_private_ephemeral(&number(v, "a_hex").to_bytes_be()).expect("a is valid");
    assert_eq!(session.srp_a(), text(expected, "srp_a_hex"), "{id}: SRP_A");
    assert_eq!(
        hex(&pad(&session.big_a)),
        text(expected, "A_pad_hex"),
        "{id}: pad(A)"
    );
    let params = parameters(&[
        ("SRP_B", text(v, "srp_b_hex")),
        ("SALT", text(v, "salt_hex")),
        ("SECRET_BLOCK", text(v, "secret_block_b64")),
    ]);
    let challenge = Challenge::read(&params).expect("the challenge reads");
    assert_eq!(
        hex(&pad(&challenge.big_b)),
        text(expected, "B_pad_hex"),
        "{id}: pad(B)"
    );
    assert_eq!(
        hex(&pad(&challenge.salt)),
        text(expected, "salt_pad_hex"),
        "{id}: pad(salt)"
    );
    let u = math::scrambler(&session.big_a, &challenge.big_b);
    assert_eq!(u.to_str_radix(16), text(expected, "u_hex"), "{id}: u");
    assert_eq!(hex(&pad(&u)), text(expected, "u_pad_hex"), "{id}: pad(u)");
    assert_eq!(
        hex(&math::identity_hash(realm, user, password)),
        text(expected, "identity_hash_hex"),
        "{id}"
    );
    let x = math::private_key(&challenge.salt, realm, user, password);
    assert_eq!(
        x.to_biguint().to_str_radix(16),
        text(expected, "x_hex"),
        "{id}: x"
    );
    let padded_s = math::premaster_secret(&challenge.big_b, &session.a, &u, &x);
    let s = BigUint::from_bytes_be(&padded_s);
    assert_eq!(s.to_str_radix(16), text(expected, "s_hex"), "{id}: S");
    assert_eq!(hex(&padded_s), text(expected, "s_pad_hex"), "{id}: pad(S)");
    assert_eq!(hex(&pad(&s)), hex(&padded_s), "{id}: pad(S) from limbs");
    assert_eq!(
        hex(math::session_key(&padded_s, &u).as_slice()),
        text(expected, "hkdf_key_hex"),
        "{id}: key"
    );
    let message_len =
        realm.len() + user.len() + challenge.secret_block.len() + text(v, "timestamp").len();
    assert_eq!(
        Some(message_len as u64),
        expected["message_len"].as_u64(),
        "{id}: message length"
    );
    let signature = session
        .sign(&challenge, realm, user, password, text(v, "timestamp"))
        .expect("signs");
    assert_eq!(
        signature,
        text(expected, "signature_b64"),
        "{id}: signature"
    );
    signature
}

#[test]
fn user_vectors_through_every_intermediate_and_the_public_api() {
    let mut checked = 0;
    for v in vectors(KAT)
        .iter()
        .filter(|v| v["kind"] == "user" && v.get("expect_error").is_none())
    {
        let pool_id = text(v, "pool_id");
        let (_, pool_name) = pool_id.split_once('_').expect("a pool id");
        // `username` is USER_ID_FOR_SRP, which Cognito also sends as USERNAME; `login_username`,
        // when present, is what the user typed, which the answer must not use.
        let user_id = text(v, "username");
        let signature = check_login(v, pool_name, user_id, text(v, "password"));

        let session = SrpSession::with_private_ephemeral(&number(v, "a_hex").to_bytes_be())
            .expect("a is valid");
        let params = parameters(&[
            ("SRP_B", text(v, "srp_b_hex")),
            ("SALT", text(v, "salt_hex")),
            ("SECRET_BLOCK", text(v, "secret_block_b64")),
            ("USER_ID_FOR_SRP", user_id),
            ("USERNAME", user_id),
        ]);
        let at = instant(text(v, "timestamp"));
        let claim = session
            .password_verifier_at(pool_id, &params, text(v, "password"), at)
            .expect("answers");
        assert_eq!(
            claim.timestamp,
            text(v, "timestamp"),
            "{}: TIMESTAMP",
            v["id"]
        );
        assert_eq!(
            claim.signature, signature,
            "{}: public API signature",
            v["id"]
        );
        assert_eq!(
            claim.username, user_id,
            "{}: answers as the challenge's USERNAME",
            v["id"]
        );
        assert_eq!(
            claim.secret_block,
            text(v, "secret_block_b64"),
            "{}: secret block echoed",
            v["id"]
        );

        if let Some(secret) = v["client_secret"].as_str() {
            let typed = v["login_username"].as_str().unwrap_or(user_id);
            let client_id = text(v, "client_id");
            assert_eq!(
                secret_hash(typed, client_id, secret),
                text(&v["expected"], "secret_hash_initiate_b64")
            );
            assert_eq!(
                secret_hash(user_id, client_id, secret),
                text(&v["expected"], "secret_hash_respond_b64")
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 21);
}

#[test]
fn the_proof_is_over_user_id_for_srp_whatever_the_challenge_calls_the_user() {
    let v = &vectors(KAT)[0];
    let user_id = text(v, "username");
    let session =
        SrpSession::with_private_ephemeral(&number(v, "a_hex").to_bytes_be()).expect("a is valid");
    let answer = |username: Option<&str>| {
        let mut pairs = vec![
            ("SRP_B", text(v, "srp_b_hex")),
            ("SALT", text(v, "salt_hex")),
            ("SECRET_BLOCK", text(v, "secret_block_b64")),
            ("USER_ID_FOR_SRP", user_id),
        ];
        pairs.extend(username.map(|u| ("USERNAME", u)));
        let at = instant(text(v, "timestamp"));
        session
            .password_verifier_at(
                text(v, "pool_id"),
                &parameters(&pairs),
                text(v, "password"),
                at,
            )
            .expect("answers")
    };
    // moto names the user by username and sends the sub as USER_ID_FOR_SRP.
    let named = answer(Some("alice"));
    let unnamed = answer(None);
    assert_eq!(named.username, "alice");
    assert_eq!(unnamed.username, user_id);
    assert_eq!(named.signature, unnamed.signature);
}

#[test]
fn a_server_ephemeral_of_zero_is_refused() {
    let v = vectors(KAT)
        .into_iter()
        .find(|v| v["id"] == "kat-B_zero")
        .expect("the B_zero vector");
    let session =
        SrpSession::with_private_ephemeral(&number(&v, "a_hex").to_bytes_be()).expect("a is valid");
    let n_hex = math::GROUP.n.to_str_radix(16);
    let two_n = (&math::GROUP.n * 2u32).to_str_radix(16);
    for b in [text(&v, "srp_b_hex"), "0000", &n_hex, &two_n] {
        let params = parameters(&[
            ("SRP_B", b),
            ("SALT", text(&v, "salt_hex")),
            ("SECRET_BLOCK", text(&v, "secret_block_b64")),
            ("USER_ID_FOR_SRP", text(&v, "username")),
        ]);
        let result = session.password_verifier_at(
            text(&v, "pool_id"),
            &params,
            text(&v, "password"),
            UNIX_EPOCH,
        );
        assert_eq!(result, Err(SrpError::ZeroServerEphemeral));
    }
}

#[test]
fn device_registration_vectors() {
    let mut checked = 0;
    for v in vectors(KAT)
        .iter()
        .filter(|v| v["kind"] == "device_verifier")
    {
        let expected = &v["expected"];
        let password: [u8; 40] = bytes_of(text(v, "random_password_bytes_hex"))
            .try_into()
            .expect("40 bytes");
        let salt: [u8; 16] = bytes_of(text(v, "random_salt_bytes_hex"))
            .try_into()
            .expect("16 bytes");
        let (secrets, verifier) = DeviceSecrets::generate_from(
            text(v, "device_key"),
            text(v, "device_group_key"),
            &password,
            &salt,
        );
        assert_eq!(
            secrets.password(),
            text(expected, "device_password"),
            "{}",
            v["id"]
        );
        assert_eq!(verifier.salt, text(expected, "salt_b64"), "{}", v["id"]);
        assert_eq!(
            verifier.password_verifier,
            text(expected, "verifier_b64"),
            "{}",
            v["id"]
        );
        assert_eq!(
            hex(&STANDARD.decode(&verifier.salt).expect("base64")),
            text(expected, "salt_hex")
        );
        checked += 1;
    }
    assert_eq!(checked, 2);
}

#[test]
fn device_login_vectors() {
    let mut checked = 0;
    for v in vectors(KAT).iter().filter(|v| v["kind"] == "device") {
        let (group, key, password) = (
            text(v, "device_group_key"),
            text(v, "device_key"),
            text(v, "device_password"),
        );
        let signature = check_login(v, group, key, password);
        let device = DeviceSecrets::new(key.to_owned(), group.to_owned(), password.to_owned());
        let session = SrpSession::with_private_ephemeral(&number(v, "a_hex").to_bytes_be())
            .expect("a is valid");
        let params = parameters(&[
            ("SRP_B", text(v, "srp_b_hex")),
            ("SALT", text(v, "salt_hex")),
            ("SECRET_BLOCK", text(v, "secret_block_b64")),
            ("USERNAME", text(v, "username")),
        ]);
        let claim = session
            .device_password_verifier_at(&device, &params, instant(text(v, "timestamp")))
            .expect("answers");
        assert_eq!(claim.signature, signature);
        assert_eq!(claim.device_key.as_deref(), Some(key));
        assert_eq!(claim.username, text(v, "username"));
        checked += 1;
    }
    assert_eq!(checked, 2);
}

#[test]
fn secret_hash_vectors() {
    let all = vectors(KAT).into_iter().chain(vectors(PUBLISHED));
    let mut checked = 0;
    for v in all.filter(|v| v["expected"]["secret_hash_b64"].is_string()) {
        let hash = secret_hash(
            text(&v, "username"),
            text(&v, "client_id"),
            text(&v, "client_secret"),
        );
        assert_eq!(hash, text(&v["expected"], "secret_hash_b64"), "{}", v["id"]);
        checked += 1;
    }
    assert_eq!(checked, 4);
}

#[test]
fn published_vectors_including_the_real_pool_capture() {
    let mut checked = 0;
    for v in vectors(PUBLISHED)
        .iter()
        .filter(|v| v.get("a_hex").is_some())
    {
        let session = SrpSession::with_private_ephemeral(&number(v, "a_hex").to_bytes_be())
            .expect("a is valid");
        let realm = v["pool_name"].as_str().expect("a pool name");
        let user = text(v, "user_id_for_srp");
        let password = text(v, "password");
        if let Some(key) = v["expected"]["hkdf_key_b64"].as_str() {
            let params = parameters(&[
                ("SRP_B", text(v, "srp_b_hex")),
                ("SALT", text(v, "salt_hex")),
                ("SECRET_BLOCK", ""),
            ]);
            let challenge = Challenge::read(&params).expect("the challenge reads");
            let derived = session
                .session_key(&challenge, realm, user, password)
                .expect("a key");
            assert_eq!(STANDARD.encode(derived.as_slice()), key, "{}", v["id"]);
        } else {
            let params = parameters(&[
                ("SRP_B", text(v, "srp_b_hex")),
                ("SALT", text(v, "salt_hex")),
                ("SECRET_BLOCK", text(v, "secret_block_b64")),
            ]);
            let challenge = Challenge::read(&params).expect("the challenge reads");
            let signature = session
                .sign(&challenge, realm, user, password, text(v, "timestamp"))
                .expect("signs");
            assert_eq!(
                signature,
                text(&v["expected"], "signature_b64"),
                "{}",
                v["id"]
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 5);
}

#[test]
fn secret_block_is_decoded_leniently_and_echoed_unchanged() {
    assert_eq!(decode_lenient("aGk="), Some(b"hi".to_vec()));
    assert_eq!(decode_lenient("aG k\n"), Some(b"hi".to_vec()));
    // moto sends a UUID: the hyphens are skipped, as the reference clients skip them.
    assert_eq!(
        decode_lenient("0a1b2c3d-0000-0000-0000-000000000000").map(|b| b.len()),
        Some(24)
    );
    assert_eq!(decode_lenient("a"), None);
}
