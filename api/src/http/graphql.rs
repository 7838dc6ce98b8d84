//! GraphQL over HTTP: `POST /graphql` (JSON), GraphiQL on `GET /graphql` with its assets
//! served from the binary so that it works offline, and subscriptions over WebSocket
//! (`graphql-transport-ws`, and the older `graphql-ws`) on the same path. The token comes in
//! the `connection_init` payload (`{"Authorization": "Bearer …"}`) or the upgrade request's
//! `Authorization` header; a connection without a valid one is refused.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::Data;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use peerbro_domain::DomainError;
use peerbro_persistence::ReadScope;
use serde_json::json;

use crate::auth::AuthError;
use crate::graphql::ChatCaller;
use crate::graphql::{
    GqlResultExt as _, HttpSchema, PeerbroSchema, SubscriberToken, fill_request_data, to_gql,
    with_codes, with_request_data,
};
use crate::http::auth::resolve;
use crate::http::graphql_ws;
use crate::http::problem::graphql_api_error;
use crate::http::rate_limit::Caller;
use crate::state::AppState;

fn graphql_error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    }))
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
pub async fn post(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    schema: web::Data<HttpSchema>,
) -> HttpResponse {
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
    let mut request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => {
            return graphql_error(
                StatusCode::BAD_REQUEST,
                "VALIDATION",
                &format!("the body is not a GraphQL request: {err}"),
            );
        }
    };
    let started = std::time::Instant::now();
    // A query runs in one read transaction, shared by its resolvers and loaders and by the
    // look-up of the caller; a mutation's use cases keep their own (ADR 0018).
    let response = if is_query(&mut request) {
        let scope = ReadScope::new();
        let response = scope.run(execute(&req, &state, &schema, request)).await;
        match scope.finish().await {
            Ok(()) => response,
            Err(err) => {
                tracing::warn!(error = %err, "the request's read transaction did not commit");
                // A request-level error: no location in the document.
                let mut error = to_gql(err).into_server_error(async_graphql::Pos::default());
                error.locations.clear();
                response.map(|(_, operation)| {
                    (async_graphql::Response::from_errors(vec![error]), operation)
                })
            }
        }
    } else {
        execute(&req, &state, &schema, request).await
    };
    let (response, operation) = match response {
        Ok((response, operation)) => (with_codes(response), operation),
        Err(refused) => return refused,
    };
    let (status, retry_after, code) = status_of(&response);
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

/// Whether the operation `request` selects is a query (parsed here once; the parsed document
/// goes on with the request). A document that does not parse, or names no operation it holds,
/// is not, and is refused when it is run.
fn is_query(request: &mut async_graphql::Request) -> bool {
    let name = request.operation_name.clone();
    let Ok(doc) = request.parsed_query() else {
        return false;
    };
    let operation = match (&doc.operations, name.as_deref()) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    };
    operation.is_some_and(|op| op.node.ty == OperationType::Query)
}

/// Resolves the caller, checks the document's cost and runs the request, answering the
/// response and the operation's label for metrics (`refused` when the cost check refused it);
/// `Err` is an answer already made (the caller was refused).
async fn execute(
    req: &HttpRequest,
    state: &AppState,
    schema: &HttpSchema,
    mut request: async_graphql::Request,
) -> Result<(async_graphql::Response, String), HttpResponse> {
    let ctx = resolve(req).await.map_err(|err| graphql_api_error(&err))?;
    let operation = match schema.cost.check(&mut request) {
        Ok(operation) => operation,
        Err(refused) => {
            return Ok((
                async_graphql::Response::from_errors(vec![refused]),
                "refused".to_owned(),
            ));
        }
    };
    let request = with_request_data(request, &state.services, ctx).data(ChatCaller {
        limits: state.limits.clone(),
        address: state.limits.client_address(req),
    });
    Ok((schema.schema.execute(request).await, operation))
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
    // Subscriptions go over graphql-transport-ws on the same path; the token travels in
    // connection_init, read from the Headers tab whenever the socket (re)connects.
    const headers = () => {
      try { return JSON.parse(localStorage.getItem('graphiql:headers') || '{}'); }
      catch (e) { return {}; }
    };
    const fetcher = GraphiQL.createFetcher({
      url: '/graphql',
      subscriptionUrl: (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql',
      wsConnectionParams: headers,
    });
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultEditorToolsVisibility: 'headers',
        // No placeholder token: an invalid one would make the schema load fail with 401.
        defaultHeaders: '{}',
        defaultQuery: '# Paste {"Authorization": "Bearer <token>"} into the Headers tab below\n# (`peerbro serve` prints a demo token), then run:\n{\n  me { email displayName roles organisation { name kind } }\n  tenant { slug name municipality }\n  organisations(first: 10) { edges { node { id name kind } } pageInfo { hasNextPage endCursor } }\n}\n'
      })
    );
  </script>
</body>
</html>
"#;

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

/// A connection without a token for the anonymous chat: `connection_init` carries
/// `{"chatSession": …}`, a session of a conversation that exists; anything else is refused.
async fn chat_connection(
    payload: &serde_json::Value,
    services: &crate::wiring::Services,
) -> async_graphql::Result<Data> {
    let session = payload
        .get("chatSession")
        .and_then(|v| v.as_str())
        .ok_or_else(|| to_gql(DomainError::Unauthenticated))?;
    let session = crate::graphql::chat_session::decode(session)
        .map_err(|_| to_gql(DomainError::Unauthenticated))?;
    services
        .chat
        .citizen_view(&session)
        .await
        .map_err(|_| to_gql(DomainError::Unauthenticated))?;
    let mut data = Data::default();
    let ctx = peerbro_domain::RequestContext::anonymous(format!("ws-{}", uuid::Uuid::now_v7()));
    fill_request_data(&mut data, services, ctx);
    Ok(data)
}

/// `GET /graphql` with `Upgrade: websocket`.
///
/// # Errors
/// 400 when no GraphQL WebSocket sub-protocol is offered.
pub async fn websocket(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    schema: web::Data<PeerbroSchema>,
) -> actix_web::Result<HttpResponse> {
    let mut data = Data::default();
    data.insert(ChatCaller {
        limits: state.limits.clone(),
        address: state.limits.client_address(&req),
    });
    data.insert(state.events.clone());
    data.insert(state.auth.clone());
    data.insert(state.db.chat_wakeups());
    data.insert(crate::graphql::ChatPoll(std::time::Duration::from_secs(
        state.chat_poll_seconds,
    )));
    let services = state.services.clone();
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let auth = state.auth.clone();
    let limits = state.limits.clone();
    let on_init = move |payload: serde_json::Value| async move {
        let Some(token) = token_from(&payload).or(header) else {
            // No token: only a chat citizen's connection, with a live session (ADR 0046).
            return chat_connection(&payload, &services).await;
        };
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
        // The same use cases and loaders a request gets, made from the subscriber's context,
        // so that nested fields (an offer, an organisation) resolve in events too.
        let mut data = Data::default();
        fill_request_data(&mut data, &services, ctx);
        data.insert(SubscriberToken(token));
        Ok(data)
    };
    graphql_ws::start(&req, payload, schema.get_ref().clone(), data, on_init).map_err(Into::into)
}
