//! A study's export as CSV or JSON, with its codebook.

use async_graphql::SimpleObject;
use peerbro_domain::research::{ExportRow, StudyExport as Data};
use peerbro_domain::{DomainError, DomainResult};

use super::ExportFormat;

/// One field of an export, described.
#[derive(SimpleObject)]
pub struct CodebookField {
    /// The column (CSV) or key (JSON).
    pub(crate) name: String,
    /// What it holds.
    pub(crate) description: String,
}

/// A study's export.
#[derive(SimpleObject)]
pub struct StudyExport {
    /// The form of `content`.
    pub(crate) format: ExportFormat,
    /// Citizens taking part (before generalisation left any out).
    pub(crate) participants: i32,
    /// Rows in `content`.
    pub(crate) rows: i32,
    /// The data.
    pub(crate) content: String,
    /// What each field holds.
    pub(crate) codebook: Vec<CodebookField>,
}

const CODEBOOK: [(&str, &str); 9] = [
    (
        "pseudonym",
        "The participant's pseudonym in this study: a keyed hash under the study's own key, different in every study and not reversible without it",
    ),
    (
        "age_band",
        "Age band at export (18-24, 25-34, 35-44, 45-54, 55-64, 65+); * when unknown or generalised",
    ),
    (
        "municipality",
        "The participant's municipality; * when generalised",
    ),
    (
        "offer_type",
        "The kind of support measured (ONE_TO_ONE, GROUP_COURSE); * when generalised",
    ),
    (
        "start_week",
        "ISO week of the support's first answered questionnaire (YYYY-Www)",
    ),
    ("measurement_point", "BASELINE, END or FOLLOW_UP"),
    (
        "instrument",
        "The instrument's key (see the tenant's instruments for its items and CHIME dimensions)",
    ),
    ("version", "The instrument version answered"),
    (
        "item_N / answers",
        "The answer to item N, on the instrument's scale from 0",
    ),
];

fn failed(e: impl std::fmt::Display) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!("an export could not be written: {e}"))
}

fn csv(rows: &[ExportRow]) -> DomainResult<String> {
    let items = rows.iter().map(|r| r.answers.len()).max().unwrap_or(0);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = CODEBOOK[..8].iter().map(|(n, _)| (*n).to_owned()).collect();
    header.extend((1..=items).map(|n| format!("item_{n}")));
    w.write_record(&header).map_err(failed)?;
    for r in rows {
        let mut record = vec![
            r.pseudonym.clone(),
            r.age_band.clone(),
            r.municipality.clone(),
            r.offer_type.clone(),
            r.start_week.clone(),
            r.point.clone(),
            r.instrument.clone(),
            r.version.to_string(),
        ];
        record.extend((0..items).map(|i| r.answers.get(i).map_or_else(String::new, u8::to_string)));
        w.write_record(&record).map_err(failed)?;
    }
    String::from_utf8(w.into_inner().map_err(failed)?).map_err(failed)
}

fn json(rows: &[ExportRow]) -> DomainResult<String> {
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "pseudonym": r.pseudonym, "age_band": r.age_band, "municipality": r.municipality,
                "offer_type": r.offer_type, "start_week": r.start_week,
                "measurement_point": r.point, "instrument": r.instrument, "version": r.version,
                "answers": r.answers,
            })
        })
        .collect();
    serde_json::to_string(&rows).map_err(failed)
}

/// The export in `format`.
pub(crate) fn render(data: &Data, format: ExportFormat) -> DomainResult<StudyExport> {
    let content = match format {
        ExportFormat::Csv => csv(&data.rows)?,
        ExportFormat::Json => json(&data.rows)?,
    };
    Ok(StudyExport {
        format,
        participants: i32::try_from(data.participants).unwrap_or(i32::MAX),
        rows: i32::try_from(data.rows.len()).unwrap_or(i32::MAX),
        content,
        codebook: CODEBOOK
            .iter()
            .map(|(name, description)| CodebookField {
                name: (*name).to_owned(),
                description: (*description).to_owned(),
            })
            .collect(),
    })
}
