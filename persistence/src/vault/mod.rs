//! The key hierarchy: a keyring epoch's key (kept outside the database, ADR 0043) wraps one
//! key per tenant, which wraps one data key per subject. Tenant keys made before the keyring
//! are wrapped under the master key until the first rotation. All key operations run inside
//! the caller's tenant transaction, so a subject's key is created, used and destroyed
//! atomically with the rows it protects.

use std::collections::HashMap;
use std::sync::Arc;

use peerbro_domain::ids::TenantId;
use peerbro_domain::privacy::{Cipher, SecretKey};
use peerbro_domain::{DomainError, DomainResult};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, EntityTrait as _, JoinType,
    QueryFilter as _, QuerySelect as _, RelationDef,
};
use uuid::Uuid;

use crate::db::Tx;
use crate::entities::privacy::{subject_keys, tenant_keys};
use crate::errors::unexpected;
use crate::keyring::Keyring;

/// The purpose of the citizens' name index.
pub(crate) const BLIND_INDEX: &[u8] = b"peerbro/blind-index/v1";

/// Tenant keys kept in memory at most (an evicted one is zeroed as it is dropped and opened
/// again when next needed).
const CACHED_TENANT_KEYS: usize = 1024;

/// An opened tenant key and the exact wrapping it was opened from.
type OpenedTenantKey = (Vec<u8>, SecretKey);

/// A subject key row read with its tenant key: subject, its wrapping, the tenant key's
/// wrapping and epoch.
type SubjectKeyRow = (Uuid, Vec<u8>, Vec<u8>, Option<i32>);

/// A tenant key as stored: its wrapping and the epoch that wraps it.
pub(crate) struct StoredTenantKey {
    pub(crate) wrapped: Vec<u8>,
    pub(crate) epoch: Option<i32>,
}

/// Seals and opens personal fields under per-subject keys.
#[derive(Clone)]
pub struct Vault {
    cipher: Arc<dyn Cipher>,
    keyring: Keyring,
    /// Opened tenant keys by the exact wrapping they were opened from, shared by every clone
    /// of the vault. The row is read in every transaction that uses the key (in the same
    /// statement as the subject keys it wraps), so a key replaced by a rotation in another
    /// process is never used: its wrapping no longer matches. Subject keys are never cached:
    /// erasing a subject destroys its key, and every process must see that at once.
    tenant_keys: Arc<std::sync::Mutex<HashMap<TenantId, OpenedTenantKey>>>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault")
    }
}

pub(crate) fn tenant_key_aad(tenant: TenantId) -> Vec<u8> {
    format!("peerbro/tenant-key/{tenant}").into_bytes()
}

pub(crate) fn subject_key_aad(tenant: TenantId, subject: Uuid) -> Vec<u8> {
    format!("peerbro/subject-key/{tenant}/{subject}").into_bytes()
}

/// Where a sealed field lives; bound into its ciphertext.
pub(crate) fn field_aad(tenant: TenantId, table: &str, column: &str, row: Uuid) -> Vec<u8> {
    format!("peerbro/field/{tenant}/{table}/{column}/{row}").into_bytes()
}

fn wrapped_by_tenant() -> RelationDef {
    subject_keys::Entity::belongs_to(tenant_keys::Entity)
        .from(subject_keys::Column::TenantId)
        .to(tenant_keys::Column::TenantId)
        .into()
}

impl Vault {
    /// A vault whose tenant keys are wrapped under the epochs of `keyring` (and, before the
    /// first rotation, under its master key).
    #[must_use]
    pub fn new(keyring: Keyring) -> Self {
        Self {
            cipher: keyring.cipher(),
            keyring,
            tenant_keys: Arc::default(),
        }
    }

    /// The keyring.
    #[must_use]
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    pub(crate) fn unwrap_key(
        &self,
        kek: &SecretKey,
        aad: &[u8],
        wrapped: &[u8],
    ) -> DomainResult<SecretKey> {
        let raw = self.cipher.open(kek, aad, wrapped).map_err(|_| {
            DomainError::Unknown(anyhow::anyhow!(
                "a stored key does not unwrap: are PEERBRO_MASTER_KEY_FILE and \
                 PEERBRO_KEYRING_FILE the keys this database was made with?"
            ))
        })?;
        let bytes: [u8; 32] = raw.try_into().map_err(|_| {
            DomainError::Unknown(anyhow::anyhow!("a stored key has the wrong length"))
        })?;
        Ok(SecretKey::from_bytes(bytes))
    }

    /// The key that wraps tenant keys of `epoch` (`None`: the master key).
    pub(crate) fn key_encryption_key(&self, epoch: Option<i32>) -> DomainResult<SecretKey> {
        match epoch {
            None => Ok(self.keyring.master()),
            Some(epoch) => self.keyring.key(epoch),
        }
    }

    /// Opens a stored tenant key (from memory when this exact wrapping was opened before).
    pub(crate) fn open_tenant_key(
        &self,
        tenant: TenantId,
        stored: &StoredTenantKey,
    ) -> DomainResult<SecretKey> {
        if let Some(key) = self.tenant_keys.lock().ok().and_then(|keys| {
            keys.get(&tenant)
                .filter(|(wrapped, _)| *wrapped == stored.wrapped)
                .map(|(_, key)| key.clone())
        }) {
            return Ok(key);
        }
        let kek = self.key_encryption_key(stored.epoch)?;
        let key = self.unwrap_key(&kek, &tenant_key_aad(tenant), &stored.wrapped)?;
        if let Ok(mut keys) = self.tenant_keys.lock() {
            if keys.len() >= CACHED_TENANT_KEYS && !keys.contains_key(&tenant) {
                // Dropping the evicted keys zeroes them.
                keys.clear();
            }
            keys.insert(tenant, (stored.wrapped.clone(), key.clone()));
        }
        Ok(key)
    }

    #[cfg(test)]
    fn cached(&self, tenant: TenantId) -> Option<SecretKey> {
        self.tenant_keys
            .lock()
            .ok()
            .and_then(|keys| keys.get(&tenant).map(|(_, key)| key.clone()))
    }

    /// The tenant's key for reading, created on first use.
    pub(crate) async fn tenant_key(&self, tx: &Tx, tenant: TenantId) -> DomainResult<SecretKey> {
        self.tenant_key_with(tx, tenant, false).await
    }

    /// The tenant's key for sealing something that must outlive a rotation (a new subject
    /// key, a blind index, a webhook secret): on PostgreSQL the key row is share-locked until
    /// commit, so a rotation waits for this transaction and then re-wraps what it wrote.
    pub(crate) async fn tenant_key_to_seal(
        &self,
        tx: &Tx,
        tenant: TenantId,
    ) -> DomainResult<SecretKey> {
        self.tenant_key_with(tx, tenant, true).await
    }

    async fn tenant_key_with(
        &self,
        tx: &Tx,
        tenant: TenantId,
        lock: bool,
    ) -> DomainResult<SecretKey> {
        let find = || {
            let query = tenant_keys::Entity::find_by_id(tenant.as_uuid());
            let query = if lock && tx.locks_rows() {
                query.lock_shared()
            } else {
                query
            };
            query.one(tx)
        };
        if let Some(row) = find().await.map_err(unexpected)? {
            return self.open_tenant_key(
                tenant,
                &StoredTenantKey {
                    wrapped: row.wrapped_key,
                    epoch: row.epoch,
                },
            );
        }
        let (epoch, kek) = self.keyring.current()?;
        let key = self.cipher.generate_key();
        let wrapped = self
            .cipher
            .seal(&kek, &tenant_key_aad(tenant), key.bytes())?;
        // Two first uses at once: one insert wins, the other reads the winner's key.
        tenant_keys::Entity::insert(tenant_keys::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            wrapped_key: Set(wrapped),
            created_at: Set(chrono::Utc::now()),
            epoch: Set(Some(epoch)),
            rotated_at: Set(None),
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
        // Not kept in memory: the transaction that made it may still roll back.
        let kek = self.key_encryption_key(row.epoch)?;
        self.unwrap_key(&kek, &tenant_key_aad(tenant), &row.wrapped_key)
    }

    /// Creates a subject's data key.
    pub(crate) async fn create_subject_key(
        &self,
        tx: &Tx,
        tenant: TenantId,
        subject: Uuid,
    ) -> DomainResult<SecretKey> {
        let tenant_key = self.tenant_key_to_seal(tx, tenant).await?;
        self.create_subject_key_under(tx, tenant, &tenant_key, subject)
            .await
    }

    /// Creates a subject's data key under `tenant_key`, which the caller got from
    /// [`Self::tenant_key_to_seal`] in the same transaction.
    pub(crate) async fn create_subject_key_under(
        &self,
        tx: &Tx,
        tenant: TenantId,
        tenant_key: &SecretKey,
        subject: Uuid,
    ) -> DomainResult<SecretKey> {
        let key = self.cipher.generate_key();
        let wrapped =
            self.cipher
                .seal(tenant_key, &subject_key_aad(tenant, subject), key.bytes())?;
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

    /// The data keys of `subjects` that still exist (erased subjects have none), read with
    /// the tenant key that wraps them in one statement.
    pub(crate) async fn subject_keys(
        &self,
        tx: &Tx,
        tenant: TenantId,
        subjects: &[Uuid],
    ) -> DomainResult<HashMap<Uuid, SecretKey>> {
        if subjects.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<SubjectKeyRow> = subject_keys::Entity::find()
            .select_only()
            .column(subject_keys::Column::SubjectId)
            .column(subject_keys::Column::WrappedKey)
            .column_as(tenant_keys::Column::WrappedKey, "tenant_wrapped")
            .column_as(tenant_keys::Column::Epoch, "tenant_epoch")
            .join(JoinType::InnerJoin, wrapped_by_tenant())
            .filter(subject_keys::Column::TenantId.eq(tenant.as_uuid()))
            .filter(subject_keys::Column::SubjectId.is_in(subjects.iter().copied()))
            .into_tuple()
            .all(tx)
            .await
            .map_err(unexpected)?;
        let Some((_, _, wrapped, epoch)) = rows.first() else {
            return Ok(HashMap::new());
        };
        let tenant_key = self.open_tenant_key(
            tenant,
            &StoredTenantKey {
                wrapped: wrapped.clone(),
                epoch: *epoch,
            },
        )?;
        rows.into_iter()
            .map(|(subject, wrapped, _, _)| {
                let key =
                    self.unwrap_key(&tenant_key, &subject_key_aad(tenant, subject), &wrapped)?;
                Ok((subject, key))
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
}

pub(crate) mod digests;
#[cfg(test)]
mod tests;
