//! Cognito's OAuth 2.0 side, at the user-pool domain: machine-to-machine access tokens by the
//! client-credentials grant ([`ClientCredentials`]), and managed login's authorize URL and
//! redirect ([`login`]).
//!
//! Every answer of the domain is untrusted as the service's are: no redirect is followed, bodies
//! are read within a limit and decoded within the memory budget, and no secret (the client
//! secret, a token) appears in any `Debug`, `Display` or error.
//!
//! Written here rather than over the `oauth2` crate: its grants would need an HTTP adapter of
//! ours anyway to keep these limits (its own clients follow no size limit of ours), it brings
//! dependencies the tree does not have, and what Cognito needs of the protocol (two grants, PKCE
//! S256, revocation) is a few form posts over the client, key-set and decoding code the runtime
//! already has.

pub mod login;
pub mod loopback;

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::utf8_percent_encode;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::endpoint::RESERVED;
use crate::redact::{Redacted, printable};
use crate::refresh::{Expiring, Failure, Missed, Policy, Refreshing};

/// The largest token answer read: Cognito's are a few kilobytes.
const MAX_ANSWER: usize = 64 << 10;

/// Scope sets whose tokens are kept at once; asking for more drops the one used least lately.
const MAX_SCOPE_SETS: usize = 64;

/// A user-pool domain: where its OAuth 2.0 endpoints are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    base: reqwest::Url,
}

impl Domain {
    /// The prefix domain `https://<prefix>.auth.<region>.amazoncognito.com`.
    pub fn prefix(prefix: &str, region: &str) -> Result<Domain, OAuthError> {
        let plain =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !plain(prefix) || !plain(region) {
            return Err(OAuthError::Domain(
                "a prefix and a region are letters, digits and dashes",
            ));
        }
        Domain::custom(&format!("https://{prefix}.auth.{region}.amazoncognito.com"))
    }

    /// A custom domain (`https://auth.example.com`), or a local server's `http://127.0.0.1:..`.
    pub fn custom(url: &str) -> Result<Domain, OAuthError> {
        let base = reqwest::Url::parse(url).map_err(|_| OAuthError::Domain("not a URL"))?;
        let local = base
            .host_str()
            .is_some_and(|h| h == "127.0.0.1" || h == "localhost" || h == "[::1]");
        match base.scheme() {
            "https" => {}
            "http" if local => {}
            _ => {
                return Err(OAuthError::Domain(
                    "a domain is https (plain http only on loopback)",
                ));
            }
        }
        Ok(Domain { base })
    }

    /// `/oauth2/token`.
    pub fn token_endpoint(&self) -> reqwest::Url {
        self.base.join("/oauth2/token").expect("a fixed path")
    }
}

/// An access token and what the endpoint said of it. `Debug` shows no token.
#[derive(Clone)]
#[non_exhaustive]
pub struct AccessToken {
    pub token: Zeroizing<String>,
    pub expires_at: SystemTime,
    /// The scopes granted, as the answer or (without one) the request named them.
    pub scopes: Vec<String>,
}

impl AccessToken {
    /// The value of an `Authorization` header carrying it.
    pub fn authorization(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("Bearer {}", self.token.as_str()))
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &Redacted)
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl Expiring for AccessToken {
    fn expires_at(&self) -> Option<SystemTime> {
        Some(self.expires_at)
    }
}

/// The token endpoint's `error` codes (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    /// A code RFC 6749 does not list.
    Other(String),
}

impl ErrorCode {
    fn read(code: &str) -> ErrorCode {
        match code {
            "invalid_request" => ErrorCode::InvalidRequest,
            "invalid_client" => ErrorCode::InvalidClient,
            "invalid_grant" => ErrorCode::InvalidGrant,
            "unauthorized_client" => ErrorCode::UnauthorizedClient,
            "unsupported_grant_type" => ErrorCode::UnsupportedGrantType,
            "invalid_scope" => ErrorCode::InvalidScope,
            other => ErrorCode::Other(printable(other, 64).into_owned()),
        }
    }
}

/// Why no token could be had.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OAuthError {
    /// The domain cannot be one (what is wrong).
    Domain(&'static str),
    /// The endpoint refused: its `error` and `error_description`, and the HTTP status.
    Refused {
        code: ErrorCode,
        description: Option<String>,
        status: u16,
    },
    /// No answer: the connection failed or timed out (what happened, without the request).
    Unreachable(String),
    /// An answer that is not the endpoint's: a redirect, an odd status, a body too large or
    /// not a token.
    Unreadable(String),
    /// The request was not made: what stopped it (no AWS credentials for `GetClientToken`,
    /// which the model signs; an endpoint that cannot be one).
    NotSent(String),
    /// The Cognito API refused (`GetClientToken`): its error code (`NotAuthorizedException`,
    /// `InvalidParameterException`, ...), message and HTTP status.
    Service {
        code: Option<String>,
        message: Option<String>,
        status: Option<u16>,
    },
    /// The fetch stopped without an outcome.
    Abandoned,
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OAuthError::Domain(why) => write!(f, "not a user-pool domain: {why}"),
            OAuthError::Refused {
                code,
                description,
                status,
            } => {
                write!(f, "the token endpoint refused (HTTP {status}, {code:?})")?;
                match description {
                    Some(text) => write!(f, ": {text}"),
                    None => Ok(()),
                }
            }
            OAuthError::Unreachable(why) => write!(f, "the token endpoint did not answer: {why}"),
            OAuthError::Unreadable(why) => {
                write!(f, "the token endpoint's answer is unreadable: {why}")
            }
            OAuthError::NotSent(why) => write!(f, "the token request was not sent: {why}"),
            OAuthError::Service {
                code,
                message,
                status,
            } => {
                let code = code.as_deref().unwrap_or("an unnamed error");
                write!(f, "the token request was refused: {code}")?;
                if let Some(status) = status {
                    write!(f, " (HTTP {status})")?;
                }
                match message {
                    Some(text) => write!(f, ": {}", printable(text, 300)),
                    None => Ok(()),
                }
            }
            OAuthError::Abandoned => f.write_str("the token request stopped without an outcome"),
        }
    }
}

impl std::error::Error for OAuthError {}

/// The token endpoint's answer.
#[derive(Deserialize)]
struct Answer {
    access_token: Option<String>,
    id_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<i64>,
    scope: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `Basic base64(id:secret)`, each form-encoded first (RFC 6749 §2.3.1).
fn basic(client_id: &str, client_secret: &str) -> Zeroizing<String> {
    let pair = Zeroizing::new(format!(
        "{}:{}",
        utf8_percent_encode(client_id, RESERVED),
        utf8_percent_encode(client_secret, RESERVED)
    ));
    Zeroizing::new(format!("Basic {}", STANDARD.encode(pair.as_bytes())))
}

/// POSTs a form to the token endpoint (with HTTP Basic client authentication when given) and
/// reads its answer ([`send`]), decoded within the budget, with its status; an `error` is a
/// typed refusal.
async fn post(
    http: &reqwest::Client,
    endpoint: reqwest::Url,
    basic: Option<&str>,
    body: String,
) -> Result<(u16, Answer), OAuthError> {
    let (status, bytes) = send(form(http, endpoint, basic, body)?).await?;
    let answer: Answer = crate::decode(&bytes)
        .map_err(|_| OAuthError::Unreadable(format!("HTTP {status}, not a token answer")))?;
    match answer.error {
        Some(code) => Err(refused(status, &code, answer.error_description)),
        None => Ok((status, answer)),
    }
}

/// The HTTP client of the domain's endpoints: no redirects, short timeouts.
fn http_client() -> Result<reqwest::Client, OAuthError> {
    crate::http::http_client_builder()
        .map_err(|e| OAuthError::Unreachable(e.to_string()))?
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| OAuthError::Unreachable(e.to_string()))
}

/// A form POST, with HTTP Basic client authentication when given.
fn form(
    http: &reqwest::Client,
    url: reqwest::Url,
    basic: Option<&str>,
    body: String,
) -> Result<reqwest::RequestBuilder, OAuthError> {
    let request = http
        .post(url)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body);
    Ok(match basic {
        Some(basic) => request.header(reqwest::header::AUTHORIZATION, secret_header(basic)?),
        None => request,
    })
}

/// A header value marked sensitive: kept out of `Debug` and of HTTP/2 header compression.
fn secret_header(value: &str) -> Result<reqwest::header::HeaderValue, OAuthError> {
    let mut value = reqwest::header::HeaderValue::from_str(value)
        .map_err(|_| OAuthError::Unreadable("a credential that is not a header value".into()))?;
    value.set_sensitive(true);
    Ok(value)
}

/// Sends a request and reads the answer: its status and body, no redirect followed, at most
/// [`MAX_ANSWER`] bytes.
async fn send(request: reqwest::RequestBuilder) -> Result<(u16, Zeroizing<Vec<u8>>), OAuthError> {
    let response = request.send().await.map_err(unreachable)?;
    let status = response.status().as_u16();
    if (300..400).contains(&status) {
        return Err(OAuthError::Unreadable(format!(
            "a redirect (HTTP {status}), not followed"
        )));
    }
    Ok((status, bounded(response).await?))
}

/// Reads a body within [`MAX_ANSWER`].
async fn bounded(mut response: reqwest::Response) -> Result<Zeroizing<Vec<u8>>, OAuthError> {
    let mut bytes = Zeroizing::new(Vec::new());
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if bytes.len() + chunk.len() > MAX_ANSWER => {
                return Err(OAuthError::Unreadable("the answer is too large".into()));
            }
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) => return Ok(bytes),
            Err(_) => return Err(OAuthError::Unreachable("the answer was cut short".into())),
        }
    }
}

fn unreachable(e: reqwest::Error) -> OAuthError {
    OAuthError::Unreachable(match e.is_timeout() {
        true => "timed out".to_owned(),
        false => "the connection failed".to_owned(),
    })
}

/// A refusal in a body (`{"error": ...}`), or the status.
fn refusal(status: u16, bytes: &[u8]) -> OAuthError {
    match crate::decode::<Answer>(bytes) {
        Ok(Answer {
            error: Some(code),
            error_description,
            ..
        }) => refused(status, &code, error_description),
        _ => OAuthError::Unreadable(format!("HTTP {status}")),
    }
}

/// The endpoint's `error` and `error_description`, as a typed refusal.
fn refused(status: u16, code: &str, description: Option<String>) -> OAuthError {
    OAuthError::Refused {
        code: ErrorCode::read(code),
        description: description.map(|d| printable(&d, 300).into_owned()),
        status,
    }
}

/// POSTs a form to an endpoint that answers nothing on success (`/oauth2/revoke`).
async fn post_no_answer(
    http: &reqwest::Client,
    url: reqwest::Url,
    basic: Option<&str>,
    body: String,
) -> Result<(), OAuthError> {
    match send(form(http, url, basic, body)?).await? {
        (200..=299, _) => Ok(()),
        (status, bytes) => Err(refusal(status, &bytes)),
    }
}

/// GETs a JSON object (with a bearer token when given).
async fn get_json(
    http: &reqwest::Client,
    url: reqwest::Url,
    bearer: Option<&str>,
) -> Result<serde_json::Map<String, serde_json::Value>, OAuthError> {
    let mut request = http.get(url);
    if let Some(token) = bearer {
        request = request.header(
            reqwest::header::AUTHORIZATION,
            secret_header(&Zeroizing::new(format!("Bearer {token}")))?,
        );
    }
    let (status, bytes) = send(request).await?;
    if status != 200 {
        return Err(refusal(status, &bytes));
    }
    crate::decode(&bytes).map_err(|_| OAuthError::Unreadable("not a JSON object".into()))
}

/// Where machine-to-machine tokens come from: the domain's `/oauth2/token`
/// ([`ClientCredentials::new`]), or the `GetClientToken` operation (the generated client's
/// `Client::client_credentials`), or a source of the caller's own.
pub trait TokenSource: Send + Sync + 'static {
    /// Asks for a token for `scopes` (none: all the client may have). The future runs apart
    /// from the caller that started it, so it owns what it needs.
    fn request(&self, scopes: &[String]) -> Request;

    /// Where tokens come from, for `Debug` (no secret).
    fn describe(&self) -> String;
}

/// A source shared with the caller (to look at it later, or to give it to several caches).
impl<T: TokenSource + ?Sized> TokenSource for Arc<T> {
    fn request(&self, scopes: &[String]) -> Request {
        (**self).request(scopes)
    }

    fn describe(&self) -> String {
        (**self).describe()
    }
}

/// A token request under way.
pub type Request = Pin<Box<dyn Future<Output = Result<Grant, OAuthError>> + Send + 'static>>;

/// A token as a source gave it; [`ClientCredentials`] checks it and dates it.
#[non_exhaustive]
pub struct Grant {
    pub token: Zeroizing<String>,
    /// Its lifetime in seconds, as the source said.
    pub expires_in: i64,
    /// The scopes granted, when the source says (else those asked for are assumed).
    pub scopes: Option<Vec<String>>,
}

impl Grant {
    /// A token, its lifetime in seconds and, if the source says, the scopes granted.
    pub fn new(token: String, expires_in: i64, scopes: Option<Vec<String>>) -> Grant {
        Grant {
            token: Zeroizing::new(token),
            expires_in,
            scopes,
        }
    }
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grant")
            .field("token", &Redacted)
            .field("expires_in", &self.expires_in)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// The client-credentials grant at a domain's token endpoint, authenticated with HTTP Basic.
struct TokenEndpoint {
    endpoint: reqwest::Url,
    client_id: String,
    /// `Basic base64(id:secret)`, made once.
    basic: Arc<Zeroizing<String>>,
    http: reqwest::Client,
}

impl TokenSource for TokenEndpoint {
    fn request(&self, scopes: &[String]) -> Request {
        let http = self.http.clone();
        let endpoint = self.endpoint.clone();
        let basic = self.basic.clone();
        let mut body = String::from("grant_type=client_credentials");
        if !scopes.is_empty() {
            body.push_str("&scope=");
            body.extend(utf8_percent_encode(&scopes.join(" "), RESERVED));
        }
        Box::pin(async move {
            let (status, answer) = post(&http, endpoint, Some(basic.as_str()), body).await?;
            match (status, answer.access_token, answer.expires_in) {
                (200, Some(token), Some(seconds)) => Ok(Grant::new(
                    token,
                    seconds,
                    answer.scope.map(|scope| words(&scope)),
                )),
                (200, ..) => Err(OAuthError::Unreadable(
                    "a token answer without a token or a lifetime".into(),
                )),
                (status, ..) => Err(OAuthError::Unreadable(format!(
                    "HTTP {status} without an error"
                ))),
            }
        })
    }

    fn describe(&self) -> String {
        format!("{} as {}", self.endpoint, self.client_id)
    }
}

/// When a token given at `from` for `seconds` expires: a positive lifetime the clock can hold
/// (a hostile answer's `expires_in` of `i64::MAX` is an error, not an overflow).
fn expiry(from: SystemTime, seconds: i64) -> Result<SystemTime, OAuthError> {
    u64::try_from(seconds)
        .ok()
        .filter(|s| *s > 0)
        .and_then(|s| from.checked_add(Duration::from_secs(s)))
        .ok_or_else(|| OAuthError::Unreadable(format!("a lifetime of {seconds} s")))
}

/// The space-separated words of a `scope`.
fn words(scope: &str) -> Vec<String> {
    scope
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Machine-to-machine access tokens for an app client with a secret, from a [`TokenSource`].
/// Tokens are kept per scope set and handed out while valid beyond a margin (a minute); however
/// many tasks ask, one request per scope set is in flight, as its own task; a failed refresh
/// leaves a still-valid token in use and backs off; at most 64 scope sets are kept. Cheap to
/// share behind an `Arc`.
pub struct ClientCredentials {
    source: Arc<dyn TokenSource>,
    policy: Policy,
    /// The scope sets' tokens, by [`key`]: read on every use, written only to add a set.
    cache: RwLock<HashMap<String, Kept>>,
    uses: AtomicU64,
}

struct Kept {
    tokens: ScopedTokens,
    /// When it was last used, by `ClientCredentials::uses`: the smallest is the one used least
    /// lately.
    used: AtomicU64,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("source", &self.source.describe())
            .field("scope_sets", &self.scope_sets())
            .finish_non_exhaustive()
    }
}

impl ClientCredentials {
    /// Tokens from the domain's `/oauth2/token`, by the client-credentials grant.
    pub fn new(domain: &Domain, client_id: &str, client_secret: &str) -> Result<Self, OAuthError> {
        Ok(ClientCredentials::from_source(TokenEndpoint {
            endpoint: domain.token_endpoint(),
            client_id: client_id.to_owned(),
            basic: Arc::new(basic(client_id, client_secret)),
            http: http_client()?,
        }))
    }

    /// Tokens from `source`, kept by the same rules.
    pub fn from_source(source: impl TokenSource) -> Self {
        ClientCredentials {
            source: Arc::new(source),
            policy: Policy::new(Duration::from_secs(60)),
            cache: RwLock::default(),
            uses: AtomicU64::new(0),
        }
    }

    /// Uses this clock and randomness for expiry and backoff (tests replay with them).
    pub fn with_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.policy.clock = Arc::new(clock);
        self
    }

    /// A valid token for `scopes` (`resource-server/scope`; none: all the client may have).
    pub async fn token(&self, scopes: &[&str]) -> Result<Arc<AccessToken>, OAuthError> {
        let key = key(scopes);
        // Nearly every use: a token held and not due, under the read lock alone.
        if let Some(kept) = self
            .cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&*key)
            && let Some(token) = kept.tokens.cell.fresh()
        {
            kept.used
                .store(self.uses.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
            return Ok(token);
        }
        self.scoped_by(&key).token().await
    }

    /// The tokens of one scope set, held apart from the scope-set map: for a caller that
    /// always asks for the same scopes, a cached token without the map's lock and lookup. It
    /// shares the set's cache and its one request in flight with [`ClientCredentials::token`],
    /// and keeps working (with a cache of its own) if the map drops the set.
    pub fn scoped(&self, scopes: &[&str]) -> ScopedTokens {
        self.scoped_by(&key(scopes))
    }

    /// The `Authorization` header value for `scopes`: `Bearer <token>`.
    pub async fn authorization(&self, scopes: &[&str]) -> Result<Zeroizing<String>, OAuthError> {
        Ok(self.token(scopes).await?.authorization())
    }

    /// Scope sets with a token kept or coming.
    pub fn scope_sets(&self) -> usize {
        self.cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// The tokens of a scope set, made (and the least lately used set dropped) as needed.
    fn scoped_by(&self, key: &str) -> ScopedTokens {
        let now = self.uses.fetch_add(1, Ordering::Relaxed);
        let cache = self.cache.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(kept) = cache.get(key) {
            kept.used.store(now, Ordering::Relaxed);
            return kept.tokens.clone();
        }
        drop(cache);
        let mut cache = self.cache.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(kept) = cache.get(key) {
            return kept.tokens.clone();
        }
        if cache.len() >= MAX_SCOPE_SETS {
            let oldest = cache
                .iter()
                .min_by_key(|(_, kept)| kept.used.load(Ordering::Relaxed))
                .map(|(key, _)| key.clone());
            if let Some(oldest) = oldest {
                cache.remove(&oldest);
            }
        }
        let tokens = ScopedTokens {
            key: key.into(),
            cell: Arc::new(Refreshing::new(self.policy.clone(), None)),
            source: self.source.clone(),
        };
        let kept = Kept {
            tokens: tokens.clone(),
            used: AtomicU64::new(now),
        };
        cache.insert(key.to_owned(), kept);
        tokens
    }
}

/// A scope set as the map's key: its scopes sorted, once each, space-separated.
fn key<'a>(scopes: &[&'a str]) -> Cow<'a, str> {
    match scopes {
        [one] => Cow::Borrowed(one),
        _ => {
            let mut sorted: Vec<&str> = scopes.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            Cow::Owned(sorted.join(" "))
        }
    }
}

/// The tokens of one scope set ([`ClientCredentials::scoped`]): cheap to clone, and clones
/// share the cache.
#[derive(Clone)]
pub struct ScopedTokens {
    /// The scope set, as the map keys it.
    key: Arc<str>,
    cell: Arc<Refreshing<AccessToken, OAuthError>>,
    source: Arc<dyn TokenSource>,
}

impl fmt::Debug for ScopedTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopedTokens")
            .field("scopes", &self.key)
            .field("source", &self.source.describe())
            .finish_non_exhaustive()
    }
}

impl ScopedTokens {
    /// A valid token for the set.
    pub async fn token(&self) -> Result<Arc<AccessToken>, OAuthError> {
        if let Some(token) = self.cell.fresh() {
            return Ok(token);
        }
        self.cell
            .get(|_| self.request())
            .await
            .map_err(|missed| match missed {
                Missed::Failed(e) => e,
                Missed::Abandoned => OAuthError::Abandoned,
            })
    }

    /// The `Authorization` header value: `Bearer <token>`.
    pub async fn authorization(&self) -> Result<Zeroizing<String>, OAuthError> {
        Ok(self.token().await?.authorization())
    }

    /// The token request, as a future of its own: the source's answer, checked and dated.
    fn request(
        &self,
    ) -> impl Future<Output = Result<AccessToken, Failure<OAuthError>>> + Send + 'static {
        let requested = words(&self.key);
        let asked = self.source.request(&requested);
        let clock = self.cell.policy().clock.clone();
        async move {
            let grant = asked.await.map_err(Failure::Transient)?;
            if grant.token.is_empty() {
                return Err(Failure::Transient(OAuthError::Unreadable(
                    "a token without a value".into(),
                )));
            }
            Ok(AccessToken {
                expires_at: expiry(clock(), grant.expires_in).map_err(Failure::Transient)?,
                scopes: grant.scopes.unwrap_or(requested),
                token: grant.token,
            })
        }
    }
}
