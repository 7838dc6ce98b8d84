//! Enums shared by the GraphQL and REST wire formats, each mapped to its domain type once, so
//! that both surfaces name the same values the same way.

use peerbro_domain::{people, tenancy};

wire_enum!(
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

wire_enum!(
    /// The kinds of offer: what a partnership offers and what a peer can run.
    OfferKind => people::OfferType {
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

wire_enum!(
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

/// An instant as every surface writes it (GraphQL's `DateTime`, REST, webhooks): RFC 3339, in
/// UTC (`Z`), with milliseconds: `2026-11-29T21:05:00.123Z`.
#[must_use]
pub fn instant(at: chrono::DateTime<chrono::Utc>) -> String {
    peerbro_domain::clock::wire_instant(at)
}

/// Serde: an instant in the one wire format ([`instant`]).
///
/// # Errors
/// When the serializer fails.
pub fn serialize_instant<S: serde::Serializer>(
    at: &chrono::DateTime<chrono::Utc>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&instant(*at))
}

/// Serde: an optional instant in the one wire format ([`instant`]).
///
/// # Errors
/// When the serializer fails.
pub fn serialize_optional_instant<S: serde::Serializer>(
    at: &Option<chrono::DateTime<chrono::Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serializer.serialize_str(&instant(*at)),
        None => serializer.serialize_none(),
    }
}
