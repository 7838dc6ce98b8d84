//! Liveness, readiness and metrics.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use peerbro_persistence::Readiness;
use serde_json::json;

use crate::http::problem::ApiError;
use crate::state::AppState;

/// The process is up.
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Whether the server can answer: 200 when the database answers (`"database": "up"`, or
/// `"busy"` when every connection is in use and requests queue — the server still answers,
/// more slowly), 503 `UNAVAILABLE` when the database does not answer within 800 ms. The probe
/// has its own connection, so a full pool never reads as a dead database, and it never takes
/// longer than a second.
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pool = state.db.stats();
    let pool_json = json!({
        "max": pool.max,
        "inUse": pool.in_use(),
        "idle": pool.idle,
        "waiting": pool.waiting,
    });
    match state.db.readiness(Duration::from_millis(800)).await {
        Readiness::Up => Ok(HttpResponse::Ok()
            .json(json!({ "status": "ready", "database": "up", "pool": pool_json }))),
        Readiness::Busy => Ok(HttpResponse::Ok()
            .json(json!({ "status": "ready", "database": "busy", "pool": pool_json }))),
        Readiness::Down => Err(ApiError::unavailable(
            "the database is not reachable (database: down)",
        )),
    }
}

/// `GET /metrics`: Prometheus metrics (OpenMetrics text).
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(crate::metrics::CONTENT_TYPE)
        .body(state.metrics.render(state.db.stats()))
}
