//! Coordination: what a coordinator's dashboard adds up across contexts — the courses with
//! citizens waiting, the peers' free one-to-one places — and the peers a referral could be
//! matched with, ranked with the reasons. Read-only use cases over the referral, offer and
//! people ports; every decision that changes something stays with those contexts.

mod matching;
mod service;
#[cfg(test)]
mod service_tests;

pub use matching::{MatchReason, MatchSuggestion, MatchWish, PeerLoad, rank};
pub use service::{CoordinationService, CourseLoad};
