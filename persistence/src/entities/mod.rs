//! sea-orm entities. Never exposed outside this crate: repositories map them to domain types.

pub mod api_clients;
pub mod chat;
pub mod instruments;
pub mod legal_holds;
pub mod memberships;
pub mod offers;
pub mod organisations;
pub mod outbox;
pub mod outcomes;
pub mod peer_responses;
pub mod peers;
pub mod privacy;
pub mod referral;
pub mod research;
pub mod tenants;
pub mod users;
pub mod webhooks;
