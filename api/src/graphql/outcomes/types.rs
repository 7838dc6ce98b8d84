//! Output types and enums of the outcomes GraphQL API.

use async_graphql::{Context, ID, SimpleObject};
use peerbro_domain::RequestContext;
use peerbro_domain::outcomes::{self as domain, OutcomeService};

use crate::graphql::time::Instant;

pub(crate) fn request<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<(&'a OutcomeService, &'a RequestContext)> {
    crate::graphql::errors::request_data(ctx)
}

wire_enum!(
    /// The CHIME dimensions of personal recovery (Leamy et al. 2011).
    ChimeDimension => domain::ChimeDimension {
        /// Connectedness.
        Connectedness,
        /// Hope and optimism about the future.
        Hope,
        /// Identity.
        Identity,
        /// Meaning in life.
        Meaning,
        /// Empowerment.
        Empowerment,
    }
);

wire_enum!(
    /// Who answers an instrument.
    Respondent => domain::Respondent {
        /// A citizen, about their recovery.
        Citizen,
        /// A peer worker, about their own recovery and role.
        Peer,
    }
);

/// One item of an instrument.
#[derive(SimpleObject)]
pub struct InstrumentItem {
    /// Its place in the instrument, from 1.
    pub(crate) number: i32,
    /// The text shown.
    pub(crate) text: String,
    /// The CHIME dimension it measures.
    pub(crate) dimension: ChimeDimension,
}

/// A version of a recovery instrument (questionnaire).
#[derive(SimpleObject)]
pub struct Instrument {
    /// Id.
    pub(crate) id: ID,
    /// Short key, e.g. `hverdagsliv-15`.
    pub(crate) key: String,
    /// Version; answers record the version they answered.
    pub(crate) version: i32,
    /// Title shown to respondents.
    pub(crate) title: String,
    /// Who answers it.
    pub(crate) respondent: Respondent,
    /// The answer scale's labels, lowest first: the answers run from 0 to `maxAnswer`.
    pub(crate) scale: Vec<String>,
    /// The highest answer.
    pub(crate) max_answer: i32,
    /// The items, in order.
    pub(crate) items: Vec<InstrumentItem>,
    /// When the tenant added it.
    pub(crate) created_at: Instant,
}

impl From<domain::StoredInstrument> for Instrument {
    fn from(s: domain::StoredInstrument) -> Self {
        let max_answer = i32::from(s.instrument.max_answer());
        let d = s.instrument.definition().clone();
        Self {
            id: crate::graphql::ids::gid(s.id),
            key: d.key,
            version: i32::try_from(d.version).unwrap_or(i32::MAX),
            title: d.title,
            respondent: d.respondent.into(),
            scale: d.scale,
            max_answer,
            items: d
                .items
                .into_iter()
                .enumerate()
                .map(|(n, item)| InstrumentItem {
                    number: i32::try_from(n + 1).unwrap_or(i32::MAX),
                    text: item.text,
                    dimension: item.dimension.into(),
                })
                .collect(),
            created_at: s.created_at.into(),
        }
    }
}

/// An instrument added.
#[derive(SimpleObject)]
pub struct InstrumentPayload {
    /// The instrument.
    pub(crate) instrument: Instrument,
}
