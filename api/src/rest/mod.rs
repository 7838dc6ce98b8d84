//! The REST API for partner systems, under `/api/v1`, described by an OpenAPI 3.1 document
//! generated from these handlers at `/api/v1/openapi.json`.

mod access;
mod body;
mod oauth;
mod oauth_answers;
mod offers;
mod organisations;
mod referral_params;
mod referrals;
mod reports;
mod token_exchange;

use actix_web::{HttpResponse, ResponseError as _, web};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "peerbro partner API",
        description = "REST API for partner organisations' systems. Authenticate with a bearer \
                       JWT: a partner system registered as an API client gets one from \
                       `POST /api/v1/oauth/token` with its client id and secret. Errors are \
                       application/problem+json with a stable `code` (the token endpoint \
                       answers with OAuth 2.0 errors)."
    ),
    paths(
        organisations::list,
        organisations::get,
        organisations::create,
        organisations::update,
        referrals::submit,
        referrals::get,
        referrals::list,
        oauth::token,
        offers::list,
        offers::get,
        reports::get,
        reports::national,
        access::citizen,
        access::peer,
        access::mine,
    ),
    components(schemas(
        crate::http::problem::Problem,
        reports::ReportFormat,
        access::ExportFormat
    )),
    modifiers(&BearerAuth, &Overload),
    security(("bearer" = [])),
    tags(
        (name = "organisations", description = "Organisations of the caller's tenant"),
        (name = "referrals", description = "Referrals submitted by the caller's organisation"),
        (name = "offers", description = "What the partnership offers (to refer to)"),
        (name = "reports", description = "The partnership's fixed reports, disclosure-controlled"),
        (name = "access", description = "A person's whole record (right of access, portability)"),
        (name = "oauth", description = "Tokens for partner API clients (client credentials)")
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Every operation can answer 429 (the caller's rate limit) and 503 (the database is
/// unreachable or saturated, or the request ran out of time), both with `Retry-After`.
struct Overload;

impl Modify for Overload {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::header::Header;
        use utoipa::openapi::{Content, Ref, ResponseBuilder, schema::Type};
        let response = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .header(
                    "Retry-After",
                    Header::builder()
                        .schema(Some(
                            utoipa::openapi::ObjectBuilder::new().schema_type(Type::Integer),
                        ))
                        .description(Some("Seconds after which a retry may succeed"))
                        .build(),
                )
                .content(
                    "application/problem+json",
                    Content::new(Some(Ref::from_schema_name("Problem"))),
                )
                .build()
        };
        let problem = |status: &str| {
            ResponseBuilder::new()
                .description(describe(status))
                .content(
                    "application/problem+json",
                    Content::new(Some(Ref::from_schema_name("Problem"))),
                )
                .build()
        };
        for (path, item) in &mut openapi.paths.paths {
            let has_id = path.contains('{');
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.put,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                // What any operation may answer besides what its handler declares: a path or
                // query that does not parse (400), a missing or bad token (401) or a role that
                // does not allow it (403) where a token is required, an id not in the tenant
                // (404), and for a body an oversized (413) or non-JSON (415) one.
                // Parameter constraints (ranges, formats) are the contract's next step.
                let public = operation
                    .security
                    .as_ref()
                    .is_some_and(|s| s.iter().all(|r| r == &Default::default()));
                let mut generic = vec!["400"];
                if !public {
                    generic.extend(["401", "403"]);
                }
                // An id in the path, or in the body, may name nothing in the tenant.
                if has_id || (operation.request_body.is_some() && !public) {
                    generic.push("404");
                }
                if operation.request_body.is_some() && !public {
                    generic.extend(["413", "415"]);
                }
                for status in generic {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| problem(status).into());
                }
                let responses = &mut operation.responses.responses;
                // Operation ids must be unique in the document: handlers are named `list`,
                // `get`… per module, so the id is qualified by the operation's tag.
                if let (Some(id), Some(tag)) = (
                    operation.operation_id.as_mut(),
                    operation.tags.as_ref().and_then(|t| t.first()),
                ) && !id.starts_with(tag.as_str())
                {
                    *id = format!("{tag}_{id}");
                }
                // Every response needs a description (OpenAPI 3.1); the codes say the same on
                // every operation, so responses declared without one get the code's meaning.
                for (status, response) in responses.iter_mut() {
                    if let utoipa::openapi::RefOr::T(response) = response
                        && response.description.is_empty()
                    {
                        response.description = describe(status).to_owned();
                    }
                }
                responses.entry("429".to_owned()).or_insert_with(|| {
                    response("`RATE_LIMITED`: the caller's rate limit is spent").into()
                });
                responses.entry("503".to_owned()).or_insert_with(|| {
                    response(
                        "`UNAVAILABLE`: the database is unreachable or saturated, or the \
                         request ran out of time; nothing was changed",
                    )
                    .into()
                });
            }
        }
    }
}

/// What a status means on this API.
fn describe(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "400" => "`VALIDATION`: the input is not valid; `field` names the input at fault",
        "401" => "`UNAUTHENTICATED`: a valid bearer token is required",
        "403" => "`FORBIDDEN`: the caller's role does not allow this",
        "404" => "`NOT_FOUND`: no such resource in the caller's tenant",
        "409" => "`CONFLICT`: the change conflicts with the current state",
        "413" => "The request body is too large",
        "415" => "The request body must be application/json",
        _ => "See the problem document's `code`",
    }
}

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

/// A page request from REST `limit` and `cursor` parameters.
///
/// # Errors
/// `VALIDATION` naming `limit` or `cursor`.
pub(crate) fn page_params(
    limit: Option<i64>,
    cursor: Option<&str>,
) -> Result<peerbro_domain::page::PageRequest, crate::http::problem::ApiError> {
    use peerbro_domain::DomainError;
    let cursor = cursor
        .map(|c| crate::graphql::scalars::decode_cursor("cursor", c))
        .transpose()?;
    peerbro_domain::page::PageRequest::new(limit, cursor, None, None).map_err(|e| {
        match e {
            DomainError::Validation { message, .. } => DomainError::validation("limit", message),
            other => other,
        }
        .into()
    })
}

/// The `nextCursor` of a page: the last item's cursor when more follow.
pub(crate) fn next_cursor<T>(
    page: &peerbro_domain::page::Page<T>,
    id: impl Fn(&T) -> uuid::Uuid,
) -> Option<String> {
    page.has_next
        .then(|| {
            page.items
                .last()
                .map(|item| crate::graphql::scalars::encode_cursor(id(item)))
        })
        .flatten()
}

/// The methods each REST path answers, read from the OpenAPI document (the same routes),
/// as `(pattern, methods)`: `/api/v1/organisations/{id}` → `GET, PATCH`.
fn allowed_methods() -> &'static [(actix_web::dev::ResourceDef, String)] {
    static ALLOWED: std::sync::OnceLock<Vec<(actix_web::dev::ResourceDef, String)>> =
        std::sync::OnceLock::new();
    ALLOWED.get_or_init(|| {
        let doc = ApiDoc::openapi();
        let mut routes: Vec<(actix_web::dev::ResourceDef, String)> = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .iter()
                .filter(|(_, yes)| *yes)
                .map(|(m, _)| *m)
                .collect::<Vec<_>>()
                .join(", ");
                (actix_web::dev::ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        routes.push((
            actix_web::dev::ResourceDef::new("/api/v1/openapi.json"),
            "GET".to_owned(),
        ));
        routes
    })
}

/// What a request no route took gets: `405` with `Allow` when the path is a REST resource
/// answered with other methods (a `TRACE` to `/api/v1/organisations`), else `404`.
pub async fn unrouted(req: actix_web::HttpRequest) -> HttpResponse {
    let path = req.path();
    match allowed_methods().iter().find(|(def, _)| def.is_match(path)) {
        Some((_, methods)) => {
            let mut res = crate::http::problem::ApiError::new(
                actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                format!("this resource answers {methods}"),
            )
            .error_response();
            if let Ok(value) = actix_web::http::header::HeaderValue::from_str(methods) {
                res.headers_mut()
                    .insert(actix_web::http::header::ALLOW, value);
            }
            res
        }
        None => crate::http::problem::not_found().await,
    }
}

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(openapi_json))
        .service(organisations::list)
        .service(organisations::get)
        .service(organisations::create)
        .service(organisations::update)
        .service(referrals::submit)
        .service(referrals::get)
        .service(referrals::list)
        .service(oauth::token)
        .service(offers::list)
        .service(offers::get)
        .service(reports::get)
        .service(reports::national)
        .service(access::citizen)
        .service(access::peer)
        .service(access::mine);
}
