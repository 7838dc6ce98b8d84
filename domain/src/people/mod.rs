//! People: citizens and their consents (peer workers follow).

mod audit_chain;
pub mod citizen;
pub mod consent;
pub mod consent_texts;
mod legal_hold;
mod own;
pub mod peer;
mod peer_holds;
mod peer_lookup;
pub mod peer_ports;
mod peer_profile;
pub mod peer_service;
#[cfg(test)]
mod peer_service_tests;
mod peer_supervision;
mod placement_update;
pub mod policy;
pub mod ports;
pub mod service;
#[cfg(test)]
mod service_tests;
pub mod supervision;
pub mod values;
mod withdrawal;

pub use citizen::*;
pub use consent::*;
pub use own::own_citizen;
pub use peer::*;
pub use peer_ports::*;
pub use peer_profile::PeerProfileChange;
pub use peer_service::{NewPeer, NewPlacement, PeerService, SupervisionDue, parse_languages};
pub use placement_update::PlacementPatch;
pub use ports::*;
pub use service::PeopleService;
pub use supervision::*;
pub use values::*;
