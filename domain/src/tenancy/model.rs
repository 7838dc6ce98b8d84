//! Tenancy entities and value objects. Values are built only through constructors that
//! validate ("parse, don't validate"), so a `TenantSlug` or `Email` in hand is always valid.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::context::Role;
use crate::error::{DomainError, DomainResult};
use crate::ids::{OrganisationId, TenantId, UserId};

/// Trims, refuses control characters and checks the length in characters.
fn clean_text(field: &str, raw: &str, max: usize) -> DomainResult<String> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(DomainError::validation(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(DomainError::validation(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(DomainError::validation(
            field,
            "must not contain control characters",
        ));
    }
    Ok(value.to_owned())
}

/// A tenant's URL-safe short name, e.g. `helsingor`: 2–63 of `a-z`, `0-9`, `-`, starting
/// with a letter.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TenantSlug(String);

impl TenantSlug {
    /// Parses a slug.
    ///
    /// # Errors
    /// `Validation` when the slug breaks the rule above.
    pub fn parse(raw: &str) -> DomainResult<Self> {
        let ok = (2..=63).contains(&raw.len())
            && raw.starts_with(|c: char| c.is_ascii_lowercase())
            && raw
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(DomainError::validation(
                "slug",
                "must be 2-63 characters of a-z, 0-9 and '-', starting with a letter",
            ))
        }
    }

    /// The slug.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One municipality partnership.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    /// Id.
    pub id: TenantId,
    /// Short name.
    pub slug: TenantSlug,
    /// Display name, e.g. "Peer-Partnerskabet Helsingør".
    pub name: String,
    /// The municipality, e.g. "Helsingør Kommune".
    pub municipality: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// A national partner organisation (set by the platform operator): reads the national view.
    pub national: bool,
}

impl Tenant {
    /// A new tenant.
    ///
    /// # Errors
    /// `Validation` for an empty or over-long name or municipality.
    pub fn new(slug: TenantSlug, name: &str, municipality: &str) -> DomainResult<Self> {
        Ok(Self {
            id: TenantId::new(),
            slug,
            name: clean_text("name", name, 200)?,
            municipality: clean_text("municipality", municipality, 200)?,
            created_at: Utc::now(),
            national: false,
        })
    }
}

/// What an organisation is, in the partnership.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrganisationKind {
    /// A department of the municipality (e.g. social services).
    MunicipalityDepartment,
    /// A housing-support (bostøtte) team.
    BostotteTeam,
    /// A hospital-psychiatry unit (region, hospital, ward).
    HospitalPsychiatryUnit,
    /// A non-governmental organisation (SIND, PEERS, Det Sociale Netværk …).
    Ngo,
    /// Anything else.
    Other,
}

impl OrganisationKind {
    /// Every kind.
    pub const ALL: [Self; 5] = [
        Self::MunicipalityDepartment,
        Self::BostotteTeam,
        Self::HospitalPsychiatryUnit,
        Self::Ngo,
        Self::Other,
    ];

    /// The stored and wire name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::MunicipalityDepartment => "MUNICIPALITY_DEPARTMENT",
            Self::BostotteTeam => "BOSTOTTE_TEAM",
            Self::HospitalPsychiatryUnit => "HOSPITAL_PSYCHIATRY_UNIT",
            Self::Ngo => "NGO",
            Self::Other => "OTHER",
        }
    }
}

impl std::str::FromStr for OrganisationKind {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| DomainError::validation("kind", "unknown organisation kind"))
    }
}

/// An organisation's name: 1–200 characters, trimmed, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OrganisationName(String);

impl OrganisationName {
    /// Parses a name.
    ///
    /// # Errors
    /// `Validation` when empty, too long or containing control characters.
    pub fn parse(raw: &str) -> DomainResult<Self> {
        clean_text("name", raw, 200).map(Self)
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An organisation inside a tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organisation {
    /// Id.
    pub id: OrganisationId,
    /// Name, unique in the tenant.
    pub name: OrganisationName,
    /// Kind.
    pub kind: OrganisationKind,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl Organisation {
    /// A new organisation.
    #[must_use]
    pub fn new(name: OrganisationName, kind: OrganisationKind) -> Self {
        let now = Utc::now();
        Self {
            id: OrganisationId::new(),
            name,
            kind,
            created_at: now,
            updated_at: now,
        }
    }
}

/// A change to an organisation; absent fields stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrganisationPatch {
    /// New name.
    pub name: Option<OrganisationName>,
    /// New kind.
    pub kind: Option<OrganisationKind>,
}

impl OrganisationPatch {
    /// Applies the patch.
    ///
    /// # Errors
    /// `Validation` when the patch changes nothing.
    pub fn apply(self, org: &mut Organisation) -> DomainResult<()> {
        if self.name.is_none() && self.kind.is_none() {
            return Err(DomainError::validation(
                "input",
                "give at least one of name, kind",
            ));
        }
        if let Some(name) = self.name {
            org.name = name;
        }
        if let Some(kind) = self.kind {
            org.kind = kind;
        }
        org.updated_at = Utc::now();
        Ok(())
    }
}

/// Filters for listing organisations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OrganisationFilter {
    /// Only organisations of this kind.
    pub kind: Option<OrganisationKind>,
}

/// An e-mail address, lower-cased; checked for shape, not deliverability.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Parses an address.
    ///
    /// # Errors
    /// `Validation` when it is not of the form `local@domain.tld` or longer than 254.
    pub fn parse(raw: &str) -> DomainResult<Self> {
        let value = raw.trim().to_lowercase();
        let shape_ok = value.len() <= 254
            && value.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && local.len() <= 64
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
            })
            && !value.chars().any(|c| c.is_whitespace() || c.is_control());
        if shape_ok {
            Ok(Self(value))
        } else {
            Err(DomainError::validation(
                "email",
                "must be an e-mail address like name@example.dk",
            ))
        }
    }

    /// The address.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's display name: 1–200 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// Parses a display name.
    ///
    /// # Errors
    /// `Validation` when empty, too long or containing control characters.
    pub fn parse(raw: &str) -> DomainResult<Self> {
        clean_text("displayName", raw, 200).map(Self)
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A user's membership of one tenant: who they are there, where they work, what they may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Id (the token's subject).
    pub id: UserId,
    /// E-mail, unique in the tenant.
    pub email: Email,
    /// Display name.
    pub display_name: DisplayName,
    /// The organisation they belong to, if any.
    pub organisation_id: Option<OrganisationId>,
    /// Roles granted in this tenant.
    pub roles: BTreeSet<Role>,
    /// When they were invited.
    pub created_at: DateTime<Utc>,
    /// Since when they may not sign in (a tenant admin deactivated them); `None` while active.
    pub deactivated_at: Option<DateTime<Utc>>,
    /// The identity provider's subject of the person, linking their memberships (ADR 0028).
    pub idp_subject: Option<crate::tenancy::subject::IdpSubject>,
}

/// What a tenant admin gives to invite a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    /// E-mail.
    pub email: Email,
    /// Display name.
    pub display_name: DisplayName,
    /// Roles to grant at once.
    pub roles: BTreeSet<Role>,
    /// Organisation.
    pub organisation_id: Option<OrganisationId>,
    /// The identity provider's subject of the person, when known.
    pub idp_subject: Option<crate::tenancy::subject::IdpSubject>,
}

impl Invitation {
    /// The user this invitation creates.
    #[must_use]
    pub fn into_user(self) -> User {
        User {
            id: UserId::new(),
            email: self.email,
            display_name: self.display_name,
            organisation_id: self.organisation_id,
            roles: self.roles,
            created_at: Utc::now(),
            deactivated_at: None,
            idp_subject: self.idp_subject,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_checked() {
        for ok in ["helsingor", "kobenhavn-2", "ab"] {
            assert!(TenantSlug::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a",
            "Helsingor",
            "2x",
            "hel singor",
            "æble",
            &"a".repeat(64),
        ] {
            assert!(TenantSlug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse(" Anna@Example.DK ").unwrap().as_str(),
            "anna@example.dk"
        );
        for bad in [
            "", "anna", "anna@", "@x.dk", "anna@dk", "a b@x.dk", "a@x.dk.",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(OrganisationName::parse("  SIND ").unwrap().as_str(), "SIND");
        assert!(OrganisationName::parse("   ").is_err());
        assert!(OrganisationName::parse(&"x".repeat(201)).is_err());
        assert!(OrganisationName::parse("a\u{0}b").is_err());
    }

    #[test]
    fn an_empty_patch_is_refused() {
        let mut org = Organisation::new(
            OrganisationName::parse("SIND").unwrap(),
            OrganisationKind::Ngo,
        );
        assert!(OrganisationPatch::default().apply(&mut org).is_err());
    }
}
