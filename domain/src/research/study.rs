//! Research studies (issue 12): a study's registration and who is in it. A citizen takes part
//! only by consenting to that study under its current information sheet; withdrawal (or a new
//! sheet they have not consented to) takes them out of every later export.

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{DomainError, DomainResult};
use crate::ids::{CitizenId, UserId};

/// A study as registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StudyDraft {
    /// Title.
    pub title: String,
    /// First day of data collection.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// The protocol's reference.
    pub protocol_reference: String,
    /// The ethics approval's reference (the committee's case number).
    pub ethics_reference: String,
    /// The data controller (the research institution).
    pub data_controller: String,
    /// The current version of the information sheet citizens consent under (1 and up).
    pub information_sheet_version: u32,
}

fn text(field: &str, raw: &str, most: usize) -> DomainResult<String> {
    let value = raw.trim();
    if value.is_empty() || value.chars().count() > most || value.chars().any(char::is_control) {
        return Err(DomainError::validation(
            field,
            format!("must be 1-{most} characters without control characters"),
        ));
    }
    Ok(value.to_owned())
}

impl StudyDraft {
    /// The draft, checked.
    ///
    /// # Errors
    /// `Validation` naming the field: `title` (1–200), `protocolReference`,
    /// `ethicsReference` (1–100), `dataController` (1–200), `endsOn` before `startsOn`,
    /// `informationSheetVersion` 0.
    pub fn validated(self) -> DomainResult<Self> {
        if self.ends_on < self.starts_on {
            return Err(DomainError::validation(
                "endsOn",
                "must not be before startsOn",
            ));
        }
        if self.information_sheet_version == 0 {
            return Err(DomainError::validation(
                "informationSheetVersion",
                "must be 1 or more",
            ));
        }
        Ok(Self {
            title: text("title", &self.title, 200)?,
            protocol_reference: text("protocolReference", &self.protocol_reference, 100)?,
            ethics_reference: text("ethicsReference", &self.ethics_reference, 100)?,
            data_controller: text("dataController", &self.data_controller, 200)?,
            ..self
        })
    }
}

/// A citizen's consent to one study, given or withdrawn, under a version of its sheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StudyConsent {
    /// The citizen.
    pub citizen_id: CitizenId,
    /// Given (true) or withdrawn (false).
    pub given: bool,
    /// The information sheet version the citizen was shown.
    pub information_sheet_version: u32,
    /// When.
    pub at: DateTime<Utc>,
    /// Who recorded it (the citizen themself, or a coordinator with them).
    pub recorded_by: Option<UserId>,
}

/// Whether a citizen takes part, from their consent history for the study (oldest first):
/// their latest record is a consent under the study's current information sheet.
#[must_use]
pub fn takes_part(history: &[StudyConsent], current_sheet: u32) -> bool {
    history
        .iter()
        .max_by_key(|c| c.at)
        .is_some_and(|c| c.given && c.information_sheet_version == current_sheet)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 1, d).unwrap()
    }

    fn draft() -> StudyDraft {
        StudyDraft {
            title: "Vejen til hverdagslivet: effektstudie".to_owned(),
            starts_on: day(1),
            ends_on: day(31),
            protocol_reference: "PROT-2027-01".to_owned(),
            ethics_reference: "VEK H-27001234".to_owned(),
            data_controller: "Københavns Universitet".to_owned(),
            information_sheet_version: 1,
        }
    }

    #[test]
    fn a_study_is_checked_field_by_field() {
        assert!(draft().validated().is_ok());
        type Spoil = fn(&mut StudyDraft);
        let cases: [(Spoil, &str); 5] = [
            (|d| d.title = "x".repeat(201), "title"),
            (|d| d.ethics_reference = " ".to_owned(), "ethicsReference"),
            (|d| d.ends_on = day(1).pred_opt().unwrap(), "endsOn"),
            (
                |d| d.information_sheet_version = 0,
                "informationSheetVersion",
            ),
            (
                |d| d.data_controller = "a\u{7}".to_owned(),
                "dataController",
            ),
        ];
        for (spoil, field) in cases {
            let mut d = draft();
            spoil(&mut d);
            let err = d.validated().unwrap_err();
            assert!(
                matches!(&err, DomainError::Validation { field: f, .. } if f == field),
                "{err:?}"
            );
        }
        let mut at_limit = draft();
        at_limit.title = "x".repeat(200);
        assert!(at_limit.validated().is_ok());
    }

    #[test]
    fn only_a_consent_under_the_current_sheet_counts_and_withdrawal_ends_it() {
        let citizen = CitizenId::new();
        let record = |given: bool, version: u32, minute: i64| StudyConsent {
            citizen_id: citizen,
            given,
            information_sheet_version: version,
            at: DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::minutes(minute),
            recorded_by: None,
        };
        assert!(!takes_part(&[], 1));
        assert!(takes_part(&[record(true, 1, 0)], 1));
        assert!(
            !takes_part(&[record(true, 1, 0)], 2),
            "a new sheet asks again"
        );
        assert!(!takes_part(&[record(true, 1, 0), record(false, 1, 5)], 1));
        assert!(takes_part(&[record(false, 1, 0), record(true, 2, 5)], 2));
    }
}
