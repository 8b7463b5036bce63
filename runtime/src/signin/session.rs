//! A signed-in session that stays valid: it hands out tokens, refreshing them when they come
//! within a margin of their expiry, one refresh at a time and apart from its callers, through
//! outages while they last, and persists itself in a [`TokenStore`].

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use zeroize::Zeroizing;

use super::driver::{AuthError, AuthTransport, Authenticator, SignOut};
use super::error::SignInError;
use super::message::{Refresh, Tokens};
use crate::refresh::{Expiring, Failure, Missed, Policy, Refreshing, lock};

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
    /// The refresh failed, and the tokens held are no longer valid: refused for good (an
    /// expired or revoked refresh token, a deleted user: the session has ended), or failing
    /// for a passing reason (throttling, an outage) past the tokens' expiry.
    Refresh(Arc<AuthError>),
    /// The refresh stopped without an outcome.
    RefreshAbandoned,
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
            SessionError::RefreshAbandoned => {
                f.write_str("refreshing the tokens stopped without an outcome")
            }
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
            SessionError::Refresh(e) => Some(&**e),
            SessionError::Store(e) => Some(e),
            _ => None,
        }
    }
}

/// The time, as a session sees it: the system clock, or a test's.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Uniform randomness in [0, 1), as a session draws it: the OS's, or a test's.
pub type Jitter = Arc<dyn Fn() -> f64 + Send + Sync>;

/// How a session refreshes.
#[derive(Clone)]
#[non_exhaustive]
pub struct SessionOptions {
    /// Tokens are refreshed once they expire within this margin, at a moment each session
    /// draws from the margin's first half (so that sessions issued together do not all refresh
    /// together): while refreshes succeed, no token is handed out with less than half the
    /// margin left. A minute by default; it must be shorter than the access tokens' lifetime.
    pub margin: Duration,
    /// `Auto` (the default) learns which way the app client refreshes and keeps what it learned
    /// with the tokens; anything else is used as it is.
    pub refresh: Refresh,
    pub clock: Clock,
    /// Draws the refresh moments and the backoff after a failed refresh.
    pub jitter: Jitter,
    /// The longest wait between two refreshes that failed for a passing reason, while the
    /// tokens held are still valid (half a minute by default; the waits double up to it).
    pub max_backoff: Duration,
}

impl Default for SessionOptions {
    fn default() -> Self {
        let policy = Policy::new(Duration::from_secs(60));
        SessionOptions {
            margin: policy.margin,
            refresh: Refresh::Auto,
            clock: policy.clock,
            jitter: policy.random,
            max_backoff: policy.max_backoff,
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

    /// Draws refresh moments and backoffs from `jitter` (uniform in [0, 1)) instead of the OS,
    /// so that a test replays exactly.
    pub fn with_jitter(mut self, jitter: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        self.jitter = Arc::new(jitter);
        self
    }

    pub fn with_max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    fn policy(&self) -> Policy {
        Policy {
            margin: self.margin,
            spread: 0.5,
            max_backoff: self.max_backoff,
            clock: self.clock.clone(),
            random: self.jitter.clone(),
        }
    }
}

impl fmt::Debug for SessionOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionOptions")
            .field("margin", &self.margin)
            .field("refresh", &self.refresh)
            .field("max_backoff", &self.max_backoff)
            .finish_non_exhaustive()
    }
}

/// A signed-in user's tokens, kept valid. Cheap to clone and share between tasks.
///
/// However many ask at once, at most one refresh is in flight and the others wait for its
/// result (with refresh-token rotation a second concurrent refresh would fail, its token
/// already spent). A refresh runs as a task of its own: a caller that gives up does not
/// cancel it, and the tokens it brings are kept. A refresh that fails for a passing reason
/// (throttling, a server error, no connection) leaves the held tokens in use while they are
/// valid, and the next one waits out a backoff; one refused for good (a revoked refresh token)
/// ends the session at once. The store is written after every refresh; when it fails, the
/// tokens are kept all the same, [`store_error`](Session::store_error) says so, and the next
/// call saves again.
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
    tokens: Refreshing<Tokens, Arc<AuthError>>,
    /// Why the tokens held are not in the store, when they are not.
    unsaved: Mutex<Option<Arc<StoreError>>>,
}

impl Expiring for Tokens {
    fn expires_at(&self) -> Option<SystemTime> {
        Some(self.expires_at)
    }
}

impl<T: AuthTransport + Send + Sync + 'static> Session<T> {
    /// A session of freshly issued `tokens` (from a sign-in), saved to `store`.
    pub fn new(
        auth: Authenticator<T>,
        tokens: Tokens,
        store: Arc<dyn TokenStore>,
        options: SessionOptions,
    ) -> Result<Session<T>, SessionError> {
        store.save(&tokens).map_err(SessionError::Store)?;
        Ok(Session::holding(auth, tokens, store, options))
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
        Ok(Some(Session::holding(auth, tokens, store, options)))
    }

    fn holding(
        auth: Authenticator<T>,
        tokens: Tokens,
        store: Arc<dyn TokenStore>,
        options: SessionOptions,
    ) -> Session<T> {
        Session {
            shared: Arc::new(Shared {
                auth,
                store,
                tokens: Refreshing::new(options.policy(), Some(tokens)),
                options,
                unsaved: Mutex::new(None),
            }),
        }
    }

    /// A valid access token, refreshed first when it is due.
    pub async fn access_token(&self) -> Result<Zeroizing<String>, SessionError> {
        Ok(self.tokens().await?.access_token)
    }

    /// A valid ID token, refreshed first when the tokens are due.
    pub async fn id_token(&self) -> Result<Option<Zeroizing<String>>, SessionError> {
        Ok(self.tokens().await?.id_token)
    }

    /// The current tokens, refreshed first when they are due.
    pub async fn tokens(&self) -> Result<Tokens, SessionError> {
        let shared = &self.shared;
        let before = shared.tokens.peek().ok_or(SessionError::SignedOut)?;
        let now = (shared.options.clock)();
        if before.refresh_token.is_none() && now >= before.expires_at {
            return Err(SessionError::Expired);
        }
        let task = Arc::clone(shared);
        let tokens = shared
            .tokens
            .get(move |held| task.refreshed(held))
            .await
            .map_err(missed)?;
        self.after_refresh(&before, &tokens)
    }

    /// Refreshes now, whatever the expiry, and says how it went.
    pub async fn refresh(&self) -> Result<Tokens, SessionError> {
        let shared = &self.shared;
        let before = shared.tokens.peek().ok_or(SessionError::SignedOut)?;
        let task = Arc::clone(shared);
        let tokens = shared
            .tokens
            .refresh(move |held| task.refreshed(held))
            .await
            .map_err(missed)?;
        self.after_refresh(&before, &tokens)
    }

    /// Signs out, `Global`ly or by revoking this session's refresh token, and clears the
    /// session and its store, locally even when the service could not be told.
    pub async fn sign_out(&self, how: SignOut) -> Result<(), SessionError> {
        let shared = &self.shared;
        let tokens = shared.tokens.replace(None).ok_or(SessionError::SignedOut)?;
        *lock(&shared.unsaved) = None;
        let cleared = shared.store.clear().map_err(SessionError::Store);
        shared
            .auth
            .sign_out(&tokens, how)
            .await
            .map_err(|e| SessionError::Refresh(Arc::new(e)))?;
        cleared
    }

    /// Ends the session here only (the user was deleted, say): the tokens are dropped and the
    /// store cleared, nothing is sent.
    pub fn end(&self) -> Result<(), SessionError> {
        let shared = &self.shared;
        shared.tokens.replace(None).ok_or(SessionError::SignedOut)?;
        *lock(&shared.unsaved) = None;
        shared.store.clear().map_err(SessionError::Store)
    }

    /// Drops the remembered device from the session and its store (it was forgotten), keeping
    /// the tokens.
    pub fn drop_device(&self) -> Result<(), SessionError> {
        let shared = &self.shared;
        let tokens = shared
            .tokens
            .modify(|held| {
                let mut tokens = held.clone();
                tokens.device = None;
                tokens
            })
            .ok_or(SessionError::SignedOut)?;
        shared.store.save(&tokens).map_err(SessionError::Store)
    }

    /// The authenticator the session refreshes through.
    pub fn authenticator(&self) -> &Authenticator<T> {
        &self.shared.auth
    }

    /// The user's name as Cognito knows it, while signed in.
    pub async fn username(&self) -> Option<String> {
        self.shared.tokens.peek().map(|t| t.username.clone())
    }

    /// Why the tokens held are not in the store, when the last save failed (the next call
    /// saves again).
    pub fn store_error(&self) -> Option<Arc<StoreError>> {
        lock(&self.shared.unsaved).clone()
    }

    /// Saves what an earlier refresh left unsaved, then hands over `tokens`: refused when they
    /// come fresh from a refresh yet expire within the margin.
    fn after_refresh(
        &self,
        before: &Arc<Tokens>,
        tokens: &Arc<Tokens>,
    ) -> Result<Tokens, SessionError> {
        let shared = &self.shared;
        let fetched = !Arc::ptr_eq(before, tokens);
        if !fetched && lock(&shared.unsaved).is_some() {
            shared.save(tokens);
        }
        let options = &shared.options;
        if fetched && (options.clock)() + options.margin >= tokens.expires_at {
            return Err(SessionError::ShortLived);
        }
        Ok((**tokens).clone())
    }
}

impl<T: AuthTransport + Send + Sync + 'static> Shared<T> {
    /// One refresh of `held`, as a task of its own: the fresh tokens, saved (a store that fails
    /// loses nothing: the tokens are held all the same), or why not.
    async fn refreshed(
        self: Arc<Self>,
        held: Option<Arc<Tokens>>,
    ) -> Result<Tokens, Failure<Arc<AuthError>>> {
        let held = held.ok_or_else(|| {
            Failure::Final(Arc::new(AuthError::SignIn(SignInError::NoRefreshToken)))
        })?;
        let mut how = match self.options.refresh {
            Refresh::Auto => held.refresh,
            chosen => chosen,
        };
        match self.auth.refresh(&held, &mut how).await {
            Ok(mut fresh) => {
                fresh.refresh = how;
                self.save(&fresh);
                Ok(fresh)
            }
            Err(e) if refused_for_good(&e) => Err(Failure::Final(Arc::new(e))),
            Err(e) => Err(Failure::Transient(Arc::new(e))),
        }
    }

    fn save(&self, tokens: &Tokens) {
        let mut unsaved = lock(&self.unsaved);
        match self.store.save(tokens) {
            Ok(()) => *unsaved = None,
            Err(e) => {
                tracing::warn!(error = %e, "the session's tokens could not be stored; they are kept in memory");
                *unsaved = Some(Arc::new(e));
            }
        }
    }
}

/// Whether the service refused a refresh for good: the refresh token expired or was revoked,
/// the user or the app client is gone. Anything else (throttling, a server error, no answer,
/// an odd reply) may pass.
fn refused_for_good(error: &AuthError) -> bool {
    match error {
        AuthError::Transport(failure) => matches!(
            failure.code.as_deref(),
            Some(
                "NotAuthorizedException"
                    | "UserNotFoundException"
                    | "ResourceNotFoundException"
                    | "PasswordResetRequiredException"
                    | "UserNotConfirmedException"
                    | "InvalidParameterException"
                    | "ForbiddenException"
            )
        ),
        AuthError::SignIn(SignInError::NoRefreshToken) | AuthError::Prompt(_) => true,
        AuthError::SignIn(_) => false,
    }
}

fn missed(missed: Missed<Arc<AuthError>>) -> SessionError {
    match missed {
        Missed::Failed(e) => SessionError::Refresh(e),
        Missed::Abandoned => SessionError::RefreshAbandoned,
    }
}

impl<T> fmt::Debug for Session<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tokens = self.shared.tokens.peek();
        f.debug_struct("Session")
            .field("username", &tokens.as_ref().map(|t| t.username.as_str()))
            .field("expires_at", &tokens.as_ref().map(|t| t.expires_at))
            .field("refresh", &tokens.as_ref().map(|t| t.refresh))
            .field("options", &self.shared.options)
            .finish_non_exhaustive()
    }
}
