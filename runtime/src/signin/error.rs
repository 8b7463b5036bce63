//! Why a sign-in stopped. No variant carries a secret: names of challenges and parameters only,
//! and the service's own message.

use std::fmt;

use super::challenge::Challenge;
use crate::redact::printable;
use crate::srp::SrpError;

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignInError {
    /// Cognito asked for a challenge this client does not know.
    UnknownChallenge(String),
    /// A challenge this client knows but cannot complete (e.g. WebAuthn, or MFA setup of a kind
    /// other than an authenticator app).
    UnsupportedChallenge(String),
    /// A challenge lacks a parameter it needs, or has one that cannot be read.
    BadParameter {
        challenge: String,
        parameter: &'static str,
    },
    /// The conversation went on longer than any real sign-in does.
    TooManySteps(usize),
    /// The answer does not fit the question (or there was no question).
    WrongAnswer { expected: &'static str },
    /// The new password's required attribute was not given.
    MissingAttribute(String),
    /// The reply is not of the kind the request asks for.
    ReplyMismatch { expected: &'static str },
    /// A verifier challenge (`PASSWORD_VERIFIER`, `DEVICE_PASSWORD_VERIFIER`) though no SRP
    /// handshake was started: the request before it sent no `SRP_A`.
    NoHandshake(Challenge),
    /// A verifier challenge again, after its handshake was answered.
    RepeatedChallenge(Challenge),
    /// A device challenge though no remembered device was named.
    NoDevice(Challenge),
    /// A challenge that needs the password, which was not given.
    NoPassword(Challenge),
    /// Tokens without an access token.
    NoAccessToken,
    /// A token that is empty.
    EmptyToken,
    /// Tokens whose stated lifetime (`ExpiresIn`) is not positive.
    NonPositiveLifetime(i32),
    /// A refresh or a revocation of tokens that have no refresh token (the caller's mistake:
    /// tokens from a flow that issues none).
    NoRefreshToken,
    /// The SRP computation refused the challenge.
    Srp(SrpError),
    /// `MFA_SETUP` offers only SMS, which needs a verified phone number on the user first
    /// (`UpdateUserAttributes`, then `VerifyUserAttribute`).
    PhoneNumberRequired,
    /// The machine has already finished or failed.
    Finished,
}

impl fmt::Display for SignInError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignInError::UnknownChallenge(name) => {
                write!(f, "unknown challenge `{}`", printable(name, 128))
            }
            SignInError::UnsupportedChallenge(what) => {
                write!(f, "unsupported challenge: {}", printable(what, 128))
            }
            SignInError::BadParameter {
                challenge,
                parameter,
            } => {
                write!(
                    f,
                    "challenge `{}` has a missing or unreadable `{parameter}`",
                    printable(challenge, 128)
                )
            }
            SignInError::TooManySteps(n) => {
                write!(f, "the sign-in did not finish within {n} steps")
            }
            SignInError::WrongAnswer { expected } => {
                write!(f, "wrong kind of answer: expected {expected}")
            }
            SignInError::MissingAttribute(name) => {
                write!(f, "the required attribute `{name}` has no value")
            }
            SignInError::ReplyMismatch { expected } => {
                write!(f, "unexpected reply: expected {expected}")
            }
            SignInError::NoHandshake(challenge) => write!(
                f,
                "`{challenge}` came though no SRP handshake was started (expected SRP_A sent first)"
            ),
            SignInError::RepeatedChallenge(challenge) => write!(
                f,
                "`{challenge}` came again after it was answered (expected tokens or another challenge)"
            ),
            SignInError::NoDevice(challenge) => write!(
                f,
                "`{challenge}` came though no remembered device was named"
            ),
            SignInError::NoPassword(challenge) => {
                write!(f, "`{challenge}` needs the password, which was not given")
            }
            SignInError::NoAccessToken => f.write_str("tokens came without an access token"),
            SignInError::EmptyToken => f.write_str("a token came empty"),
            SignInError::NonPositiveLifetime(seconds) => {
                write!(
                    f,
                    "tokens came with a lifetime of {seconds} s (expected a positive one)"
                )
            }
            SignInError::NoRefreshToken => f.write_str("the tokens have no refresh token"),
            SignInError::Srp(_) => f.write_str("the SRP computation refused the challenge"),
            SignInError::PhoneNumberRequired => f.write_str(
                "MFA setup offers only SMS: the user needs a verified phone number first",
            ),
            SignInError::Finished => f.write_str("the sign-in has already ended"),
        }
    }
}

impl std::error::Error for SignInError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SignInError::Srp(e) => Some(e),
            _ => None,
        }
    }
}

impl From<SrpError> for SignInError {
    fn from(e: SrpError) -> Self {
        SignInError::Srp(e)
    }
}
