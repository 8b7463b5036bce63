//! Machine-to-machine tokens against the scripted token endpoint, which checks the client's
//! Basic authentication, the grant and the scopes as Cognito does.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cognito_idp_runtime::oauth::{
    ClientCredentials, Domain, ErrorCode, Grant, OAuthError, Request, TokenSource,
};
use cognito_idp_testkit::oauth::{CLIENT_ID, CLIENT_SECRET, TokenEndpoint};
use cognito_idp_testkit::peer::claims;

fn source(endpoint: &TokenEndpoint) -> ClientCredentials {
    ClientCredentials::new(
        &Domain::custom(&endpoint.url).unwrap(),
        CLIENT_ID,
        CLIENT_SECRET,
    )
    .unwrap()
}

/// A clock the test moves, in seconds.
fn clock() -> (
    Arc<AtomicU64>,
    impl Fn() -> SystemTime + Send + Sync + 'static,
) {
    let seconds = Arc::new(AtomicU64::new(1_700_000_000));
    let read = seconds.clone();
    (seconds, move || {
        UNIX_EPOCH + Duration::from_secs(read.load(Ordering::SeqCst))
    })
}

#[tokio::test]
async fn one_request_per_scope_set_however_many_ask() {
    let endpoint = TokenEndpoint::start().await;
    endpoint.delay(Duration::from_millis(50));
    let tokens = Arc::new(source(&endpoint));
    let callers: Vec<_> = (0..32)
        .map(|_| {
            let tokens = tokens.clone();
            tokio::spawn(async move {
                tokens
                    .token(&["orders/read"])
                    .await
                    .map(|t| t.token.to_string())
            })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap().unwrap(), "m2m-1");
    }
    assert_eq!(endpoint.requests(), 1, "one request for 32 callers");
    let again = tokens.token(&["orders/read"]).await.unwrap();
    assert_eq!(
        (again.token.as_str(), endpoint.requests()),
        ("m2m-1", 1),
        "from the cache"
    );
    // Another scope set is another token; the order of scopes does not matter.
    let both = tokens
        .token(&["orders/write", "orders/read"])
        .await
        .unwrap();
    assert_eq!(both.scopes, ["orders/read", "orders/write"]);
    tokens
        .token(&["orders/read", "orders/write", "orders/read"])
        .await
        .unwrap();
    assert_eq!(endpoint.requests(), 2);
    assert_eq!(
        tokens
            .authorization(&["orders/read"])
            .await
            .unwrap()
            .as_str(),
        "Bearer m2m-1"
    );
    let shown = format!("{tokens:?} {again:?}");
    assert!(
        !shown.contains("m2m-1") && !shown.contains(CLIENT_SECRET),
        "{shown}"
    );
}

#[tokio::test]
async fn tokens_are_refreshed_within_the_margin_and_kept_through_a_failure() {
    let endpoint = TokenEndpoint::start().await;
    endpoint.lifetime(300);
    let (now, clock) = clock();
    let tokens = source(&endpoint).with_clock(clock);
    assert_eq!(tokens.token(&[]).await.unwrap().token.as_str(), "m2m-1");
    now.fetch_add(230, Ordering::SeqCst);
    assert_eq!(
        tokens.token(&[]).await.unwrap().token.as_str(),
        "m2m-1",
        "outside the margin"
    );
    now.fetch_add(20, Ordering::SeqCst);
    // Within the minute's margin: refreshed, but the endpoint fails; the token is still valid.
    endpoint.fail_next(&[(500, None)]);
    assert_eq!(tokens.token(&[]).await.unwrap().token.as_str(), "m2m-1");
    assert_eq!(tokens.token(&[]).await.unwrap().token.as_str(), "m2m-1");
    assert_eq!(
        endpoint.requests(),
        2,
        "backing off: not one request per caller"
    );
    now.fetch_add(30, Ordering::SeqCst);
    assert_eq!(tokens.token(&[]).await.unwrap().token.as_str(), "m2m-3");
}

#[tokio::test]
async fn the_endpoints_refusals_are_typed_and_keep_the_secret() {
    let endpoint = TokenEndpoint::start().await;
    let wrong =
        ClientCredentials::new(&Domain::custom(&endpoint.url).unwrap(), CLIENT_ID, "not it")
            .unwrap();
    let refused = wrong.token(&["orders/read"]).await.unwrap_err();
    assert!(
        matches!(
            refused,
            OAuthError::Refused {
                code: ErrorCode::InvalidClient,
                status: 401,
                ..
            }
        ),
        "{refused:?}"
    );
    let tokens = source(&endpoint);
    let scope = tokens.token(&["orders/delete"]).await.unwrap_err();
    assert_eq!(
        scope,
        OAuthError::Refused {
            code: ErrorCode::InvalidScope,
            description: Some("not allowed".into()),
            status: 400
        }
    );
    endpoint.fail_next(&[(400, Some("unauthorized_client"))]);
    let unauthorized = tokens.token(&["orders/write"]).await.unwrap_err();
    assert!(matches!(
        unauthorized,
        OAuthError::Refused {
            code: ErrorCode::UnauthorizedClient,
            ..
        }
    ));
    endpoint.fail_next(&[(502, None)]);
    let unreadable = tokens.token(&[]).await.unwrap_err();
    assert!(
        matches!(unreadable, OAuthError::Unreadable(_)),
        "{unreadable:?}"
    );
    endpoint.fail_next(&[(302, None)]);
    let redirected = tokens
        .token(&["orders/read", "orders/write"])
        .await
        .unwrap_err();
    assert!(
        matches!(redirected, OAuthError::Unreadable(ref why) if why.contains("redirect")),
        "{redirected:?}"
    );
    for error in [refused, scope, unauthorized, unreadable, redirected] {
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(CLIENT_SECRET), "{shown}");
    }
    let unreachable = ClientCredentials::new(
        &Domain::custom("http://127.0.0.1:9").unwrap(),
        CLIENT_ID,
        CLIENT_SECRET,
    )
    .unwrap()
    .token(&[])
    .await
    .unwrap_err();
    assert!(
        matches!(unreachable, OAuthError::Unreachable(_)),
        "{unreachable:?}"
    );
}

#[tokio::test]
async fn the_scope_sets_kept_are_bounded() {
    let endpoint = TokenEndpoint::start().await;
    let tokens = source(&endpoint);
    for i in 0..100 {
        let _ = tokens.token(&[&format!("unknown/{i}")]).await;
    }
    assert_eq!(tokens.scope_sets(), 64);
}

#[tokio::test]
async fn a_scoped_handle_shares_its_sets_cache_and_outlives_its_eviction() {
    let endpoint = TokenEndpoint::start().await;
    endpoint.delay(Duration::from_millis(50));
    let tokens = Arc::new(source(&endpoint));
    let scoped = tokens.scoped(&["orders/write", "orders/read"]);
    assert!(format!("{scoped:?}").contains("orders/read orders/write"));
    // Callers through the handle and through the map: one request between them.
    let callers: Vec<_> = (0..16)
        .map(|i| {
            let (tokens, scoped) = (tokens.clone(), scoped.clone());
            tokio::spawn(async move {
                let token = match i % 2 {
                    0 => scoped.token().await,
                    _ => tokens.token(&["orders/read", "orders/write"]).await,
                };
                token.map(|t| t.token.to_string())
            })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap().unwrap(), "m2m-1");
    }
    assert_eq!(endpoint.requests(), 1);
    assert_eq!(
        scoped.authorization().await.unwrap().as_str(),
        "Bearer m2m-1"
    );
    // The map drops the set for 64 others; the handle still holds its token.
    endpoint.delay(Duration::ZERO);
    for i in 0..64 {
        let _ = tokens.token(&[&format!("unknown/{i}")]).await;
    }
    let requests = endpoint.requests();
    assert_eq!(scoped.token().await.unwrap().token.as_str(), "m2m-1");
    assert_eq!(endpoint.requests(), requests);
}

#[test]
fn domains_are_https_or_loopback() {
    let prefix = Domain::prefix("my-app", "eu-west-1").unwrap();
    assert_eq!(
        prefix.token_endpoint().as_str(),
        "https://my-app.auth.eu-west-1.amazoncognito.com/oauth2/token"
    );
    assert!(Domain::prefix("my app", "eu-west-1").is_err());
    assert!(Domain::custom("https://auth.example.com").is_ok());
    assert!(Domain::custom("http://auth.example.com").is_err());
    assert!(Domain::custom("http://127.0.0.1:8080").is_ok());
}

#[tokio::test]
async fn a_managed_login_exchanges_its_code_once_with_its_verifier() {
    use cognito_idp_runtime::oauth::login::{LoginClient, LoginError, LoginRequest};

    let endpoint = TokenEndpoint::start().await;
    let domain = Domain::custom(&endpoint.url).unwrap();
    let request =
        LoginRequest::new(CLIENT_ID, "http://127.0.0.1:7777/callback").scopes(&["openid", "email"]);
    let (url, pending) = domain.authorize(&request).unwrap();
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    // The browser signs in; the domain sends it back with a code for this challenge.
    let back = endpoint.sign_in(url.as_str());
    let client = LoginClient::new(&domain, CLIENT_ID, Some(CLIENT_SECRET)).unwrap();
    let tokens = client
        .exchange(&pending, pending.redirected(&back).unwrap())
        .await
        .expect("the code, the verifier and the redirect URI are the login's");
    assert_eq!(claims(&tokens.access_token)["token_use"], "access");
    assert!(tokens.refresh_token.is_some() && tokens.id_token.is_some());
    assert!(!format!("{tokens:?}").contains(tokens.access_token.as_str()));

    // One use per code.
    let again = client
        .exchange(&pending, pending.redirected(&back).unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(
            again,
            LoginError::Exchange(OAuthError::Refused {
                code: ErrorCode::InvalidGrant,
                ..
            })
        ),
        "{again:?}"
    );
    // Another login's verifier does not fit this code; nor does another login's nonce.
    let (_, other) = domain.authorize(&request).unwrap();
    let stolen = endpoint.sign_in(url.as_str());
    let refused = client
        .exchange(&other, pending.redirected(&stolen).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(
        refused,
        LoginError::Exchange(OAuthError::Refused {
            code: ErrorCode::InvalidGrant,
            ..
        })
    ));
    let code = endpoint.issue_code(
        &query["code_challenge"],
        &query["redirect_uri"],
        "another nonce",
    );
    let replayed = format!(
        "http://127.0.0.1:7777/callback?code={code}&state={}",
        query["state"]
    );
    let mismatch = client
        .exchange(&pending, pending.redirected(&replayed).unwrap())
        .await
        .unwrap_err();
    assert_eq!(mismatch, LoginError::NonceMismatch);
}

mod loopback {
    use std::time::Duration;

    use cognito_idp_runtime::oauth::Domain;
    use cognito_idp_runtime::oauth::login::{LoginError, LoginRequest, PendingLogin};
    use cognito_idp_runtime::oauth::loopback::{Loopback, LoopbackError};

    use super::*;

    /// A login whose redirect URI is `loopback`'s, and its state.
    fn login(loopback: &Loopback) -> (PendingLogin, String) {
        let domain = Domain::prefix("my-app", "eu-west-1").unwrap();
        let (url, pending) = domain
            .authorize(&LoginRequest::new(CLIENT_ID, loopback.redirect_uri()))
            .unwrap();
        let state = url
            .query_pairs()
            .find(|(k, _)| k == "state")
            .unwrap()
            .1
            .into_owned();
        (pending, state)
    }

    /// A browser following the redirect: the page's status and text.
    async fn browse(url: String) -> Result<(u16, String), String> {
        let client = cognito_idp_runtime::transport::http_client_builder()
            .unwrap()
            .build()
            .unwrap();
        let response = client.get(url).send().await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        Ok((status, response.text().await.unwrap_or_default()))
    }

    #[tokio::test]
    async fn exactly_one_redirect_with_the_state_is_taken() {
        let loopback = Loopback::bind(0, "/callback").await.unwrap();
        let redirect = loopback.redirect_uri();
        let (pending, state) = login(&loopback);
        let browser = tokio::spawn(async move {
            let forged = browse(format!("{redirect}?code=evil&state=forged"))
                .await
                .unwrap();
            let real = browse(format!("{redirect}?code=good&state={state}"))
                .await
                .unwrap();
            let after = browse(format!("{redirect}?code=late&state={state}")).await;
            (forged, real, after)
        });
        let code = loopback
            .wait(&pending, Duration::from_secs(10))
            .await
            .expect("the redirect with the state");
        assert_eq!(code.0.as_str(), "good");
        let (forged, real, after) = browser.await.unwrap();
        assert_eq!(forged.0, 400);
        assert_eq!(real.0, 200);
        assert!(real.1.contains("Signed in"), "{}", real.1);
        assert!(
            after.is_err(),
            "the listener is closed after the one redirect"
        );
    }

    #[tokio::test]
    async fn a_connection_that_trickles_does_not_keep_the_browser_out() {
        use tokio::io::AsyncWriteExt as _;
        let loopback = Loopback::bind(0, "/callback").await.unwrap();
        let redirect = loopback.redirect_uri();
        let address = redirect
            .trim_start_matches("http://")
            .trim_end_matches("/callback")
            .to_owned();
        let (pending, state) = login(&loopback);
        // Taken first: a byte a second, never a whole request. Before the whole request had a
        // deadline, each byte renewed a per-read one and this held the listener for hours.
        let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
        let trickle = tokio::spawn(async move {
            for byte in b"GET /callback?code=slow HTTP/1.1\r\n".iter().cycle() {
                if slow.write_all(&[*byte]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let browser =
            tokio::spawn(
                async move { browse(format!("{redirect}?code=good&state={state}")).await },
            );
        let code = loopback
            .wait(&pending, Duration::from_secs(30))
            .await
            .expect("the browser's redirect, after the trickle was dropped");
        assert_eq!(code.0.as_str(), "good");
        assert_eq!(browser.await.unwrap().unwrap().0, 200);
        trickle.abort();
    }

    #[tokio::test]
    async fn a_refused_login_ends_the_wait_and_a_browser_that_never_comes_times_out() {
        let loopback = Loopback::bind(0, "/callback").await.unwrap();
        let redirect = loopback.redirect_uri();
        let (pending, state) = login(&loopback);
        tokio::spawn(async move {
            browse(format!("{redirect}?error=access_denied&state={state}")).await
        });
        let refused = loopback
            .wait(&pending, Duration::from_secs(10))
            .await
            .unwrap_err();
        assert!(
            matches!(refused, LoopbackError::Login(LoginError::Denied { .. })),
            "{refused:?}"
        );

        let loopback = Loopback::bind(0, "/callback").await.unwrap();
        let (pending, _) = login(&loopback);
        let waited = loopback
            .wait(&pending, Duration::from_millis(200))
            .await
            .unwrap_err();
        assert!(matches!(waited, LoopbackError::TimedOut(_)), "{waited:?}");
    }
}

#[tokio::test]
async fn a_managed_login_becomes_a_session_that_refreshes_and_revokes_at_the_domain() {
    use std::sync::atomic::Ordering as AtomicOrdering;

    use cognito_idp_runtime::oauth::login::{DomainTransport, LoginClient, LoginRequest, discover};
    use cognito_idp_runtime::signin::{
        Authenticator, MemoryStore, Refresh, Session, SessionError, SessionOptions, SignInConfig,
        SignOut, TokenStore,
    };

    let endpoint = TokenEndpoint::start().await;
    endpoint.rotation.store(true, AtomicOrdering::SeqCst);
    let domain = Domain::custom(&endpoint.url).unwrap();
    let request = LoginRequest::new(CLIENT_ID, "http://127.0.0.1:7777/callback");
    let (url, pending) = domain.authorize(&request).unwrap();
    let back = endpoint.sign_in(url.as_str());
    let client = Arc::new(LoginClient::new(&domain, CLIENT_ID, Some(CLIENT_SECRET)).unwrap());
    let login = client
        .exchange(&pending, pending.redirected(&back).unwrap())
        .await
        .unwrap();

    let info = client
        .user_info(&login.access_token)
        .await
        .expect("userInfo");
    assert_eq!(info["email"], "user@example.com");
    let refused = client.user_info("not-a-token").await.unwrap_err();
    assert!(
        matches!(refused, OAuthError::Refused { status: 401, .. }),
        "{refused:?}"
    );

    let tokens = login.into_tokens(SystemTime::now());
    assert_eq!(tokens.username, "sub-user");
    let first_refresh = tokens.refresh_token.clone().unwrap();
    let auth = Authenticator::new(
        DomainTransport(client.clone()),
        SignInConfig::new("unused", CLIENT_ID),
    );
    let store = Arc::new(MemoryStore::default());
    let options = SessionOptions::default().with_refresh(Refresh::GetTokensFromRefreshToken);
    let session = Session::new(auth, tokens, store.clone(), options).unwrap();
    let fresh = session
        .refresh()
        .await
        .expect("refreshed at the token endpoint");
    let rotated = fresh.refresh_token.clone().unwrap();
    assert_ne!(rotated, first_refresh, "rotated");
    assert_eq!(
        store.load().unwrap().unwrap().refresh_token,
        Some(rotated.clone())
    );
    let spent = client.refresh(&first_refresh).await.unwrap_err();
    assert!(matches!(
        spent,
        OAuthError::Refused {
            code: ErrorCode::InvalidGrant,
            ..
        }
    ));

    session
        .sign_out(SignOut::Revoke)
        .await
        .expect("revoked at the domain");
    let revoked = client.refresh(&rotated).await.unwrap_err();
    assert!(matches!(
        revoked,
        OAuthError::Refused {
            code: ErrorCode::InvalidGrant,
            ..
        }
    ));
    assert!(matches!(
        session.access_token().await,
        Err(SessionError::SignedOut)
    ));

    let configuration = discover(&format!(
        "{}/.well-known/openid-configuration",
        endpoint.url
    ))
    .await
    .expect("discovery");
    assert_eq!(
        configuration.token_endpoint,
        format!("{}/oauth2/token", endpoint.url)
    );
}

/// A source of the caller's own: it records what it was asked and answers from a script.
struct Scripted {
    asked: std::sync::Mutex<Vec<Vec<String>>>,
    answers: std::sync::Mutex<Vec<Grant>>,
}

impl TokenSource for Scripted {
    fn request(&self, scopes: &[String]) -> Request {
        self.asked.lock().unwrap().push(scopes.to_vec());
        let answer = self.answers.lock().unwrap().pop();
        Box::pin(async move { answer.ok_or(OAuthError::Unreachable("no more answers".into())) })
    }

    fn describe(&self) -> String {
        "a scripted source".into()
    }
}

#[tokio::test]
async fn a_source_of_the_callers_own_is_kept_by_the_same_rules() {
    let source = Arc::new(Scripted {
        asked: Default::default(),
        // Popped from the end: an empty token, then a good one, then one with its own scopes.
        answers: std::sync::Mutex::new(vec![
            Grant::new("granted".into(), 600, Some(vec!["a/x".into()])),
            Grant::new("fine".into(), 600, None),
            Grant::new(String::new(), 600, None),
        ]),
    });
    let tokens = ClientCredentials::from_source(source.clone());
    assert!(format!("{tokens:?}").contains("a scripted source"));
    let empty = tokens.token(&["b/y", "a/x", "b/y"]).await.unwrap_err();
    assert!(matches!(empty, OAuthError::Unreadable(_)), "{empty:?}");
    // The next ask waits out the backoff of the failed one; a fresh set asks at once.
    let fine = tokens.token(&["c/z"]).await.unwrap();
    assert_eq!(
        (fine.token.as_str(), fine.scopes.clone()),
        ("fine", vec!["c/z".to_owned()])
    );
    let granted = tokens.token(&[]).await.unwrap();
    assert_eq!(
        (granted.token.as_str(), granted.scopes.clone()),
        ("granted", vec!["a/x".to_owned()])
    );
    assert_eq!(
        *source.asked.lock().unwrap(),
        [
            vec!["a/x".to_owned(), "b/y".to_owned()],
            vec!["c/z".to_owned()],
            vec![]
        ],
        "scope sets sorted, once each"
    );
}

#[tokio::test]
async fn lifetimes_the_clock_cannot_hold_are_errors_not_panics() {
    use cognito_idp_runtime::oauth::login::{LoginClient, LoginError, LoginRequest};

    let endpoint = TokenEndpoint::start().await;
    endpoint.lifetime(i64::MAX as u64);
    let m2m = source(&endpoint).token(&["orders/read"]).await.unwrap_err();
    assert!(
        matches!(m2m, OAuthError::Unreadable(ref why) if why.contains("lifetime")),
        "{m2m:?}"
    );

    let domain = Domain::custom(&endpoint.url).unwrap();
    let (url, pending) = domain
        .authorize(&LoginRequest::new(
            CLIENT_ID,
            "http://127.0.0.1:7777/callback",
        ))
        .unwrap();
    let back = endpoint.sign_in(url.as_str());
    let login = LoginClient::new(&domain, CLIENT_ID, Some(CLIENT_SECRET))
        .unwrap()
        .exchange(&pending, pending.redirected(&back).unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(login, LoginError::Exchange(OAuthError::Unreadable(_))),
        "{login:?}"
    );
}
