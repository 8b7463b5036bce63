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
use std::time::SystemTime;

use zeroize::Zeroizing;

use crate::redact::Redacted;

mod cache;
mod chain;

pub use cache::CredentialsCache;
pub use chain::DefaultChain;

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
            reason: crate::redact::printable(&reason.to_string(), 300).into_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        chain::tests::block_on(provider.provide_credentials())
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
