//! Recovery outcomes (issue 12): instruments that measure recovery along CHIME, their scores,
//! and the statistics of change over time. Measurement points and stored answers come next.

pub mod change;
pub mod instrument;
pub mod ports;
pub mod seeded;
pub mod service;

pub use change::{ChangeError, PairedChange};
pub use instrument::{
    ChimeDimension, Instrument, InstrumentDraft, Item, MAX_ITEMS, MAX_TEXT, Respondent, Scores,
};
pub use ports::{InstrumentRepository, StoredInstrument};
pub use service::OutcomeService;
