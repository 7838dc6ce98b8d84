//! Queries of the outcomes GraphQL API.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object};
use peerbro_domain::outcomes::ChangeQuery;

use super::answers::*;
use super::types::*;
use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::peers::OfferKind;
use crate::graphql::people::AccessPurpose;
use crate::graphql::tenancy::{ListTotal, connection, page_request};

/// Outcome queries.
#[derive(Default)]
pub struct OutcomesQuery;

#[Object]
impl OutcomesQuery {
    /// The tenant's recovery instruments, oldest first (any member: they hold no personal
    /// data).
    async fn instruments(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, Instrument, ListTotal>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let result = svc.instruments(rc, &page).await.gql()?;
        Ok(connection(result, |i| i.id.as_uuid(), Instrument::from))
    }

    /// The tenant's outcome settings, with the questionnaire citizens are asked (any member).
    async fn outcome_settings(&self, ctx: &Context<'_>) -> async_graphql::Result<OutcomeSettings> {
        let (svc, rc) = request(ctx)?;
        Ok(svc.settings(rc).await.gql()?.into())
    }

    /// The questionnaires the calling citizen is asked to answer today: baseline when a
    /// match starts or a course begins, end when it ends, follow-up after the tenant's
    /// follow-up time; each open for six weeks, and none without the citizen's
    /// OUTCOME_MEASUREMENT consent.
    async fn my_questionnaires(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<MyQuestionnaires> {
        let (svc, rc) = request(ctx)?;
        let list = svc.my_questionnaires(rc).await.gql()?;
        Ok(MyQuestionnaires {
            instrument: list.instrument.map(Into::into),
            due: list.supports.into_iter().map(Into::into).collect(),
        })
    }

    /// The worklist of questionnaires to enter with citizens today, by support (peers: their
    /// own matches and the courses they facilitate; coordinators and tenant admins: every
    /// support of the tenant). Pseudonyms only; the instrument is `outcomeSettings`'.
    async fn due_questionnaires(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, DueQuestionnaire, ListTotal>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let list = svc.due_questionnaires(rc, &page).await.gql()?;
        Ok(connection(
            list.supports,
            |d| d.support.support.uuid(),
            DueQuestionnaire::from,
        ))
    }

    /// The change from baseline to the end or the follow-up over the tenant's supports
    /// (coordinators and tenant admins): paired n, means, mean change with its 95 % interval
    /// and effect size, per CHIME dimension — for every support, one offer, or one kind of
    /// offer. Shown only over at least the tenant's disclosure threshold of persons.
    async fn outcome_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "END or FOLLOW_UP")] to: MeasurementPoint,
        #[graphql(desc = "The instrument; the tenant's citizen instrument when omitted")]
        instrument_key: Option<String>,
        offer_id: Option<ID>,
        #[graphql(desc = "Only supports of this kind of offer")] kind: Option<OfferKind>,
    ) -> async_graphql::Result<OutcomeChange> {
        let (svc, rc) = request(ctx)?;
        let offer = offer_id
            .map(|id| crate::graphql::ids::parse("offerId", &id))
            .transpose()
            .gql()?;
        let query = ChangeQuery {
            instrument_key,
            to: to.into(),
            offer,
            offer_type: kind.map(Into::into),
            answered: None,
        };
        Ok(svc.change(rc, &query).await.gql()?.into())
    }

    /// One citizen's answered questionnaires with their scores, and their change from
    /// baseline per support and dimension (coordinators and tenant admins; an audited read
    /// under `purpose`).
    async fn citizen_outcomes(
        &self,
        ctx: &Context<'_>,
        citizen_id: ID,
        purpose: AccessPurpose,
    ) -> async_graphql::Result<CitizenOutcomes> {
        let (svc, rc) = request(ctx)?;
        let id = crate::graphql::ids::parse("citizenId", &citizen_id).gql()?;
        Ok(svc
            .citizen_outcomes(rc, id, purpose.into())
            .await
            .gql()?
            .into())
    }
}
