//! Rate limits per caller, with governor's GCRA limiters (keyed, in memory, per process).
//!
//! - A signed-in caller (a user of a tenant, or a partner API client) is limited by who they
//!   are, after the token verifies and before anything is looked up in the database, so a
//!   flood costs a signature check and no connection.
//! - A caller without a valid token (anonymous, or a refused token) is limited by address.
//!   IPv6 addresses count per /64, the block one subscriber usually holds.
//! - The token endpoint is limited per client id and per address, so that guessing secrets is
//!   slow whichever of the two an attacker varies.
//!
//! - The anonymous chat (ADR 0046): starts per address, and a citizen's messages and typing
//!   per session (the conversation), so that one visitor cannot fill the queue or flood a
//!   peer. Both live in this process's memory only, like the others: nothing about a visitor
//!   is written anywhere.
//!
//! A refusal is `RATE_LIMITED` (HTTP 429) with `Retry-After`. Limiters forget idle keys
//! ([`RateLimits::forget_idle`], run every minute), so memory stays bounded by recent callers.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpRequest;
use governor::clock::{Clock as _, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use ipnet::IpNet;
use peerbro_domain::DomainError;
use uuid::Uuid;

use crate::config::Settings;
use crate::metrics::{Limit, Metrics};

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>;

/// A signed-in caller.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Caller {
    /// A user, in one tenant.
    User {
        /// The tenant.
        tenant: Uuid,
        /// The user.
        user: Uuid,
    },
    /// A partner API client.
    Client(Uuid),
}

impl From<&crate::auth::Verified> for Caller {
    fn from(verified: &crate::auth::Verified) -> Self {
        match verified {
            crate::auth::Verified::User { tenant, user, .. } => Self::User {
                tenant: tenant.as_uuid(),
                user: user.as_uuid(),
            },
            crate::auth::Verified::Client { client, .. } => Self::Client(client.as_uuid()),
        }
    }
}

/// Every limiter of the process.
pub struct RateLimits {
    callers: Option<Keyed<Caller>>,
    anonymous: Option<Keyed<IpAddr>>,
    token_clients: Option<Keyed<String>>,
    token_addresses: Option<Keyed<IpAddr>>,
    chat_starts: Option<Keyed<IpAddr>>,
    chat_sessions: Option<Keyed<[u8; 16]>>,
    trusted: Vec<IpNet>,
    clock: DefaultClock,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits").finish_non_exhaustive()
    }
}

fn quota(per_second: u32, burst: u32) -> Option<Quota> {
    let rate = NonZeroU32::new(per_second)?;
    let burst = NonZeroU32::new(burst).unwrap_or(rate);
    Some(Quota::per_second(rate).allow_burst(burst))
}

fn per_minute(n: u32) -> Option<Quota> {
    let rate = NonZeroU32::new(n)?;
    Some(Quota::per_minute(rate).allow_burst(rate))
}

/// The key an address is limited under: IPv4 as it is, IPv6 by its /64.
fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl RateLimits {
    /// The limiters `settings` asks for.
    ///
    /// # Errors
    /// When `PEERBRO_TRUSTED_PROXIES` does not parse.
    pub fn new(settings: &Settings, metrics: Arc<Metrics>) -> anyhow::Result<Self> {
        let token_per_address = settings.rate_limit_token_per_minute.saturating_mul(3);
        Ok(Self {
            callers: quota(settings.rate_limit_per_second, settings.rate_limit_burst)
                .map(RateLimiter::keyed),
            anonymous: quota(
                settings.rate_limit_anonymous_per_second,
                settings.rate_limit_anonymous_burst,
            )
            .map(RateLimiter::keyed),
            token_clients: per_minute(settings.rate_limit_token_per_minute).map(RateLimiter::keyed),
            token_addresses: per_minute(token_per_address).map(RateLimiter::keyed),
            chat_starts: NonZeroU32::new(settings.chat_starts_per_hour)
                .map(|n| RateLimiter::keyed(Quota::per_hour(n).allow_burst(n))),
            chat_sessions: per_minute(settings.chat_session_per_minute).map(RateLimiter::keyed),
            trusted: settings.trusted_proxy_nets()?,
            clock: DefaultClock::default(),
            metrics,
        })
    }

    fn check<K>(&self, limiter: Option<&Keyed<K>>, key: &K) -> Result<(), u64>
    where
        K: Clone + Eq + std::hash::Hash,
    {
        let Some(limiter) = limiter else {
            return Ok(());
        };
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            // Whole seconds, rounded up: a client that waits that long is let in.
            wait.as_secs()
                .saturating_add(u64::from(wait.subsec_nanos() > 0))
                .max(1)
        })
    }

    /// A signed-in caller's request.
    ///
    /// # Errors
    /// `RateLimited`.
    pub fn caller(&self, caller: &Caller) -> Result<(), DomainError> {
        self.check(self.callers.as_ref(), caller)
            .map_err(|retry_after_seconds| self.refused(Limit::Caller, retry_after_seconds))
    }

    /// A request from `address` without a valid token.
    ///
    /// # Errors
    /// `RateLimited`.
    pub fn anonymous(&self, address: IpAddr) -> Result<(), DomainError> {
        self.check(self.anonymous.as_ref(), &address_key(address))
            .map_err(|retry_after_seconds| self.refused(Limit::Anonymous, retry_after_seconds))
    }

    /// A token request from `address` (before its client id is read).
    ///
    /// # Errors
    /// The seconds after which a retry may succeed.
    pub fn token_address(&self, address: IpAddr) -> Result<(), u64> {
        self.check(self.token_addresses.as_ref(), &address_key(address))
            .inspect_err(|_| self.metrics.rate_limited(Limit::Token))
    }

    /// A token request for `client_id`.
    ///
    /// # Errors
    /// The seconds after which a retry may succeed.
    pub fn token_client(&self, client_id: &str) -> Result<(), u64> {
        // Keys are bounded: ids longer than a UUID's text share a key.
        let key: String = client_id.chars().take(40).collect();
        self.check(self.token_clients.as_ref(), &key)
            .inspect_err(|_| self.metrics.rate_limited(Limit::Token))
    }

    /// An anonymous chat start from `address`.
    ///
    /// # Errors
    /// `RateLimited`.
    pub fn chat_start(&self, address: IpAddr) -> Result<(), DomainError> {
        self.check(self.chat_starts.as_ref(), &address_key(address))
            .map_err(|retry_after_seconds| self.refused(Limit::ChatStart, retry_after_seconds))
    }

    /// A message or typing signal from a citizen's chat session, named by `session` (a digest
    /// of its secret: a forged session gets a key of its own, and cannot use up another's).
    ///
    /// # Errors
    /// `RateLimited`.
    pub fn chat_session(&self, session: [u8; 16]) -> Result<(), DomainError> {
        self.check(self.chat_sessions.as_ref(), &session)
            .map_err(|retry_after_seconds| self.refused(Limit::ChatSession, retry_after_seconds))
    }

    /// The address of the client that sent `req`: the connection's peer, or, when the peer is
    /// a trusted proxy, the last address in `X-Forwarded-For` that is not a trusted proxy.
    #[must_use]
    pub fn client_address(&self, req: &HttpRequest) -> IpAddr {
        let peer = req
            .peer_addr()
            .map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
        if !self.trusted.iter().any(|net| net.contains(&peer)) {
            return peer;
        }
        let forwarded: Vec<IpAddr> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .collect();
        forwarded
            .iter()
            .rev()
            .find(|ip| !self.trusted.iter().any(|net| net.contains(*ip)))
            .copied()
            .unwrap_or(peer)
    }

    /// Forgets keys that are back to a full burst (idle callers), so that memory is bounded by
    /// the callers of the last moments.
    pub fn forget_idle(&self) {
        fn forget<K: Clone + Eq + std::hash::Hash>(limiter: Option<&Keyed<K>>) {
            if let Some(l) = limiter {
                l.retain_recent();
                l.shrink_to_fit();
            }
        }
        forget(self.callers.as_ref());
        forget(self.anonymous.as_ref());
        forget(self.token_clients.as_ref());
        forget(self.token_addresses.as_ref());
        forget(self.chat_starts.as_ref());
        forget(self.chat_sessions.as_ref());
    }
}

impl RateLimits {
    fn refused(&self, limit: Limit, retry_after_seconds: u64) -> DomainError {
        self.metrics.rate_limited(limit);
        DomainError::RateLimited {
            retry_after_seconds,
        }
    }
}

/// How often idle keys are forgotten.
pub const FORGET_EVERY: Duration = Duration::from_secs(60);

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_second: u32, burst: u32) -> RateLimits {
        RateLimits::new(
            &Settings {
                rate_limit_per_second: per_second,
                rate_limit_burst: burst,
                rate_limit_anonymous_per_second: per_second,
                rate_limit_anonymous_burst: burst,
                rate_limit_token_per_minute: 2,
                ..Settings::default()
            },
            Arc::new(Metrics::new()),
        )
        .unwrap()
    }

    #[test]
    fn a_caller_gets_the_burst_then_waits_and_others_are_not_affected() {
        let l = limits(1, 3);
        let a = Caller::Client(Uuid::nil());
        let b = Caller::Client(Uuid::max());
        for _ in 0..3 {
            assert!(l.caller(&a).is_ok());
        }
        match l.caller(&a) {
            Err(DomainError::RateLimited {
                retry_after_seconds,
            }) => assert_eq!(retry_after_seconds, 1),
            other => panic!("{other:?}"),
        }
        assert!(l.caller(&b).is_ok());
    }

    #[test]
    fn the_client_address_is_believed_only_from_a_trusted_proxy() {
        let limits = RateLimits::new(
            &Settings {
                trusted_proxies: vec!["10.0.0.0/8".to_owned(), "192.0.2.7".to_owned()],
                ..Settings::default()
            },
            Arc::new(Metrics::new()),
        )
        .unwrap();
        let req = |peer: &str, forwarded: Option<&str>| {
            let mut r = actix_web::test::TestRequest::default().peer_addr(peer.parse().unwrap());
            if let Some(f) = forwarded {
                r = r.insert_header(("x-forwarded-for", f));
            }
            r.to_http_request()
        };
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // Through two trusted proxies: the last untrusted address.
        assert_eq!(
            limits.client_address(&req(
                "10.1.1.1:5000",
                Some("198.51.100.4, 203.0.113.9, 192.0.2.7")
            )),
            ip("203.0.113.9")
        );
        // From an untrusted peer the header is ignored (anyone can send it).
        assert_eq!(
            limits.client_address(&req("203.0.113.50:5000", Some("198.51.100.4"))),
            ip("203.0.113.50")
        );
        // A trusted proxy that forwards nothing usable: the proxy itself.
        assert_eq!(
            limits.client_address(&req("10.1.1.1:5000", Some("garbage"))),
            ip("10.1.1.1")
        );
    }

    #[test]
    fn zero_turns_a_limit_off() {
        let l = limits(0, 0);
        for _ in 0..1000 {
            assert!(l.caller(&Caller::Client(Uuid::nil())).is_ok());
        }
    }

    #[test]
    fn ipv6_addresses_share_their_64_and_tokens_are_limited_by_address_and_client() {
        let l = limits(1, 1);
        let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same64: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert!(l.anonymous(one).is_ok());
        assert!(l.anonymous(same64).is_err());
        // Two per minute per client id; six per minute per address.
        let addr: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(l.token_client("c1").is_ok());
        assert!(l.token_client("c1").is_ok());
        assert!(l.token_client("c1").is_err());
        assert!(l.token_client("c2").is_ok());
        for _ in 0..6 {
            assert!(l.token_address(addr).is_ok());
        }
        assert!(l.token_address(addr).is_err());
        assert!(l.token_address("192.0.2.2".parse().unwrap()).is_ok());
    }
}
