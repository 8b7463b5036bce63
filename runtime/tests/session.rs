//! Sessions against the scripted peer, which enforces refresh-token rotation as Cognito does
//! (moto implements neither rotation nor `GetTokensFromRefreshToken` nor `RevokeToken`): an old
//! refresh token is refused once rotated, so a second concurrent refresh would fail. Faults are
//! injected on both sides: a store that fails, a caller that gives up while the peer holds its
//! reply, a peer that throttles or fails for a while, many sessions due at once.

use std::sync::Arc;
use std::time::Duration;

use cognito_idp_runtime::signin::{
    Authenticator, Flow, MemoryStore, Refresh, Session, SessionError, SessionOptions, SignInConfig,
    SignOut, TokenStore, Tokens, Zeroizing,
};
use cognito_idp_testkit::peer::{CLIENT_ID, POOL_ID, claims};
use cognito_idp_testkit::{Fault, FlakyStore, Link, Peer, Script, TestClock};

const SECRET: &str = "session-client-secret";
const LIFETIME: u64 = 3600;
const MARGIN: u64 = 120;

/// Dana's pool: she types her e-mail address; Cognito knows her as `sub-dana`.
fn pool(clock: &TestClock) -> Peer {
    Peer::new()
        .user("dana@example.com", "sub-dana", "Dana!pass1")
        .clock(clock)
}

/// A signed-in session, with what a test needs around it.
struct Signed {
    peer: Arc<Peer>,
    clock: TestClock,
    session: Session<Link>,
    store: Arc<dyn TokenStore>,
    /// The tokens of the sign-in.
    first: Tokens,
}

fn auth(peer: &Arc<Peer>, secret: Option<&str>) -> Authenticator<Link> {
    let mut config = SignInConfig::new(POOL_ID, CLIENT_ID);
    if let Some(secret) = secret {
        config = config.with_client_secret(secret);
    }
    Authenticator::new(Link(peer.clone()), config)
}

/// Refreshes due at half the margin's first half: 90 s before the expiry.
fn options(clock: &TestClock) -> SessionOptions {
    SessionOptions::default()
        .with_margin(Duration::from_secs(MARGIN))
        .with_clock(clock.source())
        .with_jitter(|| 0.5)
}

async fn sign_in(peer: &Arc<Peer>, secret: Option<&str>) -> Tokens {
    let tokens = auth(peer, secret)
        .run(
            Flow::UserPassword,
            "dana@example.com",
            Some(Zeroizing::new("Dana!pass1".into())),
            &mut Script::none(),
        )
        .await
        .expect("signed in");
    peer.log();
    tokens
}

async fn signed_in(peer: Peer, store: Arc<dyn TokenStore>, options: SessionOptions) -> Signed {
    let clock = peer.clock.clone();
    let peer = peer.share();
    let first = sign_in(&peer, None).await;
    let session = Session::new(auth(&peer, None), first.clone(), store.clone(), options).unwrap();
    Signed {
        peer,
        clock,
        session,
        store,
        first,
    }
}

async fn dana(peer: Peer) -> Signed {
    let options = options(&peer.clock);
    signed_in(peer, Arc::new(MemoryStore::default()), options).await
}

fn n(token: &str) -> u64 {
    claims(token)["n"].as_u64().unwrap()
}

#[tokio::test]
async fn tokens_are_handed_out_until_their_refresh_moment_then_refreshed() {
    let clock = TestClock::at(1_700_000_000);
    let Signed {
        peer,
        clock,
        session,
        store,
        first,
    } = dana(pool(&clock)).await;
    assert_eq!(
        session.username().await.as_deref(),
        Some("sub-dana"),
        "the internal name"
    );
    clock.advance(LIFETIME - 91);
    assert_eq!(
        session.access_token().await.unwrap(),
        first.access_token,
        "before the refresh moment: no refresh"
    );
    assert!(peer.log().is_empty());
    clock.advance(1);
    let second = session.access_token().await.unwrap();
    assert_ne!(second, first.access_token);
    assert_eq!(peer.log(), ["GetTokensFromRefreshToken"]);
    // The store follows, keeps the refresh token a refresh without rotation does not reissue,
    // and what was learned of the app client.
    let stored = store.load().unwrap().unwrap();
    assert_eq!(stored.access_token, second);
    assert_eq!(stored.refresh_token, first.refresh_token);
    assert_eq!(stored.refresh, Refresh::GetTokensFromRefreshToken);
    let debug = format!("{session:?}");
    let refresh_token = first.refresh_token.unwrap();
    assert!(
        !debug.contains(second.as_str()) && !debug.contains(refresh_token.as_str()),
        "{debug}"
    );
}

#[tokio::test]
async fn refresh_token_auth_names_no_device_and_keeps_the_refresh_token() {
    let clock = TestClock::at(1_700_000_000);
    let options = options(&clock).with_refresh(Refresh::RefreshTokenAuth);
    let Signed { peer, session, .. } =
        signed_in(pool(&clock), Arc::new(MemoryStore::default()), options).await;
    let fresh = session.refresh().await.unwrap();
    assert_eq!(
        peer.log(),
        ["InitiateAuth REFRESH_TOKEN_AUTH", "DEVICE_KEY=None"]
    );
    assert!(fresh.refresh_token.is_some());
}

#[tokio::test]
async fn concurrent_callers_share_one_rotating_refresh() {
    let clock = TestClock::at(1_700_000_000);
    let mut peer = pool(&clock).rotation();
    peer.refresh_delay = Duration::from_millis(20);
    let Signed {
        peer,
        clock,
        session,
        ..
    } = dana(peer).await;
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
async fn with_rotation_the_first_refresh_rotates_and_the_old_token_is_spent() {
    let clock = TestClock::at(1_700_000_000);
    let Signed {
        peer,
        session,
        store,
        first,
        ..
    } = dana(pool(&clock).rotation()).await;
    session.refresh().await.expect("refreshed");
    assert_eq!(peer.log(), ["GetTokensFromRefreshToken"]);
    let rotated = store.load().unwrap().unwrap();
    assert_ne!(
        rotated.refresh_token, first.refresh_token,
        "rotated, and stored"
    );
    session.refresh().await.unwrap();
    assert_eq!(peer.log(), ["GetTokensFromRefreshToken"]);
    let mut how = Refresh::GetTokensFromRefreshToken;
    let spent = auth(&peer, None)
        .refresh(&first, &mut how)
        .await
        .unwrap_err();
    assert_eq!(spent.code(), Some("NotAuthorizedException"));
}

/// Where `GetTokensFromRefreshToken` is missing (an emulator's HTTP 500 without a code) or
/// refuses a token that `REFRESH_TOKEN_AUTH` takes, `Refresh::Auto` learns the other way once
/// and keeps it, in the session and in the store.
#[tokio::test]
async fn auto_learns_refresh_token_auth_where_get_tokens_fails_and_keeps_it() {
    for peer in [Peer::without_get_tokens, Peer::get_tokens_refuses] {
        let clock = TestClock::at(1_700_000_000);
        let Signed {
            peer,
            clock,
            session,
            store,
            ..
        } = dana(peer(pool(&clock))).await;
        session
            .refresh()
            .await
            .expect("refreshed by REFRESH_TOKEN_AUTH");
        assert_eq!(
            peer.log(),
            [
                "GetTokensFromRefreshToken",
                "InitiateAuth REFRESH_TOKEN_AUTH",
                "DEVICE_KEY=None"
            ]
        );
        assert_eq!(
            store.load().unwrap().unwrap().refresh,
            Refresh::RefreshTokenAuth
        );
        // The session goes straight to what it learned...
        session.refresh().await.unwrap();
        assert_eq!(
            peer.log(),
            ["InitiateAuth REFRESH_TOKEN_AUTH", "DEVICE_KEY=None"]
        );
        // ...and so does a new process restoring it: no refused request first.
        let restored = Session::restore(auth(&peer, None), store, options(&clock))
            .unwrap()
            .unwrap();
        restored.refresh().await.unwrap();
        assert_eq!(
            peer.log(),
            ["InitiateAuth REFRESH_TOKEN_AUTH", "DEVICE_KEY=None"]
        );
    }
}

#[tokio::test]
async fn auto_tries_no_other_way_when_no_answer_came() {
    let clock = TestClock::at(1_700_000_000);
    let Signed { peer, session, .. } = dana(pool(&clock)).await;
    peer.fail_refreshes(Fault::NoAnswer, 1);
    // A connection that failed says nothing of the operation (the service may even have
    // rotated the token before it broke): no REFRESH_TOKEN_AUTH in its place.
    session.refresh().await.unwrap_err();
    assert_eq!(peer.log(), ["GetTokensFromRefreshToken"]);
    session.refresh().await.expect("the next try, answered");
    assert_eq!(peer.log(), ["GetTokensFromRefreshToken"]);
}

#[tokio::test]
async fn a_refresh_with_a_secret_hashes_the_internal_name() {
    for (peer, how) in [
        (Refresh::RefreshTokenAuth, false),
        (Refresh::GetTokensFromRefreshToken, true),
    ]
    .map(|(how, rotation)| {
        let clock = TestClock::at(1_700_000_000);
        let peer = pool(&clock).client_secret(SECRET);
        (if rotation { peer.rotation() } else { peer }, how)
    }) {
        let peer = peer.share();
        let clock = peer.clock.clone();
        let tokens = sign_in(&peer, Some(SECRET)).await;
        let options = options(&clock).with_refresh(how);
        let store = Arc::new(MemoryStore::default());
        let session = Session::new(auth(&peer, Some(SECRET)), tokens, store, options).unwrap();
        session
            .refresh()
            .await
            .expect("SECRET_HASH over sub-dana (or the secret itself), not the typed e-mail");
    }
}

#[tokio::test]
async fn sign_out_clears_the_session_and_its_store() {
    for how in [SignOut::Global, SignOut::Revoke] {
        let clock = TestClock::at(1_700_000_000);
        let Signed { session, store, .. } = dana(pool(&clock)).await;
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
async fn a_refresh_refused_for_good_ends_the_session_at_once() {
    let clock = TestClock::at(1_700_000_000);
    let Signed {
        peer,
        clock,
        store,
        first,
        ..
    } = dana(pool(&clock)).await;
    let restored = Session::restore(auth(&peer, None), store, options(&clock))
        .unwrap()
        .expect("a stored session");
    assert_eq!(restored.access_token().await.unwrap(), first.access_token);
    let empty = Session::restore(
        auth(&peer, None),
        Arc::new(MemoryStore::default()),
        options(&clock),
    );
    assert!(empty.unwrap().is_none());
    // Revoked while the tokens are still valid: the refresh is refused, with the service's code,
    // and the session ends then, not at the expiry.
    peer.revoke_all();
    clock.advance(LIFETIME - 60);
    match restored.access_token().await {
        Err(SessionError::Refresh(e)) => assert_eq!(e.code(), Some("NotAuthorizedException")),
        other => panic!("expected a refused refresh, got {other:?}"),
    }
    assert!(matches!(
        restored.access_token().await,
        Err(SessionError::SignedOut)
    ));
    assert_eq!(
        peer.log(),
        [
            "GetTokensFromRefreshToken",
            "InitiateAuth REFRESH_TOKEN_AUTH"
        ],
        "refused by both ways once, and not tried again"
    );
}

#[tokio::test]
async fn a_failing_store_loses_no_tokens_and_is_saved_again() {
    let clock = TestClock::at(1_700_000_000);
    let store = Arc::new(FlakyStore::default());
    let peer = pool(&clock).rotation();
    let options = options(&clock);
    let Signed {
        peer,
        clock,
        session,
        ..
    } = signed_in(peer, store.clone(), options).await;
    store.fail_saves(1, 1);
    clock.advance(LIFETIME - 60);
    let fresh = session.tokens().await.expect("the refreshed tokens");
    assert_eq!(n(&fresh.access_token), 2);
    assert!(session.store_error().is_some(), "the failure is visible");
    assert_eq!(n(&store.load().unwrap().unwrap().access_token), 1);
    // The next call saves again; the rotated refresh token was never lost.
    let again = session.tokens().await.unwrap();
    assert_eq!(again.access_token, fresh.access_token);
    assert!(session.store_error().is_none());
    assert_eq!(n(&store.load().unwrap().unwrap().access_token), 2);
    clock.advance(LIFETIME - 60);
    session
        .tokens()
        .await
        .expect("refreshed with the rotated token");
    assert_eq!(
        peer.log(),
        ["GetTokensFromRefreshToken", "GetTokensFromRefreshToken"]
    );
}

#[tokio::test]
async fn a_caller_that_gives_up_does_not_lose_a_rotation() {
    let clock = TestClock::at(1_700_000_000);
    let Signed {
        peer,
        clock,
        session,
        ..
    } = dana(pool(&clock).rotation()).await;
    let release = peer.hold_refreshes();
    clock.advance(LIFETIME - 60);
    let gave_up = tokio::time::timeout(Duration::from_millis(50), session.access_token()).await;
    assert!(gave_up.is_err(), "the caller timed out");
    assert_eq!(
        peer.log(),
        ["GetTokensFromRefreshToken"],
        "the peer rotated"
    );
    release.send(true).unwrap();
    let fresh = session
        .tokens()
        .await
        .expect("the rotated tokens were kept");
    assert_eq!(n(&fresh.access_token), 2);
    assert!(peer.log().is_empty(), "no second refresh");
    clock.advance(LIFETIME - 60);
    let next = session.tokens().await.expect("the new refresh token works");
    assert_eq!(n(&next.access_token), 3);
}

#[tokio::test]
async fn an_outage_hands_out_valid_tokens_backs_off_and_shows_only_after_expiry() {
    let clock = TestClock::at(1_700_000_000);
    let options = options(&clock).with_refresh(Refresh::GetTokensFromRefreshToken);
    let store = Arc::new(MemoryStore::default());
    let Signed {
        peer,
        clock,
        session,
        first,
        ..
    } = signed_in(pool(&clock).rotation(), store, options).await;
    peer.fail_refreshes(Fault::Throttled, 3);
    peer.fail_refreshes(Fault::ServerError, 3);
    peer.fail_refreshes(Fault::NoAnswer, 3);
    peer.fail_refreshes(Fault::Throttled, 1000);
    clock.advance(LIFETIME - 90);
    // Ninety seconds, a call every second: all valid, the peer asked far less often.
    for _ in 0..89 {
        let token = session
            .access_token()
            .await
            .expect("valid tokens through the outage");
        assert_eq!(token, first.access_token);
        clock.advance(1);
    }
    // Backoffs of 0.5, 1, 2, 4, 8 and then 15 s (half of each ceiling, as the jitter says).
    let (asked, _) = peer.refresh_counts();
    assert_eq!(asked, 10, "backed off: {asked} refreshes in 89 s");
    clock.advance(2);
    match session.access_token().await {
        Err(SessionError::Refresh(e)) => assert_eq!(e.code(), Some("TooManyRequestsException")),
        other => panic!("expected the throttling to show, got {other:?}"),
    }
    // The outage ends: the next call refreshes with the refresh token the faults never spent.
    peer.end_faults();
    let mut peer_faults_cleared = false;
    for _ in 0..200 {
        if let Ok(token) = session.access_token().await {
            assert_ne!(token, first.access_token);
            peer_faults_cleared = true;
            break;
        }
        clock.advance(1);
    }
    assert!(peer_faults_cleared, "signed in again after the outage");
}

#[tokio::test]
async fn sessions_pick_their_own_refresh_moments() {
    let clock = TestClock::at(1_700_000_000);
    let peer = pool(&clock).share();
    let mut moments = Vec::new();
    for jitter in [0.0, 0.5, 0.99] {
        let tokens = sign_in(&peer, None).await;
        let options = options(&clock).with_jitter(move || jitter);
        let store = Arc::new(MemoryStore::default());
        let session = Session::new(auth(&peer, None), tokens, store, options).unwrap();
        let start = clock.seconds();
        let moment = loop {
            let before = peer.refresh_counts().0;
            session.access_token().await.unwrap();
            if peer.refresh_counts().0 > before {
                break clock.seconds() - start;
            }
            clock.advance(1);
        };
        clock.advance(LIFETIME);
        moments.push(moment);
    }
    // Within the margin's first half: 120, 90 and 60 s before the expiry.
    assert_eq!(moments, [LIFETIME - 120, LIFETIME - 90, LIFETIME - 60]);
}

/// What `load` measured.
#[derive(Debug)]
#[allow(dead_code)] // Read through Debug, by the measurement.
struct Stampede {
    sessions: usize,
    refreshes: u64,
    throttled: u64,
    failures_while_valid: u64,
    seconds_until_fresh: u64,
}

/// `n` sessions issued in the same second, asked for a token every second, against a peer that
/// allows `per_second` refreshes a second: until every one holds fresh tokens.
async fn load(n: usize, per_second: u64) -> Stampede {
    let clock = TestClock::at(1_700_000_000);
    let peer = pool(&clock).rotation().share();
    let mut sessions = Vec::new();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..n {
        let tokens = sign_in(&peer, None).await;
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let draws = Arc::new(std::sync::Mutex::new(seed));
        let jitter = move || {
            let mut state = draws.lock().unwrap();
            *state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (*state >> 11) as f64 / (1u64 << 53) as f64
        };
        let options = options(&clock).with_jitter(jitter);
        let store = Arc::new(MemoryStore::default());
        sessions.push(Session::new(auth(&peer, None), tokens, store, options).unwrap());
    }
    peer.limit_refreshes(per_second);
    let issued_until = clock.now() + Duration::from_secs(LIFETIME);
    clock.advance(LIFETIME - MARGIN);
    let start = clock.seconds();
    let mut failures_while_valid = 0;
    loop {
        let mut stale = 0;
        for session in &sessions {
            match session.tokens().await {
                Ok(tokens) if tokens.expires_at > issued_until => {}
                Ok(_) => stale += 1,
                Err(_) if clock.now() < issued_until => {
                    failures_while_valid += 1;
                    stale += 1;
                }
                Err(_) => stale += 1,
            }
        }
        if stale == 0 {
            break;
        }
        clock.advance(1);
        assert!(clock.seconds() - start < 3600, "never all fresh");
    }
    let (refreshes, throttled) = peer.refresh_counts();
    Stampede {
        sessions: n,
        refreshes,
        throttled,
        failures_while_valid,
        seconds_until_fresh: clock.seconds() - start,
    }
}

#[tokio::test]
async fn many_sessions_due_at_once_refresh_without_failing_a_caller() {
    let measured = load(500, 20).await;
    assert_eq!(measured.failures_while_valid, 0, "{measured:?}");
    assert!(
        measured.seconds_until_fresh < MARGIN,
        "every session fresh before the tokens expired: {measured:?}"
    );
}

/// `cargo test -p cognito-idp-runtime --test session -- --ignored --nocapture`: the figures of
/// the closing note.
#[tokio::test]
#[ignore = "a measurement: ten thousand sessions"]
async fn stampede_of_ten_thousand_sessions() {
    for per_second in [200, 100] {
        let measured = load(10_000, per_second).await;
        println!("{per_second} refreshes a second allowed: {measured:?}");
        assert_eq!(measured.failures_while_valid, 0);
    }
}

mod property {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Whatever the margin and however time moves, while refreshes succeed a token handed
        /// out is valid beyond half the margin at the moment it is handed out.
        #[test]
        fn never_hands_out_a_token_within_half_its_margin(
            margin in 0u64..1800,
            jitter in 0.0f64..1.0,
            steps in proptest::collection::vec(0u64..2000, 1..12),
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let clock = TestClock::at(1_700_000_000);
                let peer = pool(&clock).share();
                let tokens = sign_in(&peer, None).await;
                let options = options(&clock)
                    .with_margin(Duration::from_secs(margin))
                    .with_jitter(move || jitter);
                let session = Session::new(auth(&peer, None), tokens, Arc::new(MemoryStore::default()), options).unwrap();
                for step in steps {
                    clock.advance(step);
                    let tokens = session.tokens().await.expect("a token");
                    prop_assert!(clock.now() + Duration::from_secs(margin / 2) < tokens.expires_at);
                }
                Ok(())
            })?;
        }
    }
}

#[tokio::test]
async fn a_forgotten_device_leaves_the_session_and_its_store() {
    let clock = TestClock::at(1_700_000_000);
    let peer = pool(&clock)
        .issue_devices(cognito_idp_testkit::Confirm::Remembered)
        .share();
    let tokens = sign_in(&peer, None).await;
    assert!(tokens.device.is_some(), "the sign-in remembered a device");
    let store = Arc::new(MemoryStore::default());
    let session = Session::new(auth(&peer, None), tokens, store.clone(), options(&clock)).unwrap();
    session.drop_device().unwrap();
    assert!(session.tokens().await.unwrap().device.is_none());
    assert!(store.load().unwrap().unwrap().device.is_none());
    // The refresh that follows names no device.
    let options = options(&clock).with_refresh(Refresh::RefreshTokenAuth);
    let restored = Session::restore(auth(&peer, None), store, options)
        .unwrap()
        .unwrap();
    restored.refresh().await.unwrap();
    assert_eq!(
        peer.log(),
        ["InitiateAuth REFRESH_TOKEN_AUTH", "DEVICE_KEY=None"]
    );
}
