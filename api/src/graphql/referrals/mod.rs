//! Referrals in GraphQL. Referrers get `ReferralStatus` (the closed loop: status, dates,
//! feedback and, with the citizen's consent, the coded outcome); coordinators get `Referral`,
//! whose `reason` is personal data, decrypted and audited only through `referral(id, purpose)`.

pub(crate) mod enums;
mod inputs;
mod mutation;
mod query;
mod types;

pub use mutation::*;
pub use query::*;
pub use types::*;
