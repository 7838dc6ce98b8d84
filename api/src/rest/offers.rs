//! `/api/v1/offers`: what the partnership offers, so that partner systems can refer a citizen
//! to a specific offer (`offerId` on `POST /api/v1/referrals`).

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use peerbro_domain::ids::OfferId;
use peerbro_domain::offers::{self as domain, OfferFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::http::auth::Ctx;
use crate::http::problem::{ApiError, Problem};
use crate::state::AppState;
pub use crate::wire::OfferKind;

/// A course session.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// The day it is held.
    held_on: NaiveDate,
    /// The day (use `heldOn`).
    #[schema(deprecated)]
    date: NaiveDate,
    /// Local (Danish) start time.
    start_time: NaiveTime,
    /// Length in minutes.
    duration_minutes: u32,
    /// Length in minutes (use `durationMinutes`).
    #[schema(deprecated)]
    minutes: u32,
}

/// An offer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Offer {
    /// Id (pass as `offerId` when referring).
    id: Uuid,
    /// The organisation that runs it.
    organisation_id: Uuid,
    /// Kind.
    kind: OfferKind,
    /// Kind (use `kind`).
    #[schema(deprecated)]
    offer_type: OfferKind,
    /// Title.
    title: String,
    /// Where; absent for online offers.
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<String>,
    /// Places (courses).
    #[serde(skip_serializing_if = "Option::is_none")]
    capacity: Option<u32>,
    /// Whether it takes referrals.
    open: bool,
    /// Created.
    #[serde(serialize_with = "crate::wire::serialize_instant")]
    created_at: DateTime<Utc>,
}

impl From<domain::Offer> for Offer {
    fn from(o: domain::Offer) -> Self {
        Self {
            id: o.id.as_uuid(),
            organisation_id: o.organisation_id.as_uuid(),
            kind: o.offer_type.into(),
            offer_type: o.offer_type.into(),
            title: o.title,
            location: o.location,
            capacity: o.capacity,
            open: o.open,
            created_at: o.created_at,
        }
    }
}

/// One offer with its sessions.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OfferDetail {
    /// The offer.
    #[serde(flatten)]
    offer: Offer,
    /// A course's sessions, in order.
    sessions: Vec<Session>,
}

/// One page of offers.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OfferPage {
    /// The offers, oldest first.
    items: Vec<Offer>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

/// Paging and filtering.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// The `nextCursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    cursor: Option<String>,
    /// Only offers of this kind.
    kind: Option<OfferKind>,
    /// Deprecated: use `kind`, which wins when both are given. Only offers of this kind.
    offer_type: Option<OfferKind>,
    /// Only offers that take referrals.
    open_only: Option<bool>,
}

/// Lists the partnership's offers.
#[utoipa::path(
    tag = "offers",
    context_path = "/api/v1",
    params(ListParams),
    responses(
        (status = 200, body = OfferPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/offers")]
pub async fn list(
    Ctx(ctx): Ctx,
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let page = super::page_params(params.limit, params.cursor.as_deref())?;
    let kind = params.kind.or(params.offer_type);
    let filter = OfferFilter {
        offer_type: kind.map(Into::into),
        open_only: params.open_only.unwrap_or(false),
        ..OfferFilter::default()
    };
    let result = state.services.offers.list(&ctx, &filter, &page).await?;
    let next_cursor = super::next_cursor(&result, |o| o.id.as_uuid());
    Ok(HttpResponse::Ok().json(OfferPage {
        items: result.items.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// One offer, with a course's sessions.
#[utoipa::path(
    tag = "offers",
    context_path = "/api/v1",
    params(("id" = Uuid, Path, description = "Offer id")),
    responses(
        (status = 200, body = OfferDetail),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/offers/{id}")]
pub async fn get(
    Ctx(ctx): Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = OfferId::from_uuid(id.into_inner());
    let offer = state.services.offers.get(&ctx, id).await?;
    let sessions = state.services.offers.sessions(&ctx, &[id]).await?;
    Ok(HttpResponse::Ok().json(OfferDetail {
        offer: offer.into(),
        sessions: sessions
            .into_iter()
            .map(|s| Session {
                held_on: s.date,
                date: s.date,
                start_time: s.start_time,
                duration_minutes: s.minutes,
                minutes: s.minutes,
            })
            .collect(),
    }))
}
