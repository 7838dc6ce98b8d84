//! The chat's statistics without identity (issue 14, ADR 0046): per month and offer, how many
//! contacts came, how many a peer took, how long people waited, how long conversations
//! lasted (in bands), how many peers were on duty and for how many hours. Built from the
//! contacts written when a conversation ends (no link to it) and the duty periods written when
//! a peer goes off duty; nothing here can lead back to a citizen.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{Datelike as _, Months, NaiveDate};

use super::conversation::ChatEnd;
use crate::authz::{COORDINATING, require_any};
use crate::context::RequestContext;
use crate::error::{DomainError, DomainResult};
use crate::ids::{OfferId, TenantId, UserId};

/// At most this many months in one request.
pub const MAX_MONTHS: u32 = 24;
/// The upper bounds of the duration bands, in minutes (the last band has none).
pub const BANDS_MINUTES: [i64; 4] = [5, 15, 30, 60];

/// One contact, as stored when its conversation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Contact {
    /// The offer.
    pub offer: OfferId,
    /// The Danish month it opened in (its first day).
    pub month: NaiveDate,
    /// Seconds in the queue before a peer took it (`None`: nobody did).
    pub waited_seconds: Option<i64>,
    /// Seconds talked (`None`: nobody took it).
    pub talked_seconds: Option<i64>,
    /// How it ended.
    pub end: ChatEnd,
}

/// A peer's time on duty for an offer, attributed to the month it began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DutyPeriod {
    /// The offer.
    pub offer: OfferId,
    /// The Danish month it began in (its first day).
    pub month: NaiveDate,
    /// The peer.
    pub peer: UserId,
    /// How long.
    pub seconds: i64,
}

/// What the statistics read.
#[async_trait]
pub trait ChatStatisticsStore: Send + Sync {
    /// The tenant's contacts of the months `from..=to` (first days), of `offer` if given.
    ///
    /// # Errors
    /// `Unavailable` when the database is gone.
    async fn contacts(
        &self,
        tenant: TenantId,
        from: NaiveDate,
        to: NaiveDate,
        offer: Option<OfferId>,
    ) -> DomainResult<Vec<Contact>>;

    /// The tenant's duty periods of the months `from..=to` (first days), of `offer` if given.
    ///
    /// # Errors
    /// `Unavailable` when the database is gone.
    async fn duty_periods(
        &self,
        tenant: TenantId,
        from: NaiveDate,
        to: NaiveDate,
        offer: Option<OfferId>,
    ) -> DomainResult<Vec<DutyPeriod>>;
}

/// One month of one offer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChatMonth {
    /// The month (its first day).
    pub month: NaiveDate,
    /// The offer.
    pub offer: Option<OfferId>,
    /// Conversations that ended in it (counted in the month they opened).
    pub contacts: u64,
    /// Of those, taken by a peer.
    pub taken: u64,
    /// Ended before a peer took them (the citizen left, or they expired).
    pub not_taken: u64,
    /// Ended by a peer with a block.
    pub blocked: u64,
    /// The median wait of the taken ones, in seconds.
    pub median_wait_seconds: Option<i64>,
    /// The 90th percentile of that wait.
    pub p90_wait_seconds: Option<i64>,
    /// Taken conversations by how long they lasted: under 5, 15, 30 and 60 minutes, longer.
    pub duration_bands: [u64; 5],
    /// Peers who were on duty for the offer.
    pub peers_on_duty: u64,
    /// Their hours on duty, together.
    pub duty_hours: f64,
}

/// The value at fraction `q` of `sorted` (nearest rank).
fn quantile(sorted: &[i64], q: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    #[allow(clippy::cast_sign_loss)]
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted.get(rank - 1).copied()
}

fn band(seconds: i64) -> usize {
    BANDS_MINUTES
        .iter()
        .position(|limit| seconds < limit * 60)
        .unwrap_or(BANDS_MINUTES.len())
}

type Sums = (ChatMonth, Vec<i64>, BTreeSet<UserId>);

fn entry(
    months: &mut BTreeMap<(NaiveDate, OfferId), Sums>,
    month: NaiveDate,
    offer: OfferId,
) -> &mut Sums {
    months.entry((month, offer)).or_insert_with(|| {
        let m = ChatMonth {
            month,
            offer: Some(offer),
            ..ChatMonth::default()
        };
        (m, Vec::new(), BTreeSet::new())
    })
}

/// Sums `contacts` and `periods` per month and offer, in order.
#[must_use]
pub fn summarise(contacts: &[Contact], periods: &[DutyPeriod]) -> Vec<ChatMonth> {
    let mut months: BTreeMap<(NaiveDate, OfferId), Sums> = BTreeMap::new();
    for c in contacts {
        let (m, waits, _) = entry(&mut months, c.month, c.offer);
        m.contacts += 1;
        if c.end == ChatEnd::Blocked {
            m.blocked += 1;
        }
        match (c.waited_seconds, c.talked_seconds) {
            (Some(waited), Some(talked)) => {
                m.taken += 1;
                waits.push(waited.max(0));
                m.duration_bands[band(talked)] += 1;
            }
            _ => m.not_taken += 1,
        }
    }
    for p in periods {
        let (m, _, peers) = entry(&mut months, p.month, p.offer);
        peers.insert(p.peer);
        #[allow(clippy::cast_precision_loss)]
        {
            m.duty_hours += p.seconds.max(0) as f64 / 3600.0;
        }
    }
    months
        .into_values()
        .map(|(mut m, mut waits, peers)| {
            waits.sort_unstable();
            m.median_wait_seconds = quantile(&waits, 0.5);
            m.p90_wait_seconds = quantile(&waits, 0.9);
            m.peers_on_duty = u64::try_from(peers.len()).unwrap_or(u64::MAX);
            m.duty_hours = (m.duty_hours * 10.0).round() / 10.0;
            m
        })
        .collect()
}

/// The statistics' use case.
#[derive(Clone)]
pub struct ChatStatistics {
    store: Arc<dyn ChatStatisticsStore>,
}

impl std::fmt::Debug for ChatStatistics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChatStatistics")
    }
}

impl ChatStatistics {
    /// The use case over `store`.
    #[must_use]
    pub fn new(store: Arc<dyn ChatStatisticsStore>) -> Self {
        Self { store }
    }

    /// The months `from..=to` (any day in them), per offer, for tenant admins and
    /// coordinators; optionally of one offer.
    ///
    /// # Errors
    /// `FORBIDDEN` for other roles; `VALIDATION` when `to` is before `from` or the span is
    /// longer than [`MAX_MONTHS`].
    pub async fn months(
        &self,
        ctx: &RequestContext,
        from: NaiveDate,
        to: NaiveDate,
        offer: Option<OfferId>,
    ) -> DomainResult<Vec<ChatMonth>> {
        require_any(
            ctx,
            &COORDINATING,
            DomainError::Forbidden("the chat's statistics are for coordinators"),
        )?;
        let first = |d: NaiveDate| d.with_day(1).unwrap_or(d);
        let (from, to) = (first(from), first(to));
        if to < from {
            return Err(DomainError::validation(
                "toMonth",
                "must not be before fromMonth",
            ));
        }
        if from
            .checked_add_months(Months::new(MAX_MONTHS))
            .is_some_and(|end| to >= end)
        {
            return Err(DomainError::validation(
                "toMonth",
                format!("at most {MAX_MONTHS} months at a time"),
            ));
        }
        let tenant = ctx.tenant_id()?;
        let contacts = self.store.contacts(tenant, from, to, offer).await?;
        let periods = self.store.duty_periods(tenant, from, to, offer).await?;
        Ok(summarise(&contacts, &periods))
    }
}

#[cfg(test)]
#[path = "statistics_tests.rs"]
mod tests;
