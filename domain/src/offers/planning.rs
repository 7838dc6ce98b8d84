//! Meetings planned ahead, and the screens that show them: a peer's schedule (the sessions
//! they facilitate and the meetings of their matches) and a citizen's meetings.

use chrono::{NaiveDate, NaiveTime};

use crate::context::RequestContext;
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{MeetingId, ReferralId};
use crate::offers::meeting::{Meeting, MeetingForm, MeetingStatus, validate_plan};
use crate::offers::model::CourseSession;
use crate::offers::policy;
use crate::offers::service::OfferService;

/// The longest stretch a schedule is read for, in days.
pub const MAX_SCHEDULE_DAYS: i64 = 92;

/// A meeting planned ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeetingPlan {
    /// The match.
    pub referral_id: ReferralId,
    /// The day (today or later).
    pub date: NaiveDate,
    /// Local start time.
    pub start_time: NaiveTime,
    /// How long.
    pub minutes: u32,
    /// How.
    pub form: MeetingForm,
}

/// A course a peer facilitates, with who is on it and who came.
#[derive(Clone, Debug, PartialEq)]
pub struct CourseRoster {
    /// The course.
    pub offer: crate::offers::Offer,
    /// Its enrolments, in enrolment order, the waiting list included.
    pub enrolments: Vec<crate::offers::Enrolment>,
    /// Its attendance marks.
    pub attendance: Vec<crate::offers::Attendance>,
}

/// A peer's schedule over some days.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerSchedule {
    /// Sessions of the courses they facilitate, by date.
    pub sessions: Vec<CourseSession>,
    /// Meetings of their matches, planned or held (not cancelled), by date.
    pub meetings: Vec<Meeting>,
}

fn check_range(from: NaiveDate, to: NaiveDate) -> DomainResult<()> {
    if to < from {
        return Err(DomainError::validation("to", "must not be before from"));
    }
    if (to - from).num_days() >= MAX_SCHEDULE_DAYS {
        return Err(DomainError::validation(
            "to",
            format!("a schedule covers at most {MAX_SCHEDULE_DAYS} days"),
        ));
    }
    Ok(())
}

impl OfferService {
    /// Plans a meeting of a running match ahead (its peer or a coordinator); it shows on the
    /// peer's schedule and in the citizen's app, and becomes held when logged
    /// ([`Self::log_meeting`] with it). Planning is not contact.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Validation`; `Conflict` when the match is not running.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn plan_meeting(
        &self,
        ctx: &RequestContext,
        plan: MeetingPlan,
    ) -> DomainResult<Meeting> {
        let parties = self.require_match_staff(ctx, plan.referral_id).await?;
        validate_plan(plan.date, plan.minutes, self.clock.today())?;
        let peer = parties
            .assigned_peer_id
            .ok_or_else(|| DomainError::Conflict(Conflict::NotMatched))?;
        let meeting = Meeting {
            id: MeetingId::new(),
            referral_id: plan.referral_id,
            peer_id: peer,
            date: plan.date,
            start_time: Some(plan.start_time),
            minutes: plan.minutes,
            form: plan.form,
            status: MeetingStatus::Planned,
            logged_by: ctx.actor().map(crate::context::Actor::user_id),
            logged_at: self.clock.now(),
        };
        let mut uow = self.transactions.begin(ctx).await?;
        let locked = uow.referrals().lock(plan.referral_id).await?;
        if !locked.state.holds_peer_place() || locked.assigned_peer_id != Some(peer) {
            return Err(DomainError::Conflict(Conflict::MatchNotRunning));
        }
        uow.meetings().add_meeting(&meeting).await?;
        uow.commit().await?;
        Ok(meeting)
    }

    /// Cancels a planned meeting (the match's peer or a coordinator).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Conflict` (`NOT_PLANNED`) for one held or cancelled.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn cancel_meeting(
        &self,
        ctx: &RequestContext,
        id: MeetingId,
    ) -> DomainResult<Meeting> {
        policy::require_member(ctx)?;
        let found = self.offers.meeting(ctx, id).await?;
        self.require_match_staff(ctx, found.referral_id).await?;
        let mut uow = self.transactions.begin(ctx).await?;
        let mut meeting = uow.meetings().lock_meeting(id).await?;
        if meeting.status != MeetingStatus::Planned {
            return Err(DomainError::Conflict(Conflict::MeetingNotPlanned));
        }
        meeting.status = MeetingStatus::Cancelled;
        meeting.logged_by = ctx.actor().map(crate::context::Actor::user_id);
        meeting.logged_at = self.clock.now();
        uow.meetings().update_meeting(&meeting).await?;
        uow.commit().await?;
        Ok(meeting)
    }

    /// The caller's own meetings (citizens) from `from` to `to`, both included, at most
    /// [`MAX_SCHEDULE_DAYS`], by date and time: planned, held and cancelled. None without a
    /// citizen record.
    ///
    /// # Errors
    /// `Unauthenticated`; `Validation` for the range.
    pub async fn my_meetings(
        &self,
        ctx: &RequestContext,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DomainResult<Vec<Meeting>> {
        check_range(from, to)?;
        match self.own_citizen_if_any(ctx).await? {
            Some(citizen) => {
                self.offers
                    .meetings_of_citizen(ctx, citizen, from, to)
                    .await
            }
            None => Ok(Vec::new()),
        }
    }

    /// The caller's schedule (peers) from `from` to `to`, both included, at most
    /// [`MAX_SCHEDULE_DAYS`]: the sessions of the courses they facilitate and the meetings of
    /// their matches, planned or held.
    ///
    /// # Errors
    /// `Forbidden` unless a peer with a peer profile; `Validation` for the range.
    pub async fn my_schedule(
        &self,
        ctx: &RequestContext,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DomainResult<PeerSchedule> {
        let peer = self.own_peer(ctx).await?.ok_or_else(policy::forbidden)?;
        check_range(from, to)?;
        let sessions = self
            .offers
            .sessions_facilitated(ctx, peer, from, to)
            .await?;
        let meetings = self
            .offers
            .meetings_of_peer(ctx, peer, from, to)
            .await?
            .into_iter()
            .filter(|m| m.status != MeetingStatus::Cancelled)
            .collect();
        Ok(PeerSchedule { sessions, meetings })
    }

    /// A page of the courses the caller facilitates (peers), oldest first, each with its
    /// enrolments (the waiting list included) and its attendance: the peer app's course
    /// screen, read in a few statements whatever the number of courses on the page.
    ///
    /// # Errors
    /// `Forbidden` unless a peer with a peer profile.
    pub async fn my_courses(
        &self,
        ctx: &RequestContext,
        page: &crate::page::PageRequest,
    ) -> DomainResult<crate::page::Page<CourseRoster>> {
        let peer = self.own_peer(ctx).await?.ok_or_else(policy::forbidden)?;
        let filter = crate::offers::OfferFilter {
            facilitated_by: Some(peer),
            ..crate::offers::OfferFilter::default()
        };
        let courses = self.offers.list(ctx, &filter, page).await?;
        let ids: Vec<_> = courses.items.iter().map(|c| c.id).collect();
        let rosters = self.offers.rosters(ctx, &ids).await?;
        let sessions = self.offers.sessions(ctx, &ids).await?;
        Ok(courses.map(|offer| {
            let on = |id| id == offer.id;
            let of_course: Vec<_> = sessions
                .iter()
                .filter(|s| on(s.offer_id))
                .map(|s| s.id)
                .collect();
            CourseRoster {
                enrolments: rosters
                    .enrolments
                    .iter()
                    .filter(|e| on(e.offer_id))
                    .cloned()
                    .collect(),
                attendance: rosters
                    .attendance
                    .iter()
                    .filter(|a| of_course.contains(&a.session_id))
                    .copied()
                    .collect(),
                offer,
            }
        }))
    }
}
