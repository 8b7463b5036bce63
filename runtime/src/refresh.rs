//! A value that expires and is fetched again, by the rules every cache of the runtime follows
//! (sessions' tokens, credentials, the verifier's key set):
//!
//! - one fetch at a time, however many ask; the others wait for its result;
//! - the fetch runs as a task of its own, so a caller that gives up (a timeout, a dropped
//!   request) does not cancel it, and what it fetched is kept;
//! - a fetch that fails for a passing reason leaves a still-valid value in use, and the next
//!   fetch waits out a backoff instead of being tried again by every caller;
//! - refresh moments are drawn within the margin, so values issued together are not all
//!   refreshed in the same second.
//!
//! Time and randomness are inputs ([`Policy`]), so every run replays.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

/// A value that stops being valid at some moment (`None`: never).
pub(crate) trait Expiring {
    fn expires_at(&self) -> Option<SystemTime>;
}

/// Why a fetch failed.
#[derive(Debug)]
pub(crate) enum Failure<E> {
    /// It may work later (throttling, a server error, no connection).
    Transient(E),
    /// It will not (a revoked refresh token): the held value is dropped.
    Final(E),
}

/// Why no value could be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Missed<E> {
    /// The fetch failed, and nothing valid is held.
    Failed(E),
    /// The fetch stopped without an outcome (it panicked).
    Abandoned,
}

/// The time, as a cache sees it.
pub(crate) type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Uniform in [0, 1).
pub(crate) type Unit = Arc<dyn Fn() -> f64 + Send + Sync>;

/// When to refresh, how to back off, and the clock and randomness to do it by.
#[derive(Clone)]
pub(crate) struct Policy {
    /// A value is refreshed once it expires within this margin.
    pub margin: Duration,
    /// The part of the margin, from its start, over which refresh moments are spread: 0 (all at
    /// `expiry - margin`) to 1 (anywhere up to the expiry).
    pub spread: f64,
    /// The longest wait after a failed fetch; the waits double up to it from a second, each
    /// a random part of its ceiling.
    pub max_backoff: Duration,
    pub clock: Clock,
    pub random: Unit,
}

impl Policy {
    pub(crate) fn new(margin: Duration) -> Policy {
        Policy {
            margin,
            spread: 0.0,
            max_backoff: Duration::from_secs(30),
            clock: Arc::new(SystemTime::now),
            random: Arc::new(crate::retry::unit_random),
        }
    }

    /// The wait after `failures` failed fetches in a row.
    fn backoff(&self, failures: u32) -> Duration {
        let ceiling = Duration::from_secs(1)
            .saturating_mul(
                1u32.checked_shl(failures.saturating_sub(1))
                    .unwrap_or(u32::MAX),
            )
            .min(self.max_backoff);
        ceiling.mul_f64((self.random)().clamp(0.0, 1.0))
    }
}

/// The value, or the fetch under way, of one cache. Cheap to share between tasks.
pub(crate) struct Refreshing<T, E> {
    slot: Arc<Mutex<Slot<T, E>>>,
    policy: Policy,
}

struct Slot<T, E> {
    held: Option<Held<T>>,
    flight: Option<Flight<T, E>>,
    /// Changed whenever the held value is set or dropped from outside, so that a fetch started
    /// before does not overwrite what came after.
    epoch: u64,
    /// Fetches failed in a row, and the moment before which none is started again while the
    /// held value is valid.
    failures: u32,
    retry_at: Option<SystemTime>,
    fetches: u64,
}

struct Held<T> {
    value: Arc<T>,
    expires_at: Option<SystemTime>,
    /// When this value is refreshed: drawn once, when it is stored.
    due: Option<SystemTime>,
}

type Outcome<T, E> = Option<Result<Arc<T>, E>>;

struct Flight<T, E> {
    id: u64,
    done: watch::Receiver<Outcome<T, E>>,
}

impl<T, E> Refreshing<T, E>
where
    T: Expiring + Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    pub(crate) fn new(policy: Policy, value: Option<T>) -> Self {
        let held = value.map(|value| Held::new(value, &policy));
        Refreshing {
            slot: Arc::new(Mutex::new(Slot {
                held,
                flight: None,
                epoch: 0,
                failures: 0,
                retry_at: None,
                fetches: 0,
            })),
            policy,
        }
    }

    pub(crate) fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The held value, valid or not, without waiting.
    pub(crate) fn peek(&self) -> Option<Arc<T>> {
        lock(&self.slot).held.as_ref().map(|h| h.value.clone())
    }

    /// Replaces the held value (a new sign-in), or drops it (a sign-out): a fetch under way
    /// no longer stores its result.
    pub(crate) fn replace(&self, value: Option<T>) -> Option<Arc<T>> {
        let mut slot = lock(&self.slot);
        slot.epoch += 1;
        slot.failures = 0;
        slot.retry_at = None;
        let held = value.map(|value| Held::new(value, &self.policy));
        std::mem::replace(&mut slot.held, held).map(|h| h.value)
    }

    /// Changes the held value in place (a fetch under way still stores its result).
    pub(crate) fn modify(&self, change: impl FnOnce(&T) -> T) -> Option<Arc<T>> {
        let mut slot = lock(&self.slot);
        let held = slot.held.as_ref()?;
        let changed = Held::new(change(&held.value), &self.policy);
        let value = changed.value.clone();
        slot.held = Some(changed);
        Some(value)
    }

    /// The held value while it is not due, without a future: the path of nearly every use.
    pub(crate) fn fresh(&self) -> Option<Arc<T>> {
        let now = (self.policy.clock)();
        let slot = lock(&self.slot);
        let held = slot.held.as_ref()?;
        (!held.is_due(now)).then(|| held.value.clone())
    }

    /// Fetches started so far.
    pub(crate) fn fetches(&self) -> u64 {
        lock(&self.slot).fetches
    }

    /// A valid value: the held one until it is due, else the result of a fetch (`fetch` is
    /// given the held value), or the held one while it is valid and fetches fail for a passing
    /// reason.
    pub(crate) async fn get<F, Fut>(&self, fetch: F) -> Result<Arc<T>, Missed<E>>
    where
        F: FnOnce(Option<Arc<T>>) -> Fut,
        Fut: Future<Output = Result<T, Failure<E>>> + Send + 'static,
    {
        let now = (self.policy.clock)();
        let done = {
            let mut slot = lock(&self.slot);
            if let Some(held) = &slot.held {
                let backing_off = slot.retry_at.is_some_and(|at| now < at);
                if !held.is_due(now) || (held.is_valid(now) && backing_off) {
                    return Ok(held.value.clone());
                }
            }
            self.join_or_launch(&mut slot, fetch)
        };
        self.settle(done).await
    }

    /// A fetch now, whatever the held value's expiry (joining one under way): its result,
    /// failures included.
    pub(crate) async fn refresh<F, Fut>(&self, fetch: F) -> Result<Arc<T>, Missed<E>>
    where
        F: FnOnce(Option<Arc<T>>) -> Fut,
        Fut: Future<Output = Result<T, Failure<E>>> + Send + 'static,
    {
        let done = self.join_or_launch(&mut lock(&self.slot), fetch);
        outcome(done).await
    }

    /// Joins the fetch under way, or starts one when `allowed` says so; `None` when neither.
    pub(crate) async fn refresh_if<F, Fut>(
        &self,
        allowed: impl FnOnce() -> bool,
        fetch: F,
    ) -> Option<Result<Arc<T>, Missed<E>>>
    where
        F: FnOnce(Option<Arc<T>>) -> Fut,
        Fut: Future<Output = Result<T, Failure<E>>> + Send + 'static,
    {
        let done = {
            let mut slot = lock(&self.slot);
            match &slot.flight {
                Some(flight) => flight.done.clone(),
                None if allowed() => self.launch(&mut slot, fetch),
                None => return None,
            }
        };
        Some(outcome(done).await)
    }

    fn join_or_launch<F, Fut>(
        &self,
        slot: &mut Slot<T, E>,
        fetch: F,
    ) -> watch::Receiver<Outcome<T, E>>
    where
        F: FnOnce(Option<Arc<T>>) -> Fut,
        Fut: Future<Output = Result<T, Failure<E>>> + Send + 'static,
    {
        match &slot.flight {
            Some(flight) => flight.done.clone(),
            None => self.launch(slot, fetch),
        }
    }

    /// Starts `fetch` as a task of its own, which stores what it fetched whatever becomes of
    /// the caller.
    fn launch<F, Fut>(&self, slot: &mut Slot<T, E>, fetch: F) -> watch::Receiver<Outcome<T, E>>
    where
        F: FnOnce(Option<Arc<T>>) -> Fut,
        Fut: Future<Output = Result<T, Failure<E>>> + Send + 'static,
    {
        slot.fetches += 1;
        let id = slot.fetches;
        let epoch = slot.epoch;
        let (tell, done) = watch::channel(None);
        slot.flight = Some(Flight {
            id,
            done: done.clone(),
        });
        let fetched = fetch(slot.held.as_ref().map(|h| h.value.clone()));
        let shared = Arc::clone(&self.slot);
        let policy = self.policy.clone();
        tokio::spawn(async move {
            let result = fetched.await;
            let outcome = store(&mut lock(&shared), &policy, id, epoch, result);
            // No receiver left is fine: the value is stored.
            let _ = tell.send(Some(outcome));
        });
        done
    }

    /// What a caller gets from a fetch: its value, or the held one while that is valid and the
    /// failure may pass.
    async fn settle(&self, done: watch::Receiver<Outcome<T, E>>) -> Result<Arc<T>, Missed<E>> {
        let result = outcome(done).await;
        if result.is_ok() {
            return result;
        }
        let now = (self.policy.clock)();
        match &lock(&self.slot).held {
            Some(held) if held.is_valid(now) => Ok(held.value.clone()),
            _ => result,
        }
    }
}

/// Records a finished fetch in the slot: its value held, or its failure counted.
fn store<T: Expiring, E: Clone>(
    slot: &mut Slot<T, E>,
    policy: &Policy,
    id: u64,
    epoch: u64,
    result: Result<T, Failure<E>>,
) -> Result<Arc<T>, E> {
    if slot.flight.as_ref().is_some_and(|f| f.id == id) {
        slot.flight = None;
    }
    let current = slot.epoch == epoch;
    match result {
        Ok(value) => {
            let held = Held::new(value, policy);
            let value = held.value.clone();
            if current {
                slot.held = Some(held);
                slot.failures = 0;
                slot.retry_at = None;
            }
            Ok(value)
        }
        Err(Failure::Transient(e)) => {
            if current {
                slot.failures = slot.failures.saturating_add(1);
                let wait = policy.backoff(slot.failures);
                slot.retry_at = Some((policy.clock)() + wait);
                tracing::warn!(
                    failures = slot.failures,
                    ?wait,
                    "a refresh failed; a value still valid stays in use"
                );
            }
            Err(e)
        }
        Err(Failure::Final(e)) => {
            if current {
                tracing::warn!("a refresh was refused for good; the value is dropped");
                slot.held = None;
                slot.epoch += 1;
                slot.failures = 0;
                slot.retry_at = None;
            }
            Err(e)
        }
    }
}

async fn outcome<T, E: Clone>(
    mut done: watch::Receiver<Outcome<T, E>>,
) -> Result<Arc<T>, Missed<E>> {
    match done.wait_for(Option::is_some).await {
        Ok(outcome) => match &*outcome {
            Some(Ok(value)) => Ok(value.clone()),
            Some(Err(e)) => Err(Missed::Failed(e.clone())),
            None => Err(Missed::Abandoned),
        },
        // The task ended without telling: it panicked.
        Err(_) => Err(Missed::Abandoned),
    }
}

impl<T: Expiring> Held<T> {
    fn new(value: T, policy: &Policy) -> Held<T> {
        let expires_at = value.expires_at();
        let due = expires_at.map(|at| {
            let start = at
                .checked_sub(policy.margin)
                .unwrap_or(SystemTime::UNIX_EPOCH);
            let spread = policy.margin.mul_f64(policy.spread.clamp(0.0, 1.0));
            start + spread.mul_f64((policy.random)().clamp(0.0, 1.0))
        });
        Held {
            value: Arc::new(value),
            expires_at,
            due,
        }
    }

    fn is_due(&self, now: SystemTime) -> bool {
        self.due.is_some_and(|due| now >= due)
    }

    fn is_valid(&self, now: SystemTime) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }
}

/// The slot's lock, never held across an await; a panic elsewhere does not poison the cache.
pub(crate) fn lock<S>(slot: &Mutex<S>) -> MutexGuard<'_, S> {
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

    use super::*;

    #[derive(Debug, PartialEq)]
    struct Token {
        n: usize,
        expires_at: SystemTime,
    }

    impl Expiring for Token {
        fn expires_at(&self) -> Option<SystemTime> {
            Some(self.expires_at)
        }
    }

    const T0: Duration = Duration::from_secs(1_000_000);

    /// A clock the test moves, in seconds since T0.
    fn clock() -> (Arc<AtomicU64>, Clock) {
        let seconds = Arc::new(AtomicU64::new(0));
        let read = seconds.clone();
        let clock: Clock = Arc::new(move || {
            SystemTime::UNIX_EPOCH + T0 + Duration::from_secs(read.load(Ordering::SeqCst))
        });
        (seconds, clock)
    }

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + T0 + Duration::from_secs(seconds)
    }

    fn policy(clock: Clock, random: f64) -> Policy {
        Policy {
            margin: Duration::from_secs(60),
            spread: 0.5,
            max_backoff: Duration::from_secs(30),
            clock,
            random: Arc::new(move || random),
        }
    }

    type Fetch =
        std::pin::Pin<Box<dyn Future<Output = Result<Token, Failure<&'static str>>> + Send>>;

    /// A fetch that gives token 1 (valid until 5000) once the sender is used or dropped.
    fn held_fetch() -> (
        tokio::sync::oneshot::Sender<()>,
        impl FnOnce(Option<Arc<Token>>) -> Fetch,
    ) {
        let (release, wait) = tokio::sync::oneshot::channel::<()>();
        let fetch = move |_: Option<Arc<Token>>| -> Fetch {
            Box::pin(async move {
                let _ = wait.await;
                Ok(Token {
                    n: 1,
                    expires_at: at(5000),
                })
            })
        };
        (release, fetch)
    }

    /// Fetches that count themselves and give what `answer` says for the n-th.
    fn fetcher(
        count: &Arc<AtomicUsize>,
        answer: impl Fn(usize) -> Result<Token, Failure<&'static str>> + Send + 'static,
    ) -> impl FnOnce(Option<Arc<Token>>) -> Fetch {
        let count = count.clone();
        move |_| {
            let n = count.fetch_add(1, Ordering::SeqCst) + 1;
            Box::pin(async move { answer(n) })
        }
    }

    #[tokio::test]
    async fn refresh_moments_are_drawn_within_the_margin() {
        let (now, clock) = clock();
        let count = Arc::new(AtomicUsize::new(0));
        // Drawn at 0.5 of the half margin: due 45 s before the expiry at 1000.
        let cell = Refreshing::new(
            policy(clock, 0.5),
            Some(Token {
                n: 0,
                expires_at: at(1000),
            }),
        );
        let fresh = |n| {
            Ok(Token {
                n,
                expires_at: at(5000),
            })
        };
        now.store(954, Ordering::SeqCst);
        assert_eq!(cell.get(fetcher(&count, fresh)).await.unwrap().n, 0);
        now.store(955, Ordering::SeqCst);
        assert_eq!(cell.get(fetcher(&count, fresh)).await.unwrap().n, 1);
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn transient_failures_keep_a_valid_value_and_back_off() {
        let (now, clock) = clock();
        let count = Arc::new(AtomicUsize::new(0));
        let cell = Refreshing::new(
            policy(clock, 0.999),
            Some(Token {
                n: 0,
                expires_at: at(100),
            }),
        );
        let failing = |_| Err(Failure::Transient("throttled"));
        now.store(95, Ordering::SeqCst);
        assert_eq!(cell.get(fetcher(&count, failing)).await.unwrap().n, 0);
        // Backing off (just under a second): handed out without a fetch.
        assert_eq!(cell.get(fetcher(&count, failing)).await.unwrap().n, 0);
        assert_eq!(count.load(Ordering::SeqCst), 1);
        now.store(97, Ordering::SeqCst);
        assert_eq!(cell.get(fetcher(&count, failing)).await.unwrap().n, 0);
        assert_eq!(count.load(Ordering::SeqCst), 2);
        // Expired: the failure shows.
        now.store(100, Ordering::SeqCst);
        let missed = cell.get(fetcher(&count, failing)).await.unwrap_err();
        assert_eq!(missed, Missed::Failed("throttled"));
    }

    #[tokio::test]
    async fn final_failures_drop_the_value_at_once() {
        let (now, clock) = clock();
        let count = Arc::new(AtomicUsize::new(0));
        let cell = Refreshing::new(
            policy(clock, 0.0),
            Some(Token {
                n: 0,
                expires_at: at(100),
            }),
        );
        now.store(50, Ordering::SeqCst);
        let revoked = |_| Err(Failure::Final("revoked"));
        let missed = cell.get(fetcher(&count, revoked)).await.unwrap_err();
        assert_eq!(missed, Missed::Failed("revoked"));
        assert!(cell.peek().is_none());
    }

    #[tokio::test]
    async fn a_fetch_outlives_the_caller_that_started_it() {
        let (now, clock) = clock();
        let cell = Arc::new(Refreshing::new(
            policy(clock, 0.0),
            Some(Token {
                n: 0,
                expires_at: at(100),
            }),
        ));
        now.store(50, Ordering::SeqCst);
        let (release, slow) = held_fetch();
        let caller = {
            let cell = cell.clone();
            tokio::spawn(async move { cell.get(slow).await.map(|t| t.n) })
        };
        tokio::task::yield_now().await;
        caller.abort();
        assert!(caller.await.unwrap_err().is_cancelled());
        release.send(()).unwrap();
        for _ in 0..100 {
            if cell.peek().is_some_and(|t| t.n == 1) {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert_eq!(cell.peek().unwrap().n, 1, "the fetch finished and was kept");
        assert_eq!(cell.fetches(), 1);
    }

    #[tokio::test]
    async fn many_callers_share_one_fetch() {
        let (now, clock) = clock();
        let count = Arc::new(AtomicUsize::new(0));
        let cell = Arc::new(Refreshing::new(policy(clock, 0.0), None::<Token>));
        now.store(10, Ordering::SeqCst);
        let (release, wait) = tokio::sync::watch::channel(false);
        let callers: Vec<_> = (0..16)
            .map(|_| {
                let cell = cell.clone();
                let count = count.clone();
                let mut wait = wait.clone();
                tokio::spawn(async move {
                    let fetch = move |_: Option<Arc<Token>>| -> Fetch {
                        let n = count.fetch_add(1, Ordering::SeqCst) + 1;
                        Box::pin(async move {
                            let _ = wait.wait_for(|go| *go).await;
                            Ok(Token {
                                n,
                                expires_at: at(5000),
                            })
                        })
                    };
                    cell.get(fetch).await.map(|t| t.n)
                })
            })
            .collect();
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        release.send(true).unwrap();
        for caller in callers {
            assert_eq!(caller.await.unwrap(), Ok(1));
        }
        assert_eq!(
            count.load(Ordering::SeqCst),
            1,
            "one fetch for sixteen callers"
        );
    }

    #[tokio::test]
    async fn a_value_replaced_during_a_fetch_is_not_overwritten() {
        let (now, clock) = clock();
        let cell = Arc::new(Refreshing::new(policy(clock, 0.0), None::<Token>));
        now.store(10, Ordering::SeqCst);
        let (release, slow) = held_fetch();
        let caller = {
            let cell = cell.clone();
            tokio::spawn(async move { cell.get(slow).await.map(|t| t.n) })
        };
        tokio::task::yield_now().await;
        cell.replace(Some(Token {
            n: 99,
            expires_at: at(5000),
        }));
        release.send(()).unwrap();
        assert_eq!(
            caller.await.unwrap(),
            Ok(1),
            "the caller gets what it waited for"
        );
        assert_eq!(cell.peek().unwrap().n, 99, "the replacement is kept");
    }
}
