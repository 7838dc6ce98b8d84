//! Rotating a tenant's key (ADR 0043): a new tenant key wrapped under the keyring's newest
//! epoch, every live subject key re-wrapped under it, the webhook secrets and users' logins
//! re-sealed and the citizens' name and users' address indexes recomputed — in one transaction, so a cut-off rotation leaves the
//! tenant as it was. An erased subject has no key left, so nothing of theirs is carried over;
//! once the old epoch is destroyed, a backup that still holds their key opens nothing.
//!
//! Lock order on PostgreSQL: the tenant's citizen, user and webhook rows first, then the tenant key
//! row — the order in which a writer that seals (`Vault::tenant_key_to_seal`) takes them, so
//! that a rotation and a writer wait for each other instead of deadlocking.

use chrono::{DateTime, Utc};
use peerbro_domain::DomainResult;
use peerbro_domain::ids::TenantId;
use peerbro_domain::privacy::SecretKey;
use peerbro_domain::privacy::personal::Personal;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait as _, EntityTrait, QueryFilter as _, QueryOrder as _, QuerySelect as _};
use serde::Serialize;
use uuid::Uuid;

use super::rows::for_update;
use super::tenancy::logins;
use super::webhooks::secret_aad;
use crate::db::{Database, Tx};
use crate::entities::privacy::{citizens, subject_keys, tenant_keys};
use crate::entities::users;
use crate::entities::webhooks::webhook_endpoints;
use crate::errors::unexpected;
use crate::vault::digests::unmatchable_index;
use crate::vault::{
    BLIND_INDEX, StoredTenantKey, Vault, field_aad, subject_key_aad, tenant_key_aad,
};

/// Rows handled per statement while re-wrapping.
const PAGE: u64 = 500;

/// What one tenant's rotation did (counts only).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TenantRotation {
    /// Whether the tenant key was replaced (false: it was already under the epoch, or the
    /// tenant has never had a key).
    pub rotated: bool,
    /// Subject keys re-wrapped.
    pub subject_keys: u64,
    /// Citizens whose name index was recomputed (erased citizens' made unmatchable).
    pub citizens: u64,
    /// Webhook endpoints whose secrets were re-sealed.
    pub webhook_endpoints: u64,
    /// Users whose e-mail address and display name were re-sealed and re-indexed.
    pub users: u64,
}

/// A tenant key as found in the database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TenantKeyState {
    /// The epoch wrapping it (`None`: the master key, before any rotation).
    pub epoch: Option<i32>,
    /// Whether it opens with the keys this process holds.
    pub opens: bool,
}

/// Key rotation over the sea-orm adapters.
#[derive(Clone, Debug)]
pub struct KeyRotation {
    db: Database,
    vault: Vault,
}

impl KeyRotation {
    /// Rotation over `db` with `vault`'s keyring.
    #[must_use]
    pub const fn new(db: Database, vault: Vault) -> Self {
        Self { db, vault }
    }

    /// The tenant's key as stored, and whether it opens (`None`: no key yet).
    ///
    /// # Errors
    /// A database failure.
    pub async fn state(&self, tenant: TenantId) -> DomainResult<Option<TenantKeyState>> {
        let tx = self.db.begin_read(tenant).await?;
        let row = tenant_keys::Entity::find_by_id(tenant.as_uuid())
            .one(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        Ok(row.map(|row| TenantKeyState {
            epoch: row.epoch,
            opens: self
                .vault
                .open_tenant_key(
                    tenant,
                    &StoredTenantKey {
                        wrapped: row.wrapped_key,
                        epoch: row.epoch,
                    },
                )
                .is_ok(),
        }))
    }

    /// Moves the tenant's key under `epoch` (nothing when it is there already).
    ///
    /// # Errors
    /// A database failure, or a key that does not open; the tenant is then left as it was.
    pub async fn rotate(
        &self,
        tenant: TenantId,
        epoch: i32,
        now: DateTime<Utc>,
    ) -> DomainResult<TenantRotation> {
        let tx = self.db.begin_write(tenant).await?;
        if tx.locks_rows() {
            lock_sealers(&tx, tenant).await?;
        }
        let row = for_update(&tx, tenant_keys::Entity::find_by_id(tenant.as_uuid()))
            .one(&tx)
            .await
            .map_err(unexpected)?;
        let Some(row) = row.filter(|row| row.epoch != Some(epoch)) else {
            tx.commit().await?;
            return Ok(TenantRotation::default());
        };
        let old = self.vault.open_tenant_key(
            tenant,
            &StoredTenantKey {
                wrapped: row.wrapped_key,
                epoch: row.epoch,
            },
        )?;
        let new = self.vault.keyring().cipher().generate_key();
        // The index first: it opens names with the subject keys as they are still wrapped.
        let citizens = self.reindex(&tx, tenant, &new).await?;
        let subject_keys = self.rewrap(&tx, tenant, &old, &new).await?;
        let webhook_endpoints = self.reseal_webhooks(&tx, tenant, &old, &new).await?;
        let users = logins::sealing::reseal(&self.vault, &tx, tenant, &old, &new).await?;
        let kek = self.vault.keyring().key(epoch)?;
        let wrapped =
            self.vault
                .keyring()
                .cipher()
                .seal(&kek, &tenant_key_aad(tenant), new.bytes())?;
        tenant_keys::Entity::update_many()
            .col_expr(tenant_keys::Column::WrappedKey, Expr::value(wrapped))
            .col_expr(tenant_keys::Column::Epoch, Expr::value(Some(epoch)))
            .col_expr(tenant_keys::Column::RotatedAt, Expr::value(Some(now)))
            .filter(tenant_keys::Column::TenantId.eq(tenant.as_uuid()))
            .exec(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        Ok(TenantRotation {
            rotated: true,
            subject_keys,
            citizens,
            webhook_endpoints,
            users,
        })
    }

    /// Recomputes every citizen's name index under `new` (an erased citizen's becomes
    /// unmatchable).
    async fn reindex(&self, tx: &Tx, tenant: TenantId, new: &SecretKey) -> DomainResult<u64> {
        let mut after = Uuid::nil();
        let mut done = 0;
        loop {
            let page = page_after::<citizens::Entity>(tx, CITIZEN, tenant, after).await?;
            let Some(last) = page.last() else {
                return Ok(done);
            };
            after = last.id;
            let ids: Vec<Uuid> = page.iter().map(|c| c.id).collect();
            let keys = self.vault.subject_keys(tx, tenant, &ids).await?;
            for citizen in page {
                let index = match (citizen.erased_at, keys.get(&citizen.id)) {
                    (None, Some(key)) => {
                        let name = self.vault.open(
                            key,
                            &field_aad(tenant, "citizens", "name", citizen.id),
                            &citizen.name_sealed,
                        )?;
                        let normalised = Personal::from_storage(name).normalised();
                        self.vault.digest_under(new, BLIND_INDEX, &normalised)?
                    }
                    _ => unmatchable_index(),
                };
                let index = (citizens::Column::NameIndex, index.into());
                set_on::<citizens::Entity>(tx, CITIZEN, tenant, citizen.id, [index]).await?;
                done += 1;
            }
        }
    }

    /// Re-wraps every subject key of the tenant from `old` to `new`.
    async fn rewrap(
        &self,
        tx: &Tx,
        tenant: TenantId,
        old: &SecretKey,
        new: &SecretKey,
    ) -> DomainResult<u64> {
        let cipher = self.vault.keyring().cipher();
        let mut after = Uuid::nil();
        let mut done = 0;
        loop {
            let page = page_after::<subject_keys::Entity>(tx, SUBJECT_KEY, tenant, after).await?;
            let Some(last) = page.last() else {
                return Ok(done);
            };
            after = last.subject_id;
            for row in page {
                let aad = subject_key_aad(tenant, row.subject_id);
                let key = self.vault.unwrap_key(old, &aad, &row.wrapped_key)?;
                let wrapped = cipher.seal(new, &aad, key.bytes())?;
                let wrapped = (subject_keys::Column::WrappedKey, wrapped.into());
                set_on::<subject_keys::Entity>(tx, SUBJECT_KEY, tenant, row.subject_id, [wrapped])
                    .await?;
                done += 1;
            }
        }
    }

    /// Re-seals every webhook endpoint's secrets (current and previous) from `old` to `new`.
    async fn reseal_webhooks(
        &self,
        tx: &Tx,
        tenant: TenantId,
        old: &SecretKey,
        new: &SecretKey,
    ) -> DomainResult<u64> {
        let endpoints = webhook_endpoints::Entity::find()
            .filter(webhook_endpoints::Column::TenantId.eq(tenant.as_uuid()))
            .all(tx)
            .await
            .map_err(unexpected)?;
        let count = endpoints.len() as u64;
        let reseal = |aad: &[u8], sealed: &[u8]| -> DomainResult<Vec<u8>> {
            let secret = self.vault.open(old, aad, sealed)?;
            self.vault.seal(new, aad, &secret)
        };
        for endpoint in endpoints {
            let aad = secret_aad(tenant, endpoint.id);
            let secret = reseal(&aad, &endpoint.secret_sealed)?;
            let previous = endpoint
                .previous_secret_sealed
                .as_deref()
                .map(|sealed| reseal(&aad, sealed))
                .transpose()?;
            let sealed = [
                (webhook_endpoints::Column::SecretSealed, secret.into()),
                (
                    webhook_endpoints::Column::PreviousSecretSealed,
                    previous.into(),
                ),
            ];
            set_on::<webhook_endpoints::Entity>(tx, ENDPOINT, tenant, endpoint.id, sealed).await?;
        }
        Ok(count)
    }
}

/// A table's tenant column and the id its rows are paged and updated by.
type Keyed<E> = (<E as EntityTrait>::Column, <E as EntityTrait>::Column);

const CITIZEN: Keyed<citizens::Entity> = (citizens::Column::TenantId, citizens::Column::Id);
const SUBJECT_KEY: Keyed<subject_keys::Entity> = (
    subject_keys::Column::TenantId,
    subject_keys::Column::SubjectId,
);
const USER: Keyed<users::Entity> = (users::Column::TenantId, users::Column::Id);
const ENDPOINT: Keyed<webhook_endpoints::Entity> = (
    webhook_endpoints::Column::TenantId,
    webhook_endpoints::Column::Id,
);

/// The next page of the tenant's rows after `after`, in id order.
async fn page_after<E: EntityTrait>(
    tx: &Tx,
    (tenant_col, id): Keyed<E>,
    tenant: TenantId,
    after: Uuid,
) -> DomainResult<Vec<E::Model>> {
    E::find()
        .filter(tenant_col.eq(tenant.as_uuid()))
        .filter(id.gt(after))
        .order_by_asc(id)
        .limit(PAGE)
        .all(tx)
        .await
        .map_err(unexpected)
}

/// Sets `values` on one row of the tenant's.
async fn set_on<E: EntityTrait>(
    tx: &Tx,
    (tenant_col, id): Keyed<E>,
    tenant: TenantId,
    row: Uuid,
    values: impl IntoIterator<Item = (E::Column, sea_orm::Value)>,
) -> DomainResult<()> {
    let mut update = E::update_many();
    for (column, value) in values {
        update = update.col_expr(column, Expr::value(value));
    }
    update
        .filter(tenant_col.eq(tenant.as_uuid()))
        .filter(id.eq(row))
        .exec(tx)
        .await
        .map_err(unexpected)?;
    Ok(())
}

/// Locks the rows a sealing writer locks before the tenant key row (PostgreSQL).
async fn lock_sealers(tx: &Tx, tenant: TenantId) -> DomainResult<()> {
    lock_rows::<citizens::Entity>(tx, CITIZEN, tenant).await?;
    lock_rows::<users::Entity>(tx, USER, tenant).await?;
    lock_rows::<webhook_endpoints::Entity>(tx, ENDPOINT, tenant).await
}

/// Locks every row of the tenant's in `E` (`FOR UPDATE`), reading only their ids.
async fn lock_rows<E: EntityTrait>(
    tx: &Tx,
    (tenant_col, id): Keyed<E>,
    tenant: TenantId,
) -> DomainResult<()> {
    E::find()
        .select_only()
        .column(id)
        .filter(tenant_col.eq(tenant.as_uuid()))
        .lock_exclusive()
        .into_tuple::<Uuid>()
        .all(tx)
        .await
        .map_err(unexpected)?;
    Ok(())
}
