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
use peerbro_domain::offers::OfferService;
use peerbro_domain::people::{PeerService, PeopleService};
use peerbro_domain::privacy::SecretKey;
use peerbro_domain::referral::ReferralService;
use peerbro_domain::tenancy::{ApiClientService, TenancyService};
use peerbro_domain::webhooks::{DispatchSettings, RetryPolicy, WebhookDispatcher, WebhookService};
use peerbro_persistence::{
    Database, PoolSettings, SeaApiClientRepository, SeaAuditLog, SeaCitizenRepository,
    SeaOfferRepository, SeaOrganisationRepository, SeaPeerRepository, SeaReferralRepository,
    SeaTenantRepository, SeaUserRepository, SeaWebhookRepository, Vault, XChaCha,
};
use rand::RngCore as _;
use tokio::sync::watch;

use crate::auth::{Authenticator, load_keys};
use crate::config::Settings;
use crate::events::EventBus;
use crate::http::lifecycle::{self, Lifecycle};
use crate::http::rate_limit::RateLimits;
use crate::http::{health, problem, request_id};
use crate::metrics::{MeteredPublisher, MeteredSender, Metrics};
use crate::secrets::load_or_create_key;
use crate::state::AppState;
use crate::webhooks::{AddressPolicy, HttpSender, NetGuard, new_secret, spawn_worker};
use crate::{graphql, rest, seed};

/// Installs ring as the process's rustls crypto provider (once; later calls do nothing). Every
/// HTTP client in the process (webhooks, OTLP export) needs one, and ring is already what the
/// database driver's TLS uses, so no second crypto library is built.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The tenancy service over the sea-orm adapters.
#[must_use]
pub fn tenancy_service(db: &Database) -> TenancyService {
    TenancyService::new(
        Arc::new(SeaTenantRepository::new(db.clone())),
        Arc::new(SeaOrganisationRepository::new(db.clone())),
        Arc::new(SeaUserRepository::new(db.clone())),
    )
}

/// The use cases, wired to their adapters.
#[derive(Clone, Debug)]
pub struct Services {
    /// Tenants, organisations, users.
    pub tenancy: TenancyService,
    /// Citizens, consents, the audit log.
    pub people: PeopleService,
    /// Peer workers, supervision, placements.
    pub peers: PeerService,
    /// Referrals.
    pub referrals: ReferralService,
    /// Webhook endpoints and the delivery log.
    pub webhooks: WebhookService,
    /// Partner API clients.
    pub api_clients: ApiClientService,
    /// Offers, courses, matches.
    pub offers: OfferService,
}

/// The address policy for webhook targets.
#[must_use]
pub const fn webhook_guard(settings: &Settings) -> NetGuard {
    NetGuard::new(AddressPolicy {
        allow_private: settings.webhook_allow_private_targets,
        allow_http: settings.webhook_allow_http,
    })
}

fn millis(ms: u64) -> chrono::Duration {
    chrono::Duration::milliseconds(i64::try_from(ms).unwrap_or(i64::MAX / 2))
}

/// The webhook dispatcher over the sea-orm queue and the HTTP sender.
///
/// # Errors
/// When the master key cannot be loaded or the HTTP client cannot be built.
pub fn webhook_dispatcher(
    db: &Database,
    settings: &Settings,
    bus: EventBus,
    metrics: Arc<Metrics>,
) -> anyhow::Result<WebhookDispatcher> {
    let vault = Vault::new(Arc::new(XChaCha), master_key(settings)?);
    let sender = HttpSender::new(
        webhook_guard(settings),
        Duration::from_secs(settings.webhook_timeout_seconds),
    )?;
    Ok(WebhookDispatcher::new(
        Arc::new(SeaTenantRepository::new(db.clone())),
        Arc::new(SeaWebhookRepository::new(db.clone(), vault)),
        Arc::new(MeteredSender::new(sender, metrics.clone())),
        Arc::new(MeteredPublisher::new(bus, metrics)),
        DispatchSettings {
            retry: RetryPolicy {
                base: millis(settings.webhook_retry_base_ms),
                max_delay: millis(
                    settings
                        .webhook_retry_max_delay_seconds
                        .saturating_mul(1000),
                ),
                max_attempts: settings.webhook_max_attempts,
            },
            lease: millis(settings.webhook_lease_seconds.saturating_mul(1000)),
            retention: Some(chrono::Duration::days(i64::from(
                settings.event_retention_days,
            ))),
            prune_every: millis(settings.event_prune_interval_seconds.saturating_mul(1000)),
            ..DispatchSettings::default()
        },
    ))
}

/// Loads the master key: a configured file must exist; the embedded default creates one
/// beside the SQLite file.
///
/// # Errors
/// When the key is not configured (PostgreSQL) or the file is unusable.
pub fn master_key(settings: &Settings) -> anyhow::Result<SecretKey> {
    let path = settings.master_key_path()?;
    if settings.master_key_file.is_some() && !path.exists() {
        anyhow::bail!(
            "PEERBRO_MASTER_KEY_FILE: {} does not exist (a wrong path must not silently start a \
             new key)",
            path.display()
        );
    }
    Ok(SecretKey::from_bytes(load_or_create_key(&path)?))
}

/// Every service over the sea-orm adapters of `db`.
///
/// # Errors
/// When the master key cannot be loaded.
pub fn services(db: &Database, settings: &Settings) -> anyhow::Result<Services> {
    let vault = Vault::new(Arc::new(XChaCha), master_key(settings)?);
    let peer_repository = Arc::new(SeaPeerRepository::new(db.clone(), vault.clone()));
    let peers = PeerService::new(peer_repository.clone());
    let citizens = SeaCitizenRepository::new(db.clone(), vault.clone());
    let random: Arc<dyn Fn() -> [u8; 6] + Send + Sync> = Arc::new(|| {
        let mut bytes = [0u8; 6];
        rand::rng().fill_bytes(&mut bytes);
        bytes
    });
    let referrals = ReferralService::new(
        Arc::new(SeaReferralRepository::new(db.clone(), citizens.clone())),
        Arc::new(citizens.clone()),
        random.clone(),
    );
    let webhooks = WebhookService::new(
        Arc::new(SeaWebhookRepository::new(db.clone(), vault.clone())),
        Arc::new(webhook_guard(settings)),
        Arc::new(new_secret),
    );
    let api_clients = ApiClientService::new(
        Arc::new(SeaApiClientRepository::new(db.clone())),
        Arc::new(SeaOrganisationRepository::new(db.clone())),
        Arc::new(crate::auth::new_client_secret),
        Arc::new(crate::auth::hash_client_secret),
    );
    let citizen_repository: Arc<SeaCitizenRepository> = Arc::new(citizens);
    let people = PeopleService::new(
        citizen_repository.clone(),
        Arc::new(SeaAuditLog::new(db.clone())),
        random,
    );
    Ok(Services {
        tenancy: tenancy_service(db),
        people,
        peers,
        referrals,
        webhooks,
        api_clients,
        offers: OfferService::new(
            Arc::new(SeaOfferRepository::new(db.clone())),
            peer_repository,
            citizen_repository,
        ),
    })
}

/// Migrates (and seeds, when asked) through the admin URL, then closes that pool.
///
/// # Errors
/// When the database cannot be reached or a migration or the seed fails.
pub async fn prepare_database(
    settings: &Settings,
    migrate: bool,
    seed_demo: bool,
) -> anyhow::Result<()> {
    if !migrate && !seed_demo {
        return Ok(());
    }
    let admin = Database::connect_with(settings.admin_url(), PoolSettings::admin(2)).await?;
    if migrate {
        admin.migrate().await?;
    }
    if seed_demo {
        let report = seed::demo(&services(&admin, settings)?).await?;
        tracing::info!(
            tenants = report.tenants,
            organisations = report.organisations,
            users = report.users,
            citizens = report.citizens,
            peers = report.peers,
            offers = report.offers,
            "demo seed applied"
        );
    }
    admin.close().await;
    Ok(())
}

/// The authenticator for `settings` over `tenancy`.
///
/// # Errors
/// When the configured keys cannot be loaded.
pub fn authenticator(
    settings: &Settings,
    tenancy: TenancyService,
    api_clients: ApiClientService,
) -> anyhow::Result<Authenticator> {
    let keys = load_keys(settings)?;
    if let Some(file) = keys.dev_key_file() {
        tracing::warn!(
            file = %file.display(),
            "using the HS256 development signing key: configure PEERBRO_JWT_ALGORITHM and a \
             public key or JWKS for production"
        );
    }
    let client_key = crate::auth::api_client_token_key(&master_key(settings)?)?;
    Ok(Authenticator::new(
        keys,
        &settings.jwt_issuer,
        &settings.jwt_audience,
        settings.jwt_leeway_seconds,
        tenancy,
    )
    .with_api_clients(api_clients, &client_key))
}

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
}

impl Application {
    /// Prepares the database (as configured), connects, and binds the listener.
    ///
    /// # Errors
    /// Any start-up failure, with a message for the operator.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        install_crypto_provider();
        prepare_database(settings, settings.auto_migrate, settings.seeds_demo()).await?;
        let db = Database::connect_with(&settings.database_url, settings.pool()).await?;
        db.ensure_rls_cannot_be_bypassed().await?;
        let Services {
            tenancy,
            people,
            peers,
            referrals,
            webhooks,
            api_clients,
            offers,
        } = services(&db, settings)?;
        let events = EventBus::new();
        let metrics = Arc::new(Metrics::new());
        let dispatcher = if settings.webhook_worker {
            Some((
                webhook_dispatcher(&db, settings, events.clone(), metrics.clone())?,
                Duration::from_millis(settings.webhook_poll_interval_ms),
            ))
        } else {
            None
        };
        let auth = Arc::new(authenticator(
            settings,
            tenancy.clone(),
            api_clients.clone(),
        )?);
        let state = AppState {
            tenancy,
            people,
            peers,
            referrals,
            webhooks,
            events,
            api_clients,
            offers,
            api_client_token_ttl_seconds: settings.api_client_token_ttl_seconds,
            auth,
            db: db.clone(),
            schema: graphql::build_schema(settings.graphql_limits())?,
            max_body_bytes: settings.max_body_bytes,
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
        let limit = settings.max_body_bytes;
        let metrics_here = settings.metrics && settings.metrics_listen.is_none();
        let mut server = HttpServer::new(move || {
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
                .app_data(web::PayloadConfig::new(limit))
                .app_data(
                    web::JsonConfig::default()
                        .limit(limit)
                        .error_handler(problem::json_error),
                )
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
                        .route(web::post().to(graphql::post))
                        .route(
                            web::get()
                                .guard(guard::fn_guard(|ctx| {
                                    ctx.head().headers().get("upgrade").is_some_and(|v| {
                                        v.as_bytes().eq_ignore_ascii_case(b"websocket")
                                    })
                                }))
                                .to(graphql::websocket),
                        )
                        .route(web::get().to(graphql::graphiql)),
                )
                .route("/graphql/assets/{file}", web::get().to(graphql::asset))
                .service(web::scope("/api/v1").configure(rest::configure))
                .default_service(web::to(problem::not_found))
        })
        .shutdown_timeout(settings.shutdown_timeout_seconds)
        .disable_signals();
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
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
        // The server future must be spawned before stop() is awaited, or stop hangs.
        let server = tokio::spawn(self.server);
        let metrics_handle = self.metrics_server.map(|s| {
            let handle = s.handle();
            tokio::spawn(s);
            handle
        });
        if signals {
            tokio::spawn(stop_on_signal(handle, self.state.lifecycle.clone()));
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
        let served = server.await.context("server task failed");
        // A delivery cut off here keeps its claim and is retried, under the same id, when its
        // lease runs out.
        let _ = stop_worker.send(true);
        if let Some(worker) = worker {
            let _ = tokio::time::timeout(Duration::from_secs(5), worker).await;
        }
        forget.abort();
        if let Some(handle) = metrics_handle {
            handle.stop(false).await;
        }
        served??;
        self.state.lifecycle.drained(Duration::from_secs(2)).await;
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

async fn stop_on_signal(handle: ServerHandle, lifecycle: Arc<Lifecycle>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::error!("cannot listen for signals");
            return;
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: finishing in-flight requests"),
            _ = int.recv() => tracing::info!("SIGINT: finishing in-flight requests"),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    lifecycle.stopping();
    handle.stop(true).await;
}
