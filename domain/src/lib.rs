//! The peerbro domain: entities, value objects, rules, use cases, the authorization policy and
//! the ports (traits) that adapters implement.
//!
//! This crate depends on no web, GraphQL or ORM crate: `cargo tree -p peerbro-domain` shows it.

/// An enum stored and sent by name: `as_str`, `FromStr` (a `VALIDATION` error for unknown
/// names) and `ALL`.
macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The stored name.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text,)* }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::error::DomainError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| DomainError::validation(stringify!($name), "unknown value"))
            }
        }
    };
}

pub mod authz;
pub mod chat;
pub mod clock;
pub mod context;
pub mod coordination;
pub mod error;
pub mod ids;
pub mod offers;
pub mod outcomes;
pub mod page;
pub mod people;
pub mod privacy;
pub mod referral;
pub mod reports;
pub mod research;
pub mod tenancy;
pub mod unit_of_work;

#[cfg(test)]
pub(crate) mod testing;
pub mod webhooks;

pub use context::{Actor, RequestContext, Role};
pub use error::{Conflict, DomainError, DomainResult, Duplicate};
