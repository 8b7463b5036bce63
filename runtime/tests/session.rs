//! Sessions against a scripted peer that enforces refresh-token rotation as Cognito does (moto
//! implements neither rotation nor `GetTokensFromRefreshToken` nor `RevokeToken`): an old
//! refresh token is refused once rotated, so a second concurrent refresh would fail.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognito_idp_runtime::signin::{
    Answer, AuthError, AuthResult, AuthTransport, Authenticator, Flow, MemoryStore, PromptError,
    Prompter, Question, Refresh, Reply, Request, Session, SessionError, SessionOptions,
    SignInConfig, SignOut, TokenStore, Tokens, TransportFailure, Zeroizing,
};
use cognito_idp_runtime::srp::secret_hash;

const POOL: &str = "us-east-1_Sessions";
const CLIENT: &str = "session-client";
const SECRET: &str = "session-client-secret";
const LIFETIME: u64 = 3600;

/// Seconds since the epoch, shared by the peer (which dates tokens) and the session's clock.
#[derive(Clone, Default)]
struct TestClock(Arc<AtomicU64>);

impl TestClock {
    fn at(seconds: u64) -> TestClock {
        TestClock(Arc::new(AtomicU64::new(seconds)))
    }
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.0.load(Ordering::SeqCst))
    }
    fn advance(&self, seconds: u64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

#[derive(Default)]
struct PeerState {
    /// The refresh token that works now; rotated ones are refused.
    valid_refresh: Option<String>,
    issued: u64,
    log: Vec<String>,
    signed_out: bool,
}

/// A user pool with one user, `dana` (internal name `sub-dana`), and one app client.
struct Peer {
    clock: TestClock,
    /// `REFRESH_TOKEN_AUTH` is disabled, as it must be with rotation.
    rotation: bool,
    secret: Option<&'static str>,
    /// How long a refresh takes, so that concurrent callers overlap.
    delay: Duration,
    state: Mutex<PeerState>,
}

fn refuse(operation: &'static str, code: &str, message: &str) -> TransportFailure {
    TransportFailure {
        operation,
        code: Some(code.into()),
        message: Some(message.into()),
        source: message.to_owned().into(),
    }
}

/// An unsigned JWT with these claims: the client only reads them.
fn jwt(claims: serde_json::Value) -> String {
    let part = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.c2ln",
        part(serde_json::json!({"alg": "RS256", "kid": "k"})),
        part(claims)
    )
}

impl Peer {
    fn new(clock: &TestClock, rotation: bool) -> Peer {
        Peer {
            clock: clock.clone(),
            rotation,
            secret: None,
            delay: Duration::from_millis(20),
            state: Mutex::default(),
        }
    }

    fn tokens(&self, state: &mut PeerState, rotate: bool, first: bool) -> Reply {
        state.issued += 1;
        let now = self.clock.0.load(Ordering::SeqCst);
        let access = jwt(serde_json::json!({
            "username": "sub-dana", "sub": "sub-dana", "token_use": "access",
            "exp": now + LIFETIME, "n": state.issued,
        }));
        let refresh = (rotate || first).then(|| format!("refresh-{}", state.issued));
        if let Some(refresh) = &refresh {
            state.valid_refresh = Some(refresh.clone());
        }
        Reply::Authenticated(AuthResult {
            access_token: Some(access),
            id_token: Some(format!("id-{}", state.issued)),
            refresh_token: refresh,
            expires_in: Some(LIFETIME as i32),
            token_type: Some("Bearer".into()),
            new_device: None,
        })
    }

    fn check_secret_hash(
        &self,
        parameters: &HashMap<String, String>,
    ) -> Result<(), TransportFailure> {
        let Some(secret) = self.secret else {
            return Ok(());
        };
        // Cognito checks it over the user's name as it knows it, not the typed alias.
        if parameters.get("SECRET_HASH") != Some(&secret_hash("sub-dana", CLIENT, secret)) {
            return Err(refuse(
                "InitiateAuth",
                "NotAuthorizedException",
                &format!("Unable to verify secret hash for client {CLIENT}"),
            ));
        }
        Ok(())
    }

    fn log(&self) -> Vec<String> {
        std::mem::take(&mut self.state.lock().unwrap().log)
    }
}

/// The peer as a transport.
#[derive(Clone)]
struct Link(Arc<Peer>);

impl AuthTransport for Link {
    async fn send(
        &self,
        _pool: &str,
        _client: &str,
        request: Request,
    ) -> Result<Reply, TransportFailure> {
        let refreshing = matches!(
            &request,
            Request::GetTokensFromRefreshToken { .. }
                | Request::InitiateAuth {
                    auth_flow: "REFRESH_TOKEN_AUTH",
                    ..
                }
        );
        if refreshing {
            tokio::time::sleep(self.0.delay).await;
        }
        let mut state = self.0.state.lock().unwrap();
        state.log.push(request.operation().to_owned());
        match request {
            Request::InitiateAuth {
                auth_flow: "USER_PASSWORD_AUTH",
                parameters,
                ..
            } => {
                assert_eq!(parameters["PASSWORD"], "Dana!pass1");
                state.signed_out = false;
                Ok(self.0.tokens(&mut state, false, true))
            }
            Request::InitiateAuth {
                auth_flow: "REFRESH_TOKEN_AUTH",
                parameters,
                ..
            } => {
                if self.0.rotation {
                    return Err(refuse(
                        "InitiateAuth",
                        "InvalidParameterException",
                        "Auth flow not enabled for this client",
                    ));
                }
                self.0.check_secret_hash(&parameters)?;
                if state.signed_out
                    || state.valid_refresh.as_ref() != parameters.get("REFRESH_TOKEN")
                {
                    return Err(refuse(
                        "InitiateAuth",
                        "NotAuthorizedException",
                        "Invalid Refresh Token",
                    ));
                }
                state
                    .log
                    .push(format!("DEVICE_KEY={:?}", parameters.get("DEVICE_KEY")));
                Ok(self.0.tokens(&mut state, false, false))
            }
            Request::GetTokensFromRefreshToken {
                refresh_token,
                client_secret,
                ..
            } => {
                assert_eq!(client_secret.as_deref(), self.0.secret);
                if state.signed_out
                    || state.valid_refresh.as_deref() != Some(refresh_token.as_str())
                {
                    return Err(refuse(
                        "GetTokensFromRefreshToken",
                        "NotAuthorizedException",
                        "Invalid Refresh Token.",
                    ));
                }
                Ok(self.0.tokens(&mut state, self.0.rotation, false))
            }
            Request::GlobalSignOut { .. } | Request::RevokeToken { .. } => {
                state.signed_out = true;
                state.valid_refresh = None;
                Ok(Reply::SignedOut)
            }
            other => panic!("the peer does not script {other:?}"),
        }
    }
}

struct NoQuestions;

impl Prompter for NoQuestions {
    async fn answer(&mut self, question: &Question) -> Result<Answer, PromptError> {
        Err(PromptError(format!("unexpected {question:?}")))
    }
}

fn auth(peer: &Arc<Peer>) -> Authenticator<Link> {
    let mut config = SignInConfig::new(POOL, CLIENT);
    if let Some(secret) = peer.secret {
        config = config.with_client_secret(secret);
    }
    Authenticator::new(Link(peer.clone()), config)
}

async fn sign_in(peer: &Arc<Peer>) -> Tokens {
    let tokens = auth(peer)
        .run(
            Flow::UserPassword,
            "dana@example.com",
            Some(Zeroizing::new("Dana!pass1".into())),
            &mut NoQuestions,
        )
        .await
        .expect("signed in");
    peer.log();
    tokens
}

fn options(clock: &TestClock) -> SessionOptions {
    let clock = clock.clone();
    SessionOptions::default()
        .with_margin(Duration::from_secs(120))
        .with_clock(move || clock.now())
}

async fn new_session(peer: &Arc<Peer>, clock: &TestClock) -> (Session<Link>, Arc<MemoryStore>) {
    let store = Arc::new(MemoryStore::default());
    let tokens = sign_in(peer).await;
    let session = Session::new(auth(peer), tokens, store.clone(), options(clock)).unwrap();
    (session, store)
}

#[tokio::test]
async fn tokens_are_handed_out_until_the_margin_then_refreshed() {
    let clock = TestClock::at(1_700_000_000);
    let peer = Arc::new(Peer::new(&clock, false));
    let (session, store) = new_session(&peer, &clock).await;
    assert_eq!(
        session.username().await.as_deref(),
        Some("sub-dana"),
        "the internal name"
    );
    let first = session.access_token().await.unwrap();
    clock.advance(LIFETIME - 121);
    assert_eq!(
        session.access_token().await.unwrap(),
        first,
        "outside the margin: no refresh"
    );
    assert!(peer.log().is_empty());
    clock.advance(2);
    let second = session.access_token().await.unwrap();
    assert_ne!(second, first);
    assert_eq!(peer.log(), ["InitiateAuth", "DEVICE_KEY=None"]);
    // The store follows, and keeps the refresh token REFRESH_TOKEN_AUTH does not reissue.
    let stored = store.load().unwrap().unwrap();
    assert_eq!(stored.access_token, second);
    assert_eq!(
        stored.refresh_token.as_deref().map(String::as_str),
        Some("refresh-1")
    );
    let debug = format!("{session:?}");
    assert!(
        !debug.contains(second.as_str()) && !debug.contains("refresh-1"),
        "{debug}"
    );
}

#[tokio::test]
async fn concurrent_callers_share_one_rotating_refresh() {
    let clock = TestClock::at(1_700_000_000);
    let peer = Arc::new(Peer::new(&clock, true));
    let store = Arc::new(MemoryStore::default());
    let tokens = sign_in(&peer).await;
    let options = options(&clock).with_refresh(Refresh::GetTokensFromRefreshToken);
    let session = Session::new(auth(&peer), tokens, store, options).unwrap();
    clock.advance(LIFETIME);
    let callers: Vec<_> = (0..64)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move { session.access_token().await })
        })
        .collect();
    let mut handed = Vec::new();
    for caller in callers {
        handed.push(caller.await.unwrap().expect("every caller gets a token"));
    }
    assert!(
        handed.iter().all(|t| *t == handed[0]),
        "one refresh, one token"
    );
    assert_eq!(
        peer.log(),
        ["GetTokensFromRefreshToken"],
        "exactly one refresh request"
    );
}

#[tokio::test]
async fn auto_refresh_switches_to_get_tokens_when_the_client_rotates() {
    let clock = TestClock::at(1_700_000_000);
    let peer = Arc::new(Peer::new(&clock, true));
    let (session, store) = new_session(&peer, &clock).await;
    let before = store.load().unwrap().unwrap();
    session.refresh().await.expect("refreshed after switching");
    assert_eq!(peer.log(), ["InitiateAuth", "GetTokensFromRefreshToken"]);
    let rotated = store.load().unwrap().unwrap();
    assert_ne!(
        rotated.refresh_token, before.refresh_token,
        "rotated, and stored"
    );
    session.refresh().await.unwrap();
    assert_eq!(
        peer.log(),
        ["GetTokensFromRefreshToken"],
        "the choice is kept"
    );
    // The old refresh token is spent, as Cognito does after a rotation.
    let mut how = Refresh::GetTokensFromRefreshToken;
    let spent = auth(&peer).refresh(&before, &mut how).await.unwrap_err();
    assert_eq!(spent.code(), Some("NotAuthorizedException"));
}

#[tokio::test]
async fn a_refresh_with_a_secret_hashes_the_internal_name() {
    let clock = TestClock::at(1_700_000_000);
    let mut peer = Peer::new(&clock, false);
    peer.secret = Some(SECRET);
    let peer = Arc::new(peer);
    let (session, _) = new_session(&peer, &clock).await;
    session
        .refresh()
        .await
        .expect("SECRET_HASH over sub-dana, not the typed e-mail");
    // Rotation on: GetTokensFromRefreshToken takes the secret itself.
    let mut rotating = Peer::new(&clock, true);
    rotating.secret = Some(SECRET);
    let rotating = Arc::new(rotating);
    let (rotating_session, _) = new_session(&rotating, &clock).await;
    rotating_session.refresh().await.expect("ClientSecret sent");
}

#[tokio::test]
async fn sign_out_clears_the_session_and_its_store() {
    for how in [SignOut::Global, SignOut::Revoke] {
        let clock = TestClock::at(1_700_000_000);
        let peer = Arc::new(Peer::new(&clock, false));
        let (session, store) = new_session(&peer, &clock).await;
        session.sign_out(how).await.expect("signed out");
        assert!(store.load().unwrap().is_none());
        assert!(matches!(
            session.access_token().await,
            Err(SessionError::SignedOut)
        ));
        assert!(matches!(
            session.sign_out(how).await,
            Err(SessionError::SignedOut)
        ));
    }
}

#[tokio::test]
async fn a_session_is_restored_from_its_store() {
    let clock = TestClock::at(1_700_000_000);
    let peer = Arc::new(Peer::new(&clock, false));
    let (first, store) = new_session(&peer, &clock).await;
    let token = first.access_token().await.unwrap();
    let restored = Session::restore(auth(&peer), store, options(&clock))
        .unwrap()
        .expect("a stored session");
    assert_eq!(restored.access_token().await.unwrap(), token);
    let empty = Session::restore(
        auth(&peer),
        Arc::new(MemoryStore::default()),
        options(&clock),
    );
    assert!(empty.unwrap().is_none());
    // A refused refresh is a typed error carrying the service's code.
    clock.advance(LIFETIME);
    first.sign_out(SignOut::Revoke).await.unwrap();
    match restored.access_token().await {
        Err(SessionError::Refresh(e @ AuthError::Transport(_))) => {
            assert_eq!(e.code(), Some("NotAuthorizedException"))
        }
        other => panic!("expected a refused refresh, got {other:?}"),
    }
}

mod property {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Whatever the margin and however time moves, a token handed out is valid beyond the
        /// margin at the moment it is handed out.
        #[test]
        fn never_hands_out_a_token_within_its_margin(
            margin in 0u64..1800,
            steps in proptest::collection::vec(0u64..2000, 1..12),
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let clock = TestClock::at(1_700_000_000);
                let mut peer = Peer::new(&clock, false);
                peer.delay = Duration::ZERO;
                let peer = Arc::new(peer);
                let tokens = sign_in(&peer).await;
                let options = options(&clock).with_margin(Duration::from_secs(margin));
                let session = Session::new(auth(&peer), tokens, Arc::new(MemoryStore::default()), options).unwrap();
                for step in steps {
                    clock.advance(step);
                    let tokens = session.tokens().await.expect("a token");
                    prop_assert!(clock.now() + Duration::from_secs(margin) < tokens.expires_at);
                }
                Ok(())
            })?;
        }
    }
}
