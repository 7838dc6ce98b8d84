//! Offers in GraphQL: what the partnership offers (every member sees it), courses with their
//! sessions, enrolment and waiting list, attendance, café headcounts, and one-to-one matches
//! with their meetings.

mod enrolments;
mod inputs;
mod meetings;
mod mutation;
mod query;
mod types;

pub use mutation::*;
pub use query::*;
pub use types::*;
