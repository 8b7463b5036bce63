//! What sessions and servers pay per token: reading a token's claims (the baseline), verifying
//! it (RS256 with `ring`, then the claims), and a refresh's client-side work (the machine, the
//! request, reading the reply; the transport here answers at once, so no network is timed).

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognito_idp_runtime::jwt::{Checks, Claims, Jwks, verify_at};
use cognito_idp_runtime::signin::{
    AuthResult, AuthTransport, Authenticator, Refresh, Reply, Request, SignInConfig,
    TransportFailure,
};
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

/// Answers every refresh at once with the same fresh tokens.
struct Instant(AuthResult);

impl AuthTransport for Instant {
    async fn send(&self, _: &str, _: &str, request: Request) -> Result<Reply, TransportFailure> {
        assert!(matches!(request, Request::InitiateAuth { .. }));
        Ok(Reply::Authenticated(self.0.clone()))
    }
}

fn refresh(c: &mut Criterion) {
    let key = key();
    let reply = AuthResult {
        access_token: Some(token(&key)),
        id_token: Some(token(&key)),
        expires_in: Some(3600),
        token_type: Some("Bearer".into()),
        ..AuthResult::default()
    };
    let auth = Authenticator::new(
        Instant(reply.clone()),
        SignInConfig::new(POOL, CLIENT).with_client_secret("bench-secret"),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    // Tokens to refresh, from a first "sign-in" through the same transport.
    let mut first = reply;
    first.refresh_token = Some("a-refresh-token".into());
    let tokens = runtime
        .block_on(
            Authenticator::new(Instant(first), SignInConfig::new(POOL, CLIENT)).run(
                cognito_idp_runtime::signin::Flow::RefreshToken {
                    refresh_token: "x".to_owned().into(),
                },
                "user",
                None,
                &mut NoQuestions,
            ),
        )
        .unwrap();
    c.bench_function(
        "refresh (client side, REFRESH_TOKEN_AUTH with SECRET_HASH)",
        |b| {
            b.iter(|| {
                let mut how = Refresh::RefreshTokenAuth;
                runtime
                    .block_on(auth.refresh(black_box(&tokens), &mut how))
                    .unwrap()
            })
        },
    );
}

struct NoQuestions;

impl cognito_idp_runtime::signin::Prompter for NoQuestions {
    async fn answer(
        &mut self,
        _: &cognito_idp_runtime::signin::Question,
    ) -> Result<cognito_idp_runtime::signin::Answer, cognito_idp_runtime::signin::PromptError> {
        Err(cognito_idp_runtime::signin::PromptError("none".into()))
    }
}

criterion_group!(benches, verification, refresh);
criterion_main!(benches);
