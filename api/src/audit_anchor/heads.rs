//! Every tenant's chain head, verified and signed: what `peerbro audit anchor` prints and the
//! server's scheduled anchoring writes.

use anyhow::Context as _;
use peerbro_domain::RequestContext;
use peerbro_domain::privacy::ChainReport;

use super::{Anchor, Head, sign};
use crate::auth::KeyMaterial;
use crate::wiring::Services;

/// The signed anchor (compact JWS) of every tenant's chain head.
///
/// # Errors
/// When a chain is broken (nothing is anchored then), on a database failure, or without a
/// signing key.
pub async fn signed_heads(services: &Services, keys: &KeyMaterial) -> anyhow::Result<String> {
    let mut heads = Vec::new();
    for tenant in services.tenancy.all_tenants().await? {
        let ctx = RequestContext::system(tenant.id);
        let entries = match services.people.verify_audit(&ctx).await? {
            ChainReport::Intact { entries } => entries,
            ChainReport::Broken { seq, reason } => anyhow::bail!(
                "{}: the chain is broken at entry {seq} ({reason}); nothing was anchored",
                tenant.slug.as_str()
            ),
        };
        let hash = if entries == 0 {
            String::new()
        } else {
            services
                .people
                .audit_hash_at(&ctx, entries)
                .await?
                .context("the newest entry vanished while anchoring")?
        };
        heads.push(Head {
            tenant: tenant.id.as_uuid(),
            slug: tenant.slug.as_str().to_owned(),
            seq: entries,
            hash,
        });
    }
    heads.sort_by(|a, b| a.slug.cmp(&b.slug));
    sign(
        keys,
        &Anchor {
            iat: chrono::Utc::now().timestamp(),
            heads,
        },
    )
}
