//! A scripted Cognito: one user pool with one app client, playing the parts moto does not
//! (SRP proofs really checked, devices, choice-based sign-in, passkeys, e-mail MFA setup,
//! `GetTokensFromRefreshToken` and refresh-token rotation), checking what Cognito checks:
//! `SECRET_HASH` over the right name at every step, the client secret, the refresh token that is
//! valid now. Faults are injected on demand: failed or throttled refreshes, a rate limit, a
//! reply held back after the work is done.
//!
//! Every request is logged as `InitiateAuth <flow>`, `Respond <challenge>` or its operation.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use cognito_idp_runtime::signin::{AuthResult, AuthTransport, Reply, Request, TransportFailure};
use cognito_idp_runtime::srp::secret_hash;
use num_bigint::BigUint;

use crate::clock::TestClock;
use crate::srp_server::{Server, number};

pub const POOL_ID: &str = "us-east-1_PeerPool";
pub const POOL_NAME: &str = "PeerPool";
pub const CLIENT_ID: &str = "peer-client";

/// What `ConfirmDevice` answers for a device the peer issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// Remembered at once (`UserConfirmationNecessary` false).
    Remembered,
    /// The user decides (`UserConfirmationNecessary` true).
    AskUser,
    /// Refused with this code.
    Fails(&'static str),
}

/// A failure a refresh meets instead of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `TooManyRequestsException`.
    Throttled,
    /// `InternalErrorException`, HTTP 500.
    ServerError,
    /// No answer at all (a connection that failed, a timeout).
    NoAnswer,
}

/// A user of the pool: the name they type, the name Cognito knows them by, the password.
#[derive(Debug)]
struct User {
    typed: String,
    id: String,
    password: String,
    salt: BigUint,
    verifier: BigUint,
}

/// A handshake in progress.
#[derive(Debug)]
struct Handshake {
    srp_a: String,
    b: BigUint,
    verifier: BigUint,
    secret_block: Vec<u8>,
}

/// A Cognito user pool, scripted. Configure it, then [`share`](Peer::share) it.
#[derive(Debug)]
pub struct Peer {
    pub clock: TestClock,
    server: Server,
    users: Vec<User>,
    client_secret: Option<String>,
    /// `REFRESH_TOKEN_AUTH` disabled and refresh tokens rotated by `GetTokensFromRefreshToken`.
    rotation: bool,
    /// Answers `GetTokensFromRefreshToken` as emulators that lack it do: a 500 without a code.
    without_get_tokens: bool,
    /// Refuses every refresh token at `GetTokensFromRefreshToken` that `REFRESH_TOKEN_AUTH`
    /// takes, as has been reported for the tokens of admin sign-in flows.
    get_tokens_refuses: bool,
    /// Sign-ins issue a device, confirmed as this says.
    issue_devices: Option<Confirm>,
    /// After the password, e-mail MFA must be set up at this address with this code.
    email_setup: Option<(String, String)>,
    /// A passkey: the credential request options sent, and the credential expected back.
    passkey: Option<(String, String)>,
    /// How long every refresh takes.
    pub refresh_delay: Duration,
    /// Tokens' lifetime, in seconds.
    pub lifetime: u64,
    state: Mutex<State>,
    /// While set, refresh replies wait for it after the work is done.
    gate: Mutex<Option<tokio::sync::watch::Receiver<bool>>>,
}

#[derive(Debug, Default)]
struct State {
    handshake: Option<Handshake>,
    /// Device key -> (group key, salt, verifier).
    devices: HashMap<String, (String, BigUint, BigUint)>,
    remembered: Vec<String>,
    /// Refresh token -> the user id it is for; rotated and revoked ones are gone.
    refresh_tokens: HashMap<String, String>,
    issued: u64,
    log: Vec<String>,
    faults: VecDeque<Fault>,
    /// Refreshes allowed per clock second, and those seen in the current second.
    rate: Option<(u64, u64, u64)>,
    refreshes: u64,
    throttled: u64,
}

fn refuse(operation: &'static str, code: &str, message: &str) -> TransportFailure {
    TransportFailure {
        operation,
        status: Some(400),
        code: Some(code.into()),
        message: Some(message.into()),
        source: message.to_owned().into(),
    }
}

fn random_number(bytes: usize) -> BigUint {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).unwrap();
    buffer[0] |= 1;
    BigUint::from_bytes_be(&buffer)
}

/// An unsigned JWT with these claims: clients only read them.
pub fn jwt(claims: serde_json::Value) -> String {
    let part = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.c2ln",
        part(serde_json::json!({"alg": "RS256", "kid": "peer"})),
        part(claims)
    )
}

/// The claims of an unsigned JWT the peer issued.
pub fn claims(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}

impl Default for Peer {
    fn default() -> Self {
        Peer::new()
    }
}

impl Peer {
    pub fn new() -> Peer {
        Peer {
            clock: TestClock::at(1_700_000_000),
            server: Server::new(),
            users: Vec::new(),
            client_secret: None,
            rotation: false,
            without_get_tokens: false,
            get_tokens_refuses: false,
            issue_devices: None,
            email_setup: None,
            passkey: None,
            refresh_delay: Duration::ZERO,
            lifetime: 3600,
            state: Mutex::default(),
            gate: Mutex::new(None),
        }
    }

    /// Adds a user who types `typed`, is known as `id`, and signs in with `password`.
    pub fn user(mut self, typed: &str, id: &str, password: &str) -> Peer {
        let salt = random_number(16);
        let verifier = self.server.verifier(&salt, POOL_NAME, id, password);
        self.users.push(User {
            typed: typed.into(),
            id: id.into(),
            password: password.into(),
            salt,
            verifier,
        });
        self
    }

    pub fn client_secret(mut self, secret: &str) -> Peer {
        self.client_secret = Some(secret.into());
        self
    }

    pub fn rotation(mut self) -> Peer {
        self.rotation = true;
        self
    }

    pub fn without_get_tokens(mut self) -> Peer {
        self.without_get_tokens = true;
        self
    }

    pub fn get_tokens_refuses(mut self) -> Peer {
        self.get_tokens_refuses = true;
        self
    }

    pub fn issue_devices(mut self, confirm: Confirm) -> Peer {
        self.issue_devices = Some(confirm);
        self
    }

    pub fn email_setup(mut self, address: &str, code: &str) -> Peer {
        self.email_setup = Some((address.into(), code.into()));
        self
    }

    pub fn passkey(mut self, options: &str, credential: &str) -> Peer {
        self.passkey = Some((options.into(), credential.into()));
        self
    }

    pub fn clock(mut self, clock: &TestClock) -> Peer {
        self.clock = clock.clone();
        self
    }

    pub fn share(self) -> Arc<Peer> {
        Arc::new(self)
    }

    /// The requests seen since the last call.
    pub fn log(&self) -> Vec<String> {
        std::mem::take(&mut self.state().log)
    }

    /// The next `times` refreshes meet `fault`.
    pub fn fail_refreshes(&self, fault: Fault, times: usize) {
        self.state()
            .faults
            .extend(std::iter::repeat_n(fault, times));
    }

    /// Ends the injected faults still queued.
    pub fn end_faults(&self) {
        self.state().faults.clear();
    }

    /// At most `per_second` refreshes a clock second; the rest are throttled.
    pub fn limit_refreshes(&self, per_second: u64) {
        self.state().rate = Some((per_second, self.clock.seconds(), 0));
    }

    /// Refreshes received, and how many of them were throttled by the rate limit.
    pub fn refresh_counts(&self) -> (u64, u64) {
        let state = self.state();
        (state.refreshes, state.throttled)
    }

    /// Holds refresh replies back, after the work (a rotation) is done, until the returned
    /// sender says `true`.
    pub fn hold_refreshes(&self) -> tokio::sync::watch::Sender<bool> {
        let (release, gate) = tokio::sync::watch::channel(false);
        *self.gate.lock().unwrap() = Some(gate);
        release
    }

    /// Revokes every refresh token of the pool.
    pub fn revoke_all(&self) {
        self.state().refresh_tokens.clear();
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    fn user_by_name(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.typed == name || u.id == name)
    }

    fn check_secret_hash(
        &self,
        operation: &'static str,
        username: &str,
        parameters: &HashMap<String, String>,
    ) -> Result<(), TransportFailure> {
        let Some(secret) = &self.client_secret else {
            return Ok(());
        };
        if parameters.get("SECRET_HASH") != Some(&secret_hash(username, CLIENT_ID, secret)) {
            return Err(refuse(
                operation,
                "NotAuthorizedException",
                &format!("Unable to verify secret hash for client {CLIENT_ID}"),
            ));
        }
        Ok(())
    }

    fn challenge(name: &str, parameters: HashMap<String, String>, session: &str) -> Reply {
        Reply::Challenge {
            name: name.into(),
            parameters,
            session: Some(session.into()),
            available: Vec::new(),
        }
    }

    /// Tokens for `user`: a new refresh token when `refresh`, and a device when the pool issues
    /// them and `device` allows.
    fn tokens(&self, state: &mut State, user: &str, refresh: bool, device: bool) -> Reply {
        state.issued += 1;
        let n = state.issued;
        let exp = self.clock.seconds() + self.lifetime;
        let claims = |token_use: &str| {
            serde_json::json!({
                "username": user, "cognito:username": user, "sub": user,
                "token_use": token_use, "client_id": CLIENT_ID, "exp": exp, "n": n,
            })
        };
        let refresh_token = refresh.then(|| {
            let token = format!("refresh-{n}");
            state.refresh_tokens.insert(token.clone(), user.to_owned());
            token
        });
        let new_device = (device && self.issue_devices.is_some())
            .then(|| (format!("us-east-1_device-{n}"), "group-1".to_owned()));
        Reply::Authenticated(AuthResult {
            access_token: Some(jwt(claims("access"))),
            id_token: Some(jwt(claims("id"))),
            refresh_token,
            expires_in: Some(self.lifetime as i32),
            token_type: Some("Bearer".into()),
            new_device,
        })
    }

    /// `PASSWORD_VERIFIER` for `user`, with a fresh `b`.
    fn password_verifier(&self, state: &mut State, user: &User, srp_a: &str) -> Reply {
        let b = random_number(32);
        let secret_block = random_number(48).to_bytes_be();
        let parameters = HashMap::from([
            ("USER_ID_FOR_SRP".to_owned(), user.id.clone()),
            ("USERNAME".to_owned(), user.id.clone()),
            ("SALT".to_owned(), user.salt.to_str_radix(16)),
            (
                "SRP_B".to_owned(),
                self.server.public(&user.verifier, &b).to_str_radix(16),
            ),
            ("SECRET_BLOCK".to_owned(), STANDARD.encode(&secret_block)),
        ]);
        state.handshake = Some(Handshake {
            srp_a: srp_a.to_owned(),
            b,
            verifier: user.verifier.clone(),
            secret_block,
        });
        Peer::challenge("PASSWORD_VERIFIER", parameters, "session-pv")
    }

    /// Checks a proof against the handshake in progress, as Cognito does.
    fn verify(
        &self,
        state: &mut State,
        realm: &str,
        user: &str,
        responses: &HashMap<String, String>,
    ) -> bool {
        let Some(handshake) = state.handshake.take() else {
            return false;
        };
        let timestamp = responses.get("TIMESTAMP").map(String::as_str);
        let message = [
            realm.as_bytes(),
            user.as_bytes(),
            &handshake.secret_block,
            timestamp.unwrap_or_default().as_bytes(),
        ]
        .concat();
        let expected = self.server.expected_signature(
            &handshake.srp_a,
            &handshake.verifier,
            &handshake.b,
            &message,
        );
        responses.get("PASSWORD_CLAIM_SIGNATURE") == Some(&expected)
            && responses.get("PASSWORD_CLAIM_SECRET_BLOCK")
                == Some(&STANDARD.encode(&handshake.secret_block))
    }

    /// What follows a proven password: e-mail MFA setup when scripted, else tokens.
    fn after_password(&self, state: &mut State, user: &User) -> Reply {
        if self.email_setup.is_some() {
            let parameters = HashMap::from([
                ("USERNAME".to_owned(), user.id.clone()),
                ("MFAS_CAN_SETUP".to_owned(), r#"["EMAIL_OTP"]"#.to_owned()),
            ]);
            return Peer::challenge("MFA_SETUP", parameters, "session-setup");
        }
        self.tokens(state, &user.id, true, true)
    }

    fn handle(&self, request: Request) -> Result<Reply, TransportFailure> {
        let mut state = self.state();
        match request {
            Request::InitiateAuth {
                auth_flow,
                parameters,
                ..
            } => {
                state.log.push(format!("InitiateAuth {auth_flow}"));
                if auth_flow == "REFRESH_TOKEN_AUTH" {
                    return self.refresh_token_auth(&mut state, &parameters);
                }
                let typed = parameters.get("USERNAME").cloned().unwrap_or_default();
                self.check_secret_hash("InitiateAuth", &typed, &parameters)?;
                let user = self.user_by_name(&typed).ok_or_else(|| {
                    refuse(
                        "InitiateAuth",
                        "UserNotFoundException",
                        "User does not exist.",
                    )
                })?;
                match auth_flow {
                    "USER_SRP_AUTH" => {
                        Ok(self.password_verifier(&mut state, user, &parameters["SRP_A"]))
                    }
                    "USER_PASSWORD_AUTH" | "ADMIN_USER_PASSWORD_AUTH" => {
                        if parameters.get("PASSWORD") != Some(&user.password) {
                            return Err(refuse(
                                "InitiateAuth",
                                "NotAuthorizedException",
                                "Incorrect username or password.",
                            ));
                        }
                        Ok(self.after_password(&mut state, user))
                    }
                    "USER_AUTH" => {
                        match parameters.get("PREFERRED_CHALLENGE").map(String::as_str) {
                            Some("WEB_AUTHN") => {
                                let (options, _) =
                                    self.passkey.as_ref().expect("a passkey scripted");
                                let parameters = HashMap::from([
                                    ("USERNAME".to_owned(), user.id.clone()),
                                    ("CREDENTIAL_REQUEST_OPTIONS".to_owned(), options.clone()),
                                ]);
                                Ok(Peer::challenge("WEB_AUTHN", parameters, "session-webauthn"))
                            }
                            _ => Ok(Reply::Challenge {
                                name: "SELECT_CHALLENGE".into(),
                                parameters: HashMap::from([("USERNAME".to_owned(), typed)]),
                                session: Some("session-select".into()),
                                available: vec![
                                    "PASSWORD_SRP".into(),
                                    "PASSWORD".into(),
                                    "EMAIL_OTP".into(),
                                ],
                            }),
                        }
                    }
                    other => panic!("the peer does not script {other}"),
                }
            }
            Request::RespondToAuthChallenge {
                challenge_name,
                responses,
                session,
                ..
            } => {
                state
                    .log
                    .push(format!("Respond {}", challenge_name.as_str()));
                let username = responses.get("USERNAME").cloned().unwrap_or_default();
                self.check_secret_hash("RespondToAuthChallenge", &username, &responses)?;
                let user = self.user_by_name(&username).ok_or_else(|| {
                    refuse(
                        "RespondToAuthChallenge",
                        "UserNotFoundException",
                        "User does not exist.",
                    )
                })?;
                self.respond(
                    &mut state,
                    user,
                    challenge_name.as_str(),
                    &responses,
                    session,
                )
            }
            Request::ConfirmDevice {
                device_key,
                verifier,
                ..
            } => {
                state.log.push("ConfirmDevice".into());
                let salt = number(&STANDARD.decode(&verifier.salt).unwrap());
                let v = number(&STANDARD.decode(&verifier.password_verifier).unwrap());
                match self.issue_devices.clone() {
                    Some(Confirm::Fails(code)) => {
                        Err(refuse("ConfirmDevice", code, "Rate exceeded"))
                    }
                    confirm => {
                        state
                            .devices
                            .insert(device_key.clone(), ("group-1".into(), salt, v));
                        if confirm == Some(Confirm::Remembered) {
                            state.remembered.push(device_key);
                        }
                        Ok(Reply::DeviceConfirmed {
                            user_confirmation_necessary: confirm == Some(Confirm::AskUser),
                        })
                    }
                }
            }
            Request::RememberDevice { device_key, .. } => {
                state.log.push("UpdateDeviceStatus".into());
                state.remembered.push(device_key);
                Ok(Reply::DeviceRemembered)
            }
            Request::GetTokensFromRefreshToken {
                refresh_token,
                client_secret,
                ..
            } => {
                state.log.push("GetTokensFromRefreshToken".into());
                if self.without_get_tokens {
                    return Err(TransportFailure {
                        operation: "GetTokensFromRefreshToken",
                        status: Some(500),
                        code: None,
                        message: None,
                        source: "HTTP 500, not JSON".into(),
                    });
                }
                self.refresh_faults(&mut state, "GetTokensFromRefreshToken")?;
                if client_secret != self.client_secret {
                    return Err(refuse(
                        "GetTokensFromRefreshToken",
                        "NotAuthorizedException",
                        "Unable to verify secret for client",
                    ));
                }
                if self.get_tokens_refuses {
                    return Err(refuse(
                        "GetTokensFromRefreshToken",
                        "NotAuthorizedException",
                        "Invalid Refresh Token.",
                    ));
                }
                let user = state
                    .refresh_tokens
                    .get(&refresh_token)
                    .cloned()
                    .ok_or_else(|| {
                        refuse(
                            "GetTokensFromRefreshToken",
                            "NotAuthorizedException",
                            "Invalid Refresh Token.",
                        )
                    })?;
                if self.rotation {
                    state.refresh_tokens.remove(&refresh_token);
                }
                Ok(self.tokens(&mut state, &user, self.rotation, false))
            }
            Request::GlobalSignOut { access_token } => {
                state.log.push("GlobalSignOut".into());
                let user = claims(&access_token)["username"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                state.refresh_tokens.retain(|_, owner| *owner != user);
                Ok(Reply::SignedOut)
            }
            Request::RevokeToken { refresh_token, .. } => {
                state.log.push("RevokeToken".into());
                state.refresh_tokens.remove(&refresh_token);
                Ok(Reply::SignedOut)
            }
            other => panic!("the peer does not script {other:?}"),
        }
    }

    fn respond(
        &self,
        state: &mut State,
        user: &User,
        challenge: &str,
        responses: &HashMap<String, String>,
        session: Option<String>,
    ) -> Result<Reply, TransportFailure> {
        let wrong = |message: &str| {
            Err(refuse(
                "RespondToAuthChallenge",
                "NotAuthorizedException",
                message,
            ))
        };
        match (challenge, session.as_deref()) {
            ("SELECT_CHALLENGE", Some("session-select")) => {
                assert_eq!(
                    responses.get("ANSWER").map(String::as_str),
                    Some("PASSWORD_SRP")
                );
                Ok(self.password_verifier(state, user, &responses["SRP_A"]))
            }
            ("PASSWORD_VERIFIER", Some("session-pv")) => {
                if !self.verify(state, POOL_NAME, &user.id, responses) {
                    return wrong("Incorrect username or password.");
                }
                match responses.get("DEVICE_KEY") {
                    Some(key) if state.remembered.contains(key) => {
                        let parameters = HashMap::from([("USERNAME".to_owned(), user.id.clone())]);
                        Ok(Peer::challenge(
                            "DEVICE_SRP_AUTH",
                            parameters,
                            "session-device",
                        ))
                    }
                    // As Cognito answers for a device it no longer knows.
                    Some(_) => Err(refuse(
                        "RespondToAuthChallenge",
                        "ResourceNotFoundException",
                        "Device does not exist.",
                    )),
                    None => Ok(self.after_password(state, user)),
                }
            }
            ("DEVICE_SRP_AUTH", Some("session-device")) => {
                let key = &responses["DEVICE_KEY"];
                let (_, salt, verifier) = state.devices[key].clone();
                let b = random_number(32);
                let secret_block = random_number(48).to_bytes_be();
                let parameters = HashMap::from([
                    ("USERNAME".to_owned(), user.id.clone()),
                    ("SALT".to_owned(), salt.to_str_radix(16)),
                    (
                        "SRP_B".to_owned(),
                        self.server.public(&verifier, &b).to_str_radix(16),
                    ),
                    ("SECRET_BLOCK".to_owned(), STANDARD.encode(&secret_block)),
                ]);
                state.handshake = Some(Handshake {
                    srp_a: responses["SRP_A"].clone(),
                    b,
                    verifier,
                    secret_block,
                });
                Ok(Peer::challenge(
                    "DEVICE_PASSWORD_VERIFIER",
                    parameters,
                    "session-dpv",
                ))
            }
            ("DEVICE_PASSWORD_VERIFIER", Some("session-dpv")) => {
                let key = responses["DEVICE_KEY"].clone();
                let group = state.devices[&key].0.clone();
                if !self.verify(state, &group, &key, responses) {
                    return wrong("Incorrect device proof.");
                }
                Ok(self.tokens(state, &user.id, true, false))
            }
            ("MFA_SETUP", Some("session-setup")) => {
                let (address, _) = self.email_setup.as_ref().expect("scripted");
                assert_eq!(responses.get("EMAIL"), Some(address));
                let parameters = HashMap::from([
                    ("USERNAME".to_owned(), user.id.clone()),
                    (
                        "CODE_DELIVERY_DESTINATION".to_owned(),
                        "u***@example.com".to_owned(),
                    ),
                ]);
                Ok(Peer::challenge("EMAIL_OTP", parameters, "session-code"))
            }
            ("EMAIL_OTP", Some("session-code")) => {
                let (_, code) = self.email_setup.as_ref().expect("scripted");
                if responses.get("EMAIL_OTP_CODE") != Some(code) {
                    return Err(refuse(
                        "RespondToAuthChallenge",
                        "CodeMismatchException",
                        "Invalid code received for user",
                    ));
                }
                Ok(self.tokens(state, &user.id, true, true))
            }
            ("WEB_AUTHN", Some("session-webauthn")) => {
                let (_, credential) = self.passkey.as_ref().expect("scripted");
                if responses.get("CREDENTIAL") != Some(credential) {
                    return wrong("The passkey was not accepted.");
                }
                Ok(self.tokens(state, &user.id, true, false))
            }
            other => panic!("the peer does not script {other:?}"),
        }
    }

    fn refresh_token_auth(
        &self,
        state: &mut State,
        parameters: &HashMap<String, String>,
    ) -> Result<Reply, TransportFailure> {
        self.refresh_faults(state, "InitiateAuth")?;
        if self.rotation {
            return Err(refuse(
                "InitiateAuth",
                "InvalidParameterException",
                "Auth flow not enabled for this client",
            ));
        }
        let token = parameters.get("REFRESH_TOKEN").cloned().unwrap_or_default();
        let user = state.refresh_tokens.get(&token).cloned().ok_or_else(|| {
            refuse(
                "InitiateAuth",
                "NotAuthorizedException",
                "Invalid Refresh Token",
            )
        })?;
        // Cognito checks it over the user's name as it knows it, not the typed alias.
        self.check_secret_hash("InitiateAuth", &user, parameters)?;
        state
            .log
            .push(format!("DEVICE_KEY={:?}", parameters.get("DEVICE_KEY")));
        Ok(self.tokens(state, &user, false, false))
    }

    /// An injected fault, or the rate limit, for a refresh.
    fn refresh_faults(
        &self,
        state: &mut State,
        operation: &'static str,
    ) -> Result<(), TransportFailure> {
        state.refreshes += 1;
        if let Some((limit, second, seen)) = &mut state.rate {
            let now = self.clock.seconds();
            if *second != now {
                (*second, *seen) = (now, 0);
            }
            *seen += 1;
            if *seen > *limit {
                state.throttled += 1;
                return Err(refuse(
                    operation,
                    "TooManyRequestsException",
                    "Rate exceeded",
                ));
            }
        }
        match state.faults.pop_front() {
            None => Ok(()),
            Some(Fault::Throttled) => Err(refuse(
                operation,
                "TooManyRequestsException",
                "Rate exceeded",
            )),
            Some(Fault::ServerError) => Err(TransportFailure {
                status: Some(500),
                ..refuse(
                    operation,
                    "InternalErrorException",
                    "An internal error occurred",
                )
            }),
            Some(Fault::NoAnswer) => Err(TransportFailure {
                operation,
                status: None,
                code: None,
                message: None,
                source: "the connection was reset".into(),
            }),
        }
    }

    async fn send(&self, request: Request) -> Result<Reply, TransportFailure> {
        let refresh = matches!(
            &request,
            Request::GetTokensFromRefreshToken { .. }
                | Request::InitiateAuth {
                    auth_flow: "REFRESH_TOKEN_AUTH",
                    ..
                }
        );
        if refresh && !self.refresh_delay.is_zero() {
            tokio::time::sleep(self.refresh_delay).await;
        }
        let reply = self.handle(request);
        let gate = self.gate.lock().unwrap().clone();
        if let (true, Some(mut gate)) = (refresh, gate) {
            let _ = gate.wait_for(|open| *open).await;
        }
        reply
    }
}

impl AuthTransport for &Peer {
    async fn send(
        &self,
        pool_id: &str,
        client_id: &str,
        request: Request,
    ) -> Result<Reply, TransportFailure> {
        assert_eq!((pool_id, client_id), (POOL_ID, CLIENT_ID));
        Peer::send(self, request).await
    }
}

/// A shared peer as a transport that sessions (which need `'static`) can own.
#[derive(Debug, Clone)]
pub struct Link(pub Arc<Peer>);

impl AuthTransport for Link {
    async fn send(
        &self,
        pool_id: &str,
        client_id: &str,
        request: Request,
    ) -> Result<Reply, TransportFailure> {
        AuthTransport::send(&&*self.0, pool_id, client_id, request).await
    }
}
