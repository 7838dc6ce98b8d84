//! The peerbro server: actix-web, GraphQL, REST + OpenAPI, JWT auth, configuration,
//! telemetry and the command line. `main.rs` only calls [`cli::run`].

pub mod auth;
pub mod cli;
pub mod config;
pub mod events;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod rest;
pub mod secrets;
pub mod seed;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod webhooks;
pub mod wire;
pub mod wiring;

pub use config::Settings;
pub use startup::Application;
