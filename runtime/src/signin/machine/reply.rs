//! What the machine makes of Cognito's replies: a challenge answered by itself where it can
//! (SRP verifiers, device challenges) or turned into a question, and tokens, with a new device
//! confirmed and remembered before they are handed over.

use std::collections::HashMap;
use std::time::SystemTime;

use zeroize::Zeroizing;

use super::{Expect, Pending, SignIn, State, Step};
use crate::signin::challenge::{Challenge, json_list, plausible_name};
use crate::signin::error::SignInError;
use crate::signin::message::{AuthResult, MfaKind, Question, Request, Tokens};
use crate::srp::{DeviceSecrets, SrpSession};

impl SignIn {
    /// Answers a challenge by itself where it can, else asks the user. `srp` is the handshake
    /// the last request started, for a verifier challenge.
    pub(super) fn challenge(
        &mut self,
        challenge: Challenge,
        parameters: HashMap<String, String>,
        session: Option<String>,
        available: Vec<Challenge>,
        srp: Option<SrpSession>,
        now: SystemTime,
    ) -> Result<Step, SignInError> {
        let bad = |parameter| SignInError::BadParameter {
            challenge: challenge.as_str().to_owned(),
            parameter,
        };
        for key in ["USERNAME", "USER_ID_FOR_SRP"] {
            if parameters
                .get(key)
                .is_some_and(|name| !plausible_name(name))
            {
                return Err(bad(key));
            }
        }
        if let Some(username) = parameters.get("USERNAME") {
            self.username = username.clone();
        }
        match &challenge {
            Challenge::PasswordVerifier => {
                let srp = self.handshake(srp, &challenge)?;
                let password = self
                    .password
                    .as_deref()
                    .ok_or_else(|| SignInError::NoPassword(challenge.clone()))?;
                let claim =
                    srp.password_verifier_at(&self.config.pool_id, &parameters, password, now)?;
                self.username = claim.username.clone();
                let responses = claim.into_challenge_responses();
                Ok(self.respond(challenge, responses, session))
            }
            Challenge::DeviceSrpAuth => {
                if self.config.device.is_none() {
                    return Err(SignInError::NoDevice(challenge));
                }
                let mut device_srp = None;
                let srp_a = self.new_srp(&mut device_srp)?;
                let mut responses = self.responses();
                responses.insert("SRP_A".to_owned(), srp_a);
                Ok(self.respond_with(challenge, responses, session, device_srp))
            }
            Challenge::DevicePasswordVerifier => {
                if self.config.device.is_none() {
                    return Err(SignInError::NoDevice(challenge));
                }
                let srp = self.handshake(srp, &challenge)?;
                let device = self.config.device.as_ref().expect("checked above");
                let claim = srp.device_password_verifier_at(device, &parameters, now)?;
                self.username = claim.username.clone();
                let responses = claim.into_challenge_responses();
                Ok(self.respond(challenge, responses, session))
            }
            Challenge::NewPasswordRequired => {
                let required = match parameters.get("requiredAttributes") {
                    Some(text) => json_list(text).ok_or_else(|| bad("requiredAttributes"))?,
                    None => Vec::new(),
                };
                let required: Vec<String> = required
                    .into_iter()
                    .map(|n| {
                        n.strip_prefix("userAttributes.")
                            .map(str::to_owned)
                            .unwrap_or(n)
                    })
                    .collect();
                let question = Question::NewPassword {
                    required_attributes: required.clone(),
                };
                Ok(self.ask(Pending::NewPassword(required), question, session))
            }
            Challenge::SmsMfa
            | Challenge::SmsOtp
            | Challenge::SoftwareTokenMfa
            | Challenge::EmailOtp => {
                let kind = match challenge {
                    Challenge::SoftwareTokenMfa => MfaKind::SoftwareToken,
                    Challenge::EmailOtp => MfaKind::Email,
                    _ => MfaKind::Sms,
                };
                let key = challenge.code_key().expect("a code challenge");
                let destination = parameters.get("CODE_DELIVERY_DESTINATION").cloned();
                Ok(self.ask(
                    Pending::Code { challenge, key },
                    Question::Code { kind, destination },
                    session,
                ))
            }
            Challenge::SelectMfaType => {
                let options = parameters
                    .get("MFAS_CAN_CHOOSE")
                    .and_then(|t| json_list(t))
                    .ok_or_else(|| bad("MFAS_CAN_CHOOSE"))?;
                Ok(self.ask(
                    Pending::SelectMfa(options.clone()),
                    Question::SelectMfa { options },
                    session,
                ))
            }
            Challenge::MfaSetup => {
                let options = parameters
                    .get("MFAS_CAN_SETUP")
                    .and_then(|t| json_list(t))
                    .ok_or_else(|| bad("MFAS_CAN_SETUP"))?;
                let offers = |kind: &str| options.iter().any(|o| o == kind);
                if offers("SOFTWARE_TOKEN_MFA") && offers("EMAIL_OTP") {
                    let options = vec!["SOFTWARE_TOKEN_MFA".to_owned(), "EMAIL_OTP".to_owned()];
                    Ok(self.ask(
                        Pending::SelectMfaSetup(options.clone()),
                        Question::SelectMfaSetup { options },
                        session,
                    ))
                } else if offers("SOFTWARE_TOKEN_MFA") {
                    Ok(self.send(
                        Expect::Associate,
                        Request::AssociateSoftwareToken { session },
                    ))
                } else if offers("EMAIL_OTP") {
                    Ok(self.ask(Pending::EmailForMfa, Question::EmailForMfa, session))
                } else if offers("SMS_MFA") {
                    Err(SignInError::PhoneNumberRequired)
                } else {
                    Err(SignInError::UnsupportedChallenge(format!(
                        "MFA_SETUP offering {options:?}"
                    )))
                }
            }
            Challenge::CustomChallenge => {
                let question = Question::Custom { parameters };
                Ok(self.ask(Pending::Custom, question, session))
            }
            Challenge::SelectChallenge => {
                let question = Question::SelectChallenge {
                    available: available.iter().map(|c| c.as_str().to_owned()).collect(),
                };
                Ok(self.ask(Pending::SelectChallenge(available), question, session))
            }
            Challenge::WebAuthn => {
                let options = parameters
                    .get("CREDENTIAL_REQUEST_OPTIONS")
                    .filter(|o| serde_json::from_str::<serde_json::Value>(o).is_ok())
                    .ok_or_else(|| bad("CREDENTIAL_REQUEST_OPTIONS"))?;
                let question = Question::WebAuthn {
                    credential_request_options: options.clone(),
                };
                Ok(self.ask(Pending::WebAuthn, question, session))
            }
            // Offered inside SELECT_CHALLENGE, or the admin flows' own: never asked for.
            Challenge::Password | Challenge::PasswordSrp | Challenge::AdminNoSrpAuth => {
                Err(SignInError::UnknownChallenge(challenge.as_str().to_owned()))
            }
            Challenge::Other(name) => Err(SignInError::UnknownChallenge(name.clone())),
        }
    }

    /// The SRP handshake a verifier `challenge` answers: the one the last request started, or
    /// why there is none.
    pub(super) fn handshake(
        &self,
        srp: Option<SrpSession>,
        challenge: &Challenge,
    ) -> Result<SrpSession, SignInError> {
        srp.ok_or_else(|| match self.srp_started {
            true => SignInError::RepeatedChallenge(challenge.clone()),
            false => SignInError::NoHandshake(challenge.clone()),
        })
    }

    /// Tokens: done, unless Cognito issued a device to remember first.
    pub(super) fn authenticated(
        &mut self,
        mut result: AuthResult,
        now: SystemTime,
    ) -> Result<Step, SignInError> {
        let access_token = result
            .access_token
            .take()
            .ok_or(SignInError::NoAccessToken)?;
        let tokens = [
            Some(&access_token),
            result.id_token.as_ref(),
            result.refresh_token.as_ref(),
        ];
        if tokens
            .into_iter()
            .flatten()
            .any(|token| token.trim().is_empty())
        {
            return Err(SignInError::EmptyToken);
        }
        if let Some(seconds) = result.expires_in.filter(|seconds| *seconds <= 0) {
            return Err(SignInError::NonPositiveLifetime(seconds));
        }
        let new_device = result.new_device.clone();
        let mut tokens = Tokens::from_result(access_token, result, self.username.clone(), now);
        tokens.device = self.config.device.clone();
        let Some((device_key, device_group_key)) = new_device else {
            self.state = State::Ended;
            return Ok(Step::Done(tokens));
        };
        let mut password = Zeroizing::new([0u8; 40]);
        let mut salt = [0u8; 16];
        (self.random)(password.as_mut_slice())?;
        (self.random)(&mut salt)?;
        let (secrets, verifier) =
            DeviceSecrets::generate_from(&device_key, &device_group_key, &password, &salt);
        tokens.device = Some(secrets);
        let request = Request::ConfirmDevice {
            access_token: tokens.access_token.to_string(),
            device_key,
            device_name: self.config.device_name.clone(),
            verifier,
        };
        Ok(self.send(Expect::Confirm(Box::new(tokens)), request))
    }

    /// `UpdateDeviceStatus` to remembered for the new device of `tokens`.
    pub(super) fn remember(&mut self, tokens: Box<Tokens>) -> Step {
        let device_key = tokens
            .device
            .as_ref()
            .map(|d| d.device_key.clone())
            .unwrap_or_default();
        let request = Request::RememberDevice {
            access_token: tokens.access_token.to_string(),
            device_key,
        };
        self.send(Expect::Remember(tokens), request)
    }
}
