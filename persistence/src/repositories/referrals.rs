//! Referrals: submitted atomically with the citizen, consents and audit entries; the reason
//! sealed with the citizen's key; moves applied under a row lock.

use async_trait::async_trait;
use peerbro_domain::ids::{
    CitizenId, OfferId, OrganisationId, PeerId, ReferralId, TenantId, UserId,
};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::people::PeerStatus;
use peerbro_domain::privacy::{Personal, Purpose, SubjectKind};
use peerbro_domain::referral::{
    AssignTarget, DEFAULT_CONTACT_LIMIT_DAYS, MoveDetails, PeerCapacity, Referral, ReferralAction,
    ReferralChange, ReferralFilter, ReferralRepository, ReferralState, ReferralTransition,
    Submission, Submitted, frees_course_place,
};
use peerbro_domain::{Conflict, DomainError, DomainResult, RequestContext};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, EntityTrait as _,
    IntoActiveModel as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _,
};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use super::keyset;
use super::people::SeaCitizenRepository;
use super::rows::by_id;
use crate::audit::{append, append_reads};
use crate::db::{Database, Tx};
use crate::entities::privacy::citizens;
use crate::entities::referral::{referral_transitions, referrals};
use crate::errors::{map_db, unexpected};
use crate::vault::field_aad;

/// [`ReferralRepository`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaReferralRepository {
    db: Database,
    citizens: SeaCitizenRepository,
}

fn corrupt(what: &str) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!("stored referral {what} does not parse"))
}

fn reason_aad(tenant: TenantId, id: Uuid) -> Vec<u8> {
    field_aad(tenant, "referrals", "reason", id)
}

fn fingerprint_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn parse_opt<T: std::str::FromStr>(value: Option<&str>, what: &str) -> DomainResult<Option<T>> {
    value
        .map(|v| v.parse().map_err(|_| corrupt(what)))
        .transpose()
}

/// Every open (not finished) state: a peer's capacity is taken by referrals in these.
const OPEN_FOR_PEER: [ReferralState; 3] = [
    ReferralState::Assigned,
    ReferralState::InContact,
    ReferralState::Active,
];

impl SeaReferralRepository {
    /// Over `db`, with the citizen adapter for registration and sealing.
    #[must_use]
    pub const fn new(db: Database, citizens: SeaCitizenRepository) -> Self {
        Self { db, citizens }
    }

    async fn load(
        &self,
        tx: &Tx,
        tenant: TenantId,
        rows: Vec<referrals::Model>,
    ) -> DomainResult<Vec<Referral>> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut moves: std::collections::HashMap<Uuid, Vec<ReferralTransition>> =
            std::collections::HashMap::new();
        if !ids.is_empty() {
            for t in referral_transitions::Entity::find()
                .filter(referral_transitions::Column::TenantId.eq(tenant.as_uuid()))
                .filter(referral_transitions::Column::ReferralId.is_in(ids))
                .order_by_asc(referral_transitions::Column::Id)
                .all(tx)
                .await
                .map_err(unexpected)?
            {
                let referral = t.referral_id;
                moves.entry(referral).or_default().push(ReferralTransition {
                    from: t.from_state.parse().map_err(|_| corrupt("state"))?,
                    to: t.to_state.parse().map_err(|_| corrupt("state"))?,
                    action: t.action.parse().map_err(|_| corrupt("action"))?,
                    at: t.at,
                    actor: t.actor_id.map(UserId::from_uuid),
                    details: MoveDetails {
                        outcome: parse_opt(t.outcome.as_deref(), "outcome")?,
                        decline_reason: parse_opt(t.decline_reason.as_deref(), "decline reason")?,
                        feedback: t.feedback,
                    },
                });
            }
        }
        rows.into_iter()
            .map(|r| {
                Ok(Referral {
                    id: ReferralId::from_uuid(r.id),
                    citizen_id: CitizenId::from_uuid(r.citizen_id),
                    referrer_id: UserId::from_uuid(r.referrer_id),
                    referrer_organisation_id: OrganisationId::from_uuid(r.referrer_organisation_id),
                    state: r.state.parse().map_err(|_| corrupt("state"))?,
                    reason: None,
                    submitted_at: r.submitted_at,
                    first_contact_at: r.first_contact_at,
                    assigned_at: r.assigned_at,
                    assigned_peer_id: r.assigned_peer_id.map(PeerId::from_uuid),
                    requested_offer_id: r.requested_offer_id.map(OfferId::from_uuid),
                    assigned_offer_id: r.assigned_offer_id.map(OfferId::from_uuid),
                    outcome: parse_opt(r.outcome.as_deref(), "outcome")?,
                    decline_reason: parse_opt(r.decline_reason.as_deref(), "decline reason")?,
                    feedback: r.feedback,
                    transitions: moves.remove(&r.id).unwrap_or_default(),
                })
            })
            .collect()
    }

    async fn find_row(
        &self,
        tx: &Tx,
        tenant: TenantId,
        id: ReferralId,
        lock: bool,
    ) -> DomainResult<referrals::Model> {
        by_id::<referrals::Entity>(tx, tenant, id.as_uuid(), lock, "referral").await
    }

    /// The referral already stored under `key`, if any: replayed when the body matches.
    async fn replay(
        &self,
        tenant: TenantId,
        key: &str,
        fingerprint: &str,
    ) -> DomainResult<Option<Submitted>> {
        let tx = self.db.begin(tenant).await?;
        let found = referrals::Entity::find()
            .filter(referrals::Column::TenantId.eq(tenant.as_uuid()))
            .filter(referrals::Column::IdempotencyKey.eq(key))
            .one(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        match found {
            None => Ok(None),
            Some(row) if row.fingerprint.as_deref() == Some(fingerprint) => {
                Ok(Some(Submitted::Replayed(ReferralId::from_uuid(row.id))))
            }
            Some(_) => Err(DomainError::Conflict(Conflict::IdempotencyKeyReused)),
        }
    }

    async fn insert_submission(
        &self,
        ctx: &RequestContext,
        submission: &Submission,
        fingerprint: Option<&str>,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let referral = &submission.referral;
        let purpose = Purpose::ReferralHandling;
        match &submission.new_citizen {
            Some(citizen) => {
                self.citizens
                    .insert_in(&tx, ctx, citizen, &submission.consents, purpose)
                    .await?;
            }
            None => {
                let known = citizens::Entity::find()
                    .filter(citizens::Column::TenantId.eq(tenant.as_uuid()))
                    .filter(citizens::Column::Id.eq(referral.citizen_id.as_uuid()))
                    .count(&tx)
                    .await
                    .map_err(unexpected)?;
                if known == 0 {
                    return Err(DomainError::NotFound {
                        resource: "citizen",
                    });
                }
                let mut events = Vec::new();
                self.citizens
                    .consents_in(
                        &tx,
                        ctx,
                        referral.citizen_id,
                        &submission.consents,
                        purpose,
                        &mut events,
                    )
                    .await?;
                append(&tx, ctx, &events).await?;
            }
        }
        if let Some(offer) = referral.requested_offer_id {
            super::offers::require_open_offer(&tx, tenant, offer).await?;
        }
        let reason_sealed = match &referral.reason {
            Some(reason) => Some(
                self.citizens
                    .seal_for(
                        &tx,
                        tenant,
                        referral.citizen_id,
                        &reason_aad(tenant, referral.id.as_uuid()),
                        reason.expose(),
                    )
                    .await?
                    .ok_or_else(|| {
                        DomainError::Conflict(peerbro_domain::Conflict::CitizenErased)
                    })?,
            ),
            None => None,
        };
        referrals::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            id: Set(referral.id.as_uuid()),
            citizen_id: Set(referral.citizen_id.as_uuid()),
            referrer_id: Set(referral.referrer_id.as_uuid()),
            referrer_organisation_id: Set(referral.referrer_organisation_id.as_uuid()),
            state: Set(referral.state.as_str().to_owned()),
            reason_sealed: Set(reason_sealed),
            idempotency_key: Set(submission.idempotency.as_ref().map(|i| i.key.clone())),
            fingerprint: Set(fingerprint.map(str::to_owned)),
            submitted_at: Set(referral.submitted_at),
            first_contact_at: Set(None),
            assigned_at: Set(None),
            assigned_peer_id: Set(None),
            outcome: Set(None),
            decline_reason: Set(None),
            feedback: Set(None),
            updated_at: Set(referral.submitted_at),
            requested_offer_id: Set(referral.requested_offer_id.map(|o| o.as_uuid())),
            assigned_offer_id: Set(None),
        }
        .insert(&tx)
        .await
        .map_err(|e| map_db(e, Conflict::IdempotencyKeyReused))?;
        crate::outbox::referral_submitted(&tx, tenant, referral).await?;
        tx.commit().await
    }
}

#[async_trait]
impl ReferralRepository for SeaReferralRepository {
    #[tracing::instrument(skip_all, fields(referral = %submission.referral.id))]
    async fn submit(
        &self,
        ctx: &RequestContext,
        submission: Submission,
    ) -> DomainResult<Submitted> {
        let tenant = ctx.tenant_id()?;
        let key = submission
            .idempotency
            .as_ref()
            .map(|i| (i.key.clone(), fingerprint_hash(&i.fingerprint)));
        if let Some((key, fingerprint)) = &key
            && let Some(done) = self.replay(tenant, key, fingerprint).await?
        {
            return Ok(done);
        }
        match self
            .insert_submission(ctx, &submission, key.as_ref().map(|(_, f)| f.as_str()))
            .await
        {
            Ok(()) => Ok(Submitted::Created(submission.referral.id)),
            // A concurrent retry with the same key won the insert: answer as a replay.
            Err(DomainError::Conflict(Conflict::IdempotencyKeyReused)) => match &key {
                Some((key, fingerprint)) => self
                    .replay(tenant, key, fingerprint)
                    .await?
                    .ok_or(DomainError::Conflict(Conflict::IdempotencyKeyReused)),
                None => Err(DomainError::Conflict(Conflict::IdempotencyKeyReused)),
            },
            Err(other) => Err(other),
        }
    }

    async fn referred_by(
        &self,
        ctx: &RequestContext,
        citizen: CitizenId,
        organisation: OrganisationId,
    ) -> DomainResult<bool> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let found = referrals::Entity::find()
            .filter(referrals::Column::TenantId.eq(tenant.as_uuid()))
            .filter(referrals::Column::CitizenId.eq(citizen.as_uuid()))
            .filter(referrals::Column::ReferrerOrganisationId.eq(organisation.as_uuid()))
            .count(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        Ok(found > 0)
    }

    async fn get(
        &self,
        ctx: &RequestContext,
        id: ReferralId,
        reason_purpose: Option<Purpose>,
    ) -> DomainResult<Referral> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = self.find_row(&tx, tenant, id, false).await?;
        let sealed = row.reason_sealed.clone();
        let mut referral =
            self.load(&tx, tenant, vec![row])
                .await?
                .pop()
                .ok_or(DomainError::NotFound {
                    resource: "referral",
                })?;
        if let (Some(purpose), Some(sealed)) = (reason_purpose, sealed) {
            referral.reason = self
                .citizens
                .open_for(
                    &tx,
                    tenant,
                    referral.citizen_id,
                    &reason_aad(tenant, id.as_uuid()),
                    &sealed,
                )
                .await?
                .map(Personal::from_storage);
            append_reads(
                &tx,
                ctx,
                SubjectKind::Citizen,
                [referral.citizen_id.as_uuid()],
                purpose,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(referral)
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        filter: &ReferralFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<Referral>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let mut query =
            referrals::Entity::find().filter(referrals::Column::TenantId.eq(tenant.as_uuid()));
        if !filter.states.is_empty() {
            query = query
                .filter(referrals::Column::State.is_in(filter.states.iter().map(|s| s.as_str())));
        }
        if let Some(org) = filter.referrer_organisation_id {
            query = query.filter(referrals::Column::ReferrerOrganisationId.eq(org.as_uuid()));
        }
        if let Some(peer) = filter.assigned_peer_id {
            query = query.filter(referrals::Column::AssignedPeerId.eq(peer.as_uuid()));
        }
        let rows = keyset(query, referrals::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let items = self.load(&tx, tenant, rows).await?;
        tx.commit().await?;
        Ok(Page::from_probe(items, page))
    }

    async fn contact_limit_days(&self, ctx: &RequestContext) -> DomainResult<u32> {
        crate::settings::read(&self.db, ctx.tenant_id()?)
            .await?
            .and_then(|r| r.contact_limit_days)
            .map_or(Ok(DEFAULT_CONTACT_LIMIT_DAYS), |d| {
                u32::try_from(d).map_err(|_| corrupt("contact limit"))
            })
    }

    async fn set_contact_limit_days(&self, ctx: &RequestContext, days: u32) -> DomainResult<()> {
        let days = i32::try_from(days).map_err(|_| corrupt("contact limit"))?;
        crate::settings::write(
            &self.db,
            ctx.tenant_id()?,
            crate::settings::Setting::ContactLimitDays,
            days,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(referral = %id))]
    async fn update(
        &self,
        ctx: &RequestContext,
        id: ReferralId,
        action: ReferralAction,
        target: Option<AssignTarget>,
        change: ReferralChange,
    ) -> DomainResult<Referral> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = self.find_row(&tx, tenant, id, true).await?;
        let capacity = match target {
            Some(AssignTarget::Peer(peer)) => {
                // Lock the peer so that two assignments cannot both take their last place.
                let p = super::peers::find_row(&tx, tenant, peer, true).await?;
                let open = referrals::Entity::find()
                    .filter(referrals::Column::TenantId.eq(tenant.as_uuid()))
                    .filter(referrals::Column::AssignedPeerId.eq(peer.as_uuid()))
                    .filter(
                        referrals::Column::State.is_in(OPEN_FOR_PEER.iter().map(|s| s.as_str())),
                    )
                    .count(&tx)
                    .await
                    .map_err(unexpected)?;
                Some(PeerCapacity {
                    peer_id: peer,
                    status: p
                        .status
                        .parse::<PeerStatus>()
                        .map_err(|_| corrupt("peer status"))?,
                    max_matches: u8::try_from(p.max_matches).map_err(|_| corrupt("capacity"))?,
                    open_matches: u32::try_from(open).unwrap_or(u32::MAX),
                })
            }
            Some(AssignTarget::Course(_)) | None => None,
        };
        // Every id of the input resolves in the tenant before anything is written.
        if let Some(AssignTarget::Course(course)) = target {
            super::offers::require_offer(&tx, tenant, course).await?;
        }
        let had_course = row.assigned_offer_id.is_some();
        let mut referral = self
            .load(&tx, tenant, vec![row.clone()])
            .await?
            .pop()
            .ok_or(DomainError::NotFound {
                resource: "referral",
            })?;
        let known = referral.transitions.len();
        change(&mut referral, capacity.as_ref())?;
        let mut model = row.into_active_model();
        model.state = Set(referral.state.as_str().to_owned());
        model.first_contact_at = Set(referral.first_contact_at);
        model.assigned_at = Set(referral.assigned_at);
        model.assigned_peer_id = Set(referral.assigned_peer_id.map(|p| p.as_uuid()));
        model.outcome = Set(referral.outcome.map(|o| o.as_str().to_owned()));
        model.decline_reason = Set(referral.decline_reason.map(|d| d.as_str().to_owned()));
        model.feedback = Set(referral.feedback.clone());
        model.assigned_offer_id = Set(referral.assigned_offer_id.map(|o| o.as_uuid()));
        model.updated_at = Set(referral
            .transitions
            .last()
            .map_or(referral.submitted_at, |t| t.at));
        model.update(&tx).await.map_err(unexpected)?;
        let now = referral
            .transitions
            .last()
            .map_or_else(chrono::Utc::now, |t| t.at);
        if had_course && frees_course_place(action) {
            super::offers::withdraw_for_referral(&tx, tenant, id, now).await?;
        }
        if let Some(AssignTarget::Course(course)) = target {
            super::offers::enrol_in(&tx, tenant, course, referral.citizen_id, Some(id), now)
                .await?;
        }
        for t in referral.transitions.iter().skip(known) {
            referral_transitions::ActiveModel {
                tenant_id: Set(tenant.as_uuid()),
                id: Set(Uuid::now_v7()),
                referral_id: Set(id.as_uuid()),
                from_state: Set(t.from.as_str().to_owned()),
                to_state: Set(t.to.as_str().to_owned()),
                action: Set(t.action.as_str().to_owned()),
                at: Set(t.at),
                actor_id: Set(t.actor.map(|a| a.as_uuid())),
                outcome: Set(t.details.outcome.map(|o| o.as_str().to_owned())),
                decline_reason: Set(t.details.decline_reason.map(|d| d.as_str().to_owned())),
                feedback: Set(t.details.feedback.clone()),
            }
            .insert(&tx)
            .await
            .map_err(unexpected)?;
            crate::outbox::referral_moved(&tx, tenant, &referral, t).await?;
        }
        tx.commit().await?;
        Ok(referral)
    }
}
