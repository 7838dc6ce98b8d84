//! `/api/v1/organisations`.

use actix_web::http::header;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use peerbro_domain::ids::OrganisationId;
use peerbro_domain::tenancy::{
    self as domain, OrganisationFilter, OrganisationName, OrganisationPatch,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::body::Body;
use crate::http::auth::Ctx;
use crate::http::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::wire::OrganisationKind;

/// An organisation.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Organisation {
    /// Id.
    id: Uuid,
    /// Name, unique in the tenant.
    name: String,
    /// Kind.
    kind: OrganisationKind,
    /// Created.
    #[serde(serialize_with = "crate::wire::serialize_instant")]
    created_at: DateTime<Utc>,
    /// Last changed.
    #[serde(serialize_with = "crate::wire::serialize_instant")]
    updated_at: DateTime<Utc>,
}

impl From<domain::Organisation> for Organisation {
    fn from(o: domain::Organisation) -> Self {
        Self {
            id: o.id.as_uuid(),
            name: o.name.as_str().to_owned(),
            kind: o.kind.into(),
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// One page of organisations.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationPage {
    /// The organisations, oldest first.
    items: Vec<Organisation>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

/// Paging and filtering.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// The `nextCursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    cursor: Option<String>,
    /// Only organisations of this kind.
    kind: Option<OrganisationKind>,
}

/// A new organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganisation {
    /// Name, 1–200 characters, unique in the tenant.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\u009F]*[^\\s\\x00-\\x1F\\x7F-\\u009F][^\\x00-\\x1F\\x7F-\\u009F]*$"
    )]
    name: String,
    /// Kind.
    kind: OrganisationKind,
}

/// A change; give at least one field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganisation {
    /// New name.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\u009F]*[^\\s\\x00-\\x1F\\x7F-\\u009F][^\\x00-\\x1F\\x7F-\\u009F]*$"
    )]
    name: Option<String>,
    /// New kind.
    kind: Option<OrganisationKind>,
}

/// Lists the tenant's organisations.
#[utoipa::path(
    tag = "organisations",
    context_path = "/api/v1",
    params(ListParams),
    responses(
        (status = 200, body = OrganisationPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations")]
pub async fn list(
    Ctx(ctx): Ctx,
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let page = super::page_params(params.limit, params.cursor.as_deref())?;
    let filter = OrganisationFilter {
        kind: params.kind.map(Into::into),
    };
    let result = state
        .services
        .tenancy
        .list_organisations(&ctx, filter, &page)
        .await?;
    let next_cursor = super::next_cursor(&result, |o| o.id.as_uuid());
    Ok(HttpResponse::Ok().json(OrganisationPage {
        items: result.items.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// One organisation.
#[utoipa::path(
    tag = "organisations",
    context_path = "/api/v1",
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, body = Organisation),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/organisations/{id}")]
pub async fn get(
    Ctx(ctx): Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let org = state
        .services
        .tenancy
        .organisation(&ctx, OrganisationId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(Organisation::from(org)))
}

/// Creates an organisation (tenant admins).
#[utoipa::path(
    tag = "organisations",
    context_path = "/api/v1",
    request_body = CreateOrganisation,
    responses(
        (status = 201, body = Organisation),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations")]
pub async fn create(
    Ctx(ctx): Ctx,
    state: web::Data<AppState>,
    body: Body<CreateOrganisation>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let name = OrganisationName::parse(&body.name)?;
    let org = state
        .services
        .tenancy
        .create_organisation(&ctx, name, body.kind.into())
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/organisations/{}", org.id),
        ))
        .json(Organisation::from(org)))
}

/// Changes an organisation (tenant admins).
#[utoipa::path(
    tag = "organisations",
    context_path = "/api/v1",
    params(("id" = Uuid, Path, description = "Organisation id")),
    request_body = UpdateOrganisation,
    responses(
        (status = 200, body = Organisation),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/organisations/{id}")]
pub async fn update(
    Ctx(ctx): Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<UpdateOrganisation>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let patch = OrganisationPatch {
        name: body
            .name
            .as_deref()
            .map(OrganisationName::parse)
            .transpose()?,
        kind: body.kind.map(Into::into),
    };
    let org = state
        .services
        .tenancy
        .update_organisation(&ctx, OrganisationId::from_uuid(id.into_inner()), patch)
        .await?;
    Ok(HttpResponse::Ok().json(Organisation::from(org)))
}
