//! Consent text versions (issue 13, ADR 0044): the partnership's wording of each consent
//! purpose, published as numbered versions that never change; each consent record names the
//! version in force when it was recorded; and the list of citizens whose consent was given
//! under an older version (or none), to be asked again.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::authz::{PeopleAction, TenancyAction, authorize, authorize_people};
use crate::clock::Clock;
use crate::context::RequestContext;
use crate::error::{DomainError, DomainResult};
use crate::ids::{CitizenId, UserId};
use crate::page::{Page, PageRequest};
use crate::people::consent::ConsentPurpose;

/// The longest text, in characters.
pub const MAX_BODY_CHARS: usize = 20_000;

/// A consent text's wording: 1 to 20,000 characters, no control characters but line breaks
/// and tabs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentTextBody(String);

impl ConsentTextBody {
    /// Validates a wording.
    ///
    /// # Errors
    /// `Validation` (`body`) when empty, too long or holding control characters.
    pub fn parse(value: &str) -> DomainResult<Self> {
        if value.trim().is_empty() {
            return Err(DomainError::validation("body", "must not be empty"));
        }
        if value.chars().count() > MAX_BODY_CHARS {
            return Err(DomainError::validation(
                "body",
                format!("must be at most {MAX_BODY_CHARS} characters"),
            ));
        }
        if value
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(DomainError::validation(
                "body",
                "must not contain control characters other than line breaks and tabs",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The wording.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One published version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentText {
    /// For which purpose.
    pub purpose: ConsentPurpose,
    /// 1, 2, … per purpose.
    pub version: u32,
    /// The wording.
    pub body: String,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// Who published it.
    pub published_by: Option<UserId>,
}

/// A citizen whose consent for a purpose stands under an older text than the current one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AskAgain {
    /// The citizen.
    pub citizen: CitizenId,
    /// Their pseudonym (no name: opening the citizen is an audited read).
    pub pseudonym: String,
    /// The version their consent was given under (`None`: before versions were kept).
    pub seen_version: Option<u32>,
    /// When it was given.
    pub given_at: DateTime<Utc>,
}

/// Where consent texts are kept.
#[async_trait]
pub trait ConsentTextStore: Send + Sync {
    /// Publishes `body` as the purpose's next version.
    async fn publish(
        &self,
        ctx: &RequestContext,
        purpose: ConsentPurpose,
        body: &ConsentTextBody,
        at: DateTime<Utc>,
    ) -> DomainResult<ConsentText>;

    /// Every version of the purpose's text, newest first.
    async fn texts(
        &self,
        ctx: &RequestContext,
        purpose: ConsentPurpose,
    ) -> DomainResult<Vec<ConsentText>>;

    /// Citizens (not erased) whose latest record for the purpose is a consent given under a
    /// version older than the current one, or under none; empty while no text is published.
    async fn to_ask_again(
        &self,
        ctx: &RequestContext,
        purpose: ConsentPurpose,
        page: &PageRequest,
    ) -> DomainResult<Page<AskAgain>>;
}

/// Publishing consent texts and finding whom to ask again.
#[derive(Clone)]
pub struct ConsentTextService {
    store: Arc<dyn ConsentTextStore>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for ConsentTextService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsentTextService").finish_non_exhaustive()
    }
}

impl ConsentTextService {
    /// The service over `store`.
    #[must_use]
    pub fn new(store: Arc<dyn ConsentTextStore>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Publishes a new version of the purpose's text (tenant admins).
    ///
    /// # Errors
    /// `Forbidden` for other roles; `Validation` for a bad wording.
    pub async fn publish(
        &self,
        ctx: &RequestContext,
        purpose: ConsentPurpose,
        body: &str,
    ) -> DomainResult<ConsentText> {
        authorize(ctx, TenancyAction::ConfigureTenant)?;
        let body = ConsentTextBody::parse(body)?;
        self.store
            .publish(ctx, purpose, &body, self.clock.now())
            .await
    }

    /// Every version of the purpose's text (tenant admins and coordinators).
    ///
    /// # Errors
    /// `Forbidden` for other roles.
    pub async fn texts(
        &self,
        ctx: &RequestContext,
        purpose: ConsentPurpose,
    ) -> DomainResult<Vec<ConsentText>> {
        authorize_people(ctx, PeopleAction::ReadCitizens)?;
        self.store.texts(ctx, purpose).await
    }

    /// The citizens to ask again for the purpose (tenant admins and coordinators).
    ///
    /// # Errors
    /// `Forbidden` for other roles.
    pub async fn to_ask_again(
        &self,
        ctx: &RequestContext,
        purpose: ConsentPurpose,
        page: &PageRequest,
    ) -> DomainResult<Page<AskAgain>> {
        authorize_people(ctx, PeopleAction::ReadCitizens)?;
        self.store.to_ask_again(ctx, purpose, page).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wording_is_checked_at_its_limits() {
        assert!(ConsentTextBody::parse(&"å".repeat(MAX_BODY_CHARS)).is_ok());
        assert!(ConsentTextBody::parse(&"å".repeat(MAX_BODY_CHARS + 1)).is_err());
        assert!(ConsentTextBody::parse("  \n ").is_err());
        assert!(ConsentTextBody::parse("Linje 1\nLinje 2\tfaneblad").is_ok());
        assert!(ConsentTextBody::parse("klokke\u{7}").is_err());
    }
}
