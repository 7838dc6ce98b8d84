//! Referral use cases: a referrer submits and follows; a coordinator triages, assigns, records
//! progress and ends; the referrer's organisation sees status, dates, feedback and (with the
//! citizen's consent) the coded outcome, and nothing else about the citizen.

use std::sync::Arc;

use crate::authz::{PeopleAction, authorize_people, require_actor};
use crate::clock::Clock;
use crate::context::{RequestContext, Role};
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{CitizenId, OfferId, ReferralId};
use crate::page::{Page, PageRequest};
use crate::people::{
    Citizen, CitizenOrigin, CitizenRepository, ConsentEvidence, ConsentPurpose, ConsentRecord,
    NewCitizen, Pseudonym, has_consent,
};
use crate::privacy::{Personal, Purpose};
use crate::referral::model::{MoveDetails, ReferralAction, ReferralState};
use crate::referral::ports::{
    AssignTarget, Idempotency, ReferralFilter, ReferralRepository, Submission, Submitted,
};
use crate::referral::referral::{Referral, ReferrerView};
use crate::unit_of_work::Transactions;

/// The default days an assigned referral may wait for first contact before it is flagged.
pub const DEFAULT_CONTACT_LIMIT_DAYS: u32 = 14;

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
    pub idempotency_key: Option<String>,
}

impl NewReferral {
    /// A canonical text of the request, so that a retry can be told from another request
    /// reusing the key. Personal fields are part of it; the adapter stores only a hash.
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
        // Appended only when given, so that keys stored before offers existed still match.
        match self.offer_id {
            Some(offer) => format!("{base}|offer:{offer}"),
            None => base,
        }
    }
}

/// A referral with the reason, for coordinators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralDetail {
    /// The referral.
    pub referral: Referral,
    /// Whether it waits too long for first contact.
    pub contact_overdue: bool,
}

/// The referral use cases.
#[derive(Clone)]
pub struct ReferralService {
    referrals: Arc<dyn ReferralRepository>,
    citizens: Arc<dyn CitizenRepository>,
    transactions: Arc<dyn Transactions>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn Fn() -> [u8; 6] + Send + Sync>,
}

impl std::fmt::Debug for ReferralService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReferralService").finish_non_exhaustive()
    }
}

fn forbidden() -> DomainError {
    DomainError::Forbidden("your roles in this tenant do not allow this on referrals")
}

impl ReferralService {
    /// Wires the service.
    #[must_use]
    pub fn new(
        referrals: Arc<dyn ReferralRepository>,
        citizens: Arc<dyn CitizenRepository>,
        transactions: Arc<dyn Transactions>,
        clock: Arc<dyn Clock>,
        random: Arc<dyn Fn() -> [u8; 6] + Send + Sync>,
    ) -> Self {
        Self {
            referrals,
            citizens,
            transactions,
            clock,
            random,
        }
    }

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
        let actor = require_actor(ctx)?;
        if !actor.has(Role::Referrer) {
            return Err(forbidden());
        }
        let organisation = actor
            .organisation_id()
            .ok_or_else(|| DomainError::Conflict(Conflict::ReferrerWithoutOrganisation))?;
        let idempotency = match &new.idempotency_key {
            Some(key) => {
                let ok =
                    (1..=200).contains(&key.len()) && key.chars().all(|c| c.is_ascii_graphic());
                if !ok {
                    return Err(DomainError::validation(
                        "idempotencyKey",
                        "must be 1-200 visible ASCII characters",
                    ));
                }
                Some(Idempotency {
                    key: key.clone(),
                    fingerprint: new.fingerprint(),
                })
            }
            None => None,
        };
        let now = self.clock.now();
        let me = Some(actor.user_id());
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
            referrer_id: actor.user_id(),
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
            transitions: vec![],
        };
        let submission = Submission {
            referral,
            new_citizen,
            consents,
            idempotency,
        };
        match self.referrals.submit(ctx, submission).await? {
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
        organisation: crate::ids::OrganisationId,
        new: &NewReferral,
    ) -> DomainResult<()> {
        if !Self::is_coordinator(ctx)
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

    fn is_coordinator(ctx: &RequestContext) -> bool {
        authorize_people(ctx, PeopleAction::ManageCitizens).is_ok()
    }

    /// Whether the caller may follow referrals at all (live updates): coordinators and tenant
    /// admins follow every referral, referrers their organisation's. Which referrals they then
    /// see is decided per referral by [`Self::referrer_view`].
    ///
    /// # Errors
    /// `Unauthenticated`; `Forbidden` for every other role.
    pub fn may_follow(ctx: &RequestContext) -> DomainResult<()> {
        let actor = require_actor(ctx)?;
        if Self::is_coordinator(ctx)
            || (actor.has(Role::Referrer) && actor.organisation_id().is_some())
        {
            Ok(())
        } else {
            Err(forbidden())
        }
    }

    /// The referrer's view of one referral: any referrer of the submitting organisation, a
    /// coordinator, or the citizen referred (who always sees their own outcome).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound` (also for another organisation's referral).
    pub async fn referrer_view(
        &self,
        ctx: &RequestContext,
        id: ReferralId,
    ) -> DomainResult<ReferrerView> {
        let referral = self.referrals.get(ctx, id, None).await?;
        if !Self::is_coordinator(ctx) {
            let actor = require_actor(ctx)?;
            let same_org = actor.has(Role::Referrer)
                && actor.organisation_id() == Some(referral.referrer_organisation_id);
            if !same_org {
                // The citizen referred sees their own referral, outcome included.
                let own = if actor.has(Role::Citizen) {
                    self.citizens
                        .citizen_id_of_user(ctx, actor.user_id())
                        .await?
                } else {
                    None
                };
                if own == Some(referral.citizen_id) {
                    return Ok(ReferrerView::of(&referral, true));
                }
                // Another organisation's referral does not exist for this referrer.
                return Err(DomainError::NotFound {
                    resource: "referral",
                });
            }
        }
        let shared = self.outcome_shared(ctx, referral.citizen_id).await?;
        Ok(ReferrerView::of(&referral, shared))
    }

    async fn outcome_shared(&self, ctx: &RequestContext, citizen: CitizenId) -> DomainResult<bool> {
        let system = RequestContext::system(ctx.tenant_id()?);
        let history = self.citizens.consent_history(&system, citizen).await?;
        Ok(has_consent(
            &history,
            ConsentPurpose::ShareOutcomeWithReferrer,
        ))
    }

    /// The referrals of the caller's organisation (referrers).
    ///
    /// # Errors
    /// `Forbidden` unless a referrer in an organisation.
    pub async fn my_organisation_referrals(
        &self,
        ctx: &RequestContext,
        page: &PageRequest,
    ) -> DomainResult<Page<ReferrerView>> {
        let actor = require_actor(ctx)?;
        let organisation = actor
            .organisation_id()
            .filter(|_| actor.has(Role::Referrer))
            .ok_or_else(forbidden)?;
        let filter = ReferralFilter {
            referrer_organisation_id: Some(organisation),
            ..ReferralFilter::default()
        };
        let page = self.referrals.list(ctx, &filter, page).await?;
        let ids: Vec<CitizenId> = page.items.iter().map(|r| r.citizen_id).collect();
        let system = RequestContext::system(ctx.tenant_id()?);
        let consents = self.citizens.consent_histories(&system, &ids).await?;
        Ok(page.map(|r| {
            let shared = consents
                .get(&r.citizen_id)
                .is_some_and(|h| has_consent(h, ConsentPurpose::ShareOutcomeWithReferrer));
            ReferrerView::of(&r, shared)
        }))
    }

    /// One referral with its reason (coordinators and tenant admins; the read is audited).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`.
    pub async fn referral(
        &self,
        ctx: &RequestContext,
        id: ReferralId,
        purpose: Purpose,
    ) -> DomainResult<ReferralDetail> {
        if !Self::is_coordinator(ctx) {
            return Err(forbidden());
        }
        let referral = self.referrals.get(ctx, id, Some(purpose)).await?;
        let limit = i64::from(self.referrals.contact_limit_days(ctx).await?);
        let contact_overdue = referral.contact_overdue(limit, self.clock.now());
        Ok(ReferralDetail {
            referral,
            contact_overdue,
        })
    }

    /// The tenant's limit, in days, for first contact after assignment (coordinators and
    /// tenant admins).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn contact_limit(&self, ctx: &RequestContext) -> DomainResult<u32> {
        if !Self::is_coordinator(ctx) {
            return Err(forbidden());
        }
        self.referrals.contact_limit_days(ctx).await
    }

    /// Sets the tenant's contact limit (tenant admins).
    ///
    /// # Errors
    /// `Forbidden`; `Validation` outside 1–90 days.
    pub async fn set_contact_limit(&self, ctx: &RequestContext, days: u32) -> DomainResult<u32> {
        crate::authz::authorize(ctx, crate::authz::TenancyAction::ConfigureTenant)?;
        if !(1..=90).contains(&days) {
            return Err(DomainError::validation("days", "must be between 1 and 90"));
        }
        self.referrals.set_contact_limit_days(ctx, days).await?;
        Ok(days)
    }

    /// The coordinator's worklist: open referrals (optionally of some states), oldest first,
    /// each flagged when it waits too long for first contact.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn worklist(
        &self,
        ctx: &RequestContext,
        states: Vec<ReferralState>,
        page: &PageRequest,
    ) -> DomainResult<Page<ReferralDetail>> {
        if !Self::is_coordinator(ctx) {
            return Err(forbidden());
        }
        let open = [
            ReferralState::Submitted,
            ReferralState::Accepted,
            ReferralState::Assigned,
            ReferralState::InContact,
            ReferralState::Active,
        ];
        let states = if states.is_empty() {
            open.to_vec()
        } else {
            states
        };
        let filter = ReferralFilter {
            states,
            ..ReferralFilter::default()
        };
        let now = self.clock.now();
        let limit = i64::from(self.referrals.contact_limit_days(ctx).await?);
        Ok(self
            .referrals
            .list(ctx, &filter, page)
            .await?
            .map(|referral| ReferralDetail {
                contact_overdue: referral.contact_overdue(limit, now),
                referral,
            }))
    }

    /// A referrer of the submitting organisation, or the citizen referred, may withdraw;
    /// anyone else's referral answers `NotFound`.
    async fn ensure_may_withdraw(&self, ctx: &RequestContext, id: ReferralId) -> DomainResult<()> {
        let actor = require_actor(ctx)?;
        if !actor.has(Role::Referrer) && !actor.has(Role::Citizen) {
            return Err(forbidden());
        }
        // Whoever may see it as referrer or as the citizen referred may withdraw it.
        self.referrer_view(ctx, id).await.map(|_| ())
    }

    /// Moves a referral. Coordinators make every move; a referrer of the submitting
    /// organisation, or the citizen referred, may only withdraw. Assigning names a peer, who must be active and have
    /// capacity for another one-to-one match, or a course, where the citizen gets a place or a
    /// place on the waiting list.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Validation`; `Conflict` for an illegal move or a full peer.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id(), action = action.as_str()))]
    pub async fn move_referral(
        &self,
        ctx: &RequestContext,
        id: ReferralId,
        action: ReferralAction,
        details: MoveDetails,
        target: Option<AssignTarget>,
    ) -> DomainResult<ReferralId> {
        let actor = require_actor(ctx)?;
        let coordinator = Self::is_coordinator(ctx);
        if !coordinator {
            if action != ReferralAction::Withdraw {
                return Err(forbidden());
            }
            self.ensure_may_withdraw(ctx, id).await?;
        }
        match (action, target) {
            (ReferralAction::Assign, None) => {
                return Err(DomainError::validation(
                    "peerId",
                    "assigning names a peer or a course",
                ));
            }
            (ReferralAction::Assign, Some(_)) | (_, None) => {}
            (_, Some(_)) => {
                return Err(DomainError::validation(
                    "peerId",
                    "a peer or course is given only when assigning",
                ));
            }
        }
        let now = self.clock.now();
        let mut uow = self.transactions.begin(ctx).await?;
        // Load and lock everything the move touches; every id resolves before any rule.
        let mut referral = uow.referrals().lock(id).await?;
        let mut course = None;
        let mut capacity = None;
        match target {
            Some(AssignTarget::Peer(peer)) => {
                capacity = Some(uow.peer_places().lock_capacity(peer).await?);
            }
            Some(AssignTarget::Course(offer)) => course = Some(uow.courses().lock(offer).await?),
            None => {}
        }
        let held_course = referral
            .assigned_offer_id
            .filter(|_| action.frees_course_place());
        let known = referral.transitions.len();
        if let Some(capacity) = &capacity {
            referral.assign_peer(capacity)?;
        }
        if let Some(course) = &course {
            referral.assigned_offer_id = Some(course.offer_id);
        }
        referral.apply(action, details, Some(actor.user_id()), now)?;
        // The course place the referral gave up goes to the next on the waiting list.
        if let Some(offer) = held_course {
            let mut held = uow.courses().lock(offer).await?;
            if let Some(enrolment) = held.enrolment_of(id) {
                let withdrawal = held.withdraw(enrolment, now)?;
                uow.courses().update(&withdrawal.changed()).await?;
            }
        }
        if let Some(course) = &mut course {
            let enrolment = course.enrol(referral.citizen_id, Some(id), now)?;
            uow.courses().add(&enrolment).await?;
        }
        uow.referrals()
            .save(&referral, &referral.transitions[known..])
            .await?;
        uow.commit().await?;
        Ok(referral.id)
    }
}
