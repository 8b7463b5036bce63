//! A server's bearer check (feature `tower`): a token seen before (a lookup by its SHA-256)
//! against a full verification (RS256 and the claims), and the memory 10,000 verified tokens
//! hold, as the growth of the resident set.

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use cognito_idp_runtime::bearer::VerifiedTokens;
use cognito_idp_runtime::jwt::{Checks, Jwks, verify_at};
use cognito_idp_testkit::tokens::{POOL, jwks, key, sign};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;

/// The process's resident memory, in bytes (Linux; the workspace forbids the `unsafe` a counting
/// allocator needs).
fn resident() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|kb| kb.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

const NOW: u64 = 1_800_000_000;

/// A Cognito-shaped access token, numbered so that each is another.
fn token(n: u64) -> String {
    let claims = json!({
        "iss": format!("https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"),
        "sub": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "username": "0f1e2d3c-4b5a-6978",
        "client_id": "bench-client", "token_use": "access", "scope": "aws.cognito.signin.user.admin",
        "auth_time": NOW - 60, "iat": NOW - 60, "exp": NOW + 3540, "jti": format!("jti-{n}"),
        "origin_jti": "aabbccdd-eeff-0011-2233-445566778899", "event_id": "99887766-5544-3322-1100-ffeeddccbbaa",
        "version": 2,
    });
    sign(&json!({"alg": "RS256", "kid": "a"}), &claims, &key("a"))
}

fn bearer(c: &mut Criterion) {
    let keys = Jwks::parse(jwks(&[("a", &key("a"))]).as_bytes()).unwrap();
    let checks = Checks::new(POOL, "bench-client");
    let now = UNIX_EPOCH + Duration::from_secs(NOW);
    let seen = token(0);
    let verified = VerifiedTokens::new(10_000);
    let claims = verify_at(&seen, &keys, &checks, now).unwrap();
    verified.insert(&seen, &claims, now);
    let mut group = c.benchmark_group("bearer check");
    group.bench_function("full verification (RS256 + claims)", |b| {
        b.iter(|| verify_at(black_box(&seen), &keys, &checks, now).unwrap())
    });
    group.bench_function("a token seen before", |b| {
        b.iter(|| verified.get(black_box(&seen), now).unwrap())
    });
    group.finish();

    // Memory: 10,000 distinct verified tokens kept, the cache holding their only claims.
    let tokens: Vec<String> = (1..=10_000).map(token).collect();
    let cache = VerifiedTokens::new(10_000);
    let before = resident();
    for token in &tokens {
        let claims = verify_at(token, &keys, &checks, now).unwrap();
        cache.insert(token, &claims, now);
    }
    let held = resident().saturating_sub(before);
    println!(
        "10,000 verified tokens kept: {held} bytes ({} per token; each token is {} bytes)",
        held / 10_000,
        tokens[0].len()
    );
}

criterion_group!(benches, bearer);
criterion_main!(benches);
