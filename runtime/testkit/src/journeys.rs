//! A scripted Cognito over HTTP for account journeys, on 127.0.0.1, for what moto does not play
//! (`ResendConfirmationCode`, sign-in after confirmation, attribute verification, `DeleteUser`,
//! devices, passkeys) and for what it does not check: `SECRET_HASH` over the `Username` each
//! request sends, codes that are wrong, expired or tried too often. Answers can be made odd on
//! purpose ([`Oddity`]).
//!
//! It speaks AWS JSON 1.1 as the generated client sends it: `POST /`, the operation in
//! `X-Amz-Target`, JSON both ways, errors as `{"__type": ..., "message": ...}` with status 400.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cognito_idp_runtime::srp::secret_hash;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use crate::peer::jwt;

pub const CLIENT_ID: &str = "journey-client";
pub const POOL_ID: &str = "us-east-1_Journeys";

/// An answer made odd on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oddity {
    /// Code deliveries name no destination.
    NoDestination,
    /// `GetUser` lists an attribute twice.
    DuplicateAttribute,
    /// `ConfirmSignUp` returns no session.
    NoSession,
    /// Lists of devices and passkeys hand back the same continuation token on every page.
    RepeatedPageToken,
}

#[derive(Debug, Clone)]
struct User {
    id: String,
    password: String,
    confirmed: bool,
    attributes: Vec<(String, String)>,
    /// Attribute -> the code sent to verify it.
    codes: HashMap<String, String>,
    tries: u32,
    devices: Vec<String>,
    passkeys: Vec<String>,
}

#[derive(Debug, Default)]
struct State {
    users: HashMap<String, User>,
    /// The `Session` of a confirmation, and the user it may sign in.
    sessions: HashMap<String, String>,
    log: Vec<String>,
    /// The body of each request, in order.
    bodies: Vec<(String, Value)>,
    oddity: Option<Oddity>,
    /// Codes sent from now on are expired.
    expired: bool,
    issued: u64,
}

/// The pool; [`JourneyPeer::start`] serves it.
#[derive(Debug, Clone)]
pub struct JourneyPeer {
    pub url: String,
    secret: Option<String>,
    state: Arc<Mutex<State>>,
}

/// What every code is, so tests can type it.
pub const CODE: &str = "424242";

type Answer = Result<Value, (&'static str, String)>;

impl JourneyPeer {
    /// Serves a pool whose app client has `secret` (if any).
    pub async fn start(secret: Option<&str>) -> JourneyPeer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let peer = JourneyPeer {
            url,
            secret: secret.map(str::to_owned),
            state: Arc::default(),
        };
        let serving = peer.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let peer = serving.clone();
                tokio::spawn(async move {
                    let Some(request) = crate::http::read_request(&mut socket).await else {
                        return;
                    };
                    let target = request
                        .header("x-amz-target")
                        .unwrap_or_default()
                        .to_owned();
                    let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
                        return;
                    };
                    let operation = target.rsplit('.').next().unwrap_or_default().to_owned();
                    let (status, reply) = match peer.answer(&operation, &body) {
                        Ok(value) => (200, value),
                        Err((code, message)) => (400, json!({"__type": code, "message": message})),
                    };
                    let body = reply.to_string();
                    let response = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/x-amz-json-1.1\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(response.as_bytes()).await;
                });
            }
        });
        peer
    }

    /// Makes answers odd from now on.
    pub fn oddity(&self, oddity: Oddity) {
        self.state.lock().unwrap().oddity = Some(oddity);
    }

    /// Codes sent from now on are already expired.
    pub fn expire_codes(&self) {
        self.state.lock().unwrap().expired = true;
    }

    /// The requests seen since the last call, as `Operation` or `Operation detail`.
    pub fn log(&self) -> Vec<String> {
        std::mem::take(&mut self.state.lock().unwrap().log)
    }

    /// The bodies of the requests for `operation` seen so far, in order.
    pub fn bodies(&self, operation: &str) -> Vec<Value> {
        let state = self.state.lock().unwrap();
        state
            .bodies
            .iter()
            .filter(|(op, _)| op == operation)
            .map(|(_, body)| body.clone())
            .collect()
    }

    /// A confirmed user, ready to sign in.
    pub fn add_user(&self, typed: &str, id: &str, password: &str, email: &str) {
        self.state.lock().unwrap().users.insert(
            typed.to_owned(),
            User {
                id: id.to_owned(),
                password: password.to_owned(),
                confirmed: true,
                attributes: vec![
                    ("sub".into(), id.into()),
                    ("email".into(), email.into()),
                    ("email_verified".into(), "true".into()),
                ],
                codes: HashMap::new(),
                tries: 0,
                devices: vec!["us-east-1_dev-a".into(), "us-east-1_dev-b".into()],
                passkeys: vec!["cred-1".into(), "cred-2".into()],
            },
        );
    }

    fn check_hash(&self, body: &Value) -> Result<(), (&'static str, String)> {
        let Some(secret) = &self.secret else {
            return Ok(());
        };
        let username = body["Username"].as_str().unwrap_or_default();
        let sent = body["SecretHash"]
            .as_str()
            .or(body["AuthParameters"]["SECRET_HASH"].as_str());
        let username = body["AuthParameters"]["USERNAME"]
            .as_str()
            .unwrap_or(username);
        match sent == Some(secret_hash(username, CLIENT_ID, secret).as_str()) {
            true => Ok(()),
            false => Err((
                "NotAuthorizedException",
                format!("Unable to verify secret hash for client {CLIENT_ID}"),
            )),
        }
    }

    fn answer(&self, operation: &str, body: &Value) -> Answer {
        let mut state = self.state.lock().unwrap();
        state.log.push(operation.to_owned());
        state.bodies.push((operation.to_owned(), body.clone()));
        if body.get("ClientId").is_some_and(|c| c != CLIENT_ID) {
            return Err(("ResourceNotFoundException", "no such client".into()));
        }
        let text = |key: &str| body[key].as_str().unwrap_or_default().to_owned();
        let delivery = |state: &State, attribute: &str| {
            let destination = match state.oddity {
                Some(Oddity::NoDestination) => Value::Null,
                _ => json!("j***@e***"),
            };
            json!({"Destination": destination, "DeliveryMedium": "EMAIL", "AttributeName": attribute})
        };
        match operation {
            "SignUp" => {
                self.check_hash(body)?;
                let username = text("Username");
                if state.users.contains_key(&username) {
                    return Err(("UsernameExistsException", "User already exists".into()));
                }
                let attributes: Vec<(String, String)> = body["UserAttributes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|a| (text_of(&a["Name"]), text_of(&a["Value"])))
                    .collect();
                let id = format!("sub-{username}");
                let mut all = vec![("sub".to_owned(), id.clone())];
                all.extend(attributes);
                let user = User {
                    id: id.clone(),
                    password: text("Password"),
                    confirmed: false,
                    attributes: all,
                    codes: HashMap::from([("signup".to_owned(), CODE.to_owned())]),
                    tries: 0,
                    devices: Vec::new(),
                    passkeys: Vec::new(),
                };
                state.users.insert(username, user);
                Ok(json!({
                    "UserConfirmed": false, "UserSub": id, "Session": "signup-session",
                    "CodeDeliveryDetails": delivery(&state, "email"),
                }))
            }
            "ConfirmSignUp" | "ConfirmForgotPassword" => {
                self.check_hash(body)?;
                let username = text("Username");
                let expired = state.expired;
                let user = state
                    .users
                    .get_mut(&username)
                    .ok_or(("UserNotFoundException", "User does not exist.".to_owned()))?;
                let purpose = if operation == "ConfirmSignUp" {
                    "signup"
                } else {
                    "reset"
                };
                check_code(user, purpose, &text("ConfirmationCode"), expired)?;
                if operation == "ConfirmForgotPassword" {
                    user.password = text("Password");
                    return Ok(json!({}));
                }
                user.confirmed = true;
                if state.oddity == Some(Oddity::NoSession) {
                    return Ok(json!({}));
                }
                let session = format!("confirm-session-{username}");
                state.sessions.insert(session.clone(), username);
                Ok(json!({"Session": session}))
            }
            "ResendConfirmationCode" | "ForgotPassword" => {
                self.check_hash(body)?;
                let username = text("Username");
                let purpose = if operation == "ForgotPassword" {
                    "reset"
                } else {
                    "signup"
                };
                let user = state
                    .users
                    .get_mut(&username)
                    .ok_or(("UserNotFoundException", "User does not exist.".to_owned()))?;
                user.codes.insert(purpose.into(), CODE.into());
                user.tries = 0;
                Ok(json!({"CodeDeliveryDetails": delivery(&state, "email")}))
            }
            "InitiateAuth" => {
                self.check_hash(body)?;
                let username = body["AuthParameters"]["USERNAME"]
                    .as_str()
                    .unwrap_or_default();
                let flow = text("AuthFlow");
                state.log.pop();
                state.log.push(format!("InitiateAuth {flow}"));
                let user = state
                    .users
                    .get(username)
                    .cloned()
                    .ok_or(("UserNotFoundException", "User does not exist.".to_owned()))?;
                let allowed = match flow.as_str() {
                    "USER_AUTH" => {
                        let session = text("Session");
                        state.sessions.remove(&session).as_deref() == Some(username)
                    }
                    "USER_PASSWORD_AUTH" => {
                        user.confirmed
                            && body["AuthParameters"]["PASSWORD"].as_str() == Some(&user.password)
                    }
                    _ => false,
                };
                if !allowed {
                    return Err((
                        "NotAuthorizedException",
                        "Incorrect username or password.".into(),
                    ));
                }
                state.issued += 1;
                let claims = json!({
                    "username": user.id, "sub": user.id, "token_use": "access",
                    "exp": 4_000_000_000u64, "n": state.issued,
                });
                Ok(json!({"AuthenticationResult": {
                    "AccessToken": jwt(claims), "RefreshToken": format!("refresh-{}", state.issued),
                    "ExpiresIn": 3600, "TokenType": "Bearer",
                }}))
            }
            _ => {
                let id = user_of(&text("AccessToken"))?;
                let (typed, user) = state
                    .users
                    .iter_mut()
                    .find(|(_, u)| u.id == id)
                    .map(|(t, u)| (t.clone(), u))
                    .ok_or((
                        "NotAuthorizedException",
                        "Access Token has been revoked".to_owned(),
                    ))?;
                let answer = self_service(operation, body, user)?;
                if operation == "DeleteUser" {
                    state.users.remove(&typed);
                }
                let answer = match (operation, state.oddity) {
                    ("GetUser", Some(Oddity::DuplicateAttribute)) => {
                        let mut answer = answer;
                        answer["UserAttributes"]
                            .as_array_mut()
                            .unwrap()
                            .push(json!({"Name": "email", "Value": "twice@example.com"}));
                        answer
                    }
                    ("GetUserAttributeVerificationCode", _) => {
                        json!({"CodeDeliveryDetails": delivery(&state, &text("AttributeName"))})
                    }
                    ("UpdateUserAttributes", _) => {
                        let sent: Vec<Value> = answer["Verify"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|name| delivery(&state, &text_of(name)))
                            .collect();
                        json!({"CodeDeliveryDetailsList": sent})
                    }
                    ("ListDevices", Some(Oddity::RepeatedPageToken)) => {
                        let mut answer = answer;
                        answer["PaginationToken"] = json!("1");
                        answer
                    }
                    ("ListWebAuthnCredentials", Some(Oddity::RepeatedPageToken)) => {
                        let mut answer = answer;
                        answer["NextToken"] = json!("1");
                        answer
                    }
                    _ => answer,
                };
                Ok(answer)
            }
        }
    }
}

/// Operations on the signed-in user's own account.
fn self_service(operation: &str, body: &Value, user: &mut User) -> Answer {
    let text = |key: &str| body[key].as_str().unwrap_or_default().to_owned();
    match operation {
        "GetUser" => Ok(json!({
            "Username": user.id,
            "UserAttributes": user.attributes.iter().map(|(n, v)| json!({"Name": n, "Value": v})).collect::<Vec<_>>(),
        })),
        "ChangePassword" => {
            if text("PreviousPassword") != user.password {
                return Err((
                    "NotAuthorizedException",
                    "Incorrect username or password.".into(),
                ));
            }
            user.password = text("ProposedPassword");
            Ok(json!({}))
        }
        "GetUserAttributeVerificationCode" => {
            user.codes.insert(text("AttributeName"), CODE.into());
            Ok(json!({}))
        }
        "VerifyUserAttribute" => {
            let name = text("AttributeName");
            check_code(user, &name, &text("Code"), false)?;
            user.attributes
                .retain(|(n, _)| *n != format!("{name}_verified"));
            user.attributes
                .push((format!("{name}_verified"), "true".into()));
            Ok(json!({}))
        }
        "DeleteUserAttributes" => {
            let names: Vec<String> = body["UserAttributeNames"]
                .as_array()
                .into_iter()
                .flatten()
                .map(text_of)
                .collect();
            user.attributes.retain(|(n, _)| !names.contains(n));
            Ok(json!({}))
        }
        "UpdateUserAttributes" => {
            let mut verify = Vec::new();
            for attribute in body["UserAttributes"].as_array().into_iter().flatten() {
                let name = text_of(&attribute["Name"]);
                let value = text_of(&attribute["Value"]);
                user.attributes.retain(|(n, _)| *n != name);
                user.attributes.push((name.clone(), value));
                // A new address is unverified until its code comes back.
                if name == "email" || name == "phone_number" {
                    let flag = format!("{name}_verified");
                    user.attributes.retain(|(n, _)| *n != flag);
                    user.attributes.push((flag, "false".into()));
                    user.codes.insert(name.clone(), CODE.into());
                    verify.push(name);
                }
            }
            Ok(json!({"Verify": verify}))
        }
        "DeleteUser" => Ok(json!({})),
        "ListDevices" => {
            let start: usize = text("PaginationToken").parse().unwrap_or(0);
            let page: Vec<Value> = user
                .devices
                .iter()
                .skip(start)
                .take(1)
                .map(|key| json!({"DeviceKey": key}))
                .collect();
            let next = (start + 1 < user.devices.len()).then(|| (start + 1).to_string());
            Ok(json!({"Devices": page, "PaginationToken": next}))
        }
        "ForgetDevice" => {
            let key = text("DeviceKey");
            let before = user.devices.len();
            user.devices.retain(|d| *d != key);
            match before == user.devices.len() {
                true => Err(("ResourceNotFoundException", "Device does not exist.".into())),
                false => Ok(json!({})),
            }
        }
        "UpdateDeviceStatus" => Ok(json!({})),
        "StartWebAuthnRegistration" => Ok(json!({"CredentialCreationOptions": {
            "challenge": STANDARD.encode("register"), "rp": {"id": "example.com"},
        }})),
        "CompleteWebAuthnRegistration" => {
            let id = body["Credential"]["id"].as_str().unwrap_or_default();
            if id.is_empty() {
                return Err((
                    "WebAuthnCredentialNotSupportedException",
                    "no credential".into(),
                ));
            }
            user.passkeys.push(id.to_owned());
            Ok(json!({}))
        }
        "ListWebAuthnCredentials" => {
            let start: usize = text("NextToken").parse().unwrap_or(0);
            let page: Vec<Value> = user
                .passkeys
                .iter()
                .skip(start)
                .take(1)
                .map(|id| json!({"CredentialId": id, "RelyingPartyId": "example.com", "AuthenticatorTransports": [], "CreatedAt": 1.7e9}))
                .collect();
            let next = (start + 1 < user.passkeys.len()).then(|| (start + 1).to_string());
            Ok(json!({"Credentials": page, "NextToken": next}))
        }
        "DeleteWebAuthnCredential" => {
            let id = text("CredentialId");
            user.passkeys.retain(|p| *p != id);
            Ok(json!({}))
        }
        other => Err((
            "UnknownOperationException",
            format!("{other} is not scripted"),
        )),
    }
}

/// Checks a code as Cognito does: the one sent, not expired, at most three wrong tries.
fn check_code(
    user: &mut User,
    purpose: &str,
    code: &str,
    expired: bool,
) -> Result<(), (&'static str, String)> {
    if user.tries >= 3 {
        return Err((
            "LimitExceededException",
            "Attempt limit exceeded, please try after some time.".into(),
        ));
    }
    match user.codes.get(purpose) {
        _ if expired => Err((
            "ExpiredCodeException",
            "Invalid code provided, please request a code again.".into(),
        )),
        Some(sent) if sent == code => {
            user.codes.remove(purpose);
            Ok(())
        }
        _ => {
            user.tries += 1;
            Err((
                "CodeMismatchException",
                "Invalid verification code provided, please try again.".into(),
            ))
        }
    }
}

fn text_of(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// The user an access token the peer issued names.
fn user_of(token: &str) -> Result<String, (&'static str, String)> {
    let payload = token.split('.').nth(1).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .and_then(|claims| claims["username"].as_str().map(str::to_owned))
        .ok_or(("NotAuthorizedException", "Invalid Access Token".into()))
}
