//! Token verification: every check, on tokens signed here with throwaway keys, and the key set's
//! fetching and rate-limited refetching against a loopback server.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognito_idp_runtime::jwt::{Checks, Claims, Jwks, TokenUse, Verifier, VerifyError, verify_at};
use cognito_idp_testkit::tokens::{jwks, jwks_server, key, sign, stalling_jwks_server};
use serde_json::{Value, json};

use cognito_idp_testkit::tokens::POOL;
const CLIENT: &str = "app-client";
const NOW: u64 = 1_800_000_000;

fn access_claims() -> Value {
    json!({
        "iss": format!("https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"),
        "sub": "0f1e2d3c", "username": "alice", "client_id": CLIENT, "token_use": "access",
        "scope": "aws.cognito.signin.user.admin orders/read", "cognito:groups": ["staff"],
        "iat": NOW - 60, "exp": NOW + 3540,
    })
}

fn id_claims() -> Value {
    json!({
        "iss": format!("https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"),
        "sub": "0f1e2d3c", "cognito:username": "alice", "aud": CLIENT, "token_use": "id",
        "email": "alice@example.com", "iat": NOW - 60, "exp": NOW + 3540,
    })
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

fn header(kid: &str) -> Value {
    json!({ "alg": "RS256", "kid": kid })
}

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

#[test]
fn every_check_names_what_failed() {
    let a = key("a");
    let keys = Jwks::parse(jwks(&[("a", &a)]).as_bytes()).unwrap();
    let checks = Checks::new(POOL, CLIENT);
    let verify = |token: &str| verify_at(token, &keys, &checks, at(NOW));

    let claims = verify(&sign(&header("a"), &access_claims(), &a)).expect("a good access token");
    assert_eq!(
        (claims.username(), claims.sub()),
        (Some("alice"), Some("0f1e2d3c"))
    );
    assert_eq!(claims.expires_at(), Some(at(NOW + 3540)));
    let claims = verify(&sign(&header("a"), &id_claims(), &a)).expect("a good ID token");
    assert_eq!(claims.username(), Some("alice"));

    let cases = [
        (
            sign(&header("a"), &access_claims(), &key("b")),
            VerifyError::Signature,
        ),
        (
            sign(&header("b"), &access_claims(), &a),
            VerifyError::UnknownKey,
        ),
        (
            sign(&json!({"alg":"HS256","kid":"a"}), &access_claims(), &a),
            VerifyError::Algorithm("HS256".into()),
        ),
        (
            sign(
                &header("a"),
                &with(access_claims(), "exp", json!(NOW - 61)),
                &a,
            ),
            VerifyError::Expired,
        ),
        (
            sign(
                &header("a"),
                &with(access_claims(), "iat", json!(NOW + 61)),
                &a,
            ),
            VerifyError::NotYetValid,
        ),
        (
            sign(
                &header("a"),
                &with(access_claims(), "client_id", json!("other")),
                &a,
            ),
            VerifyError::Client,
        ),
        (
            sign(&header("a"), &with(id_claims(), "aud", json!("other")), &a),
            VerifyError::Client,
        ),
        (
            sign(
                &header("a"),
                &with(access_claims(), "token_use", json!("refresh")),
                &a,
            ),
            VerifyError::TokenUse,
        ),
        (
            sign(
                &header("a"),
                &with(access_claims(), "iss", json!("https://evil.example/x")),
                &a,
            ),
            VerifyError::Issuer,
        ),
        (
            sign(
                &header("a"),
                &with(access_claims(), "exp", json!("soon")),
                &a,
            ),
            VerifyError::Malformed("no numeric exp"),
        ),
        ("a.b".to_owned(), VerifyError::Malformed("not three parts")),
        (
            "!!.e30.AA".to_owned(),
            VerifyError::Malformed("the header is not base64url JSON"),
        ),
    ];
    for (token, expected) in cases {
        let refused = verify(&token).unwrap_err();
        assert_eq!(refused, expected);
        // No part of the token in the message.
        let shown = format!("{refused} {refused:?}");
        for part in token.split('.').filter(|p| p.len() > 8) {
            assert!(!shown.contains(part), "{shown}");
        }
    }
    // Within the leeway, an expired token still passes; a token altered after signing does not.
    verify(&sign(
        &header("a"),
        &with(access_claims(), "exp", json!(NOW - 30)),
        &a,
    ))
    .expect("leeway");
    let token = sign(&header("a"), &access_claims(), &a);
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] =
        URL_SAFE_NO_PAD.encode(with(access_claims(), "username", json!("mallory")).to_string());
    assert_eq!(verify(&parts.join(".")), Err(VerifyError::Signature));
}

#[test]
fn kinds_groups_and_scopes_when_required() {
    let a = key("a");
    let keys = Jwks::parse(jwks(&[("a", &a)]).as_bytes()).unwrap();
    let access = sign(&header("a"), &access_claims(), &a);
    let id = sign(&header("a"), &id_claims(), &a);
    let mut checks = Checks::new(POOL, CLIENT);
    checks.token_use = vec![TokenUse::Access];
    assert!(verify_at(&access, &keys, &checks, at(NOW)).is_ok());
    assert_eq!(
        verify_at(&id, &keys, &checks, at(NOW)),
        Err(VerifyError::TokenUse)
    );
    checks.groups = vec!["admins".into()];
    assert_eq!(
        verify_at(&access, &keys, &checks, at(NOW)),
        Err(VerifyError::Group)
    );
    checks.groups.push("staff".into());
    checks.scopes = vec!["orders/write".into()];
    assert_eq!(
        verify_at(&access, &keys, &checks, at(NOW)),
        Err(VerifyError::Scope)
    );
    checks.scopes.push("orders/read".into());
    assert!(verify_at(&access, &keys, &checks, at(NOW)).is_ok());
}

#[test]
fn claims_decode_without_verifying_and_debug_names_only() {
    let token = sign(&header("a"), &id_claims(), &key("a"));
    let claims = Claims::decode(&token).unwrap();
    assert_eq!(claims.client_id(), Some(CLIENT));
    let debug = format!("{claims:?}");
    assert!(
        debug.contains("email") && !debug.contains("alice@example.com"),
        "{debug}"
    );
}

#[tokio::test]
async fn a_forged_key_id_never_stalls_tokens_whose_key_is_known() {
    let a = key("a");
    let (url, fetches, release) = stalling_jwks_server(jwks(&[("a", &a)])).await;
    let verifier = Arc::new(
        Verifier::new(Checks::new(POOL, CLIENT))
            .unwrap()
            .with_jwks_url(&url)
            .unwrap()
            .with_refetch_interval(Duration::ZERO),
    );
    let good = sign(&header("a"), &access_claims(), &a);
    verifier.verify_at(&good, at(NOW)).await.expect("verifies");
    let forged = {
        let verifier = verifier.clone();
        let token = sign(&header("made-up"), &access_claims(), &a);
        tokio::spawn(async move { verifier.verify_at(&token, at(NOW)).await })
    };
    while fetches.load(Ordering::SeqCst) < 2 {
        tokio::task::yield_now().await;
    }
    // The refetch hangs; a token whose key is held does not wait for it.
    let known = tokio::time::timeout(Duration::from_secs(2), verifier.verify_at(&good, at(NOW)))
        .await
        .expect("answered while the key set is being fetched");
    assert!(known.is_ok());
    release.send(true).unwrap();
    assert_eq!(forged.await.unwrap(), Err(VerifyError::UnknownKey));
    assert_eq!(verifier.key_set_fetches().await, 2);
}

#[tokio::test]
async fn the_key_set_is_fetched_once_and_refetched_at_most_once_per_interval() {
    let a = key("a");
    let (url, fetches) = jwks_server(jwks(&[("a", &a)])).await;
    let verifier = Arc::new(
        Verifier::new(Checks::new(POOL, CLIENT))
            .unwrap()
            .with_jwks_url(&url)
            .unwrap(),
    );
    let good = sign(&header("a"), &access_claims(), &a);
    for _ in 0..5 {
        verifier.verify_at(&good, at(NOW)).await.expect("verifies");
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1, "cached");

    // A flood of forged key ids, concurrently: they wait for one fetch, then are refused.
    let forged: Vec<_> = (0..50)
        .map(|i| {
            let verifier = verifier.clone();
            let token = sign(&header(&format!("forged-{i}")), &access_claims(), &a);
            tokio::spawn(async move { verifier.verify_at(&token, at(NOW)).await })
        })
        .collect();
    for task in forged {
        assert_eq!(task.await.unwrap(), Err(VerifyError::UnknownKey));
    }
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        1,
        "the first fetch is within the interval"
    );
    assert_eq!(verifier.key_set_fetches().await, 1);

    // Past the interval, an unknown key refetches once.
    let eager = Verifier::new(Checks::new(POOL, CLIENT))
        .unwrap()
        .with_jwks_url(&url)
        .unwrap()
        .with_refetch_interval(Duration::ZERO);
    eager.verify_at(&good, at(NOW)).await.unwrap();
    let unknown = sign(&header("rotated"), &access_claims(), &a);
    assert_eq!(
        eager.verify_at(&unknown, at(NOW)).await,
        Err(VerifyError::UnknownKey)
    );
    assert_eq!(eager.key_set_fetches().await, 2);
}

#[tokio::test]
async fn an_unreachable_key_set_is_a_typed_error() {
    let verifier = Verifier::new(Checks::new(POOL, CLIENT))
        .unwrap()
        .with_jwks_url("http://127.0.0.1:9/nothing")
        .unwrap();
    let token = sign(&header("a"), &access_claims(), &key("a"));
    assert!(matches!(
        verifier.verify_at(&token, at(NOW)).await,
        Err(VerifyError::Jwks(_))
    ));
}

#[test]
fn machine_to_machine_access_tokens_verify_by_their_scopes() {
    // As Cognito issues them for the client-credentials grant: no user, `sub` is the client.
    let m2m = json!({
        "iss": format!("https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"),
        "sub": CLIENT, "client_id": CLIENT, "token_use": "access",
        "scope": "orders/read orders/write", "iat": NOW - 60, "exp": NOW + 3540,
    });
    let a = key("a");
    let keys = Jwks::parse(jwks(&[("a", &a)]).as_bytes()).unwrap();
    let token = sign(&header("a"), &m2m, &a);
    let mut checks = Checks::new(POOL, CLIENT);
    checks.token_use = vec![TokenUse::Access];
    checks.scopes = vec!["orders/read".into()];
    let claims = verify_at(&token, &keys, &checks, at(NOW)).expect("an M2M token verifies");
    assert_eq!(claims.username(), None);
    assert_eq!(claims.sub(), Some(CLIENT));
    assert_eq!(claims.scopes(), ["orders/read", "orders/write"]);
    checks.scopes = vec!["orders/delete".into()];
    assert_eq!(
        verify_at(&token, &keys, &checks, at(NOW)),
        Err(VerifyError::Scope)
    );
}
