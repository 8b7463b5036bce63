//! Signing in: the whole conversation with Cognito, from a username and password to tokens,
//! through every challenge.
//!
//! [`SignIn`] is a state machine that does no I/O. It says what to send next ([`Step::Send`]),
//! what to ask the user ([`Step::Ask`]), or hands over the tokens ([`Step::Done`]); the caller
//! does the sending and asking and feeds the answers back. [`Authenticator`] drives it over any
//! [`AuthTransport`], such as the generated client.

mod driver;
mod error;
mod machine;
mod message;

pub use driver::{
    AuthError, AuthTransport, Authenticator, PromptError, Prompter, TransportFailure,
};
pub use error::SignInError;
pub use machine::{Flow, SignIn, SignInConfig, Step};
pub use message::{Answer, AuthResult, MfaKind, Question, Reply, Request, Tokens};

#[cfg(test)]
mod tests;
