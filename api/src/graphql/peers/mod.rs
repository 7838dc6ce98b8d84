//! Peer workers, the volunteer pipeline, supervision and hospital-psychiatry placements in
//! GraphQL. A peer's name and contact are personal data: reading them is audited.

mod inputs;
mod links;
mod mutation;
mod placements;
mod query;
mod types;

pub(crate) use links::{peer, peers};
pub use mutation::*;
pub(crate) use placements::SupervisionWorklist;
pub use query::*;
pub use types::*;
