//! Self-referral: a citizen with an account refers themself to an open offer from the citizen
//! app, consenting digitally. The organisation that runs the offer receives the referral.

use crate::context::RequestContext;
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{OfferId, ReferralId};
use crate::offers::check_referable;
use crate::people::{ConsentEvidence, ConsentPurpose, ConsentRecord, has_consent};
use crate::privacy::Personal;
use crate::referral::model::ReferralState;
use crate::referral::policy;
use crate::referral::ports::{Idempotency, Submission, Submitted};
use crate::referral::referral::Referral;
use crate::referral::service::ReferralService;
use crate::referral::values::IdempotencyKey;

/// A referral a citizen makes of themself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelfReferral {
    /// The offer asked for (required: the organisation running it receives the referral).
    pub offer_id: OfferId,
    /// In the citizen's own words (encrypted with their key).
    pub reason: Option<Personal>,
    /// The citizen agrees to be contacted (recorded, digitally, when not already in force).
    pub contact: bool,
    /// A client key that makes retries safe.
    pub idempotency_key: Option<IdempotencyKey>,
}

impl SelfReferral {
    fn fingerprint(&self, citizen: crate::ids::CitizenId) -> String {
        format!(
            "self-v1|{citizen}|{}|{}|offer:{}",
            self.reason
                .as_ref()
                .map(Personal::expose)
                .unwrap_or_default(),
            self.contact,
            self.offer_id
        )
    }
}

impl ReferralService {
    /// A citizen refers themself to an open offer. Submitting is their digital consent to the
    /// referral being processed, recorded (with the consent to contact, when asked) unless it
    /// is already in force; the referrer is the citizen, and the offer's organisation receives
    /// it. The referral is then theirs to follow (`myReferrals`) and to withdraw.
    ///
    /// # Errors
    /// `Forbidden` unless the caller has the citizen role; `Conflict` (`NOT_REGISTERED`)
    /// without a citizen record, (`OFFER_CLOSED`) for a closed offer, or for a reused key;
    /// `NotFound` for an offer not in the tenant; `Validation` for a bad key.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn refer_myself(
        &self,
        ctx: &RequestContext,
        new: SelfReferral,
    ) -> DomainResult<(ReferralId, bool)> {
        let user = policy::self_referrer(ctx)?;
        let citizen = self
            .citizens
            .citizen_id_of_user(ctx, user)
            .await?
            .ok_or(DomainError::Conflict(Conflict::NotRegisteredAsCitizen))?;
        let offer = self.referrals.requested_offer(ctx, new.offer_id).await?;
        check_referable(offer.open)?;
        let now = self.clock.now();
        let system = RequestContext::system(ctx.tenant_id()?);
        let history = self.citizens.consent_history(&system, citizen).await?;
        let mut consents = Vec::new();
        for (wanted, purpose) in [
            (true, ConsentPurpose::ReferralProcessing),
            (new.contact, ConsentPurpose::Contact),
        ] {
            if wanted && !has_consent(&history, purpose) {
                consents.push(ConsentRecord {
                    purpose,
                    given: true,
                    at: now,
                    recorded_by: Some(user),
                    evidence: ConsentEvidence::Digital,
                    text_version: None,
                });
            }
        }
        let idempotency = new.idempotency_key.as_ref().map(|key| Idempotency {
            key: key.as_str().to_owned(),
            fingerprint: new.fingerprint(citizen),
        });
        let referral = Referral {
            id: ReferralId::new(),
            citizen_id: citizen,
            referrer_id: user,
            referrer_organisation_id: offer.organisation_id,
            state: ReferralState::Submitted,
            reason: new.reason,
            submitted_at: now,
            first_contact_at: None,
            assigned_at: None,
            assigned_peer_id: None,
            requested_offer_id: Some(new.offer_id),
            assigned_offer_id: None,
            outcome: None,
            decline_reason: None,
            feedback: None,
            case_reference: None,
            transitions: vec![],
        };
        let submitted = self
            .referrals
            .submit(
                ctx,
                Submission {
                    referral,
                    new_citizen: None,
                    consents,
                    idempotency,
                },
            )
            .await?;
        Ok(match submitted {
            Submitted::Created(id) => (id, true),
            Submitted::Replayed(id) => (id, false),
        })
    }
}
