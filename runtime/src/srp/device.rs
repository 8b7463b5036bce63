//! Remembered devices: the secrets a device keeps, and the verifier `ConfirmDevice` registers.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use num_bigint::BigUint;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::SrpError;
use super::math;

/// What a remembered device must keep to sign in again: its key, its group key, and the random
/// password this client made for it. Persist all three (serde), and keep them secret: `Debug`
/// never shows the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSecrets {
    pub device_key: String,
    pub device_group_key: String,
    device_password: Zeroizing<String>,
}

/// `DeviceSecretVerifierConfig` for `ConfirmDevice`: both values base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceVerifier {
    pub password_verifier: String,
    pub salt: String,
}

impl DeviceSecrets {
    /// Secrets for a device Cognito just issued (`NewDeviceMetadata`), with a random password and
    /// salt from the operating system, and the verifier to register with `ConfirmDevice`.
    pub fn generate(
        device_key: &str,
        device_group_key: &str,
    ) -> Result<(Self, DeviceVerifier), SrpError> {
        let mut password = Zeroizing::new([0u8; 40]);
        let mut salt = [0u8; 16];
        getrandom::fill(password.as_mut_slice()).map_err(|_| SrpError::Randomness)?;
        getrandom::fill(&mut salt).map_err(|_| SrpError::Randomness)?;
        Ok(Self::generate_from(
            device_key,
            device_group_key,
            &password,
            &salt,
        ))
    }

    /// [`generate`](Self::generate) with given random bytes, for tests.
    pub fn generate_from(
        device_key: &str,
        device_group_key: &str,
        password_bytes: &[u8; 40],
        salt_bytes: &[u8; 16],
    ) -> (Self, DeviceVerifier) {
        let secrets = DeviceSecrets {
            device_key: device_key.to_owned(),
            device_group_key: device_group_key.to_owned(),
            device_password: Zeroizing::new(STANDARD.encode(password_bytes)),
        };
        let salt = BigUint::from_bytes_be(salt_bytes);
        let x = math::private_key(&salt, device_group_key, device_key, secrets.password());
        let verifier = math::pow_g(&x);
        let config = DeviceVerifier {
            password_verifier: STANDARD.encode(math::pad(&verifier)),
            salt: STANDARD.encode(math::pad(&salt)),
        };
        (secrets, config)
    }

    /// Secrets persisted earlier.
    pub fn new(device_key: String, device_group_key: String, device_password: String) -> Self {
        DeviceSecrets {
            device_key,
            device_group_key,
            device_password: Zeroizing::new(device_password),
        }
    }

    /// The device password: store it with the keys, never show it.
    pub fn password(&self) -> &str {
        &self.device_password
    }
}

impl fmt::Debug for DeviceSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceSecrets")
            .field("device_key", &self.device_key)
            .field("device_group_key", &self.device_group_key)
            .field("device_password", &crate::Redacted)
            .finish()
    }
}
