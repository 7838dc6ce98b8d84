//! The fakes' reads of meetings, of the sessions a peer facilitates and of enrolments'
//! pseudonyms.

use chrono::NaiveDate;

use super::world::State;
use crate::error::{DomainError, DomainResult};
use crate::ids::{CitizenId, EnrolmentId, MeetingId, OfferId, PeerId, TenantId};
use crate::offers::{CourseSession, Enrolment, Meeting, PeerMatch};

pub(super) fn sessions_facilitated(
    s: &State,
    t: TenantId,
    peer: PeerId,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<CourseSession> {
    let mut rows: Vec<CourseSession> = s
        .sessions
        .iter()
        .filter(|(tt, x)| {
            *tt == t
                && x.date >= from
                && x.date <= to
                && s.offers
                    .get(&(t, x.offer_id))
                    .is_some_and(|o| o.facilitators.contains(&peer))
        })
        .map(|(_, x)| x.clone())
        .collect();
    rows.sort_by_key(|x| (x.date, x.start_time, x.id));
    rows
}

pub(super) fn of_citizen(
    s: &State,
    t: TenantId,
    citizen: CitizenId,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<Meeting> {
    let mut rows: Vec<Meeting> = s
        .meetings
        .iter()
        .filter(|(tt, m)| {
            *tt == t
                && m.date >= from
                && m.date <= to
                && s.referrals
                    .get(&(t, m.referral_id))
                    .is_some_and(|r| r.citizen_id == citizen)
        })
        .map(|(_, m)| m.clone())
        .collect();
    rows.sort_by_key(|m| (m.date, m.start_time, m.id));
    rows
}

pub(super) fn of_peer(
    s: &State,
    t: TenantId,
    peer: PeerId,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<Meeting> {
    let mut rows: Vec<Meeting> = s
        .meetings
        .iter()
        .filter(|(tt, m)| *tt == t && m.peer_id == peer && m.date >= from && m.date <= to)
        .map(|(_, m)| m.clone())
        .collect();
    rows.sort_by_key(|m| (m.date, m.start_time, m.id));
    rows
}

pub(super) fn enrolment_pseudonyms(
    s: &State,
    t: TenantId,
    ids: &[EnrolmentId],
    facilitated_by: Option<PeerId>,
    citizen: Option<CitizenId>,
) -> std::collections::HashMap<EnrolmentId, String> {
    s.enrolments
        .iter()
        .filter(|(tt, e)| *tt == t && ids.contains(&e.id))
        .filter(|(_, e)| citizen.is_none_or(|c| c == e.citizen_id))
        .filter(|(_, e)| {
            facilitated_by.is_none_or(|p| {
                s.offers
                    .get(&(t, e.offer_id))
                    .is_some_and(|o| o.facilitators.contains(&p))
            })
        })
        .filter_map(|(_, e)| {
            let c = s.citizens.get(&(t, e.citizen_id))?;
            Some((e.id, c.pseudonym.as_str().to_owned()))
        })
        .collect()
}

pub(super) fn enrolments_of(s: &State, t: TenantId, citizen: CitizenId) -> Vec<Enrolment> {
    let mut rows: Vec<Enrolment> = s
        .enrolments
        .iter()
        .filter(|(tt, e)| *tt == t && e.citizen_id == citizen)
        .map(|(_, e)| e.clone())
        .collect();
    rows.sort_by_key(|e| e.id);
    rows
}

/// A course's enrolments in enrolment order.
pub(super) fn enrolments_of_offer(s: &State, t: TenantId, offer: OfferId) -> Vec<Enrolment> {
    let mut rows: Vec<Enrolment> = s
        .enrolments
        .iter()
        .filter(|(tt, e)| *tt == t && e.offer_id == offer)
        .map(|(_, e)| e.clone())
        .collect();
    rows.sort_by_key(|e| (e.created_at, e.id));
    rows
}

/// The referrals assigned to `peer`, by id.
pub(super) fn matches_of(s: &State, t: TenantId, peer: PeerId) -> Vec<PeerMatch> {
    let mut rows: Vec<PeerMatch> = s
        .referrals
        .iter()
        .filter(|((tt, _), r)| *tt == t && r.assigned_peer_id == Some(peer))
        .map(|(_, r)| PeerMatch {
            referral_id: r.id,
            citizen_pseudonym: s
                .citizens
                .get(&(t, r.citizen_id))
                .map(|c| c.pseudonym.as_str().to_owned())
                .unwrap_or_default(),
            state: r.state,
            assigned_at: r.assigned_at,
            first_contact_at: r.first_contact_at,
        })
        .collect();
    rows.sort_by_key(|m| m.referral_id);
    rows
}

pub(super) fn meeting(s: &State, t: TenantId, id: MeetingId) -> DomainResult<Meeting> {
    s.meetings
        .iter()
        .find(|(tt, m)| *tt == t && m.id == id)
        .map(|(_, m)| m.clone())
        .ok_or(DomainError::NotFound {
            resource: "meeting",
        })
}
