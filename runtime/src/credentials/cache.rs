//! Credentials kept until shortly before they expire.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::{Credentials, CredentialsError, ProvideCredentials, SharedCredentialsProvider};

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
