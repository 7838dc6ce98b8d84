//! Recovery outcomes in GraphQL (issue 12): the tenant's questionnaires, each item with its
//! CHIME dimension (tenant admins add instruments they hold the rights to); questionnaires due
//! and answered; the tenant's outcome settings; change per citizen and over the tenant.

mod answers;
mod csv_import;
mod mutation;
mod peer_rounds;
mod query;
mod report;
mod types;

pub use mutation::*;
pub use peer_rounds::{PeerRoundsMutation, PeerRoundsQuery};
pub use query::*;
pub use report::ReportsQuery;
