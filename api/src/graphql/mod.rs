//! The GraphQL API: `POST /graphql` (JSON), GraphiQL on `GET /graphql` with its assets served
//! from the binary so that it works offline.

/// A GraphQL enum mirroring a domain enum variant for variant, with conversions both ways.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident => $domain:ty { $($(#[$vmeta:meta])* $variant:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl From<$name> for $domain {
            fn from(v: $name) -> Self {
                match v { $($name::$variant => Self::$variant,)* }
            }
        }

        impl From<$domain> for $name {
            fn from(v: $domain) -> Self {
                match v { $(<$domain>::$variant => Self::$variant,)* }
            }
        }
    };
}

mod api_clients;
pub mod cost;
mod errors;
mod loaders;
mod offers;
mod peers;
mod people;
mod referrals;
pub(crate) mod scalars;
mod subscriptions;
mod tenancy;
mod webhooks;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::dataloader::DataLoader;
use async_graphql::{MergedObject, Schema};
use serde_json::json;

use crate::http::auth::resolve;
use crate::state::AppState;

pub use errors::with_codes;
pub use subscriptions::websocket;

/// All queries.
#[derive(MergedObject, Default)]
pub struct Query(
    tenancy::TenancyQuery,
    people::PeopleQuery,
    peers::PeersQuery,
    referrals::ReferralsQuery,
    webhooks::WebhooksQuery,
    api_clients::ApiClientsQuery,
    offers::OffersQuery,
);

/// All mutations.
#[derive(MergedObject, Default)]
pub struct Mutation(
    tenancy::TenancyMutation,
    people::PeopleMutation,
    peers::PeersMutation,
    referrals::ReferralsMutation,
    webhooks::WebhooksMutation,
    api_clients::ApiClientsMutation,
    offers::OffersMutation,
);

/// The schema type.
pub type PeerbroSchema = Schema<Query, Mutation, subscriptions::Subscription>;

fn bare_schema() -> async_graphql::SchemaBuilder<Query, Mutation, subscriptions::Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        subscriptions::Subscription,
    )
}

/// Builds the schema with the cost limits of [`cost`], checked on every document before
/// async-graphql validates or runs it. Request data (context, loaders) is attached per
/// request, never here.
///
/// # Errors
/// When the schema's own SDL cannot be read back (a bug, caught by the tests).
pub fn build_schema(limits: cost::CostLimits) -> anyhow::Result<PeerbroSchema> {
    let model = std::sync::Arc::new(cost::CostModel::from_sdl(&sdl())?);
    Ok(bare_schema()
        .extension(cost::CostLimit::new(model, limits))
        .finish())
}

/// The SDL, as written to `schema.graphql`.
#[must_use]
pub fn sdl() -> String {
    bare_schema().finish().sdl()
}

fn graphql_error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    }))
}

/// An error raised before GraphQL ran (authentication, rate limit, database), in GraphQL's
/// shape, with the status and headers REST would send.
pub(crate) fn graphql_api_error(err: &crate::http::problem::ApiError) -> HttpResponse {
    let problem = err.problem();
    let mut extensions = json!({ "code": problem.code });
    if let Some(seconds) = problem.retry_after_seconds {
        extensions["retryAfterSeconds"] = json!(seconds);
    }
    let mut res = HttpResponse::build(err.status()).json(json!({
        "errors": [{ "message": problem.detail, "extensions": extensions }]
    }));
    if err.status() == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
    }
    if let Some(seconds) = err.retry_after() {
        res.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
    }
    res
}

/// The HTTP status of an executed response: 429 or 503 (with `Retry-After`) when an error
/// says the caller should come back later, so that plain HTTP clients and proxies see it too;
/// otherwise 200, as GraphQL over HTTP has it.
fn status_of(response: &async_graphql::Response) -> (StatusCode, Option<u64>, &'static str) {
    let mut status = StatusCode::OK;
    let mut retry_after = None;
    let mut first_code = "OK";
    for error in &response.errors {
        let ext = error.extensions.as_ref();
        let code = ext.and_then(|e| e.get("code")).and_then(|v| match v {
            async_graphql::Value::String(s) => Some(s.as_str()),
            _ => None,
        });
        let code = match code {
            Some("RATE_LIMITED") => "RATE_LIMITED",
            Some("UNAVAILABLE") => "UNAVAILABLE",
            Some("VALIDATION") => "VALIDATION",
            Some("NOT_FOUND") => "NOT_FOUND",
            Some("FORBIDDEN") => "FORBIDDEN",
            Some("CONFLICT") => "CONFLICT",
            Some("UNAUTHENTICATED") => "UNAUTHENTICATED",
            _ => "INTERNAL",
        };
        if first_code == "OK" {
            first_code = code;
        }
        let seconds = ext
            .and_then(|e| e.get("retryAfterSeconds"))
            .and_then(|v| match v {
                async_graphql::Value::Number(n) => n.as_u64(),
                _ => None,
            });
        match code {
            "RATE_LIMITED" => status = StatusCode::TOO_MANY_REQUESTS,
            "UNAVAILABLE" if status != StatusCode::TOO_MANY_REQUESTS => {
                status = StatusCode::SERVICE_UNAVAILABLE;
            }
            _ => continue,
        }
        retry_after = retry_after.max(seconds);
    }
    (status, retry_after, first_code)
}

/// `POST /graphql`.
pub async fn post(req: HttpRequest, body: web::Bytes, state: web::Data<AppState>) -> HttpResponse {
    let json_body = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.starts_with("application/json") || v.starts_with("application/graphql-response+json")
        });
    if !json_body {
        return graphql_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "VALIDATION",
            "send the GraphQL request as application/json",
        );
    }
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => {
            return graphql_error(
                StatusCode::BAD_REQUEST,
                "VALIDATION",
                &format!("the body is not a GraphQL request: {err}"),
            );
        }
    };
    let ctx = match resolve(&req).await {
        Ok(ctx) => ctx,
        Err(err) => return graphql_api_error(&err),
    };
    // Loaders are made per request from the request's context, so a batch can only ever
    // query the caller's tenant.
    let organisations = DataLoader::new(
        loaders::OrganisationLoader::new(state.tenancy.clone(), ctx.clone()),
        tokio::spawn,
    );
    let consents = people::consent_loader(state.people.clone(), ctx.clone());
    let supervision = peers::supervision_loader(state.peers.clone(), ctx.clone());
    let attempts = webhooks::attempt_loader(state.webhooks.clone(), ctx.clone());
    let sessions = offers::session_loader(state.offers.clone(), ctx.clone());
    let label = std::sync::Arc::new(cost::LabelSlot::default());
    let started = std::time::Instant::now();
    let response = state
        .schema
        .execute(
            request
                .data(state.tenancy.clone())
                .data(state.people.clone())
                .data(state.peers.clone())
                .data(state.referrals.clone())
                .data(state.webhooks.clone())
                .data(state.api_clients.clone())
                .data(state.offers.clone())
                .data(ctx)
                .data(organisations)
                .data(consents)
                .data(supervision)
                .data(attempts)
                .data(sessions)
                .data(label.clone()),
        )
        .await;
    let response = with_codes(response);
    let (status, retry_after, code) = status_of(&response);
    let operation = label
        .0
        .lock()
        .ok()
        .and_then(|l| l.clone())
        .unwrap_or_else(|| "refused".to_owned());
    state
        .metrics
        .operation(&operation, code, started.elapsed().as_secs_f64());
    let mut res = HttpResponse::build(status);
    res.content_type(ContentType::json());
    if let Some(seconds) = retry_after {
        res.insert_header((header::RETRY_AFTER, seconds));
    }
    res.json(response)
}

/// `GET /graphql`: the GraphiQL page.
pub async fn graphiql(state: web::Data<AppState>) -> HttpResponse {
    if !state.graphiql {
        return graphql_error(StatusCode::NOT_FOUND, "NOT_FOUND", "GraphiQL is turned off");
    }
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(GRAPHIQL_HTML)
}

/// `GET /graphql/assets/{file}`: GraphiQL's scripts and styles.
pub async fn asset(path: web::Path<String>) -> HttpResponse {
    let (body, kind): (&'static [u8], &str) = match path.as_str() {
        "graphiql.min.js" => (
            include_bytes!("../../assets/graphiql/graphiql.min.js"),
            "text/javascript",
        ),
        "graphiql.min.css" => (
            include_bytes!("../../assets/graphiql/graphiql.min.css"),
            "text/css",
        ),
        "react.production.min.js" => (
            include_bytes!("../../assets/graphiql/react.production.min.js"),
            "text/javascript",
        ),
        "react-dom.production.min.js" => (
            include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
            "text/javascript",
        ),
        _ => return graphql_error(StatusCode::NOT_FOUND, "NOT_FOUND", "no such asset"),
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, kind))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(body)
}

const GRAPHIQL_HTML: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>peerbro GraphiQL</title>
  <link rel="stylesheet" href="/graphql/assets/graphiql.min.css">
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="/graphql/assets/react.production.min.js"></script>
  <script src="/graphql/assets/react-dom.production.min.js"></script>
  <script src="/graphql/assets/graphiql.min.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({ url: '/graphql' });
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultEditorToolsVisibility: 'headers',
        defaultHeaders: '{\n  "Authorization": "Bearer PASTE-THE-TOKEN-FROM-peerbro-serve"\n}',
        defaultQuery: '{\n  me { email displayName roles organisation { name kind } }\n  tenant { slug name municipality }\n  organisations(first: 10) { edges { node { id name kind } } pageInfo { hasNextPage endCursor } }\n}\n'
      })
    );
  </script>
</body>
</html>
"#;
