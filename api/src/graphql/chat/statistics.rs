//! The chat's statistics in GraphQL (issue 14, ADR 0046): per month and offer, without
//! identity, for coordinators and tenant admins.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::NaiveDate;
use peerbro_domain::DomainError;
use peerbro_domain::chat::statistics::BANDS_MINUTES;
use peerbro_domain::chat::{ChatMonth, ChatStatistics};
use peerbro_domain::ids::OfferId;

use crate::graphql::errors::{GqlResultExt as _, request_data};
use crate::graphql::ids::{gid, parse};

/// Taken conversations that lasted from `fromMinutes` up to (not including) `toMinutes`.
#[derive(SimpleObject)]
pub struct ChatDurationBand {
    /// The band's lower bound, in minutes.
    from_minutes: i64,
    /// Its upper bound (none: open).
    to_minutes: Option<i64>,
    /// How many conversations.
    conversations: u64,
}

/// One month of one chat offer: contacts, waits, durations and duty, with no link to anyone.
#[derive(SimpleObject)]
pub struct ChatMonthStatistics {
    /// The month, `YYYY-MM` (on the Danish clock; a conversation counts in the month it
    /// opened, a duty period in the month it began).
    month: String,
    /// The chat offer.
    offer_id: ID,
    /// Conversations that ended.
    contacts: u64,
    /// Of those, taken by a peer.
    taken: u64,
    /// Ended before a peer took them (the citizen left, or they expired).
    not_taken: u64,
    /// Ended by a peer with a block.
    blocked: u64,
    /// The median time in the queue of the taken ones, in seconds.
    median_wait_seconds: Option<i64>,
    /// The 90th percentile of that time.
    p90_wait_seconds: Option<i64>,
    /// The taken conversations by how long they lasted.
    duration_bands: Vec<ChatDurationBand>,
    /// Peers who were on duty (counted once each).
    peers_on_duty: u64,
    /// Their hours on duty together, to a tenth.
    duty_hours: f64,
}

impl From<ChatMonth> for ChatMonthStatistics {
    fn from(m: ChatMonth) -> Self {
        let mut lower = 0;
        let duration_bands = m
            .duration_bands
            .iter()
            .enumerate()
            .map(|(i, &conversations)| {
                let upper = BANDS_MINUTES.get(i).copied();
                let band = ChatDurationBand {
                    from_minutes: lower,
                    to_minutes: upper,
                    conversations,
                };
                lower = upper.unwrap_or(lower);
                band
            })
            .collect();
        Self {
            month: m.month.format("%Y-%m").to_string(),
            offer_id: m.offer.map(gid).unwrap_or_default(),
            contacts: m.contacts,
            taken: m.taken,
            not_taken: m.not_taken,
            blocked: m.blocked,
            median_wait_seconds: m.median_wait_seconds,
            p90_wait_seconds: m.p90_wait_seconds,
            duration_bands,
            peers_on_duty: m.peers_on_duty,
            duty_hours: m.duty_hours,
        }
    }
}

fn month(field: &'static str, text: &str) -> async_graphql::Result<NaiveDate> {
    let shaped = text.len() == 7
        && text
            .char_indices()
            .all(|(i, c)| if i == 4 { c == '-' } else { c.is_ascii_digit() });
    shaped
        .then(|| NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| DomainError::validation(field, "must be a month as YYYY-MM"))
        .gql()
}

/// The chat's statistics.
#[derive(Default)]
pub struct ChatStatisticsQuery;

#[Object]
impl ChatStatisticsQuery {
    /// The anonymous chat per month and offer from `fromMonth` to `toMonth` (`YYYY-MM`, at
    /// most 24 months), optionally of one offer: contacts, time in the queue, duration bands,
    /// peers on duty (coordinators and tenant admins). Months with neither contacts nor duty
    /// are left out.
    async fn chat_statistics(
        &self,
        ctx: &Context<'_>,
        from_month: String,
        to_month: String,
        offer_id: Option<ID>,
    ) -> async_graphql::Result<Vec<ChatMonthStatistics>> {
        let (stats, rc) = request_data::<ChatStatistics>(ctx)?;
        let from = month("fromMonth", &from_month)?;
        let to = month("toMonth", &to_month)?;
        let offer = offer_id
            .map(|id| parse::<OfferId>("offerId", &id))
            .transpose()
            .gql()?;
        let months = stats.months(rc, from, to, offer).await.gql()?;
        Ok(months.into_iter().map(Into::into).collect())
    }
}
