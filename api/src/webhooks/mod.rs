//! Webhook adapters: the URL guard (no SSRF into the hosting network), Standard Webhooks
//! signing, the HTTP sender, and the background worker that runs the domain's dispatcher.

pub mod guard;
pub mod metered;
pub mod sender;
pub mod signing;
pub mod worker;

pub use guard::{AddressPolicy, NetGuard};
pub use metered::{MeteredPublisher, MeteredSender};
pub use sender::HttpSender;
pub use signing::{new_secret, sign};
pub use worker::spawn_worker;
