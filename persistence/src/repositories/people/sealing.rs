//! The citizen repository value: sealing and opening a citizen's fields with their key,
//! registering a citizen with their consents inside a caller's transaction, and row mapping.

use peerbro_domain::ids::{CitizenId, TenantId, UserId};
use peerbro_domain::people::{BirthYear, Citizen, ConsentRecord, Pseudonym};
use peerbro_domain::privacy::{AuditAction, AuditEvent, Personal, Purpose, SecretKey, SubjectKind};
use peerbro_domain::{DomainError, DomainResult, Duplicate, RequestContext};
use sea_orm::{ActiveModelTrait as _, ActiveValue::Set, EntityTrait as _};
use uuid::Uuid;

use crate::audit::append;
use crate::db::{Database, Tx};
use crate::entities::privacy::{citizens, consents};
use crate::errors::{map_db, unexpected};
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

    /// Registers `citizen` inside `tx`: a new data key, the sealed row, the consents and their
    /// audit entries. Shared with referral submission, which registers the citizen it refers.
    pub(crate) async fn insert_in(
        &self,
        tx: &Tx,
        ctx: &RequestContext,
        citizen: &Citizen,
        consents: &[ConsentRecord],
        purpose: Purpose,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let id = citizen.id.as_uuid();
        let key = self.vault.create_subject_key(tx, tenant, id).await?;
        let mut model = citizens::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            id: Set(id),
            pseudonym: Set(citizen.pseudonym.as_str().to_owned()),
            municipality: Set(citizen.municipality.clone()),
            origin: Set(citizen.origin.as_str().to_owned()),
            user_id: Set(citizen.user_id.map(|u| u.as_uuid())),
            created_by: Set(citizen.created_by.map(|u| u.as_uuid())),
            created_at: Set(citizen.created_at),
            erased_at: Set(None),
            ..Default::default()
        };
        self.seal_into(tx, tenant, &key, citizen, &mut model)
            .await?;
        model
            .insert(tx)
            .await
            .map_err(|e| map_db(e, Duplicate::CitizenUser))?;
        let mut events = vec![event(AuditAction::Create, id, purpose)];
        self.consents_in(tx, ctx, citizen.id, consents, purpose, &mut events)
            .await?;
        append(tx, ctx, &events).await
    }

    /// Inserts consent records inside `tx`, adding their audit events to `events`.
    pub(crate) async fn consents_in(
        &self,
        tx: &Tx,
        ctx: &RequestContext,
        citizen: CitizenId,
        consents: &[ConsentRecord],
        purpose: Purpose,
        events: &mut Vec<AuditEvent>,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        if consents.is_empty() {
            return Ok(());
        }
        consents::Entity::insert_many(consents.iter().map(|r| consent_model(tenant, citizen, r)))
            .exec_without_returning(tx)
            .await
            .map_err(unexpected)?;
        events.extend(
            consents
                .iter()
                .map(|_| event(AuditAction::Consent, citizen.as_uuid(), purpose)),
        );
        Ok(())
    }

    /// Seals `text` as a field belonging to the citizen (e.g. a referral's reason) with their
    /// key; `None` once the citizen was erased.
    pub(crate) async fn seal_for(
        &self,
        tx: &Tx,
        tenant: TenantId,
        citizen: CitizenId,
        aad: &[u8],
        text: &str,
    ) -> DomainResult<Option<Vec<u8>>> {
        let keys = self
            .vault
            .subject_keys(tx, tenant, &[citizen.as_uuid()])
            .await?;
        keys.get(&citizen.as_uuid())
            .map(|key| self.vault.seal(key, aad, text))
            .transpose()
    }

    /// Opens a field sealed with [`Self::seal_for`]; `None` once the citizen was erased.
    pub(crate) async fn open_for(
        &self,
        tx: &Tx,
        tenant: TenantId,
        citizen: CitizenId,
        aad: &[u8],
        sealed: &[u8],
    ) -> DomainResult<Option<String>> {
        let keys = self
            .vault
            .subject_keys(tx, tenant, &[citizen.as_uuid()])
            .await?;
        keys.get(&citizen.as_uuid())
            .map(|key| self.vault.open(key, aad, sealed))
            .transpose()
    }

    /// Seals the personal fields of `citizen` into `model`.
    pub(super) async fn seal_into(
        &self,
        tx: &Tx,
        tenant: TenantId,
        key: &SecretKey,
        citizen: &Citizen,
        model: &mut citizens::ActiveModel,
    ) -> DomainResult<()> {
        let id = citizen.id.as_uuid();
        let name = citizen
            .name
            .as_ref()
            .ok_or_else(|| DomainError::Conflict(peerbro_domain::Conflict::CitizenErased))?;
        model.name_sealed = Set(self.vault.seal(
            key,
            &field_aad(tenant, "citizens", "name", id),
            name.expose(),
        )?);
        model.name_index = Set(self
            .vault
            .blind_index(tx, tenant, &name.normalised())
            .await?);
        model.contact_sealed = Set(citizen
            .contact
            .as_ref()
            .map(|c| {
                self.vault.seal(
                    key,
                    &field_aad(tenant, "citizens", "contact", id),
                    c.expose(),
                )
            })
            .transpose()?);
        model.birth_year = Set(citizen.birth_year.map(BirthYear::value));
        Ok(())
    }
}

pub(super) const KIND: SubjectKind = SubjectKind::Citizen;

pub(super) fn event(action: AuditAction, id: Uuid, purpose: Purpose) -> AuditEvent {
    AuditEvent::new(action, KIND, id, purpose)
}

pub(super) fn corrupt(what: &str) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!("stored citizen {what} does not parse"))
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
    })
}

pub(super) fn consent_model(
    tenant: TenantId,
    citizen: CitizenId,
    record: &ConsentRecord,
) -> consents::ActiveModel {
    consents::ActiveModel {
        tenant_id: Set(tenant.as_uuid()),
        id: Set(Uuid::now_v7()),
        citizen_id: Set(citizen.as_uuid()),
        purpose: Set(record.purpose.as_str().to_owned()),
        given: Set(record.given),
        at: Set(record.at),
        recorded_by: Set(record.recorded_by.map(|u| u.as_uuid())),
        evidence: Set(record.evidence.as_str().to_owned()),
    }
}
