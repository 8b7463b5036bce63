//! The bearer-token layer (feature `tower`): valid, expired, wrong client, missing scope and
//! malformed headers, tokens verified once and then looked up.

use std::convert::Infallible;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cognito_idp_runtime::bearer::{BearerLayer, VerifiedTokens};
use cognito_idp_runtime::jwt::{Checks, Claims, TokenUse, Verifier};
use cognito_idp_testkit::tokens::{POOL, jwks, jwks_server, key, sign};
use serde_json::json;
use tower_layer::Layer;
use tower_service::Service;

const CLIENT: &str = "api-client";

/// The protected service: says whose claims it saw.
#[derive(Clone)]
struct Echo;

impl Service<http::Request<()>> for Echo {
    type Response = http::Response<String>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<http::Response<String>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<()>) -> Self::Future {
        let sub = request
            .extensions()
            .get::<Claims>()
            .and_then(|c| c.sub().map(str::to_owned));
        Box::pin(async move { Ok(http::Response::new(sub.unwrap_or_default())) })
    }
}

fn token(claims: serde_json::Value) -> String {
    sign(&json!({"alg": "RS256", "kid": "a"}), &claims, &key("a"))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn m2m(client: &str, scope: &str, exp: u64) -> serde_json::Value {
    json!({
        "iss": format!("https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"),
        "sub": client, "client_id": client, "token_use": "access", "scope": scope,
        "iat": now() - 60, "exp": exp,
    })
}

async fn call(
    service: &mut impl Service<http::Request<()>, Response = http::Response<String>, Error = Infallible>,
    authorization: Option<&str>,
) -> http::Response<String> {
    let mut request = http::Request::new(());
    if let Some(value) = authorization {
        request
            .headers_mut()
            .insert(http::header::AUTHORIZATION, value.parse().unwrap());
    }
    poll_fn(|cx| service.poll_ready(cx)).await.unwrap();
    service.call(request).await.unwrap()
}

#[tokio::test]
async fn valid_tokens_pass_with_their_claims_and_the_rest_get_a_bare_401() {
    let (url, fetches) = jwks_server(jwks(&[("a", &key("a"))])).await;
    let mut checks = Checks::new(POOL, CLIENT);
    checks.token_use = vec![TokenUse::Access];
    checks.scopes = vec!["orders/read".into()];
    let verifier = Arc::new(Verifier::new(checks).unwrap().with_jwks_url(&url).unwrap());
    let mut service = BearerLayer::new(verifier).layer(Echo);

    let good = token(m2m(CLIENT, "orders/read", now() + 3600));
    let passed = call(&mut service, Some(&format!("Bearer {good}"))).await;
    assert_eq!(
        (passed.status(), passed.body().as_str()),
        (http::StatusCode::OK, CLIENT)
    );
    // Seen again: looked up, not verified (one key-set fetch in all).
    let again = call(&mut service, Some(&format!("bearer {good}"))).await;
    assert_eq!(again.status(), http::StatusCode::OK);
    assert_eq!(fetches.load(std::sync::atomic::Ordering::SeqCst), 1);

    let refused = [
        Some(format!(
            "Bearer {}",
            token(m2m(CLIENT, "orders/read", now() - 120))
        )),
        Some(format!(
            "Bearer {}",
            token(m2m("another-client", "orders/read", now() + 3600))
        )),
        Some(format!(
            "Bearer {}",
            token(m2m(CLIENT, "orders/write", now() + 3600))
        )),
        Some(format!("Basic {good}")),
        Some("Bearer".to_owned()),
        Some("Bearer not.a.jwt".to_owned()),
        None,
    ];
    for authorization in refused {
        let response = call(&mut service, authorization.as_deref()).await;
        assert_eq!(
            response.status(),
            http::StatusCode::UNAUTHORIZED,
            "{authorization:?}"
        );
        assert_eq!(
            response.headers()[http::header::WWW_AUTHENTICATE],
            r#"Bearer error="invalid_token""#,
            "which check failed is not said"
        );
        assert!(response.body().is_empty());
    }
}

#[test]
fn kept_tokens_are_bounded_and_never_outlive_their_exp() {
    let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let token = |n: u64, exp: u64| {
        let token = cognito_idp_testkit::peer::jwt(json!({"n": n, "exp": exp}));
        let claims = Claims::decode(&token).unwrap();
        (token, claims)
    };
    let kept = VerifiedTokens::new(2);
    let (soon, soon_claims) = token(1, 1_800_000_010);
    let (late, late_claims) = token(2, 1_800_000_100);
    kept.insert(&soon, &soon_claims, now);
    kept.insert(&late, &late_claims, now);
    assert!(kept.get(&soon, now).is_some());
    // Past its exp a token is not handed out, and a full cache drops it first.
    let later = now + Duration::from_secs(20);
    assert!(kept.get(&soon, later).is_none());
    let (third, third_claims) = token(3, 1_800_000_100);
    kept.insert(&third, &third_claims, later);
    assert_eq!(kept.len(), 2);
    assert!(kept.get(&late, later).is_some() && kept.get(&third, later).is_some());
    // Full with nothing expired: one goes, the new one stays.
    let (fourth, fourth_claims) = token(4, 1_800_000_100);
    kept.insert(&fourth, &fourth_claims, later);
    assert_eq!(kept.len(), 2);
    assert!(kept.get(&fourth, later).is_some());
}
