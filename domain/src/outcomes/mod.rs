//! Recovery outcomes (issue 12): what a measurement of recovery over time is worth. So far the
//! statistics of paired change; instruments, measurement points and answers come next.

pub mod change;

pub use change::{ChangeError, PairedChange};
