//! Questionnaires that measure recovery: each item belongs to one CHIME dimension
//! (Connectedness, Hope and optimism, Identity, Meaning, Empowerment — Leamy et al. 2011) and
//! is answered on the instrument's scale. An instrument has a version; an answer records the
//! version it answered, so a changed instrument never rewrites old answers.

use std::collections::BTreeMap;

use crate::error::{DomainError, DomainResult};

stored_enum!(
    /// The CHIME dimensions of personal recovery (stored and exported by these names).
    ChimeDimension {
        /// Connectedness.
        Connectedness = "CONNECTEDNESS",
        /// Hope and optimism about the future.
        Hope = "HOPE",
        /// Identity.
        Identity = "IDENTITY",
        /// Meaning in life.
        Meaning = "MEANING",
        /// Empowerment.
        Empowerment = "EMPOWERMENT",
    }
);

/// Who answers an instrument: citizens about their recovery, or peers about their own
/// recovery and role (the second target group of the evaluation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Respondent {
    /// A citizen.
    Citizen,
    /// A peer worker.
    Peer,
}

/// Most items an instrument may have.
pub const MAX_ITEMS: usize = 60;
/// Most characters of an item's text or a scale label.
pub const MAX_TEXT: usize = 300;

/// One item: its text and the dimension it measures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// The text shown.
    pub text: String,
    /// What it measures.
    pub dimension: ChimeDimension,
}

/// An instrument as a tenant defines or imports it, before validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstrumentDraft {
    /// Short key, e.g. `hverdagsliv-15` (2–63 of `a-z`, `0-9`, `-`).
    pub key: String,
    /// Title shown to respondents.
    pub title: String,
    /// Version (1 and up).
    pub version: u32,
    /// Who answers it.
    pub respondent: Respondent,
    /// The labels of the answer scale, lowest first; the scale runs 0..labels.len()-1.
    pub scale: Vec<String>,
    /// The items, in order.
    pub items: Vec<Item>,
}

/// A validated instrument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instrument {
    draft: InstrumentDraft,
}

fn text(field: &str, raw: &str) -> DomainResult<String> {
    let value = raw.trim();
    if value.is_empty() || value.chars().count() > MAX_TEXT {
        return Err(DomainError::validation(
            field,
            format!("must be 1-{MAX_TEXT} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(DomainError::validation(
            field,
            "must not contain control characters",
        ));
    }
    Ok(value.to_owned())
}

impl Instrument {
    /// Validates a draft.
    ///
    /// # Errors
    /// `Validation` naming the field: `key`, `title`, `version` (0), `scale` (2–11 labels),
    /// `items` (1–60), `items[N].text`.
    pub fn new(draft: InstrumentDraft) -> DomainResult<Self> {
        let key_ok = (2..=63).contains(&draft.key.len())
            && draft
                .key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !draft.key.starts_with('-');
        if !key_ok {
            return Err(DomainError::validation(
                "key",
                "must be 2-63 of a-z, 0-9 and -, not starting with -",
            ));
        }
        if draft.version == 0 {
            return Err(DomainError::validation("version", "must be 1 or more"));
        }
        if !(2..=11).contains(&draft.scale.len()) {
            return Err(DomainError::validation(
                "scale",
                "must have 2-11 labels, lowest first",
            ));
        }
        if draft.items.is_empty() || draft.items.len() > MAX_ITEMS {
            return Err(DomainError::validation(
                "items",
                format!("must have 1-{MAX_ITEMS} items"),
            ));
        }
        let title = text("title", &draft.title)?;
        let scale = draft
            .scale
            .iter()
            .map(|l| text("scale", l))
            .collect::<DomainResult<Vec<_>>>()?;
        let items = draft
            .items
            .iter()
            .enumerate()
            .map(|(n, item)| {
                Ok(Item {
                    text: text(&format!("items[{n}].text"), &item.text)?,
                    dimension: item.dimension,
                })
            })
            .collect::<DomainResult<Vec<_>>>()?;
        Ok(Self {
            draft: InstrumentDraft {
                title,
                scale,
                items,
                ..draft
            },
        })
    }

    /// The definition.
    #[must_use]
    pub const fn definition(&self) -> &InstrumentDraft {
        &self.draft
    }

    /// The highest answer on the scale (the lowest is 0).
    #[must_use]
    pub fn max_answer(&self) -> u8 {
        u8::try_from(self.draft.scale.len() - 1).unwrap_or(u8::MAX)
    }

    /// Scores a complete set of answers, one per item in order: the mean answer per
    /// dimension the instrument measures, and over all items.
    ///
    /// # Errors
    /// `Validation` (`answers`) when not one answer per item, or an answer off the scale.
    pub fn score(&self, answers: &[u8]) -> DomainResult<Scores> {
        if answers.len() != self.draft.items.len() {
            return Err(DomainError::validation(
                "answers",
                format!("must answer each of the {} items", self.draft.items.len()),
            ));
        }
        if let Some(n) = answers.iter().position(|&a| a > self.max_answer()) {
            return Err(DomainError::validation(
                "answers",
                format!("answer {} is off the scale 0-{}", n + 1, self.max_answer()),
            ));
        }
        let mut sums: BTreeMap<ChimeDimension, (u32, u32)> = BTreeMap::new();
        for (item, &answer) in self.draft.items.iter().zip(answers) {
            let entry = sums.entry(item.dimension).or_default();
            entry.0 += u32::from(answer);
            entry.1 += 1;
        }
        let total: u32 = answers.iter().map(|&a| u32::from(a)).sum();
        Ok(Scores {
            by_dimension: sums
                .into_iter()
                .map(|(d, (sum, n))| (d, f64::from(sum) / f64::from(n)))
                .collect(),
            overall: f64::from(total) / f64::from(u32::try_from(answers.len()).unwrap_or(1)),
        })
    }
}

/// The scores of one set of answers.
#[derive(Clone, Debug, PartialEq)]
pub struct Scores {
    /// Mean answer per dimension the instrument measures.
    pub by_dimension: BTreeMap<ChimeDimension, f64>,
    /// Mean answer over all items.
    pub overall: f64,
}

#[cfg(test)]
#[path = "instrument_tests.rs"]
mod tests;
