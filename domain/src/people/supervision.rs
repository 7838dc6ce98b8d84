//! Supervision of peer workers and hospital-psychiatry placements of paid peers.

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{OrganisationId, PeerId, PlacementId, SupervisionId, UserId};
use crate::people::peer::check_period;

/// Group or individual supervision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SupervisionFormat {
    /// Several peers together.
    Group,
    /// One peer.
    Individual,
}

impl SupervisionFormat {
    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Group => "GROUP",
            Self::Individual => "INDIVIDUAL",
        }
    }
}

impl std::str::FromStr for SupervisionFormat {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "GROUP" => Ok(Self::Group),
            "INDIVIDUAL" => Ok(Self::Individual),
            _ => Err(DomainError::validation(
                "format",
                "unknown supervision format",
            )),
        }
    }
}

/// A supervision session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupervisionSession {
    /// Id.
    pub id: SupervisionId,
    /// When it was held.
    pub held_on: NaiveDate,
    /// The supervisor (a user of the tenant).
    pub supervisor: UserId,
    /// Group or individual.
    pub format: SupervisionFormat,
    /// The peers who attended.
    pub attendees: Vec<PeerId>,
    /// Recorded.
    pub created_at: DateTime<Utc>,
}

impl SupervisionSession {
    /// Validates a session.
    ///
    /// # Errors
    /// `Validation` without attendees, with an individual session for several peers, or dated
    /// in the future (after `now`, when it is recorded).
    pub fn new(
        held_on: NaiveDate,
        supervisor: UserId,
        format: SupervisionFormat,
        mut attendees: Vec<PeerId>,
        now: DateTime<Utc>,
    ) -> DomainResult<Self> {
        attendees.sort();
        attendees.dedup();
        if attendees.is_empty() {
            return Err(DomainError::validation(
                "attendeeIds",
                "give at least one peer",
            ));
        }
        if format == SupervisionFormat::Individual && attendees.len() > 1 {
            return Err(DomainError::validation(
                "attendeeIds",
                "an individual session has one peer",
            ));
        }
        if held_on > now.date_naive() {
            return Err(DomainError::validation(
                "heldOn",
                "must not be in the future",
            ));
        }
        Ok(Self {
            id: SupervisionId::new(),
            held_on,
            supervisor,
            format,
            attendees,
            created_at: now,
        })
    }
}

/// The default number of days after which an active peer needs supervision.
pub const DEFAULT_SUPERVISION_LIMIT_DAYS: u32 = 35;

/// A paid peer's placement in a hospital-psychiatry unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Id.
    pub id: PlacementId,
    /// The paid peer.
    pub peer_id: PeerId,
    /// The hospital-psychiatry unit (an organisation of that kind).
    pub unit_id: OrganisationId,
    /// Department or ward.
    pub ward: String,
    /// From.
    pub start: NaiveDate,
    /// Until (open-ended when absent).
    pub end: Option<NaiveDate>,
    /// Hours per week, in tenths.
    pub weekly_hours_tenths: u32,
    /// The contact person on the ward (a staff role or name, as the unit gives it).
    pub ward_contact: String,
    /// How supervision is arranged during the placement.
    pub supervision_arrangement: String,
    /// Recorded.
    pub created_at: DateTime<Utc>,
}

impl Placement {
    /// Whether the placement runs on `day`.
    #[must_use]
    pub fn active_on(&self, day: NaiveDate) -> bool {
        self.start <= day && self.end.is_none_or(|end| day <= end)
    }

    fn overlaps(&self, other: &Self) -> bool {
        let starts_before_other_ends = other.end.is_none_or(|end| self.start <= end);
        let ends_after_other_starts = self.end.is_none_or(|end| other.start <= end);
        starts_before_other_ends && ends_after_other_starts
    }
}

/// Checks text fields of a placement.
///
/// # Errors
/// `Validation` for empty or over-long text, or an end before the start.
pub fn check_placement_text(
    ward: &str,
    ward_contact: &str,
    arrangement: &str,
    start: NaiveDate,
    end: Option<NaiveDate>,
) -> DomainResult<()> {
    for (field, value, max) in [
        ("ward", ward, 200),
        ("wardContact", ward_contact, 200),
        ("supervisionArrangement", arrangement, 500),
    ] {
        let value = value.trim();
        if value.is_empty() || value.chars().count() > max {
            return Err(DomainError::validation(
                field,
                format!("must be 1-{max} characters"),
            ));
        }
    }
    check_period(start, end)?;
    Ok(())
}

/// Placements of one peer that overlap in time may together not exceed the peer's contracted
/// weekly hours on any day. Checked at each day where the total can change (the new
/// placement's start and every overlapping placement's start inside it).
///
/// # Errors
/// `Conflict` naming the busiest day's total and the contract.
pub fn check_weekly_hours(
    contract_tenths: u32,
    existing: &[Placement],
    new: &Placement,
) -> DomainResult<()> {
    let overlapping: Vec<&Placement> = existing.iter().filter(|p| p.overlaps(new)).collect();
    let mut days = vec![new.start];
    days.extend(
        overlapping
            .iter()
            .map(|p| p.start)
            .filter(|d| new.active_on(*d)),
    );
    for day in days {
        let total: u32 = new.weekly_hours_tenths
            + overlapping
                .iter()
                .filter(|p| p.active_on(day))
                .map(|p| p.weekly_hours_tenths)
                .sum::<u32>();
        if total > contract_tenths {
            return Err(DomainError::Conflict(Conflict::HoursExceeded {
                from: day,
                total_tenths: total,
                contracted_tenths: contract_tenths,
            }));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn placement(start: NaiveDate, end: Option<NaiveDate>, hours: u32) -> Placement {
        Placement {
            id: PlacementId::new(),
            peer_id: PeerId::new(),
            unit_id: OrganisationId::new(),
            ward: "Afsnit P1".to_owned(),
            start,
            end,
            weekly_hours_tenths: hours * 10,
            ward_contact: "Afdelingssygeplejerske".to_owned(),
            supervision_arrangement: "Månedlig".to_owned(),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn overlapping_placements_may_not_exceed_the_contract() {
        let existing = vec![
            placement(d(1, 1), Some(d(3, 31)), 20),
            placement(d(5, 1), None, 15),
        ];
        // 20 + 17 = 37 fits a 37-hour contract; 20 + 18 does not.
        assert!(
            check_weekly_hours(370, &existing, &placement(d(2, 1), Some(d(2, 28)), 17)).is_ok()
        );
        assert!(
            check_weekly_hours(370, &existing, &placement(d(2, 1), Some(d(2, 28)), 18)).is_err()
        );
        // Overlaps both, but never both at once: the busiest day is 20 + 17.
        assert!(
            check_weekly_hours(370, &existing, &placement(d(3, 1), Some(d(6, 30)), 17)).is_ok()
        );
        // Open-ended overlaps the open-ended one from May.
        assert!(check_weekly_hours(370, &existing, &placement(d(4, 1), None, 23)).is_err());
        assert!(check_weekly_hours(370, &existing, &placement(d(4, 1), None, 22)).is_ok());
        // Back to back: the day after an end does not overlap.
        assert!(
            check_weekly_hours(370, &existing, &placement(d(4, 1), Some(d(4, 30)), 37)).is_ok()
        );
    }

    #[test]
    fn supervision_sessions_are_checked() {
        let u = UserId::new();
        assert!(
            SupervisionSession::new(d(1, 1), u, SupervisionFormat::Group, vec![], Utc::now())
                .is_err()
        );
        let two = vec![PeerId::new(), PeerId::new()];
        assert!(
            SupervisionSession::new(
                d(1, 1),
                u,
                SupervisionFormat::Individual,
                two.clone(),
                Utc::now()
            )
            .is_err()
        );
        assert!(
            SupervisionSession::new(d(1, 1), u, SupervisionFormat::Group, two, Utc::now()).is_ok()
        );
        let future = Utc::now().date_naive() + chrono::Days::new(2);
        assert!(
            SupervisionSession::new(
                future,
                u,
                SupervisionFormat::Group,
                vec![PeerId::new()],
                Utc::now()
            )
            .is_err()
        );
    }
}
