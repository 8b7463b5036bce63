//! The default chain and its sources: the environment, the shared profile (static keys or
//! `credential_process`), the container endpoint and IMDSv2.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Deserialize;
use zeroize::Zeroizing;

use super::{Credentials, CredentialsError, CredentialsFuture, ProvideCredentials};
use crate::profile::Environment;

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
    crate::http::http_client_builder()
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

#[cfg(test)]
pub(super) mod tests {
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

    pub(in crate::credentials) fn block_on<F: std::future::Future>(future: F) -> F::Output {
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
}
