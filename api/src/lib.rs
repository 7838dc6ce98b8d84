//! The peerbro server: actix-web, GraphQL, REST + OpenAPI, JWT auth, configuration,
//! telemetry and the command line. `main.rs` only calls [`cli::run`].

/// A wire enum mirroring a domain enum variant for variant: a GraphQL enum, a JSON string in
/// `SCREAMING_SNAKE_CASE` with its OpenAPI schema, and conversions both ways. Defined here,
/// before the modules, so that GraphQL and REST types use the one definition.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident => $domain:ty { $($(#[$vmeta:meta])* $variant:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(
            async_graphql::Enum,
            Clone,
            Copy,
            Debug,
            PartialEq,
            Eq,
            serde::Serialize,
            serde::Deserialize,
            utoipa::ToSchema,
        )]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl From<$name> for $domain {
            fn from(v: $name) -> Self {
                match v { $($name::$variant => Self::$variant,)* }
            }
        }

        impl From<$domain> for $name {
            fn from(v: $domain) -> Self {
                match v { $(<$domain>::$variant => Self::$variant,)* }
            }
        }
    };
}

pub mod access_page;
pub mod audit_anchor;
pub mod auth;
pub mod chat_upkeep;
pub mod cli;
pub mod config;
pub mod events;
pub mod graphql;
pub mod http;
pub mod keys;
pub mod metrics;
pub mod prepare;
pub mod progress;
pub mod reports;
pub mod rest;
pub mod retention;
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
