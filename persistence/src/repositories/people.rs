//! Citizens: personal fields sealed with the citizen's own key, every access audited in the
//! same transaction.

use std::collections::HashMap;

use async_trait::async_trait;
use peerbro_domain::ids::{CitizenId, TenantId, UserId};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::people::{
    BirthYear, Citizen, CitizenChange, CitizenFilter, CitizenRepository, ConsentRecord, Pseudonym,
};
use peerbro_domain::privacy::{AuditAction, AuditEvent, Personal, Purpose, SecretKey, SubjectKind};
use peerbro_domain::{DomainError, DomainResult, Duplicate, RequestContext};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, QueryOrder as _,
};
use uuid::Uuid;

use super::keyset;
use super::rows::by_id;
use crate::audit::{append, append_reads};
use crate::db::{Database, Tx};
use crate::entities::privacy::{citizens, consents};
use crate::errors::{map_db, unexpected};
use crate::vault::{Vault, field_aad};

/// [`CitizenRepository`] on sea-orm, with field encryption.
#[derive(Clone, Debug)]
pub struct SeaCitizenRepository {
    db: Database,
    vault: Vault,
}

impl SeaCitizenRepository {
    /// Over `db`, sealing with `vault`.
    #[must_use]
    pub const fn new(db: Database, vault: Vault) -> Self {
        Self { db, vault }
    }

    fn decrypt(
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
    async fn decrypt_all(
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
    async fn seal_into(
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

const KIND: SubjectKind = SubjectKind::Citizen;

fn event(action: AuditAction, id: Uuid, purpose: Purpose) -> AuditEvent {
    AuditEvent::new(action, KIND, id, purpose)
}

fn corrupt(what: &str) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!("stored citizen {what} does not parse"))
}

async fn find_row(
    tx: &Tx,
    tenant: TenantId,
    id: CitizenId,
    lock: bool,
) -> DomainResult<citizens::Model> {
    by_id::<citizens::Entity>(tx, tenant, id.as_uuid(), lock, "citizen").await
}

fn consent_from(r: consents::Model) -> DomainResult<ConsentRecord> {
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

fn consent_model(
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

#[async_trait]
impl CitizenRepository for SeaCitizenRepository {
    #[tracing::instrument(skip_all, fields(citizen = %citizen.id))]
    async fn create(
        &self,
        ctx: &RequestContext,
        citizen: &Citizen,
        consents: &[ConsentRecord],
        purpose: Purpose,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        self.insert_in(&tx, ctx, citizen, consents, purpose).await?;
        tx.commit().await
    }

    async fn get(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        purpose: Purpose,
    ) -> DomainResult<Citizen> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = find_row(&tx, tenant, id, false).await?;
        let citizen = self
            .decrypt_all(&tx, tenant, vec![row])
            .await?
            .pop()
            .ok_or(DomainError::NotFound {
                resource: "citizen",
            })?;
        append_reads(&tx, ctx, KIND, [id.as_uuid()], purpose).await?;
        tx.commit().await?;
        Ok(citizen)
    }

    async fn find_by_user(
        &self,
        ctx: &RequestContext,
        user: UserId,
        purpose: Purpose,
    ) -> DomainResult<Option<Citizen>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = citizens::Entity::find()
            .filter(citizens::Column::TenantId.eq(tenant.as_uuid()))
            .filter(citizens::Column::UserId.eq(user.as_uuid()))
            .one(&tx)
            .await
            .map_err(unexpected)?;
        let Some(row) = row else {
            tx.commit().await?;
            return Ok(None);
        };
        let id = row.id;
        let citizen = self.decrypt_all(&tx, tenant, vec![row]).await?.pop();
        append_reads(&tx, ctx, KIND, [id], purpose).await?;
        tx.commit().await?;
        Ok(citizen)
    }

    async fn citizen_id_of_user(
        &self,
        ctx: &RequestContext,
        user: UserId,
    ) -> DomainResult<Option<CitizenId>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = citizens::Entity::find()
            .filter(citizens::Column::TenantId.eq(tenant.as_uuid()))
            .filter(citizens::Column::UserId.eq(user.as_uuid()))
            .one(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        Ok(row.map(|r| CitizenId::from_uuid(r.id)))
    }

    #[tracing::instrument(skip_all)]
    async fn list(
        &self,
        ctx: &RequestContext,
        filter: &CitizenFilter,
        page: &PageRequest,
        purpose: Purpose,
    ) -> DomainResult<Page<Citizen>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let mut query =
            citizens::Entity::find().filter(citizens::Column::TenantId.eq(tenant.as_uuid()));
        if let Some(name) = &filter.name {
            let index = self
                .vault
                .blind_index(&tx, tenant, &name.normalised())
                .await?;
            query = query.filter(citizens::Column::NameIndex.eq(index));
        }
        let rows = keyset(query, citizens::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let page = Page::from_probe(self.decrypt_all(&tx, tenant, rows).await?, page);
        append_reads(
            &tx,
            ctx,
            KIND,
            page.items.iter().map(|x| x.id.as_uuid()),
            purpose,
        )
        .await?;
        tx.commit().await?;
        Ok(page)
    }

    #[tracing::instrument(skip_all, fields(citizen = %id))]
    async fn update(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        change: CitizenChange,
        purpose: Purpose,
    ) -> DomainResult<Citizen> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = find_row(&tx, tenant, id, true).await?;
        let keys = self.vault.subject_keys(&tx, tenant, &[row.id]).await?;
        let key = keys.get(&row.id).cloned();
        let mut citizen = self.decrypt(tenant, row.clone(), key.as_ref())?;
        change(&mut citizen)?;
        let key =
            key.ok_or_else(|| DomainError::Conflict(peerbro_domain::Conflict::CitizenErased))?;
        let mut model = row.into_active_model();
        self.seal_into(&tx, tenant, &key, &citizen, &mut model)
            .await?;
        model.update(&tx).await.map_err(unexpected)?;
        append(
            &tx,
            ctx,
            &[event(AuditAction::Update, id.as_uuid(), purpose)],
        )
        .await?;
        tx.commit().await?;
        Ok(citizen)
    }

    #[tracing::instrument(skip_all, fields(citizen = %id))]
    async fn erase(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        purpose: Purpose,
    ) -> DomainResult<Citizen> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = find_row(&tx, tenant, id, true).await?;
        if row.erased_at.is_some() {
            return Err(DomainError::Conflict(
                peerbro_domain::Conflict::AlreadyErased,
            ));
        }
        self.vault.destroy_subject_key(&tx, tenant, row.id).await?;
        let now = chrono::Utc::now();
        let mut model = row.clone().into_active_model();
        model.erased_at = Set(Some(now));
        model.update(&tx).await.map_err(unexpected)?;
        append(
            &tx,
            ctx,
            &[event(AuditAction::Erase, id.as_uuid(), purpose)],
        )
        .await?;
        tx.commit().await?;
        let mut erased = self.decrypt(tenant, row, None)?;
        erased.erased_at = Some(now);
        Ok(erased)
    }

    async fn consent_history(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
    ) -> DomainResult<Vec<ConsentRecord>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        find_row(&tx, tenant, id, false).await?;
        let rows = consents::Entity::find()
            .filter(consents::Column::TenantId.eq(tenant.as_uuid()))
            .filter(consents::Column::CitizenId.eq(id.as_uuid()))
            .order_by_asc(consents::Column::At)
            .order_by_asc(consents::Column::Id)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter().map(consent_from).collect()
    }

    async fn consent_histories(
        &self,
        ctx: &RequestContext,
        ids: &[CitizenId],
    ) -> DomainResult<HashMap<CitizenId, Vec<ConsentRecord>>> {
        let tenant = ctx.tenant_id()?;
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let tx = self.db.begin(tenant).await?;
        let rows = consents::Entity::find()
            .filter(consents::Column::TenantId.eq(tenant.as_uuid()))
            .filter(consents::Column::CitizenId.is_in(ids.iter().map(CitizenId::as_uuid)))
            .order_by_asc(consents::Column::At)
            .order_by_asc(consents::Column::Id)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let existing = citizens::Entity::find()
            .filter(citizens::Column::TenantId.eq(tenant.as_uuid()))
            .filter(citizens::Column::Id.is_in(ids.iter().map(CitizenId::as_uuid)))
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        let mut out: HashMap<CitizenId, Vec<ConsentRecord>> = existing
            .into_iter()
            .map(|c| (CitizenId::from_uuid(c.id), Vec::new()))
            .collect();
        for row in rows {
            let id = CitizenId::from_uuid(row.citizen_id);
            out.entry(id).or_default().push(consent_from(row)?);
        }
        Ok(out)
    }

    #[tracing::instrument(skip_all, fields(citizen = %id))]
    async fn record_consent(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        record: &ConsentRecord,
        purpose: Purpose,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        find_row(&tx, tenant, id, false).await?;
        consent_model(tenant, id, record)
            .insert(&tx)
            .await
            .map_err(unexpected)?;
        append(
            &tx,
            ctx,
            &[event(AuditAction::Consent, id.as_uuid(), purpose)],
        )
        .await?;
        tx.commit().await
    }
}
