//! GraphQL over WebSocket, closed with the codes the protocol defines.
//!
//! async-graphql runs the protocol (`graphql-transport-ws`, and the legacy `graphql-ws`), but
//! closes every failure with 1002 or 1011. The `graphql-transport-ws` protocol defines its own:
//! `4400` for a message it cannot read, `4401` for a subscription before the connection was
//! acknowledged, `4403` for a `connection_init` the server refuses (no token, a bad or revoked
//! one, a rate limit), `4429` for a second `connection_init`. This handler speaks WebSocket
//! through `actix-ws`, hands the text to async-graphql, and rewrites the close it asks for.

use std::str::FromStr as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use actix_web::http::header::{HeaderValue, SEC_WEBSOCKET_PROTOCOL};
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Session};
use async_graphql::http::{WebSocket, WebSocketProtocols, WsMessage};
use async_graphql::{Data, Executor};
use futures_util::{FutureExt as _, StreamExt as _};

use crate::http::problem::ApiError;

/// How often the server pings, and how long a silent client is kept.
const HEARTBEAT: Duration = Duration::from_secs(5);
const SILENT_FOR: Duration = Duration::from_secs(10);
/// The largest message a client may send.
const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// The close a protocol failure gets on `graphql-transport-ws`, from the one async-graphql
/// chose (`init_refused`: the `connection_init` handler refused the connection).
#[must_use]
pub fn close_code(code: u16, init_refused: bool) -> u16 {
    match code {
        1002 if init_refused => 4403,
        1002 => 4400,
        1011 => 4401,
        other => other,
    }
}

/// Upgrades `req` to a GraphQL WebSocket: `on_init` decides the `connection_init` (its error
/// is the reason sent with `4403`).
///
/// # Errors
/// A 400 problem when the client offers no GraphQL WebSocket sub-protocol or the request is not
/// a WebSocket handshake.
pub fn start<E, OnInit, Fut>(
    req: &HttpRequest,
    body: web::Payload,
    executor: E,
    data: Data,
    on_init: OnInit,
) -> Result<HttpResponse, ApiError>
where
    E: Executor,
    OnInit: FnOnce(serde_json::Value) -> Fut + Send + 'static,
    Fut: Future<Output = async_graphql::Result<Data>> + Send + 'static,
{
    let protocol = req
        .headers()
        .get(SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|offered| {
            offered
                .split(',')
                .find_map(|p| WebSocketProtocols::from_str(p.trim()).ok())
        })
        .ok_or_else(|| {
            ApiError::bad_request(
                "offer the graphql-transport-ws (or graphql-ws) WebSocket sub-protocol",
            )
        })?;
    let (mut response, session, stream) = actix_ws::handle(req, body)
        .map_err(|_| ApiError::bad_request("not a WebSocket handshake"))?;
    response.headers_mut().insert(
        SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(protocol.sec_websocket_protocol()),
    );
    let stream = stream
        .aggregate_continuations()
        .max_continuation_size(MAX_MESSAGE_BYTES);
    actix_web::rt::spawn(run(session, stream, executor, data, protocol, on_init));
    Ok(response)
}

async fn run<E, OnInit, Fut>(
    mut session: Session,
    mut incoming: actix_ws::AggregatedMessageStream,
    executor: E,
    data: Data,
    protocol: WebSocketProtocols,
    on_init: OnInit,
) where
    E: Executor,
    OnInit: FnOnce(serde_json::Value) -> Fut + Send + 'static,
    Fut: Future<Output = async_graphql::Result<Data>> + Send + 'static,
{
    let refused = Arc::new(AtomicBool::new(false));
    let noted = refused.clone();
    let (to_graphql, from_client) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
    let from_client = futures_util::stream::unfold(from_client, |mut rx| async move {
        rx.recv().await.map(|bytes| (bytes, rx))
    });
    let graphql = WebSocket::new(executor, from_client, protocol)
        .connection_data(data)
        .on_connection_init(move |payload| {
            on_init(payload).map(move |result| {
                if result.is_err() {
                    noted.store(true, Ordering::Relaxed);
                }
                result
            })
        });
    let mut graphql = std::pin::pin!(graphql);
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    let mut heard = Instant::now();
    let close = loop {
        tokio::select! {
            message = incoming.next() => {
                heard = Instant::now();
                match message {
                    Some(Ok(AggregatedMessage::Text(text))) => {
                        if to_graphql.send(text.as_bytes().to_vec()).await.is_err() {
                            break None;
                        }
                    }
                    Some(Ok(AggregatedMessage::Binary(bytes))) => {
                        if to_graphql.send(bytes.to_vec()).await.is_err() {
                            break None;
                        }
                    }
                    Some(Ok(AggregatedMessage::Ping(bytes))) => {
                        if session.pong(&bytes).await.is_err() {
                            return;
                        }
                    }
                    Some(Ok(AggregatedMessage::Pong(_))) => {}
                    Some(Ok(AggregatedMessage::Close(_))) | None => break None,
                    Some(Err(_)) => {
                        break Some(CloseReason {
                            code: CloseCode::Protocol,
                            description: Some("the message could not be read".to_owned()),
                        });
                    }
                }
            }
            answer = graphql.next() => match answer {
                Some(WsMessage::Text(text)) => {
                    if session.text(text).await.is_err() {
                        return;
                    }
                }
                Some(WsMessage::Close(code, description)) => {
                    let code = match protocol {
                        WebSocketProtocols::GraphQLWS => {
                            close_code(code, refused.load(Ordering::Relaxed))
                        }
                        WebSocketProtocols::SubscriptionsTransportWS => code,
                    };
                    break Some(CloseReason {
                        code: CloseCode::Other(code),
                        description: Some(description),
                    });
                }
                None => break None,
            },
            _ = heartbeat.tick() => {
                if heard.elapsed() > SILENT_FOR {
                    break None;
                }
                if session.ping(b"").await.is_err() {
                    return;
                }
            }
        }
    };
    let _ = session.close(close).await;
}

#[cfg(test)]
mod tests {
    use super::close_code;

    #[test]
    fn failures_close_with_the_protocols_own_codes() {
        assert_eq!(close_code(1002, true), 4403, "a refused connection_init");
        assert_eq!(close_code(1002, false), 4400, "an unreadable message");
        assert_eq!(close_code(1011, false), 4401, "subscribe before the ack");
        assert_eq!(close_code(4429, false), 4429, "a second connection_init");
        assert_eq!(close_code(3008, false), 3008, "the keep-alive timeout");
    }
}
