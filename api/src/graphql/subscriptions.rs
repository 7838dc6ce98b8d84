//! GraphQL subscriptions over WebSocket (`graphql-transport-ws`, the graphql-ws protocol, and
//! the older `graphql-ws` one) on `GET /graphql`. The token comes in the `connection_init`
//! payload (`{"Authorization": "Bearer …"}`) or the upgrade request's `Authorization` header;
//! a connection without a valid one is refused. Each event is shown only as the domain allows
//! this subscriber to see it, with the token verified again (expiry, membership), so a
//! revoked member stops hearing anything.

use crate::graphql::time::Instant;
use std::sync::Arc;

use async_graphql::{Context, ID, SimpleObject, Subscription};
use futures_util::Stream;
use peerbro_domain::ids::ReferralId;
use peerbro_domain::referral::{self as domain, ReferralService};
use peerbro_domain::webhooks::{EventType, OutboxEvent};
use peerbro_domain::{DomainError, RequestContext};
use tokio::sync::broadcast;

use super::errors::{GqlResultExt as _, to_gql};
use super::ids::parse;
use super::referrals::{Referral, ReferralState, ReferralStatus};
use crate::auth::Authenticator;
use crate::events::EventBus;

/// The `Authorization` value a subscriber connected with (the token is verified again for
/// each event).
#[derive(Clone)]
pub struct SubscriberToken(pub String);

/// A change of a referral, as the subscriber may see it.
#[derive(SimpleObject)]
pub struct ReferralStatusChange {
    /// The state it left.
    previous_state: ReferralState,
    /// The state it entered.
    state: ReferralState,
    /// When.
    at: Instant,
    /// The referral as the subscriber may see it, read right after the change.
    referral: ReferralStatus,
}

/// A referral as it enters the worklist.
#[derive(SimpleObject)]
pub struct ReferralSubmission {
    /// When it was submitted.
    at: Instant,
    /// The referral as the worklist shows it, read right after the submission (no reason:
    /// that is read, audited, with `referral(id, purpose)`).
    referral: Referral,
}

/// All subscriptions.
#[derive(Default)]
pub struct ReferralSubscription;

/// A subscriber's view of the bus: the events of one type in their tenant (and of one
/// referral, when narrowed), each with the subscriber's context checked again.
struct Follow {
    rx: broadcast::Receiver<Arc<OutboxEvent>>,
    auth: Arc<Authenticator>,
    token: String,
    referrals: ReferralService,
    tenant: peerbro_domain::ids::TenantId,
    kind: EventType,
    only: Option<ReferralId>,
}

impl Follow {
    /// The next event of the followed kind, with its referral and the subscriber's context
    /// as of now; `None` when the stream ends (bus closed, token expired or membership
    /// revoked).
    async fn next_event(&mut self) -> Option<(Arc<OutboxEvent>, ReferralId, RequestContext)> {
        loop {
            let event = match self.rx.recv().await {
                Ok(event) => event,
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "a subscriber fell behind and missed events");
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            };
            if event.tenant_id != self.tenant || event.event_type != self.kind {
                continue;
            }
            let Some(id) = event
                .data
                .get("referralId")
                .and_then(|v| v.as_str())
                .and_then(|v| uuid::Uuid::parse_str(v).ok())
                .map(ReferralId::from_uuid)
            else {
                continue;
            };
            if self.only.is_some_and(|only| only != id) {
                continue;
            }
            return match self
                .auth
                .context(Some(&self.token), &format!("ws-{}", event.id))
                .await
            {
                Ok(ctx) if ctx.tenant_id().ok() == Some(self.tenant) => Some((event, id, ctx)),
                _ => None,
            };
        }
    }

    /// The next change this subscriber may see.
    async fn next_change(&mut self) -> Option<ReferralStatusChange> {
        loop {
            let (event, id, ctx) = self.next_event().await?;
            let state = |key: &str| {
                event
                    .data
                    .get(key)
                    .and_then(|v| v.as_str())
                    .and_then(|v| v.parse::<domain::ReferralState>().ok())
            };
            let (Some(previous), Some(state)) = (state("previousState"), state("state")) else {
                continue;
            };
            match self.referrals.referrer_view(&ctx, id).await {
                Ok(view) => {
                    return Some(ReferralStatusChange {
                        previous_state: previous.into(),
                        state: state.into(),
                        at: event.created_at.into(),
                        referral: view.into(),
                    });
                }
                Err(DomainError::NotFound { .. } | DomainError::Forbidden(_)) => {}
                Err(err) => tracing::warn!(error = %err, "a live update could not be read"),
            }
        }
    }

    /// The next submission this subscriber may see; the stream ends when they may no longer
    /// follow submissions (a role revoked).
    async fn next_submission(&mut self) -> Option<ReferralSubmission> {
        loop {
            let (event, id, ctx) = self.next_event().await?;
            match self.referrals.worklist_entry(&ctx, id).await {
                Ok(detail) => {
                    return Some(ReferralSubmission {
                        at: event.created_at.into(),
                        referral: detail.into(),
                    });
                }
                Err(DomainError::Forbidden(_)) => return None,
                Err(DomainError::NotFound { .. }) => {}
                Err(err) => tracing::warn!(error = %err, "a live update could not be read"),
            }
        }
    }
}

/// A follower of `kind` for the subscriber of `ctx`.
fn follow(
    ctx: &Context<'_>,
    kind: EventType,
    only: Option<ReferralId>,
) -> async_graphql::Result<Follow> {
    let token = ctx
        .data::<SubscriberToken>()
        .map_err(|_| to_gql(DomainError::Unauthenticated))?
        .0
        .clone();
    let rc = ctx.data::<RequestContext>()?;
    Ok(Follow {
        rx: ctx.data::<EventBus>()?.subscribe(),
        auth: ctx.data::<Arc<Authenticator>>()?.clone(),
        token,
        referrals: ctx.data::<ReferralService>()?.clone(),
        tenant: rc.tenant_id().gql()?,
        kind,
        only,
    })
}

#[Subscription]
impl ReferralSubscription {
    /// Every change of a referral the caller may follow: referrers their organisation's
    /// referrals (status, dates, feedback and, with the citizen's consent, the outcome),
    /// coordinators and tenant admins every referral of the tenant. `referralId` narrows it to
    /// one referral; one the caller cannot see (or that does not exist) is refused with
    /// `NOT_FOUND`. Changes are published once committed, within the worker's poll interval.
    async fn referral_status_changed(
        &self,
        ctx: &Context<'_>,
        referral_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = ReferralStatusChange> + use<>> {
        let rc = ctx.data::<RequestContext>()?;
        ReferralService::may_follow(rc).gql()?;
        let only = referral_id
            .map(|id| parse::<ReferralId>("referralId", &id))
            .transpose()
            .gql()?;
        // Listening starts before the check below reads the database, so that a change made
        // meanwhile is not missed.
        let follow = follow(ctx, EventType::ReferralStatusChanged, only)?;
        if let Some(id) = only {
            // A referral that does not exist, or that the caller may not see, is refused at
            // once (`NOT_FOUND`) instead of followed in silence for ever.
            ctx.data::<ReferralService>()?
                .referrer_view(rc, id)
                .await
                .gql()?;
        }
        Ok(futures_util::stream::unfold(
            follow,
            |mut follow| async move { follow.next_change().await.map(|change| (change, follow)) },
        ))
    }

    /// Every new referral of the tenant, as the worklist shows it, once its submission has
    /// committed (within the worker's poll interval): for coordinators and tenant admins, to
    /// keep a worklist screen current without polling. Others are refused with `FORBIDDEN`;
    /// the stream ends when the caller's token expires or their role is revoked.
    async fn referral_submitted(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = ReferralSubmission> + use<>> {
        ReferralService::may_follow_submissions(ctx.data::<RequestContext>()?).gql()?;
        let follow = follow(ctx, EventType::ReferralSubmitted, None)?;
        Ok(futures_util::stream::unfold(
            follow,
            |mut follow| async move { follow.next_submission().await.map(|s| (s, follow)) },
        ))
    }
}
