//! Callers kept in memory between requests (issue 10, ADR 0022): every authenticated request
//! resolves its caller — the user and their roles — and most requests come from callers seen a
//! moment ago, so the look-up is answered from memory while that is known to be safe.
//!
//! Safe means: on PostgreSQL only, and only while this process listens on the
//! `peerbro_callers` channel. The transaction that changes a user's roles (any peerbro process:
//! a server, an admin command) notifies that channel (`repositories/tenancy/users.rs`); PostgreSQL delivers the
//! notification when that transaction commits, and every listening process drops the user's
//! entry. The changing process also drops it itself as its transaction commits. So a revoked
//! role stops working in that process at once and in every other one within the
//! notification's delivery (milliseconds). The notification is sent by the code, not by a
//! trigger, so that the tables still distribute on Citus; a change made by hand in `psql`
//! reaches the cache only when its entries expire ([`TTL`]).
//!
//! - While the listener is not connected (starting, or reconnecting after its connection was
//!   lost, when notifications may have been missed) nothing is answered from memory, and the
//!   cache is emptied each time it connects again.
//! - A look-up that read the database while any notification arrived is not kept (a
//!   generation count), so a read that raced a change cannot be stored after that change's
//!   notification was handled.
//! - An entry is kept at most [`TTL`], and the listener probes its connection every
//!   [`crate::pg_channel::PROBE_EVERY`]: a connection that died silently bounds how long a missed notification
//!   can matter.
//! - At most [`CAPACITY`] entries; when full, the cache is emptied.
//!
//! On SQLite (one process, but an admin command may change roles from another) nothing is
//! kept: every request reads its caller.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use peerbro_domain::ids::{TenantId, UserId};
use peerbro_domain::tenancy::User;

/// The channel the triggers notify.
pub(crate) const CHANNEL: &str = "peerbro_callers";
/// How long an entry is kept at most.
pub const TTL: Duration = Duration::from_secs(30);
/// How many callers are kept at most.
pub const CAPACITY: usize = 10_000;

/// The cache of one process.
#[derive(Debug, Default)]
pub(crate) struct CallerCache {
    entries: Mutex<HashMap<(TenantId, UserId), (Instant, User)>>,
    /// Bumped by every notification and every (re)connection.
    generation: AtomicU64,
    /// Whether the listener is connected and listening.
    live: AtomicBool,
    hits: AtomicU64,
}

impl CallerCache {
    /// The caller, if kept and still fresh, while the listener is live.
    pub(crate) fn get(&self, tenant: TenantId, user: UserId) -> Option<User> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let (at, found) = entries.get(&(tenant, user))?;
        if at.elapsed() >= TTL {
            return None;
        }
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(found.clone())
    }

    /// The generation to pass to [`Self::keep`], taken before reading the database.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps `found`, read from the database since `generation`, unless a notification (or a
    /// reconnection) came in between or the listener is not live.
    pub(crate) fn keep(&self, generation: u64, tenant: TenantId, found: &User) {
        if !self.live.load(Ordering::Acquire) {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        // Checked under the lock that `forget` takes after bumping the generation.
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert((tenant, found.id), (Instant::now(), found.clone()));
    }

    /// Drops `user` (a change to them was notified or committed here).
    pub(crate) fn forget(&self, tenant: TenantId, user: UserId) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(&(tenant, user));
        }
    }

    /// Drops everything and stops answering (the listener lost its connection).
    pub(crate) fn pause(&self) {
        self.live.store(false, Ordering::Release);
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    /// Starts answering from an empty cache (the listener is listening).
    pub(crate) fn resume(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
        self.live.store(true, Ordering::Release);
    }

    /// Whether the cache answers now.
    pub(crate) fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    /// How many look-ups it has answered.
    pub(crate) fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

/// Parses a notification's payload, `<tenant uuid> <user uuid>`.
pub(crate) fn parse_payload(payload: &str) -> Option<(TenantId, UserId)> {
    let (tenant, user) = payload.split_once(' ')?;
    Some((
        TenantId::from_uuid(tenant.parse().ok()?),
        UserId::from_uuid(user.parse().ok()?),
    ))
}

impl crate::pg_channel::Follower for CallerCache {
    const CHANNEL: &'static str = CHANNEL;
    const MEANWHILE: &'static str = "callers are read from the database";

    fn connected(&self) {
        self.resume();
    }

    fn lost(&self) {
        self.pause();
    }

    fn notified(&self, payload: &str) {
        match parse_payload(payload) {
            Some((tenant, user)) => self.forget(tenant, user),
            // Not ours to read: drop everything rather than guess.
            None => self.resume(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use peerbro_domain::tenancy::{DisplayName, Email};

    fn user() -> User {
        User {
            id: UserId::from_uuid(uuid::Uuid::now_v7()),
            email: Email::parse("a@b.dk").unwrap(),
            display_name: DisplayName::parse("A").unwrap(),
            organisation_id: None,
            roles: std::collections::BTreeSet::new(),
            created_at: chrono::Utc::now(),
            deactivated_at: None,
            idp_subject: None,
        }
    }

    #[test]
    fn nothing_is_answered_unless_live() {
        let cache = CallerCache::default();
        let tenant = TenantId::from_uuid(uuid::Uuid::now_v7());
        let u = user();
        cache.keep(cache.generation(), tenant, &u);
        assert!(cache.get(tenant, u.id).is_none(), "kept while not live");
        cache.resume();
        cache.keep(cache.generation(), tenant, &u);
        assert_eq!(cache.get(tenant, u.id).map(|f| f.id), Some(u.id));
        cache.pause();
        assert!(
            cache.get(tenant, u.id).is_none(),
            "answered after the listener was lost"
        );
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_kept() {
        let cache = CallerCache::default();
        cache.resume();
        let tenant = TenantId::from_uuid(uuid::Uuid::now_v7());
        let u = user();
        let before = cache.generation();
        // The change is notified while the look-up reads the database.
        cache.forget(tenant, u.id);
        cache.keep(before, tenant, &u);
        assert!(cache.get(tenant, u.id).is_none());
    }

    #[test]
    fn a_notified_change_drops_the_entry() {
        let cache = CallerCache::default();
        cache.resume();
        let tenant = TenantId::from_uuid(uuid::Uuid::now_v7());
        let u = user();
        cache.keep(cache.generation(), tenant, &u);
        let payload = format!("{} {}", tenant.as_uuid(), u.id.as_uuid());
        let (t, id) = parse_payload(&payload).unwrap();
        cache.forget(t, id);
        assert!(cache.get(tenant, u.id).is_none());
        assert!(parse_payload("nonsense").is_none());
    }
}
