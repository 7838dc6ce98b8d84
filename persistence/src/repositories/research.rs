//! [`StudyRepository`] on sea-orm: studies, their researchers and consents; a study's
//! pseudonym key is a subject key (the study is its subject), so destroying it unlinks every
//! export ever made.

use async_trait::async_trait;
use peerbro_domain::ids::{CitizenId, StudyId, UserId};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::privacy::Purpose;
use peerbro_domain::research::{
    Participant, Study, StudyConsent, StudyDraft, StudyRepository, StudyScope, pseudonym,
};
use peerbro_domain::{DomainError, DomainResult, Duplicate, RequestContext};
use sea_orm::Condition;
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, EntityTrait as _, QueryFilter as _,
    QueryOrder as _, QuerySelect as _,
};
use uuid::Uuid;

use super::page::{keyset, total_of};
use crate::audit::append_reads;
use crate::citizens::KIND;
use crate::db::Database;
use crate::entities::memberships;
use crate::entities::privacy::citizens;
use crate::entities::research::{studies, study_consents, study_researchers};
use crate::errors::{map_db, unexpected};
use crate::repositories::rows::by_id;
use crate::vault::Vault;

fn consent_from(r: &study_consents::Model) -> DomainResult<StudyConsent> {
    Ok(StudyConsent {
        citizen_id: CitizenId::from_uuid(r.citizen_id),
        given: r.given,
        information_sheet_version: u32::try_from(r.information_sheet_version)
            .map_err(|_| corrupt("consent version"))?,
        at: r.at,
        recorded_by: r.recorded_by.map(UserId::from_uuid),
    })
}

/// [`StudyRepository`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaStudyRepository {
    db: Database,
    vault: Vault,
}

impl SeaStudyRepository {
    /// Over `db`, keying pseudonyms through `vault`.
    #[must_use]
    pub const fn new(db: Database, vault: Vault) -> Self {
        Self { db, vault }
    }
}

fn corrupt(what: &'static str) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!("a stored study's {what} does not read"))
}

fn study_from(m: studies::Model) -> DomainResult<Study> {
    Ok(Study {
        id: StudyId::from_uuid(m.id),
        study: StudyDraft {
            title: m.title,
            starts_on: m.starts_on,
            ends_on: m.ends_on,
            protocol_reference: m.protocol_reference,
            ethics_reference: m.ethics_reference,
            data_controller: m.data_controller,
            information_sheet_version: u32::try_from(m.information_sheet_version)
                .map_err(|_| corrupt("information sheet version"))?,
        },
        created_at: m.created_at,
    })
}

#[async_trait]
impl StudyRepository for SeaStudyRepository {
    async fn create(&self, ctx: &RequestContext, study: &Study) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let s = &study.study;
        studies::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            id: Set(study.id.as_uuid()),
            title: Set(s.title.clone()),
            starts_on: Set(s.starts_on),
            ends_on: Set(s.ends_on),
            protocol_reference: Set(s.protocol_reference.clone()),
            ethics_reference: Set(s.ethics_reference.clone()),
            data_controller: Set(s.data_controller.clone()),
            information_sheet_version: Set(i32::try_from(s.information_sheet_version)
                .map_err(|_| corrupt("information sheet version"))?),
            created_at: Set(study.created_at),
        }
        .insert(&tx)
        .await
        .map_err(unexpected)?;
        self.vault
            .create_subject_key(&tx, tenant, study.id.as_uuid())
            .await?;
        tx.commit().await
    }

    async fn get(&self, ctx: &RequestContext, id: StudyId) -> DomainResult<Study> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = by_id::<studies::Entity>(&tx, tenant, id.as_uuid(), false, "study").await?;
        tx.commit().await?;
        study_from(row)
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        scope: StudyScope,
        page: &PageRequest,
    ) -> DomainResult<Page<Study>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let mut query =
            studies::Entity::find().filter(studies::Column::TenantId.eq(tenant.as_uuid()));
        match scope {
            StudyScope::All => {}
            StudyScope::Researcher(user) => {
                let theirs = Query::select()
                    .column(study_researchers::Column::StudyId)
                    .from(study_researchers::Entity)
                    .and_where(study_researchers::Column::TenantId.eq(tenant.as_uuid()))
                    .and_where(study_researchers::Column::UserId.eq(user.as_uuid()))
                    .to_owned();
                query = query.filter(studies::Column::Id.in_subquery(theirs));
            }
            StudyScope::Citizen { citizen, today } => {
                let joined = Query::select()
                    .column(study_consents::Column::StudyId)
                    .from(study_consents::Entity)
                    .and_where(study_consents::Column::TenantId.eq(tenant.as_uuid()))
                    .and_where(study_consents::Column::CitizenId.eq(citizen.as_uuid()))
                    .to_owned();
                query = query.filter(
                    Condition::any()
                        .add(
                            Condition::all()
                                .add(studies::Column::StartsOn.lte(today))
                                .add(studies::Column::EndsOn.gte(today)),
                        )
                        .add(studies::Column::Id.in_subquery(joined)),
                );
            }
        }
        let total = total_of(&tx, &query, page).await?;
        let rows = keyset(query, studies::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        Page::from_probe(rows, page)
            .with_total(total)
            .try_map(study_from)
    }

    async fn add_researcher(
        &self,
        ctx: &RequestContext,
        study: StudyId,
        user: UserId,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        by_id::<studies::Entity>(&tx, tenant, study.as_uuid(), false, "study").await?;
        let roles: Vec<String> = memberships::Entity::find()
            .select_only()
            .column(memberships::Column::Role)
            .filter(memberships::Column::TenantId.eq(tenant.as_uuid()))
            .filter(memberships::Column::UserId.eq(user.as_uuid()))
            .into_tuple()
            .all(&tx)
            .await
            .map_err(unexpected)?;
        if roles.is_empty() {
            return Err(DomainError::NotFound { resource: "user" });
        }
        if !roles.iter().any(|r| r == "RESEARCHER") {
            return Err(DomainError::validation(
                "userId",
                "must hold the RESEARCHER role in the tenant",
            ));
        }
        study_researchers::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            study_id: Set(study.as_uuid()),
            user_id: Set(user.as_uuid()),
        }
        .insert(&tx)
        .await
        .map_err(|e| map_db(e, Duplicate::StudyResearcher))?;
        tx.commit().await
    }

    async fn is_researcher(
        &self,
        ctx: &RequestContext,
        study: StudyId,
        user: UserId,
    ) -> DomainResult<bool> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let found = study_researchers::Entity::find()
            .filter(study_researchers::Column::TenantId.eq(tenant.as_uuid()))
            .filter(study_researchers::Column::StudyId.eq(study.as_uuid()))
            .filter(study_researchers::Column::UserId.eq(user.as_uuid()))
            .one(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        Ok(found.is_some())
    }

    async fn record_consent(
        &self,
        ctx: &RequestContext,
        study: StudyId,
        consent: &StudyConsent,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        by_id::<studies::Entity>(&tx, tenant, study.as_uuid(), false, "study").await?;
        let citizen =
            by_id::<citizens::Entity>(&tx, tenant, consent.citizen_id.as_uuid(), false, "citizen")
                .await?;
        if citizen.erased_at.is_some() {
            return Err(DomainError::NotFound {
                resource: "citizen",
            });
        }
        study_consents::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            id: Set(Uuid::now_v7()),
            study_id: Set(study.as_uuid()),
            citizen_id: Set(consent.citizen_id.as_uuid()),
            given: Set(consent.given),
            information_sheet_version: Set(i32::try_from(consent.information_sheet_version)
                .map_err(|_| corrupt("information sheet version"))?),
            at: Set(consent.at),
            recorded_by: Set(consent.recorded_by.map(|u| u.as_uuid())),
        }
        .insert(&tx)
        .await
        .map_err(unexpected)?;
        tx.commit().await
    }

    async fn consents(
        &self,
        ctx: &RequestContext,
        study: StudyId,
    ) -> DomainResult<Vec<StudyConsent>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let rows = study_consents::Entity::find()
            .filter(study_consents::Column::TenantId.eq(tenant.as_uuid()))
            .filter(study_consents::Column::StudyId.eq(study.as_uuid()))
            .order_by_asc(study_consents::Column::Id)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.iter().map(consent_from).collect()
    }

    async fn consents_of(
        &self,
        ctx: &RequestContext,
        citizen: CitizenId,
        studies: &[StudyId],
    ) -> DomainResult<Vec<(StudyId, StudyConsent)>> {
        if studies.is_empty() {
            return Ok(Vec::new());
        }
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let rows = study_consents::Entity::find()
            .filter(study_consents::Column::TenantId.eq(tenant.as_uuid()))
            .filter(study_consents::Column::CitizenId.eq(citizen.as_uuid()))
            .filter(study_consents::Column::StudyId.is_in(studies.iter().map(|s| s.as_uuid())))
            .order_by_asc(study_consents::Column::Id)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter()
            .map(|r| Ok((StudyId::from_uuid(r.study_id), consent_from(&r)?)))
            .collect()
    }

    async fn participants(
        &self,
        ctx: &RequestContext,
        study: StudyId,
        citizens_in: &[CitizenId],
    ) -> DomainResult<Vec<Participant>> {
        if citizens_in.is_empty() {
            return Ok(Vec::new());
        }
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let keys = self
            .vault
            .subject_keys(&tx, tenant, &[study.as_uuid()])
            .await?;
        let key = keys
            .get(&study.as_uuid())
            .ok_or_else(|| corrupt("pseudonym key"))?;
        let rows: Vec<(Uuid, Option<i32>, String)> = citizens::Entity::find()
            .select_only()
            .column(citizens::Column::Id)
            .column(citizens::Column::BirthYear)
            .column(citizens::Column::Municipality)
            .filter(citizens::Column::TenantId.eq(tenant.as_uuid()))
            .filter(citizens::Column::Id.is_in(citizens_in.iter().map(|c| c.as_uuid())))
            .filter(citizens::Column::ErasedAt.is_null())
            .into_tuple()
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let found: Vec<Participant> = rows
            .into_iter()
            .map(|(id, birth_year, municipality)| Participant {
                citizen_id: CitizenId::from_uuid(id),
                pseudonym: pseudonym(self.vault.cipher(), key, CitizenId::from_uuid(id)),
                birth_year,
                municipality,
            })
            .collect();
        append_reads(
            &tx,
            ctx,
            KIND,
            found.iter().map(|p| p.citizen_id.as_uuid()),
            Purpose::Research,
        )
        .await?;
        tx.commit().await?;
        Ok(found)
    }
}
