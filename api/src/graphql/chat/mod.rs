//! Anonymous end-to-end encrypted chat in GraphQL (issue 14, ADR 0046).

mod caller;
mod inputs;
mod live;
mod schema;
pub mod session;
mod statistics;
mod types;

pub use caller::ChatCaller;
pub use live::{ChatPoll, ChatSubscription};
pub use schema::*;
pub use statistics::ChatStatisticsQuery;
