//! Cognito's JSON Web Tokens: reading their claims, and verifying them as a server must.
//!
//! [`Claims::decode`] reads a token's payload without verifying anything: enough for a client
//! to learn who it signed in as and when its tokens expire. A server receiving a token must
//! verify it: [`Verifier`] checks the RS256 signature against the user pool's JSON Web Key Set
//! (fetched, cached, refetched for an unknown key at most once per interval) and the claims
//! Cognito's tokens carry (`iss`, `token_use`, `client_id` or `aud`, `exp`, `iat`, and
//! optionally groups and scopes). [`verify_at`] is the same check without I/O or a clock.
//! No error quotes the token.

use std::fmt;
use std::sync::PoisonError;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::redact::printable;
use crate::refresh::{Expiring, Failure, Missed, Policy, Refreshing};

/// A token's claims, as its payload states them. Cheap to clone (shared).
#[derive(Clone, PartialEq)]
pub struct Claims(std::sync::Arc<Map<String, Value>>);

impl Claims {
    /// Reads the payload of `token` without verifying it.
    pub fn decode(token: &str) -> Result<Claims, VerifyError> {
        let parts = Parts::split(token)?;
        parts.claims()
    }

    /// A claim, as JSON.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    fn text(&self, name: &str) -> Option<&str> {
        self.0.get(name)?.as_str()
    }

    fn instant(&self, name: &str) -> Option<SystemTime> {
        let seconds = self.0.get(name)?.as_u64()?;
        UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
    }

    /// `username` (access tokens) or `cognito:username` (ID tokens): the user's name as
    /// Cognito knows it, whatever alias they signed in with.
    pub fn username(&self) -> Option<&str> {
        self.text("username")
            .or_else(|| self.text("cognito:username"))
    }

    /// `sub`: the user's unchanging id.
    pub fn sub(&self) -> Option<&str> {
        self.text("sub")
    }

    /// `exp`: when the token stops being valid.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.instant("exp")
    }

    /// `iat`: when the token was issued.
    pub fn issued_at(&self) -> Option<SystemTime> {
        self.instant("iat")
    }

    /// `iss`: the user pool's URL.
    pub fn issuer(&self) -> Option<&str> {
        self.text("iss")
    }

    /// `token_use`: `id` or `access`.
    pub fn token_use(&self) -> Option<&str> {
        self.text("token_use")
    }

    /// The app client the token was issued to: `client_id` (access) or `aud` (ID).
    pub fn client_id(&self) -> Option<&str> {
        self.text("client_id").or_else(|| self.text("aud"))
    }

    /// `cognito:groups`.
    pub fn groups(&self) -> Vec<&str> {
        match self.0.get("cognito:groups") {
            Some(Value::Array(groups)) => groups.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// `scope`, split on spaces.
    pub fn scopes(&self) -> Vec<&str> {
        self.text("scope")
            .map(|s| s.split_whitespace().collect())
            .unwrap_or_default()
    }
}

/// Names the claims, never their values (an e-mail address, a phone number).
impl fmt::Debug for Claims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.0.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_struct("Claims")
            .field("names", &names)
            .finish_non_exhaustive()
    }
}

/// Why a token was refused: which check failed. Never quotes the token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// Not three base64url parts of JSON, or a claim of the wrong type.
    Malformed(&'static str),
    /// The header names an algorithm other than RS256.
    Algorithm(String),
    /// No key of the pool's key set has the header's `kid` (after a refetch, when one was due).
    UnknownKey,
    /// The signature does not verify.
    Signature,
    /// `iss` is not the expected issuer.
    Issuer,
    /// `token_use` is not one of those accepted.
    TokenUse,
    /// `client_id` (access) or `aud` (ID) is not one of the accepted app clients.
    Client,
    /// `exp` has passed (beyond the leeway).
    Expired,
    /// `iat` is in the future (beyond the leeway).
    NotYetValid,
    /// None of the required groups is in `cognito:groups`.
    Group,
    /// None of the required scopes is in `scope`.
    Scope,
    /// The key set could not be fetched or read.
    Jwks(String),
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("token refused: ")?;
        match self {
            VerifyError::Malformed(what) => write!(f, "malformed ({what})"),
            VerifyError::Algorithm(alg) => write!(f, "algorithm {alg} is not RS256"),
            VerifyError::UnknownKey => f.write_str("signed with a key the user pool does not list"),
            VerifyError::Signature => f.write_str("the signature does not verify"),
            VerifyError::Issuer => f.write_str("issued by another issuer"),
            VerifyError::TokenUse => f.write_str("the wrong kind of token (token_use)"),
            VerifyError::Client => f.write_str("issued to another app client"),
            VerifyError::Expired => f.write_str("expired"),
            VerifyError::NotYetValid => f.write_str("issued in the future"),
            VerifyError::Group => f.write_str("the user is in none of the required groups"),
            VerifyError::Scope => f.write_str("none of the required scopes was granted"),
            VerifyError::Jwks(why) => write!(f, "the key set is unavailable: {why}"),
        }
    }
}

impl std::error::Error for VerifyError {}

/// The kind of token a verifier accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenUse {
    Id,
    Access,
}

impl TokenUse {
    fn as_str(self) -> &'static str {
        match self {
            TokenUse::Id => "id",
            TokenUse::Access => "access",
        }
    }
}

/// What a token must satisfy, besides its signature.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Checks {
    pub issuer: String,
    /// Accepted kinds; empty accepts both.
    pub token_use: Vec<TokenUse>,
    /// Accepted app clients; one at least.
    pub client_ids: Vec<String>,
    /// Slack for clocks that disagree, applied to `exp` and `iat`.
    pub leeway: Duration,
    /// At least one of these groups, when any is given.
    pub groups: Vec<String>,
    /// At least one of these scopes, when any is given.
    pub scopes: Vec<String>,
}

impl Checks {
    /// Tokens of `pool_id` (`<region>_<id>`) for `client_id`, issued by Cognito, with a
    /// leeway of a minute.
    pub fn new(pool_id: &str, client_id: impl Into<String>) -> Checks {
        let region = pool_id.split('_').next().unwrap_or_default();
        Checks {
            issuer: format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}"),
            token_use: Vec::new(),
            client_ids: vec![client_id.into()],
            leeway: Duration::from_secs(60),
            groups: Vec::new(),
            scopes: Vec::new(),
        }
    }
}

/// A JSON Web Key Set's RSA keys.
#[derive(Clone, Default)]
pub struct Jwks {
    keys: Vec<(String, ring::signature::RsaPublicKeyComponents<Vec<u8>>)>,
}

impl fmt::Debug for Jwks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kids: Vec<&str> = self.keys.iter().map(|(kid, _)| kid.as_str()).collect();
        f.debug_struct("Jwks").field("kids", &kids).finish()
    }
}

impl Jwks {
    /// Reads a key set (`{"keys":[{"kid","kty":"RSA","n","e"},...]}`); keys of other kinds or
    /// uses are skipped.
    pub fn parse(json: &[u8]) -> Result<Jwks, VerifyError> {
        let bad = || VerifyError::Jwks("not a JSON Web Key Set".into());
        let document: Value = serde_json::from_slice(json).map_err(|_| bad())?;
        let keys = document
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(bad)?;
        let mut out = Vec::new();
        for key in keys {
            let text = |name: &str| key.get(name).and_then(Value::as_str);
            if text("kty") != Some("RSA") || text("use").is_some_and(|u| u != "sig") {
                continue;
            }
            let (Some(kid), Some(n), Some(e)) = (text("kid"), text("n"), text("e")) else {
                return Err(bad());
            };
            let n = URL_SAFE_NO_PAD.decode(n).map_err(|_| bad())?;
            let e = URL_SAFE_NO_PAD.decode(e).map_err(|_| bad())?;
            out.push((
                kid.to_owned(),
                ring::signature::RsaPublicKeyComponents { n, e },
            ));
        }
        Ok(Jwks { keys: out })
    }

    fn key(&self, kid: &str) -> Option<&ring::signature::RsaPublicKeyComponents<Vec<u8>>> {
        self.keys.iter().find(|(k, _)| k == kid).map(|(_, key)| key)
    }
}

/// A token split into its parts.
struct Parts<'t> {
    header: &'t str,
    payload: &'t str,
    signature: &'t str,
    /// `header.payload`, as it came: what the signature signs.
    signed: &'t str,
}

impl<'t> Parts<'t> {
    fn split(token: &'t str) -> Result<Parts<'t>, VerifyError> {
        let mut parts = token.split('.');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(header), Some(payload), Some(signature), None) => Ok(Parts {
                header,
                payload,
                signature,
                signed: &token[..header.len() + 1 + payload.len()],
            }),
            _ => Err(VerifyError::Malformed("not three parts")),
        }
    }

    fn json(part: &str, what: &'static str) -> Result<Map<String, Value>, VerifyError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| VerifyError::Malformed(what))?;
        serde_json::from_slice(&bytes).map_err(|_| VerifyError::Malformed(what))
    }

    fn claims(&self) -> Result<Claims, VerifyError> {
        Self::json(self.payload, "the payload is not base64url JSON")
            .map(|map| Claims(std::sync::Arc::new(map)))
    }
}

/// Verifies the tokens of one user pool: the signature against the pool's key set, then the
/// [`Checks`]. The key set is fetched when first needed and again when a token names a key it
/// does not hold, but at most once per refetch interval (a minute by default), so a flood of
/// tokens with forged key ids costs one fetch, not one each. Cheap to share behind an `Arc`.
///
/// A verification whose key is held never waits: the fetch an unknown key id starts runs as a
/// task of its own, and only the verifications that need it wait for it.
pub struct Verifier {
    checks: Checks,
    jwks_url: reqwest::Url,
    http: Option<reqwest::Client>,
    refetch_interval: Duration,
    keys: Refreshing<Jwks, VerifyError>,
    /// When the last fetch started.
    fetched: std::sync::Mutex<Option<Instant>>,
}

/// A key set is kept until a token names a key it lacks.
impl Expiring for Jwks {
    fn expires_at(&self) -> Option<SystemTime> {
        None
    }
}

/// The largest key set read: Cognito's holds two keys in about a kilobyte.
const MAX_JWKS_BYTES: usize = 64 << 10;

impl Verifier {
    /// A verifier for `checks`, with the key set at `<issuer>/.well-known/jwks.json`.
    pub fn new(checks: Checks) -> Result<Verifier, VerifyError> {
        let url = format!("{}/.well-known/jwks.json", checks.issuer);
        let jwks_url = reqwest::Url::parse(&url)
            .map_err(|_| VerifyError::Jwks("the issuer is not a URL".into()))?;
        Ok(Verifier {
            checks,
            jwks_url,
            http: None,
            refetch_interval: Duration::from_secs(60),
            keys: Refreshing::new(Policy::new(Duration::ZERO), None),
            fetched: std::sync::Mutex::new(None),
        })
    }

    /// Fetches the key set from `url` instead (a local server's, say).
    pub fn with_jwks_url(mut self, url: &str) -> Result<Verifier, VerifyError> {
        self.jwks_url =
            reqwest::Url::parse(url).map_err(|_| VerifyError::Jwks("not a URL".into()))?;
        Ok(self)
    }

    /// The least time between two fetches of the key set.
    pub fn with_refetch_interval(mut self, interval: Duration) -> Verifier {
        self.refetch_interval = interval;
        self
    }

    /// Uses this HTTP client (it should follow no redirects, as those of
    /// [`http_client_builder`](crate::transport::http_client_builder) do).
    pub fn with_http_client(mut self, client: reqwest::Client) -> Verifier {
        self.http = Some(client);
        self
    }

    pub fn checks(&self) -> &Checks {
        &self.checks
    }

    /// How many times the key set was fetched.
    pub async fn key_set_fetches(&self) -> u64 {
        self.keys.fetches()
    }

    /// Verifies `token` now.
    pub async fn verify(&self, token: &str) -> Result<Claims, VerifyError> {
        self.verify_at(token, SystemTime::now()).await
    }

    /// Verifies `token` as of `now`.
    pub async fn verify_at(&self, token: &str, now: SystemTime) -> Result<Claims, VerifyError> {
        let parts = Parts::split(token)?;
        let header = Parts::json(parts.header, "the header is not base64url JSON")?;
        let kid = kid(&header)?;
        let key = self.key(kid).await?;
        verify_signature(&parts, &key)?;
        check_claims(parts.claims()?, &self.checks, now)
    }

    /// The key `kid`: held, or from a fetch under way or due.
    async fn key(
        &self,
        kid: &str,
    ) -> Result<ring::signature::RsaPublicKeyComponents<Vec<u8>>, VerifyError> {
        if let Some(key) = self.keys.peek().and_then(|keys| keys.key(kid).cloned()) {
            return Ok(key);
        }
        let due = || {
            let mut fetched = self.fetched.lock().unwrap_or_else(PoisonError::into_inner);
            let due = fetched.is_none_or(|at| at.elapsed() >= self.refetch_interval);
            if due {
                *fetched = Some(Instant::now());
            }
            due
        };
        let fetch = {
            let http = self.http.clone();
            let url = self.jwks_url.clone();
            move |_| async move { fetch(http, url).await.map_err(Failure::Transient) }
        };
        match self.keys.refresh_if(due, fetch).await {
            None => Err(VerifyError::UnknownKey),
            Some(Err(Missed::Failed(e))) => Err(e),
            Some(Err(Missed::Abandoned)) => Err(VerifyError::Jwks(
                "the fetch stopped without an answer".into(),
            )),
            Some(Ok(keys)) => keys.key(kid).cloned().ok_or(VerifyError::UnknownKey),
        }
    }
}

/// The key set at `url`, read within [`MAX_JWKS_BYTES`].
async fn fetch(http: Option<reqwest::Client>, url: reqwest::Url) -> Result<Jwks, VerifyError> {
    let failed = |e: &dyn fmt::Display| VerifyError::Jwks(e.to_string());
    let http = match http {
        Some(client) => client,
        None => crate::http::http_client_builder()
            .map_err(|e| failed(&e))?
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| failed(&e))?,
    };
    let mut response = http.get(url).send().await.map_err(|e| failed(&e))?;
    if !response.status().is_success() {
        return Err(VerifyError::Jwks(format!(
            "HTTP {}",
            response.status().as_u16()
        )));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| failed(&e))? {
        if body.len() + chunk.len() > MAX_JWKS_BYTES {
            return Err(VerifyError::Jwks("the key set is too large".into()));
        }
        body.extend_from_slice(&chunk);
    }
    Jwks::parse(&body)
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("checks", &self.checks)
            .field("jwks_url", &self.jwks_url.as_str())
            .field("refetch_interval", &self.refetch_interval)
            .finish_non_exhaustive()
    }
}

/// Verifies `token` against `keys` and `checks` at `now`: the whole check, without I/O.
pub fn verify_at(
    token: &str,
    keys: &Jwks,
    checks: &Checks,
    now: SystemTime,
) -> Result<Claims, VerifyError> {
    let parts = Parts::split(token)?;
    let key = key_for(&parts, keys)?;
    verify_signature(&parts, key)?;
    check_claims(parts.claims()?, checks, now)
}

/// The header's `kid`, after checking its algorithm.
fn kid(header: &Map<String, Value>) -> Result<&str, VerifyError> {
    match header.get("alg").and_then(Value::as_str) {
        Some("RS256") => {}
        Some(other) => return Err(VerifyError::Algorithm(printable(other, 32).into_owned())),
        None => return Err(VerifyError::Malformed("no alg in the header")),
    }
    header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or(VerifyError::Malformed("no kid in the header"))
}

fn key_for<'k>(
    parts: &Parts<'_>,
    keys: &'k Jwks,
) -> Result<&'k ring::signature::RsaPublicKeyComponents<Vec<u8>>, VerifyError> {
    let header = Parts::json(parts.header, "the header is not base64url JSON")?;
    keys.key(kid(&header)?).ok_or(VerifyError::UnknownKey)
}

fn verify_signature(
    parts: &Parts<'_>,
    key: &ring::signature::RsaPublicKeyComponents<Vec<u8>>,
) -> Result<(), VerifyError> {
    let signature = URL_SAFE_NO_PAD
        .decode(parts.signature)
        .map_err(|_| VerifyError::Malformed("the signature is not base64url"))?;
    key.verify(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        parts.signed.as_bytes(),
        &signature,
    )
    .map_err(|_| VerifyError::Signature)
}

fn check_claims(claims: Claims, checks: &Checks, now: SystemTime) -> Result<Claims, VerifyError> {
    if claims.issuer() != Some(checks.issuer.as_str()) {
        return Err(VerifyError::Issuer);
    }
    let token_use = claims.token_use().ok_or(VerifyError::TokenUse)?;
    let accepted = match checks.token_use.is_empty() {
        true => token_use == "id" || token_use == "access",
        false => checks.token_use.iter().any(|u| u.as_str() == token_use),
    };
    if !accepted {
        return Err(VerifyError::TokenUse);
    }
    let client = match token_use {
        "access" => claims.text("client_id"),
        _ => claims.text("aud"),
    };
    if !client.is_some_and(|c| checks.client_ids.iter().any(|id| id == c)) {
        return Err(VerifyError::Client);
    }
    let expires = claims
        .expires_at()
        .ok_or(VerifyError::Malformed("no numeric exp"))?;
    if expires + checks.leeway <= now {
        return Err(VerifyError::Expired);
    }
    if let Some(issued) = claims.issued_at()
        && issued > now + checks.leeway
    {
        return Err(VerifyError::NotYetValid);
    }
    if !checks.groups.is_empty() {
        let groups = claims.groups();
        if !checks.groups.iter().any(|g| groups.contains(&g.as_str())) {
            return Err(VerifyError::Group);
        }
    }
    if !checks.scopes.is_empty() {
        let scopes = claims.scopes();
        if !checks.scopes.iter().any(|s| scopes.contains(&s.as_str())) {
            return Err(VerifyError::Scope);
        }
    }
    Ok(claims)
}
