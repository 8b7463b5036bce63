//! AWS credentials for signed operations: given, or found as the AWS SDKs find them, and kept
//! fresh.
//!
//! A credentials provider is anything that implements [`ProvideCredentials`]. Without one,
//! [`DefaultChain`] looks, in the SDKs' order, at the environment, the shared profile (static
//! keys or `credential_process`), the container credentials endpoint (ECS, EKS pod identity) and
//! IMDSv2 (EC2). With the `aws-credential-types` feature, `SdkProvider` takes any provider of
//! the AWS SDK for Rust, so `aws-config`'s plug in unchanged (its web identity, assume-role and
//! SSO providers, which need other AWS services, come with the `aws-config` feature). A
//! [`CredentialsCache`] in front refreshes temporary credentials a few minutes before they
//! expire, one refresh at a time.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Deserialize;
use zeroize::Zeroizing;

use crate::profile::Environment;
use crate::redact::Redacted;

/// An access key pair, with a session token for temporary credentials. The secret parts are
/// wiped from memory on drop and never printed.
#[derive(Clone)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: Zeroizing<String>,
    session_token: Option<Zeroizing<String>>,
    expiry: Option<SystemTime>,
}

impl Credentials {
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: Zeroizing::new(secret_access_key.into()),
            session_token: None,
            expiry: None,
        }
    }

    /// Adds the session token of temporary credentials.
    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(Zeroizing::new(token.into()));
        self
    }

    /// Adds when temporary credentials stop working: a cache fetches new ones before then.
    pub fn with_expiry(mut self, expiry: SystemTime) -> Self {
        self.expiry = Some(expiry);
        self
    }

    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The session token of temporary credentials.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref().map(String::as_str)
    }

    /// When they stop working, if they are temporary.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.expiry
    }

    /// For the signer only: the secret never leaves the crate.
    pub(crate) fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &Redacted)
            .field("session_token", &Redacted::option(&self.session_token))
            .field("expiry", &self.expiry)
            .finish()
    }
}

/// Where signed calls get their credentials: [`Credentials`] given, the [`DefaultChain`], a
/// program's own source, or (feature `aws-credential-types`) an `SdkProvider`.
pub trait ProvideCredentials: fmt::Debug + Send + Sync {
    /// Fetches credentials. A client asks only when its cache holds none that are still fresh.
    fn provide_credentials(&self) -> CredentialsFuture<'_>;
}

/// What [`ProvideCredentials::provide_credentials`] returns.
pub type CredentialsFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Credentials, CredentialsError>> + Send + 'a>>;

/// Given credentials provide themselves.
impl ProvideCredentials for Credentials {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        let given = self.clone();
        Box::pin(async move { Ok(given) })
    }
}

/// A provider shared by every client made from one configuration.
#[derive(Clone, Debug)]
pub struct SharedCredentialsProvider(Arc<dyn ProvideCredentials>);

impl SharedCredentialsProvider {
    pub fn new(provider: impl ProvideCredentials + 'static) -> Self {
        SharedCredentialsProvider(Arc::new(provider))
    }
}

impl ProvideCredentials for SharedCredentialsProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        self.0.provide_credentials()
    }
}

/// A provider of the AWS SDK for Rust (any of `aws-config`'s, say) as one of this crate's.
#[cfg(feature = "aws-credential-types")]
#[derive(Debug)]
pub struct SdkProvider<P>(pub P);

#[cfg(feature = "aws-credential-types")]
impl<P: aws_credential_types::provider::ProvideCredentials> ProvideCredentials for SdkProvider<P> {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(async move {
            let found = self
                .0
                .provide_credentials()
                .await
                .map_err(|e| CredentialsError::Provider(Arc::new(e)))?;
            let mut credentials =
                Credentials::new(found.access_key_id(), found.secret_access_key());
            if let Some(token) = found.session_token() {
                credentials = credentials.with_session_token(token);
            }
            if let Some(expiry) = found.expiry() {
                credentials = credentials.with_expiry(expiry);
            }
            Ok(credentials)
        })
    }
}

/// Why no credentials could be had for a signed operation. Nothing was sent.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CredentialsError {
    /// No source of the default chain holds credentials.
    NotFound { profile: String },
    /// `AWS_ACCESS_KEY_ID` is set but `AWS_SECRET_ACCESS_KEY` is not.
    IncompleteEnvironment,
    /// The profile has only one of `aws_access_key_id` and `aws_secret_access_key`.
    IncompleteProfile { profile: String },
    /// A shared file exists but cannot be read.
    Unreadable(Arc<std::io::Error>),
    /// A source that is configured failed: `source` names it (the command, the endpoint).
    Source { source_name: String, reason: String },
    /// A provider of the AWS SDK failed (see `SdkProvider`); the source says why.
    Provider(Arc<dyn std::error::Error + Send + Sync>),
}

/// Equal when of the same kind with the same details (an unreadable file: the same kind of I/O
/// error; a provider's error: the same error).
impl PartialEq for CredentialsError {
    fn eq(&self, other: &Self) -> bool {
        use CredentialsError::*;
        match (self, other) {
            (NotFound { profile: a }, NotFound { profile: b }) => a == b,
            (IncompleteEnvironment, IncompleteEnvironment) => true,
            (IncompleteProfile { profile: a }, IncompleteProfile { profile: b }) => a == b,
            (Unreadable(a), Unreadable(b)) => a.kind() == b.kind(),
            (
                Source {
                    source_name: a,
                    reason: r,
                },
                Source {
                    source_name: b,
                    reason: s,
                },
            ) => a == b && r == s,
            (Provider(a), Provider(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialsError::NotFound { profile } => write!(
                f,
                "no AWS credentials: not in the environment, in profile `{profile}`, from a \
                 container endpoint or from EC2 instance metadata"
            ),
            CredentialsError::IncompleteEnvironment => {
                f.write_str("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
            }
            CredentialsError::IncompleteProfile { profile } => write!(
                f,
                "profile `{profile}` needs both aws_access_key_id and aws_secret_access_key"
            ),
            CredentialsError::Unreadable(_) => f.write_str("cannot read the AWS shared files"),
            CredentialsError::Source {
                source_name,
                reason,
            } => write!(f, "{source_name} gave no credentials: {reason}"),
            CredentialsError::Provider(_) => f.write_str("the credentials provider failed"),
        }
    }
}

impl std::error::Error for CredentialsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CredentialsError::Unreadable(e) => Some(&**e),
            CredentialsError::Provider(e) => Some(&**e),
            _ => None,
        }
    }
}

impl CredentialsError {
    fn source_failed(source_name: impl Into<String>, reason: impl fmt::Display) -> Self {
        CredentialsError::Source {
            source_name: source_name.into(),
            reason: crate::error::printable(&reason.to_string(), 300).into_owned(),
        }
    }
}

/// Looks a variable up: the process's environment, or a test's.
type Vars = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The AWS SDKs' default credentials chain, less what needs another AWS service: the
/// environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), the profile
/// `AWS_PROFILE` (else `default`) of the shared files (static keys, or `credential_process`),
/// the container endpoint (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `..._FULL_URI`, with
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]`), then IMDSv2 (unless
/// `AWS_EC2_METADATA_DISABLED=true`; `AWS_EC2_METADATA_SERVICE_ENDPOINT` moves it). A source that
/// is configured but fails stops the chain with an error naming it; instance metadata that does
/// not answer within a second just means "not on EC2".
#[derive(Clone)]
pub struct DefaultChain {
    vars: Vars,
}

impl fmt::Debug for DefaultChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DefaultChain")
    }
}

impl Default for DefaultChain {
    fn default() -> Self {
        DefaultChain::new()
    }
}

/// The container endpoint's host for a relative URI.
const CONTAINER_HOST: &str = "http://169.254.170.2";
const IMDS_ENDPOINT: &str = "http://169.254.169.254";
/// The longest credentials document read from an endpoint.
const MAX_DOCUMENT: usize = 64 << 10;

impl DefaultChain {
    /// The chain over the process's environment.
    pub fn new() -> DefaultChain {
        DefaultChain::from_vars(|name| std::env::var(name).ok())
    }

    /// The chain over these variables (for tests, and programs that keep their own).
    pub fn from_vars(vars: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        DefaultChain {
            vars: Arc::new(vars),
        }
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let env = Environment::from_fn(&*self.vars);
        if let Some(found) = from_environment(env)? {
            return Ok(found);
        }
        if let Some(found) = from_profile(env).await? {
            return Ok(found);
        }
        if let Some(found) = from_container(env).await? {
            return Ok(found);
        }
        if let Some(found) = from_instance_metadata(env).await? {
            return Ok(found);
        }
        Err(CredentialsError::NotFound {
            profile: env.profile_name(),
        })
    }
}

impl ProvideCredentials for DefaultChain {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.load())
    }
}

fn from_environment(env: Environment<'_>) -> Result<Option<Credentials>, CredentialsError> {
    let Some(id) = env.var("AWS_ACCESS_KEY_ID") else {
        return Ok(None);
    };
    let secret = env
        .var("AWS_SECRET_ACCESS_KEY")
        .ok_or(CredentialsError::IncompleteEnvironment)?;
    let mut found = Credentials::new(id, secret);
    if let Some(token) = env.var("AWS_SESSION_TOKEN") {
        found = found.with_session_token(token);
    }
    Ok(Some(found))
}

async fn from_profile(env: Environment<'_>) -> Result<Option<Credentials>, CredentialsError> {
    let name = env.profile_name();
    let mut profile = env
        .profile(&name)
        .map_err(|e| CredentialsError::Unreadable(Arc::new(e)))?;
    let id = profile.remove("aws_access_key_id");
    let secret = profile.remove("aws_secret_access_key");
    match (id, secret) {
        (Some(id), Some(secret)) => {
            let mut found = Credentials::new(id, secret);
            if let Some(token) = profile.remove("aws_session_token") {
                found = found.with_session_token(token);
            }
            return Ok(Some(found));
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(CredentialsError::IncompleteProfile { profile: name });
        }
        (None, None) => {}
    }
    match profile.remove("credential_process") {
        Some(command) => credential_process(&command).await.map(Some),
        None => Ok(None),
    }
}

/// What `credential_process` prints, and the endpoints answer (with `Token` for the session
/// token).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Document {
    access_key_id: String,
    secret_access_key: Zeroizing<String>,
    #[serde(alias = "Token")]
    session_token: Option<Zeroizing<String>>,
    expiration: Option<String>,
    /// IMDS says `Success`, or why not.
    code: Option<String>,
}

impl Document {
    fn read(bytes: &[u8], source_name: &str) -> Result<Credentials, CredentialsError> {
        let document: Document = serde_json::from_slice(bytes).map_err(|e| {
            CredentialsError::source_failed(
                source_name,
                format!("not a credentials document ({:?} error)", e.classify()),
            )
        })?;
        if let Some(code) = document.code.as_deref().filter(|c| *c != "Success") {
            return Err(CredentialsError::source_failed(
                source_name,
                format!("it says {code}"),
            ));
        }
        let expiry = match &document.expiration {
            Some(text) => Some(expiration(text).ok_or_else(|| {
                CredentialsError::source_failed(source_name, "the expiration is not a date")
            })?),
            None => None,
        };
        Ok(Credentials {
            access_key_id: document.access_key_id,
            secret_access_key: document.secret_access_key,
            session_token: document.session_token,
            expiry,
        })
    }
}

/// An RFC 3339 instant (`2026-11-26T14:00:00Z`).
fn expiration(text: &str) -> Option<SystemTime> {
    let instant =
        aws_smithy_types::DateTime::from_str(text, aws_smithy_types::date_time::Format::DateTime)
            .ok()?;
    SystemTime::try_from(instant).ok()
}

/// Runs the profile's `credential_process` through the shell, as the AWS tools do.
async fn credential_process(command: &str) -> Result<Credentials, CredentialsError> {
    let program = command.split_whitespace().next().unwrap_or_default();
    let source_name = format!("credential_process `{program}`");
    let owned = command.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        let mut shell = if cfg!(windows) {
            let mut shell = std::process::Command::new("cmd");
            shell.arg("/C");
            shell
        } else {
            let mut shell = std::process::Command::new("sh");
            shell.arg("-c");
            shell
        };
        shell.arg(owned).stdin(std::process::Stdio::null()).output()
    })
    .await
    .map_err(|e| CredentialsError::source_failed(&source_name, e))?
    .map_err(|e| CredentialsError::source_failed(&source_name, e))?;
    // Its output holds the secret: wiped once read.
    let stdout = Zeroizing::new(output.stdout);
    if !output.status.success() {
        return Err(CredentialsError::source_failed(
            &source_name,
            format!("it exited with {}", output.status),
        ));
    }
    Document::read(&stdout, &source_name)
}

/// The HTTP client of the endpoints: no redirects, short timeouts.
fn endpoint_client(timeout: Duration) -> Result<reqwest::Client, String> {
    crate::transport::http_client_builder()
        .map_err(|e| e.to_string())?
        .connect_timeout(timeout)
        .timeout(timeout * 2)
        .build()
        .map_err(|e| e.to_string())
}

/// A response's body, up to [`MAX_DOCUMENT`] bytes.
async fn bounded_body(mut response: reqwest::Response) -> Result<Zeroizing<Vec<u8>>, String> {
    let mut body = Zeroizing::new(Vec::new());
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > MAX_DOCUMENT {
            return Err("the response is too large".into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Whether a full container credentials URI may be used over plain HTTP: only on the machine
/// itself or at the container agents' link-local addresses.
fn allowed_container_host(url: &reqwest::Url) -> bool {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    if url.scheme() == "https" {
        return true;
    }
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => {
            ip.is_loopback()
                || ip == Ipv4Addr::new(169, 254, 170, 2)
                || ip == Ipv4Addr::new(169, 254, 170, 23)
        }
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23)
        }
        Err(_) => host == "localhost",
    }
}

async fn from_container(env: Environment<'_>) -> Result<Option<Credentials>, CredentialsError> {
    let uri = match (
        env.var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
        env.var("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
    ) {
        (Some(relative), _) => format!("{CONTAINER_HOST}{relative}"),
        (None, Some(full)) => full,
        (None, None) => return Ok(None),
    };
    let source_name = format!("the container credentials endpoint {uri}");
    let failed = |reason: &dyn fmt::Display| CredentialsError::source_failed(&source_name, reason);
    let url = reqwest::Url::parse(&uri).map_err(|e| failed(&e))?;
    if url.scheme() != "https" && !(url.scheme() == "http" && allowed_container_host(&url)) {
        return Err(failed(
            &"plain HTTP is only allowed to the container agent or this machine",
        ));
    }
    let token = match env.var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
        Some(path) => Some(Zeroizing::new(
            std::fs::read_to_string(&path)
                .map_err(|e| failed(&format!("the token file cannot be read: {e}")))?
                .trim()
                .to_owned(),
        )),
        None => env
            .var("AWS_CONTAINER_AUTHORIZATION_TOKEN")
            .map(Zeroizing::new),
    };
    let http = endpoint_client(Duration::from_secs(2)).map_err(|e| failed(&e))?;
    let mut request = http.get(url);
    if let Some(token) = &token {
        let mut value = reqwest::header::HeaderValue::from_str(token)
            .map_err(|_| failed(&"the authorization token is not a header value"))?;
        value.set_sensitive(true);
        request = request.header(reqwest::header::AUTHORIZATION, value);
    }
    let response = request.send().await.map_err(|e| failed(&e))?;
    if !response.status().is_success() {
        return Err(failed(&format!("HTTP {}", response.status().as_u16())));
    }
    let body = bounded_body(response).await.map_err(|e| failed(&e))?;
    Document::read(&body, &source_name).map(Some)
}

async fn from_instance_metadata(
    env: Environment<'_>,
) -> Result<Option<Credentials>, CredentialsError> {
    if env
        .var("AWS_EC2_METADATA_DISABLED")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return Ok(None);
    }
    let configured = env.var("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    let endpoint = configured
        .clone()
        .unwrap_or_else(|| IMDS_ENDPOINT.to_owned());
    let endpoint = endpoint.trim_end_matches('/');
    let source_name = format!("EC2 instance metadata at {endpoint}");
    let failed = |reason: &dyn fmt::Display| CredentialsError::source_failed(&source_name, reason);
    let http = endpoint_client(Duration::from_secs(1)).map_err(|e| failed(&e))?;
    let token = match http
        .put(format!("{endpoint}/latest/api/token"))
        .header("x-aws-ec2-metadata-token-ttl-seconds", "21600")
        .send()
        .await
    {
        Ok(response) if response.status().is_success() => {
            bounded_body(response).await.map_err(|e| failed(&e))?
        }
        Ok(response) => {
            return Err(failed(&format!(
                "HTTP {} for a session token",
                response.status().as_u16()
            )));
        }
        // Nothing there: not on EC2, unless told where to look.
        Err(e) if configured.is_none() && (e.is_connect() || e.is_timeout()) => return Ok(None),
        Err(e) => return Err(failed(&e)),
    };
    let token =
        String::from_utf8(token.to_vec()).map_err(|_| failed(&"the session token is not text"))?;
    let token = Zeroizing::new(token);
    let get = |path: String| {
        let mut value = reqwest::header::HeaderValue::from_str(token.trim())
            .unwrap_or(reqwest::header::HeaderValue::from_static(""));
        value.set_sensitive(true);
        http.get(format!("{endpoint}{path}"))
            .header("x-aws-ec2-metadata-token", value)
            .send()
    };
    let roles = get("/latest/meta-data/iam/security-credentials/".into())
        .await
        .map_err(|e| failed(&e))?;
    if roles.status() == reqwest::StatusCode::NOT_FOUND {
        // An instance without a role.
        return Ok(None);
    }
    if !roles.status().is_success() {
        return Err(failed(&format!(
            "HTTP {} for the role",
            roles.status().as_u16()
        )));
    }
    let roles = bounded_body(roles).await.map_err(|e| failed(&e))?;
    let role = String::from_utf8_lossy(&roles)
        .lines()
        .next()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    if role.is_empty() || role.contains(['/', '?', '#']) {
        return Err(failed(&"no role name"));
    }
    let document = get(format!("/latest/meta-data/iam/security-credentials/{role}"))
        .await
        .map_err(|e| failed(&e))?;
    if !document.status().is_success() {
        return Err(failed(&format!(
            "HTTP {} for the credentials",
            document.status().as_u16()
        )));
    }
    let body = bounded_body(document).await.map_err(|e| failed(&e))?;
    Document::read(&body, &source_name).map(Some)
}

/// Credentials from a provider, kept until a few minutes before they expire and then fetched
/// again, once, however many callers ask meanwhile.
pub struct CredentialsCache {
    provider: SharedCredentialsProvider,
    refresh_before: Duration,
    held: tokio::sync::Mutex<Option<Arc<Credentials>>>,
    /// Fetches completed: a caller that waited while another fetched takes that fetch's result.
    fetches: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for CredentialsCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialsCache")
            .field("provider", &self.provider)
            .field("refresh_before", &self.refresh_before)
            .finish_non_exhaustive()
    }
}

impl CredentialsCache {
    /// A cache in front of `provider`, refreshing five minutes before expiry.
    pub fn new(provider: SharedCredentialsProvider) -> Self {
        CredentialsCache {
            provider,
            refresh_before: Duration::from_secs(300),
            held: tokio::sync::Mutex::new(None),
            fetches: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Refreshes this long before expiry instead.
    pub fn with_refresh_before(mut self, margin: Duration) -> Self {
        self.refresh_before = margin;
        self
    }

    /// Valid credentials: the held ones, or fresh ones when those are about to expire. A
    /// refresh that fails while the held ones are still valid leaves them in use.
    pub async fn credentials(&self) -> Result<Arc<Credentials>, CredentialsError> {
        use std::sync::atomic::Ordering;
        let seen = self.fetches.load(Ordering::Acquire);
        // Held across the fetch: concurrent callers wait for it instead of fetching again.
        let mut held = self.held.lock().await;
        let now = SystemTime::now();
        if let Some(credentials) = &*held {
            let expiry = credentials.expiry();
            let fresh = expiry.is_none_or(|expiry| now + self.refresh_before < expiry);
            // Fetched while this caller waited: as new as it gets.
            let just_fetched = self.fetches.load(Ordering::Acquire) != seen
                && expiry.is_none_or(|expiry| now < expiry);
            if fresh || just_fetched {
                return Ok(credentials.clone());
            }
        }
        let fetched = self.provider.provide_credentials().await;
        // Counted once done, so that whoever waited for this fetch takes its result.
        self.fetches.fetch_add(1, Ordering::AcqRel);
        match fetched {
            Ok(credentials) => {
                let credentials = Arc::new(credentials);
                *held = Some(credentials.clone());
                Ok(credentials)
            }
            Err(e) => match &*held {
                Some(credentials) if credentials.expiry().is_none_or(|expiry| now < expiry) => {
                    tracing::warn!("refreshing credentials failed; the held ones are still valid");
                    Ok(credentials.clone())
                }
                _ => Err(e),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// A chain over these variables only, never reaching for real instance metadata.
    fn chain(vars: &[(&str, &str)]) -> DefaultChain {
        let mut vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        vars.entry("AWS_EC2_METADATA_DISABLED".into())
            .or_insert("true".into());
        vars.entry("HOME".into()).or_insert("/nonexistent".into());
        DefaultChain::from_vars(move |name| vars.get(name).cloned())
    }

    pub(super) fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    fn load(chain: &DefaultChain) -> Result<Credentials, CredentialsError> {
        block_on(chain.load())
    }

    #[test]
    fn missing_or_half_credentials_are_named() {
        let half = load(&chain(&[("AWS_ACCESS_KEY_ID", "AKID")]));
        assert_eq!(half.unwrap_err(), CredentialsError::IncompleteEnvironment);
        let none = load(&chain(&[("AWS_PROFILE", "ci")]));
        assert_eq!(
            none.unwrap_err(),
            CredentialsError::NotFound {
                profile: "ci".into()
            }
        );
    }

    #[test]
    fn the_environment_comes_first() {
        let found = load(&chain(&[
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", "s3cr3t"),
            ("AWS_SESSION_TOKEN", "tok"),
        ]))
        .unwrap();
        assert_eq!(
            (found.access_key_id(), found.session_token()),
            ("AKIDENV", Some("tok"))
        );
    }

    fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
        std::fs::create_dir_all(dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }

    #[test]
    fn profile_files_are_read() {
        let dir = std::env::temp_dir().join(format!("cognito-credentials-{}", std::process::id()));
        let file = write(
            &dir,
            "credentials",
            "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s3cr3t\n[half]\naws_access_key_id = X\n",
        );
        let found = load(&chain(&[("AWS_SHARED_CREDENTIALS_FILE", &file)])).unwrap();
        assert_eq!(found.access_key_id(), "AKIDFILE");
        let half = load(&chain(&[
            ("AWS_SHARED_CREDENTIALS_FILE", &file),
            ("AWS_PROFILE", "half"),
        ]));
        assert_eq!(
            half.unwrap_err(),
            CredentialsError::IncompleteProfile {
                profile: "half".into()
            }
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn credential_process_is_run_and_read() {
        let dir = std::env::temp_dir().join(format!("cognito-process-{}", std::process::id()));
        let script = write(
            &dir,
            "creds.sh",
            "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"proc-secret\", \"SessionToken\": \"proc-token\", \"Expiration\": \"2030-01-02T03:04:05Z\"}'\n",
        );
        let failing = write(&dir, "fail.sh", "#!/bin/sh\necho oops >&2\nexit 3\n");
        let config = write(
            &dir,
            "config",
            &format!(
                "[profile proc]\ncredential_process = sh {script}\n[profile broken]\ncredential_process = sh {failing} --flag\n"
            ),
        );
        let found = load(&chain(&[
            ("AWS_CONFIG_FILE", &config),
            ("AWS_PROFILE", "proc"),
        ]))
        .unwrap();
        assert_eq!(
            (found.access_key_id(), found.session_token()),
            ("AKIDPROC", Some("proc-token"))
        );
        assert_eq!(found.expiry(), expiration("2030-01-02T03:04:05Z"));
        let failed = load(&chain(&[
            ("AWS_CONFIG_FILE", &config),
            ("AWS_PROFILE", "broken"),
        ]))
        .unwrap_err();
        let shown = failed.to_string();
        assert!(
            shown.contains("credential_process `sh`") && shown.contains("exit"),
            "{shown}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn container_hosts_over_plain_http_are_local_only() {
        let allowed = |url: &str| allowed_container_host(&reqwest::Url::parse(url).unwrap());
        assert!(allowed("http://127.0.0.1:8080/creds"));
        assert!(allowed("http://169.254.170.2/v2/credentials"));
        assert!(allowed("http://[fd00:ec2::23]/x"));
        assert!(allowed("http://localhost/x"));
        assert!(allowed("https://example.com/x"));
        assert!(!allowed("http://example.com/x"));
        assert!(!allowed("http://10.0.0.1/x"));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let shown = format!(
            "{:?}",
            Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI").with_session_token("FwoGZXIvYXdz")
        );
        assert!(shown.contains("AKIDEXAMPLE"));
        assert!(
            !shown.contains("wJalrXUtnFEMI") && !shown.contains("FwoGZXIvYXdz"),
            "{shown}"
        );
    }
}

#[cfg(all(test, feature = "aws-credential-types"))]
mod sdk_tests {
    use std::time::{Duration, SystemTime};

    use aws_credential_types::provider::error::CredentialsError as SdkError;
    use aws_credential_types::provider::future::ProvideCredentials as SdkFuture;

    use super::*;

    fn provide(provider: impl ProvideCredentials) -> Result<Credentials, CredentialsError> {
        super::tests::block_on(provider.provide_credentials())
    }

    #[test]
    fn sdk_providers_give_their_keys_token_and_expiry() {
        let expiry = SystemTime::UNIX_EPOCH + Duration::from_secs(1_900_000_000);
        let sdk = aws_credential_types::Credentials::new(
            "AKIDSDK",
            "sdk-secret",
            Some("sdk-token".to_owned()),
            Some(expiry),
            "test",
        );
        let found = provide(SdkProvider(sdk)).unwrap();
        assert_eq!(found.access_key_id(), "AKIDSDK");
        assert_eq!(found.secret_access_key(), "sdk-secret");
        assert_eq!(found.session_token(), Some("sdk-token"));
        assert_eq!(found.expiry(), Some(expiry));
    }

    #[derive(Debug)]
    struct Failing;

    impl aws_credential_types::provider::ProvideCredentials for Failing {
        fn provide_credentials<'a>(&'a self) -> SdkFuture<'a>
        where
            Self: 'a,
        {
            SdkFuture::ready(Err(SdkError::not_loaded("no profile here")))
        }
    }

    #[test]
    fn sdk_provider_failures_keep_their_cause() {
        let error = provide(SdkProvider(Failing)).unwrap_err();
        assert!(matches!(error, CredentialsError::Provider(_)), "{error:?}");
        let cause = std::error::Error::source(&error).unwrap();
        assert!(cause.downcast_ref::<SdkError>().is_some(), "{cause}");
    }
}
