//! Bearer tokens on a server, as a `tower` layer (feature `tower`): each request's
//! `Authorization: Bearer` token is verified ([`Verifier`]) and its [`Claims`] put in the
//! request's extensions; a request without a valid token is answered `401` with
//! `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750), never saying which check failed
//! (the server's `tracing` log does). Tokens verified once are kept, keyed by their SHA-256,
//! until they expire, so a token seen again costs a lookup, not an RSA verification.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::SystemTime;

use crate::digest::sha256;
use crate::jwt::{Claims, Verifier};

/// Tokens kept verified at the most, by default.
const DEFAULT_CAPACITY: usize = 10_000;

/// Tokens verified before, by their SHA-256: never past their `exp`, at most `capacity`.
pub struct VerifiedTokens {
    capacity: usize,
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    tokens: HashMap<[u8; 32], (Claims, SystemTime)>,
    /// No kept token expires before this (it may be earlier than the first that does): until
    /// then, a full cache has nothing expired to sweep, and a new token costs no scan of it.
    soonest: Option<SystemTime>,
}

impl fmt::Debug for VerifiedTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedTokens")
            .field("capacity", &self.capacity)
            .field("kept", &self.len())
            .finish()
    }
}

impl VerifiedTokens {
    pub fn new(capacity: usize) -> VerifiedTokens {
        VerifiedTokens {
            capacity,
            kept: Mutex::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .tokens
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The claims of `token` if it was verified before and has not expired by `now`.
    pub fn get(&self, token: &str, now: SystemTime) -> Option<Claims> {
        self.get_by(&sha256(&[token.as_bytes()]), now)
    }

    /// Keeps `claims` of a token just verified, until its `exp`. When full, expired tokens go
    /// first, then any one.
    pub fn insert(&self, token: &str, claims: &Claims, now: SystemTime) {
        self.insert_by(sha256(&[token.as_bytes()]), claims, now);
    }

    fn get_by(&self, key: &[u8; 32], now: SystemTime) -> Option<Claims> {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.tokens
            .get(key)
            .filter(|(_, expires_at)| now < *expires_at)
            .map(|(claims, _)| claims.clone())
    }

    fn insert_by(&self, key: [u8; 32], claims: &Claims, now: SystemTime) {
        let Some(expires_at) = claims.expires_at() else {
            return;
        };
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.tokens.len() >= self.capacity && !kept.tokens.contains_key(&key) {
            if kept.soonest.is_some_and(|soonest| soonest <= now) {
                kept.tokens.retain(|_, (_, until)| now < *until);
                kept.soonest = kept.tokens.values().map(|(_, until)| *until).min();
            }
            if kept.tokens.len() >= self.capacity {
                let any = kept.tokens.keys().next().copied();
                if let Some(any) = any {
                    kept.tokens.remove(&any);
                }
            }
        }
        if self.capacity > 0 {
            kept.tokens.insert(key, (claims.clone(), expires_at));
            kept.soonest = Some(kept.soonest.map_or(expires_at, |s| s.min(expires_at)));
        }
    }

    /// Verifies `token` with `verifier` unless it was verified before.
    pub async fn verify(
        &self,
        verifier: &Verifier,
        token: &str,
    ) -> Result<Claims, crate::jwt::VerifyError> {
        let now = SystemTime::now();
        let key = sha256(&[token.as_bytes()]);
        if let Some(claims) = self.get_by(&key, now) {
            return Ok(claims);
        }
        let claims = verifier.verify_at(token, now).await?;
        self.insert_by(key, &claims, now);
        Ok(claims)
    }
}

/// The layer: wraps a service so that it sees only requests with a valid bearer token.
#[derive(Clone, Debug)]
pub struct BearerLayer {
    verifier: Arc<Verifier>,
    verified: Arc<VerifiedTokens>,
}

impl BearerLayer {
    /// Checks tokens with `verifier`, keeping up to 10,000 verified ones.
    pub fn new(verifier: Arc<Verifier>) -> BearerLayer {
        BearerLayer::with_capacity(verifier, DEFAULT_CAPACITY)
    }

    pub fn with_capacity(verifier: Arc<Verifier>, capacity: usize) -> BearerLayer {
        BearerLayer {
            verifier,
            verified: Arc::new(VerifiedTokens::new(capacity)),
        }
    }
}

impl<S> tower_layer::Layer<S> for BearerLayer {
    type Service = Bearer<S>;

    fn layer(&self, inner: S) -> Bearer<S> {
        Bearer {
            inner,
            verifier: self.verifier.clone(),
            verified: self.verified.clone(),
        }
    }
}

/// The service [`BearerLayer`] makes.
#[derive(Clone, Debug)]
pub struct Bearer<S> {
    inner: S,
    verifier: Arc<Verifier>,
    verified: Arc<VerifiedTokens>,
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer_token<B>(request: &http::Request<B>) -> Option<&str> {
    let value = request
        .headers()
        .get(http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn unauthorized<R: Default>() -> http::Response<R> {
    let mut response = http::Response::new(R::default());
    *response.status_mut() = http::StatusCode::UNAUTHORIZED;
    response.headers_mut().insert(
        http::header::WWW_AUTHENTICATE,
        http::HeaderValue::from_static(r#"Bearer error="invalid_token""#),
    );
    response
}

impl<S, B, R> tower_service::Service<http::Request<B>> for Bearer<S>
where
    S: tower_service::Service<http::Request<B>, Response = http::Response<R>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
    R: Default + Send + 'static,
{
    type Response = http::Response<R>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<http::Response<R>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        // The service that was made ready goes with this request; a fresh clone stays.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let (verifier, verified) = (self.verifier.clone(), self.verified.clone());
        Box::pin(async move {
            let Some(token) = bearer_token(&request).map(str::to_owned) else {
                tracing::debug!("refused: no bearer token");
                return Ok(unauthorized());
            };
            match verified.verify(&verifier, &token).await {
                Ok(claims) => {
                    request.extensions_mut().insert(claims);
                    inner.call(request).await
                }
                Err(reason) => {
                    tracing::info!(%reason, "refused a bearer token");
                    Ok(unauthorized())
                }
            }
        })
    }
}
