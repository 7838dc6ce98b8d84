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
