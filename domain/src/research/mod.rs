//! Research (issue 12): studies registered by a tenant, citizens who consent to a specific
//! study, and what an export for a study may hold. The rules are here; storage, the RESEARCHER
//! screens and the export itself come next (the research part is open).

pub mod export;
pub mod study;

pub use export::{ANY, Quasi, age_band, generalise, iso_week, pseudonym};
pub use study::{StudyConsent, StudyDraft, takes_part};
