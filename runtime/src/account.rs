//! What account journeys decide without I/O: where a code went, whether an attribute list can be
//! right, the `otpauth://` URI of an authenticator-app secret. The generated crate's `account`
//! module carries the journeys over the client.

use std::collections::HashSet;
use std::fmt;

use percent_encoding::utf8_percent_encode;
use zeroize::Zeroizing;

use crate::endpoint::RESERVED;
use crate::redact::{Redacted, printable};

/// Where Cognito sent a code (`CodeDeliveryDetails`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodeDelivery {
    /// Masked, as Cognito shows it: `a***@e***` or `+*******1234`.
    pub destination: String,
    pub medium: DeliveryMedium,
    /// The attribute the code verifies (`email`, `phone_number`), when Cognito says.
    pub attribute: Option<String>,
}

/// How a code was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryMedium {
    Email,
    Sms,
    /// A medium this client does not know.
    Other(String),
}

impl CodeDelivery {
    /// Reads Cognito's `CodeDeliveryDetails`: a delivery without a destination cannot be right.
    pub fn read(
        destination: Option<String>,
        medium: Option<&str>,
        attribute: Option<String>,
    ) -> Result<CodeDelivery, ReplyError> {
        let destination = destination
            .filter(|d| !d.trim().is_empty())
            .ok_or(ReplyError::NoDestination)?;
        let medium = match medium {
            Some("EMAIL") => DeliveryMedium::Email,
            Some("SMS") => DeliveryMedium::Sms,
            Some(other) => DeliveryMedium::Other(other.to_owned()),
            None => return Err(ReplyError::NoDeliveryMedium),
        };
        Ok(CodeDelivery {
            destination,
            medium,
            attribute,
        })
    }
}

/// An answer of Cognito's that cannot be right: the journey fails with it, and nothing half-done
/// is reported as done.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplyError {
    /// A code was sent, but to no stated destination.
    NoDestination,
    /// A code was sent by no stated medium.
    NoDeliveryMedium,
    /// The same attribute twice in one list.
    DuplicateAttribute(String),
    /// A user without the `sub` every user has.
    NoSub,
    /// An authenticator-app setup without its secret.
    NoSecretCode,
    /// A passkey registration without its options.
    NoCredentialOptions,
    /// A confirmation that should carry a sign-in session but does not.
    NoSession,
    /// A code Cognito answered without accepting or refusing (`VerifySoftwareToken` not
    /// `SUCCESS`).
    CodeNotAccepted,
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplyError::NoDestination => {
                f.write_str("a code was sent, but Cognito names no destination")
            }
            ReplyError::NoDeliveryMedium => {
                f.write_str("a code was sent, but Cognito names no medium")
            }
            ReplyError::DuplicateAttribute(name) => {
                write!(
                    f,
                    "the attribute `{}` is listed twice",
                    printable(name, 128)
                )
            }
            ReplyError::NoSub => f.write_str("the user has no `sub`"),
            ReplyError::NoSecretCode => f.write_str("the authenticator-app setup has no secret"),
            ReplyError::NoCredentialOptions => {
                f.write_str("the passkey registration has no credential options")
            }
            ReplyError::NoSession => {
                f.write_str("the confirmation carries no session to sign in with")
            }
            ReplyError::CodeNotAccepted => f.write_str("the code was not accepted"),
        }
    }
}

impl std::error::Error for ReplyError {}

/// Refuses a list of attribute names with one name twice.
pub fn unique_attributes<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<(), ReplyError> {
    let mut seen = HashSet::new();
    for name in names {
        if !seen.insert(name) {
            return Err(ReplyError::DuplicateAttribute(name.to_owned()));
        }
    }
    Ok(())
}

/// An authenticator app's shared secret (base32), as `AssociateSoftwareToken` gives it. Wiped
/// on drop; `Debug` shows none of it.
#[derive(Clone)]
pub struct TotpSecret(Zeroizing<String>);

impl TotpSecret {
    pub fn new(secret: impl Into<String>) -> TotpSecret {
        TotpSecret(Zeroizing::new(secret.into()))
    }

    /// The secret itself, for an app that takes it typed.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The key URI authenticator apps read (from a QR code):
    /// `otpauth://totp/<issuer>:<account>?secret=<secret>&issuer=<issuer>`, each part
    /// percent-encoded.
    pub fn uri(&self, issuer: &str, account_name: &str) -> Zeroizing<String> {
        let issuer = utf8_percent_encode(issuer, RESERVED);
        let account = utf8_percent_encode(account_name, RESERVED);
        let secret: Zeroizing<String> = Zeroizing::new(
            self.0
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '=')
                .map(|c| c.to_ascii_uppercase())
                .collect(),
        );
        Zeroizing::new(format!(
            "otpauth://totp/{issuer}:{account}?secret={}&issuer={issuer}",
            secret.as_str()
        ))
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TotpSecret").field(&Redacted).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_uris_are_percent_encoded_with_the_issuer_twice() {
        let secret = TotpSecret::new("jbsw y3dp ehpk 3pxp==");
        assert_eq!(
            secret.uri("Example Co", "alice@example.com").as_str(),
            "otpauth://totp/Example%20Co:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example%20Co"
        );
        assert_eq!(
            secret.uri("A&B:C", "ü/x").as_str(),
            "otpauth://totp/A%26B%3AC:%C3%BC%2Fx?secret=JBSWY3DPEHPK3PXP&issuer=A%26B%3AC"
        );
        assert!(!format!("{secret:?}").contains("JBSW"));
    }

    #[test]
    fn deliveries_and_attribute_lists_that_cannot_be_right_are_refused() {
        let delivery = CodeDelivery::read(
            Some("a***@e***".into()),
            Some("EMAIL"),
            Some("email".into()),
        );
        assert_eq!(delivery.unwrap().medium, DeliveryMedium::Email);
        assert_eq!(
            CodeDelivery::read(Some(" ".into()), Some("SMS"), None),
            Err(ReplyError::NoDestination)
        );
        assert_eq!(
            CodeDelivery::read(Some("+***1".into()), None, None),
            Err(ReplyError::NoDeliveryMedium)
        );
        assert_eq!(unique_attributes(["email", "name"]), Ok(()));
        assert_eq!(
            unique_attributes(["email", "name", "email"]),
            Err(ReplyError::DuplicateAttribute("email".into()))
        );
    }
}
