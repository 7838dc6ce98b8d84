//! The chat's reference pages (issue 14, ADR 0046), served by the binary so that they work
//! offline: `GET /chat/{tenant}/{offer}` for citizens, `GET /chat/peer` for peers on duty, and
//! their scripts under `/chat/assets/`. The libraries are vendored (libsodium for the
//! end-to-end encryption, graphql-ws for the live connection; `api/assets/chat/vendor/`).
//!
//! The pages hold keys, so they are served with a strict content security policy: scripts
//! only from this origin (WebAssembly allowed for libsodium), no inline script, no frames, no
//! referrer, and never cached.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::http::problem;
use crate::state::AppState;

/// The policy every chat page and asset is served with.
pub const POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    connect-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

const CITIZEN: &str = include_str!("../../assets/chat/citizen.html");
const PEER: &str = include_str!("../../assets/chat/peer.html");

/// The wrappers import the bare specifier `libsodium`, which a browser cannot resolve without
/// a bundler: the one change made to the vendored file, when serving it.
static WRAPPERS: LazyLock<String> = LazyLock::new(|| {
    include_str!("../../assets/chat/vendor/libsodium-wrappers.mjs").replacen(
        r#"from"libsodium""#,
        r#"from"./libsodium.mjs""#,
        1,
    )
});

fn page(body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CONTENT_SECURITY_POLICY, POLICY))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// `GET /chat/{tenant}/{offer}`: the citizen's page (it reads both from its own address).
pub async fn citizen(_path: web::Path<(String, String)>) -> HttpResponse {
    page(CITIZEN)
}

/// `GET /chat/peer`: the page for peers on duty.
pub async fn peer() -> HttpResponse {
    page(PEER)
}

/// `GET /chat/ice-servers`: the STUN/TURN servers the pages' video calls use
/// (`PEERBRO_CHAT_ICE_SERVERS`), as the JSON array `RTCPeerConnection` takes.
pub async fn ice_servers(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(state.chat_ice_servers.to_string())
}

/// The bytes and media type of an asset, by its path under `/chat/assets/`.
fn asset_body(path: &str) -> Option<(&'static [u8], &'static str)> {
    const JS: &str = "text/javascript; charset=utf-8";
    Some(match path {
        "chat.js" => (include_bytes!("../../assets/chat/chat.js"), JS),
        "call.js" => (include_bytes!("../../assets/chat/call.js"), JS),
        "citizen.js" => (include_bytes!("../../assets/chat/citizen.js"), JS),
        "peer.js" => (include_bytes!("../../assets/chat/peer.js"), JS),
        "chat.css" => (
            include_bytes!("../../assets/chat/chat.css"),
            "text/css; charset=utf-8",
        ),
        "icon.svg" => (
            include_bytes!("../../assets/chat/icon.svg"),
            "image/svg+xml",
        ),
        "vendor/libsodium.mjs" => (include_bytes!("../../assets/chat/vendor/libsodium.mjs"), JS),
        "vendor/libsodium-wrappers.mjs" => (WRAPPERS.as_bytes(), JS),
        "vendor/graphql-ws.min.js" => (
            include_bytes!("../../assets/chat/vendor/graphql-ws.min.js"),
            JS,
        ),
        _ => return None,
    })
}

/// `GET /chat/assets/{path}`: the pages' scripts, styles and vendored libraries.
pub async fn asset(path: web::Path<String>) -> HttpResponse {
    let Some((body, kind)) = asset_body(&path) else {
        return problem::not_found().await;
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, kind))
        .insert_header((header::CONTENT_SECURITY_POLICY, POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wrappers_import_the_served_library_once() {
        let served = std::str::from_utf8(asset_body("vendor/libsodium-wrappers.mjs").unwrap().0)
            .unwrap()
            .to_owned();
        assert_eq!(served.matches(r#"from"./libsodium.mjs""#).count(), 1);
        assert!(!served.contains(r#"from"libsodium""#));
    }

    #[test]
    fn every_script_a_page_names_is_served() {
        for page in [CITIZEN, PEER] {
            for name in page.split("/chat/assets/").skip(1) {
                let name = name.split('"').next().unwrap();
                assert!(asset_body(name).is_some(), "{name} is not served");
            }
        }
        for script in ["chat.js", "call.js", "citizen.js", "peer.js"] {
            let text = std::str::from_utf8(asset_body(script).unwrap().0).unwrap();
            for line in text.lines().filter(|l| l.contains(" from './")) {
                let name = line
                    .split(" from './")
                    .nth(1)
                    .unwrap()
                    .split('\'')
                    .next()
                    .unwrap();
                assert!(
                    asset_body(name).is_some(),
                    "{script} imports {name}, not served"
                );
            }
        }
    }
}
