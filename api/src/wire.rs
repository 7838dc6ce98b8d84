//! Enums shared by the GraphQL and REST wire formats, each mapped to its domain type once, so
//! that both surfaces name the same values the same way.

use peerbro_domain::{people, tenancy};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A wire enum mirroring a domain enum variant for variant: a GraphQL enum, a JSON string in
/// `SCREAMING_SNAKE_CASE` with its OpenAPI schema, and conversions both ways.
macro_rules! shared_enum {
    ($(#[$meta:meta])* $name:ident => $domain:ty { $($(#[$vmeta:meta])* $variant:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(
            async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema,
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

shared_enum!(
    /// What an organisation is in the partnership.
    OrganisationKind => tenancy::OrganisationKind {
        /// A department of the municipality.
        MunicipalityDepartment,
        /// A housing-support (bostøtte) team.
        BostotteTeam,
        /// A hospital-psychiatry unit.
        HospitalPsychiatryUnit,
        /// A non-governmental organisation.
        Ngo,
        /// Anything else.
        Other,
    }
);

shared_enum!(
    /// The kinds of offer: what a partnership offers and what a peer can run.
    OfferType => people::OfferType {
        /// A peer-group course.
        GroupCourse,
        /// One-to-one accompaniment (følgeskab).
        OneToOne,
        /// A recovery café.
        RecoveryCafe,
        /// Anonymous chat.
        AnonymousChat,
    }
);

shared_enum!(
    /// How a consent was obtained.
    ConsentEvidence => people::ConsentEvidence {
        /// Given verbally to the referrer.
        VerbalToReferrer,
        /// Written and signed.
        Written,
        /// Given digitally by the citizen.
        Digital,
    }
);
