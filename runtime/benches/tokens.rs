//! What sessions and servers pay per token: reading a token's claims (the baseline), verifying
//! it (RS256 with `ring`, then the claims), and a refresh's client-side work (the machine, the
//! request, reading the reply; the transport here answers at once, so no network is timed).

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognito_idp_runtime::jwt::{Checks, Claims, Jwks, verify_at};
use cognito_idp_runtime::signin::{Authenticator, Flow, Refresh, SignInConfig, Zeroizing};
use cognito_idp_testkit::peer::{CLIENT_ID, POOL_ID};
use cognito_idp_testkit::{Peer, Script};
use criterion::{Criterion, criterion_group, criterion_main};
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::json;

const POOL: &str = "eu-west-1_Bench";
const CLIENT: &str = "bench-client";
const NOW: u64 = 1_800_000_000;

fn key() -> RsaKeyPair {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/test-rsa-a.pk8");
    RsaKeyPair::from_pkcs8(&std::fs::read(path).unwrap()).unwrap()
}

/// A Cognito-shaped access token signed by `key`.
fn token(key: &RsaKeyPair) -> String {
    let header = json!({"alg": "RS256", "kid": "a"});
    let claims = json!({
        "iss": format!("https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"),
        "sub": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "username": "0f1e2d3c-4b5a-6978",
        "client_id": CLIENT, "token_use": "access", "scope": "aws.cognito.signin.user.admin",
        "auth_time": NOW - 60, "iat": NOW - 60, "exp": NOW + 3540,
        "jti": "2c1b0a99-8877-6655-4433-221100ffeedd", "origin_jti": "aabbccdd-eeff-0011-2233-445566778899",
        "event_id": "99887766-5544-3322-1100-ffeeddccbbaa", "version": 2,
    });
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        signed.as_bytes(),
        &mut signature,
    )
    .unwrap();
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn verification(c: &mut Criterion) {
    let key = key();
    let token = token(&key);
    let public: ring::rsa::PublicKeyComponents<Vec<u8>> = key.public().into();
    let jwks = json!({"keys": [{
        "kid": "a", "kty": "RSA", "n": URL_SAFE_NO_PAD.encode(&public.n),
        "e": URL_SAFE_NO_PAD.encode(&public.e),
    }]});
    let keys = Jwks::parse(jwks.to_string().as_bytes()).unwrap();
    let checks = Checks::new(POOL, CLIENT);
    let now = UNIX_EPOCH + Duration::from_secs(NOW);
    let mut group = c.benchmark_group("token");
    group.bench_function("decode claims (baseline)", |b| {
        b.iter(|| Claims::decode(black_box(&token)).unwrap())
    });
    group.bench_function("verify (RS256 + claims)", |b| {
        b.iter(|| verify_at(black_box(&token), &keys, &checks, now).unwrap())
    });
    group.finish();
}

/// A refresh against the scripted peer, which answers at once: the client's work (the machine,
/// the request with its `SECRET_HASH`, reading the reply) and the peer's (checking the hash,
/// issuing unsigned tokens), no network.
fn refresh(c: &mut Criterion) {
    let peer = Peer::new()
        .user("user@example.com", "sub-user", "Bench!pass1")
        .client_secret("bench-secret");
    let auth = Authenticator::new(
        &peer,
        SignInConfig::new(POOL_ID, CLIENT_ID).with_client_secret("bench-secret"),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let tokens = runtime
        .block_on(auth.run(
            Flow::UserPassword,
            "user@example.com",
            Some(Zeroizing::new("Bench!pass1".into())),
            &mut Script::none(),
        ))
        .unwrap();
    c.bench_function(
        "refresh (REFRESH_TOKEN_AUTH with SECRET_HASH, against the scripted peer)",
        |b| {
            b.iter(|| {
                let mut how = Refresh::RefreshTokenAuth;
                let fresh = runtime
                    .block_on(auth.refresh(black_box(&tokens), &mut how))
                    .unwrap();
                peer.log();
                fresh
            })
        },
    );
}

/// A machine-to-machine token from the cache, against a `HashMap` lookup of the same key: the
/// cache's own cost (the endpoint is asked once, before measuring), by its scopes and through a
/// scoped handle. Polled once with a no-op
/// waker: a cached token is ready at once, so no executor is timed.
fn m2m(c: &mut Criterion) {
    use std::collections::HashMap;
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    use cognito_idp_runtime::oauth::{ClientCredentials, Domain};
    use cognito_idp_testkit::oauth::{CLIENT_ID, CLIENT_SECRET, TokenEndpoint};

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (tokens, token) = runtime.block_on(async {
        let endpoint = TokenEndpoint::start().await;
        let domain = Domain::custom(&endpoint.url).unwrap();
        let tokens = ClientCredentials::new(&domain, CLIENT_ID, CLIENT_SECRET).unwrap();
        let token = tokens.token(&["orders/read"]).await.unwrap();
        (tokens, token)
    });
    let scoped = tokens.scoped(&["orders/read"]);
    let map: HashMap<String, _> = [("orders/read".to_owned(), token)].into_iter().collect();
    let mut group = c.benchmark_group("m2m token");
    group.bench_function("HashMap lookup (baseline)", |b| {
        b.iter(|| map.get(black_box("orders/read")).cloned().unwrap())
    });
    group.bench_function("ClientCredentials::token, cached", |b| {
        let mut cx = Context::from_waker(Waker::noop());
        b.iter(|| {
            let mut future = std::pin::pin!(tokens.token(black_box(&["orders/read"])));
            match future.as_mut().poll(&mut cx) {
                Poll::Ready(token) => token.unwrap(),
                Poll::Pending => panic!("a cached token is ready at once"),
            }
        })
    });
    group.bench_function("ScopedTokens::token, cached", |b| {
        let mut cx = Context::from_waker(Waker::noop());
        b.iter(|| {
            let mut future = std::pin::pin!(black_box(&scoped).token());
            match future.as_mut().poll(&mut cx) {
                Poll::Ready(token) => token.unwrap(),
                Poll::Pending => panic!("a cached token is ready at once"),
            }
        })
    });
    group.finish();
}

criterion_group!(benches, verification, refresh, m2m);
criterion_main!(benches);
