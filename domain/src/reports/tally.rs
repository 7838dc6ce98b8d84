//! A period's counts as additive figures: count tables in their fixed rows and columns, a
//! histogram of hours to first contact, and plain sums. A tenant's report is published from
//! its tally; the national view adds the tallies of the partnerships that opted in and
//! publishes the sum the same way (ADR 0034) — a tally holds no row of anyone's data.

use std::collections::BTreeMap;

use crate::people::{PeerKind, PeerStatus};
use crate::referral::{OutcomeCode, ReferralState};
use crate::tenancy::OrganisationKind;

/// What the adapters count for a period (no row-level data leaves the report).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportCounts {
    /// Referrals submitted in the period: the referrer's organisation kind and the state now.
    pub referrals: Vec<(OrganisationKind, ReferralState)>,
    /// Minutes from submission to first contact of those with contact.
    pub first_contact_minutes: Vec<i64>,
    /// Supports ended in the period: how, and the coded outcome.
    pub endings: Vec<(ReferralState, Option<OutcomeCode>)>,
    /// Course sessions held in the period (cancelled ones not counted).
    pub sessions_held: u64,
    /// Attendance marks at those sessions: (present, absent).
    pub attendance: (u64, u64),
    /// Café days with a headcount, and the visits counted.
    pub cafe: (u64, u64),
    /// Moves of peers in the period: their kind and the status moved to.
    pub peer_moves: Vec<(PeerKind, PeerStatus)>,
    /// Peers active at the period's end: supervised within the tenant's limit or not.
    pub supervision: (u64, u64),
    /// Placements running in the period: distinct peers, and weekly hours in tenths.
    pub placements: (u64, u64),
}

/// The FHIR-like status groups a referral's state is reported under.
pub const REFERRAL_STATUSES: [&str; 7] = [
    "requested",
    "accepted",
    "in-progress",
    "completed",
    "failed",
    "cancelled",
    "rejected",
];

/// The organisation kinds, rows of the referrals table.
pub(crate) fn organisation_rows() -> Vec<(OrganisationKind, String)> {
    OrganisationKind::ALL
        .iter()
        .map(|k| (*k, k.as_str().to_owned()))
        .collect()
}

/// The status groups, columns of the referrals table.
pub(crate) fn status_columns() -> Vec<(&'static str, String)> {
    REFERRAL_STATUSES
        .iter()
        .map(|s| (*s, (*s).to_owned()))
        .collect()
}

/// The ways a support ends, rows of the endings table.
pub(crate) fn ending_rows() -> Vec<(ReferralState, String)> {
    [ReferralState::Completed, ReferralState::EndedEarly]
        .iter()
        .map(|s| (*s, s.as_str().to_owned()))
        .collect()
}

/// The coded outcomes, columns of the endings table.
pub(crate) fn outcome_columns() -> Vec<(Option<OutcomeCode>, String)> {
    OutcomeCode::ALL
        .iter()
        .map(|o| (Some(*o), o.as_str().to_owned()))
        .collect()
}

/// The peer kinds, rows of the pipeline table.
pub(crate) fn peer_kind_rows() -> Vec<(PeerKind, String)> {
    PeerKind::ALL
        .iter()
        .map(|k| (*k, k.as_str().to_owned()))
        .collect()
}

/// The statuses a peer moves to, columns of the pipeline table.
pub(crate) fn move_columns() -> Vec<(PeerStatus, String)> {
    PeerStatus::ALL
        .iter()
        .filter(|s| **s != PeerStatus::Applicant)
        .map(|s| (*s, s.as_str().to_owned()))
        .collect()
}

fn body<R: PartialEq, C: PartialEq>(
    rows: &[(R, String)],
    columns: &[(C, String)],
    facts: impl Iterator<Item = (R, C)>,
) -> Vec<Vec<u64>> {
    let mut body = vec![vec![0u64; columns.len()]; rows.len()];
    for (r, c) in facts {
        if let (Some(i), Some(j)) = (
            rows.iter().position(|(x, _)| *x == r),
            columns.iter().position(|(x, _)| *x == c),
        ) {
            body[i][j] += 1;
        }
    }
    body
}

fn add_body(mine: &mut [Vec<u64>], other: &[Vec<u64>]) {
    for (row, theirs) in mine.iter_mut().zip(other) {
        for (cell, add) in row.iter_mut().zip(theirs) {
            *cell += add;
        }
    }
}

fn add_pair(mine: &mut (u64, u64), other: (u64, u64)) {
    mine.0 += other.0;
    mine.1 += other.1;
}

/// A period's figures, additive.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Referrals: organisation kind × status group.
    pub referrals: Vec<Vec<u64>>,
    /// Endings: how × coded outcome.
    pub endings: Vec<Vec<u64>>,
    /// Peer moves: kind × status moved to.
    pub peer_moves: Vec<Vec<u64>>,
    /// Active peers at the end: (supervised within the limit, overdue).
    pub supervision: (u64, u64),
    /// Attendance marks: (present, absent).
    pub attendance: (u64, u64),
    /// Course sessions held.
    pub sessions_held: u64,
    /// Café days and visits.
    pub cafe: (u64, u64),
    /// Placements: distinct peers, weekly hours in tenths.
    pub placements: (u64, u64),
    /// Whole hours (rounded down) from submission to first contact → referrals.
    pub first_contact_hours: BTreeMap<u64, u64>,
}

impl Tally {
    /// The tally of one tenant's counts.
    #[must_use]
    pub fn of(counts: &ReportCounts) -> Self {
        let mut hours = BTreeMap::new();
        for minutes in &counts.first_contact_minutes {
            let whole = u64::try_from(*minutes).unwrap_or(0) / 60;
            *hours.entry(whole).or_insert(0) += 1;
        }
        Self {
            referrals: body(
                &organisation_rows(),
                &status_columns(),
                counts
                    .referrals
                    .iter()
                    .map(|(k, s)| (*k, s.fhir_task_status())),
            ),
            endings: body(
                &ending_rows(),
                &outcome_columns(),
                counts.endings.iter().copied(),
            ),
            peer_moves: body(
                &peer_kind_rows(),
                &move_columns(),
                counts.peer_moves.iter().copied(),
            ),
            supervision: counts.supervision,
            attendance: counts.attendance,
            sessions_held: counts.sessions_held,
            cafe: counts.cafe,
            placements: counts.placements,
            first_contact_hours: hours,
        }
    }

    /// This tally and `other` added.
    #[must_use]
    pub fn merged(mut self, other: &Self) -> Self {
        add_body(&mut self.referrals, &other.referrals);
        add_body(&mut self.endings, &other.endings);
        add_body(&mut self.peer_moves, &other.peer_moves);
        add_pair(&mut self.supervision, other.supervision);
        add_pair(&mut self.attendance, other.attendance);
        self.sessions_held += other.sessions_held;
        add_pair(&mut self.cafe, other.cafe);
        add_pair(&mut self.placements, other.placements);
        for (hour, n) in &other.first_contact_hours {
            *self.first_contact_hours.entry(*hour).or_insert(0) += n;
        }
        self
    }

    /// The hours to first contact, ascending (one value per referral).
    #[must_use]
    pub fn contact_hours(&self) -> Vec<f64> {
        let mut out = Vec::new();
        for (hour, n) in &self.first_contact_hours {
            #[allow(clippy::cast_precision_loss)] // hours of a few years at most
            let h = *hour as f64;
            out.extend(std::iter::repeat_n(h, usize::try_from(*n).unwrap_or(0)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::{ChangeSums, ChimeDimension, PairSums, PairedChange};

    #[test]
    fn tallies_add_up_cell_by_cell() {
        let mut a = ReportCounts::default();
        let mut b = ReportCounts::default();
        for _ in 0..3 {
            a.referrals
                .push((OrganisationKind::BostotteTeam, ReferralState::Submitted));
            b.referrals
                .push((OrganisationKind::BostotteTeam, ReferralState::Submitted));
        }
        b.referrals
            .push((OrganisationKind::Ngo, ReferralState::Completed));
        a.first_contact_minutes = vec![59, 61, 125];
        b.first_contact_minutes = vec![60];
        a.cafe = (2, 9);
        b.cafe = (1, 4);
        let sum = Tally::of(&a).merged(&Tally::of(&b));
        let total: u64 = sum.referrals.iter().flatten().sum();
        assert_eq!(total, 7);
        let bostotte = organisation_rows()
            .iter()
            .position(|(k, _)| *k == OrganisationKind::BostotteTeam)
            .unwrap();
        assert_eq!(sum.referrals[bostotte].iter().sum::<u64>(), 6);
        assert_eq!(sum.cafe, (3, 13));
        // Whole hours, rounded down: 59 min → 0 h; 60, 61 → 1 h; 125 → 2 h.
        assert_eq!(
            sum.first_contact_hours,
            BTreeMap::from([(0, 1), (1, 2), (2, 1)])
        );
        assert_eq!(sum.contact_hours(), vec![0.0, 1.0, 1.0, 2.0]);
    }

    /// Two partnerships of three persons each: neither's change may be published at 5,
    /// their combined sums give exactly the change over all six pairs.
    #[test]
    fn change_sums_combine_into_the_change_of_all_pairs() {
        let a = [(10.0, 14.0), (12.0, 13.0), (9.0, 12.0)];
        let b = [(15.0, 18.0), (11.0, 15.0), (8.0, 8.0)];
        let sums = |pairs: &[(f64, f64)]| ChangeSums {
            instrument_key: "k".to_owned(),
            persons: pairs.len(),
            overall: PairSums::of(pairs).unwrap(),
            dimensions: vec![(ChimeDimension::Hope, PairSums::of(pairs).unwrap())],
        };
        assert_eq!(sums(&a).publish(5).persons, None);
        assert_eq!(sums(&a).publish(5).overall, None);
        let merged = sums(&a).merged(&sums(&b)).publish(5);
        let all: Vec<(f64, f64)> = a.iter().chain(&b).copied().collect();
        let whole = PairedChange::of(&all).unwrap();
        assert_eq!(merged.persons, Some(6));
        let overall = merged.overall.unwrap();
        assert!((overall.mean_change - whole.mean_change).abs() < 1e-9);
        assert!((overall.ci95_high - whole.ci95_high).abs() < 1e-9);
        assert_eq!(merged.dimensions[0].0, ChimeDimension::Hope);
        assert!(merged.dimensions[0].1.is_some());
    }
}
