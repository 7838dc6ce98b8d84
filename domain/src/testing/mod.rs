//! In-memory fakes of the ports, for use-case tests. They are tenant-scoped like the real
//! adapters, and their unit of work really rolls back: a unit works on a copy of the state and
//! writes it back only when committed, so a refused use case can be shown to change nothing.

mod audit;
pub(crate) mod chat;
mod citizens;
mod meetings;
mod offers;
mod peers;
mod queue;
mod referrals;
mod unit;
mod webhooks;
mod world;

pub(crate) use queue::{RecordingPublisher, ScriptedSender};
pub(crate) use webhooks::{OpenGuard, counter_secrets};
pub(crate) use world::*;
