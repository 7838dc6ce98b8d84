//! What the chat's resolvers need of the HTTP layer: the rate limits and the caller's address.

use std::net::IpAddr;
use std::sync::Arc;

use crate::http::rate_limit::RateLimits;

/// The chat's rate limits and the caller's address, in every request's and socket's data.
#[derive(Clone, Debug)]
pub struct ChatCaller {
    /// The process's limiters.
    pub limits: Arc<RateLimits>,
    /// The client's address (after trusted proxies).
    pub address: IpAddr,
}
