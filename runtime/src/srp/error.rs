//! Why an SRP step could not be computed. No variant carries a secret.

use std::fmt;

/// An SRP step that could not be computed: bad challenge parameters, a hostile server value, or
/// no randomness.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SrpError {
    /// A challenge parameter the step needs is absent.
    MissingParameter(&'static str),
    /// A challenge parameter is longer than any genuine value.
    ParameterTooLong { name: &'static str, max: usize },
    /// A parameter that must be hex is not.
    InvalidHex(&'static str),
    /// A parameter that must be base64 is not, even leniently read.
    InvalidBase64(&'static str),
    /// The user pool id is not `<region>_<name>`.
    InvalidPoolId,
    /// The server's `B` is a multiple of `N`, which would make the secret predictable.
    ZeroServerEphemeral,
    /// The scrambler `u` is zero.
    ZeroScrambler,
    /// The private ephemeral `a` is zero.
    ZeroPrivateEphemeral,
    /// The public ephemeral `A` is zero modulo `N` (impossible for a prime `N` and `g = 2`).
    ZeroPublicEphemeral,
    /// The operating system's random number generator failed.
    Randomness,
}

impl fmt::Display for SrpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SrpError::MissingParameter(name) => write!(f, "the challenge has no {name} parameter"),
            SrpError::ParameterTooLong { name, max } => {
                write!(f, "the challenge's {name} is longer than {max} characters")
            }
            SrpError::InvalidHex(name) => write!(f, "the challenge's {name} is not hexadecimal"),
            SrpError::InvalidBase64(name) => write!(f, "the challenge's {name} is not base64"),
            SrpError::InvalidPoolId => {
                f.write_str("the user pool id is not of the form <region>_<name>")
            }
            SrpError::ZeroServerEphemeral => {
                f.write_str("the server's SRP_B is zero modulo N; refusing it")
            }
            SrpError::ZeroScrambler => {
                f.write_str("the SRP scrambler u is zero; refusing the handshake")
            }
            SrpError::ZeroPrivateEphemeral => f.write_str("the private SRP ephemeral is zero"),
            SrpError::ZeroPublicEphemeral => {
                f.write_str("the public SRP ephemeral is zero modulo N")
            }
            SrpError::Randomness => {
                f.write_str("the operating system's random number generator failed")
            }
        }
    }
}

impl std::error::Error for SrpError {}
