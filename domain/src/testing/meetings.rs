//! The fakes' reads of meetings and of the sessions a peer facilitates.

use chrono::NaiveDate;

use super::world::State;
use crate::ids::{CitizenId, PeerId, TenantId};
use crate::offers::{CourseSession, Meeting};

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
    from: Option<NaiveDate>,
) -> Vec<Meeting> {
    let mut rows: Vec<Meeting> = s
        .meetings
        .iter()
        .filter(|(tt, m)| {
            *tt == t
                && from.is_none_or(|f| m.date >= f)
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
