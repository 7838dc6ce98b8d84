//! Loading the settings (defaults, an optional TOML file, `PEERBRO_*` variables), checking
//! them as a whole, and what the rest of the server derives from them.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};

use super::settings::{ConfigError, Settings};

impl Settings {
    /// Loads defaults, then `file` (if given, it must exist; otherwise `peerbro.toml` in the
    /// working directory if present), then `PEERBRO_*` variables.
    ///
    /// # Errors
    /// A message naming every bad variable or key.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Self::default()));
        match file {
            Some(path) if !path.exists() => {
                return Err(ConfigError(format!(
                    "configuration file {} does not exist",
                    path.display()
                )));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new("peerbro.toml").exists() => {
                figment = figment.merge(Toml::file_exact("peerbro.toml"));
            }
            None => {}
        }
        figment = figment.merge(
            // PEERBRO_TEST_* and PEERBRO_BENCH_* belong to the test and benchmark harnesses,
            // and PEERBRO_CONFIG names the file.
            Env::prefixed("PEERBRO_").filter(|key| {
                let key = key.as_str().to_ascii_lowercase();
                !key.starts_with("test_") && !key.starts_with("bench_") && key != "config"
            }),
        );
        let settings: Self = figment.extract().map_err(describe)?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks rules that span several settings.
    ///
    /// # Errors
    /// A message naming the variables involved.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let known = ["sqlite:", "postgres://", "postgresql://"];
        for (name, url) in [
            ("PEERBRO_DATABASE_URL", Some(&self.database_url)),
            (
                "PEERBRO_DATABASE_ADMIN_URL",
                self.database_admin_url.as_ref(),
            ),
        ] {
            if let Some(url) = url
                && !known.iter().any(|p| url.starts_with(p))
            {
                return Err(ConfigError(format!(
                    "{name} must start with sqlite:, postgres:// or postgresql://"
                )));
            }
        }
        if (self.jwt_public_key_file.is_some() || self.jwt_jwks_file.is_some())
            && self.jwt_algorithm.is_none()
        {
            return Err(ConfigError(
                "PEERBRO_JWT_ALGORITHM (EdDSA, RS256 or ES256) is required with \
                 PEERBRO_JWT_PUBLIC_KEY_FILE or PEERBRO_JWT_JWKS_FILE"
                    .to_owned(),
            ));
        }
        if self.jwt_public_key_file.is_some() && self.jwt_jwks_file.is_some() {
            return Err(ConfigError(
                "set only one of PEERBRO_JWT_PUBLIC_KEY_FILE and PEERBRO_JWT_JWKS_FILE".to_owned(),
            ));
        }
        if self.database_max_connections == 0 {
            return Err(ConfigError(
                "PEERBRO_DATABASE_MAX_CONNECTIONS must be at least 1".to_owned(),
            ));
        }
        if self.database_acquire_timeout_ms == 0 || self.request_timeout_seconds == 0 {
            return Err(ConfigError(
                "PEERBRO_DATABASE_ACQUIRE_TIMEOUT_MS and PEERBRO_REQUEST_TIMEOUT_SECONDS must be \
                 at least 1"
                    .to_owned(),
            ));
        }
        if let Some(share) = self.database_tenant_share
            && (share == 0 || share > self.database_max_connections)
        {
            return Err(ConfigError(
                "PEERBRO_DATABASE_TENANT_SHARE must be between 1 and \
                 PEERBRO_DATABASE_MAX_CONNECTIONS"
                    .to_owned(),
            ));
        }
        if (self.rate_limit_per_second > 0 && self.rate_limit_burst == 0)
            || (self.rate_limit_anonymous_per_second > 0 && self.rate_limit_anonymous_burst == 0)
        {
            return Err(ConfigError(
                "PEERBRO_RATE_LIMIT_BURST and PEERBRO_RATE_LIMIT_ANONYMOUS_BURST must be at \
                 least 1 while their rate is on"
                    .to_owned(),
            ));
        }
        self.trusted_proxy_nets()?;
        if self.workers == Some(0) {
            return Err(ConfigError("PEERBRO_WORKERS must be at least 1".to_owned()));
        }
        if self.webhook_lease_seconds <= self.webhook_timeout_seconds {
            return Err(ConfigError(
                "PEERBRO_WEBHOOK_LEASE_SECONDS must be longer than PEERBRO_WEBHOOK_TIMEOUT_SECONDS"
                    .to_owned(),
            ));
        }
        let ice: Result<Vec<serde_json::Map<String, serde_json::Value>>, _> =
            serde_json::from_str(&self.chat_ice_servers);
        if !ice.is_ok_and(|servers| servers.iter().all(|s| s.contains_key("urls"))) {
            return Err(ConfigError(
                "PEERBRO_CHAT_ICE_SERVERS must be a JSON array of objects with \"urls\"".to_owned(),
            ));
        }
        if self.chat_poll_seconds == 0 {
            return Err(ConfigError(
                "PEERBRO_CHAT_POLL_SECONDS must be at least 1".to_owned(),
            ));
        }
        if self.audit_seal_interval_ms == 0 {
            return Err(ConfigError(
                "PEERBRO_AUDIT_SEAL_INTERVAL_MS must be at least 1".to_owned(),
            ));
        }
        if self.webhook_max_attempts == 0
            || self.webhook_poll_interval_ms == 0
            || self.webhook_timeout_seconds == 0
        {
            return Err(ConfigError(
                "PEERBRO_WEBHOOK_MAX_ATTEMPTS, PEERBRO_WEBHOOK_POLL_INTERVAL_MS and \
                 PEERBRO_WEBHOOK_TIMEOUT_SECONDS must be at least 1"
                    .to_owned(),
            ));
        }
        if self.audit_anchor_interval_seconds == 0 {
            return Err(ConfigError(
                "PEERBRO_AUDIT_ANCHOR_INTERVAL_SECONDS must be at least 1".to_owned(),
            ));
        }
        if self.backup_retention_days == 0 || self.backup_retention_days > 3650 {
            return Err(ConfigError(
                "PEERBRO_BACKUP_RETENTION_DAYS must be from 1 to 3650".to_owned(),
            ));
        }
        if self.key_rotation_days > 3650 {
            return Err(ConfigError(
                "PEERBRO_KEY_ROTATION_DAYS must be from 0 (off) to 3650".to_owned(),
            ));
        }
        if self.jwt_issuer.is_empty() || self.jwt_audience.is_empty() {
            return Err(ConfigError(
                "PEERBRO_JWT_ISSUER and PEERBRO_JWT_AUDIENCE must not be empty".to_owned(),
            ));
        }
        Ok(())
    }

    /// The trusted proxies, parsed.
    ///
    /// # Errors
    /// Naming `PEERBRO_TRUSTED_PROXIES` and the entry that does not parse.
    pub fn trusted_proxy_nets(&self) -> Result<Vec<ipnet::IpNet>, ConfigError> {
        self.trusted_proxies
            .iter()
            .map(|entry| {
                entry
                    .parse::<ipnet::IpNet>()
                    .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        ConfigError(format!(
                            "PEERBRO_TRUSTED_PROXIES: {entry:?} is not an address or CIDR range"
                        ))
                    })
            })
            .collect()
    }

    /// The pool's behaviour.
    #[must_use]
    pub fn pool(&self) -> peerbro_persistence::PoolSettings {
        let mut pool = peerbro_persistence::PoolSettings::new(self.database_max_connections);
        pool.acquire_timeout = std::time::Duration::from_millis(self.database_acquire_timeout_ms);
        pool.statement_timeout =
            std::time::Duration::from_millis(self.database_statement_timeout_ms);
        if let Some(share) = self.database_tenant_share {
            pool.tenant_share = share;
        }
        pool.generic_plans = self.database_generic_plans;
        pool
    }

    /// The GraphQL cost limits.
    #[must_use]
    pub const fn graphql_limits(&self) -> crate::graphql::cost::CostLimits {
        crate::graphql::cost::CostLimits {
            depth: self.graphql_max_depth,
            nodes: self.graphql_max_nodes,
            aliases: self.graphql_max_aliases,
            spreads: self.graphql_max_fragment_spreads,
            cost: self.graphql_max_complexity,
        }
    }

    /// Whether the database is SQLite.
    #[must_use]
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// Whether `serve` seeds the demo tenants.
    #[must_use]
    pub fn seeds_demo(&self) -> bool {
        self.demo_seed.unwrap_or_else(|| self.is_sqlite())
    }

    /// The URL used for migrations and seeding.
    #[must_use]
    pub fn admin_url(&self) -> &str {
        self.database_admin_url
            .as_deref()
            .unwrap_or(&self.database_url)
    }

    /// The master key file: configured, or beside the SQLite database file.
    ///
    /// # Errors
    /// When neither applies (PostgreSQL without `PEERBRO_MASTER_KEY_FILE`).
    pub fn master_key_path(&self) -> Result<PathBuf, ConfigError> {
        if let Some(path) = &self.master_key_file {
            return Ok(path.clone());
        }
        self.sqlite_file()
            .map(|db| {
                let mut name = db.into_os_string();
                name.push(".master-key");
                PathBuf::from(name)
            })
            .ok_or_else(|| {
                ConfigError(
                    "PEERBRO_MASTER_KEY_FILE is required: it names the file holding the master \
                     key (32 random bytes, base64url) that protects all personal data"
                        .to_owned(),
                )
            })
    }

    /// The keyring file: `PEERBRO_KEYRING_FILE`, else beside the master key file.
    ///
    /// # Errors
    /// When neither it nor the master key file is configured (PostgreSQL).
    pub fn keyring_path(&self) -> Result<PathBuf, ConfigError> {
        if let Some(path) = &self.keyring_file {
            return Ok(path.clone());
        }
        let mut name = self.master_key_path()?.into_os_string();
        name.push(".keyring");
        Ok(PathBuf::from(name))
    }

    /// The SQLite database file, if the database is a SQLite file.
    #[must_use]
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        let rest = self.database_url.strip_prefix("sqlite:")?;
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split('?').next().unwrap_or(rest);
        (!path.is_empty() && !path.contains(":memory:")).then(|| PathBuf::from(path))
    }
}

/// Phrases figment's errors with the variable or key each came from.
fn describe(err: figment::Error) -> ConfigError {
    let lines: Vec<String> = err
        .into_iter()
        .map(|e| {
            let key = e.path.join("_");
            let from_env = e
                .metadata
                .as_ref()
                .is_some_and(|m| m.name.contains("environment"));
            let name = if key.is_empty() {
                "configuration".to_owned()
            } else if from_env {
                format!("PEERBRO_{}", key.to_uppercase())
            } else {
                let source = e
                    .metadata
                    .as_ref()
                    .and_then(|m| m.source.as_ref().map(ToString::to_string))
                    .unwrap_or_else(|| "configuration".to_owned());
                format!("key `{key}` in {source}")
            };
            format!("{name}: {}", e.kind)
        })
        .collect();
    ConfigError(format!("invalid configuration: {}", lines.join("; ")))
}
