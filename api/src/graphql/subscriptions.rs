//! GraphQL subscriptions over WebSocket (`graphql-transport-ws`, the graphql-ws protocol, and
//! the older `graphql-ws` one) on `GET /graphql`. The token comes in the `connection_init`
//! payload (`{"Authorization": "Bearer …"}`) or the upgrade request's `Authorization` header;
//! a connection without a valid one is refused. Each event is shown only as the domain allows
//! this subscriber to see it, with the token verified again (expiry, membership), so a
//! revoked member stops hearing anything.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::{Context, Data, ID, SimpleObject, Subscription};
use async_graphql_actix_web::GraphQLSubscription;
use chrono::{DateTime, Utc};
use futures_util::Stream;
use peerbro_domain::ids::ReferralId;
use peerbro_domain::referral::{self as domain, ReferralService};
use peerbro_domain::webhooks::{EventType, OutboxEvent};
use peerbro_domain::{DomainError, RequestContext};
use tokio::sync::broadcast;

use super::errors::{GqlResultExt as _, to_gql};
use super::referrals::{ReferralState, ReferralStatus};
use super::scalars::parse_id;
use crate::auth::{AuthError, Authenticator};
use crate::events::EventBus;
use crate::http::rate_limit::Caller;
use crate::state::AppState;

/// The `Authorization` value a subscriber connected with.
#[derive(Clone)]
struct SubscriberToken(String);

/// A change of a referral, as the subscriber may see it.
#[derive(SimpleObject)]
pub struct ReferralStatusChange {
    /// The state it left.
    previous_state: ReferralState,
    /// The state it entered.
    state: ReferralState,
    /// When.
    at: DateTime<Utc>,
    /// The referral as the subscriber may see it, read right after the change.
    referral: ReferralStatus,
}

/// All subscriptions.
#[derive(Default)]
pub struct Subscription;

struct Follow {
    rx: broadcast::Receiver<Arc<OutboxEvent>>,
    auth: Arc<Authenticator>,
    token: String,
    referrals: ReferralService,
    tenant: peerbro_domain::ids::TenantId,
    only: Option<ReferralId>,
}

impl Follow {
    /// The next change this subscriber may see, or `None` when the stream ends (bus closed,
    /// token expired or membership revoked).
    async fn next(&mut self) -> Option<ReferralStatusChange> {
        loop {
            let event = match self.rx.recv().await {
                Ok(event) => event,
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "a subscriber fell behind and missed events");
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            };
            if event.tenant_id != self.tenant
                || event.event_type != EventType::ReferralStatusChanged
            {
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
            let ctx = match self
                .auth
                .context(Some(&self.token), &format!("ws-{}", event.id))
                .await
            {
                Ok(ctx) if ctx.tenant_id().ok() == Some(self.tenant) => ctx,
                _ => return None,
            };
            match self.referrals.referrer_view(&ctx, id).await {
                Ok(view) => {
                    return Some(ReferralStatusChange {
                        previous_state: previous.into(),
                        state: state.into(),
                        at: event.created_at,
                        referral: view.into(),
                    });
                }
                Err(DomainError::NotFound { .. } | DomainError::Forbidden(_)) => {}
                Err(err) => tracing::warn!(error = %err, "a live update could not be read"),
            }
        }
    }
}

#[Subscription]
impl Subscription {
    /// Every change of a referral the caller may follow: referrers their organisation's
    /// referrals (status, dates, feedback and, with the citizen's consent, the outcome),
    /// coordinators and tenant admins every referral of the tenant. `referralId` narrows it to
    /// one referral. Changes are published once committed, within the worker's poll interval.
    async fn referral_status_changed(
        &self,
        ctx: &Context<'_>,
        referral_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = ReferralStatusChange> + use<>> {
        let token = ctx
            .data::<SubscriberToken>()
            .map_err(|_| to_gql(DomainError::Unauthenticated))?
            .0
            .clone();
        let rc = ctx.data::<RequestContext>()?;
        ReferralService::may_follow(rc).gql()?;
        let only = referral_id
            .map(|id| parse_id("referralId", &id).map(ReferralId::from_uuid))
            .transpose()
            .gql()?;
        let follow = Follow {
            rx: ctx.data::<EventBus>()?.subscribe(),
            auth: ctx.data::<Arc<Authenticator>>()?.clone(),
            token,
            referrals: ctx.data::<ReferralService>()?.clone(),
            tenant: rc.tenant_id().gql()?,
            only,
        };
        Ok(futures_util::stream::unfold(
            follow,
            |mut follow| async move { follow.next().await.map(|change| (change, follow)) },
        ))
    }
}

fn token_from(payload: &serde_json::Value) -> Option<String> {
    ["Authorization", "authorization"]
        .iter()
        .find_map(|key| payload.get(key).and_then(|v| v.as_str()))
        .map(str::to_owned)
        .or_else(|| {
            payload
                .get("token")
                .and_then(|v| v.as_str())
                .map(|t| format!("Bearer {t}"))
        })
}

/// `GET /graphql` with `Upgrade: websocket`.
///
/// # Errors
/// 400 when no GraphQL WebSocket sub-protocol is offered.
pub async fn websocket(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> actix_web::Result<HttpResponse> {
    let mut data = Data::default();
    data.insert(state.events.clone());
    data.insert(state.referrals.clone());
    data.insert(state.auth.clone());
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let auth = state.auth.clone();
    let limits = state.limits.clone();
    GraphQLSubscription::new(state.schema.clone())
        .with_data(data)
        .on_connection_init(move |payload| async move {
            let token = token_from(&payload)
                .or(header)
                .ok_or_else(|| to_gql(DomainError::Unauthenticated))?;
            let request_id = format!("ws-{}", uuid::Uuid::now_v7());
            let verified = auth
                .verify_header(&token)
                .map_err(|_| to_gql(DomainError::Unauthenticated))?;
            limits.caller(&Caller::from(&verified)).gql()?;
            let ctx = auth
                .resolve(verified, &request_id)
                .await
                .map_err(|e| match e {
                    AuthError::Lookup(err) => to_gql(err),
                    AuthError::Invalid(_) => to_gql(DomainError::Unauthenticated),
                })?;
            if ctx.actor().is_none() {
                return Err(to_gql(DomainError::Unauthenticated));
            }
            let mut data = Data::default();
            data.insert(ctx);
            data.insert(SubscriberToken(token));
            Ok(data)
        })
        .start(&req, payload)
}
