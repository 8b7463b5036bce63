//! What a sign-in is configured with: the flow, and what stays the same across sign-ins to
//! one app client.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use zeroize::Zeroizing;

use super::challenge::Challenge;
use crate::redact::Redacted;
use crate::srp::DeviceSecrets;

/// How to sign in (the `AuthFlow`), or to refresh.
#[derive(Clone)]
#[non_exhaustive]
pub enum Flow {
    /// `USER_SRP_AUTH`: the password never leaves the client.
    UserSrp,
    /// `USER_PASSWORD_AUTH`: the password is sent (over TLS).
    UserPassword,
    /// `ADMIN_USER_PASSWORD_AUTH` through `AdminInitiateAuth` (needs AWS credentials).
    AdminUserPassword,
    /// `REFRESH_TOKEN_AUTH`: new tokens for a refresh token.
    RefreshToken { refresh_token: Zeroizing<String> },
    /// `GetTokensFromRefreshToken`: new tokens for a refresh token, and a new refresh token when
    /// the app client rotates them (which `REFRESH_TOKEN_AUTH` then refuses).
    GetTokensFromRefreshToken { refresh_token: Zeroizing<String> },
    /// `CUSTOM_AUTH`, optionally starting with SRP (`CHALLENGE_NAME=SRP_A`).
    CustomAuth { srp: bool },
    /// `USER_AUTH` (choice-based), optionally with a `PREFERRED_CHALLENGE` such as `PASSWORD`,
    /// `PASSWORD_SRP`, `EMAIL_OTP` or `SMS_OTP`.
    UserAuth { preferred: Option<Challenge> },
    /// `USER_AUTH` with the `Session` `ConfirmSignUp` returned: a user who just confirmed signs
    /// in without the password again.
    AfterSignUp { session: Zeroizing<String> },
}

impl Flow {
    /// The `AuthFlow` value; `None` for `GetTokensFromRefreshToken`, an operation of its own.
    pub(super) fn auth_flow(&self) -> Option<&'static str> {
        Some(match self {
            Flow::UserSrp => "USER_SRP_AUTH",
            Flow::UserPassword => "USER_PASSWORD_AUTH",
            Flow::AdminUserPassword => "ADMIN_USER_PASSWORD_AUTH",
            Flow::RefreshToken { .. } => "REFRESH_TOKEN_AUTH",
            Flow::GetTokensFromRefreshToken { .. } => return None,
            Flow::CustomAuth { .. } => "CUSTOM_AUTH",
            Flow::UserAuth { .. } | Flow::AfterSignUp { .. } => "USER_AUTH",
        })
    }

    /// Whether the flow goes through the admin operations (which need AWS credentials).
    pub(super) fn admin(&self) -> bool {
        matches!(self, Flow::AdminUserPassword)
    }

    /// Whether the first request needs the password.
    pub(super) fn needs_password(&self) -> bool {
        match self {
            Flow::UserSrp
            | Flow::UserPassword
            | Flow::AdminUserPassword
            | Flow::CustomAuth { srp: true } => true,
            Flow::UserAuth { preferred } => {
                matches!(
                    preferred,
                    Some(Challenge::Password | Challenge::PasswordSrp)
                )
            }
            Flow::RefreshToken { .. }
            | Flow::GetTokensFromRefreshToken { .. }
            | Flow::AfterSignUp { .. }
            | Flow::CustomAuth { srp: false } => false,
        }
    }
}

impl fmt::Debug for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Flow::RefreshToken { .. } => f.write_str("RefreshToken"),
            Flow::GetTokensFromRefreshToken { .. } => f.write_str("GetTokensFromRefreshToken"),
            Flow::AfterSignUp { .. } => f.write_str("AfterSignUp"),
            Flow::CustomAuth { srp } => f.debug_struct("CustomAuth").field("srp", srp).finish(),
            Flow::UserAuth { preferred } => f
                .debug_struct("UserAuth")
                .field("preferred", preferred)
                .finish(),
            other => f.write_str(other.auth_flow().unwrap_or("GetTokensFromRefreshToken")),
        }
    }
}

/// Gives `UserContextData.EncodedData` for a request naming this user: the device fingerprint
/// of Cognito's threat protection, which the platform's script collects.
pub type EncodedDataProvider = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Whether to remember a new device when the pool leaves it to the user
/// (`DeviceOnlyRememberedOnUserPrompt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RememberDevice {
    /// Ask through the prompter ([`Question::RememberDevice`](super::Question::RememberDevice)).
    #[default]
    Ask,
    Always,
    Never,
}

/// What stays the same across sign-ins to one app client.
#[derive(Clone)]
#[non_exhaustive]
pub struct SignInConfig {
    /// `<region>_<name>`: SRP needs the name part.
    pub pool_id: String,
    pub client_id: String,
    /// The app client's secret, when it has one: every request then carries `SECRET_HASH`.
    pub client_secret: Option<Zeroizing<String>>,
    /// A device remembered earlier: sent as `DEVICE_KEY`, and answers `DEVICE_SRP_AUTH`.
    pub device: Option<DeviceSecrets>,
    /// The name `ConfirmDevice` gives a newly remembered device.
    pub device_name: String,
    /// Whether to remember a new device when the pool lets the user choose.
    pub remember_device: RememberDevice,
    /// `ClientMetadata` of every sign-in request, for the pool's Lambda triggers.
    pub client_metadata: HashMap<String, String>,
    /// `UserContextData.EncodedData` of every sign-in request, for threat protection.
    pub encoded_data: Option<EncodedDataProvider>,
}

impl SignInConfig {
    pub fn new(pool_id: impl Into<String>, client_id: impl Into<String>) -> Self {
        SignInConfig {
            pool_id: pool_id.into(),
            client_id: client_id.into(),
            client_secret: None,
            device: None,
            device_name: concat!("cognito-idp-runtime/", env!("CARGO_PKG_VERSION")).to_owned(),
            remember_device: RememberDevice::default(),
            client_metadata: HashMap::new(),
            encoded_data: None,
        }
    }

    pub fn with_remember_device(mut self, choice: RememberDevice) -> Self {
        self.remember_device = choice;
        self
    }

    pub fn with_client_metadata(mut self, metadata: HashMap<String, String>) -> Self {
        self.client_metadata = metadata;
        self
    }

    pub fn with_encoded_data(
        mut self,
        provider: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.encoded_data = Some(Arc::new(provider));
        self
    }

    pub fn with_client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(Zeroizing::new(secret.into()));
        self
    }

    pub fn with_device(mut self, device: DeviceSecrets) -> Self {
        self.device = Some(device);
        self
    }

    pub fn with_device_name(mut self, name: impl Into<String>) -> Self {
        self.device_name = name.into();
        self
    }
}

impl fmt::Debug for SignInConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInConfig")
            .field("pool_id", &self.pool_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &Redacted::option(&self.client_secret))
            .field("device", &self.device)
            .field("device_name", &self.device_name)
            .field("remember_device", &self.remember_device)
            .field(
                "client_metadata",
                &self.client_metadata.keys().collect::<Vec<_>>(),
            )
            .field("encoded_data", &self.encoded_data.is_some())
            .finish()
    }
}
