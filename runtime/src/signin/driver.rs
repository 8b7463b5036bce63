//! Driving a [`SignIn`] over a real transport, asking a [`Prompter`] what only the user knows.

use std::fmt;
use std::future::Future;

use zeroize::Zeroizing;

use super::error::SignInError;
use super::machine::{Flow, SignIn, SignInConfig, Step};
use super::message::{Answer, Question, Reply, Request, Tokens};

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
    pub code: Option<String>,
    pub message: Option<String>,
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: {}", self.operation, self.source)
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
            AuthError::SignIn(e) => write!(f, "sign-in failed: {e}"),
            AuthError::Transport(e) => e.fmt(f),
            AuthError::Prompt(e) => e.fmt(f),
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

impl<T: AuthTransport> Authenticator<T> {
    pub fn new(transport: T, config: SignInConfig) -> Self {
        Authenticator { transport, config }
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
        let mut machine = SignIn::new(self.config.clone(), flow, username, password);
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
                        .send(&self.config.pool_id, &self.config.client_id, request)
                        .await;
                    match sent {
                        Ok(reply) => machine.receive(reply)?,
                        Err(failure) => {
                            let code = failure.code.as_deref().unwrap_or_default();
                            match machine.retry_without_device(code, failure.message.as_deref())? {
                                Some(restart) => {
                                    tracing::debug!(
                                        "the remembered device is unknown; signing in without it"
                                    );
                                    restart
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
