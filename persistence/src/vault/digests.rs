//! Keyed digests under a key derived from the tenant key: the citizens' name index and the
//! idempotency fingerprints.

use peerbro_domain::ids::TenantId;
use peerbro_domain::privacy::SecretKey;
use peerbro_domain::{DomainError, DomainResult};

use rand::RngCore as _;
use sea_orm::EntityTrait as _;

use super::{BLIND_INDEX, StoredTenantKey, Vault};
use crate::db::Tx;
use crate::entities::privacy::tenant_keys;
use crate::errors::unexpected;

impl Vault {
    /// The blind index of `normalised` under the tenant's index key, to search by.
    pub(crate) async fn blind_index(
        &self,
        tx: &Tx,
        tenant: TenantId,
        normalised: &str,
    ) -> DomainResult<Vec<u8>> {
        let tenant_key = self.tenant_key(tx, tenant).await?;
        self.digest_under(&tenant_key, BLIND_INDEX, normalised)
    }

    /// A keyed digest (HMAC-SHA256) of `text` under a key derived from the tenant key for
    /// `purpose`: without the tenant key (so without the master key) nobody can confirm a
    /// guess, and one purpose's digests say nothing about another's.
    pub(crate) async fn keyed_digest(
        &self,
        tx: &Tx,
        tenant: TenantId,
        purpose: &[u8],
        text: &str,
    ) -> DomainResult<Vec<u8>> {
        let tenant_key = self.tenant_key(tx, tenant).await?;
        self.digest_under(&tenant_key, purpose, text)
    }

    /// The keyed digest of `text` for `purpose`, or `None` when the tenant has no key yet (so
    /// nothing indexed under it): for look-ups, which must not create a key.
    pub(crate) async fn existing_digest(
        &self,
        tx: &Tx,
        tenant: TenantId,
        purpose: &[u8],
        text: &str,
    ) -> DomainResult<Option<Vec<u8>>> {
        let row = tenant_keys::Entity::find_by_id(tenant.as_uuid())
            .one(tx)
            .await
            .map_err(unexpected)?;
        let Some(row) = row else { return Ok(None) };
        let stored = StoredTenantKey {
            wrapped: row.wrapped_key,
            epoch: row.epoch,
        };
        let tenant_key = self.open_tenant_key(tenant, &stored)?;
        self.digest_under(&tenant_key, purpose, text).map(Some)
    }

    /// The keyed digest of `text` for `purpose` under `tenant_key`.
    pub(crate) fn digest_under(
        &self,
        tenant_key: &SecretKey,
        purpose: &[u8],
        text: &str,
    ) -> DomainResult<Vec<u8>> {
        let derived = self.cipher.blind_index(tenant_key, purpose);
        let derived: [u8; 32] = derived
            .try_into()
            .map_err(|_| DomainError::Unknown(anyhow::anyhow!("derived key length")))?;
        Ok(self
            .cipher
            .blind_index(&SecretKey::from_bytes(derived), text.as_bytes()))
    }
}

/// Random bytes in place of an erased person's index (a citizen's name, a closed account's
/// address): they match nothing under any key.
pub(crate) fn unmatchable_index() -> Vec<u8> {
    let mut bytes = vec![0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}
