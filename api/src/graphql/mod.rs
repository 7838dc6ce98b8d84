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

/// Builds the schema with depth and complexity limits. Request data (context, loaders) is
/// attached per request, never here.
#[must_use]
pub fn build_schema(max_depth: usize, max_complexity: usize) -> PeerbroSchema {
    Schema::build(
        Query::default(),
        Mutation::default(),
        subscriptions::Subscription,
    )
    .limit_depth(max_depth)
    .limit_complexity(max_complexity)
    .finish()
}

/// The SDL, as written to `schema.graphql`.
#[must_use]
pub fn sdl() -> String {
    build_schema(usize::MAX, usize::MAX).sdl()
}

fn graphql_error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    }))
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
        Err(err) => {
            let problem = err.problem();
            let mut res = graphql_error(
                StatusCode::from_u16(problem.status).unwrap_or(StatusCode::UNAUTHORIZED),
                problem.code,
                &problem.detail,
            );
            if problem.status == 401 {
                res.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
            }
            return res;
        }
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
                .data(sessions),
        )
        .await;
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .json(with_codes(response))
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
