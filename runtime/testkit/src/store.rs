//! A token store that fails when told to.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use cognito_idp_runtime::signin::{MemoryStore, StoreError, TokenStore, Tokens};

/// A [`MemoryStore`] whose saves fail from the `fail_from`-th on (1-based), `failures` times,
/// as a full disk would.
#[derive(Debug, Default)]
pub struct FlakyStore {
    inner: MemoryStore,
    saves: AtomicUsize,
    plan: Mutex<Option<(usize, usize)>>,
}

impl FlakyStore {
    /// Fails `failures` saves, starting with the `nth` from now.
    pub fn fail_saves(&self, nth: usize, failures: usize) {
        let start = self.saves.load(Ordering::SeqCst) + nth;
        *self.plan.lock().unwrap() = Some((start, failures));
    }

    /// Saves attempted so far.
    pub fn saves(&self) -> usize {
        self.saves.load(Ordering::SeqCst)
    }
}

impl TokenStore for FlakyStore {
    fn load(&self) -> Result<Option<Tokens>, StoreError> {
        self.inner.load()
    }

    fn save(&self, tokens: &Tokens) -> Result<(), StoreError> {
        let n = self.saves.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some((start, failures)) = *self.plan.lock().unwrap()
            && (start..start + failures).contains(&n)
        {
            return Err(StoreError("the disk is full".into()));
        }
        self.inner.save(tokens)
    }

    fn clear(&self) -> Result<(), StoreError> {
        self.inner.clear()
    }
}
