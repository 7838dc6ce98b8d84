//! One-to-one matches: a match is a referral assigned to a peer. Its peer (or a coordinator)
//! logs meetings without content; its peer reads the citizen's details while it runs and the
//! citizen consents to contact.

use chrono::NaiveDate;

use crate::context::RequestContext;
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{MeetingId, ReferralId};
use crate::offers::meeting::{Meeting, MeetingForm, MeetingStatus, validate_meeting};

/// A meeting as its peer (or a coordinator) logs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeetingLog {
    /// The match.
    pub referral_id: ReferralId,
    /// The day it was held (today or before).
    pub date: NaiveDate,
    /// How long.
    pub minutes: u32,
    /// How.
    pub form: MeetingForm,
    /// The planned meeting this was, if it was planned.
    pub planned: Option<MeetingId>,
}
use crate::offers::model::PeerMatch;
use crate::offers::policy;
use crate::offers::ports::ReferralParties;
use crate::offers::service::OfferService;
use crate::page::{Page, PageRequest};
use crate::people::{Citizen, ConsentPurpose, has_consent};
use crate::privacy::Purpose;
use crate::referral::{MoveDetails, ReferralAction, ReferralState};

impl OfferService {
    /// Coordinators, or the peer the referral (the match) is assigned to; returns who the
    /// referral concerns.
    pub(super) async fn require_match_staff(
        &self,
        ctx: &RequestContext,
        referral: ReferralId,
    ) -> DomainResult<ReferralParties> {
        policy::require_member(ctx)?;
        // Another tenant's (or no) referral: NOT_FOUND before any role is considered.
        let parties = self.offers.referral_parties(ctx, referral).await?;
        policy::match_staff(ctx, self.own_peer(ctx).await?, &parties)?;
        Ok(parties)
    }

    /// Logs a meeting of a one-to-one match: when, how long, how; never its content —
    /// a new one, or one planned ahead (`planned`), which becomes held with what is logged.
    /// The match's peer or a coordinator logs it, while the referral is assigned, in contact
    /// or active. The first meeting of a match still waiting for first contact is that
    /// contact: the referral moves to `IN_CONTACT` in the same transaction, as if the peer
    /// had recorded it, and the referrer hears of it as of any move.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound` (a planned meeting of another match too); `Validation`;
    /// `Conflict` when the referral is not a running match or the meeting is not planned.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn log_meeting(
        &self,
        ctx: &RequestContext,
        log: MeetingLog,
    ) -> DomainResult<Meeting> {
        let referral = log.referral_id;
        let parties = self.require_match_staff(ctx, referral).await?;
        validate_meeting(log.date, log.minutes, self.clock.today())?;
        let peer = parties
            .assigned_peer_id
            .ok_or_else(|| DomainError::Conflict(Conflict::NotMatched))?;
        let me = ctx.actor().map(crate::context::Actor::user_id);
        let now = self.clock.now();
        let mut uow = self.transactions.begin(ctx).await?;
        // Locked: a reassignment or an end committed meanwhile is seen here.
        let mut locked = uow.referrals().lock(referral).await?;
        if !locked.state.holds_peer_place() || locked.assigned_peer_id != Some(peer) {
            return Err(DomainError::Conflict(Conflict::MatchNotRunning));
        }
        let meeting = match log.planned {
            Some(id) => {
                let mut planned = uow.meetings().lock_meeting(id).await?;
                if planned.referral_id != referral {
                    return Err(DomainError::NotFound {
                        resource: "meeting",
                    });
                }
                if planned.status != MeetingStatus::Planned {
                    return Err(DomainError::Conflict(Conflict::MeetingNotPlanned));
                }
                planned.date = log.date;
                planned.minutes = log.minutes;
                planned.form = log.form;
                planned.status = MeetingStatus::Held;
                planned.peer_id = peer;
                planned.logged_by = me;
                planned.logged_at = now;
                uow.meetings().update_meeting(&planned).await?;
                planned
            }
            None => {
                let held = Meeting {
                    id: MeetingId::new(),
                    referral_id: referral,
                    peer_id: peer,
                    date: log.date,
                    start_time: None,
                    minutes: log.minutes,
                    form: log.form,
                    status: MeetingStatus::Held,
                    logged_by: me,
                    logged_at: now,
                };
                uow.meetings().add_meeting(&held).await?;
                held
            }
        };
        if locked.state == ReferralState::Assigned {
            let known = locked.transitions.len();
            locked.apply(
                ReferralAction::RecordContact,
                MoveDetails::default(),
                me,
                now,
            )?;
            uow.referrals()
                .save(&locked, &locked.transitions[known..])
                .await?;
        }
        uow.commit().await?;
        Ok(meeting)
    }

    /// The caller's own matches (peers): referrals assigned to them, with no other peer's.
    ///
    /// # Errors
    /// `Forbidden` unless the caller is a peer with a peer profile.
    pub async fn my_matches(
        &self,
        ctx: &RequestContext,
        page: &PageRequest,
    ) -> DomainResult<Page<PeerMatch>> {
        let peer = self.own_peer(ctx).await?.ok_or_else(policy::forbidden)?;
        self.offers.matches_of(ctx, peer, page).await
    }

    /// The citizen of one of the caller's matches, name and contact decrypted for peer
    /// support (the read is audited): only the assigned peer, only while the match runs, and
    /// only while the citizen consents to being contacted.
    ///
    /// # Errors
    /// `Forbidden` for anyone but peers; `NotFound` for another peer's match; `Conflict` when
    /// the match is not running or the citizen has not consented to contact.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn match_citizen(
        &self,
        ctx: &RequestContext,
        referral: ReferralId,
    ) -> DomainResult<Citizen> {
        let own = self.own_peer(ctx).await?;
        if own.is_none() {
            return Err(policy::forbidden());
        }
        let parties = self.offers.referral_parties(ctx, referral).await?;
        let peer = policy::match_peer(own, &parties)?;
        if !parties.state.holds_peer_place() {
            return Err(DomainError::Conflict(Conflict::MatchEnded));
        }
        let citizen = parties.citizen_id;
        let system = RequestContext::system(ctx.tenant_id()?);
        let history = self.citizens.consent_history(&system, citizen).await?;
        if !has_consent(&history, ConsentPurpose::Contact) {
            return Err(DomainError::Conflict(Conflict::NoContactConsent));
        }
        tracing::debug!(peer = %peer, "match citizen read");
        self.citizens.get(ctx, citizen, Purpose::PeerSupport).await
    }

    /// The meetings of a match (its peer and coordinators).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`.
    pub async fn meetings(
        &self,
        ctx: &RequestContext,
        referral: ReferralId,
        page: &PageRequest,
    ) -> DomainResult<Page<Meeting>> {
        self.require_match_staff(ctx, referral).await?;
        self.offers.meetings(ctx, referral, page).await
    }
}
