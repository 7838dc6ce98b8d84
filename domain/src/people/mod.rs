//! People: citizens and their consents (peer workers follow).

pub mod citizen;
pub mod consent;
pub mod peer;
pub mod ports;
pub mod service;

pub use citizen::*;
pub use consent::*;
pub use peer::*;
pub use ports::*;
pub use service::PeopleService;
