//! Managed login: the `/oauth2/authorize` URL of an authorization-code request with PKCE
//! (RFC 7636, S256), the request kept until the browser comes back, the redirect read back (the
//! `state` checked, an `error` typed), and the code exchanged at `/oauth2/token` for tokens
//! whose ID token carries the login's `nonce` ([`LoginClient`]).

use std::fmt;

use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{Answer, Domain, ErrorCode, OAuthError, get_json, http_client, post, post_no_answer};
use crate::digest::sha256;
use crate::endpoint::RESERVED;
use crate::redact::{Redacted, printable};
use crate::signin::{AuthResult, AuthTransport, Reply, Request, Tokens, TransportFailure};

/// What to ask the authorize endpoint for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoginRequest {
    pub client_id: String,
    /// Exactly one of the app client's callback URLs.
    pub redirect_uri: String,
    /// `openid`, `email`, `profile`, `aws.cognito.signin.user.admin`, custom scopes.
    pub scopes: Vec<String>,
    /// Straight to this provider (`Google`, a SAML or OIDC provider's name).
    pub identity_provider: Option<String>,
    /// Straight to the provider with this identifier (an e-mail domain, say).
    pub idp_identifier: Option<String>,
    /// `login`, `none`, `consent`, `select_account`.
    pub prompt: Option<String>,
    /// The managed login's language (`en`, `fr`, ...).
    pub lang: Option<String>,
}

impl LoginRequest {
    pub fn new(client_id: impl Into<String>, redirect_uri: impl Into<String>) -> LoginRequest {
        LoginRequest {
            client_id: client_id.into(),
            redirect_uri: redirect_uri.into(),
            scopes: vec!["openid".into()],
            identity_provider: None,
            idp_identifier: None,
            prompt: None,
            lang: None,
        }
    }

    pub fn scopes(mut self, scopes: &[&str]) -> LoginRequest {
        self.scopes = scopes.iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn identity_provider(mut self, name: impl Into<String>) -> LoginRequest {
        self.identity_provider = Some(name.into());
        self
    }
}

/// A login under way: what the redirect back must carry, and the PKCE verifier the code exchange
/// will need (wiped on drop; `Debug` shows none of it).
pub struct PendingLogin {
    pub client_id: String,
    pub redirect_uri: String,
    state: String,
    nonce: String,
    verifier: Zeroizing<String>,
}

impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLogin")
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("verifier", &Redacted)
            .finish_non_exhaustive()
    }
}

/// An authorization code, to exchange once. `Debug` shows none of it.
pub struct AuthorizationCode(pub Zeroizing<String>);

impl fmt::Debug for AuthorizationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AuthorizationCode").field(&Redacted).finish()
    }
}

/// Why the redirect back is not a login's.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoginError {
    /// It is not the redirect URI the login named.
    WrongRedirect,
    /// Its `state` is not the login's: another request's answer, or a forgery.
    StateMismatch,
    /// The provider or the user refused: `error` and `error_description`.
    Denied {
        code: ErrorCode,
        description: Option<String>,
    },
    /// Neither a code nor an error.
    NoCode,
    /// The randomness of `state`, `nonce` and the verifier could not be had.
    Randomness,
    /// The code exchange failed.
    Exchange(OAuthError),
    /// The ID token does not carry the login's `nonce`: it is not this login's.
    NonceMismatch,
}

impl fmt::Display for LoginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoginError::WrongRedirect => f.write_str("not the login's redirect URI"),
            LoginError::StateMismatch => f.write_str("the redirect's state is not the login's"),
            LoginError::Denied { code, description } => {
                write!(f, "the login was refused ({code:?})")?;
                match description {
                    Some(text) => write!(f, ": {text}"),
                    None => Ok(()),
                }
            }
            LoginError::NoCode => f.write_str("the redirect carries neither a code nor an error"),
            LoginError::Randomness => f.write_str("the operating system gave no randomness"),
            LoginError::Exchange(_) => f.write_str("the code exchange failed"),
            LoginError::NonceMismatch => f.write_str("the ID token is not this login's (nonce)"),
        }
    }
}

impl std::error::Error for LoginError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoginError::Exchange(e) => Some(e),
            _ => None,
        }
    }
}

/// The tokens of a login. `Debug` shows none of them.
#[derive(Clone)]
#[non_exhaustive]
pub struct LoginTokens {
    pub access_token: Zeroizing<String>,
    pub id_token: Option<Zeroizing<String>>,
    pub refresh_token: Option<Zeroizing<String>>,
    pub expires_at: SystemTime,
}

impl fmt::Debug for LoginTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginTokens")
            .field("access_token", &Redacted)
            .field("id_token", &Redacted::option(&self.id_token))
            .field("refresh_token", &Redacted::option(&self.refresh_token))
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Exchanges a login's code at the domain's token endpoint, with the client's secret when it has
/// one (HTTP Basic).
pub struct LoginClient {
    client_id: String,
    endpoint: reqwest::Url,
    basic: Option<Zeroizing<String>>,
    http: reqwest::Client,
}

impl fmt::Debug for LoginClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginClient")
            .field("endpoint", &self.endpoint.as_str())
            .finish_non_exhaustive()
    }
}

impl LoginClient {
    pub fn new(
        domain: &Domain,
        client_id: &str,
        client_secret: Option<&str>,
    ) -> Result<LoginClient, OAuthError> {
        let http = http_client()?;
        Ok(LoginClient {
            client_id: client_id.to_owned(),
            endpoint: domain.token_endpoint(),
            basic: client_secret.map(|secret| super::basic(client_id, secret)),
            http,
        })
    }

    /// Exchanges `code` for tokens, with the login's verifier and redirect URI; the ID token
    /// (received straight from the token endpoint over TLS, as OIDC's code flow allows) must
    /// carry the login's `nonce`.
    pub async fn exchange(
        &self,
        pending: &PendingLogin,
        code: AuthorizationCode,
    ) -> Result<LoginTokens, LoginError> {
        let mut body = Zeroizing::new(String::from("grant_type=authorization_code"));
        for (name, value) in [
            ("code", code.0.as_str()),
            ("redirect_uri", pending.redirect_uri.as_str()),
            ("code_verifier", pending.verifier()),
            ("client_id", pending.client_id.as_str()),
        ] {
            body.push('&');
            body.push_str(name);
            body.push('=');
            body.extend(percent_encoding::utf8_percent_encode(value, RESERVED));
        }
        let tokens = self.grant(&body).await.map_err(LoginError::Exchange)?;
        if let Some(id_token) = &tokens.id_token {
            let claims = crate::jwt::Claims::decode(id_token).map_err(|_| {
                LoginError::Exchange(OAuthError::Unreadable("the ID token is not a JWT".into()))
            })?;
            let nonce = claims
                .get("nonce")
                .and_then(|n| n.as_str())
                .unwrap_or_default();
            if !same(nonce, pending.nonce()) {
                return Err(LoginError::NonceMismatch);
            }
        }
        Ok(tokens)
    }
}

/// Whether two secrets are equal, in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// 32 random bytes, base64url: 43 characters, as RFC 7636 asks of a verifier.
fn random_text() -> Result<String, LoginError> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(bytes.as_mut_slice()).map_err(|_| LoginError::Randomness)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes.as_slice()))
}

/// The S256 challenge of a verifier: `base64url(SHA-256(verifier))`.
pub fn code_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(sha256(&[verifier.as_bytes()]))
}

impl Domain {
    /// The URL to open in a browser, and the login it starts.
    pub fn authorize(
        &self,
        request: &LoginRequest,
    ) -> Result<(reqwest::Url, PendingLogin), LoginError> {
        let pending = PendingLogin {
            client_id: request.client_id.clone(),
            redirect_uri: request.redirect_uri.clone(),
            state: random_text()?,
            nonce: random_text()?,
            verifier: Zeroizing::new(random_text()?),
        };
        Ok((self.authorize_url(request, &pending), pending))
    }

    fn authorize_url(&self, request: &LoginRequest, pending: &PendingLogin) -> reqwest::Url {
        let mut url = self.base.join("/oauth2/authorize").expect("a fixed path");
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &request.client_id)
                .append_pair("redirect_uri", &request.redirect_uri)
                .append_pair("scope", &request.scopes.join(" "))
                .append_pair("state", &pending.state)
                .append_pair("nonce", &pending.nonce)
                .append_pair("code_challenge", &code_challenge(&pending.verifier))
                .append_pair("code_challenge_method", "S256");
            let optional = [
                ("identity_provider", &request.identity_provider),
                ("idp_identifier", &request.idp_identifier),
                ("prompt", &request.prompt),
                ("lang", &request.lang),
            ];
            for (name, value) in optional {
                if let Some(value) = value {
                    query.append_pair(name, value);
                }
            }
        }
        url
    }

    /// `/logout`, back to `logout_uri` (one of the app client's sign-out URLs).
    pub fn logout_url(&self, client_id: &str, logout_uri: &str) -> reqwest::Url {
        let mut url = self.base.join("/logout").expect("a fixed path");
        url.query_pairs_mut()
            .append_pair("client_id", client_id)
            .append_pair("logout_uri", logout_uri);
        url
    }
}

impl PendingLogin {
    /// The `nonce` the ID token must carry.
    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    /// The PKCE verifier, for the code exchange.
    pub fn verifier(&self) -> &str {
        &self.verifier
    }

    /// Reads the redirect back (the whole URL the browser was sent to): the code, or why not.
    pub fn redirected(&self, url: &str) -> Result<AuthorizationCode, LoginError> {
        let url = reqwest::Url::parse(url).map_err(|_| LoginError::WrongRedirect)?;
        let expected =
            reqwest::Url::parse(&self.redirect_uri).map_err(|_| LoginError::WrongRedirect)?;
        let same_place = url.scheme() == expected.scheme()
            && url.host_str() == expected.host_str()
            && url.port_or_known_default() == expected.port_or_known_default()
            && url.path() == expected.path();
        if !same_place {
            return Err(LoginError::WrongRedirect);
        }
        let (mut state, mut code, mut error, mut description) = (None, None, None, None);
        for (name, value) in url.query_pairs() {
            let slot = match name.as_ref() {
                "state" => &mut state,
                "code" => &mut code,
                "error" => &mut error,
                "error_description" => &mut description,
                _ => continue,
            };
            // A parameter twice is not a login's answer.
            if slot.replace(value.into_owned()).is_some() {
                return Err(LoginError::StateMismatch);
            }
        }
        if !state.as_deref().is_some_and(|s| same(s, &self.state)) {
            return Err(LoginError::StateMismatch);
        }
        if let Some(error) = error {
            return Err(LoginError::Denied {
                code: ErrorCode::read(&error),
                description: description.map(|d| printable(&d, 300).into_owned()),
            });
        }
        code.filter(|c| !c.is_empty())
            .map(|c| AuthorizationCode(Zeroizing::new(c)))
            .ok_or(LoginError::NoCode)
    }
}

impl LoginTokens {
    /// The tokens of a token endpoint's answer, sent at `sent_at`.
    fn read(answer: Answer, sent_at: SystemTime) -> Result<LoginTokens, OAuthError> {
        let unreadable = |why: &str| OAuthError::Unreadable(why.to_owned());
        let access_token = answer
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| unreadable("no access token"))?;
        let seconds = answer.expires_in.ok_or_else(|| unreadable("no lifetime"))?;
        Ok(LoginTokens {
            access_token: Zeroizing::new(access_token),
            id_token: answer.id_token.map(Zeroizing::new),
            refresh_token: answer.refresh_token.map(Zeroizing::new),
            expires_at: super::expiry(sent_at, seconds)?,
        })
    }

    /// The tokens as a sign-in's, for a [`Session`](crate::signin::Session) that refreshes them
    /// at the domain ([`DomainTransport`]); `now` dates the expiry the answer stated.
    pub fn into_tokens(self, now: SystemTime) -> Tokens {
        let result = self.into_result(now);
        let access_token = result.access_token.clone().unwrap_or_default();
        Tokens::from_result(access_token, result, String::new(), now)
    }

    /// The tokens as the API's `AuthenticationResult`, their lifetime counted from `now`.
    fn into_result(self, now: SystemTime) -> AuthResult {
        let expires_in = self
            .expires_at
            .duration_since(now)
            .map_or(0, |d| i32::try_from(d.as_secs()).unwrap_or(i32::MAX));
        AuthResult {
            access_token: Some(self.access_token.to_string()),
            id_token: self.id_token.map(|t| t.to_string()),
            refresh_token: self.refresh_token.map(|t| t.to_string()),
            expires_in: Some(expires_in),
            token_type: Some("Bearer".into()),
            new_device: None,
        }
    }
}

impl LoginClient {
    /// `/oauth2/revoke`: the refresh token, and the access tokens issued from it, stop working.
    pub async fn revoke(&self, refresh_token: &str) -> Result<(), OAuthError> {
        let body = format!(
            "token={}&client_id={}",
            percent_encoding::utf8_percent_encode(refresh_token, RESERVED),
            percent_encoding::utf8_percent_encode(&self.client_id, RESERVED)
        );
        let url = self.endpoint.join("/oauth2/revoke").expect("a fixed path");
        post_no_answer(
            &self.http,
            url,
            self.basic.as_deref().map(String::as_str),
            body,
        )
        .await
    }

    /// New tokens for a refresh token (the refresh-token grant); with rotation, a new refresh
    /// token too.
    pub async fn refresh(&self, refresh_token: &str) -> Result<LoginTokens, OAuthError> {
        let body = Zeroizing::new(format!(
            "grant_type=refresh_token&refresh_token={}&client_id={}",
            percent_encoding::utf8_percent_encode(refresh_token, RESERVED),
            percent_encoding::utf8_percent_encode(&self.client_id, RESERVED)
        ));
        self.grant(&body).await
    }

    /// Posts a grant's form to the token endpoint and reads the tokens, their lifetimes
    /// counted from when it was sent.
    async fn grant(&self, body: &str) -> Result<LoginTokens, OAuthError> {
        let sent_at = SystemTime::now();
        let basic = self.basic.as_deref().map(String::as_str);
        let (_, answer) = post(&self.http, self.endpoint.clone(), basic, body.to_owned()).await?;
        LoginTokens::read(answer, sent_at)
    }

    /// `/oauth2/userInfo` with an access token holding the `openid` scope: the user's claims.
    pub async fn user_info(
        &self,
        access_token: &str,
    ) -> Result<serde_json::Map<String, serde_json::Value>, OAuthError> {
        let url = self
            .endpoint
            .join("/oauth2/userInfo")
            .expect("a fixed path");
        get_json(&self.http, url, Some(access_token)).await
    }
}

/// A user-pool's OpenID configuration (`<issuer>/.well-known/openid-configuration`).
#[derive(Debug, Clone, serde::Deserialize)]
#[non_exhaustive]
pub struct OpenIdConfiguration {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub userinfo_endpoint: Option<String>,
    pub revocation_endpoint: Option<String>,
    pub jwks_uri: String,
    #[serde(default)]
    pub scopes_supported: Vec<String>,
}

/// Reads the OpenID configuration at `url` (the issuer's `/.well-known/openid-configuration`).
pub async fn discover(url: &str) -> Result<OpenIdConfiguration, OAuthError> {
    let url = reqwest::Url::parse(url).map_err(|_| OAuthError::Domain("not a URL"))?;
    let map = get_json(&http_client()?, url, None).await?;
    serde_json::from_value(serde_json::Value::Object(map))
        .map_err(|_| OAuthError::Unreadable("not an OpenID configuration".into()))
}

/// Refreshes and revokes a managed login's tokens at the domain, as a sign-in transport: a
/// [`Session`](crate::signin::Session) of them refreshes at the token endpoint (with
/// `Refresh::GetTokensFromRefreshToken`, rotation included) and signs out by revoking.
#[derive(Debug, Clone)]
pub struct DomainTransport(pub std::sync::Arc<LoginClient>);

impl AuthTransport for DomainTransport {
    async fn send(
        &self,
        _pool_id: &str,
        _client_id: &str,
        request: Request,
    ) -> Result<Reply, TransportFailure> {
        let operation = request.operation();
        let failed = |e: OAuthError| {
            let (status, code) = match &e {
                // What Cognito's API answers for a spent or revoked refresh token: final.
                OAuthError::Refused {
                    code:
                        ErrorCode::InvalidGrant
                        | ErrorCode::InvalidClient
                        | ErrorCode::UnauthorizedClient,
                    status,
                    ..
                } => (Some(*status), Some("NotAuthorizedException".to_owned())),
                OAuthError::Refused { code, status, .. } => {
                    (Some(*status), Some(format!("{code:?}")))
                }
                OAuthError::Service { status, .. } => (*status, None),
                _ => (None, None),
            };
            TransportFailure {
                operation,
                status,
                code,
                message: Some(e.to_string()),
                source: Box::new(e),
            }
        };
        match request {
            Request::GetTokensFromRefreshToken { refresh_token, .. } => {
                let tokens = self.0.refresh(&refresh_token).await.map_err(failed)?;
                let mut result = tokens.into_result(SystemTime::now());
                // At least a second: the sign-in refuses a lifetime that is not positive.
                result.expires_in = result.expires_in.map(|s| s.max(1));
                Ok(Reply::Authenticated(result))
            }
            Request::RevokeToken { refresh_token, .. } => {
                self.0.revoke(&refresh_token).await.map_err(failed)?;
                Ok(Reply::SignedOut)
            }
            _ => Err(TransportFailure {
                operation,
                status: None,
                code: Some("UnknownOperationException".into()),
                message: Some("not an operation of the user-pool domain".into()),
                source: "not an operation of the user-pool domain".into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_rfc_7636s() {
        // RFC 7636 appendix B.
        assert_eq!(
            code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    fn login() -> (reqwest::Url, PendingLogin) {
        let domain = Domain::prefix("my-app", "eu-west-1").unwrap();
        let request = LoginRequest::new("client-1", "http://127.0.0.1:7777/callback")
            .scopes(&["openid", "email"])
            .identity_provider("Google");
        domain.authorize(&request).unwrap()
    }

    #[test]
    fn the_authorize_url_carries_every_parameter() {
        let (url, pending) = login();
        assert_eq!(
            (url.host_str(), url.path()),
            (
                Some("my-app.auth.eu-west-1.amazoncognito.com"),
                "/oauth2/authorize"
            )
        );
        let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(query["response_type"], "code");
        assert_eq!(query["client_id"], "client-1");
        assert_eq!(query["redirect_uri"], "http://127.0.0.1:7777/callback");
        assert_eq!(query["scope"], "openid email");
        assert_eq!(query["identity_provider"], "Google");
        assert_eq!(query["code_challenge_method"], "S256");
        assert_eq!(query["code_challenge"], code_challenge(pending.verifier()));
        assert_eq!(query["nonce"], pending.nonce());
        assert_eq!(pending.verifier().len(), 43);
        assert!(
            !url.as_str().contains(pending.verifier()),
            "the verifier stays here"
        );
        assert!(!format!("{pending:?}").contains(pending.verifier()));
        let (_, again) = login();
        assert_ne!(again.state, pending.state, "fresh randomness every login");
    }

    #[test]
    fn the_redirect_back_is_checked() {
        let (_, pending) = login();
        let back =
            |query: &str| pending.redirected(&format!("http://127.0.0.1:7777/callback?{query}"));
        let state = pending.state.clone();
        let code = back(&format!("code=abc123&state={state}")).unwrap();
        assert_eq!(code.0.as_str(), "abc123");
        assert!(!format!("{code:?}").contains("abc123"));
        assert_eq!(
            back("code=abc123&state=forged").unwrap_err(),
            LoginError::StateMismatch
        );
        assert_eq!(back("code=abc123").unwrap_err(), LoginError::StateMismatch);
        assert_eq!(
            back(&format!("state={state}&state={state}&code=x")).unwrap_err(),
            LoginError::StateMismatch
        );
        assert_eq!(
            back(&format!(
                "error=access_denied&error_description=User%20cancelled&state={state}"
            ))
            .unwrap_err(),
            LoginError::Denied {
                code: ErrorCode::Other("access_denied".into()),
                description: Some("User cancelled".into())
            }
        );
        assert_eq!(
            back(&format!("state={state}")).unwrap_err(),
            LoginError::NoCode
        );
        assert_eq!(
            pending
                .redirected(&format!(
                    "http://evil.example/callback?code=x&state={state}"
                ))
                .unwrap_err(),
            LoginError::WrongRedirect
        );
    }

    #[test]
    fn logout_urls_name_the_client_and_where_to_go() {
        let domain = Domain::custom("https://auth.example.com").unwrap();
        assert_eq!(
            domain
                .logout_url("client-1", "https://app.example.com/bye")
                .as_str(),
            "https://auth.example.com/logout?client_id=client-1&logout_uri=https%3A%2F%2Fapp.example.com%2Fbye"
        );
    }
}
