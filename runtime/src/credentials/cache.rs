//! Credentials kept until shortly before they expire.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::{Credentials, CredentialsError, ProvideCredentials, SharedCredentialsProvider};
use crate::refresh::{Expiring, Failure, Missed, Policy, Refreshing};

/// Credentials from a provider, kept until a few minutes before they expire and then fetched
/// again, once, however many callers ask meanwhile. A fetch that fails while the held ones are
/// still valid leaves them in use, and the next fetch waits out a backoff.
pub struct CredentialsCache {
    provider: SharedCredentialsProvider,
    held: Refreshing<Credentials, CredentialsError>,
}

impl fmt::Debug for CredentialsCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialsCache")
            .field("provider", &self.provider)
            .field("refresh_before", &self.held.policy().margin)
            .finish_non_exhaustive()
    }
}

impl Expiring for Credentials {
    fn expires_at(&self) -> Option<SystemTime> {
        self.expiry()
    }
}

impl CredentialsCache {
    /// A cache in front of `provider`, refreshing five minutes before expiry.
    pub fn new(provider: SharedCredentialsProvider) -> Self {
        CredentialsCache::with_policy(provider, Policy::new(Duration::from_secs(300)))
    }

    fn with_policy(provider: SharedCredentialsProvider, policy: Policy) -> Self {
        CredentialsCache {
            provider,
            held: Refreshing::new(policy, None),
        }
    }

    /// Refreshes this long before expiry instead.
    pub fn with_refresh_before(self, margin: Duration) -> Self {
        let policy = Policy {
            margin,
            ..self.held.policy().clone()
        };
        CredentialsCache::with_policy(self.provider, policy)
    }

    /// Valid credentials: the held ones, or fresh ones when those are about to expire.
    pub async fn credentials(&self) -> Result<Arc<Credentials>, CredentialsError> {
        let provider = self.provider.clone();
        let fetch = |_| async move {
            provider
                .provide_credentials()
                .await
                .map_err(Failure::Transient)
        };
        self.held.get(fetch).await.map_err(|missed| match missed {
            Missed::Failed(e) => e,
            Missed::Abandoned => CredentialsError::Source {
                source_name: "the credentials provider".into(),
                reason: "it stopped without an answer".into(),
            },
        })
    }
}
