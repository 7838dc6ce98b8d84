//! Citizens, consents and the audit log in GraphQL. Every field that returns a citizen's
//! personal data is reached through a use case whose adapter writes the audit entry, and every
//! query that reads it takes the `purpose` of the access.

mod consent_texts;
mod holds;
mod inputs;
mod mutation;
mod query;
mod retention;
mod types;

pub use consent_texts::{ConsentTextsMutation, ConsentTextsQuery};
pub use holds::{LegalHoldMutation, PeerLegalHoldMutation};
pub use mutation::*;
pub use query::*;
pub use retention::{RetentionMutation, RetentionQuery};
pub use types::*;
