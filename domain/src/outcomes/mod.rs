//! Recovery outcomes (issue 12): instruments that measure recovery along CHIME, their scores,
//! when they are due (measurement points), the answers and the statistics of change over time.

pub mod answering;
pub mod change;
pub mod evaluation;
pub mod instrument;
pub mod peer_rounds;
pub mod ports;
pub mod response;
pub mod schedule;
pub mod seeded;
pub mod service;
pub mod sums;

pub use answering::DueList;
pub use change::{ChangeError, PairSums, PairedChange};
pub use evaluation::{ChangeQuery, CitizenChange, CitizenOutcomes, ScoredResponse};
pub use instrument::{
    ChimeDimension, Instrument, InstrumentDraft, Item, MAX_ITEMS, MAX_TEXT, Respondent, Scores,
};
pub use peer_rounds::{MyPeerQuestionnaire, PeerRound, open_round};
pub use ports::{
    InstrumentRepository, PeerResponse, PeerResponseRepository, ResponseFilter, ResponseRepository,
    StoredInstrument, SupportFilter,
};
pub use response::{
    AnswerInput, DueSupport, MeasuredSupport, OutcomeSettings, OutcomeSettingsPatch,
    QuestionnaireResponse, SupportRef,
};
pub use schedule::{
    ANSWER_WINDOW_DAYS, AnswerMode, DEFAULT_FOLLOW_UP_DAYS, DEFAULT_PEER_ROUND_DAYS, Due,
    MeasurementPoint, PEER_ROUND_DAYS, Support,
};
pub use service::{OutcomePorts, OutcomeService};
pub use sums::{ChangeSummary, ChangeSums};
