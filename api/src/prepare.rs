//! Preparing the database before a server or a command uses it: migrations through the admin
//! URL, the sealing of free text a migration could not seal, and the demo seed.

use peerbro_domain::privacy::SecretKey;
use peerbro_persistence::{Database, PoolSettings};

use crate::config::Settings;
use crate::seed;
use crate::wiring::{services, vault};

/// Migrates (and seeds, when asked) through the admin URL, then closes that pool.
///
/// # Errors
/// When the database cannot be reached or a migration or the seed fails.
pub async fn prepare_database(
    settings: &Settings,
    master: &SecretKey,
    migrate: bool,
    seed_demo: bool,
) -> anyhow::Result<()> {
    if !migrate && !seed_demo {
        return Ok(());
    }
    let admin = Database::connect_with(settings.admin_url(), PoolSettings::admin(2)).await?;
    if migrate {
        admin.migrate().await?;
        // Free text a migration could not seal (it holds no key): sealed before anything is
        // served.
        let sealed = peerbro_persistence::seal_clear_text(&admin, &vault(settings, master)).await?;
        if sealed > 0 {
            tracing::info!(
                sealed,
                "sealed free text stored in clear before migration 25"
            );
        }
    }
    if seed_demo {
        let report = seed::demo(&services(&admin, settings, master)).await?;
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
