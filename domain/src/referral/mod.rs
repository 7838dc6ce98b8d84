//! Referrals ("henvisninger"): how a case-worker's referral of a citizen becomes support, with a
//! closed loop back to the referrer. This module holds the state machine; the use cases, ports
//! and API follow (issue 4).

mod dashboard;
pub mod model;
pub(crate) mod moves;
mod next_step;
pub mod policy;
pub mod ports;
mod pseudonyms;
#[allow(clippy::module_inception)]
pub mod referral;
mod self_referral;
pub mod service;
#[cfg(test)]
mod service_tests;
mod submit;
pub mod values;
mod worklist;

pub use model::*;
pub use next_step::*;
pub use ports::*;
pub use referral::*;
pub use self_referral::SelfReferral;
pub use service::*;
pub use submit::*;
pub use values::*;
