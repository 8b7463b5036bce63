//! Signing in: the whole conversation with Cognito, from a username and password to tokens,
//! through every challenge.
//!
//! [`SignIn`] is a state machine that does no I/O. It says what to send next ([`Step::Send`]),
//! what to ask the user ([`Step::Ask`]), or hands over the tokens ([`Step::Done`]); the caller
//! does the sending and asking and feeds the answers back. [`Authenticator`] drives it over any
//! [`AuthTransport`], such as the generated client, and refreshes and signs out too; a
//! [`Session`] keeps the tokens valid and persisted.

mod challenge;
mod config;
mod driver;
mod error;
mod machine;
mod message;
mod session;

pub use challenge::Challenge;
pub use config::{EncodedDataProvider, Flow, RememberDevice, SignInConfig};
pub use driver::{
    AuthError, AuthTransport, Authenticator, PromptError, Prompter, SignOut, TransportFailure,
};
pub use error::SignInError;
pub use machine::{Random, SignIn, Step};
pub use message::{
    Answer, AuthResult, Context, MfaKind, NewDevice, Question, Refresh, Reply, Request, Tokens,
};
pub use session::{
    Clock, MemoryStore, Session, SessionError, SessionOptions, StoreError, TokenStore,
};
pub use zeroize::Zeroizing;

#[cfg(test)]
mod tests;
