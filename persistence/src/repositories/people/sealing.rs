//! The citizen repository value: sealing and opening a citizen's fields with their key,
//! registering a citizen with their consents inside a caller's transaction, and row mapping.

use peerbro_domain::ids::{CitizenId, TenantId, UserId};
use peerbro_domain::people::{BirthYear, Citizen, ConsentRecord, Pseudonym};
use peerbro_domain::privacy::{Personal, SecretKey};
use peerbro_domain::{DomainError, DomainResult};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use uuid::Uuid;

use crate::db::{Database, Tx};
use crate::entities::privacy::{citizens, consents};
use crate::errors::unexpected;
use crate::repositories::rows::by_id;
use crate::vault::{Vault, field_aad};

/// [`CitizenRepository`] on sea-orm, with field encryption.
#[derive(Clone, Debug)]
pub struct SeaCitizenRepository {
    pub(super) db: Database,
    pub(super) vault: Vault,
}

impl SeaCitizenRepository {
    /// Over `db`, sealing with `vault`.
    #[must_use]
    pub const fn new(db: Database, vault: Vault) -> Self {
        Self { db, vault }
    }

    pub(super) fn decrypt(
        &self,
        tenant: TenantId,
        row: citizens::Model,
        key: Option<&SecretKey>,
    ) -> DomainResult<Citizen> {
        let open = |column: &str, sealed: &[u8], key: &SecretKey| {
            self.vault
                .open(key, &field_aad(tenant, "citizens", column, row.id), sealed)
                .map(Personal::from_storage)
        };
        let (name, contact) = match key {
            Some(key) => (
                Some(open("name", &row.name_sealed, key)?),
                row.contact_sealed
                    .as_deref()
                    .map(|c| open("contact", c, key))
                    .transpose()?,
            ),
            None => (None, None),
        };
        Ok(Citizen {
            id: CitizenId::from_uuid(row.id),
            pseudonym: Pseudonym::from_storage(row.pseudonym),
            name,
            contact,
            birth_year: row
                .birth_year
                .map(BirthYear::parse)
                .transpose()
                .map_err(|_| corrupt("birth year"))?,
            municipality: row.municipality,
            origin: row.origin.parse().map_err(|_| corrupt("origin"))?,
            user_id: row.user_id.map(UserId::from_uuid),
            created_by: row.created_by.map(UserId::from_uuid),
            created_at: row.created_at,
            erased_at: row.erased_at,
        })
    }

    /// Decrypts rows with one key look-up for all of them.
    pub(super) async fn decrypt_all(
        &self,
        tx: &Tx,
        tenant: TenantId,
        rows: Vec<citizens::Model>,
    ) -> DomainResult<Vec<Citizen>> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let keys = self.vault.subject_keys(tx, tenant, &ids).await?;
        rows.into_iter()
            .map(|row| {
                let key = keys.get(&row.id);
                self.decrypt(tenant, row, key)
            })
            .collect()
    }
}

pub(super) fn corrupt(what: &str) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!("stored citizen {what} does not parse"))
}

/// The citizen record a user's login leads to, if any.
pub(super) async fn row_of_user(
    tx: &Tx,
    tenant: TenantId,
    user: UserId,
) -> DomainResult<Option<citizens::Model>> {
    citizens::Entity::find()
        .filter(citizens::Column::TenantId.eq(tenant.as_uuid()))
        .filter(citizens::Column::UserId.eq(user.as_uuid()))
        .one(tx)
        .await
        .map_err(unexpected)
}

pub(super) async fn find_row(
    tx: &Tx,
    tenant: TenantId,
    id: CitizenId,
    lock: bool,
) -> DomainResult<citizens::Model> {
    by_id::<citizens::Entity>(tx, tenant, id.as_uuid(), lock, "citizen").await
}

pub(super) fn consent_from(r: consents::Model) -> DomainResult<ConsentRecord> {
    Ok(ConsentRecord {
        purpose: r.purpose.parse().map_err(|_| corrupt("consent purpose"))?,
        given: r.given,
        at: r.at,
        recorded_by: r.recorded_by.map(UserId::from_uuid),
        evidence: r
            .evidence
            .parse()
            .map_err(|_| corrupt("consent evidence"))?,
        text_version: r.text_version.and_then(|v| u32::try_from(v).ok()),
    })
}
