//! Why a sign-in stopped. No variant carries a secret: names of challenges and parameters only,
//! and the service's own message.

use std::fmt;

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
    /// Cognito's reply does not fit the request (e.g. tokens without an access token).
    UnexpectedReply(&'static str),
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
            SignInError::UnexpectedReply(what) => write!(f, "unexpected reply: {what}"),
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
