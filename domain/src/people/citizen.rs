//! Citizens: the people supported. Outside the vault a citizen is a pseudonym; the name and
//! contact details are personal data, encrypted with the citizen's own key. No CPR number is
//! ever stored.

use chrono::{DateTime, Datelike as _, Utc};

use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{CitizenId, UserId};
use crate::privacy::Personal;

/// How the citizen came to be registered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CitizenOrigin {
    /// Through a referral.
    Referral,
    /// Registered by a coordinator.
    Coordinator,
    /// Registered themself.
    SelfRegistration,
}

impl CitizenOrigin {
    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Referral => "REFERRAL",
            Self::Coordinator => "COORDINATOR",
            Self::SelfRegistration => "SELF_REGISTRATION",
        }
    }
}

impl std::str::FromStr for CitizenOrigin {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "REFERRAL" => Ok(Self::Referral),
            "COORDINATOR" => Ok(Self::Coordinator),
            "SELF_REGISTRATION" => Ok(Self::SelfRegistration),
            _ => Err(DomainError::validation("origin", "unknown citizen origin")),
        }
    }
}

/// A pseudonym shown instead of the name: `B-` and ten characters, in two groups of five,
/// from an alphabet without look-alikes (0/O, 1/I/L). With 31^10 codes a tenant of a million
/// citizens meets a collision about once in 1,600 registrations' lifetimes; a collision is
/// retried with a new code, never shown to a client. (Pseudonyms made before were six
/// characters; they stay as they are.)
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pseudonym(String);

const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Random bytes a pseudonym is made from (one character each).
pub const PSEUDONYM_BYTES: usize = 10;

/// Where a new pseudonym's random bytes come from (the system's CSPRNG; a script in tests).
pub type PseudonymSource = std::sync::Arc<dyn Fn() -> [u8; PSEUDONYM_BYTES] + Send + Sync>;

/// How many pseudonyms a registration tries before it gives up (each collision is a fresh
/// draw; three in a row mean the source is broken, not unlucky).
pub const PSEUDONYM_ATTEMPTS: usize = 3;

/// Runs `attempt` with `first`, then — while the pseudonym is taken in the tenant — with fresh
/// draws from `random`, at most [`PSEUDONYM_ATTEMPTS`] times in all.
///
/// # Errors
/// `attempt`'s error; `Conflict::PseudonymTaken` when every draw was taken.
pub async fn with_free_pseudonym<T, F, Fut>(
    first: Pseudonym,
    random: &PseudonymSource,
    mut attempt: F,
) -> DomainResult<T>
where
    F: FnMut(Pseudonym) -> Fut,
    Fut: std::future::Future<Output = DomainResult<T>>,
{
    let mut pseudonym = first;
    let mut tries = 1;
    loop {
        match attempt(pseudonym).await {
            Err(DomainError::Conflict(Conflict::PseudonymTaken)) if tries < PSEUDONYM_ATTEMPTS => {
                tries += 1;
                pseudonym = Pseudonym::from_random(random());
            }
            done => return done,
        }
    }
}

impl Pseudonym {
    /// A pseudonym from random bytes.
    #[must_use]
    pub fn from_random(bytes: [u8; PSEUDONYM_BYTES]) -> Self {
        let code: String = bytes
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
            .collect();
        Self(format!("B-{}-{}", &code[..5], &code[5..]))
    }

    /// Wraps a stored pseudonym.
    #[must_use]
    pub const fn from_storage(value: String) -> Self {
        Self(value)
    }

    /// The pseudonym.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A birth year between 1900 and this year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BirthYear(i32);

impl BirthYear {
    /// Validates a birth year.
    ///
    /// # Errors
    /// `Validation` outside 1900..=this year.
    pub fn parse(year: i32) -> DomainResult<Self> {
        let now = Utc::now().year();
        if (1900..=now).contains(&year) {
            Ok(Self(year))
        } else {
            Err(DomainError::validation(
                "birthYear",
                format!("must be between 1900 and {now}"),
            ))
        }
    }

    /// The year.
    #[must_use]
    pub const fn value(self) -> i32 {
        self.0
    }
}

/// A citizen as the domain sees them: personal fields in clear (they are encrypted at rest by
/// the adapter), or `None` after erasure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Citizen {
    /// Id.
    pub id: CitizenId,
    /// Pseudonym, shown instead of the name where the name is not needed.
    pub pseudonym: Pseudonym,
    /// Name; `None` once erased.
    pub name: Option<Personal>,
    /// Contact details (phone, e-mail, address as the citizen gave them); `None` if not given
    /// or erased.
    pub contact: Option<Personal>,
    /// Birth year, if given.
    pub birth_year: Option<BirthYear>,
    /// The municipality they live in.
    pub municipality: String,
    /// How they were registered.
    pub origin: CitizenOrigin,
    /// The citizen's own user account, if they have one.
    pub user_id: Option<UserId>,
    /// Who registered them (none for self-registration by the system).
    pub created_by: Option<UserId>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When their key was destroyed.
    pub erased_at: Option<DateTime<Utc>>,
}

/// What is needed to register a citizen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCitizen {
    /// Name.
    pub name: Personal,
    /// Contact details.
    pub contact: Option<Personal>,
    /// Birth year.
    pub birth_year: Option<BirthYear>,
    /// Municipality.
    pub municipality: String,
}

/// A change to a citizen's details; absent fields stay.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CitizenPatch {
    /// New name.
    pub name: Option<Personal>,
    /// New contact details.
    pub contact: Option<Personal>,
    /// New birth year.
    pub birth_year: Option<BirthYear>,
}

impl CitizenPatch {
    /// Applies the patch.
    ///
    /// # Errors
    /// `Validation` when it changes nothing; `Conflict` for an erased citizen.
    pub fn apply(self, citizen: &mut Citizen) -> DomainResult<()> {
        if citizen.erased_at.is_some() {
            return Err(DomainError::Conflict(Conflict::CitizenErased));
        }
        if self.name.is_none() && self.contact.is_none() && self.birth_year.is_none() {
            return Err(DomainError::validation(
                "input",
                "give at least one of name, contact, birthYear",
            ));
        }
        if let Some(name) = self.name {
            citizen.name = Some(name);
        }
        if let Some(contact) = self.contact {
            citizen.contact = Some(contact);
        }
        if let Some(year) = self.birth_year {
            citizen.birth_year = Some(year);
        }
        Ok(())
    }
}

/// Validates a municipality name.
///
/// # Errors
/// `Validation` when empty or longer than 100 characters.
pub fn parse_municipality(raw: &str) -> DomainResult<String> {
    let value = raw.trim();
    if value.is_empty() || value.chars().count() > 100 || value.chars().any(char::is_control) {
        return Err(DomainError::validation(
            "municipality",
            "must be 1-100 characters",
        ));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_avoid_look_alike_characters() {
        let p = Pseudonym::from_random([0, 1, 30, 31, 255, 128, 2, 3, 4, 5]);
        assert_eq!(p.as_str(), "B-23Z29-64567");
        assert!(!p.as_str()[2..].contains(['0', 'O', '1', 'I', 'L']));
    }

    #[test]
    fn birth_years_are_bounded() {
        assert!(BirthYear::parse(1899).is_err());
        assert!(BirthYear::parse(Utc::now().year() + 1).is_err());
        assert!(BirthYear::parse(1985).is_ok());
    }
}
