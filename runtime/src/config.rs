//! Client configuration: where to send requests, as whom, and how patiently.

use std::time::Duration;

use crate::credentials::{Credentials, ProvideCredentials, SharedCredentialsProvider};
use crate::profile::Environment;
pub use crate::retry::RetryConfig;

/// Everything a client needs to know. Built with [`Config::builder`], or [`Config::from_env`] to
/// start from the environment and the shared AWS files as the AWS tools do.
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) region: Option<String>,
    pub(crate) endpoint_url: Option<String>,
    pub(crate) use_fips: bool,
    pub(crate) use_dual_stack: bool,
    /// `None`: the default chain.
    pub(crate) credentials: Option<SharedCredentialsProvider>,
    pub(crate) retry: RetryConfig,
    pub(crate) timeouts: TimeoutConfig,
    pub(crate) http_client: Option<reqwest::Client>,
    pub(crate) max_response_bytes: usize,
}

impl Config {
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// A builder with the region of `AWS_REGION`, `AWS_DEFAULT_REGION` or the profile's `region`,
    /// and the endpoint of `AWS_ENDPOINT_URL`. Credentials are looked up when a signed
    /// operation first needs them, unless given.
    pub fn from_env() -> ConfigBuilder {
        ConfigBuilder::from_environment(Environment::process())
    }

    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    pub fn endpoint_url(&self) -> Option<&str> {
        self.endpoint_url.as_deref()
    }

    pub fn retry(&self) -> &RetryConfig {
        &self.retry
    }

    pub fn timeouts(&self) -> &TimeoutConfig {
        &self.timeouts
    }
}

/// Builds a [`Config`]; every setting has a default.
#[derive(Debug, Clone, Default)]
pub struct ConfigBuilder {
    region: Option<String>,
    endpoint_url: Option<String>,
    use_fips: bool,
    use_dual_stack: bool,
    credentials: Option<SharedCredentialsProvider>,
    retry: Option<RetryConfig>,
    timeouts: Option<TimeoutConfig>,
    http_client: Option<reqwest::Client>,
    max_response_bytes: Option<usize>,
}

impl ConfigBuilder {
    /// Settings read from `env`: the region and an endpoint override.
    pub fn from_environment(env: Environment<'_>) -> Self {
        let region = env
            .var("AWS_REGION")
            .or_else(|| env.var("AWS_DEFAULT_REGION"))
            .or_else(|| {
                let mut profile = env.profile(&env.profile_name()).ok()?;
                profile.remove("region").filter(|r| !r.is_empty())
            });
        ConfigBuilder {
            region,
            endpoint_url: env.var("AWS_ENDPOINT_URL"),
            ..ConfigBuilder::default()
        }
    }

    /// The AWS region, e.g. `eu-west-1`; chooses the endpoint and signs requests.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Sends every request to this URL instead of the region's endpoint (a local server, a
    /// proxy). The only way to use plain `http://`.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Uses the FIPS endpoints.
    pub fn use_fips(mut self, on: bool) -> Self {
        self.use_fips = on;
        self
    }

    /// Uses the dual-stack (IPv4 and IPv6) endpoints.
    pub fn use_dual_stack(mut self, on: bool) -> Self {
        self.use_dual_stack = on;
        self
    }

    /// Signs with these credentials instead of looking them up.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(SharedCredentialsProvider::new(credentials));
        self
    }

    /// Signs with credentials from `provider` instead of the
    /// [default chain](crate::credentials::DefaultChain). They are cached, and refreshed a few
    /// minutes before they expire.
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(SharedCredentialsProvider::new(provider));
        self
    }

    /// Signs with `aws-config`'s default credentials chain: what
    /// [`DefaultChain`](crate::credentials::DefaultChain) covers, plus web identity (EKS IRSA),
    /// assume-role profiles and SSO, which call STS or SSO. Needs the `aws-config` feature.
    #[cfg(feature = "aws-config")]
    pub async fn aws_config_credentials(self) -> Self {
        let chain = aws_config::default_provider::credentials::DefaultCredentialsChain::builder()
            .build()
            .await;
        self.sdk_credentials_provider(chain)
    }

    /// Signs with credentials from a provider of the AWS SDK for Rust (any of `aws-config`'s):
    /// [`credentials_provider`](Self::credentials_provider) with an
    /// [`SdkProvider`](crate::credentials::SdkProvider). Needs the `aws-credential-types`
    /// feature.
    #[cfg(feature = "aws-credential-types")]
    pub fn sdk_credentials_provider(
        self,
        provider: impl aws_credential_types::provider::ProvideCredentials + 'static,
    ) -> Self {
        self.credentials_provider(crate::credentials::SdkProvider(provider))
    }

    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    pub fn timeouts(mut self, timeouts: TimeoutConfig) -> Self {
        self.timeouts = Some(timeouts);
        self
    }

    /// Shares an HTTP client (connection pool, proxies, TLS settings) with the rest of the
    /// program; start from [`http_client_builder`](crate::transport::http_client_builder). Its
    /// own timeouts apply on top of [`TimeoutConfig`].
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// The largest response body read; bigger ones are refused unread. Default 8 MiB.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    pub fn build(self) -> Config {
        Config {
            region: self.region,
            endpoint_url: self.endpoint_url,
            use_fips: self.use_fips,
            use_dual_stack: self.use_dual_stack,
            credentials: self.credentials,
            retry: self.retry.unwrap_or_default(),
            timeouts: self.timeouts.unwrap_or_default(),
            http_client: self.http_client,
            max_response_bytes: self.max_response_bytes.unwrap_or(8 << 20),
        }
    }
}

/// How long to wait. `None` means no limit of that kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeoutConfig {
    connect: Option<Duration>,
    attempt: Option<Duration>,
    operation: Option<Duration>,
}

impl Default for TimeoutConfig {
    /// 3.1 s to connect (as the AWS SDKs), 30 s per attempt, 90 s per operation, retries included.
    fn default() -> Self {
        TimeoutConfig {
            connect: Some(Duration::from_millis(3100)),
            attempt: Some(Duration::from_secs(30)),
            operation: Some(Duration::from_secs(90)),
        }
    }
}

impl TimeoutConfig {
    /// Time to open a connection (TCP and TLS). Only applies to the HTTP client this crate makes.
    pub fn with_connect(mut self, timeout: Option<Duration>) -> Self {
        self.connect = timeout;
        self
    }

    /// Time for one attempt, from sending the request to reading the whole response.
    pub fn with_attempt(mut self, timeout: Option<Duration>) -> Self {
        self.attempt = timeout;
        self
    }

    /// Time for the whole operation, every attempt and backoff included.
    pub fn with_operation(mut self, timeout: Option<Duration>) -> Self {
        self.operation = timeout;
        self
    }

    pub fn connect(&self) -> Option<Duration> {
        self.connect
    }

    pub fn attempt(&self) -> Option<Duration> {
        self.attempt
    }

    pub fn operation(&self) -> Option<Duration> {
        self.operation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_from_environment_then_profile() {
        let vars = |name: &str| match name {
            "AWS_DEFAULT_REGION" => Some("eu-central-1".to_owned()),
            "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:9".to_owned()),
            _ => None,
        };
        let config = ConfigBuilder::from_environment(Environment::from_fn(&vars)).build();
        assert_eq!(config.region(), Some("eu-central-1"));
        assert_eq!(config.endpoint_url(), Some("http://127.0.0.1:9"));
        let none = |_: &str| None;
        let config = ConfigBuilder::from_environment(Environment::from_fn(&none)).build();
        assert_eq!(config.region(), None);
        assert_eq!(config.retry().max_attempts(), 3);
    }
}
