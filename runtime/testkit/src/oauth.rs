//! A scripted user-pool domain on 127.0.0.1: the token endpoint's client-credentials grant,
//! checking what Cognito checks (HTTP Basic client authentication, the grant type, scopes the
//! client may have), counting requests, and failing on demand. It also answers the Cognito
//! API's `GetClientToken` for the same client, as the other source of M2M tokens.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as STANDARD_NO_PAD_URL};
use sha2::Digest as _;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use crate::http::Request;

/// The domain's app client: its id, secret and allowed scopes.
pub const CLIENT_ID: &str = "m2m-client";
pub const CLIENT_SECRET: &str = "m2m secret/with+odd=chars";
pub const SCOPES: [&str; 2] = ["orders/read", "orders/write"];

/// What the next requests meet instead of a token: a status, and an `error` code or no body.
type Faults = Arc<Mutex<Vec<(u16, Option<&'static str>)>>>;

/// Codes the authorize step issued: code -> (code challenge, redirect URI, nonce).
type Codes = Arc<Mutex<HashMap<String, (String, String, String)>>>;

/// A scripted domain; its URL is `url`.
#[derive(Debug, Clone)]
pub struct TokenEndpoint {
    pub url: String,
    requests: Arc<AtomicU64>,
    /// Statuses (with an `error` body, or none) the next requests meet.
    faults: Faults,
    /// How long each answer takes.
    delay: Arc<Mutex<Duration>>,
    lifetime: Arc<AtomicU64>,
    codes: Codes,
    /// Refresh tokens that work now, and the access tokens issued.
    refresh_tokens: Arc<Mutex<Vec<String>>>,
    access_tokens: Arc<Mutex<Vec<String>>>,
    /// Refresh tokens are replaced on every refresh (the old one stops working).
    pub rotation: Arc<std::sync::atomic::AtomicBool>,
}

impl TokenEndpoint {
    pub async fn start() -> TokenEndpoint {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = TokenEndpoint {
            url: format!("http://{}", listener.local_addr().unwrap()),
            requests: Arc::default(),
            faults: Arc::default(),
            delay: Arc::default(),
            lifetime: Arc::new(AtomicU64::new(3600)),
            codes: Arc::default(),
            refresh_tokens: Arc::default(),
            access_tokens: Arc::default(),
            rotation: Arc::default(),
        };
        let serving = endpoint.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let endpoint = serving.clone();
                tokio::spawn(async move {
                    let Some(request) = crate::http::read_request(&mut socket).await else {
                        return;
                    };
                    let body = String::from_utf8_lossy(&request.body).into_owned();
                    let delay = *endpoint.delay.lock().unwrap();
                    tokio::time::sleep(delay).await;
                    let (status, body) = endpoint.answer(&request, &body);
                    let response = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                         Connection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(response.as_bytes()).await;
                });
            }
        });
        endpoint
    }

    /// Token requests received.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// The next requests meet these answers: a status and an `error` code (or no body).
    pub fn fail_next(&self, faults: &[(u16, Option<&'static str>)]) {
        self.faults.lock().unwrap().extend(faults.iter().rev());
    }

    pub fn delay(&self, delay: Duration) {
        *self.delay.lock().unwrap() = delay;
    }

    /// What the authorize step does when the user signs in: a code for this challenge, redirect
    /// URI and nonce (from the authorize URL's query).
    pub fn issue_code(&self, challenge: &str, redirect_uri: &str, nonce: &str) -> String {
        let mut codes = self.codes.lock().unwrap();
        let code = format!("code-{}", codes.len() + 1);
        codes.insert(
            code.clone(),
            (challenge.into(), redirect_uri.into(), nonce.into()),
        );
        code
    }

    /// The hosted UI when the user signs in: a code for the authorize URL's challenge, redirect
    /// URI and nonce, and the URL the browser is sent back to (the code and the URL's `state`).
    pub fn sign_in(&self, authorize_url: &str) -> String {
        let query = form(authorize_url.split_once('?').map_or("", |(_, query)| query));
        let field = |name: &str| query.get(name).map(String::as_str).unwrap_or_default();
        let code = self.issue_code(
            field("code_challenge"),
            field("redirect_uri"),
            field("nonce"),
        );
        format!(
            "{}?code={code}&state={}",
            field("redirect_uri"),
            encode(field("state"))
        )
    }

    /// Tokens issued from now on live this long.
    pub fn lifetime(&self, seconds: u64) {
        self.lifetime.store(seconds, Ordering::SeqCst);
    }

    fn answer(&self, request: &Request, body: &str) -> (u16, String) {
        match request.path() {
            "/oauth2/token" => self.token(request, body),
            "/oauth2/revoke" => self.revoke(request, body),
            "/oauth2/userInfo" => self.user_info(request),
            "/.well-known/openid-configuration" => (200, self.discovery()),
            "/" if request.header("x-amz-target")
                == Some("AWSCognitoIdentityProviderService.GetClientToken") =>
            {
                self.get_client_token(request, body)
            }
            _ => (404, String::new()),
        }
    }

    /// The client's Basic authentication, as sent.
    fn authenticated(request: &Request) -> bool {
        let expected = format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", encode(CLIENT_ID), encode(CLIENT_SECRET)))
        );
        request.header("authorization") == Some(expected.as_str())
    }

    fn revoke(&self, request: &Request, body: &str) -> (u16, String) {
        if !TokenEndpoint::authenticated(request) {
            return (401, r#"{"error":"invalid_client"}"#.into());
        }
        let form = form(body);
        let token = form.get("token").cloned().unwrap_or_default();
        self.refresh_tokens.lock().unwrap().retain(|t| *t != token);
        (200, String::new())
    }

    fn user_info(&self, request: &Request) -> (u16, String) {
        let token = request
            .header("authorization")
            .and_then(|h| h.strip_prefix("Bearer "));
        match token.filter(|t| self.access_tokens.lock().unwrap().iter().any(|a| a == t)) {
            Some(_) => (
                200,
                r#"{"sub":"sub-user","email":"user@example.com","email_verified":"true"}"#.into(),
            ),
            None => (401, r#"{"error":"invalid_token"}"#.into()),
        }
    }

    fn discovery(&self) -> String {
        let base = &self.url;
        format!(
            r#"{{"issuer":"{base}","authorization_endpoint":"{base}/oauth2/authorize","token_endpoint":"{base}/oauth2/token","userinfo_endpoint":"{base}/oauth2/userInfo","revocation_endpoint":"{base}/oauth2/revoke","jwks_uri":"{base}/.well-known/jwks.json","scopes_supported":["openid","email"]}}"#
        )
    }

    fn token(&self, request: &Request, body: &str) -> (u16, String) {
        let n = self.requests.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some((status, error)) = self.faults.lock().unwrap().pop() {
            let body = error.map_or(String::new(), |e| format!(r#"{{"error":"{e}"}}"#));
            return (status, body);
        }
        let form = form(body);
        if !TokenEndpoint::authenticated(request) {
            return (401, r#"{"error":"invalid_client"}"#.into());
        }
        match form.get("grant_type").map(String::as_str) {
            Some("client_credentials") => {}
            Some("authorization_code") => return self.exchange(n, &form),
            Some("refresh_token") => return self.refresh(n, &form),
            _ => return (400, r#"{"error":"unsupported_grant_type"}"#.into()),
        }
        let scope = form
            .get("scope")
            .cloned()
            .unwrap_or_else(|| SCOPES.join(" "));
        if scope.split(' ').any(|s| !SCOPES.contains(&s)) {
            return (
                400,
                r#"{"error":"invalid_scope","error_description":"not allowed"}"#.into(),
            );
        }
        let lifetime = self.lifetime.load(Ordering::SeqCst);
        (
            200,
            format!(
                r#"{{"access_token":"m2m-{n}","expires_in":{lifetime},"token_type":"Bearer","scope":"{scope}"}}"#
            ),
        )
    }
}

impl TokenEndpoint {
    /// The Cognito API's `GetClientToken` (AWS JSON 1.1), for the same client: its id and secret,
    /// and scopes it may have (none: all of them). Counted and failed on demand as the grant is
    /// (a fault's code becomes the `__type`).
    fn get_client_token(&self, request: &Request, body: &str) -> (u16, String) {
        let n = self.requests.fetch_add(1, Ordering::SeqCst) + 1;
        let refuse = |status: u16, code: &str, message: &str| {
            let body = serde_json::json!({"__type": code, "message": message});
            (status, body.to_string())
        };
        if let Some((status, error)) = self.faults.lock().unwrap().pop() {
            return refuse(status, error.unwrap_or("InternalErrorException"), "a fault");
        }
        if request.header("content-type") != Some("application/x-amz-json-1.1") {
            return refuse(400, "SerializationException", "not AWS JSON 1.1");
        }
        let Ok(input) = serde_json::from_str::<serde_json::Value>(body) else {
            return refuse(400, "SerializationException", "not JSON");
        };
        if input["ClientId"] != CLIENT_ID {
            return refuse(400, "ResourceNotFoundException", "no such client");
        }
        if input["Secret"] != CLIENT_SECRET {
            return refuse(400, "NotAuthorizedException", "Incorrect client secret.");
        }
        let allowed = match &input["Scopes"] {
            serde_json::Value::Null => true,
            serde_json::Value::Array(scopes) => {
                !scopes.is_empty() && scopes.iter().all(|s| SCOPES.iter().any(|a| s == a))
            }
            _ => false,
        };
        if !allowed {
            return refuse(400, "InvalidParameterException", "Invalid scope requested.");
        }
        let lifetime = self.lifetime.load(Ordering::SeqCst);
        let answer = serde_json::json!({"ClientAuthenticationResult": {
            "AccessToken": format!("m2m-{n}"), "ExpiresIn": lifetime, "TokenType": "Bearer",
        }});
        (200, answer.to_string())
    }

    /// The authorization-code grant, checked as Cognito does: a code issued and not used yet, the
    /// same redirect URI, the verifier whose S256 challenge the authorize step saw.
    fn exchange(&self, n: u64, form: &HashMap<String, String>) -> (u16, String) {
        let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
        let Some((challenge, redirect_uri, nonce)) =
            self.codes.lock().unwrap().remove(field("code"))
        else {
            return (400, r#"{"error":"invalid_grant"}"#.into());
        };
        let verified =
            STANDARD_NO_PAD_URL.encode(sha2::Sha256::digest(field("code_verifier").as_bytes()));
        if field("redirect_uri") != redirect_uri
            || verified != challenge
            || field("client_id") != CLIENT_ID
        {
            return (400, r#"{"error":"invalid_grant"}"#.into());
        }
        self.issue(n, Some(&nonce), true)
    }

    /// The refresh-token grant: a refresh token that works now; with rotation a new one, the
    /// old one spent.
    fn refresh(&self, n: u64, form: &HashMap<String, String>) -> (u16, String) {
        let token = form.get("refresh_token").cloned().unwrap_or_default();
        let mut valid = self.refresh_tokens.lock().unwrap();
        if !valid.contains(&token) {
            return (400, r#"{"error":"invalid_grant"}"#.into());
        }
        let rotate = self.rotation.load(Ordering::SeqCst);
        if rotate {
            valid.retain(|t| *t != token);
        }
        drop(valid);
        self.issue(n, None, rotate)
    }

    /// Tokens: an access token, an ID token (with `nonce` when asked), and a refresh token when
    /// `refresh`.
    fn issue(&self, n: u64, nonce: Option<&str>, refresh: bool) -> (u16, String) {
        let exp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + self.lifetime.load(Ordering::SeqCst);
        let claims = |token_use: &str| {
            serde_json::json!({
                "sub": "sub-user", "username": "sub-user", "aud": CLIENT_ID,
                "client_id": CLIENT_ID, "token_use": token_use, "nonce": nonce, "exp": exp, "n": n,
            })
        };
        let access = crate::peer::jwt(claims("access"));
        self.access_tokens.lock().unwrap().push(access.clone());
        let mut answer = serde_json::json!({
            "access_token": access, "id_token": crate::peer::jwt(claims("id")),
            "expires_in": self.lifetime.load(Ordering::SeqCst), "token_type": "Bearer",
        });
        if refresh {
            let token = format!("rt-{n}");
            self.refresh_tokens.lock().unwrap().push(token.clone());
            answer["refresh_token"] = token.into();
        }
        (200, answer.to_string())
    }
}

fn form(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 3 <= bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
