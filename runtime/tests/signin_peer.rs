//! Sign-in against a scripted Cognito peer that really checks SRP proofs (moto does not): the
//! server side of cognito-srp.md §16 with registered verifiers, for users and devices, with
//! `SECRET_HASH` checked over the right username at every step, and choice-based `USER_AUTH`.

mod common;

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cognito_idp_runtime::signin::{
    Answer, AuthError, AuthResult, AuthTransport, Authenticator, Flow, PromptError, Prompter,
    Question, Reply, Request, SignInConfig, TransportFailure,
};
use cognito_idp_runtime::srp::secret_hash;
use common::{Server, number};
use num_bigint::BigUint;
use zeroize::Zeroizing;

const POOL_ID: &str = "us-east-1_PeerPool";
const POOL_NAME: &str = "PeerPool";
const CLIENT_ID: &str = "peer-client";

/// A registered SRP identity: the salt and verifier the server keeps.
struct Registered {
    salt: BigUint,
    verifier: BigUint,
}

/// A handshake in progress.
struct Pending {
    srp_a: String,
    b: BigUint,
    verifier: BigUint,
    secret_block: Vec<u8>,
}

struct Peer {
    server: Server,
    /// The client secret, when the app client has one.
    client_secret: Option<String>,
    /// Typed name -> (internal id, registration).
    users: HashMap<String, (String, Registered)>,
    /// Whether a successful sign-in issues a new device.
    issue_device: bool,
    state: Mutex<PeerState>,
}

#[derive(Default)]
struct PeerState {
    pending: Option<Pending>,
    /// Device key -> (group key, registration).
    devices: HashMap<String, (String, Registered)>,
    /// Device keys confirmed and remembered.
    remembered: Vec<String>,
    /// Every request's operation and challenge, for assertions.
    log: Vec<String>,
}

fn refuse(operation: &'static str, code: &str, message: &str) -> TransportFailure {
    TransportFailure {
        operation,
        code: Some(code.to_owned()),
        message: Some(message.to_owned()),
        source: message.to_owned().into(),
    }
}

fn random_number(bytes: usize) -> BigUint {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).unwrap();
    buffer[0] |= 1;
    BigUint::from_bytes_be(&buffer)
}

impl Peer {
    fn new(users: &[(&str, &str, &str)]) -> Self {
        let server = Server::new();
        let users = users
            .iter()
            .map(|(typed, id, password)| {
                let salt = random_number(16);
                let verifier = server.verifier(&salt, POOL_NAME, id, password);
                (
                    typed.to_string(),
                    (id.to_string(), Registered { salt, verifier }),
                )
            })
            .collect();
        Peer {
            server,
            client_secret: None,
            users,
            issue_device: false,
            state: Mutex::default(),
        }
    }

    fn check_secret_hash(
        &self,
        operation: &'static str,
        parameters: &HashMap<String, String>,
    ) -> Result<(), TransportFailure> {
        let Some(secret) = &self.client_secret else {
            return Ok(());
        };
        let username = parameters
            .get("USERNAME")
            .map(String::as_str)
            .unwrap_or_default();
        if parameters.get("SECRET_HASH") != Some(&secret_hash(username, CLIENT_ID, secret)) {
            return Err(refuse(
                operation,
                "NotAuthorizedException",
                "Unable to verify secret hash for client",
            ));
        }
        Ok(())
    }

    /// `PASSWORD_VERIFIER` for the user, with a fresh `b`.
    fn password_verifier(
        &self,
        state: &mut PeerState,
        typed: &str,
        srp_a: &str,
    ) -> Result<Reply, TransportFailure> {
        let (id, registered) = self.users.get(typed).ok_or_else(|| {
            refuse(
                "InitiateAuth",
                "UserNotFoundException",
                "User does not exist.",
            )
        })?;
        let b = random_number(32);
        let secret_block = random_number(48).to_bytes_be();
        let parameters = HashMap::from([
            ("USER_ID_FOR_SRP".to_owned(), id.clone()),
            ("USERNAME".to_owned(), id.clone()),
            ("SALT".to_owned(), registered.salt.to_str_radix(16)),
            (
                "SRP_B".to_owned(),
                self.server
                    .public(&registered.verifier, &b)
                    .to_str_radix(16),
            ),
            ("SECRET_BLOCK".to_owned(), STANDARD.encode(&secret_block)),
        ]);
        state.pending = Some(Pending {
            srp_a: srp_a.to_owned(),
            b,
            verifier: registered.verifier.clone(),
            secret_block,
        });
        Ok(Reply::Challenge {
            name: "PASSWORD_VERIFIER".into(),
            parameters,
            session: Some("session-pv".into()),
            available: vec![],
        })
    }

    /// Checks a proof against the handshake in progress, as Cognito does.
    fn verify(
        &self,
        state: &mut PeerState,
        realm: &str,
        user: &str,
        responses: &HashMap<String, String>,
    ) -> bool {
        let Some(pending) = state.pending.take() else {
            return false;
        };
        let timestamp = responses
            .get("TIMESTAMP")
            .map(String::as_str)
            .unwrap_or_default();
        let message = [
            realm.as_bytes(),
            user.as_bytes(),
            &pending.secret_block,
            timestamp.as_bytes(),
        ]
        .concat();
        let expected =
            self.server
                .expected_signature(&pending.srp_a, &pending.verifier, &pending.b, &message);
        responses.get("PASSWORD_CLAIM_SIGNATURE") == Some(&expected)
            && responses.get("PASSWORD_CLAIM_SECRET_BLOCK")
                == Some(&STANDARD.encode(&pending.secret_block))
    }

    fn tokens(&self, state: &mut PeerState) -> Reply {
        let new_device = self.issue_device.then(|| {
            let key = format!("us-east-1_device-{}", state.devices.len() + state.log.len());
            (key, "group-1".to_owned())
        });
        Reply::Authenticated(AuthResult {
            access_token: Some("peer-access".into()),
            id_token: Some("peer-id".into()),
            refresh_token: Some("peer-refresh".into()),
            expires_in: Some(3600),
            token_type: Some("Bearer".into()),
            new_device,
        })
    }

    fn handle(&self, request: Request) -> Result<Reply, TransportFailure> {
        let mut state = self.state.lock().unwrap();
        match request {
            Request::InitiateAuth {
                auth_flow,
                parameters,
                ..
            } => {
                state.log.push(format!("InitiateAuth {auth_flow}"));
                self.check_secret_hash("InitiateAuth", &parameters)?;
                let typed = parameters.get("USERNAME").cloned().unwrap_or_default();
                match auth_flow {
                    "USER_SRP_AUTH" => {
                        self.password_verifier(&mut state, &typed, &parameters["SRP_A"])
                    }
                    "USER_AUTH" => Ok(Reply::Challenge {
                        name: "SELECT_CHALLENGE".into(),
                        parameters: HashMap::from([("USERNAME".to_owned(), typed)]),
                        session: Some("session-select".into()),
                        available: vec![
                            "PASSWORD_SRP".into(),
                            "PASSWORD".into(),
                            "EMAIL_OTP".into(),
                        ],
                    }),
                    other => panic!("the peer does not script {other}"),
                }
            }
            Request::RespondToAuthChallenge {
                challenge_name,
                responses,
                ..
            } => {
                state.log.push(format!("Respond {challenge_name}"));
                self.check_secret_hash("RespondToAuthChallenge", &responses)?;
                let username = responses.get("USERNAME").cloned().unwrap_or_default();
                match challenge_name.as_str() {
                    "SELECT_CHALLENGE" => {
                        assert_eq!(
                            responses.get("ANSWER").map(String::as_str),
                            Some("PASSWORD_SRP")
                        );
                        let typed = self
                            .users
                            .keys()
                            .find(|t| self.users[*t].0 == username || **t == username)
                            .cloned();
                        self.password_verifier(
                            &mut state,
                            &typed.unwrap_or(username),
                            &responses["SRP_A"],
                        )
                    }
                    "PASSWORD_VERIFIER" => {
                        if !self.verify(&mut state, POOL_NAME, &username, &responses) {
                            return Err(refuse(
                                "RespondToAuthChallenge",
                                "NotAuthorizedException",
                                "Incorrect username or password.",
                            ));
                        }
                        match responses.get("DEVICE_KEY") {
                            Some(key) if state.remembered.contains(key) => Ok(Reply::Challenge {
                                name: "DEVICE_SRP_AUTH".into(),
                                parameters: HashMap::from([("USERNAME".to_owned(), username)]),
                                session: Some("session-device".into()),
                                available: vec![],
                            }),
                            // As Cognito answers for a device it no longer knows.
                            Some(_) => Err(refuse(
                                "RespondToAuthChallenge",
                                "ResourceNotFoundException",
                                "Device does not exist.",
                            )),
                            None => Ok(self.tokens(&mut state)),
                        }
                    }
                    "DEVICE_SRP_AUTH" => {
                        let key = &responses["DEVICE_KEY"];
                        let registered = &state.devices[key].1;
                        let (salt, verifier) =
                            (registered.salt.clone(), registered.verifier.clone());
                        let b = random_number(32);
                        let secret_block = random_number(48).to_bytes_be();
                        let parameters = HashMap::from([
                            ("USERNAME".to_owned(), username),
                            ("SALT".to_owned(), salt.to_str_radix(16)),
                            (
                                "SRP_B".to_owned(),
                                self.server.public(&verifier, &b).to_str_radix(16),
                            ),
                            ("SECRET_BLOCK".to_owned(), STANDARD.encode(&secret_block)),
                        ]);
                        state.pending = Some(Pending {
                            srp_a: responses["SRP_A"].clone(),
                            b,
                            verifier,
                            secret_block,
                        });
                        Ok(Reply::Challenge {
                            name: "DEVICE_PASSWORD_VERIFIER".into(),
                            parameters,
                            session: Some("session-dpv".into()),
                            available: vec![],
                        })
                    }
                    "DEVICE_PASSWORD_VERIFIER" => {
                        let key = responses["DEVICE_KEY"].clone();
                        let group = state.devices[&key].0.clone();
                        if !self.verify(&mut state, &group, &key, &responses) {
                            return Err(refuse(
                                "RespondToAuthChallenge",
                                "NotAuthorizedException",
                                "Incorrect device proof.",
                            ));
                        }
                        let mut reply = self.tokens(&mut state);
                        if let Reply::Authenticated(result) = &mut reply {
                            result.new_device = None;
                        }
                        Ok(reply)
                    }
                    other => panic!("the peer does not script {other}"),
                }
            }
            Request::ConfirmDevice {
                device_key,
                verifier,
                ..
            } => {
                state.log.push("ConfirmDevice".into());
                let registered = Registered {
                    salt: number(&STANDARD.decode(&verifier.salt).unwrap()),
                    verifier: number(&STANDARD.decode(&verifier.password_verifier).unwrap()),
                };
                state
                    .devices
                    .insert(device_key, ("group-1".into(), registered));
                Ok(Reply::DeviceConfirmed {
                    user_confirmation_necessary: true,
                })
            }
            Request::RememberDevice { device_key, .. } => {
                state.log.push("UpdateDeviceStatus".into());
                state.remembered.push(device_key);
                Ok(Reply::DeviceRemembered)
            }
            other => panic!("the peer does not script {other:?}"),
        }
    }

    fn log(&self) -> Vec<String> {
        std::mem::take(&mut self.state.lock().unwrap().log)
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
        self.handle(request)
    }
}

/// A prompter for flows that must not ask anything, or that choose one challenge.
struct Script(Vec<Answer>);

impl Prompter for Script {
    async fn answer(&mut self, question: &Question) -> Result<Answer, PromptError> {
        if self.0.is_empty() {
            return Err(PromptError(format!("unexpected question {question:?}")));
        }
        Ok(self.0.remove(0))
    }
}

fn config() -> SignInConfig {
    SignInConfig::new(POOL_ID, CLIENT_ID)
}

#[tokio::test]
async fn srp_proofs_are_checked_and_a_wrong_password_is_refused() {
    let peer = Peer::new(&[("alice@example.com", "sub-alice", "S3cure!pass")]);
    let auth = Authenticator::new(&peer, config());
    let tokens = auth
        .sign_in("alice@example.com", "S3cure!pass", &mut Script(vec![]))
        .await
        .expect("signed in");
    assert_eq!(tokens.access_token.as_str(), "peer-access");
    assert_eq!(tokens.username, "sub-alice");
    assert_eq!(
        peer.log(),
        ["InitiateAuth USER_SRP_AUTH", "Respond PASSWORD_VERIFIER"]
    );

    let refused = auth
        .sign_in("alice@example.com", "wrong-pass", &mut Script(vec![]))
        .await
        .unwrap_err();
    assert_eq!(
        refused.code(),
        Some("NotAuthorizedException"),
        "{refused:?}"
    );
    assert!(!format!("{refused} {refused:?}").contains("wrong-pass"));
}

#[tokio::test]
async fn secret_hash_is_over_the_typed_name_then_the_internal_id() {
    let mut peer = Peer::new(&[("bob", "sub-bob-1234", "B0b!password")]);
    peer.client_secret = Some("app-secret".into());
    let auth = Authenticator::new(&peer, config().with_client_secret("app-secret"));
    auth.sign_in("bob", "B0b!password", &mut Script(vec![]))
        .await
        .expect("signed in with SECRET_HASH");

    let wrong = Authenticator::new(&peer, config().with_client_secret("another-secret"));
    let refused = wrong
        .sign_in("bob", "B0b!password", &mut Script(vec![]))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("NotAuthorizedException"));
}

#[tokio::test]
async fn a_device_is_remembered_then_signs_in_with_its_own_proof() {
    let mut peer = Peer::new(&[("carol", "sub-carol", "C4rol!password")]);
    peer.issue_device = true;
    let auth = Authenticator::new(&peer, config());
    let first = auth
        .sign_in(
            "carol",
            "C4rol!password",
            &mut Script(vec![Answer::RememberDevice(true)]),
        )
        .await
        .expect("first sign-in");
    assert_eq!(
        peer.log(),
        [
            "InitiateAuth USER_SRP_AUTH",
            "Respond PASSWORD_VERIFIER",
            "ConfirmDevice",
            "UpdateDeviceStatus"
        ]
    );
    let device = first.device.expect("the new device's secrets");

    let mut peer_again = peer;
    peer_again.issue_device = false;
    let remembering = Authenticator::new(&peer_again, config().with_device(device.clone()));
    let second = remembering
        .sign_in("carol", "C4rol!password", &mut Script(vec![]))
        .await
        .expect("device sign-in");
    assert_eq!(
        peer_again.log(),
        [
            "InitiateAuth USER_SRP_AUTH",
            "Respond PASSWORD_VERIFIER",
            "Respond DEVICE_SRP_AUTH",
            "Respond DEVICE_PASSWORD_VERIFIER"
        ]
    );
    assert_eq!(
        second.device.map(|d| d.device_key),
        Some(device.device_key.clone())
    );

    // A device with the wrong password fails the peer's check.
    let (forged, _) = cognito_idp_runtime::srp::DeviceSecrets::generate(
        &device.device_key,
        &device.device_group_key,
    )
    .unwrap();
    let forger = Authenticator::new(&peer_again, config().with_device(forged));
    let refused = forger
        .sign_in("carol", "C4rol!password", &mut Script(vec![]))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("NotAuthorizedException"));
}

#[tokio::test]
async fn an_unknown_device_is_dropped_and_the_sign_in_retried() {
    let peer = Peer::new(&[("dan", "sub-dan", "D4n!password")]);
    let (stale, _) =
        cognito_idp_runtime::srp::DeviceSecrets::generate("us-east-1_gone", "group-1").unwrap();
    let auth = Authenticator::new(&peer, config().with_device(stale));
    let tokens = auth
        .sign_in("dan", "D4n!password", &mut Script(vec![]))
        .await
        .expect("signed in without the device");
    assert!(tokens.device.is_none());
    assert_eq!(
        peer.log(),
        [
            "InitiateAuth USER_SRP_AUTH",
            "Respond PASSWORD_VERIFIER",
            "InitiateAuth USER_SRP_AUTH",
            "Respond PASSWORD_VERIFIER"
        ]
    );
}

#[tokio::test]
async fn user_auth_select_challenge_then_password_srp() {
    let peer = Peer::new(&[("erin", "sub-erin", "Er1n!password")]);
    let auth = Authenticator::new(&peer, config());
    let mut script = Script(vec![Answer::Choice("PASSWORD_SRP".into())]);
    let password = Some(Zeroizing::new("Er1n!password".to_owned()));
    let tokens = auth
        .run(
            Flow::UserAuth { preferred: None },
            "erin",
            password,
            &mut script,
        )
        .await
        .expect("tokens");
    assert_eq!(tokens.access_token.as_str(), "peer-access");
    assert_eq!(
        peer.log(),
        [
            "InitiateAuth USER_AUTH",
            "Respond SELECT_CHALLENGE",
            "Respond PASSWORD_VERIFIER"
        ]
    );

    let wrong = Some(Zeroizing::new("nope".to_owned()));
    let mut script = Script(vec![Answer::Choice("PASSWORD_SRP".into())]);
    let refused = auth
        .run(
            Flow::UserAuth { preferred: None },
            "erin",
            wrong,
            &mut script,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(refused, AuthError::Transport(_))
            && refused.code() == Some("NotAuthorizedException")
    );
}
