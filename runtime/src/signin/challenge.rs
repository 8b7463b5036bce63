//! Challenge names, parsed once where they arrive and written once where they leave.

use std::fmt;

macro_rules! challenges {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// A challenge Cognito asks for (`ChallengeName`), or offers (`AvailableChallenges`).
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Challenge {
            $($(#[$doc])* $variant,)*
            /// A name this client does not know.
            Other(String),
        }

        impl Challenge {
            /// The name as Cognito spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Challenge::$variant => $name,)*
                    Challenge::Other(name) => name,
                }
            }
        }

        impl From<&str> for Challenge {
            fn from(name: &str) -> Self {
                match name {
                    $($name => Challenge::$variant,)*
                    other => Challenge::Other(other.to_owned()),
                }
            }
        }
    };
}

challenges! {
    /// SRP's proof of the password (`USER_SRP_AUTH`, `PASSWORD_SRP`).
    PasswordVerifier = "PASSWORD_VERIFIER",
    /// SRP with the remembered device's secret, started by the client.
    DeviceSrpAuth = "DEVICE_SRP_AUTH",
    /// The device's SRP proof.
    DevicePasswordVerifier = "DEVICE_PASSWORD_VERIFIER",
    NewPasswordRequired = "NEW_PASSWORD_REQUIRED",
    SmsMfa = "SMS_MFA",
    SmsOtp = "SMS_OTP",
    SoftwareTokenMfa = "SOFTWARE_TOKEN_MFA",
    EmailOtp = "EMAIL_OTP",
    SelectMfaType = "SELECT_MFA_TYPE",
    MfaSetup = "MFA_SETUP",
    CustomChallenge = "CUSTOM_CHALLENGE",
    /// Choice-based sign-in (`USER_AUTH`) offering its `AvailableChallenges`.
    SelectChallenge = "SELECT_CHALLENGE",
    WebAuthn = "WEB_AUTHN",
    /// Offered in `SELECT_CHALLENGE`: the password itself.
    Password = "PASSWORD",
    /// Offered in `SELECT_CHALLENGE`: the password by SRP.
    PasswordSrp = "PASSWORD_SRP",
    AdminNoSrpAuth = "ADMIN_NO_SRP_AUTH",
}

impl Challenge {
    /// The one-time code's response key, for challenges answered by a code.
    pub(super) fn code_key(&self) -> Option<&'static str> {
        match self {
            Challenge::SmsMfa => Some("SMS_MFA_CODE"),
            Challenge::SmsOtp => Some("SMS_OTP_CODE"),
            Challenge::SoftwareTokenMfa => Some("SOFTWARE_TOKEN_MFA_CODE"),
            Challenge::EmailOtp => Some("EMAIL_OTP_CODE"),
            _ => None,
        }
    }

    /// Whether the response names the remembered device (`DEVICE_KEY`): the password and
    /// device proofs, and the codes, as Cognito's documentation lists them.
    pub(super) fn names_device(&self) -> bool {
        matches!(
            self,
            Challenge::PasswordVerifier
                | Challenge::DeviceSrpAuth
                | Challenge::DevicePasswordVerifier
        ) || self.code_key().is_some()
    }
}

impl From<String> for Challenge {
    fn from(name: String) -> Self {
        match Challenge::from(name.as_str()) {
            Challenge::Other(_) => Challenge::Other(name),
            known => known,
        }
    }
}

impl fmt::Display for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::redact::printable(self.as_str(), 128))
    }
}

/// A list of names in a challenge parameter: JSON as Cognito writes it (`["SMS_MFA"]`), or with
/// single quotes as moto does (`['SMS_MFA']`). Anything else is unreadable.
pub(super) fn json_list(text: &str) -> Option<Vec<String>> {
    if let Ok(list) = serde_json::from_str(text) {
        return Some(list);
    }
    let inner = text.trim().strip_prefix('[')?.strip_suffix(']')?;
    inner
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let name = item.strip_prefix('\'')?.strip_suffix('\'')?;
            let plain = name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.:-".contains(c));
            plain.then(|| name.to_owned())
        })
        .collect()
}

/// Whether a user name a challenge hands back can be one: not empty, no control characters, and
/// not a list (the JSON text a string map keeps for a list an emulator sends).
pub(super) fn plausible_name(name: &str) -> bool {
    !name.trim().is_empty()
        && !name.chars().any(char::is_control)
        && serde_json::from_str::<Vec<serde_json::Value>>(name).is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_are_kept() {
        for name in [
            "PASSWORD_VERIFIER",
            "SMS_OTP",
            "WEB_AUTHN",
            "ADMIN_NO_SRP_AUTH",
        ] {
            let challenge = Challenge::from(name);
            assert!(!matches!(challenge, Challenge::Other(_)), "{name}");
            assert_eq!(challenge.as_str(), name);
        }
        let unknown = Challenge::from("FACE_SCAN".to_owned());
        assert_eq!(unknown, Challenge::Other("FACE_SCAN".into()));
        assert_eq!(unknown.as_str(), "FACE_SCAN");
        assert_eq!(Challenge::from("x\u{1b}[2J").to_string(), "x\\u{1b}[2J");
    }
}
