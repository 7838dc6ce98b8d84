//! Key epochs (ADR 0043): the service that rotates and retires them, and its command line
//! and scheduled worker.

pub mod cli;
pub mod service;
