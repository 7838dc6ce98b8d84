//! What a study's export may hold (issue 12): per-study keyed pseudonyms, minimal fields, and
//! quasi-identifiers generalised until every combination covers at least the threshold of
//! persons.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike as _, NaiveDate};

use crate::ids::CitizenId;
use crate::privacy::{Cipher, SecretKey};

/// Written where a quasi-identifier was generalised away.
pub const ANY: &str = "*";

/// A study's pseudonym for a citizen: the keyed hash (the cipher's blind index, HMAC-SHA-256)
/// of their id under the study's own key, 20 hex digits. Different in every study; without the
/// study key it cannot be reversed or linked across studies.
#[must_use]
pub fn pseudonym(cipher: &dyn Cipher, study_key: &SecretKey, citizen: CitizenId) -> String {
    let digest = cipher.blind_index(study_key, citizen.as_uuid().as_bytes());
    digest.iter().take(10).map(|b| format!("{b:02x}")).collect()
}

/// The age band of someone born in `birth_year`, on `on` (the year's difference, so at most
/// one year off): `18-24`, `25-34` … `65+`; `*` when unknown or under 18.
#[must_use]
pub fn age_band(birth_year: Option<i32>, on: NaiveDate) -> String {
    let Some(age) = birth_year.map(|y| on.year() - y) else {
        return ANY.to_owned();
    };
    match age {
        18..=24 => "18-24",
        25..=34 => "25-34",
        35..=44 => "35-44",
        45..=54 => "45-54",
        55..=64 => "55-64",
        65.. => "65+",
        _ => ANY,
    }
    .to_owned()
}

/// The ISO week a day falls in, `2026-W48`.
#[must_use]
pub fn iso_week(day: NaiveDate) -> String {
    let week = day.iso_week();
    format!("{}-W{:02}", week.year(), week.week())
}

/// One exported row's quasi-identifiers and the person it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quasi {
    /// The study pseudonym (the person).
    pub person: String,
    /// Age band.
    pub age_band: String,
    /// Municipality.
    pub municipality: String,
    /// Kind of offer.
    pub offer_type: String,
}

impl Quasi {
    fn key(&self) -> (String, String, String) {
        (
            self.age_band.clone(),
            self.municipality.clone(),
            self.offer_type.clone(),
        )
    }
}

fn rare(rows: &[Quasi], threshold: usize) -> BTreeSet<(String, String, String)> {
    let mut persons: BTreeMap<(String, String, String), BTreeSet<&str>> = BTreeMap::new();
    for r in rows {
        persons.entry(r.key()).or_default().insert(&r.person);
    }
    persons
        .into_iter()
        .filter(|(_, p)| p.len() < threshold)
        .map(|(k, _)| k)
        .collect()
}

/// Generalises the quasi-identifiers of rows in combinations rarer than `threshold` persons:
/// first the municipality, then the age band, then the kind of offer; rows still rare when all
/// three are generalised are left out. Returns which rows to keep (by index), with their
/// quasi-identifiers changed in place. Afterwards every combination covers at least
/// `threshold` persons.
pub fn generalise(rows: &mut [Quasi], threshold: usize) -> Vec<bool> {
    let steps: [fn(&mut Quasi); 3] = [
        |q| q.municipality = ANY.to_owned(),
        |q| q.age_band = ANY.to_owned(),
        |q| q.offer_type = ANY.to_owned(),
    ];
    for step in steps {
        let rare = rare(rows, threshold);
        if rare.is_empty() {
            break;
        }
        for row in rows.iter_mut().filter(|r| rare.contains(&r.key())) {
            step(row);
        }
    }
    let rare = rare(rows, threshold);
    rows.iter().map(|r| !rare.contains(&r.key())).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn quasi(person: u8, age: &str, municipality: &str, offer: &str) -> Quasi {
        Quasi {
            person: person.to_string(),
            age_band: age.to_owned(),
            municipality: municipality.to_owned(),
            offer_type: offer.to_owned(),
        }
    }

    #[test]
    fn bands_and_weeks() {
        let on = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(age_band(Some(2008), on), "18-24");
        assert_eq!(age_band(Some(2002), on), "18-24");
        assert_eq!(age_band(Some(2001), on), "25-34");
        assert_eq!(age_band(Some(1961), on), "65+");
        assert_eq!(age_band(Some(2010), on), ANY);
        assert_eq!(age_band(None, on), ANY);
        assert_eq!(iso_week(on), "2026-W49");
    }

    #[test]
    fn a_rare_municipality_is_generalised_first() {
        let mut rows: Vec<Quasi> = (0..5)
            .map(|p| quasi(p, "25-34", "Helsingør", "ONE_TO_ONE"))
            .chain([quasi(9, "25-34", "Fredensborg", "ONE_TO_ONE")])
            .collect();
        let keep = generalise(&mut rows, 5);
        // The one from Fredensborg alone is rare: with its municipality hidden it is still
        // alone in ("25-34", "*", …), then with the age band too, then left out.
        assert_eq!(keep, [true, true, true, true, true, false]);
        assert_eq!(rows[0].municipality, "Helsingør");
    }

    proptest! {
        /// After generalisation no kept combination of quasi-identifiers covers fewer than the
        /// threshold of persons.
        #[test]
        fn every_kept_combination_covers_the_threshold(
            raw in proptest::collection::vec((0u8..30, 0usize..3, 0usize..3, 0usize..2), 0..80),
            threshold in 3usize..7,
        ) {
            let ages = ["18-24", "25-34", "35-44"];
            let places = ["Helsingør", "Gribskov", "Fredensborg"];
            let offers = ["ONE_TO_ONE", "GROUP_COURSE"];
            let mut rows: Vec<Quasi> = raw
                .iter()
                .map(|(p, a, m, o)| quasi(*p, ages[*a], places[*m], offers[*o]))
                .collect();
            let keep = generalise(&mut rows, threshold);
            let kept: Vec<Quasi> = rows.into_iter().zip(keep).filter(|(_, k)| *k).map(|(r, _)| r).collect();
            prop_assert!(rare(&kept, threshold).is_empty());
        }
    }
}
