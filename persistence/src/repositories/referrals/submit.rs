//! Submission: the citizen (when new), the consents, the referral with its reason sealed with
//! the citizen's key and its outcome event, in one transaction; a retry under the same
//! idempotency key and body answers with the first referral.

use peerbro_domain::ids::{ReferralId, TenantId};
use peerbro_domain::offers::check_referable;
use peerbro_domain::privacy::Purpose;
use peerbro_domain::referral::{Submission, Submitted};
use peerbro_domain::{Conflict, DomainError, DomainResult, RequestContext};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, EntityTrait as _,
    PaginatorTrait as _, QueryFilter as _,
};

use super::SeaReferralRepository;
use super::rows::reason_aad;
use crate::audit::append;
use crate::citizens::{insert_citizen, insert_consents};
use crate::entities::offers::offers;
use crate::entities::privacy::citizens;
use crate::entities::referral::referrals;
use crate::errors::{map_db, unexpected};
use crate::repositories::rows::by_id;

/// What a request's fingerprint is keyed for (ADR 0008): an HMAC under a key derived from the
/// tenant key, so that a dump cannot confirm a guessed name, contact or reason.
const FINGERPRINT: &[u8] = b"peerbro/idempotency-fingerprint/v1";

impl SeaReferralRepository {
    #[tracing::instrument(skip_all, fields(referral = %submission.referral.id))]
    pub(super) async fn submit_once(
        &self,
        ctx: &RequestContext,
        submission: Submission,
    ) -> DomainResult<Submitted> {
        let tenant = ctx.tenant_id()?;
        let Some(idempotency) = &submission.idempotency else {
            self.insert_submission(ctx, &submission, None).await?;
            return Ok(Submitted::Created(submission.referral.id));
        };
        let key = idempotency.key.as_str();
        let (done, fingerprint) = self.replay(tenant, key, &idempotency.fingerprint).await?;
        if let Some(done) = done {
            return Ok(done);
        }
        match self
            .insert_submission(ctx, &submission, Some(&fingerprint))
            .await
        {
            Ok(()) => Ok(Submitted::Created(submission.referral.id)),
            // A concurrent retry with the same key won the insert: answer as a replay.
            Err(DomainError::Conflict(Conflict::IdempotencyKeyReused)) => self
                .replay(tenant, key, &idempotency.fingerprint)
                .await?
                .0
                .ok_or(DomainError::Conflict(Conflict::IdempotencyKeyReused)),
            Err(other) => Err(other),
        }
    }

    /// The referral already stored under `key`, if any: replayed when the body matches; and
    /// the keyed fingerprint of this request's body.
    async fn replay(
        &self,
        tenant: TenantId,
        key: &str,
        body: &str,
    ) -> DomainResult<(Option<Submitted>, String)> {
        let tx = self.db.begin(tenant).await?;
        let fingerprint = hex::encode(
            self.vault
                .keyed_digest(&tx, tenant, FINGERPRINT, body)
                .await?,
        );
        let found = referrals::Entity::find()
            .filter(referrals::Column::TenantId.eq(tenant.as_uuid()))
            .filter(referrals::Column::IdempotencyKey.eq(key))
            .one(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        let done = match found {
            None => None,
            Some(row) if row.fingerprint.as_deref() == Some(fingerprint.as_str()) => {
                Some(Submitted::Replayed(ReferralId::from_uuid(row.id)))
            }
            Some(_) => return Err(DomainError::Conflict(Conflict::IdempotencyKeyReused)),
        };
        Ok((done, fingerprint))
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
                insert_citizen(
                    &self.vault,
                    &tx,
                    ctx,
                    citizen,
                    &submission.consents,
                    purpose,
                )
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
                insert_consents(
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
            check_referable(
                by_id::<offers::Entity>(&tx, tenant, offer.as_uuid(), false, "offer")
                    .await?
                    .open,
            )?;
        }
        let reason_sealed = match &referral.reason {
            Some(reason) => Some(
                self.vault
                    .seal_for_subject(
                        &tx,
                        tenant,
                        referral.citizen_id.as_uuid(),
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
            feedback_sealed: Set(None),
            case_reference: Set(referral.case_reference.clone()),
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
