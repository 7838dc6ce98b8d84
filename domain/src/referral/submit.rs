//! Submission: a referrer refers a new citizen (registered with the consents given) or one
//! their organisation referred before (whose consents the referral never changes).

use crate::context::RequestContext;
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{CitizenId, OfferId, OrganisationId, ReferralId};
use crate::people::{
    Citizen, CitizenOrigin, ConsentEvidence, ConsentPurpose, ConsentRecord, NewCitizen, Pseudonym,
    has_consent, with_free_pseudonym,
};
use crate::privacy::Personal;
use crate::referral::model::ReferralState;
use crate::referral::policy;
use crate::referral::ports::{Idempotency, Submission, Submitted};
use crate::referral::referral::Referral;
use crate::referral::service::ReferralService;
use crate::referral::values::{CaseReference, IdempotencyKey};

/// Who is referred.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReferredCitizen {
    /// Someone not yet registered.
    New(NewCitizen),
    /// A citizen registered earlier.
    Known(CitizenId),
}

/// A referral as a referrer submits it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReferral {
    /// Who.
    pub citizen: ReferredCitizen,
    /// Why (free text, encrypted with the citizen's key).
    pub reason: Option<Personal>,
    /// How the citizen's consent to processing the referral was given (required).
    pub consent_evidence: ConsentEvidence,
    /// The citizen also agrees to the outcome being shared with the referrer.
    pub share_outcome: bool,
    /// The citizen agrees to be contacted.
    pub contact: bool,
    /// The offer asked for; `None` lets the coordinator decide.
    pub offer_id: Option<OfferId>,
    /// A client key that makes retries safe.
    pub idempotency_key: Option<IdempotencyKey>,
    /// The referrer's own reference for the case.
    pub case_reference: Option<CaseReference>,
}

impl NewReferral {
    /// A canonical text of the request, so that a retry can be told from another request
    /// reusing the key. Personal fields are part of it; the adapter stores only a keyed digest
    /// (HMAC under a key derived from the tenant key).
    fn fingerprint(&self) -> String {
        let citizen = match &self.citizen {
            ReferredCitizen::New(c) => format!(
                "new|{}|{}|{}|{}",
                c.name.expose(),
                c.contact.as_ref().map(Personal::expose).unwrap_or_default(),
                c.birth_year.map(|y| y.value()).unwrap_or_default(),
                c.municipality
            ),
            ReferredCitizen::Known(id) => format!("known|{id}"),
        };
        let base = format!(
            "v1|{citizen}|{}|{}|{}|{}",
            self.reason
                .as_ref()
                .map(Personal::expose)
                .unwrap_or_default(),
            self.consent_evidence.as_str(),
            self.share_outcome,
            self.contact
        );
        // Appended only when given, so that keys stored before offers (and case references)
        // existed still match.
        let base = match self.offer_id {
            Some(offer) => format!("{base}|offer:{offer}"),
            None => base,
        };
        match &self.case_reference {
            Some(case) => format!("{base}|case:{}", case.as_str()),
            None => base,
        }
    }
}

impl ReferralService {
    /// A referrer submits a referral, with the citizen's consent to processing it.
    ///
    /// # Errors
    /// `Forbidden` unless a referrer in an organisation; `Validation` for a bad idempotency
    /// key; `Conflict` when the key was used with another body; `NotFound` for an unknown
    /// citizen.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn submit(
        &self,
        ctx: &RequestContext,
        new: NewReferral,
    ) -> DomainResult<(ReferralId, bool)> {
        let organisation = policy::submitting_organisation(ctx)?;
        let referrer = ctx.actor().ok_or(DomainError::Unauthenticated)?.user_id();
        let me = Some(referrer);
        let idempotency = new.idempotency_key.as_ref().map(|key| Idempotency {
            key: key.as_str().to_owned(),
            fingerprint: new.fingerprint(),
        });
        let now = self.clock.now();
        let (citizen_id, new_citizen) = match new.citizen {
            ReferredCitizen::Known(id) => {
                self.check_known_citizen(ctx, id, organisation, &new)
                    .await?;
                (id, None)
            }
            ReferredCitizen::New(details) => {
                let citizen = Citizen {
                    id: CitizenId::new(),
                    pseudonym: Pseudonym::from_random((self.random)()),
                    name: Some(details.name),
                    contact: details.contact,
                    birth_year: details.birth_year,
                    municipality: details.municipality,
                    origin: CitizenOrigin::Referral,
                    user_id: None,
                    created_by: me,
                    created_at: now,
                    erased_at: None,
                };
                (citizen.id, Some(citizen))
            }
        };
        let consent = |purpose| ConsentRecord {
            purpose,
            given: true,
            at: now,
            recorded_by: me,
            evidence: new.consent_evidence,
            text_version: None,
        };
        // Consents are recorded with a referral only for a citizen it registers; a known
        // citizen's consents are theirs and their coordinator's to change, never a referrer's.
        let mut consents = Vec::new();
        if new_citizen.is_some() {
            consents.push(consent(ConsentPurpose::ReferralProcessing));
            if new.share_outcome {
                consents.push(consent(ConsentPurpose::ShareOutcomeWithReferrer));
            }
            if new.contact {
                consents.push(consent(ConsentPurpose::Contact));
            }
        }
        let referral = Referral {
            id: ReferralId::new(),
            citizen_id,
            referrer_id: referrer,
            referrer_organisation_id: organisation,
            state: ReferralState::Submitted,
            reason: new.reason,
            submitted_at: now,
            first_contact_at: None,
            assigned_at: None,
            assigned_peer_id: None,
            requested_offer_id: new.offer_id,
            assigned_offer_id: None,
            outcome: None,
            decline_reason: None,
            feedback: None,
            case_reference: new.case_reference.as_ref().map(|c| c.as_str().to_owned()),
            transitions: vec![],
        };
        let submission = Submission {
            referral,
            new_citizen,
            consents,
            idempotency,
        };
        // A new citizen's pseudonym may already be taken in the tenant: draw another.
        let submitted = match submission.new_citizen.as_ref().map(|c| c.pseudonym.clone()) {
            None => self.referrals.submit(ctx, submission).await?,
            Some(first) => {
                with_free_pseudonym(first, &self.random, |pseudonym| {
                    let mut submission = submission.clone();
                    if let Some(citizen) = &mut submission.new_citizen {
                        citizen.pseudonym = pseudonym;
                    }
                    self.referrals.submit(ctx, submission)
                })
                .await?
            }
        };
        match submitted {
            Submitted::Created(id) => Ok((id, true)),
            Submitted::Replayed(id) => Ok((id, false)),
        }
    }

    /// A referrer refers a known citizen again only if their organisation referred them
    /// before (anyone else's citizen does not exist for them; a coordinator, who sees every
    /// citizen of the tenant, may refer any), only while the citizen's consent to referral
    /// processing stands, and without changing any of the citizen's consents.
    async fn check_known_citizen(
        &self,
        ctx: &RequestContext,
        citizen: CitizenId,
        organisation: OrganisationId,
        new: &NewReferral,
    ) -> DomainResult<()> {
        if !policy::coordinates(ctx)
            && !self
                .referrals
                .referred_by(ctx, citizen, organisation)
                .await?
        {
            return Err(DomainError::NotFound {
                resource: "citizen",
            });
        }
        let system = RequestContext::system(ctx.tenant_id()?);
        let history = self.citizens.consent_history(&system, citizen).await?;
        if !has_consent(&history, ConsentPurpose::ReferralProcessing) {
            return Err(DomainError::Conflict(Conflict::ReferralConsentNotInForce));
        }
        for (asked, purpose, field) in [
            (new.contact, ConsentPurpose::Contact, "contactConsent"),
            (
                new.share_outcome,
                ConsentPurpose::ShareOutcomeWithReferrer,
                "shareOutcomeWithReferrer",
            ),
        ] {
            if asked && !has_consent(&history, purpose) {
                return Err(DomainError::validation(
                    field,
                    "a known citizen's consents are recorded by their coordinator or by the \
                     citizen, not with a referral; this one is not in force",
                ));
            }
        }
        Ok(())
    }
}
