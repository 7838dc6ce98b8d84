//! Privacy mechanisms every context reuses: personal values that cannot be logged, the
//! purposes an access may have, the audit log of every read and write of a citizen's personal
//! data, and the cipher port behind field encryption.

pub mod access;
pub mod audit;
pub mod cipher;
pub mod legal_hold;
pub mod peer_access;
pub mod personal;
pub mod records;
pub mod retention;
mod retention_policy;
#[cfg(test)]
mod retention_tests;

pub use audit::*;
pub use cipher::*;
pub use legal_hold::{LegalHold, LegalHoldReason};
pub use personal::*;
