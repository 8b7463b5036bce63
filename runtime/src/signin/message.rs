//! What the sign-in machine sends, receives, asks and answers.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::challenge::Challenge;
use crate::redact::Redacted;
use crate::srp::{DeviceSecrets, DeviceVerifier};

/// How to refresh tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Refresh {
    /// `GetTokensFromRefreshToken`, which works whether the app client rotates refresh tokens
    /// or not, switching to `REFRESH_TOKEN_AUTH` for good when that works where it did not (an
    /// endpoint without the operation, a refresh token it refuses). What was learned is kept
    /// with the tokens ([`Tokens::refresh`]).
    #[default]
    Auto,
    /// `InitiateAuth` with `REFRESH_TOKEN_AUTH`: the refresh token stays the same.
    RefreshTokenAuth,
    /// `GetTokensFromRefreshToken`: required with rotation, which replaces the refresh token
    /// (and invalidates the old one) on every refresh.
    GetTokensFromRefreshToken,
}

/// What every sign-in request carries besides its parameters, when configured.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Context {
    /// `ClientMetadata`, for the pool's Lambda triggers.
    pub client_metadata: HashMap<String, String>,
    /// `UserContextData.EncodedData`, for threat protection (not sent by the admin operations,
    /// which take the request's context in another form).
    pub encoded_data: Option<String>,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut keys: Vec<&str> = self.client_metadata.keys().map(String::as_str).collect();
        keys.sort_unstable();
        f.debug_struct("Context")
            .field("client_metadata", &keys)
            .field("encoded_data", &Redacted::option(&self.encoded_data))
            .finish()
    }
}

/// A request for the caller to send. Parameter maps are exactly what goes on the wire.
#[derive(Clone, PartialEq, Eq)]
pub enum Request {
    /// `InitiateAuth`, or `AdminInitiateAuth` (which needs credentials) when `admin`.
    InitiateAuth {
        admin: bool,
        auth_flow: &'static str,
        parameters: HashMap<String, String>,
        context: Context,
        /// `Session`: from `ConfirmSignUp`, to sign in without the password again.
        session: Option<String>,
    },
    /// `RespondToAuthChallenge`, or `AdminRespondToAuthChallenge` when `admin`.
    RespondToAuthChallenge {
        admin: bool,
        challenge_name: Challenge,
        responses: HashMap<String, String>,
        session: Option<String>,
        context: Context,
    },
    /// `GetTokensFromRefreshToken`: new tokens, and a new refresh token when the app client
    /// rotates them (the old one then stops working).
    GetTokensFromRefreshToken {
        refresh_token: String,
        /// The app client's secret itself: this operation takes it instead of `SECRET_HASH`.
        client_secret: Option<String>,
        device_key: Option<String>,
        client_metadata: HashMap<String, String>,
    },
    /// `GlobalSignOut`: every token of the user stops working.
    GlobalSignOut { access_token: String },
    /// `RevokeToken`: this refresh token, and the tokens issued from it, stop working.
    RevokeToken {
        refresh_token: String,
        client_secret: Option<String>,
    },
    /// `AssociateSoftwareToken` during `MFA_SETUP`.
    AssociateSoftwareToken { session: Option<String> },
    /// `VerifySoftwareToken` during `MFA_SETUP`.
    VerifySoftwareToken {
        session: Option<String>,
        user_code: String,
        friendly_device_name: Option<String>,
    },
    /// `ConfirmDevice` for a device Cognito just issued.
    ConfirmDevice {
        access_token: String,
        device_key: String,
        device_name: String,
        verifier: DeviceVerifier,
    },
    /// `UpdateDeviceStatus` to `remembered`, when `ConfirmDevice` says the user must confirm.
    RememberDevice {
        access_token: String,
        device_key: String,
    },
}

impl Request {
    /// The operation's name, as the model spells it.
    pub fn operation(&self) -> &'static str {
        match self {
            Request::InitiateAuth { admin: false, .. } => "InitiateAuth",
            Request::InitiateAuth { admin: true, .. } => "AdminInitiateAuth",
            Request::RespondToAuthChallenge { admin: false, .. } => "RespondToAuthChallenge",
            Request::RespondToAuthChallenge { admin: true, .. } => "AdminRespondToAuthChallenge",
            Request::AssociateSoftwareToken { .. } => "AssociateSoftwareToken",
            Request::VerifySoftwareToken { .. } => "VerifySoftwareToken",
            Request::GetTokensFromRefreshToken { .. } => "GetTokensFromRefreshToken",
            Request::GlobalSignOut { .. } => "GlobalSignOut",
            Request::RevokeToken { .. } => "RevokeToken",
            Request::ConfirmDevice { .. } => "ConfirmDevice",
            Request::RememberDevice { .. } => "UpdateDeviceStatus",
        }
    }
}

/// Names every parameter but shows none of the values: they are passwords, tokens and proofs.
impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = |map: &HashMap<String, String>| {
            let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
            keys.sort_unstable();
            keys.join(",")
        };
        let mut out = f.debug_struct(self.operation());
        match self {
            Request::InitiateAuth {
                auth_flow,
                parameters,
                context,
                session,
                ..
            } => out
                .field("auth_flow", auth_flow)
                .field("parameters", &keys(parameters))
                .field("context", context)
                .field("session", &Redacted::option(session)),
            Request::RespondToAuthChallenge {
                challenge_name,
                responses,
                session,
                context,
                ..
            } => out
                .field("challenge_name", challenge_name)
                .field("responses", &keys(responses))
                .field("session", &Redacted::option(session))
                .field("context", context),
            Request::GetTokensFromRefreshToken {
                device_key,
                client_metadata,
                ..
            } => out
                .field("refresh_token", &Redacted)
                .field("device_key", device_key)
                .field("client_metadata", &keys(client_metadata)),
            Request::GlobalSignOut { .. } => out.field("access_token", &Redacted),
            Request::RevokeToken { .. } => out.field("refresh_token", &Redacted),
            Request::AssociateSoftwareToken { session } => {
                out.field("session", &Redacted::option(session))
            }
            Request::VerifySoftwareToken { session, .. } => out
                .field("session", &Redacted::option(session))
                .field("user_code", &Redacted),
            Request::ConfirmDevice {
                device_key,
                device_name,
                ..
            } => out
                .field("device_key", device_key)
                .field("device_name", device_name),
            Request::RememberDevice { device_key, .. } => out.field("device_key", device_key),
        }
        .finish_non_exhaustive()
    }
}

/// What came back from a [`Request`].
#[derive(Clone)]
pub enum Reply {
    /// `InitiateAuth` or `RespondToAuthChallenge` asked for more.
    Challenge {
        name: Challenge,
        parameters: HashMap<String, String>,
        session: Option<String>,
        /// `AvailableChallenges` (choice-based sign-in).
        available: Vec<Challenge>,
    },
    /// `InitiateAuth` or `RespondToAuthChallenge` returned tokens.
    Authenticated(AuthResult),
    /// `AssociateSoftwareToken`: the TOTP secret to put into an authenticator app.
    SoftwareTokenAssociated {
        secret_code: String,
        session: Option<String>,
    },
    /// `VerifySoftwareToken` succeeded.
    SoftwareTokenVerified { session: Option<String> },
    /// `ConfirmDevice`.
    DeviceConfirmed { user_confirmation_necessary: bool },
    /// `UpdateDeviceStatus`.
    DeviceRemembered,
    /// `GlobalSignOut` or `RevokeToken`.
    SignedOut,
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reply::Challenge {
                name,
                parameters,
                available,
                ..
            } => {
                let mut keys: Vec<&str> = parameters.keys().map(String::as_str).collect();
                keys.sort_unstable();
                f.debug_struct("Challenge")
                    .field("name", name)
                    .field("parameters", &keys)
                    .field("available", available)
                    .finish_non_exhaustive()
            }
            Reply::Authenticated(result) => f.debug_tuple("Authenticated").field(result).finish(),
            Reply::SoftwareTokenAssociated { .. } => f.write_str("SoftwareTokenAssociated"),
            Reply::SoftwareTokenVerified { .. } => f.write_str("SoftwareTokenVerified"),
            Reply::DeviceConfirmed {
                user_confirmation_necessary,
            } => f
                .debug_struct("DeviceConfirmed")
                .field("user_confirmation_necessary", user_confirmation_necessary)
                .finish(),
            Reply::DeviceRemembered => f.write_str("DeviceRemembered"),
            Reply::SignedOut => f.write_str("SignedOut"),
        }
    }
}

/// `AuthenticationResult`.
#[derive(Clone, Default)]
pub struct AuthResult {
    pub access_token: Option<String>,
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
    pub expires_in: Option<i32>,
    pub token_type: Option<String>,
    /// `NewDeviceMetadata`: (`DeviceKey`, `DeviceGroupKey`).
    pub new_device: Option<(String, String)>,
}

impl fmt::Debug for AuthResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthResult")
            .field("access_token", &Redacted::option(&self.access_token))
            .field("id_token", &Redacted::option(&self.id_token))
            .field("refresh_token", &Redacted::option(&self.refresh_token))
            .field("expires_in", &self.expires_in)
            .field("token_type", &self.token_type)
            .field("new_device", &self.new_device.as_ref().map(|(key, _)| key))
            .finish()
    }
}

/// The end of a sign-in or a refresh: the tokens, who they belong to and until when, and the
/// secrets of a device remembered on the way, which the caller should store to skip MFA next
/// time. Serializable, to keep a session between runs (see `TokenStore`); `Debug` shows no
/// secret.
#[derive(Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tokens {
    pub access_token: Zeroizing<String>,
    pub id_token: Option<Zeroizing<String>>,
    /// Absent after `REFRESH_TOKEN_AUTH`, which keeps the refresh token it was given.
    pub refresh_token: Option<Zeroizing<String>>,
    pub expires_in: Option<i32>,
    pub token_type: Option<String>,
    /// The user's name as Cognito knows it, from the access token's `username` claim, whatever
    /// alias was typed: what a later `SECRET_HASH` is computed over.
    pub username: String,
    /// The user's unchanging id (`sub`), when the access token states it.
    pub sub: Option<String>,
    /// When the access token expires: its `exp`, or the receipt time plus `ExpiresIn`.
    pub expires_at: SystemTime,
    pub device: Option<DeviceSecrets>,
    /// Which way these tokens refresh, once a refresh has shown it (`Auto` until then).
    #[serde(default)]
    pub refresh: Refresh,
    /// What became of a device Cognito issued during this sign-in.
    #[serde(skip)]
    pub new_device: Option<NewDevice>,
}

impl Tokens {
    /// Tokens read from `result`, received at `now`; `username` is the name the conversation
    /// used, kept when the access token does not state one.
    pub(crate) fn from_result(
        access_token: String,
        result: AuthResult,
        username: String,
        now: SystemTime,
    ) -> Tokens {
        let claims = crate::jwt::Claims::decode(&access_token).ok();
        let claims = claims.as_ref();
        let lifetime = result
            .expires_in
            .map(|s| Duration::from_secs(s.max(0) as u64))
            .unwrap_or_default();
        Tokens {
            username: claims
                .and_then(|c| c.username())
                .map(str::to_owned)
                .unwrap_or(username),
            sub: claims.and_then(|c| c.sub()).map(str::to_owned),
            expires_at: claims
                .and_then(|c| c.expires_at())
                .unwrap_or(now + lifetime),
            access_token: Zeroizing::new(access_token),
            id_token: result.id_token.map(Zeroizing::new),
            refresh_token: result.refresh_token.map(Zeroizing::new),
            expires_in: result.expires_in,
            token_type: result.token_type,
            device: None,
            refresh: Refresh::Auto,
            new_device: None,
        }
    }
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &Redacted)
            .field("id_token", &Redacted::option(&self.id_token))
            .field("refresh_token", &Redacted::option(&self.refresh_token))
            .field("expires_in", &self.expires_in)
            .field("token_type", &self.token_type)
            .field("username", &self.username)
            .field("sub", &self.sub)
            .field("expires_at", &self.expires_at)
            .field("device", &self.device)
            .field("refresh", &self.refresh)
            .field("new_device", &self.new_device)
            .finish()
    }
}

/// What became of a device Cognito issued during a sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NewDevice {
    /// Confirmed, and remembered (by the pool, or at the user's word): its secrets are in
    /// [`Tokens::device`].
    Remembered,
    /// Confirmed but not remembered: the user or the configuration said no. Its secrets are in
    /// [`Tokens::device`]; the device is tracked, but skips no MFA.
    NotRemembered,
    /// Confirming or remembering it failed. The sign-in succeeded all the same; the device is
    /// not in [`Tokens::device`] when it was not confirmed.
    Failed {
        operation: &'static str,
        reason: String,
    },
}

/// Which kind of one-time code a challenge wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MfaKind {
    /// `SMS_MFA`, or `SMS_OTP` in choice-based sign-in.
    Sms,
    /// `SOFTWARE_TOKEN_MFA`: an authenticator app's TOTP.
    SoftwareToken,
    /// `EMAIL_OTP`.
    Email,
}

/// Something only the user can answer.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Question {
    /// `NEW_PASSWORD_REQUIRED`: a new password, and values for the attributes the pool requires
    /// (names as Cognito sends them, without the `userAttributes.` prefix).
    NewPassword { required_attributes: Vec<String> },
    /// A one-time code, sent to `destination` when Cognito says where.
    Code {
        kind: MfaKind,
        destination: Option<String>,
    },
    /// `SELECT_MFA_TYPE`: which second factor to use now.
    SelectMfa { options: Vec<String> },
    /// `MFA_SETUP` offering more than one kind: which second factor to set up
    /// (`SOFTWARE_TOKEN_MFA`, an authenticator app, or `EMAIL_OTP`); answer [`Answer::Choice`].
    SelectMfaSetup { options: Vec<String> },
    /// `MFA_SETUP`: add this TOTP secret to an authenticator app, then answer with a code from it.
    SetUpSoftwareToken { secret_code: Zeroizing<String> },
    /// `CUSTOM_CHALLENGE`: the Lambda-defined challenge's public parameters.
    Custom { parameters: HashMap<String, String> },
    /// `SELECT_CHALLENGE` in choice-based sign-in: one of `available`.
    SelectChallenge { available: Vec<String> },
    /// The chosen challenge needs the password, and none was given.
    Password,
    /// The pool lets the user decide whether to remember this device (skipping MFA on it next
    /// time): answer [`Answer::RememberDevice`].
    RememberDevice,
    /// `WEB_AUTHN`: run the platform's passkey ceremony (`navigator.credentials.get`) with these
    /// options (JSON) and answer [`Answer::WebAuthn`] with the credential it returns.
    WebAuthn { credential_request_options: String },
    /// `MFA_SETUP` by e-mail: the address to send codes to ([`Answer::Email`]); a code challenge
    /// follows.
    EmailForMfa,
}

impl fmt::Debug for Question {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Question::NewPassword {
                required_attributes,
            } => f
                .debug_struct("NewPassword")
                .field("required_attributes", required_attributes)
                .finish(),
            Question::Code { kind, destination } => f
                .debug_struct("Code")
                .field("kind", kind)
                .field("destination", destination)
                .finish(),
            Question::SelectMfa { options } => f
                .debug_struct("SelectMfa")
                .field("options", options)
                .finish(),
            Question::SelectMfaSetup { options } => f
                .debug_struct("SelectMfaSetup")
                .field("options", options)
                .finish(),
            Question::SetUpSoftwareToken { .. } => f
                .debug_struct("SetUpSoftwareToken")
                .field("secret_code", &Redacted)
                .finish(),
            Question::Custom { parameters } => {
                let mut keys: Vec<&str> = parameters.keys().map(String::as_str).collect();
                keys.sort_unstable();
                f.debug_struct("Custom").field("parameters", &keys).finish()
            }
            Question::SelectChallenge { available } => f
                .debug_struct("SelectChallenge")
                .field("available", available)
                .finish(),
            Question::Password => f.write_str("Password"),
            Question::RememberDevice => f.write_str("RememberDevice"),
            Question::WebAuthn { .. } => f.debug_struct("WebAuthn").finish_non_exhaustive(),
            Question::EmailForMfa => f.write_str("EmailForMfa"),
        }
    }
}

/// The user's answer to a [`Question`].
#[derive(Clone)]
#[non_exhaustive]
pub enum Answer {
    NewPassword {
        password: Zeroizing<String>,
        attributes: HashMap<String, String>,
    },
    Code(Zeroizing<String>),
    /// The chosen MFA type or challenge.
    Choice(String),
    /// A code from the authenticator app just set up, and optionally a name for it.
    SoftwareToken {
        code: Zeroizing<String>,
        friendly_device_name: Option<String>,
    },
    /// The challenge responses of a custom challenge (usually `ANSWER`).
    Custom(HashMap<String, String>),
    Password(Zeroizing<String>),
    /// Whether to remember this device.
    RememberDevice(bool),
    /// The passkey credential (the JSON of a `PublicKeyCredential`).
    WebAuthn {
        credential: Zeroizing<String>,
    },
    /// The e-mail address to set up MFA with.
    Email(String),
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::NewPassword { attributes, .. } => {
                let keys: Vec<&String> = attributes.keys().collect();
                f.debug_struct("NewPassword")
                    .field("password", &Redacted)
                    .field("attributes", &keys)
                    .finish()
            }
            Answer::Code(_) => f.write_str("Code(*** Sensitive Data Redacted ***)"),
            Answer::Choice(choice) => f.debug_tuple("Choice").field(choice).finish(),
            Answer::SoftwareToken {
                friendly_device_name,
                ..
            } => f
                .debug_struct("SoftwareToken")
                .field("code", &Redacted)
                .field("friendly_device_name", friendly_device_name)
                .finish(),
            Answer::Custom(responses) => {
                let keys: Vec<&String> = responses.keys().collect();
                f.debug_tuple("Custom").field(&keys).finish()
            }
            Answer::Password(_) => f.write_str("Password(*** Sensitive Data Redacted ***)"),
            Answer::RememberDevice(yes) => f.debug_tuple("RememberDevice").field(yes).finish(),
            Answer::WebAuthn { .. } => f.write_str("WebAuthn(*** Sensitive Data Redacted ***)"),
            Answer::Email(_) => f.write_str("Email(*** Sensitive Data Redacted ***)"),
        }
    }
}
