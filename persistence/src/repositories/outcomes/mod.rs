//! [`ResponseRepository`] on sea-orm: answered questionnaires with the answers sealed under
//! the citizen's key (erasure leaves them unreadable), the supports they measure, and the
//! tenant's outcome settings.

mod peer_responses;
mod supports;

pub use peer_responses::SeaPeerResponseRepository;

use std::collections::HashMap;

use async_trait::async_trait;
use peerbro_domain::ids::{CitizenId, InstrumentId, OfferId, ResponseId, UserId};
use peerbro_domain::outcomes::{
    MeasuredSupport, OutcomeSettings, QuestionnaireResponse, ResponseFilter, ResponseRepository,
    SupportFilter, SupportRef,
};
use peerbro_domain::{Conflict, DomainError, DomainResult, Duplicate, RequestContext};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, EntityTrait as _, QueryFilter as _,
    QueryOrder as _,
};
use uuid::Uuid;

use crate::audit::append_reads;
use crate::citizens::KIND;
use crate::db::Database;
use crate::entities::outcomes as responses;
use crate::entities::privacy::citizens;
use crate::errors::{map_db, unexpected};
use crate::repositories::rows::by_id;
use crate::settings;
use crate::vault::{Vault, field_aad};
use supports::{COURSE, MATCH, Scope, corrupt, load};

/// [`ResponseRepository`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaResponseRepository {
    db: Database,
    vault: Vault,
}

impl SeaResponseRepository {
    /// Over `db`, sealing with `vault`.
    #[must_use]
    pub const fn new(db: Database, vault: Vault) -> Self {
        Self { db, vault }
    }
}

const TABLE: &str = "questionnaire_responses";

fn aad(tenant: peerbro_domain::ids::TenantId, id: Uuid) -> Vec<u8> {
    field_aad(tenant, TABLE, "answers_sealed", id)
}

fn response_from(m: responses::Model, answers: Vec<u8>) -> DomainResult<QuestionnaireResponse> {
    let support = match m.support_kind.as_str() {
        MATCH => SupportRef::Match(m.support_id.into()),
        COURSE => SupportRef::Course(m.support_id.into()),
        _ => return Err(corrupt("support kind")),
    };
    Ok(QuestionnaireResponse {
        id: ResponseId::from_uuid(m.id),
        citizen_id: CitizenId::from_uuid(m.citizen_id),
        support,
        offer_id: m.offer_id.map(OfferId::from_uuid),
        offer_type: m.offer_type.parse().map_err(|_| corrupt("offer type"))?,
        point: m.point.parse().map_err(|_| corrupt("point"))?,
        mode: m.mode.parse().map_err(|_| corrupt("mode"))?,
        instrument_id: InstrumentId::from_uuid(m.instrument_id),
        answers,
        answered_at: m.answered_at,
        entered_by: m.entered_by.map(UserId::from_uuid),
    })
}

#[async_trait]
impl ResponseRepository for SeaResponseRepository {
    async fn settings(&self, ctx: &RequestContext) -> DomainResult<OutcomeSettings> {
        let row = settings::read(&self.db, ctx.tenant_id()?).await?;
        let defaults = OutcomeSettings::default();
        let Some(row) = row else {
            return Ok(defaults);
        };
        Ok(OutcomeSettings {
            follow_up_days: row
                .follow_up_days
                .and_then(|d| u32::try_from(d).ok())
                .unwrap_or(defaults.follow_up_days),
            disclosure_threshold: row
                .disclosure_threshold
                .and_then(|d| u32::try_from(d).ok())
                .unwrap_or(defaults.disclosure_threshold),
            citizen_instrument_key: row
                .citizen_instrument_key
                .unwrap_or(defaults.citizen_instrument_key),
            national_reporting: row.national_reporting,
            peer_round_days: row
                .peer_round_days
                .and_then(|d| u32::try_from(d).ok())
                .unwrap_or(defaults.peer_round_days),
            peer_instrument_key: row
                .peer_instrument_key
                .unwrap_or(defaults.peer_instrument_key),
        })
    }

    async fn save_settings(&self, ctx: &RequestContext, s: &OutcomeSettings) -> DomainResult<()> {
        let int = |v: u32| i32::try_from(v).map_err(|_| corrupt("setting"));
        settings::write_outcomes(&self.db, ctx.tenant_id()?, s, int).await
    }

    async fn supports(
        &self,
        ctx: &RequestContext,
        filter: &SupportFilter,
    ) -> DomainResult<Vec<MeasuredSupport>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let found = load(&tx, tenant, &Scope::Filter(filter)).await?;
        tx.commit().await?;
        Ok(found)
    }

    async fn support(
        &self,
        ctx: &RequestContext,
        support: SupportRef,
    ) -> DomainResult<MeasuredSupport> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let found = load(&tx, tenant, &Scope::One(support)).await?;
        tx.commit().await?;
        found.into_iter().next().ok_or(DomainError::NotFound {
            resource: "support",
        })
    }

    async fn record(
        &self,
        ctx: &RequestContext,
        response: &QuestionnaireResponse,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let text = serde_json::to_string(&response.answers).map_err(|_| corrupt("answers"))?;
        let sealed = self
            .vault
            .seal_for_subject(
                &tx,
                tenant,
                response.citizen_id.as_uuid(),
                &aad(tenant, response.id.as_uuid()),
                &text,
            )
            .await?
            .ok_or(DomainError::Conflict(Conflict::CitizenErased))?;
        let (kind, support_id) = match response.support {
            SupportRef::Match(id) => (MATCH, id.as_uuid()),
            SupportRef::Course(id) => (COURSE, id.as_uuid()),
        };
        responses::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            id: Set(response.id.as_uuid()),
            citizen_id: Set(response.citizen_id.as_uuid()),
            support_kind: Set(kind.to_owned()),
            support_id: Set(support_id),
            offer_id: Set(response.offer_id.map(|o| o.as_uuid())),
            offer_type: Set(response.offer_type.as_str().to_owned()),
            point: Set(response.point.as_str().to_owned()),
            mode: Set(response.mode.as_str().to_owned()),
            instrument_id: Set(response.instrument_id.as_uuid()),
            answers_sealed: Set(Some(sealed)),
            answered_at: Set(response.answered_at),
            entered_by: Set(response.entered_by.map(|u| u.as_uuid())),
        }
        .insert(&tx)
        .await
        .map_err(|e| map_db(e, Duplicate::Response))?;
        tx.commit().await
    }

    async fn responses(
        &self,
        ctx: &RequestContext,
        filter: &ResponseFilter,
    ) -> DomainResult<Vec<QuestionnaireResponse>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let mut query =
            responses::Entity::find().filter(responses::Column::TenantId.eq(tenant.as_uuid()));
        if let Some((citizen, _)) = filter.citizen {
            // Another tenant's (or no) citizen: NOT_FOUND, as for any read of a citizen.
            by_id::<citizens::Entity>(&tx, tenant, citizen.as_uuid(), false, "citizen").await?;
            query = query.filter(responses::Column::CitizenId.eq(citizen.as_uuid()));
        }
        if !filter.citizens.is_empty() {
            query = query.filter(
                responses::Column::CitizenId.is_in(filter.citizens.iter().map(|c| c.as_uuid())),
            );
        }
        if !filter.instruments.is_empty() {
            query = query.filter(
                responses::Column::InstrumentId
                    .is_in(filter.instruments.iter().map(|i| i.as_uuid())),
            );
        }
        if let Some(offer) = filter.offer {
            query = query.filter(responses::Column::OfferId.eq(offer.as_uuid()));
        }
        if let Some(kind) = filter.offer_type {
            query = query.filter(responses::Column::OfferType.eq(kind.as_str()));
        }
        let rows = query
            .order_by_asc(responses::Column::Id)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let mut subjects: Vec<Uuid> = rows.iter().map(|r| r.citizen_id).collect();
        subjects.sort_unstable();
        subjects.dedup();
        let keys: HashMap<Uuid, _> = self.vault.subject_keys(&tx, tenant, &subjects).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            // An erased citizen's answers no longer open: they are left out.
            let (Some(key), Some(sealed)) = (keys.get(&row.citizen_id), &row.answers_sealed) else {
                continue;
            };
            let text = self.vault.open(key, &aad(tenant, row.id), sealed)?;
            let answers: Vec<u8> = serde_json::from_str(&text).map_err(|_| corrupt("answers"))?;
            out.push(response_from(row, answers)?);
        }
        if let Some((citizen, purpose)) = filter.citizen {
            append_reads(&tx, ctx, KIND, [citizen.as_uuid()], purpose).await?;
        }
        tx.commit().await?;
        Ok(out)
    }
}
