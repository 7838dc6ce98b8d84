//! The composition root's wiring: the master key, loaded once; the sea-orm adapters; the
//! use cases over them; the webhook dispatcher and the authenticator. The server, the seed and
//! the command line all build from here, so each is wired the same way.

use std::sync::Arc;
use std::time::Duration;

use peerbro_domain::clock::{Clock, SystemClock};
use peerbro_domain::coordination::CoordinationService;
use peerbro_domain::offers::OfferService;
use peerbro_domain::outcomes::{OutcomePorts, OutcomeService};
use peerbro_domain::people::{PSEUDONYM_BYTES, PeerService, PeopleService, PseudonymSource};
use peerbro_domain::privacy::SecretKey;
use peerbro_domain::privacy::access::AccessService;
use peerbro_domain::privacy::retention::RetentionService;
use peerbro_domain::referral::ReferralService;
use peerbro_domain::reports::{NationalReports, ReportService};
use peerbro_domain::research::ResearchService;
use peerbro_domain::tenancy::{ApiClientService, TenancyService};
use peerbro_domain::unit_of_work::Transactions;
use peerbro_domain::webhooks::{DispatchSettings, RetryPolicy, WebhookDispatcher, WebhookService};
use peerbro_persistence::{
    Database, KeyRotation, Keyring, OutboxHints, SeaApiClientRepository, SeaAuditLog,
    SeaCitizenRepository, SeaConsentTexts, SeaInstrumentRepository, SeaOfferRepository,
    SeaOrganisationRepository, SeaPeerRepository, SeaPeerResponseRepository, SeaReferralRepository,
    SeaReportSource, SeaResponseRepository, SeaRetentionStore, SeaStudyRepository,
    SeaSubjectExports, SeaTenantRepository, SeaTransactions, SeaUserRepository,
    SeaWebhookRepository, Vault, XChaCha,
};
use rand::RngCore as _;

use crate::auth::{Authenticator, load_keys};
use crate::config::Settings;
use crate::events::EventBus;
use crate::metrics::Metrics;
use crate::secrets::load_or_create_key;
use crate::webhooks::{
    AddressPolicy, HttpSender, MeteredPublisher, MeteredSender, NetGuard, new_secret,
};

/// The tenancy service over the sea-orm adapters.
#[must_use]
pub fn tenancy_service(db: &Database, vault: &Vault) -> TenancyService {
    TenancyService::new(
        Arc::new(SeaTenantRepository::new(db.clone())),
        Arc::new(SeaOrganisationRepository::new(db.clone())),
        Arc::new(SeaUserRepository::new(db.clone(), vault.clone())),
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
    /// The coordinator's dashboard and matching suggestions.
    pub coordination: CoordinationService,
    /// Recovery instruments.
    pub outcomes: OutcomeService,
    /// Reports per period.
    pub reports: ReportService,
    /// The national view (ADR 0034).
    pub national: NationalReports,
    /// Research studies.
    pub research: ResearchService,
    /// The right of access: a person's whole record (ADR 0041).
    pub access: AccessService,
    /// Deletion on schedule (ADR 0042).
    pub retention: RetentionService,
    /// Consent text versions (ADR 0044).
    pub consent_texts: peerbro_domain::people::consent_texts::ConsentTextService,
    /// Key rotation and retirement (ADR 0043).
    pub keys: crate::keys::service::KeyService,
    /// The anonymous chat (ADR 0046).
    pub chat: peerbro_domain::chat::ChatService,
    /// The chat's statistics without identity.
    pub chat_statistics: peerbro_domain::chat::ChatStatistics,
    /// Ends chat conversations left waiting after closing or idle.
    pub chat_expiry: peerbro_domain::chat::ChatExpiry,
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
/// When the HTTP client cannot be built.
pub fn webhook_dispatcher(
    db: &Database,
    settings: &Settings,
    master: &SecretKey,
    bus: EventBus,
    metrics: Arc<Metrics>,
) -> anyhow::Result<WebhookDispatcher> {
    let vault = vault(settings, master);
    let sender = HttpSender::new(
        webhook_guard(settings),
        Duration::from_secs(settings.webhook_timeout_seconds),
    )?;
    Ok(WebhookDispatcher::new(
        Arc::new(SeaTenantRepository::new(db.clone())),
        Arc::new(SeaWebhookRepository::new(db.clone(), vault)),
        Arc::new(MeteredSender::new(sender, metrics.clone())),
        Arc::new(MeteredPublisher::new(bus, metrics)),
        Arc::new(SystemClock),
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
    )
    // Between sweeps, only tenants this process wrote events for or with a retry due.
    .with_hints(Arc::new(OutboxHints::new(db.clone()))))
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

/// The vault: tenant keys wrapped under the keyring's epochs (ADR 0043), the keyring sealed
/// under `master`.
#[must_use]
pub fn vault(settings: &Settings, master: &SecretKey) -> Vault {
    // `master_key` has already refused a configuration without a key file, the only case in
    // which the keyring has no place of its own.
    let path = settings
        .keyring_path()
        .unwrap_or_else(|_| std::path::PathBuf::from("peerbro.keyring"));
    Vault::new(Keyring::at(path, Arc::new(XChaCha), master.clone()))
}

/// Every service over the sea-orm adapters of `db`, sealing with `master`.
#[must_use]
pub fn services(db: &Database, settings: &Settings, master: &SecretKey) -> Services {
    let vault = vault(settings, master);
    let peer_repository = Arc::new(SeaPeerRepository::new(db.clone(), vault.clone()));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let peers = PeerService::new(peer_repository.clone(), clock.clone());
    let citizens = SeaCitizenRepository::new(db.clone(), vault.clone());
    let random: PseudonymSource = Arc::new(|| {
        let mut bytes = [0u8; PSEUDONYM_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        bytes
    });
    let transactions: Arc<dyn Transactions> =
        Arc::new(SeaTransactions::new(db.clone(), vault.clone()));
    let referral_repository = Arc::new(SeaReferralRepository::new(db.clone(), vault.clone()));
    let offer_repository = Arc::new(SeaOfferRepository::new(db.clone()));
    let coordination = CoordinationService::new(
        referral_repository.clone(),
        offer_repository.clone(),
        peer_repository.clone(),
    );
    let referrals = ReferralService::new(
        referral_repository,
        Arc::new(citizens.clone()),
        transactions.clone(),
        clock.clone(),
        random.clone(),
    );
    let webhooks = WebhookService::new(
        Arc::new(SeaWebhookRepository::new(db.clone(), vault.clone())),
        Arc::new(webhook_guard(settings)),
        Arc::new(new_secret),
        clock.clone(),
    );
    let api_clients = ApiClientService::new(
        Arc::new(SeaApiClientRepository::new(db.clone(), vault.clone())),
        Arc::new(SeaOrganisationRepository::new(db.clone())),
        Arc::new(crate::auth::new_client_secret),
        Arc::new(crate::auth::hash_client_secret),
    );
    let citizen_repository: Arc<SeaCitizenRepository> = Arc::new(citizens);
    let people = PeopleService::new(
        citizen_repository.clone(),
        transactions.clone(),
        Arc::new(SeaAuditLog::new(db.clone())),
        clock.clone(),
        random,
    );
    let instruments: Arc<SeaInstrumentRepository> =
        Arc::new(SeaInstrumentRepository::new(db.clone()));
    let responses: Arc<SeaResponseRepository> =
        Arc::new(SeaResponseRepository::new(db.clone(), vault.clone()));
    let research = ResearchService::new(
        Arc::new(SeaStudyRepository::new(db.clone(), vault.clone())),
        responses.clone(),
        instruments.clone(),
        citizen_repository.clone(),
        clock.clone(),
    );
    let outcomes = OutcomeService::new(OutcomePorts {
        instruments,
        responses,
        peer_responses: Arc::new(SeaPeerResponseRepository::new(db.clone(), vault.clone())),
        citizens: citizen_repository.clone(),
        peers: peer_repository.clone(),
        clock: clock.clone(),
    });
    let access = AccessService::new(
        Arc::new(SeaSubjectExports::new(db.clone(), vault.clone())),
        citizen_repository.clone(),
        peer_repository.clone(),
        clock.clone(),
    );
    let retention = RetentionService::new(
        Arc::new(SeaRetentionStore::new(db.clone())),
        citizen_repository.clone(),
        Arc::new(SeaTenantRepository::new(db.clone())),
        clock.clone(),
    );
    let keys = crate::keys::service::KeyService::new(
        KeyRotation::new(db.clone(), vault.clone()),
        vault.keyring().clone(),
        Arc::new(SeaTenantRepository::new(db.clone())),
    );
    let consent_texts = peerbro_domain::people::consent_texts::ConsentTextService::new(
        Arc::new(SeaConsentTexts::new(db.clone())),
        clock.clone(),
    );
    let chat_store = Arc::new(peerbro_persistence::SeaChatStore::new(db.clone()));
    let chat_statistics = peerbro_domain::chat::ChatStatistics::new(chat_store.clone());
    let chat_expiry = peerbro_domain::chat::ChatExpiry::new(
        chat_store.clone(),
        chat_store.clone(),
        Arc::new(SeaTenantRepository::new(db.clone())),
        clock.clone(),
    );
    let chat = peerbro_domain::chat::ChatService::new(
        chat_store,
        clock.clone(),
        Arc::new(crate::graphql::chat_session::new_secret),
        Arc::new(crate::graphql::chat_session::digest),
    );
    Services {
        chat,
        chat_statistics,
        chat_expiry,
        access,
        retention,
        keys,
        consent_texts,
        tenancy: tenancy_service(db, &vault),
        people,
        peers,
        referrals,
        webhooks,
        api_clients,
        coordination,
        reports: ReportService::new(
            Arc::new(SeaReportSource::new(db.clone())),
            outcomes.clone(),
            clock.clone(),
        ),
        national: NationalReports::new(
            Arc::new(SeaReportSource::new(db.clone())),
            outcomes.clone(),
            Arc::new(SeaTenantRepository::new(db.clone())),
            clock.clone(),
        ),
        outcomes,
        research,
        offers: OfferService::new(
            offer_repository,
            peer_repository,
            citizen_repository,
            transactions,
            clock,
        ),
    }
}

/// The authenticator for `settings` over the tenancy and API-client use cases; API-client
/// tokens are signed with a key derived from `master`.
///
/// # Errors
/// When the configured keys cannot be loaded.
pub fn authenticator(
    settings: &Settings,
    services: &Services,
    master: &SecretKey,
) -> anyhow::Result<Authenticator> {
    let keys = load_keys(settings)?;
    if let Some(file) = keys.dev_key_file() {
        tracing::warn!(
            file = %file.display(),
            "using the HS256 development signing key: configure PEERBRO_JWT_ALGORITHM and a \
             public key or JWKS for production"
        );
    }
    let client_key = crate::auth::api_client_token_key(master)?;
    Ok(Authenticator::new(
        keys,
        &settings.jwt_issuer,
        &settings.jwt_audience,
        settings.jwt_leeway_seconds,
        services.tenancy.clone(),
    )
    .with_api_clients(services.api_clients.clone(), &client_key))
}
