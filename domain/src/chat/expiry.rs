//! Ending what nobody will finish (issue 14, ADR 0046): a conversation still waiting when its
//! offer has closed, and one left idle — no message, take or start for [`IDLE_MINUTES`] —
//! end as `EXPIRED`. The citizen's page hears it live and says so; the contact is counted
//! (untaken, or taken) like any other end. Run by every server process on a timer; each
//! expiry is decided again on the conversation's locked row, so two processes never end one
//! twice.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::conversation::ChatState;
use super::ports::ChatStore;
use crate::clock::Clock;
use crate::error::{DomainError, DomainResult};
use crate::ids::{ConversationId, OfferId, TenantId};
use crate::tenancy::TenantRepository;

/// Minutes without a message, take or start after which a conversation that has not ended
/// expires.
pub const IDLE_MINUTES: i64 = 120;

/// A conversation that has not ended, as expiry sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unended {
    /// The conversation.
    pub id: ConversationId,
    /// Its offer.
    pub offer: OfferId,
    /// Where it is.
    pub state: ChatState,
    /// The last start, take or message.
    pub last_activity: DateTime<Utc>,
}

/// What expiry reads.
#[async_trait]
pub trait ChatExpiryStore: Send + Sync {
    /// The tenant's conversations that have not ended.
    ///
    /// # Errors
    /// `Unavailable` when the database is gone.
    async fn unended(&self, tenant: TenantId) -> DomainResult<Vec<Unended>>;
}

/// The expiry run.
#[derive(Clone)]
pub struct ChatExpiry {
    chats: Arc<dyn ChatStore>,
    listing: Arc<dyn ChatExpiryStore>,
    tenants: Arc<dyn TenantRepository>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for ChatExpiry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChatExpiry")
    }
}

impl ChatExpiry {
    /// The run over its ports.
    #[must_use]
    pub fn new(
        chats: Arc<dyn ChatStore>,
        listing: Arc<dyn ChatExpiryStore>,
        tenants: Arc<dyn TenantRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            chats,
            listing,
            tenants,
            clock,
        }
    }

    /// Expires what is due in every tenant; returns how many conversations ended.
    ///
    /// # Errors
    /// `Unavailable` when the database is gone; what ended before stays ended.
    pub async fn run_all(&self) -> DomainResult<u64> {
        let mut ended = 0;
        for tenant in self.tenants.all().await? {
            ended += self.run_tenant(tenant.id).await?;
        }
        Ok(ended)
    }

    async fn run_tenant(&self, tenant: TenantId) -> DomainResult<u64> {
        let now = self.clock.now();
        let idle_since = now - Duration::minutes(IDLE_MINUTES);
        let mut open: HashMap<OfferId, bool> = HashMap::new();
        let mut ended = 0;
        for u in self.listing.unended(tenant).await? {
            let closed_while_waiting = u.state == ChatState::Waiting && {
                if let Some(is_open) = open.get(&u.offer) {
                    !is_open
                } else {
                    let is_open = self
                        .chats
                        .offer(tenant, u.offer)
                        .await?
                        .is_some_and(|o| o.active && o.hours.is_open(now));
                    open.insert(u.offer, is_open);
                    !is_open
                }
            };
            if !(closed_while_waiting || u.last_activity <= idle_since) {
                continue;
            }
            let seen = u.state;
            // Decided again on the locked row: a take or an end since the listing wins.
            let expire = Box::new(move |c: &mut super::Conversation| {
                if c.state == seen {
                    c.expire(now);
                }
                Ok(())
            });
            match self.chats.change(tenant, u.id, expire).await {
                Ok(c) if c.state == ChatState::Ended && c.ended_at == Some(now) => ended += 1,
                Ok(_) | Err(DomainError::NotFound { .. }) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(ended)
    }
}
