//! The values that describe a person, each parsed from a client's input once, here — with its
//! limits — so that GraphQL, REST and the seed only map fields to them.

use crate::error::DomainResult;
use crate::people::citizen::{BirthYear, NewCitizen, parse_municipality};
use crate::privacy::Personal;

/// The longest name of a citizen or a peer worker, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest contact text (phone, e-mail, address), in characters.
pub const MAX_CONTACT_CHARS: usize = 500;

/// A person's name (personal data): 1–200 characters, trimmed, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonName(Personal);

impl PersonName {
    /// Parses the input field `field`.
    ///
    /// # Errors
    /// `Validation` on `field`.
    pub fn parse(field: &str, raw: &str) -> DomainResult<Self> {
        Personal::parse(field, raw, MAX_NAME_CHARS).map(Self)
    }
}

impl From<PersonName> for Personal {
    fn from(name: PersonName) -> Self {
        name.0
    }
}

/// How to reach a person (personal data): 1–500 characters, line breaks allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact(Personal);

impl Contact {
    /// Parses the input field `field`.
    ///
    /// # Errors
    /// `Validation` on `field`.
    pub fn parse(field: &str, raw: &str) -> DomainResult<Self> {
        Personal::parse(field, raw, MAX_CONTACT_CHARS).map(Self)
    }

    /// Parses an optional field.
    ///
    /// # Errors
    /// `Validation` on `field`.
    pub fn parse_opt(field: &str, raw: Option<&str>) -> DomainResult<Option<Personal>> {
        raw.map(|r| Self::parse(field, r).map(Personal::from))
            .transpose()
    }
}

impl From<Contact> for Personal {
    fn from(contact: Contact) -> Self {
        contact.0
    }
}

/// A citizen as a client describes them, fields as sent.
#[derive(Clone, Copy, Debug)]
pub struct CitizenInput<'a> {
    /// Name.
    pub name: &'a str,
    /// Contact details.
    pub contact: Option<&'a str>,
    /// Birth year.
    pub birth_year: Option<i32>,
    /// Municipality.
    pub municipality: &'a str,
}

impl NewCitizen {
    /// Parses a new citizen from input; `object` names the input object the fields are in
    /// (`newCitizen` within a referral), so that an error names the field as the client sent
    /// it.
    ///
    /// # Errors
    /// `Validation` on the first field that does not parse.
    pub fn parse(object: Option<&str>, input: CitizenInput<'_>) -> DomainResult<Self> {
        let field = |name: &str| object.map_or_else(|| name.to_owned(), |o| format!("{o}.{name}"));
        Ok(Self {
            name: PersonName::parse(&field("name"), input.name)?.into(),
            contact: Contact::parse_opt(&field("contact"), input.contact)?,
            birth_year: input.birth_year.map(BirthYear::parse).transpose()?,
            municipality: parse_municipality(input.municipality)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_contacts_hold_at_their_limits_and_refuse_one_past() {
        assert!(PersonName::parse("name", &"n".repeat(MAX_NAME_CHARS)).is_ok());
        assert!(PersonName::parse("name", &"n".repeat(MAX_NAME_CHARS + 1)).is_err());
        assert!(Contact::parse("contact", &"c".repeat(MAX_CONTACT_CHARS)).is_ok());
        assert!(Contact::parse("contact", &"c".repeat(MAX_CONTACT_CHARS + 1)).is_err());
        assert!(PersonName::parse("name", "  ").is_err());
        assert!(PersonName::parse("name", "a\u{7}b").is_err());
    }

    #[test]
    fn a_new_citizens_errors_name_the_field_as_sent() {
        let input = CitizenInput {
            name: "Rasmus Rask",
            contact: Some(&"x".repeat(MAX_CONTACT_CHARS + 1)),
            birth_year: None,
            municipality: "Helsingør",
        };
        for (object, expected) in [
            (None, "contact"),
            (Some("newCitizen"), "newCitizen.contact"),
        ] {
            match NewCitizen::parse(object, input) {
                Err(crate::error::DomainError::Validation { field, .. }) => {
                    assert_eq!(field, expected);
                }
                other => panic!("{other:?}"),
            }
        }
        let ok = NewCitizen::parse(
            None,
            CitizenInput {
                contact: None,
                ..input
            },
        )
        .unwrap();
        assert_eq!(ok.name.expose(), "Rasmus Rask");
        assert_eq!(ok.municipality, "Helsingør");
    }
}
