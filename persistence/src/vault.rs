//! The key hierarchy: the master key (configuration) wraps one key per tenant, which wraps one
//! data key per subject. All key operations run inside the caller's tenant transaction, so a
//! subject's key is created, used and destroyed atomically with the rows it protects.

use std::collections::HashMap;
use std::sync::Arc;

use peerbro_domain::ids::TenantId;
use peerbro_domain::privacy::{Cipher, SecretKey};
use peerbro_domain::{DomainError, DomainResult};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, EntityTrait as _, QueryFilter as _,
};
use uuid::Uuid;

use crate::db::Tx;
use crate::entities::privacy::{subject_keys, tenant_keys};
use crate::errors::unexpected;

/// Tenant keys kept in memory at most (a tenant's key never changes once made; an evicted one
/// is zeroed as it is dropped and read again when next needed).
const CACHED_TENANT_KEYS: usize = 1024;

/// Seals and opens personal fields under per-subject keys.
#[derive(Clone)]
pub struct Vault {
    cipher: Arc<dyn Cipher>,
    master: Arc<SecretKey>,
    /// Unwrapped tenant keys, shared by every clone of the vault. Only keys read back from a
    /// stored row are kept — never one made in a transaction that might still roll back.
    /// Subject keys are never cached: erasing a subject destroys its key, and every process
    /// must see that at once.
    tenant_keys: Arc<std::sync::Mutex<HashMap<TenantId, SecretKey>>>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault")
    }
}

fn tenant_key_aad(tenant: TenantId) -> Vec<u8> {
    format!("peerbro/tenant-key/{tenant}").into_bytes()
}

fn subject_key_aad(tenant: TenantId, subject: Uuid) -> Vec<u8> {
    format!("peerbro/subject-key/{tenant}/{subject}").into_bytes()
}

/// Where a sealed field lives; bound into its ciphertext.
pub(crate) fn field_aad(tenant: TenantId, table: &str, column: &str, row: Uuid) -> Vec<u8> {
    format!("peerbro/field/{tenant}/{table}/{column}/{row}").into_bytes()
}

impl Vault {
    /// A vault over `cipher` with the master key.
    #[must_use]
    pub fn new(cipher: Arc<dyn Cipher>, master: SecretKey) -> Self {
        Self {
            cipher,
            master: Arc::new(master),
            tenant_keys: Arc::default(),
        }
    }

    fn unwrap_key(&self, kek: &SecretKey, aad: &[u8], wrapped: &[u8]) -> DomainResult<SecretKey> {
        let raw = self.cipher.open(kek, aad, wrapped).map_err(|_| {
            DomainError::Unknown(anyhow::anyhow!(
                "a stored key does not unwrap: is PEERBRO_MASTER_KEY_FILE the key this database was created with?"
            ))
        })?;
        let bytes: [u8; 32] = raw.try_into().map_err(|_| {
            DomainError::Unknown(anyhow::anyhow!("a stored key has the wrong length"))
        })?;
        Ok(SecretKey::from_bytes(bytes))
    }

    fn cached(&self, tenant: TenantId) -> Option<SecretKey> {
        self.tenant_keys
            .lock()
            .ok()
            .and_then(|keys| keys.get(&tenant).cloned())
    }

    fn remember(&self, tenant: TenantId, key: &SecretKey) {
        if let Ok(mut keys) = self.tenant_keys.lock() {
            if keys.len() >= CACHED_TENANT_KEYS && !keys.contains_key(&tenant) {
                // Dropping the evicted keys zeroes them.
                keys.clear();
            }
            keys.insert(tenant, key.clone());
        }
    }

    /// The tenant's key, created on first use (kept in memory once read back from its row).
    pub(crate) async fn tenant_key(&self, tx: &Tx, tenant: TenantId) -> DomainResult<SecretKey> {
        if let Some(key) = self.cached(tenant) {
            return Ok(key);
        }
        let find = || tenant_keys::Entity::find_by_id(tenant.as_uuid()).one(tx);
        if let Some(row) = find().await.map_err(unexpected)? {
            let key = self.unwrap_key(&self.master, &tenant_key_aad(tenant), &row.wrapped_key)?;
            self.remember(tenant, &key);
            return Ok(key);
        }
        let key = self.cipher.generate_key();
        let wrapped = self
            .cipher
            .seal(&self.master, &tenant_key_aad(tenant), key.bytes())?;
        // Two first uses at once: one insert wins, the other reads the winner's key.
        tenant_keys::Entity::insert(tenant_keys::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            wrapped_key: Set(wrapped),
            created_at: Set(chrono::Utc::now()),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(tenant_keys::Column::TenantId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(tx)
        .await
        .map_err(unexpected)?;
        let row = find().await.map_err(unexpected)?.ok_or_else(|| {
            DomainError::Unknown(anyhow::anyhow!("tenant key missing after insert"))
        })?;
        self.unwrap_key(&self.master, &tenant_key_aad(tenant), &row.wrapped_key)
    }

    /// Creates a subject's data key.
    pub(crate) async fn create_subject_key(
        &self,
        tx: &Tx,
        tenant: TenantId,
        subject: Uuid,
    ) -> DomainResult<SecretKey> {
        let tenant_key = self.tenant_key(tx, tenant).await?;
        let key = self.cipher.generate_key();
        let wrapped =
            self.cipher
                .seal(&tenant_key, &subject_key_aad(tenant, subject), key.bytes())?;
        subject_keys::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            subject_id: Set(subject),
            wrapped_key: Set(wrapped),
            created_at: Set(chrono::Utc::now()),
        }
        .insert(tx)
        .await
        .map_err(unexpected)?;
        Ok(key)
    }

    /// The data keys of `subjects` that still exist (erased subjects have none).
    pub(crate) async fn subject_keys(
        &self,
        tx: &Tx,
        tenant: TenantId,
        subjects: &[Uuid],
    ) -> DomainResult<HashMap<Uuid, SecretKey>> {
        if subjects.is_empty() {
            return Ok(HashMap::new());
        }
        let tenant_key = self.tenant_key(tx, tenant).await?;
        let rows = subject_keys::Entity::find()
            .filter(subject_keys::Column::TenantId.eq(tenant.as_uuid()))
            .filter(subject_keys::Column::SubjectId.is_in(subjects.iter().copied()))
            .all(tx)
            .await
            .map_err(unexpected)?;
        rows.into_iter()
            .map(|row| {
                let key = self.unwrap_key(
                    &tenant_key,
                    &subject_key_aad(tenant, row.subject_id),
                    &row.wrapped_key,
                )?;
                Ok((row.subject_id, key))
            })
            .collect()
    }

    /// Destroys a subject's data key; returns whether there was one.
    pub(crate) async fn destroy_subject_key(
        &self,
        tx: &Tx,
        tenant: TenantId,
        subject: Uuid,
    ) -> DomainResult<bool> {
        let result = subject_keys::Entity::delete_many()
            .filter(subject_keys::Column::TenantId.eq(tenant.as_uuid()))
            .filter(subject_keys::Column::SubjectId.eq(subject))
            .exec(tx)
            .await
            .map_err(unexpected)?;
        Ok(result.rows_affected > 0)
    }

    /// The cipher (for keyed hashes such as a study's pseudonyms).
    pub(crate) fn cipher(&self) -> &dyn Cipher {
        self.cipher.as_ref()
    }

    /// Seals a field value.
    pub(crate) fn seal(&self, key: &SecretKey, aad: &[u8], value: &str) -> DomainResult<Vec<u8>> {
        self.cipher.seal(key, aad, value.as_bytes())
    }

    /// Opens a field value.
    pub(crate) fn open(&self, key: &SecretKey, aad: &[u8], sealed: &[u8]) -> DomainResult<String> {
        let bytes = self.cipher.open(key, aad, sealed)?;
        String::from_utf8(bytes)
            .map_err(|_| DomainError::Unknown(anyhow::anyhow!("a sealed field is not UTF-8")))
    }

    /// Seals `text` as a field belonging to `subject` (e.g. a referral's reason, with the
    /// citizen's key); `None` once the subject was erased.
    pub(crate) async fn seal_for_subject(
        &self,
        tx: &Tx,
        tenant: TenantId,
        subject: Uuid,
        aad: &[u8],
        text: &str,
    ) -> DomainResult<Option<Vec<u8>>> {
        let keys = self.subject_keys(tx, tenant, &[subject]).await?;
        keys.get(&subject)
            .map(|key| self.seal(key, aad, text))
            .transpose()
    }

    /// Opens a field sealed with [`Self::seal_for_subject`]; `None` once the subject was
    /// erased.
    pub(crate) async fn open_for_subject(
        &self,
        tx: &Tx,
        tenant: TenantId,
        subject: Uuid,
        aad: &[u8],
        sealed: &[u8],
    ) -> DomainResult<Option<String>> {
        let keys = self.subject_keys(tx, tenant, &[subject]).await?;
        keys.get(&subject)
            .map(|key| self.open(key, aad, sealed))
            .transpose()
    }

    /// The blind index of `normalised` under the tenant's index key.
    pub(crate) async fn blind_index(
        &self,
        tx: &Tx,
        tenant: TenantId,
        normalised: &str,
    ) -> DomainResult<Vec<u8>> {
        self.keyed_digest(tx, tenant, b"peerbro/blind-index/v1", normalised)
            .await
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
        let derived = self.cipher.blind_index(&tenant_key, purpose);
        let derived: [u8; 32] = derived
            .try_into()
            .map_err(|_| DomainError::Unknown(anyhow::anyhow!("derived key length")))?;
        Ok(self
            .cipher
            .blind_index(&SecretKey::from_bytes(derived), text.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use peerbro_domain::tenancy::{Tenant, TenantRepository as _, TenantSlug};

    use super::*;
    use crate::crypto::XChaCha;
    use crate::db::Database;
    use crate::repositories::SeaTenantRepository;

    #[tokio::test]
    async fn only_a_tenant_key_read_back_from_its_row_is_kept_in_memory() {
        let db = Database::connect("sqlite::memory:", 1).await.unwrap();
        db.migrate().await.unwrap();
        let tenant =
            Tenant::new(TenantSlug::parse("cache").unwrap(), "Cache", "Helsingør").unwrap();
        SeaTenantRepository::new(db.clone())
            .create(&tenant)
            .await
            .unwrap();
        let vault = Vault::new(Arc::new(XChaCha), SecretKey::from_bytes([7; 32]));
        // Made in a transaction that rolls back: not kept, and not stored.
        let tx = db.begin(tenant.id).await.unwrap();
        let lost = vault.tenant_key(&tx, tenant.id).await.unwrap();
        drop(tx);
        assert!(
            vault.cached(tenant.id).is_none(),
            "a key that may roll back is not kept"
        );
        // Made and committed: still not kept until it is read back from its row.
        let tx = db.begin(tenant.id).await.unwrap();
        let made = vault.tenant_key(&tx, tenant.id).await.unwrap();
        tx.commit().await.unwrap();
        assert_ne!(made, lost, "the rolled-back key was never stored");
        assert!(vault.cached(tenant.id).is_none());
        let tx = db.begin(tenant.id).await.unwrap();
        let read = vault.tenant_key(&tx, tenant.id).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(read, made);
        assert_eq!(vault.cached(tenant.id), Some(made.clone()));
        // A clone of the vault (another repository) shares what was read.
        assert_eq!(vault.clone().cached(tenant.id), Some(made));
        db.close().await;
    }
}
