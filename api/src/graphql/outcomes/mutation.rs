//! Mutations of the outcomes GraphQL API.

use async_graphql::{Context, InputObject, Object};
use peerbro_domain::outcomes::{InstrumentDraft, Item};

use super::types::*;
use crate::graphql::errors::GqlResultExt as _;

/// One item of an instrument to add.
#[derive(InputObject)]
pub struct InstrumentItemInput {
    /// The text shown (1–300 characters).
    pub(crate) text: String,
    /// The CHIME dimension it measures.
    pub(crate) dimension: ChimeDimension,
}

/// An instrument (or a new version of one) to add.
#[derive(InputObject)]
pub struct AddInstrumentInput {
    /// Short key (2–63 of `a-z`, `0-9`, `-`).
    pub(crate) key: String,
    /// Version (1 and up); unique with the key in the tenant.
    pub(crate) version: i32,
    /// Title shown to respondents (1–300 characters).
    pub(crate) title: String,
    /// Who answers it.
    pub(crate) respondent: Respondent,
    /// The answer scale's labels, lowest first (2–11; answers run from 0).
    pub(crate) scale: Vec<String>,
    /// The items, in order (1–60).
    pub(crate) items: Vec<InstrumentItemInput>,
}

/// Outcome mutations.
#[derive(Default)]
pub struct OutcomesMutation;

#[Object]
impl OutcomesMutation {
    /// Adds a recovery instrument the tenant holds the rights to, or a new version of one
    /// (tenant admins). Every field is validated and named when wrong; a key and version the
    /// tenant has already is `CONFLICT` (`DUPLICATE`).
    async fn add_instrument(
        &self,
        ctx: &Context<'_>,
        input: AddInstrumentInput,
    ) -> async_graphql::Result<InstrumentPayload> {
        let (svc, rc) = request(ctx)?;
        let version = u32::try_from(input.version).unwrap_or(0);
        let draft = InstrumentDraft {
            key: input.key,
            title: input.title,
            version,
            respondent: input.respondent.into(),
            scale: input.scale,
            items: input
                .items
                .into_iter()
                .map(|i| Item {
                    text: i.text,
                    dimension: i.dimension.into(),
                })
                .collect(),
        };
        let stored = svc.add_instrument(rc, draft).await.gql()?;
        Ok(InstrumentPayload {
            instrument: stored.into(),
        })
    }
}
