//! Input objects of this context's GraphQL API.

use async_graphql::{ID, InputObject, SimpleObject};

use super::types::*;

/// A consent obtained at registration.
#[derive(InputObject)]
pub struct ConsentInput {
    /// For what.
    pub(crate) purpose: ConsentPurpose,
    /// How it was obtained.
    pub(crate) evidence: ConsentEvidence,
    /// The version of the purpose's consent text the citizen was shown (`consentTexts`).
    /// When given, it must be the current version, or the registration is refused with
    /// `CONFLICT`/`CONSENT_TEXT_CHANGED` and nothing is recorded. Without it, the version in
    /// force is recorded.
    pub(crate) text_version: Option<u32>,
}

/// A citizen to register.
#[derive(InputObject)]
pub struct RegisterCitizenInput {
    /// Name (1–200 characters).
    pub(crate) name: String,
    /// Contact details as the citizen gave them (up to 500 characters).
    pub(crate) contact: Option<String>,
    /// Birth year.
    pub(crate) birth_year: Option<i32>,
    /// Municipality they live in.
    pub(crate) municipality: String,
    /// Consents already obtained.
    #[graphql(default)]
    pub(crate) consents: Vec<ConsentInput>,
    /// Why they are registered.
    #[graphql(default_with = "AccessPurpose::Coordination")]
    pub(crate) purpose: AccessPurpose,
}

/// A citizen registering themself.
#[derive(InputObject)]
pub struct RegisterSelfInput {
    /// Name.
    pub(crate) name: String,
    /// Contact details.
    pub(crate) contact: Option<String>,
    /// Birth year.
    pub(crate) birth_year: Option<i32>,
    /// Municipality.
    pub(crate) municipality: String,
}

/// A correction of a citizen's details; give at least one field.
#[derive(InputObject)]
pub struct UpdateCitizenInput {
    /// The citizen.
    pub(crate) citizen_id: ID,
    /// New name.
    pub(crate) name: Option<String>,
    /// New contact details.
    pub(crate) contact: Option<String>,
    /// New birth year.
    pub(crate) birth_year: Option<i32>,
    /// Why.
    #[graphql(default_with = "AccessPurpose::Coordination")]
    pub(crate) purpose: AccessPurpose,
}

/// A consent given or withdrawn.
#[derive(InputObject)]
pub struct RecordConsentInput {
    /// The citizen.
    pub(crate) citizen_id: ID,
    /// For what.
    pub(crate) purpose: ConsentPurpose,
    /// Given (true) or withdrawn (false).
    pub(crate) given: bool,
    /// How it was obtained.
    pub(crate) evidence: ConsentEvidence,
    /// The version of the purpose's consent text the citizen was shown (`consentTexts`).
    /// When given, it must be the current version, or nothing is recorded and the answer is
    /// `CONFLICT`/`CONSENT_TEXT_CHANGED` (ask again with the current text). Without it, the
    /// version in force is recorded.
    pub(crate) text_version: Option<u32>,
}

/// `eraseCitizen`'s input.
#[derive(InputObject)]
pub struct EraseCitizenInput {
    /// The citizen.
    pub(crate) citizen_id: ID,
}

/// The citizen after `registerCitizen`, `registerSelf`, `updateCitizen` or `eraseCitizen`.
#[derive(SimpleObject)]
pub struct CitizenPayload {
    /// The citizen as they now are.
    pub(crate) citizen: Citizen,
}

/// The citizen's consent history after `recordConsent`.
#[derive(SimpleObject)]
pub struct RecordConsentPayload {
    /// Every consent record of the citizen, the new one included.
    pub(crate) history: Vec<ConsentRecord>,
}
