//! The sign-in state machine: its states, the requests it sends and what it does with the
//! user's answers; `reply` is what it makes of Cognito's replies.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use zeroize::Zeroizing;

use super::challenge::Challenge;
use super::config::{Flow, RememberDevice, SignInConfig};
use super::error::SignInError;
use super::message::{Answer, Context, NewDevice, Question, Reply, Request, Tokens};
use crate::redact::Redacted;
use crate::srp::{DeviceSecrets, SrpError, SrpSession, secret_hash};

mod reply;

/// Replies accepted before giving up; real sign-ins take at most about eight.
const MAX_STEPS: usize = 24;

/// Fills a buffer with secret random bytes: the operating system's CSPRNG, or a test's replay.
pub type Random = Arc<dyn Fn(&mut [u8]) -> Result<(), SrpError> + Send + Sync>;

fn os_random(bytes: &mut [u8]) -> Result<(), SrpError> {
    getrandom::fill(bytes).map_err(|_| SrpError::Randomness)
}

/// What to do next.
#[derive(Debug)]
#[non_exhaustive]
pub enum Step {
    /// Send this request and feed its reply to [`SignIn::receive`].
    Send(Request),
    /// Ask the user and feed the answer to [`SignIn::answer`].
    Ask(Question),
    /// Signed in.
    Done(Tokens),
}

/// One sign-in, from the first request to the tokens. See the [module](super) docs.
pub struct SignIn {
    config: SignInConfig,
    flow: Flow,
    /// The name as typed, which a fresh start sends again.
    typed_username: String,
    /// The `USERNAME` of the next request: typed at first, then as the challenges name the user.
    username: String,
    /// Kept for the whole sign-in: a challenge chosen late, or a restart without a forgotten
    /// device, needs it again.
    password: Option<Zeroizing<String>>,
    state: State,
    replies: usize,
    /// Whether an SRP handshake (the user's, or the device's) was started: a verifier
    /// challenge without one is either out of turn or repeated.
    srp_started: bool,
    random: Random,
}

/// Where the conversation is.
enum State {
    Start,
    /// Waiting for the reply to a request of this kind.
    Waiting(Expect),
    /// Waiting for the user; `session` goes with the response.
    Asking {
        pending: Pending,
        session: Option<String>,
    },
    Ended,
}

enum Expect {
    /// A challenge or tokens; with the SRP handshake the request started, whose verifier
    /// challenge the reply will be.
    Auth(Option<SrpSession>),
    Associate,
    Verify,
    /// The tokens, held back while their new device is confirmed.
    Confirm(Box<Tokens>),
    /// The tokens, held back while their new device is remembered.
    Remember(Box<Tokens>),
}

/// The question asked, with what answering it needs.
enum Pending {
    /// The password, before the first request.
    PasswordToStart,
    /// The password, for a challenge chosen in `SELECT_CHALLENGE`.
    PasswordForChoice(Challenge),
    NewPassword(Vec<String>),
    /// A code for this challenge, sent under `key`.
    Code {
        challenge: Challenge,
        key: &'static str,
    },
    SelectMfa(Vec<String>),
    /// Which second factor to set up, of these.
    SelectMfaSetup(Vec<String>),
    SoftwareTokenSetup,
    Custom,
    SelectChallenge(Vec<Challenge>),
    /// Whether to remember the new device of these tokens.
    RememberDevice(Box<Tokens>),
    WebAuthn,
    EmailForMfa,
}

impl SignIn {
    /// A sign-in of `username` by `flow`. The password may come later, as an answer.
    pub fn new(
        config: SignInConfig,
        flow: Flow,
        username: impl Into<String>,
        password: Option<Zeroizing<String>>,
    ) -> Self {
        let username = username.into();
        SignIn {
            config,
            flow,
            typed_username: username.clone(),
            username,
            password,
            state: State::Start,
            replies: 0,
            srp_started: false,
            random: Arc::new(os_random),
        }
    }

    /// Draws secret randomness (SRP's `a`, a new device's password and salt) from `random`
    /// instead of the operating system: with the reply times given to
    /// [`receive_at`](Self::receive_at), a sign-in then replays exactly.
    pub fn with_random(
        mut self,
        random: impl Fn(&mut [u8]) -> Result<(), SrpError> + Send + Sync + 'static,
    ) -> Self {
        self.random = Arc::new(random);
        self
    }

    /// The remembered device, if one is (still) in use.
    pub fn device(&self) -> Option<&DeviceSecrets> {
        self.config.device.as_ref()
    }

    /// The first step: the `InitiateAuth` request, or a question for the password.
    pub fn start(&mut self) -> Result<Step, SignInError> {
        if !matches!(self.state, State::Start) {
            return Err(SignInError::Finished);
        }
        if self.flow.needs_password() && self.password.is_none() {
            return Ok(self.ask(Pending::PasswordToStart, Question::Password, None));
        }
        if let Flow::GetTokensFromRefreshToken { refresh_token } = &self.flow {
            let request = Request::GetTokensFromRefreshToken {
                refresh_token: refresh_token.to_string(),
                client_secret: self.config.client_secret.as_ref().map(|s| s.to_string()),
                device_key: self.config.device.as_ref().map(|d| d.device_key.clone()),
                client_metadata: self.config.client_metadata.clone(),
            };
            return Ok(self.send(Expect::Auth(None), request));
        }
        let auth_flow = self.flow.auth_flow().unwrap_or("GetTokensFromRefreshToken");
        let admin = self.flow.admin();
        let mut parameters = HashMap::new();
        let mut srp = None;
        if !matches!(self.flow, Flow::RefreshToken { .. }) {
            parameters.insert("USERNAME".to_owned(), self.username.clone());
        }
        match &self.flow {
            Flow::UserSrp => {
                parameters.insert("SRP_A".to_owned(), self.new_srp(&mut srp)?);
            }
            Flow::UserPassword | Flow::AdminUserPassword => {
                parameters.insert("PASSWORD".to_owned(), self.password_text().to_owned());
            }
            Flow::RefreshToken { refresh_token } => {
                parameters.insert("REFRESH_TOKEN".to_owned(), refresh_token.to_string());
            }
            Flow::GetTokensFromRefreshToken { .. } => unreachable!("sent above"),
            Flow::CustomAuth { srp: true } => {
                parameters.insert("CHALLENGE_NAME".to_owned(), "SRP_A".to_owned());
                parameters.insert("SRP_A".to_owned(), self.new_srp(&mut srp)?);
            }
            Flow::CustomAuth { srp: false } | Flow::AfterSignUp { .. } => {}
            Flow::UserAuth { preferred } => {
                if let Some(preferred) = preferred.clone() {
                    match preferred {
                        Challenge::Password => {
                            parameters
                                .insert("PASSWORD".to_owned(), self.password_text().to_owned());
                        }
                        Challenge::PasswordSrp => {
                            parameters.insert("SRP_A".to_owned(), self.new_srp(&mut srp)?);
                        }
                        _ => {}
                    }
                    parameters.insert(
                        "PREFERRED_CHALLENGE".to_owned(),
                        preferred.as_str().to_owned(),
                    );
                }
            }
        }
        let context = self.context(admin);
        let session = match &self.flow {
            Flow::AfterSignUp { session } => Some(session.to_string()),
            _ => None,
        };
        Ok(self.send(
            Expect::Auth(srp),
            Request::InitiateAuth {
                admin,
                auth_flow,
                parameters,
                context,
                session,
            },
        ))
    }

    /// Feeds the reply to the last [`Step::Send`], received now.
    pub fn receive(&mut self, reply: Reply) -> Result<Step, SignInError> {
        self.receive_at(reply, SystemTime::now())
    }

    /// Feeds the reply to the last [`Step::Send`], received at `now` (which dates the tokens'
    /// expiry when they do not state it).
    pub fn receive_at(&mut self, reply: Reply, now: SystemTime) -> Result<Step, SignInError> {
        let State::Waiting(expect) = std::mem::replace(&mut self.state, State::Ended) else {
            return Err(SignInError::Finished);
        };
        self.replies += 1;
        if self.replies > MAX_STEPS {
            return Err(SignInError::TooManySteps(MAX_STEPS));
        }
        match (expect, reply) {
            (
                Expect::Auth(srp),
                Reply::Challenge {
                    name,
                    parameters,
                    session,
                    available,
                },
            ) => self.challenge(name, parameters, session, available, srp, now),
            (Expect::Auth(_), Reply::Authenticated(result)) => self.authenticated(result, now),
            (
                Expect::Associate,
                Reply::SoftwareTokenAssociated {
                    secret_code,
                    session,
                },
            ) => {
                let question = Question::SetUpSoftwareToken {
                    secret_code: Zeroizing::new(secret_code),
                };
                Ok(self.ask(Pending::SoftwareTokenSetup, question, session))
            }
            (Expect::Verify, Reply::SoftwareTokenVerified { session }) => {
                Ok(self.respond(Challenge::MfaSetup, self.responses(), session))
            }
            (
                Expect::Confirm(mut tokens),
                Reply::DeviceConfirmed {
                    user_confirmation_necessary,
                },
            ) => {
                if !user_confirmation_necessary {
                    tokens.new_device = Some(NewDevice::Remembered);
                    return Ok(Step::Done(*tokens));
                }
                match self.config.remember_device {
                    RememberDevice::Always => Ok(self.remember(tokens)),
                    RememberDevice::Never => {
                        tokens.new_device = Some(NewDevice::NotRemembered);
                        Ok(Step::Done(*tokens))
                    }
                    RememberDevice::Ask => Ok(self.ask(
                        Pending::RememberDevice(tokens),
                        Question::RememberDevice,
                        None,
                    )),
                }
            }
            (Expect::Remember(mut tokens), Reply::DeviceRemembered) => {
                tokens.new_device = Some(NewDevice::Remembered);
                Ok(Step::Done(*tokens))
            }
            (expect, _) => Err(SignInError::ReplyMismatch {
                expected: match expect {
                    Expect::Auth(_) => "a challenge or tokens",
                    Expect::Associate => "AssociateSoftwareToken's secret",
                    Expect::Verify => "VerifySoftwareToken's result",
                    Expect::Confirm(_) => "ConfirmDevice's result",
                    Expect::Remember(_) => "UpdateDeviceStatus's result",
                },
            }),
        }
    }

    /// Feeds the user's answer to the last [`Step::Ask`].
    pub fn answer(&mut self, answer: Answer) -> Result<Step, SignInError> {
        let State::Asking { pending, session } = std::mem::replace(&mut self.state, State::Ended)
        else {
            return Err(SignInError::Finished);
        };
        match (pending, answer) {
            (Pending::PasswordToStart, Answer::Password(password)) => {
                self.password = Some(password);
                self.state = State::Start;
                self.start()
            }
            (Pending::PasswordForChoice(choice), Answer::Password(password)) => {
                self.password = Some(password);
                self.choose_challenge(choice, session)
            }
            (
                Pending::NewPassword(required),
                Answer::NewPassword {
                    password,
                    attributes,
                },
            ) => {
                if let Some(missing) = required.iter().find(|name| !attributes.contains_key(*name))
                {
                    return Err(SignInError::MissingAttribute(missing.clone()));
                }
                let mut responses = self.responses();
                responses.insert("NEW_PASSWORD".to_owned(), password.to_string());
                for (name, value) in attributes {
                    responses.insert(format!("userAttributes.{name}"), value);
                }
                self.password = Some(password);
                Ok(self.respond(Challenge::NewPasswordRequired, responses, session))
            }
            (Pending::Code { challenge, key }, Answer::Code(code)) => {
                let mut responses = self.responses();
                responses.insert(key.to_owned(), code.to_string());
                Ok(self.respond(challenge, responses, session))
            }
            (Pending::SelectMfa(options), Answer::Choice(choice)) => {
                if !options.contains(&choice) {
                    return Err(SignInError::WrongAnswer {
                        expected: "one of the offered MFA types",
                    });
                }
                let mut responses = self.responses();
                responses.insert("ANSWER".to_owned(), choice);
                Ok(self.respond(Challenge::SelectMfaType, responses, session))
            }
            (Pending::SelectMfaSetup(options), Answer::Choice(choice)) => match choice.as_str() {
                _ if !options.contains(&choice) => Err(SignInError::WrongAnswer {
                    expected: "one of the offered MFA types",
                }),
                "SOFTWARE_TOKEN_MFA" => Ok(self.send(
                    Expect::Associate,
                    Request::AssociateSoftwareToken { session },
                )),
                _ => Ok(self.ask(Pending::EmailForMfa, Question::EmailForMfa, session)),
            },
            (
                Pending::SoftwareTokenSetup,
                Answer::SoftwareToken {
                    code,
                    friendly_device_name,
                },
            ) => {
                let request = Request::VerifySoftwareToken {
                    session,
                    user_code: code.to_string(),
                    friendly_device_name,
                };
                Ok(self.send(Expect::Verify, request))
            }
            (Pending::Custom, Answer::Custom(answers)) => {
                let mut responses = self.responses();
                responses.extend(answers);
                Ok(self.respond(Challenge::CustomChallenge, responses, session))
            }
            (Pending::SelectChallenge(available), Answer::Choice(choice)) => {
                let choice = Challenge::from(choice);
                if !available.contains(&choice) {
                    return Err(SignInError::WrongAnswer {
                        expected: "one of the available challenges",
                    });
                }
                self.choose_challenge(choice, session)
            }
            (Pending::RememberDevice(tokens), Answer::RememberDevice(true)) => {
                Ok(self.remember(tokens))
            }
            (Pending::RememberDevice(mut tokens), Answer::RememberDevice(false)) => {
                tokens.new_device = Some(NewDevice::NotRemembered);
                Ok(Step::Done(*tokens))
            }
            (Pending::WebAuthn, Answer::WebAuthn { credential }) => {
                let mut responses = self.responses();
                responses.insert("CREDENTIAL".to_owned(), credential.to_string());
                Ok(self.respond(Challenge::WebAuthn, responses, session))
            }
            (Pending::EmailForMfa, Answer::Email(address)) => {
                let mut responses = self.responses();
                responses.insert("EMAIL".to_owned(), address);
                Ok(self.respond(Challenge::MfaSetup, responses, session))
            }
            (pending, _) => Err(SignInError::WrongAnswer {
                expected: match pending {
                    Pending::PasswordToStart | Pending::PasswordForChoice(_) => "Answer::Password",
                    Pending::NewPassword(_) => "Answer::NewPassword",
                    Pending::Code { .. } => "Answer::Code",
                    Pending::SelectMfa(_)
                    | Pending::SelectMfaSetup(_)
                    | Pending::SelectChallenge(_) => "Answer::Choice",
                    Pending::SoftwareTokenSetup => "Answer::SoftwareToken",
                    Pending::Custom => "Answer::Custom",
                    Pending::RememberDevice(_) => "Answer::RememberDevice",
                    Pending::WebAuthn => "Answer::WebAuthn",
                    Pending::EmailForMfa => "Answer::Email",
                },
            }),
        }
    }

    /// Called when the last request failed. A failure to confirm or remember a new device is not
    /// the sign-in's: it ends with the tokens, saying what failed ([`NewDevice::Failed`]). A
    /// service error saying the remembered device is unknown drops the device and starts over
    /// without it. Either way the returned step goes on; `None`: the failure ends the sign-in.
    pub fn failed(
        &mut self,
        operation: &'static str,
        code: &str,
        message: Option<&str>,
    ) -> Result<Option<Step>, SignInError> {
        let reason = || match message {
            Some(message) => format!("{code}: {message}"),
            None => code.to_owned(),
        };
        match std::mem::replace(&mut self.state, State::Ended) {
            State::Waiting(Expect::Confirm(mut tokens)) => {
                // Never confirmed: its secrets are of no use.
                tokens.device = self.config.device.clone();
                tokens.new_device = Some(NewDevice::Failed {
                    operation,
                    reason: reason(),
                });
                return Ok(Some(Step::Done(*tokens)));
            }
            State::Waiting(Expect::Remember(mut tokens)) => {
                tokens.new_device = Some(NewDevice::Failed {
                    operation,
                    reason: reason(),
                });
                return Ok(Some(Step::Done(*tokens)));
            }
            _ => {}
        }
        let about_device = message.is_some_and(|m| m.to_ascii_lowercase().contains("device"));
        if self.config.device.is_none() || code != "ResourceNotFoundException" || !about_device {
            self.state = State::Ended;
            return Ok(None);
        }
        self.config.device = None;
        self.username = self.typed_username.clone();
        self.state = State::Start;
        self.start().map(Some)
    }

    /// The answer to `SELECT_CHALLENGE`.
    fn choose_challenge(
        &mut self,
        choice: Challenge,
        session: Option<String>,
    ) -> Result<Step, SignInError> {
        let mut responses = self.responses();
        let mut srp = None;
        match choice {
            Challenge::Password | Challenge::PasswordSrp if self.password.is_none() => {
                return Ok(self.ask(
                    Pending::PasswordForChoice(choice),
                    Question::Password,
                    session,
                ));
            }
            Challenge::Password => {
                responses.insert("PASSWORD".to_owned(), self.password_text().to_owned());
            }
            Challenge::PasswordSrp => {
                responses.insert("SRP_A".to_owned(), self.new_srp(&mut srp)?);
            }
            Challenge::EmailOtp | Challenge::SmsOtp | Challenge::WebAuthn => {}
            other => return Err(SignInError::UnsupportedChallenge(other.as_str().to_owned())),
        }
        responses.insert("ANSWER".to_owned(), choice.as_str().to_owned());
        Ok(self.respond_with(Challenge::SelectChallenge, responses, session, srp))
    }

    /// The configured metadata and context data of a sign-in request.
    fn context(&self, admin: bool) -> Context {
        let encoded_data = match (&self.config.encoded_data, admin) {
            (Some(provider), false) => provider(&self.username),
            _ => None,
        };
        Context {
            client_metadata: self.config.client_metadata.clone(),
            encoded_data,
        }
    }

    /// Every request leaves through here, which adds what the configuration asks of each:
    /// `SECRET_HASH` (an app client with a secret) on every sign-in request, over its
    /// `USERNAME` (or the user's name, for a refresh), and `DEVICE_KEY` (a remembered device)
    /// on the first request and on the responses that name the device.
    fn send(&mut self, expect: Expect, mut request: Request) -> Step {
        let (parameters, names_device) = match &mut request {
            Request::InitiateAuth { parameters, .. } => (parameters, true),
            Request::RespondToAuthChallenge {
                challenge_name,
                responses,
                ..
            } => (responses, challenge_name.names_device()),
            _ => {
                self.state = State::Waiting(expect);
                return Step::Send(request);
            }
        };
        if let Some(device) = self.config.device.as_ref().filter(|_| names_device) {
            parameters.insert("DEVICE_KEY".to_owned(), device.device_key.clone());
        }
        if let Some(secret) = &self.config.client_secret {
            let username = parameters.get("USERNAME").unwrap_or(&self.username);
            let hash = secret_hash(username, &self.config.client_id, secret);
            parameters.insert("SECRET_HASH".to_owned(), hash);
        }
        self.state = State::Waiting(expect);
        Step::Send(request)
    }

    fn respond(
        &mut self,
        challenge: Challenge,
        responses: HashMap<String, String>,
        session: Option<String>,
    ) -> Step {
        self.respond_with(challenge, responses, session, None)
    }

    /// [`respond`](Self::respond), with the SRP handshake the responses start.
    fn respond_with(
        &mut self,
        challenge: Challenge,
        responses: HashMap<String, String>,
        session: Option<String>,
        srp: Option<SrpSession>,
    ) -> Step {
        let admin = self.flow.admin();
        let context = self.context(admin);
        self.send(
            Expect::Auth(srp),
            Request::RespondToAuthChallenge {
                admin,
                challenge_name: challenge,
                responses,
                session,
                context,
            },
        )
    }

    fn ask(&mut self, pending: Pending, question: Question, session: Option<String>) -> Step {
        self.state = State::Asking { pending, session };
        Step::Ask(question)
    }

    /// Responses start with the current `USERNAME`.
    fn responses(&self) -> HashMap<String, String> {
        HashMap::from([("USERNAME".to_owned(), self.username.clone())])
    }

    /// A new SRP handshake, into `slot`: its `SRP_A`.
    fn new_srp(&mut self, slot: &mut Option<SrpSession>) -> Result<String, SignInError> {
        let mut a = Zeroizing::new([0u8; 128]);
        (self.random)(a.as_mut_slice())?;
        let srp = SrpSession::with_private_ephemeral(a.as_slice())?;
        let srp_a = srp.srp_a();
        *slot = Some(srp);
        self.srp_started = true;
        Ok(srp_a)
    }

    fn password_text(&self) -> &str {
        self.password
            .as_deref()
            .map(String::as_str)
            .unwrap_or_default()
    }
}

impl fmt::Debug for SignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            State::Start => "start",
            State::Waiting(_) => "waiting for a reply",
            State::Asking { .. } => "waiting for an answer",
            State::Ended => "ended",
        };
        f.debug_struct("SignIn")
            .field("flow", &self.flow)
            .field("username", &self.username)
            .field("password", &Redacted::option(&self.password))
            .field("state", &state)
            .field("replies", &self.replies)
            .finish_non_exhaustive()
    }
}
