//! `/api/v1/reports/{period}`: the partnership's fixed report as a printable HTML page (tables
//! and SVG charts, rendered on the server) or as CSV, for coordinators and tenant admins;
//! `/api/v1/national-reports/{period}`: the national view in the same forms.

use actix_web::{HttpResponse, get, http::header, web};
use peerbro_domain::reports::Period;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::http::auth::Ctx;
use crate::http::problem::{ApiError, Problem};
use crate::state::AppState;

/// The forms a report is given in.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    /// A printable HTML page with charts.
    Html,
    /// CSV: `section,row,column,value,status`, hidden figures `suppressed` with no value.
    Csv,
}

/// How to give the report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// `html` (default) or `csv`.
    format: Option<ReportFormat>,
}

/// The partnership's report for a calendar month (`2026-11`), quarter (`2026-Q4`) or year
/// (`2026`) that has begun; every figure disclosure-controlled.
#[utoipa::path(
    tag = "reports",
    context_path = "/api/v1",
    params(
        ("period" = String, Path, pattern = r"^20[0-9]{2}(-(0[1-9]|1[0-2]|Q[1-4]))?$",
            description = "`YYYY-MM`, `YYYY-QN` or `YYYY`; a period that has not begun has no \
                           report yet (404)"),
        ReportParams,
    ),
    responses(
        (status = 200, description = "The report: a printable HTML page, or CSV with `format=csv`",
            content((String = "text/html"), (String = "text/csv"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/{period}")]
pub async fn get(
    Ctx(ctx): Ctx,
    state: web::Data<AppState>,
    period: web::Path<String>,
    params: web::Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let reports = &state.services.reports;
    let period = begun(&period, reports.today())?;
    let report = reports.report(&ctx, period, &|_| {}).await?;
    let title = state.services.tenancy.current_tenant(&ctx).await?.name;
    respond(
        &report,
        &title,
        &format!("peerbro-{}", period.label()),
        params.format,
    )
}

/// A period parsed from the path: its form first (400), then whether it has begun (404).
fn begun(raw: &str, today: chrono::NaiveDate) -> Result<Period, ApiError> {
    let period = Period::parse(raw, chrono::NaiveDate::MAX)?;
    if period.first_day() > today {
        return Err(peerbro_domain::DomainError::NotFound { resource: "report" }.into());
    }
    Ok(period)
}

fn respond(
    report: &peerbro_domain::reports::Report,
    title: &str,
    name: &str,
    format: Option<ReportFormat>,
) -> Result<HttpResponse, ApiError> {
    match format.unwrap_or(ReportFormat::Html) {
        ReportFormat::Csv => {
            let csv = crate::reports::to_csv(report)
                .map_err(|e| ApiError::from(peerbro_domain::DomainError::Unknown(e)))?;
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}.csv\""),
                ))
                .body(csv))
        }
        ReportFormat::Html => Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(crate::reports::to_html(report, title))),
    }
}

/// The national view for a calendar month, quarter or year that has begun: the partnerships
/// that opted in, combined and disclosure-controlled (coordinators and tenant admins of a
/// national partner organisation).
#[utoipa::path(
    tag = "reports",
    context_path = "/api/v1",
    params(
        ("period" = String, Path, pattern = r"^20[0-9]{2}(-(0[1-9]|1[0-2]|Q[1-4]))?$",
            description = "`YYYY-MM`, `YYYY-QN` or `YYYY`; a period that has not begun has no \
                           report yet (404)"),
        ReportParams,
    ),
    responses(
        (status = 200, description = "The national report: a printable HTML page, or CSV with `format=csv`",
            content((String = "text/html"), (String = "text/csv"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/national-reports/{period}")]
pub async fn national(
    Ctx(ctx): Ctx,
    state: web::Data<AppState>,
    period: web::Path<String>,
    params: web::Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let period = begun(&period, state.services.reports.today())?;
    let found = state.services.national.report(&ctx, period).await?;
    let tenant = state.services.tenancy.current_tenant(&ctx).await?;
    let title = format!(
        "{}, samlet for {}",
        tenant.name,
        if found.partnerships.is_empty() {
            "ingen partnerskaber".to_owned()
        } else {
            found.partnerships.join(", ")
        }
    );
    respond(
        &found.report,
        &title,
        &format!("peerbro-national-{}", period.label()),
        params.format,
    )
}
