//! Offers ("tilbud"): peer-group courses with generated sessions, enrolment with a waiting
//! list and attendance; one-to-one accompaniment ("følgeskab"), whose matches are referrals
//! assigned to a peer and whose meetings are logged without content; recovery cafés, counted
//! by headcount only; and anonymous chat.

mod changes;
mod citizen;
pub mod course;
mod matches;
mod meeting;
pub mod model;
mod planning;
pub mod policy;
pub mod ports;
pub mod service;
#[cfg(test)]
mod service_tests;

pub use changes::{OfferChange, OfferChanged};
pub use course::*;
pub use matches::MeetingLog;
pub use meeting::*;
pub use model::*;
pub use planning::{CourseRoster, MAX_SCHEDULE_DAYS, MeetingPlan, PeerSchedule};
pub use ports::*;
pub use service::*;
