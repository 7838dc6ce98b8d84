//! A pool per HTTP worker thread (ADR 0021).
//!
//! actix-web runs each worker on a single-threaded runtime of its own. A connection opened on
//! the main runtime is driven by the main runtime's I/O: every reply the database sends to a
//! worker's request wakes the main thread, which hands it to the worker's thread, a cross-thread
//! wake-up per round trip (measured as about half of the server's CPU going to the kernel under
//! point reads). A worker that attaches itself gets a pool of its own, opened lazily on its own
//! runtime, used only by that thread's requests: no hop, and nothing shared with another
//! runtime that could stop first at shutdown. Background work (the webhook worker, the audit
//! sealer, the readiness probe) and every thread that did not attach keep the main pool.

use std::cell::RefCell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::postgres::PgPool;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The pools attached on this thread, by the id of the [`Locals`] they belong to.
    static HERE: RefCell<Vec<(u64, PgPool)>> = const { RefCell::new(Vec::new()) };
}

/// The per-worker pools of one [`super::Database`].
#[derive(Debug)]
pub(super) struct Locals {
    id: u64,
    pools: Mutex<Vec<PgPool>>,
}

impl Default for Locals {
    fn default() -> Self {
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            pools: Mutex::default(),
        }
    }
}

impl Locals {
    /// Gives the current thread a pool of its own of at most `max` connections, made like
    /// `main` (same connection options, timeouts and session settings). Must run on the
    /// thread's own runtime; a second call on the same thread changes nothing.
    pub(super) fn attach(&self, main: &PgPool, max: u32) {
        if self.here().is_some() {
            return;
        }
        let pool = main
            .options()
            .clone()
            .max_connections(max.max(1))
            .min_connections(0)
            .connect_lazy_with((*main.connect_options()).clone());
        self.lock().push(pool.clone());
        HERE.with(|here| here.borrow_mut().push((self.id, pool)));
    }

    /// The current thread's own pool, if it attached one.
    pub(super) fn here(&self) -> Option<PgPool> {
        HERE.with(|here| {
            here.borrow()
                .iter()
                .find(|(id, _)| *id == self.id)
                .map(|(_, pool)| pool.clone())
        })
    }

    /// Connections open and idle in `main` and every attached pool.
    pub(super) fn counts(&self, main: &PgPool) -> (u32, usize) {
        self.all()
            .iter()
            .fold((main.size(), main.num_idle()), |(open, idle), pool| {
                (open + pool.size(), idle + pool.num_idle())
            })
    }

    /// Every attached pool (for statistics and closing).
    pub(super) fn all(&self) -> Vec<PgPool> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<PgPool>> {
        self.pools
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
