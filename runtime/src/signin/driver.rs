//! Driving a [`SignIn`] over a real transport, asking a [`Prompter`] what only the user knows.

use std::fmt;
use std::future::Future;
use std::time::SystemTime;

use zeroize::Zeroizing;

use super::config::{Flow, SignInConfig};
use super::error::SignInError;
use super::machine::{SignIn, Step};
use super::message::{Answer, Question, Refresh, Reply, Request, Tokens};

/// Sends the sign-in machine's requests: implemented by the generated client, and by test peers.
pub trait AuthTransport {
    /// Sends `request` for the app client `client_id` of the pool `pool_id`.
    fn send(
        &self,
        pool_id: &str,
        client_id: &str,
        request: Request,
    ) -> impl Future<Output = Result<Reply, TransportFailure>> + Send;
}

/// A request that failed: the service's error code and message when it answered, and the
/// underlying error.
#[derive(Debug)]
pub struct TransportFailure {
    pub operation: &'static str,
    /// The HTTP status of the service's error answer; `None` when no answer came (no
    /// connection, a timeout) or the answer was a success that could not be read.
    pub status: Option<u16>,
    pub code: Option<String>,
    pub message: Option<String>,
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed", self.operation)
    }
}

impl std::error::Error for TransportFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// Answers the questions of a sign-in: a terminal, a UI, or a test script.
pub trait Prompter {
    fn answer(
        &mut self,
        question: &Question,
    ) -> impl Future<Output = Result<Answer, PromptError>> + Send;
}

/// The user gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptError(pub String);

impl fmt::Display for PromptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no answer: {}", self.0)
    }
}

impl std::error::Error for PromptError {}

/// Why [`Authenticator`] could not sign in.
#[derive(Debug)]
#[non_exhaustive]
pub enum AuthError {
    /// The conversation went wrong (see [`SignInError`]).
    SignIn(SignInError),
    /// The service refused a request, or could not be reached.
    Transport(TransportFailure),
    /// The prompter gave up.
    Prompt(PromptError),
}

impl AuthError {
    /// The service's error code (`NotAuthorizedException`, ...), if the service answered.
    pub fn code(&self) -> Option<&str> {
        match self {
            AuthError::Transport(failure) => failure.code.as_deref(),
            _ => None,
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::SignIn(_) => f.write_str("sign-in failed"),
            AuthError::Transport(_) => f.write_str("a sign-in request failed"),
            AuthError::Prompt(_) => f.write_str("the sign-in needed an answer"),
        }
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AuthError::SignIn(e) => Some(e),
            AuthError::Transport(e) => Some(e),
            AuthError::Prompt(e) => Some(e),
        }
    }
}

impl From<SignInError> for AuthError {
    fn from(e: SignInError) -> Self {
        AuthError::SignIn(e)
    }
}

/// Signs users in to one app client over `T`, answering challenges itself where it can.
#[derive(Debug, Clone)]
pub struct Authenticator<T> {
    transport: T,
    config: SignInConfig,
}

/// How to sign out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignOut {
    /// `GlobalSignOut`: every token of the user, on every device, stops working.
    Global,
    /// `RevokeToken`: this session's refresh token, and the tokens issued from it.
    Revoke,
}

impl<T: AuthTransport> Authenticator<T> {
    pub fn new(transport: T, config: SignInConfig) -> Self {
        Authenticator { transport, config }
    }

    pub fn config(&self) -> &SignInConfig {
        &self.config
    }

    /// What it sends requests through.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// New tokens for `tokens`, by `how`: its refresh token, its user's name (for
    /// `SECRET_HASH`) and its device (`DEVICE_KEY`). The result keeps the refresh token when the
    /// service issues none, and the device. `Refresh::Auto` is resolved to what was used.
    pub async fn refresh(&self, tokens: &Tokens, how: &mut Refresh) -> Result<Tokens, AuthError> {
        let refresh_token = tokens
            .refresh_token
            .clone()
            .ok_or(AuthError::SignIn(SignInError::NoRefreshToken))?;
        let mut config = self.config.clone();
        config.device = tokens.device.clone();
        let auth = Quiet {
            auth: self,
            config: &config,
        };
        let get_tokens = || {
            auth.run_quietly(
                Flow::GetTokensFromRefreshToken {
                    refresh_token: refresh_token.clone(),
                },
                &tokens.username,
            )
        };
        let refresh_token_auth = || {
            auth.run_quietly(
                Flow::RefreshToken {
                    refresh_token: refresh_token.clone(),
                },
                &tokens.username,
            )
        };
        let result = match *how {
            Refresh::GetTokensFromRefreshToken => get_tokens().await,
            Refresh::RefreshTokenAuth => refresh_token_auth().await,
            Refresh::Auto => match get_tokens().await {
                Ok(fresh) => {
                    *how = Refresh::GetTokensFromRefreshToken;
                    Ok(fresh)
                }
                Err(refused) if worth_refresh_token_auth(&refused) => {
                    match refresh_token_auth().await {
                        Ok(fresh) => {
                            tracing::debug!(
                                "GetTokensFromRefreshToken failed where REFRESH_TOKEN_AUTH works; using it"
                            );
                            *how = Refresh::RefreshTokenAuth;
                            Ok(fresh)
                        }
                        // Not the way either: the first answer is the one that counts.
                        Err(_) => Err(refused),
                    }
                }
                Err(refused) => Err(refused),
            },
        };
        let mut fresh = result?;
        if fresh.refresh_token.is_none() {
            fresh.refresh_token = Some(refresh_token);
        }
        if fresh.device.is_none() {
            fresh.device = tokens.device.clone();
        }
        fresh.refresh = *how;
        Ok(fresh)
    }

    /// Ends the session of `tokens`: everywhere (`GlobalSignOut`, with the access token) or just
    /// this one (`RevokeToken`, with the refresh token).
    pub async fn sign_out(&self, tokens: &Tokens, how: SignOut) -> Result<(), AuthError> {
        let request = match how {
            SignOut::Global => Request::GlobalSignOut {
                access_token: tokens.access_token.to_string(),
            },
            SignOut::Revoke => Request::RevokeToken {
                refresh_token: tokens
                    .refresh_token
                    .as_ref()
                    .ok_or(AuthError::SignIn(SignInError::NoRefreshToken))?
                    .to_string(),
                client_secret: self.config.client_secret.as_ref().map(|s| s.to_string()),
            },
        };
        match self
            .transport
            .send(&self.config.pool_id, &self.config.client_id, request)
            .await
        {
            Ok(Reply::SignedOut) => Ok(()),
            Ok(_) => Err(AuthError::SignIn(SignInError::ReplyMismatch {
                expected: "a sign-out",
            })),
            Err(failure) => Err(AuthError::Transport(failure)),
        }
    }

    /// `USER_SRP_AUTH` with `password`, through whatever challenges follow.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        prompter: &mut impl Prompter,
    ) -> Result<Tokens, AuthError> {
        self.run(
            Flow::UserSrp,
            username,
            Some(Zeroizing::new(password.to_owned())),
            prompter,
        )
        .await
    }

    /// Any flow. `username` is needed for a refresh too when the app client has a secret.
    pub async fn run(
        &self,
        flow: Flow,
        username: &str,
        password: Option<Zeroizing<String>>,
        prompter: &mut impl Prompter,
    ) -> Result<Tokens, AuthError> {
        self.run_with(&self.config, flow, username, password, prompter)
            .await
    }

    async fn run_with(
        &self,
        config: &SignInConfig,
        flow: Flow,
        username: &str,
        password: Option<Zeroizing<String>>,
        prompter: &mut impl Prompter,
    ) -> Result<Tokens, AuthError> {
        let mut machine = SignIn::new(config.clone(), flow, username, password);
        let mut step = machine.start()?;
        loop {
            step = match step {
                Step::Done(tokens) => return Ok(tokens),
                Step::Ask(question) => {
                    let answer = prompter
                        .answer(&question)
                        .await
                        .map_err(AuthError::Prompt)?;
                    machine.answer(answer)?
                }
                Step::Send(request) => {
                    let sent = self
                        .transport
                        .send(&config.pool_id, &config.client_id, request)
                        .await;
                    match sent {
                        Ok(reply) => machine.receive_at(reply, SystemTime::now())?,
                        Err(failure) => {
                            let code = failure.code.as_deref().unwrap_or("(no code)");
                            let message = failure.message.as_deref();
                            match machine.failed(failure.operation, code, message)? {
                                Some(next) => {
                                    tracing::debug!(
                                        operation = failure.operation,
                                        "a failure the sign-in goes on from"
                                    );
                                    next
                                }
                                None => return Err(AuthError::Transport(failure)),
                            }
                        }
                    }
                }
            };
        }
    }
}

/// An authenticator running flows that ask nothing (refreshes) with another configuration.
struct Quiet<'a, T> {
    auth: &'a Authenticator<T>,
    config: &'a SignInConfig,
}

impl<T: AuthTransport> Quiet<'_, T> {
    /// A question ends the flow.
    async fn run_quietly(&self, flow: Flow, username: &str) -> Result<Tokens, AuthError> {
        self.auth
            .run_with(self.config, flow, username, None, &mut NoQuestions)
            .await
    }
}

/// Whether a failed `GetTokensFromRefreshToken` is worth one `REFRESH_TOKEN_AUTH`, by signals
/// that do not depend on a message's wording, each an answer of the endpoint: an error without
/// a code (emulators that do not know the operation answer so, moto with an HTTP 500), an
/// unknown operation, or a refused token (refresh tokens of the admin flows have been seen
/// refused by it and accepted by `REFRESH_TOKEN_AUTH`).
fn worth_refresh_token_auth(error: &AuthError) -> bool {
    let AuthError::Transport(failure) = error else {
        return false;
    };
    // Only an answer says something of the operation: no connection or a timeout (after which
    // the service may have rotated the token) says nothing, and trying again differently would
    // only add a request to an outage.
    failure.status.is_some()
        && matches!(
            failure.code.as_deref(),
            None | Some("UnknownOperationException" | "NotAuthorizedException")
        )
}

/// The prompter of flows that must not ask anything.
struct NoQuestions;

impl Prompter for NoQuestions {
    async fn answer(&mut self, question: &Question) -> Result<Answer, PromptError> {
        Err(PromptError(format!(
            "a refresh asked a question ({question:?})"
        )))
    }
}
