//! Cognito's SRP: user sign-in (`USER_SRP_AUTH`), remembered devices, and `SECRET_HASH`.
//!
//! Pure computation, no I/O: a [`SrpSession`] gives `SRP_A` for the first request and turns the
//! `PASSWORD_VERIFIER` (or `DEVICE_PASSWORD_VERIFIER`) challenge parameters into the challenge
//! responses. Randomness comes from the OS and the clock from the system unless a caller hands
//! them in, which is how the tests pin both.
//!
//! Cognito's variant differs from RFC 5054 in its `k`, its padding and its key derivation; see
//! `math` for each value. Secrets (`a`, `x`, `S`, the key, passwords) are wiped on drop and never
//! printed.

mod device;
mod error;
mod group;
pub(crate) mod math;
mod montgomery;
mod timestamp;

use std::collections::HashMap;
use std::fmt;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use num_bigint::BigUint;
use zeroize::Zeroizing;

pub use device::{DeviceSecrets, DeviceVerifier};
pub use error::SrpError;
pub use timestamp::format as format_timestamp;

use crate::digest::hmac_sha256;
use math::{Exponent, GROUP};

/// Bytes of the private ephemeral `a`, as the reference clients draw it.
const EPHEMERAL_BYTES: usize = 128;
/// Longest `SRP_B` and `SALT` accepted, in hex digits (`B` is at most 385 bytes).
const MAX_HEX: usize = 1024;
/// Longest `SECRET_BLOCK` accepted (real ones are under 2 KiB).
const MAX_SECRET_BLOCK: usize = 16 * 1024;

/// One SRP handshake: the private ephemeral `a` and the public `A = g^a mod N`.
///
/// Use a new session for every handshake, the device step included.
pub struct SrpSession {
    a: Exponent,
    big_a: BigUint,
}

impl SrpSession {
    /// A session with a fresh 128-byte `a` from the operating system's CSPRNG.
    pub fn new() -> Result<Self, SrpError> {
        let mut bytes = Zeroizing::new([0u8; EPHEMERAL_BYTES]);
        getrandom::fill(bytes.as_mut_slice()).map_err(|_| SrpError::Randomness)?;
        Self::with_private_ephemeral(bytes.as_slice())
    }

    /// A session with a given `a` (big-endian bytes), for tests and known-answer vectors.
    pub fn with_private_ephemeral(a: &[u8]) -> Result<Self, SrpError> {
        let a = math::ephemeral(a);
        if a.is_zero() {
            return Err(SrpError::ZeroPrivateEphemeral);
        }
        let big_a = math::pow_g(&a);
        if big_a == BigUint::ZERO {
            return Err(SrpError::ZeroPublicEphemeral);
        }
        Ok(SrpSession { a, big_a })
    }

    /// `SRP_A`: `A` in minimal lowercase hex, unpadded, as the reference clients send it.
    pub fn srp_a(&self) -> String {
        self.big_a.to_str_radix(16)
    }

    /// Answers a `PASSWORD_VERIFIER` challenge, signed with the current time.
    ///
    /// `pool_id` is the user pool's id (`us-east-1_AbC123`); `parameters` are the challenge's
    /// parameters as Cognito sent them.
    pub fn password_verifier(
        &self,
        pool_id: &str,
        parameters: &HashMap<String, String>,
        password: &str,
    ) -> Result<PasswordClaim, SrpError> {
        self.password_verifier_at(pool_id, parameters, password, SystemTime::now())
    }

    /// [`password_verifier`](Self::password_verifier) at a given instant.
    pub fn password_verifier_at(
        &self,
        pool_id: &str,
        parameters: &HashMap<String, String>,
        password: &str,
        now: SystemTime,
    ) -> Result<PasswordClaim, SrpError> {
        let pool_name = pool_name(pool_id)?;
        let challenge = Challenge::read(parameters)?;
        let user_id = required(parameters, "USER_ID_FOR_SRP")?;
        // The proof is over USER_ID_FOR_SRP; the answer names the user as the challenge does.
        let username = parameters.get("USERNAME").map_or(user_id, String::as_str);
        let timestamp = timestamp::format(now);
        let signature = self.sign(&challenge, pool_name, user_id, password, &timestamp)?;
        Ok(PasswordClaim {
            username: username.to_owned(),
            device_key: None,
            secret_block: challenge.secret_block_text.to_owned(),
            signature,
            timestamp,
        })
    }

    /// Answers a `DEVICE_PASSWORD_VERIFIER` challenge with a remembered device's secrets.
    pub fn device_password_verifier(
        &self,
        device: &DeviceSecrets,
        parameters: &HashMap<String, String>,
    ) -> Result<PasswordClaim, SrpError> {
        self.device_password_verifier_at(device, parameters, SystemTime::now())
    }

    /// [`device_password_verifier`](Self::device_password_verifier) at a given instant.
    pub fn device_password_verifier_at(
        &self,
        device: &DeviceSecrets,
        parameters: &HashMap<String, String>,
        now: SystemTime,
    ) -> Result<PasswordClaim, SrpError> {
        let challenge = Challenge::read(parameters)?;
        let username = required(parameters, "USERNAME")?;
        let timestamp = timestamp::format(now);
        let signature = self.sign(
            &challenge,
            &device.device_group_key,
            &device.device_key,
            device.password(),
            &timestamp,
        )?;
        Ok(PasswordClaim {
            username: username.to_owned(),
            device_key: Some(device.device_key.clone()),
            secret_block: challenge.secret_block_text.to_owned(),
            signature,
            timestamp,
        })
    }

    /// The signature over `realm || user || secret block || timestamp` with the session key.
    fn sign(
        &self,
        challenge: &Challenge<'_>,
        realm: &str,
        user: &str,
        password: &str,
        timestamp: &str,
    ) -> Result<String, SrpError> {
        let key = self.session_key(challenge, realm, user, password)?;
        let mac = hmac_sha256(
            key.as_slice(),
            &[
                realm.as_bytes(),
                user.as_bytes(),
                &challenge.secret_block,
                timestamp.as_bytes(),
            ],
        );
        Ok(STANDARD.encode(mac))
    }

    fn session_key(
        &self,
        challenge: &Challenge<'_>,
        realm: &str,
        user: &str,
        password: &str,
    ) -> Result<Zeroizing<[u8; 16]>, SrpError> {
        let big_b = &challenge.big_b;
        if (big_b % &GROUP.n) == BigUint::ZERO {
            return Err(SrpError::ZeroServerEphemeral);
        }
        let u = math::scrambler(&self.big_a, big_b);
        if u == BigUint::ZERO {
            return Err(SrpError::ZeroScrambler);
        }
        let x = math::private_key(&challenge.salt, realm, user, password);
        let s = math::premaster_secret(big_b, &self.a, &u, &x);
        Ok(math::session_key(&s, &u))
    }
}

impl fmt::Debug for SrpSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SrpSession")
            .field("srp_a", &self.srp_a())
            .finish_non_exhaustive()
    }
}

/// The parts of a `PASSWORD_VERIFIER` or `DEVICE_PASSWORD_VERIFIER` challenge the math uses.
struct Challenge<'p> {
    big_b: BigUint,
    salt: BigUint,
    secret_block: Vec<u8>,
    secret_block_text: &'p str,
}

impl<'p> Challenge<'p> {
    fn read(parameters: &'p HashMap<String, String>) -> Result<Self, SrpError> {
        let big_b = hex_parameter(parameters, "SRP_B")?;
        let salt = hex_parameter(parameters, "SALT")?;
        let secret_block_text = bounded(parameters, "SECRET_BLOCK", MAX_SECRET_BLOCK)?;
        let secret_block =
            decode_lenient(secret_block_text).ok_or(SrpError::InvalidBase64("SECRET_BLOCK"))?;
        Ok(Challenge {
            big_b,
            salt,
            secret_block,
            secret_block_text,
        })
    }
}

/// The challenge responses of a `PASSWORD_VERIFIER` or `DEVICE_PASSWORD_VERIFIER` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordClaim {
    /// The username every later request must carry: the challenge's `USERNAME` (Cognito's name
    /// for the user, whatever alias was typed), else `USER_ID_FOR_SRP`.
    pub username: String,
    /// The remembered device that answered, for a device claim.
    pub device_key: Option<String>,
    pub secret_block: String,
    pub signature: String,
    pub timestamp: String,
}

impl PasswordClaim {
    /// `USERNAME`, `PASSWORD_CLAIM_SECRET_BLOCK`, `PASSWORD_CLAIM_SIGNATURE`, `TIMESTAMP`, and
    /// `DEVICE_KEY` for a device claim.
    pub fn into_challenge_responses(self) -> HashMap<String, String> {
        let mut responses = HashMap::from([
            ("USERNAME".to_owned(), self.username),
            ("PASSWORD_CLAIM_SECRET_BLOCK".to_owned(), self.secret_block),
            ("PASSWORD_CLAIM_SIGNATURE".to_owned(), self.signature),
            ("TIMESTAMP".to_owned(), self.timestamp),
        ]);
        if let Some(device_key) = self.device_key {
            responses.insert("DEVICE_KEY".to_owned(), device_key);
        }
        responses
    }
}

/// `SECRET_HASH` for an app client with a secret: `base64(HMAC-SHA256(secret, username ||
/// client_id))`. `username` must be the `USERNAME` of the same request: the typed name in
/// `InitiateAuth`, the challenge's `USERNAME` in every later response.
pub fn secret_hash(username: &str, client_id: &str, client_secret: &str) -> String {
    STANDARD.encode(hmac_sha256(
        client_secret.as_bytes(),
        &[username.as_bytes(), client_id.as_bytes()],
    ))
}

/// The pool name: the part of the pool id after the underscore.
fn pool_name(pool_id: &str) -> Result<&str, SrpError> {
    match pool_id.split_once('_') {
        Some((region, name)) if !region.is_empty() && !name.is_empty() && !name.contains('_') => {
            Ok(name)
        }
        _ => Err(SrpError::InvalidPoolId),
    }
}

fn required<'p>(
    parameters: &'p HashMap<String, String>,
    name: &'static str,
) -> Result<&'p str, SrpError> {
    parameters
        .get(name)
        .map(String::as_str)
        .ok_or(SrpError::MissingParameter(name))
}

fn bounded<'p>(
    parameters: &'p HashMap<String, String>,
    name: &'static str,
    max: usize,
) -> Result<&'p str, SrpError> {
    let value = required(parameters, name)?;
    if value.len() > max {
        return Err(SrpError::ParameterTooLong { name, max });
    }
    Ok(value)
}

fn hex_parameter(
    parameters: &HashMap<String, String>,
    name: &'static str,
) -> Result<BigUint, SrpError> {
    math::parse_hex(bounded(parameters, name, MAX_HEX)?).ok_or(SrpError::InvalidHex(name))
}

/// Decodes base64 as the reference clients do: characters outside the standard alphabet are
/// skipped, and padding may be absent.
fn decode_lenient(text: &str) -> Option<Vec<u8>> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let kept: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '/')
        .collect();
    LENIENT.decode(kept).ok()
}

#[cfg(test)]
mod kat;
