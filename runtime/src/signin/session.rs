//! A signed-in session that stays valid: it hands out tokens, refreshing them when they come
//! within a margin of their expiry, one refresh at a time, and persists itself in a
//! [`TokenStore`].

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use zeroize::Zeroizing;

use super::driver::{AuthError, AuthTransport, Authenticator, Refresh, SignOut};
use super::message::Tokens;

/// Where a session's tokens (and its remembered device) live between runs.
pub trait TokenStore: Send + Sync {
    fn load(&self) -> Result<Option<Tokens>, StoreError>;
    fn save(&self, tokens: &Tokens) -> Result<(), StoreError>;
    fn clear(&self) -> Result<(), StoreError>;
}

/// A store that lasts as long as the process.
#[derive(Default)]
pub struct MemoryStore {
    tokens: Mutex<Option<Tokens>>,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let held = self.tokens.lock().map(|t| t.is_some()).unwrap_or(false);
        f.debug_struct("MemoryStore")
            .field("holds_tokens", &held)
            .finish()
    }
}

impl TokenStore for MemoryStore {
    fn load(&self) -> Result<Option<Tokens>, StoreError> {
        Ok(self.tokens.lock().map_err(StoreError::poisoned)?.clone())
    }

    fn save(&self, tokens: &Tokens) -> Result<(), StoreError> {
        *self.tokens.lock().map_err(StoreError::poisoned)? = Some(tokens.clone());
        Ok(())
    }

    fn clear(&self) -> Result<(), StoreError> {
        *self.tokens.lock().map_err(StoreError::poisoned)? = None;
        Ok(())
    }
}

/// A store could not load, save or clear.
#[derive(Debug)]
pub struct StoreError(pub Box<dyn std::error::Error + Send + Sync>);

impl StoreError {
    fn poisoned<T>(_: T) -> StoreError {
        StoreError("a thread panicked while holding the store".into())
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the token store failed")
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

/// Why a session has no token to give.
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionError {
    /// Signed out, or never signed in: sign in again.
    SignedOut,
    /// The tokens expired and cannot be refreshed (no refresh token).
    Expired,
    /// The refresh failed (an expired or revoked refresh token, a network failure).
    Refresh(AuthError),
    /// The fresh token expires within the margin: the margin is longer than the app client's
    /// access-token lifetime.
    ShortLived,
    /// The store failed.
    Store(StoreError),
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::SignedOut => f.write_str("signed out: sign in again"),
            SessionError::Expired => f.write_str("the tokens expired and cannot be refreshed"),
            SessionError::Refresh(_) => f.write_str("refreshing the tokens failed"),
            SessionError::ShortLived => f.write_str(
                "the refreshed tokens expire within the session's margin; use a shorter margin",
            ),
            SessionError::Store(_) => f.write_str("the session could not be stored"),
        }
    }
}

impl std::error::Error for SessionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SessionError::Refresh(e) => Some(e),
            SessionError::Store(e) => Some(e),
            _ => None,
        }
    }
}

/// The time, as a session sees it: the system clock, or a test's.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// How a session refreshes.
#[derive(Clone)]
#[non_exhaustive]
pub struct SessionOptions {
    /// Tokens are refreshed once they expire within this margin, and never handed out within
    /// it. A minute by default; it must be shorter than the access tokens' lifetime.
    pub margin: Duration,
    pub refresh: Refresh,
    pub clock: Clock,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            margin: Duration::from_secs(60),
            refresh: Refresh::Auto,
            clock: Arc::new(SystemTime::now),
        }
    }
}

impl SessionOptions {
    pub fn with_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    pub fn with_refresh(mut self, refresh: Refresh) -> Self {
        self.refresh = refresh;
        self
    }

    pub fn with_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }
}

impl fmt::Debug for SessionOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionOptions")
            .field("margin", &self.margin)
            .field("refresh", &self.refresh)
            .finish_non_exhaustive()
    }
}

/// A signed-in user's tokens, kept valid. Cheap to clone and share between tasks: however many
/// ask at once, at most one refresh is in flight and the others wait for its result (with
/// refresh-token rotation a second concurrent refresh would fail, its token already spent).
pub struct Session<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Clone for Session<T> {
    fn clone(&self) -> Self {
        Session {
            shared: self.shared.clone(),
        }
    }
}

struct Shared<T> {
    auth: Authenticator<T>,
    store: Arc<dyn TokenStore>,
    options: SessionOptions,
    /// Held across a refresh, so that callers wait for it instead of starting another.
    held: tokio::sync::Mutex<Held>,
}

struct Held {
    tokens: Option<Tokens>,
    /// `Auto` until a refresh shows which way the app client allows.
    refresh: Refresh,
}

impl<T: AuthTransport> Session<T> {
    /// A session of freshly issued `tokens` (from a sign-in), saved to `store`.
    pub fn new(
        auth: Authenticator<T>,
        tokens: Tokens,
        store: Arc<dyn TokenStore>,
        options: SessionOptions,
    ) -> Result<Session<T>, SessionError> {
        store.save(&tokens).map_err(SessionError::Store)?;
        Ok(Session::holding(auth, Some(tokens), store, options))
    }

    /// The session `store` holds, if it holds one.
    pub fn restore(
        auth: Authenticator<T>,
        store: Arc<dyn TokenStore>,
        options: SessionOptions,
    ) -> Result<Option<Session<T>>, SessionError> {
        let Some(tokens) = store.load().map_err(SessionError::Store)? else {
            return Ok(None);
        };
        Ok(Some(Session::holding(auth, Some(tokens), store, options)))
    }

    fn holding(
        auth: Authenticator<T>,
        tokens: Option<Tokens>,
        store: Arc<dyn TokenStore>,
        options: SessionOptions,
    ) -> Session<T> {
        let refresh = options.refresh;
        Session {
            shared: Arc::new(Shared {
                auth,
                store,
                options,
                held: tokio::sync::Mutex::new(Held { tokens, refresh }),
            }),
        }
    }

    /// A valid access token, refreshed first when it expires within the margin.
    pub async fn access_token(&self) -> Result<Zeroizing<String>, SessionError> {
        Ok(self.tokens().await?.access_token)
    }

    /// A valid ID token, refreshed first when the tokens expire within the margin.
    pub async fn id_token(&self) -> Result<Option<Zeroizing<String>>, SessionError> {
        Ok(self.tokens().await?.id_token)
    }

    /// The current tokens, refreshed first when they expire within the margin.
    pub async fn tokens(&self) -> Result<Tokens, SessionError> {
        let shared = &*self.shared;
        let mut held = shared.held.lock().await;
        let tokens = held.tokens.as_ref().ok_or(SessionError::SignedOut)?;
        if self.fresh(tokens) {
            return Ok(tokens.clone());
        }
        self.refresh_held(&mut held).await
    }

    /// Refreshes now, whatever the expiry.
    pub async fn refresh(&self) -> Result<Tokens, SessionError> {
        let mut held = self.shared.held.lock().await;
        self.refresh_held(&mut held).await
    }

    /// Signs out, `Global`ly or by revoking this session's refresh token, and clears the
    /// session and its store, locally even when the service could not be told.
    pub async fn sign_out(&self, how: SignOut) -> Result<(), SessionError> {
        let mut held = self.shared.held.lock().await;
        let Some(tokens) = held.tokens.take() else {
            return Err(SessionError::SignedOut);
        };
        let cleared = self.shared.store.clear().map_err(SessionError::Store);
        self.shared
            .auth
            .sign_out(&tokens, how)
            .await
            .map_err(SessionError::Refresh)?;
        cleared
    }

    /// The user's name as Cognito knows it, while signed in.
    pub async fn username(&self) -> Option<String> {
        let held = self.shared.held.lock().await;
        held.tokens.as_ref().map(|t| t.username.clone())
    }

    fn fresh(&self, tokens: &Tokens) -> bool {
        let options = &self.shared.options;
        (options.clock)() + options.margin < tokens.expires_at
    }

    async fn refresh_held(&self, held: &mut Held) -> Result<Tokens, SessionError> {
        let shared = &*self.shared;
        let current = held.tokens.as_ref().ok_or(SessionError::SignedOut)?;
        if current.refresh_token.is_none() {
            return Err(SessionError::Expired);
        }
        let mut how = held.refresh;
        let fresh = shared.auth.refresh(current, &mut how).await;
        held.refresh = how;
        let fresh = fresh.map_err(SessionError::Refresh)?;
        shared.store.save(&fresh).map_err(SessionError::Store)?;
        held.tokens = Some(fresh.clone());
        if !self.fresh(&fresh) {
            return Err(SessionError::ShortLived);
        }
        Ok(fresh)
    }
}

impl<T> fmt::Debug for Session<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Session");
        if let Ok(held) = self.shared.held.try_lock() {
            let tokens = held.tokens.as_ref();
            out.field("username", &tokens.map(|t| t.username.as_str()))
                .field("expires_at", &tokens.map(|t| t.expires_at))
                .field("refresh", &held.refresh);
        }
        out.field("options", &self.shared.options)
            .finish_non_exhaustive()
    }
}
