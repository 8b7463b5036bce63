//! Signing in: from a username and password to tokens, through every challenge.
//!
//! The conversation itself is the runtime's sans-I/O [`SignIn`] machine; this module lets the
//! [`Client`] carry its requests, so [`Client::authenticator`] gives an [`Authenticator`] that
//! answers SRP and device challenges itself and asks a [`Prompter`] for the rest (MFA codes, a
//! new password, a choice of challenge).
//!
//! ```no_run
//! use cognito_idp::sign_in::{Answer, PromptError, Prompter, Question, SignInConfig};
//! use cognito_idp::{Client, Config};
//!
//! struct Terminal;
//!
//! impl Prompter for Terminal {
//!     async fn answer(&mut self, question: &Question) -> Result<Answer, PromptError> {
//!         Err(PromptError(format!("cannot answer {question:?} here")))
//!     }
//! }
//!
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(Config::builder().region("eu-west-1").build());
//! let auth = client.authenticator(SignInConfig::new("eu-west-1_AbCdEf", "app-client-id"));
//! let tokens = auth.sign_in("alice", "correct horse", &mut Terminal).await?;
//! println!("signed in as {}; the tokens last {:?} s", tokens.username, tokens.expires_in);
//! # Ok(())
//! # }
//! ```

// Hand-written, and copied into the generated crate by `cargo xtask codegen`: the mapping from
// the machine's requests to operations is knowledge a model does not hold.

use std::collections::HashMap;

pub use cognito_idp_runtime::signin::{
    Answer, AuthError, Authenticator, Challenge, Clock, EncodedDataProvider, Flow, MemoryStore,
    MfaKind, NewDevice, PromptError, Prompter, Question, Refresh, RememberDevice, Session,
    SessionError, SessionOptions, SignIn, SignInConfig, SignInError, SignOut, Step, StoreError,
    TokenStore, Tokens, Zeroizing,
};
use cognito_idp_runtime::signin::{
    AuthResult, AuthTransport, Context, Reply, Request, TransportFailure,
};
pub use cognito_idp_runtime::srp::{DeviceSecrets, SrpError};

use crate::Client;
use crate::error::SdkError;
use crate::types::{
    AuthenticationResultType, ChallengeNameType, DeviceRememberedStatusType,
    DeviceSecretVerifierConfigType, UserContextDataType, VerifySoftwareTokenResponseType,
};

impl Client {
    /// An [`Authenticator`] for one app client, sending through this client.
    pub fn authenticator(&self, config: SignInConfig) -> Authenticator<Client> {
        Authenticator::new(self.clone(), config)
    }
}

/// `ClientMetadata`, when there is any.
fn metadata(map: HashMap<String, String>) -> Option<HashMap<String, String>> {
    (!map.is_empty()).then_some(map)
}

/// `UserContextData`, when the configuration provides its encoded data.
fn user_context(context: &mut Context) -> Option<UserContextDataType> {
    let encoded = context.encoded_data.take()?;
    Some(UserContextDataType::builder().encoded_data(encoded).build())
}

/// The reply of any of the four sign-in operations, whose outputs have the same members.
macro_rules! auth_reply {
    ($output:expr) => {{
        let output = $output;
        auth_reply(
            output.challenge_name,
            output.challenge_parameters,
            output.session,
            output.available_challenges,
            output.authentication_result,
        )
    }};
}

impl AuthTransport for Client {
    async fn send(
        &self,
        pool_id: &str,
        client_id: &str,
        request: Request,
    ) -> Result<Reply, TransportFailure> {
        let operation = request.operation();
        match request {
            Request::InitiateAuth {
                admin: false,
                auth_flow,
                parameters,
                mut context,
                session,
            } => {
                let output = self
                    .initiate_auth()
                    .auth_flow(auth_flow)
                    .client_id(client_id)
                    .set_auth_parameters(Some(parameters))
                    .set_session(session)
                    .set_user_context_data(user_context(&mut context))
                    .set_client_metadata(metadata(context.client_metadata))
                    .send()
                    .await
                    .map_err(|e| failure(operation, e))?;
                Ok(auth_reply!(output))
            }
            Request::InitiateAuth {
                admin: true,
                auth_flow,
                parameters,
                context,
                ..
            } => {
                let output = self
                    .admin_initiate_auth()
                    .user_pool_id(pool_id)
                    .auth_flow(auth_flow)
                    .client_id(client_id)
                    .set_auth_parameters(Some(parameters))
                    .set_client_metadata(metadata(context.client_metadata))
                    .send()
                    .await
                    .map_err(|e| failure(operation, e))?;
                Ok(auth_reply!(output))
            }
            Request::RespondToAuthChallenge {
                admin: false,
                challenge_name,
                responses,
                session,
                mut context,
            } => {
                let output = self
                    .respond_to_auth_challenge()
                    .client_id(client_id)
                    .challenge_name(ChallengeNameType::from(challenge_name.as_str()))
                    .set_challenge_responses(Some(responses))
                    .set_session(session)
                    .set_user_context_data(user_context(&mut context))
                    .set_client_metadata(metadata(context.client_metadata))
                    .send()
                    .await
                    .map_err(|e| failure(operation, e))?;
                Ok(auth_reply!(output))
            }
            Request::RespondToAuthChallenge {
                admin: true,
                challenge_name,
                responses,
                session,
                context,
            } => {
                let output = self
                    .admin_respond_to_auth_challenge()
                    .user_pool_id(pool_id)
                    .client_id(client_id)
                    .challenge_name(ChallengeNameType::from(challenge_name.as_str()))
                    .set_challenge_responses(Some(responses))
                    .set_session(session)
                    .set_client_metadata(metadata(context.client_metadata))
                    .send()
                    .await
                    .map_err(|e| failure(operation, e))?;
                Ok(auth_reply!(output))
            }
            Request::GetTokensFromRefreshToken {
                refresh_token,
                client_secret,
                device_key,
                client_metadata,
            } => {
                let output = self
                    .get_tokens_from_refresh_token()
                    .refresh_token(refresh_token)
                    .client_id(client_id)
                    .set_client_secret(client_secret)
                    .set_device_key(device_key)
                    .set_client_metadata(metadata(client_metadata))
                    .send()
                    .await
                    .map_err(|e| failure(operation, e))?;
                Ok(auth_reply(
                    None,
                    None,
                    None,
                    None,
                    output.authentication_result,
                ))
            }
            Request::GlobalSignOut { access_token } => {
                self.global_sign_out()
                    .access_token(access_token)
                    .send()
                    .await
                    .map_err(|e| failure(operation, e))?;
                Ok(Reply::SignedOut)
            }
            Request::RevokeToken {
                refresh_token,
                client_secret,
            } => {
                self.revoke_token()
                    .token(refresh_token)
                    .client_id(client_id)
                    .set_client_secret(client_secret)
                    .send()
                    .await
                    .map_err(|e| failure(operation, e))?;
                Ok(Reply::SignedOut)
            }
            Request::AssociateSoftwareToken { session } => {
                let output = self
                    .associate_software_token()
                    .set_session(session)
                    .send()
                    .await
                    .map_err(|e| failure(operation, e))?;
                let secret_code = output
                    .secret_code
                    .ok_or_else(|| malformed(operation, "no SecretCode"))?;
                Ok(Reply::SoftwareTokenAssociated {
                    secret_code,
                    session: output.session,
                })
            }
            Request::VerifySoftwareToken {
                session,
                user_code,
                friendly_device_name,
            } => {
                let output = self
                    .verify_software_token()
                    .set_session(session)
                    .user_code(user_code)
                    .set_friendly_device_name(friendly_device_name)
                    .send()
                    .await
                    .map_err(|e| failure(operation, e))?;
                if output.status != Some(VerifySoftwareTokenResponseType::Success) {
                    return Err(malformed(operation, "the code was not accepted"));
                }
                Ok(Reply::SoftwareTokenVerified {
                    session: output.session,
                })
            }
            Request::ConfirmDevice {
                access_token,
                device_key,
                device_name,
                verifier,
            } => {
                let config = DeviceSecretVerifierConfigType::builder()
                    .password_verifier(verifier.password_verifier)
                    .salt(verifier.salt)
                    .build();
                let output = self
                    .confirm_device()
                    .access_token(access_token)
                    .device_key(device_key)
                    .device_name(device_name)
                    .device_secret_verifier_config(config)
                    .send()
                    .await
                    .map_err(|e| failure(operation, e))?;
                Ok(Reply::DeviceConfirmed {
                    user_confirmation_necessary: output.user_confirmation_necessary == Some(true),
                })
            }
            Request::RememberDevice {
                access_token,
                device_key,
            } => {
                self.update_device_status()
                    .access_token(access_token)
                    .device_key(device_key)
                    .device_remembered_status(DeviceRememberedStatusType::Remembered)
                    .send()
                    .await
                    .map_err(|e| failure(operation, e))?;
                Ok(Reply::DeviceRemembered)
            }
        }
    }
}

/// A challenge, or the tokens.
fn auth_reply(
    challenge: Option<ChallengeNameType>,
    parameters: Option<HashMap<String, String>>,
    session: Option<String>,
    available: Option<Vec<ChallengeNameType>>,
    result: Option<AuthenticationResultType>,
) -> Reply {
    match (challenge, result) {
        (Some(name), _) => Reply::Challenge {
            name: to_challenge(name),
            parameters: parameters.unwrap_or_default(),
            session,
            available: available
                .unwrap_or_default()
                .into_iter()
                .map(to_challenge)
                .collect(),
        },
        (None, result) => {
            let result = result.unwrap_or_else(|| AuthenticationResultType::builder().build());
            let new_device = result
                .new_device_metadata
                .and_then(|d| Some((d.device_key?, d.device_group_key?)));
            Reply::Authenticated(AuthResult {
                access_token: result.access_token,
                id_token: result.id_token,
                refresh_token: result.refresh_token,
                expires_in: result.expires_in,
                token_type: result.token_type,
                new_device,
            })
        }
    }
}

fn failure<E: std::error::Error + Send + Sync + 'static>(
    operation: &'static str,
    error: SdkError<E>,
) -> TransportFailure {
    let (status, code, message) = match error.meta() {
        Some(meta) => (meta.status, meta.code.clone(), meta.message.clone()),
        None => (None, None, None),
    };
    TransportFailure {
        operation,
        status,
        code,
        message,
        source: Box::new(error),
    }
}

fn malformed(operation: &'static str, what: &str) -> TransportFailure {
    TransportFailure {
        operation,
        status: None,
        code: None,
        message: None,
        source: what.to_owned().into(),
    }
}

/// The model's challenge names as the sign-in machine knows them: the one place the two meet.
fn to_challenge(name: ChallengeNameType) -> Challenge {
    match name {
        ChallengeNameType::PasswordVerifier => Challenge::PasswordVerifier,
        ChallengeNameType::DeviceSrpAuth => Challenge::DeviceSrpAuth,
        ChallengeNameType::DevicePasswordVerifier => Challenge::DevicePasswordVerifier,
        ChallengeNameType::NewPasswordRequired => Challenge::NewPasswordRequired,
        ChallengeNameType::SmsMfa => Challenge::SmsMfa,
        ChallengeNameType::SmsOtp => Challenge::SmsOtp,
        ChallengeNameType::SoftwareTokenMfa => Challenge::SoftwareTokenMfa,
        ChallengeNameType::EmailOtp => Challenge::EmailOtp,
        ChallengeNameType::SelectMfaType => Challenge::SelectMfaType,
        ChallengeNameType::MfaSetup => Challenge::MfaSetup,
        ChallengeNameType::CustomChallenge => Challenge::CustomChallenge,
        ChallengeNameType::SelectChallenge => Challenge::SelectChallenge,
        ChallengeNameType::WebAuthn => Challenge::WebAuthn,
        ChallengeNameType::Password => Challenge::Password,
        ChallengeNameType::PasswordSrp => Challenge::PasswordSrp,
        ChallengeNameType::AdminNoSrpAuth => Challenge::AdminNoSrpAuth,
        ChallengeNameType::Unknown(other) => Challenge::Other(other.as_str().to_owned()),
    }
}
