//! The buildable application: wires adapters, services and routes, binds its own listener
//! (port 0 works, for tests) and reports the port.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, guard, web};
use anyhow::Context as _;
use peerbro_domain::webhooks::WebhookDispatcher;
use peerbro_persistence::{AuditSealer, Database};
use tokio::sync::watch;

use crate::config::Settings;
use crate::events::EventBus;
use crate::http::graphql as graphql_http;
use crate::http::lifecycle::{self, Lifecycle};
use crate::http::rate_limit::RateLimits;
use crate::http::{chat_pages, health, problem, read_scope, request_id};
use crate::metrics::Metrics;
use crate::state::AppState;
use crate::webhooks::spawn_worker;

/// How often every tenant's pending audit entries are swept, for entries a process left
/// behind (it died before sealing them); the first sweep runs at start.
const SWEEP_EVERY: Duration = Duration::from_secs(300);
use crate::wiring::{authenticator, master_key, services, webhook_dispatcher};
use crate::{graphql, rest};

/// Installs ring as the process's rustls crypto provider (once; later calls do nothing). Every
/// HTTP client in the process (webhooks, OTLP export) needs one, and ring is already what the
/// database driver's TLS uses, so no second crypto library is built.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub use crate::prepare::prepare_database;

/// How a server stopped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Requests still running when the grace period ended, dropped unanswered.
    pub cut: u64,
}

/// A running server.
pub struct Application {
    port: u16,
    server: Server,
    metrics_server: Option<Server>,
    metrics_port: Option<u16>,
    db: Database,
    state: AppState,
    dispatcher: Option<(WebhookDispatcher, Duration)>,
    sealer: (AuditSealer, Duration),
    retention_every: Duration,
    chat_expiry_every: Duration,
    /// Key rotation every so many days and the backup window, when the server rotates.
    key_rotation: Option<(chrono::Duration, chrono::Duration)>,
    /// Where and how often the server writes audit anchors, with the signing key.
    anchoring: Option<crate::audit_anchor::schedule::Anchoring>,
}

impl Application {
    /// Prepares the database (as configured), connects, and binds the listener.
    ///
    /// # Errors
    /// Any start-up failure, with a message for the operator.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        install_crypto_provider();
        // The one place the master key is read; everything that seals or signs gets it here.
        let master = master_key(settings)?;
        prepare_database(
            settings,
            &master,
            settings.auto_migrate,
            settings.seeds_demo(),
        )
        .await?;
        let db = Database::connect_with(&settings.database_url, settings.pool()).await?;
        db.ensure_rls_cannot_be_bypassed().await?;
        let services = services(&db, settings, &master);
        services.keys.check_opens().await?;
        let events = EventBus::new();
        let metrics = Arc::new(Metrics::new());
        let dispatcher = if settings.webhook_worker {
            Some((
                webhook_dispatcher(&db, settings, &master, events.clone(), metrics.clone())?,
                Duration::from_millis(settings.webhook_poll_interval_ms),
            ))
        } else {
            None
        };
        let auth = Arc::new(authenticator(settings, &services, &master)?);
        let anchoring = crate::audit_anchor::schedule::configured(settings)?;
        drop(master);
        let (http_schema, socket_schema) = graphql::build_schema(settings.graphql_limits())?;
        let (http_schema, socket_schema) =
            (web::Data::new(http_schema), web::Data::new(socket_schema));
        let state = AppState {
            services,
            events,
            api_client_token_ttl_seconds: settings.api_client_token_ttl_seconds,
            auth,
            db: db.clone(),
            max_body_bytes: settings.max_body_bytes,
            chat_poll_seconds: settings.chat_poll_seconds,
            chat_ice_servers: settings.chat_ice_servers.as_str().into(),
            graphiql: settings.graphiql,
            limits: Arc::new(RateLimits::new(settings, metrics.clone())?),
            lifecycle: Arc::new(Lifecycle::new(
                Duration::from_secs(settings.request_timeout_seconds),
                metrics.clone(),
            )),
            metrics,
        };
        if settings.request_timeout_seconds >= settings.shutdown_timeout_seconds {
            tracing::warn!(
                "PEERBRO_REQUEST_TIMEOUT_SECONDS is not shorter than \
                 PEERBRO_SHUTDOWN_TIMEOUT_SECONDS: a request in flight at shutdown may be cut"
            );
        }
        let listener = TcpListener::bind(settings.listen)
            .with_context(|| format!("PEERBRO_LISTEN: cannot bind {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let origins = settings.cors_allowed_origins.clone();
        let data = web::Data::new(state.clone());
        let life = web::Data::from(state.lifecycle.clone());
        let limit = settings.max_body_bytes;
        let metrics_here = settings.metrics && settings.metrics_listen.is_none();
        let workers = settings.workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
        });
        let workers_db = db.clone();
        let server = HttpServer::new(move || {
            // Runs on each worker's thread: its requests get a pool on its own runtime.
            workers_db.attach_worker(u32::try_from(workers).unwrap_or(u32::MAX));
            let cors = origins.iter().fold(
                Cors::default()
                    .allowed_methods(["GET", "POST", "PATCH", "OPTIONS"])
                    .allowed_headers([
                        "authorization",
                        "content-type",
                        "x-request-id",
                        "idempotency-key",
                    ])
                    .expose_headers(["x-request-id", "location"])
                    .max_age(600),
                |cors, origin| cors.allowed_origin(origin),
            );
            App::new()
                .app_data(data.clone())
                .app_data(http_schema.clone())
                .app_data(socket_schema.clone())
                .app_data(life.clone())
                .app_data(web::PayloadConfig::new(limit))
                .app_data(web::QueryConfig::default().error_handler(problem::query_error))
                .app_data(web::PathConfig::default().error_handler(problem::path_error))
                .wrap(from_fn(lifecycle::middleware))
                .wrap(cors)
                .wrap(Compress::default())
                .wrap(from_fn(request_id::middleware))
                .service(health::healthz)
                .service(health::readyz)
                .configure(|cfg| {
                    if metrics_here {
                        cfg.route("/metrics", web::get().to(health::metrics));
                    }
                })
                .service(
                    web::resource("/graphql")
                        .route(web::post().to(graphql_http::post))
                        .route(
                            web::get()
                                .guard(guard::fn_guard(|ctx| {
                                    ctx.head().headers().get("upgrade").is_some_and(|v| {
                                        v.as_bytes().eq_ignore_ascii_case(b"websocket")
                                    })
                                }))
                                .to(graphql_http::websocket),
                        )
                        .route(web::get().to(graphql_http::graphiql)),
                )
                .route("/graphql/assets/{file}", web::get().to(graphql_http::asset))
                .route("/chat/peer", web::get().to(chat_pages::peer))
                .route("/chat/ice-servers", web::get().to(chat_pages::ice_servers))
                .route("/chat/assets/{path:.*}", web::get().to(chat_pages::asset))
                .route("/chat/{tenant}/{offer}", web::get().to(chat_pages::citizen))
                .service(
                    web::scope("/api/v1")
                        .wrap(from_fn(read_scope::middleware))
                        .configure(rest::configure)
                        .default_service(web::to(rest::unrouted)),
                )
                .default_service(web::to(problem::not_found))
        })
        .shutdown_timeout(settings.shutdown_timeout_seconds)
        .disable_signals()
        .workers(workers);
        let server = server.listen(listener)?.run();
        let (metrics_server, metrics_port) = match (settings.metrics, settings.metrics_listen) {
            (true, Some(address)) => {
                let data = web::Data::new(state.clone());
                let listener = TcpListener::bind(address)
                    .with_context(|| format!("PEERBRO_METRICS_LISTEN: cannot bind {address}"))?;
                let port = listener.local_addr()?.port();
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(data.clone())
                        .route("/metrics", web::get().to(health::metrics))
                        .default_service(web::to(problem::not_found))
                })
                .workers(1)
                .disable_signals()
                .shutdown_timeout(1)
                .listen(listener)?
                .run();
                (Some(server), Some(port))
            }
            _ => (None, None),
        };
        Ok(Self {
            port,
            server,
            metrics_server,
            metrics_port,
            sealer: (
                AuditSealer::new(db.clone()),
                Duration::from_millis(settings.audit_seal_interval_ms),
            ),
            retention_every: Duration::from_secs(
                settings.retention_interval_hours.saturating_mul(3600),
            ),
            chat_expiry_every: Duration::from_secs(settings.chat_expiry_seconds),
            anchoring,
            key_rotation: (settings.key_rotation_days > 0).then(|| {
                (
                    chrono::Duration::days(i64::from(settings.key_rotation_days)),
                    chrono::Duration::days(i64::from(settings.backup_retention_days)),
                )
            }),
            db,
            state,
            dispatcher,
        })
    }

    /// The bound port.
    #[must_use]
    pub const fn port(&self) -> u16 {
        self.port
    }

    /// The port `/metrics` is served on when `PEERBRO_METRICS_LISTEN` moves it.
    #[must_use]
    pub const fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    /// The shared state (for the CLI's demo token).
    #[must_use]
    pub const fn state(&self) -> &AppState {
        &self.state
    }

    /// Runs until stopped by `stop` on the handle, or by SIGTERM/SIGINT when `signals` is set;
    /// in-flight requests finish (within the grace period), then the pool closes.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self, signals: bool) -> anyhow::Result<ShutdownReport> {
        let handle = self.server.handle();
        // Callers are answered from memory only while this follows their changes.
        let callers = self.db.start_caller_listener();
        // The chat's live updates from other processes (ADR 0046).
        let chat = self.db.start_chat_listener();
        // The server future must be spawned before stop() is awaited, or stop hangs.
        let server = tokio::spawn(self.server);
        let metrics_handle = self.metrics_server.map(|s| {
            let handle = s.handle();
            tokio::spawn(s);
            handle
        });
        if signals {
            tokio::spawn(lifecycle::stop_on_signal(
                handle,
                self.state.lifecycle.clone(),
            ));
        }
        let limits = self.state.limits.clone();
        let forget = tokio::spawn(async move {
            let mut every = tokio::time::interval(crate::http::rate_limit::FORGET_EVERY);
            loop {
                every.tick().await;
                limits.forget_idle();
            }
        });
        let (stop_worker, shutdown) = watch::channel(false);
        let worker = self
            .dispatcher
            .map(|(dispatcher, interval)| spawn_worker(dispatcher, interval, shutdown));
        let retention = (self.retention_every > Duration::ZERO).then(|| {
            crate::retention::spawn(
                self.state.services.retention.clone(),
                self.retention_every,
                stop_worker.subscribe(),
            )
        });
        let chat_expiry = (self.chat_expiry_every > Duration::ZERO).then(|| {
            let expiry = self.state.services.chat_expiry.clone();
            crate::chat_upkeep::spawn(expiry, self.chat_expiry_every, stop_worker.subscribe())
        });
        let keys = self.key_rotation.map(|(every, window)| {
            crate::keys::cli::spawn(
                self.state.services.keys.clone(),
                every,
                window,
                stop_worker.subscribe(),
            )
        });
        let anchors = self.anchoring.map(|anchoring| {
            crate::audit_anchor::schedule::spawn(
                self.state.services.clone(),
                anchoring,
                stop_worker.subscribe(),
            )
        });
        let (sealer, seal_every) = self.sealer;
        let mut sealer_stop = stop_worker.subscribe();
        let sealer = tokio::spawn(sealer.run(seal_every, SWEEP_EVERY, async move {
            let _ = sealer_stop.wait_for(|stop| *stop).await;
        }));
        let served = server.await.context("server task failed");
        // A delivery cut off here keeps its claim and is retried, under the same id, when its
        // lease runs out.
        let _ = stop_worker.send(true);
        if let Some(worker) = worker {
            let _ = tokio::time::timeout(Duration::from_secs(5), worker).await;
        }
        // A rotation cut off here rolled its tenant back and is resumed at the next check; an
        // anchor cut off left no file (it is renamed into place whole).
        for task in [anchors, keys, chat_expiry].into_iter().flatten() {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
        if let Some(retention) = retention {
            // A run cut off here committed what it finished, tenant by tenant.
            let _ = tokio::time::timeout(Duration::from_secs(5), retention).await;
        }
        // The sealer seals what the last requests wrote before the pool closes.
        let _ = tokio::time::timeout(Duration::from_secs(5), sealer).await;
        forget.abort();
        if let Some(handle) = metrics_handle {
            handle.stop(false).await;
        }
        served??;
        self.state.lifecycle.drained(Duration::from_secs(2)).await;
        for listener in [chat, callers].into_iter().flatten() {
            listener.abort();
        }
        tokio::time::timeout(Duration::from_secs(10), self.db.close())
            .await
            .ok();
        let report = ShutdownReport {
            cut: self.state.lifecycle.cut(),
        };
        if report.cut > 0 {
            tracing::error!(
                cut = report.cut,
                "server stopped; requests were cut unanswered at the end of the grace period"
            );
        } else {
            tracing::info!("server stopped");
        }
        Ok(report)
    }

    /// A handle to stop the server.
    #[must_use]
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}
