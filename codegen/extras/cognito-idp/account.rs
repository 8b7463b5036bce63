//! Account journeys, each one call: sign-up to deletion, with `SECRET_HASH`, context data and
//! access tokens handled for the caller.
//!
//! Before sign-in, [`Accounts`] (from [`Client::accounts`]) signs users up, confirms them, signs
//! them in after confirmation without the password again, and resets passwords. With a live
//! [`Session`], [`Account`] changes the password, reads and updates attributes, sets up MFA,
//! manages devices and passkeys, and deletes the user; every call takes a fresh access token
//! from the session (refreshed when due, never a stale one).
//!
//! `SECRET_HASH` (when the app client has a secret) is computed over the `Username` each
//! request sends: the name as the user typed it for sign-up, confirmation, resending the code
//! and both steps of a password reset, which is what Cognito checks there.
//!
//! Errors are [`AccountError`]: the operation's own typed error as the operation returns it,
//! or what else went wrong (no valid token, an answer that cannot be right, the sign-in after
//! confirmation). No secret (password, code, TOTP secret, token) appears in any `Debug`,
//! `Display` or log.

use std::collections::HashMap;
use std::fmt;

use cognito_idp_runtime::account::unique_attributes;
pub use cognito_idp_runtime::account::{CodeDelivery, DeliveryMedium, ReplyError, TotpSecret};
use cognito_idp_runtime::paginate::PageStream;
use cognito_idp_runtime::signin::{
    AuthError, Flow, Prompter, Session, SessionError, SignInConfig, Tokens, Zeroizing,
};
use cognito_idp_runtime::srp::secret_hash;

use crate::Client;
use crate::error::SdkError;
use crate::operation::associate_software_token::AssociateSoftwareTokenError;
use crate::operation::change_password::ChangePasswordError;
use crate::operation::complete_web_authn_registration::CompleteWebAuthnRegistrationError;
use crate::operation::confirm_forgot_password::ConfirmForgotPasswordError;
use crate::operation::confirm_sign_up::ConfirmSignUpError;
use crate::operation::delete_user::DeleteUserError;
use crate::operation::delete_user_attributes::DeleteUserAttributesError;
use crate::operation::delete_web_authn_credential::DeleteWebAuthnCredentialError;
use crate::operation::forget_device::ForgetDeviceError;
use crate::operation::forgot_password::ForgotPasswordError;
use crate::operation::get_user::GetUserError;
use crate::operation::get_user_attribute_verification_code::GetUserAttributeVerificationCodeError;
use crate::operation::initiate_auth::InitiateAuthError;
use crate::operation::list_devices::{ListDevicesError, ListDevicesOutput};
use crate::operation::list_web_authn_credentials::{
    ListWebAuthnCredentialsError, ListWebAuthnCredentialsOutput,
};
use crate::operation::resend_confirmation_code::ResendConfirmationCodeError;
use crate::operation::set_user_mfa_preference::SetUserMfaPreferenceError;
use crate::operation::sign_up::SignUpError;
use crate::operation::start_web_authn_registration::StartWebAuthnRegistrationError;
use crate::operation::update_device_status::UpdateDeviceStatusError;
use crate::operation::update_user_attributes::UpdateUserAttributesError;
use crate::operation::verify_software_token::VerifySoftwareTokenError;
use crate::operation::verify_user_attribute::VerifyUserAttributeError;
use crate::types::{
    AttributeType, CodeDeliveryDetailsType, DeviceRememberedStatusType, DeviceType,
    EmailMfaSettingsType, SmsMfaSettingsType, SoftwareTokenMfaSettingsType, UserContextDataType,
    VerifySoftwareTokenResponseType, WebAuthnCredentialDescription,
};

/// Pages read at most when listing devices or passkeys (a user has a few of each): past it, or
/// at a continuation token already followed, the listing fails with `SdkError::Pagination`
/// rather than hand back part of the list as all of it.
const MAX_PAGES: u32 = 100;

/// Why a journey failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum AccountError<E> {
    /// The operation failed: its modelled error (`as_service_error`), or the transport's.
    Operation(SdkError<E>),
    /// The session has no valid access token: signed out, or its refresh was refused.
    Session(SessionError),
    /// Cognito's answer cannot be right; nothing half-done is reported as done.
    Reply(ReplyError),
    /// Signing in after confirmation failed.
    SignIn(AuthError),
}

impl<E> AccountError<E> {
    /// The operation's modelled error, if that is what this is.
    pub fn as_service_error(&self) -> Option<&E> {
        match self {
            AccountError::Operation(e) => e.as_service_error(),
            _ => None,
        }
    }

    /// The service's error code, if the service answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            AccountError::Operation(e) => e.code(),
            AccountError::SignIn(e) => e.code(),
            _ => None,
        }
    }
}

impl<E> fmt::Display for AccountError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AccountError::Operation(_) => "the request failed",
            AccountError::Session(_) => "the session has no valid access token",
            AccountError::Reply(_) => "Cognito's answer cannot be right",
            AccountError::SignIn(_) => "signing in after confirmation failed",
        })
    }
}

impl<E: std::error::Error + 'static> std::error::Error for AccountError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AccountError::Operation(e) => Some(e),
            AccountError::Session(e) => Some(e),
            AccountError::Reply(e) => Some(e),
            AccountError::SignIn(e) => Some(e),
        }
    }
}

impl<E> From<SdkError<E>> for AccountError<E> {
    fn from(e: SdkError<E>) -> Self {
        AccountError::Operation(e)
    }
}

impl<E> From<SessionError> for AccountError<E> {
    fn from(e: SessionError) -> Self {
        AccountError::Session(e)
    }
}

impl<E> From<ReplyError> for AccountError<E> {
    fn from(e: ReplyError) -> Self {
        AccountError::Reply(e)
    }
}

fn delivery(details: CodeDeliveryDetailsType) -> Result<CodeDelivery, ReplyError> {
    CodeDelivery::read(
        details.destination,
        details.delivery_medium.as_ref().map(|m| m.as_str()),
        details.attribute_name,
    )
}

fn attributes<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<AttributeType> {
    pairs
        .into_iter()
        .map(|(name, value)| AttributeType {
            name: name.to_owned(),
            value: Some(value.to_owned()),
        })
        .collect()
}

impl Client {
    /// Account journeys before sign-in, for the app client `config` names (its secret, metadata
    /// and context data included).
    pub fn accounts(&self, config: SignInConfig) -> Accounts {
        Accounts {
            client: self.clone(),
            config,
        }
    }
}

/// Sign-up, confirmation, sign-in after confirmation and password resets for one app client.
#[derive(Debug, Clone)]
pub struct Accounts {
    client: Client,
    config: SignInConfig,
}

/// A user signed up.
#[derive(Clone)]
#[non_exhaustive]
pub struct SignedUp {
    /// Confirmed already (a pre-sign-up trigger may confirm); else a code is on its way.
    pub confirmed: bool,
    /// Where the confirmation code went, when one was sent.
    pub delivery: Option<CodeDelivery>,
    /// The user's unchanging id.
    pub sub: String,
    /// Carried to `confirm_sign_up`, for sign-in after confirmation.
    pub session: Option<Zeroizing<String>>,
}

impl fmt::Debug for SignedUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedUp")
            .field("confirmed", &self.confirmed)
            .field("delivery", &self.delivery)
            .field("sub", &self.sub)
            .field(
                "session",
                &self.session.as_ref().map(|_| cognito_idp_runtime::Redacted),
            )
            .finish()
    }
}

/// A user confirmed: the session to sign in with, when the pool offers sign-in after
/// confirmation (choice-based sign-in allowed on the app client).
#[derive(Clone)]
#[non_exhaustive]
pub struct Confirmed {
    pub session: Option<Zeroizing<String>>,
}

impl fmt::Debug for Confirmed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Confirmed")
            .field(
                "session",
                &self.session.as_ref().map(|_| cognito_idp_runtime::Redacted),
            )
            .finish()
    }
}

/// Sets what every request of an app client before sign-in carries on an operation's builder:
/// the client id, and, for the name the request sends, `SECRET_HASH` (with a secret), the
/// context data and the client metadata. One place, so no journey can forget one.
macro_rules! app_client {
    ($accounts:expr, $builder:expr, $username:expr) => {
        $builder
            .client_id(&$accounts.config.client_id)
            .username($username)
            .set_secret_hash($accounts.secret_hash($username))
            .set_user_context_data($accounts.context($username))
            .set_client_metadata($accounts.metadata())
    };
}

impl Accounts {
    fn secret_hash(&self, username: &str) -> Option<String> {
        let secret = self.config.client_secret.as_ref()?;
        Some(secret_hash(username, &self.config.client_id, secret))
    }

    fn context(&self, username: &str) -> Option<UserContextDataType> {
        let encoded = (self.config.encoded_data.as_ref()?)(username)?;
        Some(UserContextDataType {
            ip_address: None,
            encoded_data: Some(encoded),
        })
    }

    fn metadata(&self) -> Option<HashMap<String, String>> {
        let metadata = &self.config.client_metadata;
        (!metadata.is_empty()).then(|| metadata.clone())
    }

    /// Signs `username` up with `password` and `attributes` (`("email", "a@example.com")`);
    /// `validation_data` goes to the pool's pre-sign-up trigger.
    pub async fn sign_up(
        &self,
        username: &str,
        password: &str,
        attributes_: &[(&str, &str)],
        validation_data: &[(&str, &str)],
    ) -> Result<SignedUp, AccountError<SignUpError>> {
        unique_attributes(attributes_.iter().map(|(name, _)| *name))?;
        let output = app_client!(self, self.client.sign_up(), username)
            .password(password)
            .set_user_attributes(Some(attributes(attributes_.iter().copied())))
            .set_validation_data(
                (!validation_data.is_empty()).then(|| attributes(validation_data.iter().copied())),
            )
            .send()
            .await?;
        // No details: no code sent (an administrator confirms, or a trigger did).
        let delivery = output.code_delivery_details.map(delivery).transpose()?;
        Ok(SignedUp {
            confirmed: output.user_confirmed,
            delivery,
            sub: output.user_sub,
            session: output.session.map(Zeroizing::new),
        })
    }

    /// Confirms `username` with the `code` sent at sign-up; with `force_alias_creation`, an
    /// e-mail or phone number another user holds as an alias moves to this one. Pass the
    /// sign-up's session (`signed_up.session`) to sign in afterwards without the password.
    pub async fn confirm_sign_up(
        &self,
        username: &str,
        code: &str,
        force_alias_creation: bool,
        session: Option<&Zeroizing<String>>,
    ) -> Result<Confirmed, AccountError<ConfirmSignUpError>> {
        let output = app_client!(self, self.client.confirm_sign_up(), username)
            .confirmation_code(code)
            .force_alias_creation(force_alias_creation)
            .set_session(session.map(|s| s.to_string()))
            .send()
            .await?;
        Ok(Confirmed {
            session: output.session.map(Zeroizing::new),
        })
    }

    /// Sends the confirmation code again.
    pub async fn resend_sign_up_code(
        &self,
        username: &str,
    ) -> Result<CodeDelivery, AccountError<ResendConfirmationCodeError>> {
        let output = app_client!(self, self.client.resend_confirmation_code(), username)
            .send()
            .await?;
        Ok(delivery(
            output
                .code_delivery_details
                .ok_or(ReplyError::NoDestination)?,
        )?)
    }

    /// Signs in a user who just confirmed, with the session their confirmation returned
    /// (Amplify's auto sign-in): no password, no code. A pool that does not offer it (no
    /// session) is [`ReplyError::NoSession`]. The prompter answers what may still be asked (an
    /// MFA code, say).
    pub async fn sign_in_confirmed(
        &self,
        username: &str,
        confirmed: &Confirmed,
        prompter: &mut impl Prompter,
    ) -> Result<Tokens, AccountError<InitiateAuthError>> {
        let session = confirmed.session.clone().ok_or(ReplyError::NoSession)?;
        self.client
            .authenticator(self.config.clone())
            .run(Flow::AfterSignUp { session }, username, None, prompter)
            .await
            .map_err(AccountError::SignIn)
    }

    /// Starts a password reset: a code goes to the user.
    pub async fn reset_password(
        &self,
        username: &str,
    ) -> Result<CodeDelivery, AccountError<ForgotPasswordError>> {
        let output = app_client!(self, self.client.forgot_password(), username)
            .send()
            .await?;
        Ok(delivery(
            output
                .code_delivery_details
                .ok_or(ReplyError::NoDestination)?,
        )?)
    }

    /// Ends a password reset with the code and the new password.
    pub async fn confirm_reset_password(
        &self,
        username: &str,
        code: &str,
        new_password: &str,
    ) -> Result<(), AccountError<ConfirmForgotPasswordError>> {
        app_client!(self, self.client.confirm_forgot_password(), username)
            .confirmation_code(code)
            .password(new_password)
            .send()
            .await?;
        Ok(())
    }
}

/// The signed-in user's own account, through their session.
#[derive(Debug, Clone)]
pub struct Account {
    session: Session<Client>,
}

/// What `GetUser` says of the user.
#[derive(Clone)]
#[non_exhaustive]
pub struct UserAttributes {
    /// The name Cognito knows the user by.
    pub username: String,
    pub sub: String,
    /// Every attribute, by name (values may be personal data: `Debug` shows names only).
    pub attributes: HashMap<String, String>,
    pub email_verified: Option<bool>,
    pub phone_number_verified: Option<bool>,
}

impl fmt::Debug for UserAttributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.attributes.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_struct("UserAttributes")
            .field("username", &self.username)
            .field("sub", &self.sub)
            .field("attributes", &names)
            .field("email_verified", &self.email_verified)
            .field("phone_number_verified", &self.phone_number_verified)
            .finish()
    }
}

/// Second factors a user has, and the preferred one (`SMS_MFA`, `SOFTWARE_TOKEN_MFA`,
/// `EMAIL_OTP`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MfaPreference {
    pub enabled: Vec<String>,
    pub preferred: Option<String>,
}

/// How to change one second factor: enable or disable it, and whether it is preferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MfaSetting {
    pub enabled: bool,
    pub preferred: bool,
}

/// The change `set_mfa_preference` makes: `None` leaves a factor as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MfaSettings {
    pub sms: Option<MfaSetting>,
    pub totp: Option<MfaSetting>,
    pub email: Option<MfaSetting>,
}

/// A passkey registration under way: run `navigator.credentials.create` with `options` (JSON),
/// then hand the credential it returns to [`Account::complete_passkey`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PasskeyRegistration {
    pub options: serde_json::Value,
}

fn parse_bool(value: Option<&String>) -> Option<bool> {
    value.map(|v| v.eq_ignore_ascii_case("true"))
}

impl Account {
    /// The account of `session`'s user.
    pub fn new(session: Session<Client>) -> Account {
        Account { session }
    }

    pub fn session(&self) -> &Session<Client> {
        &self.session
    }

    fn client(&self) -> &Client {
        self.session.authenticator().transport()
    }

    fn metadata(&self) -> Option<HashMap<String, String>> {
        let metadata = &self.session.authenticator().config().client_metadata;
        (!metadata.is_empty()).then(|| metadata.clone())
    }

    async fn token(&self) -> Result<String, SessionError> {
        Ok(self.session.access_token().await?.to_string())
    }

    /// Changes the password.
    pub async fn change_password(
        &self,
        old: &str,
        new: &str,
    ) -> Result<(), AccountError<ChangePasswordError>> {
        self.client()
            .change_password()
            .access_token(self.token().await?)
            .previous_password(old)
            .proposed_password(new)
            .send()
            .await?;
        Ok(())
    }

    /// The user's attributes (`GetUser`).
    pub async fn user_attributes(&self) -> Result<UserAttributes, AccountError<GetUserError>> {
        let output = self
            .client()
            .get_user()
            .access_token(self.token().await?)
            .send()
            .await?;
        unique_attributes(output.user_attributes.iter().map(|a| a.name.as_str()))?;
        let attributes: HashMap<String, String> = output
            .user_attributes
            .into_iter()
            .map(|a| (a.name, a.value.unwrap_or_default()))
            .collect();
        Ok(UserAttributes {
            username: output.username,
            sub: attributes.get("sub").cloned().ok_or(ReplyError::NoSub)?,
            email_verified: parse_bool(attributes.get("email_verified")),
            phone_number_verified: parse_bool(attributes.get("phone_number_verified")),
            attributes,
        })
    }

    /// Updates attributes; the answer says which need verifying and where their codes went.
    pub async fn update_user_attributes(
        &self,
        changes: &[(&str, &str)],
    ) -> Result<Vec<CodeDelivery>, AccountError<UpdateUserAttributesError>> {
        unique_attributes(changes.iter().map(|(name, _)| *name))?;
        let output = self
            .client()
            .update_user_attributes()
            .access_token(self.token().await?)
            .set_user_attributes(Some(attributes(changes.iter().copied())))
            .set_client_metadata(self.metadata())
            .send()
            .await?;
        let deliveries = output
            .code_delivery_details_list
            .unwrap_or_default()
            .into_iter()
            .map(delivery)
            .collect::<Result<Vec<_>, _>>()?;
        unique_attributes(deliveries.iter().filter_map(|d| d.attribute.as_deref()))?;
        Ok(deliveries)
    }

    /// Sends a code to verify the attribute `name` (`email`, `phone_number`).
    pub async fn send_attribute_verification_code(
        &self,
        name: &str,
    ) -> Result<CodeDelivery, AccountError<GetUserAttributeVerificationCodeError>> {
        let output = self
            .client()
            .get_user_attribute_verification_code()
            .access_token(self.token().await?)
            .attribute_name(name)
            .set_client_metadata(self.metadata())
            .send()
            .await?;
        Ok(delivery(
            output
                .code_delivery_details
                .ok_or(ReplyError::NoDestination)?,
        )?)
    }

    /// Verifies the attribute `name` with the code it was sent.
    pub async fn confirm_attribute(
        &self,
        name: &str,
        code: &str,
    ) -> Result<(), AccountError<VerifyUserAttributeError>> {
        self.client()
            .verify_user_attribute()
            .access_token(self.token().await?)
            .attribute_name(name)
            .code(code)
            .send()
            .await?;
        Ok(())
    }

    /// Deletes attributes by name.
    pub async fn delete_user_attributes(
        &self,
        names: &[&str],
    ) -> Result<(), AccountError<DeleteUserAttributesError>> {
        unique_attributes(names.iter().copied())?;
        self.client()
            .delete_user_attributes()
            .access_token(self.token().await?)
            .set_user_attribute_names(Some(names.iter().map(|n| n.to_string()).collect()))
            .send()
            .await?;
        Ok(())
    }

    /// Deletes the user, then ends the session and clears its store.
    pub async fn delete_user(&self) -> Result<(), AccountError<DeleteUserError>> {
        self.client()
            .delete_user()
            .access_token(self.token().await?)
            .send()
            .await?;
        self.session.end()?;
        Ok(())
    }

    /// Starts setting up an authenticator app: the secret to show (as
    /// [`TotpSecret::uri`] in a QR code); [`verify_totp`](Self::verify_totp) ends it.
    pub async fn set_up_totp(
        &self,
    ) -> Result<TotpSecret, AccountError<AssociateSoftwareTokenError>> {
        let output = self
            .client()
            .associate_software_token()
            .access_token(self.token().await?)
            .send()
            .await?;
        let secret = output.secret_code.ok_or(ReplyError::NoSecretCode)?;
        Ok(TotpSecret::new(secret))
    }

    /// Ends an authenticator-app setup with a code from the app.
    pub async fn verify_totp(
        &self,
        code: &str,
        friendly_name: Option<&str>,
    ) -> Result<(), AccountError<VerifySoftwareTokenError>> {
        let output = self
            .client()
            .verify_software_token()
            .access_token(self.token().await?)
            .user_code(code)
            .set_friendly_device_name(friendly_name.map(str::to_owned))
            .send()
            .await?;
        match output.status {
            Some(VerifySoftwareTokenResponseType::Success) => Ok(()),
            _ => Err(AccountError::Reply(ReplyError::CodeNotAccepted)),
        }
    }

    /// The user's second factors and the preferred one.
    pub async fn mfa_preference(&self) -> Result<MfaPreference, AccountError<GetUserError>> {
        let output = self
            .client()
            .get_user()
            .access_token(self.token().await?)
            .send()
            .await?;
        Ok(MfaPreference {
            enabled: output.user_mfa_setting_list.unwrap_or_default(),
            preferred: output.preferred_mfa_setting,
        })
    }

    /// Changes second factors: enabled or not, preferred or not.
    pub async fn set_mfa_preference(
        &self,
        settings: MfaSettings,
    ) -> Result<(), AccountError<SetUserMfaPreferenceError>> {
        self.client()
            .set_user_mfa_preference()
            .access_token(self.token().await?)
            .set_sms_mfa_settings(settings.sms.map(|s| SmsMfaSettingsType {
                enabled: Some(s.enabled),
                preferred_mfa: Some(s.preferred),
            }))
            .set_software_token_mfa_settings(settings.totp.map(|s| SoftwareTokenMfaSettingsType {
                enabled: Some(s.enabled),
                preferred_mfa: Some(s.preferred),
            }))
            .set_email_mfa_settings(settings.email.map(|s| EmailMfaSettingsType {
                enabled: Some(s.enabled),
                preferred_mfa: Some(s.preferred),
            }))
            .send()
            .await?;
        Ok(())
    }

    /// Every device of the user, all pages; a listing that would not end (a token handed back
    /// twice, or past a hundred pages) is [`SdkError::Pagination`], never part of the list.
    pub async fn devices(&self) -> Result<Vec<DeviceType>, AccountError<ListDevicesError>> {
        let (client, token) = (self.client().clone(), self.token().await?);
        let devices = PageStream::new(
            move |page| {
                Box::pin(
                    client
                        .list_devices()
                        .access_token(&token)
                        .limit(60)
                        .set_pagination_token(page)
                        .send(),
                )
            },
            |output: &ListDevicesOutput| output.pagination_token.as_deref(),
        )
        .max_pages(MAX_PAGES)
        .items(|output| output.devices.unwrap_or_default());
        Ok(devices.collect().await?)
    }

    /// Forgets a device; forgetting the session's own also drops its secrets from the session.
    pub async fn forget_device(
        &self,
        device_key: &str,
    ) -> Result<(), AccountError<ForgetDeviceError>> {
        self.client()
            .forget_device()
            .access_token(self.token().await?)
            .device_key(device_key)
            .send()
            .await?;
        let current = self
            .session
            .tokens()
            .await
            .ok()
            .and_then(|t| t.device.map(|d| d.device_key));
        if current.as_deref() == Some(device_key) {
            self.session.drop_device()?;
        }
        Ok(())
    }

    /// Remembers a device: sign-ins from it skip MFA where the pool allows.
    pub async fn remember_device(
        &self,
        device_key: &str,
    ) -> Result<(), AccountError<UpdateDeviceStatusError>> {
        self.device_status(device_key, DeviceRememberedStatusType::Remembered)
            .await
    }

    /// Keeps tracking a device without remembering it.
    pub async fn do_not_remember_device(
        &self,
        device_key: &str,
    ) -> Result<(), AccountError<UpdateDeviceStatusError>> {
        self.device_status(device_key, DeviceRememberedStatusType::NotRemembered)
            .await
    }

    async fn device_status(
        &self,
        device_key: &str,
        status: DeviceRememberedStatusType,
    ) -> Result<(), AccountError<UpdateDeviceStatusError>> {
        self.client()
            .update_device_status()
            .access_token(self.token().await?)
            .device_key(device_key)
            .device_remembered_status(status)
            .send()
            .await?;
        Ok(())
    }

    /// Starts registering a passkey: the options for `navigator.credentials.create`.
    pub async fn register_passkey(
        &self,
    ) -> Result<PasskeyRegistration, AccountError<StartWebAuthnRegistrationError>> {
        let output = self
            .client()
            .start_web_authn_registration()
            .access_token(self.token().await?)
            .send()
            .await?;
        if output.credential_creation_options.is_null() {
            return Err(AccountError::Reply(ReplyError::NoCredentialOptions));
        }
        Ok(PasskeyRegistration {
            options: output.credential_creation_options,
        })
    }

    /// Ends a passkey registration with the credential the platform returned (JSON).
    pub async fn complete_passkey(
        &self,
        credential: serde_json::Value,
    ) -> Result<(), AccountError<CompleteWebAuthnRegistrationError>> {
        self.client()
            .complete_web_authn_registration()
            .access_token(self.token().await?)
            .credential(credential)
            .send()
            .await?;
        Ok(())
    }

    /// Every passkey of the user, all pages; a listing that would not end (a token handed back
    /// twice, or past a hundred pages) is [`SdkError::Pagination`], never part of the list.
    pub async fn passkeys(
        &self,
    ) -> Result<Vec<WebAuthnCredentialDescription>, AccountError<ListWebAuthnCredentialsError>>
    {
        let (client, token) = (self.client().clone(), self.token().await?);
        let passkeys = PageStream::new(
            move |page| {
                Box::pin(
                    client
                        .list_web_authn_credentials()
                        .access_token(&token)
                        .set_next_token(page)
                        .send(),
                )
            },
            |output: &ListWebAuthnCredentialsOutput| output.next_token.as_deref(),
        )
        .max_pages(MAX_PAGES)
        .items(|output| output.credentials);
        Ok(passkeys.collect().await?)
    }

    /// Deletes a passkey by its credential id.
    pub async fn delete_passkey(
        &self,
        credential_id: &str,
    ) -> Result<(), AccountError<DeleteWebAuthnCredentialError>> {
        self.client()
            .delete_web_authn_credential()
            .access_token(self.token().await?)
            .credential_id(credential_id)
            .send()
            .await?;
        Ok(())
    }
}
