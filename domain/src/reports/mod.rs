//! Reports a municipality can publish (issue 12). So far the disclosure control every
//! published count table goes through; the fixed reports come next.

pub mod disclosure;
mod linear;

pub use disclosure::{Cell, DEFAULT_THRESHOLD, MIN_THRESHOLD, Published, recoverable, suppress};
