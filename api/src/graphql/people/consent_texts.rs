//! Consent text versions in GraphQL (issue 13, ADR 0044): tenant admins publish the
//! partnership's wording of a consent purpose as a new version; tenant admins and coordinators
//! read the versions and the citizens whose consent stands under an older one.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use peerbro_domain::people::consent_texts::{self as domain, ConsentTextService};

use super::types::ConsentPurpose;
use crate::graphql::errors::{GqlResultExt as _, request_data};
use crate::graphql::tenancy::{ListTotal, connection, page_request};
use crate::graphql::time::Instant;

/// One published version of a purpose's consent text. Published texts never change.
#[derive(SimpleObject)]
pub struct ConsentText {
    /// For which purpose.
    pub(crate) purpose: ConsentPurpose,
    /// 1, 2, … per purpose; each consent record names the version in force when it was
    /// recorded (`ConsentRecord.textVersion`).
    pub(crate) version: u32,
    /// The wording, as the partnership wrote it.
    pub(crate) body: String,
    /// When it was published.
    pub(crate) published_at: Instant,
    /// The id of the tenant admin who published it.
    pub(crate) published_by: Option<ID>,
}

impl From<domain::ConsentText> for ConsentText {
    fn from(t: domain::ConsentText) -> Self {
        Self {
            purpose: t.purpose.into(),
            version: t.version,
            body: t.body,
            published_at: t.published_at.into(),
            published_by: t.published_by.map(crate::graphql::ids::gid),
        }
    }
}

/// A citizen whose consent for a purpose was given under an older text than the current one
/// (or before versions were kept). No name: opening the citizen is an audited read.
#[derive(SimpleObject)]
pub struct CitizenToAskAgain {
    /// The citizen.
    pub(crate) citizen_id: ID,
    /// Their pseudonym.
    pub(crate) pseudonym: String,
    /// The version their consent was given under (null: before versions were kept).
    pub(crate) seen_version: Option<u32>,
    /// When they gave it.
    pub(crate) given_at: Instant,
}

impl From<domain::AskAgain> for CitizenToAskAgain {
    fn from(a: domain::AskAgain) -> Self {
        Self {
            citizen_id: crate::graphql::ids::gid(a.citizen),
            pseudonym: a.pseudonym,
            seen_version: a.seen_version,
            given_at: a.given_at.into(),
        }
    }
}

/// A new version of a purpose's consent text.
#[derive(InputObject)]
pub struct PublishConsentTextInput {
    /// For which purpose.
    pub(crate) purpose: ConsentPurpose,
    /// The wording: 1 to 20,000 characters; line breaks and tabs are kept.
    pub(crate) body: String,
}

/// The version published.
#[derive(SimpleObject)]
pub struct PublishConsentTextPayload {
    /// The new current version.
    pub(crate) text: ConsentText,
}

/// Consent text queries.
#[derive(Default)]
pub struct ConsentTextsQuery;

#[Object]
impl ConsentTextsQuery {
    /// Every version of a purpose's consent text, newest first (tenant admins and
    /// coordinators).
    async fn consent_texts(
        &self,
        ctx: &Context<'_>,
        purpose: ConsentPurpose,
    ) -> async_graphql::Result<Vec<ConsentText>> {
        let (svc, rc) = request_data::<ConsentTextService>(ctx)?;
        let texts = svc.texts(rc, purpose.into()).await.gql()?;
        Ok(texts.into_iter().map(Into::into).collect())
    }

    /// The citizens to ask again for a purpose: their latest record for it is a consent
    /// given under an older version of its text than the current one, or before versions
    /// were kept. Empty while no text is published. Erased and withdrawn citizens are not
    /// listed (tenant admins and coordinators).
    async fn citizens_to_ask_again(
        &self,
        ctx: &Context<'_>,
        purpose: ConsentPurpose,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, CitizenToAskAgain, ListTotal>> {
        let (svc, rc) = request_data::<ConsentTextService>(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let result = svc.to_ask_again(rc, purpose.into(), &page).await.gql()?;
        Ok(connection(result, |a| a.citizen.as_uuid(), Into::into))
    }
}

/// Consent text mutations.
#[derive(Default)]
pub struct ConsentTextsMutation;

#[Object]
impl ConsentTextsMutation {
    /// Publishes a new version of a purpose's consent text (tenant admins). Consents recorded
    /// from now on name it; citizens whose consent stands under an older one are listed by
    /// `citizensToAskAgain`. A published version never changes.
    async fn publish_consent_text(
        &self,
        ctx: &Context<'_>,
        input: PublishConsentTextInput,
    ) -> async_graphql::Result<PublishConsentTextPayload> {
        let (svc, rc) = request_data::<ConsentTextService>(ctx)?;
        let text = svc
            .publish(rc, input.purpose.into(), &input.body)
            .await
            .gql()?;
        Ok(PublishConsentTextPayload { text: text.into() })
    }
}
