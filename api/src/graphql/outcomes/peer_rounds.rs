//! Peers' own questionnaire rounds in GraphQL (the second target group): the signed-in peer's
//! round due and their answers, their answer, and the change over peers for coordinators.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use peerbro_domain::outcomes::{self as domain, OutcomeService};

use super::answers::{DimensionScore, OutcomeChange};
use super::types::Instrument;
use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::ids::{gid, parse};
use crate::graphql::time::{Date, Instant};

fn request<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<(&'a OutcomeService, &'a peerbro_domain::RequestContext)> {
    crate::graphql::errors::request_data(ctx)
}

fn int(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// A round of a peer's own questionnaire.
#[derive(SimpleObject)]
pub struct PeerRound {
    /// 0 for the baseline (when they first became active), then 1, 2, …
    pub(crate) round: i32,
    /// The day it opened.
    pub(crate) opens_on: Date,
    /// The last day it can be answered.
    pub(crate) closes_on: Date,
}

/// A peer's answer to one of their rounds.
#[derive(SimpleObject)]
pub struct PeerAnswer {
    /// Id.
    pub(crate) id: ID,
    /// The round.
    pub(crate) round: i32,
    /// The instrument version answered.
    pub(crate) instrument_id: ID,
    /// The answers, one per item, in order.
    pub(crate) answers: Vec<i32>,
    /// When.
    pub(crate) answered_at: Instant,
}

impl From<domain::PeerResponse> for PeerAnswer {
    fn from(r: domain::PeerResponse) -> Self {
        Self {
            id: gid(r.id),
            round: int(r.round),
            instrument_id: gid(r.instrument_id),
            answers: r.answers.iter().map(|a| i32::from(*a)).collect(),
            answered_at: r.answered_at.into(),
        }
    }
}

/// The signed-in peer's own questionnaire.
#[derive(SimpleObject)]
pub struct MyPeerQuestionnaire {
    /// The round open today and not yet answered (null: none; only while they are active).
    pub(crate) due: Option<PeerRound>,
    /// The version to answer: the tenant's peer instrument, newest.
    pub(crate) instrument: Option<Instrument>,
    /// Their answers so far, oldest first.
    pub(crate) answered: Vec<PeerAnswer>,
}

/// A peer's answer to the round open today.
#[derive(InputObject)]
pub struct AnswerPeerQuestionnaireInput {
    /// The round answered (the one due).
    pub(crate) round: i32,
    /// The instrument version shown: the tenant's newest peer instrument.
    pub(crate) instrument_id: ID,
    /// One answer per item, in order, each on the scale 0..maxAnswer.
    pub(crate) answers: Vec<i32>,
}

/// A peer questionnaire answered.
#[derive(SimpleObject)]
pub struct AnswerPeerQuestionnairePayload {
    /// The answer.
    pub(crate) answer: PeerAnswer,
    /// Mean answer over all items.
    pub(crate) overall: f64,
    /// Mean answer per dimension the instrument measures.
    pub(crate) scores: Vec<DimensionScore>,
}

/// Queries of peers' own rounds.
#[derive(Default)]
pub struct PeerRoundsQuery;

#[Object]
impl PeerRoundsQuery {
    /// The signed-in peer's own questionnaire about their recovery and role: the round due
    /// (a baseline when they first became active, then every `peerRoundDays` while active,
    /// each open for `answerWindowDays`), the version to answer and their answers so far.
    /// Answering is voluntary. Peers with a peer record only.
    async fn my_peer_questionnaire(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<MyPeerQuestionnaire> {
        let (svc, rc) = request(ctx)?;
        let mine = svc.my_peer_questionnaire(rc).await.gql()?;
        Ok(MyPeerQuestionnaire {
            due: mine.due.map(|r| PeerRound {
                round: int(r.round),
                opens_on: r.opens_on.into(),
                closes_on: r.closes_on.into(),
            }),
            instrument: mine.instrument.map(Into::into),
            answered: mine.answered.into_iter().map(Into::into).collect(),
        })
    }

    /// The change of peers from their baseline to their latest later round, per CHIME
    /// dimension (coordinators and tenant admins), shown only over at least the disclosure
    /// threshold of peers.
    async fn peer_outcome_change(&self, ctx: &Context<'_>) -> async_graphql::Result<OutcomeChange> {
        let (svc, rc) = request(ctx)?;
        Ok(svc.peer_change(rc).await.gql()?.into())
    }
}

/// Mutations of peers' own rounds.
#[derive(Default)]
pub struct PeerRoundsMutation;

#[Object]
impl PeerRoundsMutation {
    /// The signed-in peer answers the round due today, in the tenant's current peer
    /// instrument: another round is `CONFLICT`/`NOT_DUE` (or `DUPLICATE` when answered), an
    /// older version `NOT_CURRENT`; the answers are checked against the scale (`VALIDATION`).
    /// Sealed with the peer's key.
    async fn answer_peer_questionnaire(
        &self,
        ctx: &Context<'_>,
        input: AnswerPeerQuestionnaireInput,
    ) -> async_graphql::Result<AnswerPeerQuestionnairePayload> {
        let (svc, rc) = request(ctx)?;
        let instrument = parse("instrumentId", &input.instrument_id).gql()?;
        let round = u32::try_from(input.round)
            .map_err(|_| peerbro_domain::DomainError::validation("round", "must be 0 or more"))
            .gql()?;
        let answers = domain::AnswerInput::scale_values(&input.answers).gql()?;
        let (answer, scores) = svc
            .answer_peer_questionnaire(rc, round, instrument, &answers)
            .await
            .gql()?;
        Ok(AnswerPeerQuestionnairePayload {
            answer: answer.into(),
            overall: scores.overall,
            scores: scores
                .by_dimension
                .iter()
                .map(|(d, s)| DimensionScore {
                    dimension: (*d).into(),
                    score: *s,
                })
                .collect(),
        })
    }
}
