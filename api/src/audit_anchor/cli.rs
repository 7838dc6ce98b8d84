//! `peerbro audit verify [--anchor FILE]` and `peerbro audit anchor [--out FILE]`.
#![allow(clippy::print_stdout)]

use std::path::Path;

use anyhow::Context as _;
use peerbro_domain::RequestContext;
use peerbro_domain::privacy::ChainReport;
use peerbro_domain::tenancy::TenantSlug;
use peerbro_persistence::Database;

use super::heads::signed_heads;
use super::{Against, compare, open};
use crate::auth::load_keys;
use crate::config::Settings;
use crate::wiring::{Services, master_key, services};

async fn tenants(
    services: &Services,
    only: Option<&str>,
) -> anyhow::Result<Vec<peerbro_domain::tenancy::Tenant>> {
    Ok(match only {
        Some(slug) => vec![
            services
                .tenancy
                .find_tenant_by_slug(&TenantSlug::parse(slug)?)
                .await?
                .with_context(|| format!("no tenant with slug {slug}"))?,
        ],
        None => services.tenancy.all_tenants().await?,
    })
}

/// Recomputes each chain; with an anchor, also checks every anchored head is still there.
///
/// # Errors
/// When a chain is broken, truncated or changed against the anchor, or the anchor does not
/// verify.
pub async fn verify(
    settings: &Settings,
    only: Option<&str>,
    anchor: Option<&Path>,
) -> anyhow::Result<()> {
    let anchored = match anchor {
        Some(path) => {
            let jws = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the anchor {}", path.display()))?;
            Some(open(&load_keys(settings)?, &jws)?)
        }
        None => None,
    };
    let db = Database::connect(&settings.database_url, 2).await?;
    let services = services(&db, settings, &master_key(settings)?);
    let mut broken = 0;
    for tenant in tenants(&services, only).await? {
        let ctx = RequestContext::system(tenant.id);
        let slug = tenant.slug.as_str();
        let entries = match services.people.verify_audit(&ctx).await? {
            ChainReport::Intact { entries } => entries,
            ChainReport::Broken { seq, reason } => {
                broken += 1;
                println!("{slug}: BROKEN at entry {seq}: {reason}");
                continue;
            }
        };
        let head = anchored
            .as_ref()
            .and_then(|a| a.heads.iter().find(|h| h.tenant == tenant.id.as_uuid()));
        let Some(head) = head else {
            println!("{slug}: intact ({entries} entries)");
            continue;
        };
        let hash = services.people.audit_hash_at(&ctx, head.seq).await?;
        let pruned = services.people.audit_pruned_through(&ctx).await?;
        match compare(head, entries, pruned, hash.as_deref()) {
            Against::Pruned { through } => {
                println!(
                    "{slug}: intact ({entries} entries); the anchor's entry {} was removed by \
                     retention (the chain starts after {through}), so the anchor can no longer \
                     be compared: use a newer one",
                    head.seq
                );
            }
            Against::Holds => {
                println!(
                    "{slug}: intact ({entries} entries; the anchor's {} still there)",
                    head.seq
                );
            }
            Against::Truncated { anchored, left } => {
                broken += 1;
                println!("{slug}: TRUNCATED: the anchor saw {anchored} entries, {left} are left");
            }
            Against::Differs => {
                broken += 1;
                println!(
                    "{slug}: BROKEN at entry {}: it differs from the anchor",
                    head.seq
                );
            }
        }
    }
    db.close().await;
    anyhow::ensure!(
        broken == 0,
        "the audit log of {broken} tenant(s) has been tampered with"
    );
    Ok(())
}

/// Writes a signed anchor of every chain's head.
///
/// # Errors
/// When a chain is broken (nothing is anchored then), without a signing key, or when the
/// file cannot be written.
pub async fn anchor(settings: &Settings, out: Option<&Path>) -> anyhow::Result<()> {
    let keys = load_keys(settings)?;
    anyhow::ensure!(
        keys.encoding_key().is_some(),
        "no signing key is configured: set PEERBRO_JWT_PRIVATE_KEY_FILE"
    );
    let db = Database::connect(&settings.database_url, 2).await?;
    let services = services(&db, settings, &master_key(settings)?);
    let jws = signed_heads(&services, &keys).await;
    db.close().await;
    let jws = jws?;
    match out {
        Some(path) => std::fs::write(path, format!("{jws}\n"))
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => println!("{jws}"),
    }
    Ok(())
}
