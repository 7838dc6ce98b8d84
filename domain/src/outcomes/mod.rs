//! Recovery outcomes (issue 12): instruments that measure recovery along CHIME, their scores,
//! when they are due (measurement points), and the statistics of change over time. Stored
//! answers come next.

pub mod change;
pub mod instrument;
pub mod ports;
pub mod schedule;
pub mod seeded;
pub mod service;

pub use change::{ChangeError, PairedChange};
pub use instrument::{
    ChimeDimension, Instrument, InstrumentDraft, Item, MAX_ITEMS, MAX_TEXT, Respondent, Scores,
};
pub use ports::{InstrumentRepository, StoredInstrument};
pub use schedule::{AnswerMode, DEFAULT_FOLLOW_UP_DAYS, Due, MeasurementPoint, Support};
pub use service::OutcomeService;
