//! Research (issue 12): studies registered by a tenant, citizens who consent to a specific
//! study, what an export for a study may hold, and the use cases over them.

pub mod citizen;
pub mod export;
pub mod ports;
pub mod service;
pub mod study;

pub use citizen::CitizenStudy;
pub use export::{ANY, Quasi, age_band, generalise, iso_week, pseudonym};
pub use ports::{Participant, Study, StudyRepository, StudyScope};
pub use service::{ExportRow, ResearchService, StudyExport};
pub use study::{StudyConsent, StudyDraft, takes_part};
