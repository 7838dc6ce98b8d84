//! The right of access and to data portability (issue 13, ADR 0041): a citizen's or a peer
//! worker's whole record
//! as JSON (portable) or as a printable Danish page. Coordinators and tenant admins produce it
//! for a citizen on their request; a signed-in citizen downloads their own. Each download is
//! audited (`EXPORT`) and listed in the record it produces.

use actix_web::{HttpResponse, get, http::header, web};
use peerbro_domain::DomainError;
use peerbro_domain::context::Role;
use peerbro_domain::ids::{CitizenId, PeerId};
use peerbro_domain::privacy::access::CitizenExport;
use peerbro_domain::privacy::peer_access::PeerExport;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::http::auth::Ctx;
use crate::http::problem::{ApiError, Problem};
use crate::state::AppState;

/// The forms a record is given in.
#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// Machine-readable, for moving the data elsewhere (art. 20).
    #[default]
    Json,
    /// A readable Danish page that prints well (art. 15).
    Html,
}

/// How to give the record.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `json` (default) or `html`.
    format: Option<ExportFormat>,
}

/// One person's record, as JSON or as a page.
enum Record {
    Citizen(CitizenExport),
    Peer(PeerExport),
}

fn respond(record: &Record, format: Option<ExportFormat>) -> HttpResponse {
    let id = match record {
        Record::Citizen(c) => &c.citizen.id,
        Record::Peer(p) => &p.peer.id,
    };
    let no_store = (header::CACHE_CONTROL, "no-store");
    match format.unwrap_or_default() {
        ExportFormat::Json => {
            let mut res = HttpResponse::Ok();
            res.insert_header(no_store).insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"peerbro-{id}.json\""),
            ));
            match record {
                Record::Citizen(c) => res.json(c),
                Record::Peer(p) => res.json(p),
            }
        }
        ExportFormat::Html => HttpResponse::Ok()
            .insert_header(no_store)
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ))
            .content_type("text/html; charset=utf-8")
            .body(match record {
                Record::Citizen(c) => crate::access_page::citizen_page(c),
                Record::Peer(p) => crate::access_page::peer_page(p),
            }),
    }
}

/// Everything held about one citizen (coordinators and tenant admins, on the citizen's
/// request): profile, consents with history, referrals with every move, course places,
/// attendance, meetings, questionnaires, studies, and who read or changed the data.
#[utoipa::path(
    tag = "access",
    context_path = "/api/v1",
    params(("id" = Uuid, Path, description = "Citizen id"), ExportParams),
    responses(
        (status = 200, description = "The record: JSON, or a printable page with `format=html`",
            content((String = "application/json"), (String = "text/html"))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/citizens/{id}/export")]
pub async fn citizen(
    Ctx(ctx): Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    params: web::Query<ExportParams>,
) -> Result<HttpResponse, ApiError> {
    let export = state
        .services
        .access
        .citizen_export(&ctx, CitizenId::from_uuid(id.into_inner()))
        .await?;
    Ok(respond(&Record::Citizen(export), params.format))
}

/// Everything held about the signed-in person: a citizen's record as
/// `/citizens/{id}/export` gives it, a peer worker's as `/peer-workers/{id}/export` does.
#[utoipa::path(
    tag = "access",
    context_path = "/api/v1",
    params(ExportParams),
    responses(
        (status = 200, description = "Your record: JSON, or a printable page with `format=html`",
            content((String = "application/json"), (String = "text/html"))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`CONFLICT`/`NOT_REGISTERED`: the citizen login has no record yet"),
    )
)]
#[get("/me/export")]
pub async fn mine(
    Ctx(ctx): Ctx,
    state: web::Data<AppState>,
    params: web::Query<ExportParams>,
) -> Result<HttpResponse, ApiError> {
    let access = &state.services.access;
    let has = |role| ctx.actor().is_some_and(|a| a.has(role));
    let record = if has(Role::Citizen) {
        Record::Citizen(access.my_export(&ctx).await?)
    } else if has(Role::Peer) {
        Record::Peer(access.my_peer_export(&ctx).await?)
    } else if ctx.actor().is_none() {
        return Err(DomainError::Unauthenticated.into());
    } else {
        return Err(DomainError::Forbidden(
            "only citizens and peer workers have a record of their own to download",
        )
        .into());
    };
    Ok(respond(&record, params.format))
}

/// Everything held about one peer worker (coordinators and tenant admins, on the peer's
/// request): profile, employment, screenings, certificate checks, training, changes of status
/// with their reasons, placements, supervision, their own questionnaire rounds, and who read
/// or changed the data. The citizens they supported are not in it.
#[utoipa::path(
    tag = "access",
    context_path = "/api/v1",
    params(("id" = Uuid, Path, description = "Peer worker id"), ExportParams),
    responses(
        (status = 200, description = "The record: JSON, or a printable page with `format=html`",
            content((String = "application/json"), (String = "text/html"))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/peer-workers/{id}/export")]
pub async fn peer(
    Ctx(ctx): Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    params: web::Query<ExportParams>,
) -> Result<HttpResponse, ApiError> {
    let export = state
        .services
        .access
        .peer_export(&ctx, PeerId::from_uuid(id.into_inner()))
        .await?;
    Ok(respond(&Record::Peer(export), params.format))
}
