//! Enums shared by the GraphQL and REST wire formats, each mapped to its domain type once.

use peerbro_domain::tenancy as domain;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What an organisation is in the partnership.
#[derive(
    async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrganisationKind {
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

impl From<domain::OrganisationKind> for OrganisationKind {
    fn from(k: domain::OrganisationKind) -> Self {
        match k {
            domain::OrganisationKind::MunicipalityDepartment => Self::MunicipalityDepartment,
            domain::OrganisationKind::BostotteTeam => Self::BostotteTeam,
            domain::OrganisationKind::HospitalPsychiatryUnit => Self::HospitalPsychiatryUnit,
            domain::OrganisationKind::Ngo => Self::Ngo,
            domain::OrganisationKind::Other => Self::Other,
        }
    }
}

impl From<OrganisationKind> for domain::OrganisationKind {
    fn from(k: OrganisationKind) -> Self {
        match k {
            OrganisationKind::MunicipalityDepartment => Self::MunicipalityDepartment,
            OrganisationKind::BostotteTeam => Self::BostotteTeam,
            OrganisationKind::HospitalPsychiatryUnit => Self::HospitalPsychiatryUnit,
            OrganisationKind::Ngo => Self::Ngo,
            OrganisationKind::Other => Self::Other,
        }
    }
}
