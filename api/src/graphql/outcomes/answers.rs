//! GraphQL types of due and answered questionnaires, settings and change.

use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use peerbro_domain::ids::OfferId;
use peerbro_domain::outcomes::{self as domain, PairedChange, SupportRef};

use super::types::{ChimeDimension, Instrument};
use crate::graphql::offers::{Offer, load_offer};
use crate::graphql::peers::OfferKind;
use crate::graphql::time::{Date, Instant};

wire_enum!(
    /// A measurement point of a course of support.
    MeasurementPoint => domain::MeasurementPoint {
        /// When the support starts (a match becomes active, a course begins).
        Baseline,
        /// When it ends (a match completes or ends early, a course's last session).
        End,
        /// The tenant's follow-up time after the end (91 days unless set).
        FollowUp,
    }
);

wire_enum!(
    /// How a questionnaire was answered.
    AnswerMode => domain::AnswerMode {
        /// By the citizen, in their app.
        SelfReported,
        /// Entered with the citizen by their peer, a facilitator or a coordinator.
        EnteredWith,
    }
);

/// What kind of support is measured.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SupportKind {
    /// A one-to-one match; the support's id is the referral's.
    Match,
    /// A place on a course; the support's id is the enrolment's.
    Course,
}

pub(crate) fn support_gid(support: SupportRef) -> (SupportKind, ID) {
    match support {
        SupportRef::Match(id) => (SupportKind::Match, crate::graphql::ids::gid(id)),
        SupportRef::Course(id) => (SupportKind::Course, crate::graphql::ids::gid(id)),
    }
}

/// A course of support that is measured (no names: the citizen's pseudonym only).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct MeasuredSupport {
    /// A match or a course place.
    pub(crate) kind: SupportKind,
    /// The referral's id (a match) or the enrolment's (a course place).
    pub(crate) id: ID,
    /// The citizen's pseudonym.
    pub(crate) citizen_pseudonym: String,
    /// The kind of offer.
    pub(crate) kind_of_offer: OfferKind,
    /// The support started (baseline day).
    pub(crate) started_on: Date,
    /// It ended, or ends (a course's last session); null while a match runs.
    pub(crate) ended_on: Option<Date>,
    #[graphql(skip)]
    pub(crate) offer_id: Option<OfferId>,
}

#[ComplexObject]
impl MeasuredSupport {
    /// The offer: the course, or the one-to-one offer the referral asked for (null when it
    /// named none).
    async fn offer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Offer>> {
        match self.offer_id {
            Some(id) => load_offer(ctx, id).await.map(Some),
            None => Ok(None),
        }
    }
}

impl From<domain::MeasuredSupport> for MeasuredSupport {
    fn from(s: domain::MeasuredSupport) -> Self {
        let (kind, id) = support_gid(s.support);
        Self {
            kind,
            id,
            citizen_pseudonym: s.citizen_pseudonym,
            kind_of_offer: s.offer_type.into(),
            started_on: s.span.started_on.into(),
            ended_on: s.span.ended_on.map(Into::into),
            offer_id: s.offer_id,
        }
    }
}

/// A measurement point open today.
#[derive(SimpleObject)]
pub struct OpenPoint {
    /// The point.
    pub(crate) point: MeasurementPoint,
    /// The day it opened (fell due).
    pub(crate) opens_on: Date,
    /// The last day it is asked for (six weeks after it opened, or the end for a baseline).
    pub(crate) closes_on: Date,
}

/// A course of support with questionnaires to answer.
#[derive(SimpleObject)]
pub struct DueQuestionnaire {
    /// The support.
    pub(crate) support: MeasuredSupport,
    /// The points open today, in order.
    pub(crate) points: Vec<OpenPoint>,
}

impl From<domain::DueSupport> for DueQuestionnaire {
    fn from(d: domain::DueSupport) -> Self {
        Self {
            support: d.support.into(),
            points: d
                .due
                .into_iter()
                .map(|p| OpenPoint {
                    point: p.point.into(),
                    opens_on: p.since.into(),
                    closes_on: p.until.into(),
                })
                .collect(),
        }
    }
}

/// The calling citizen's questionnaires.
#[derive(SimpleObject)]
pub struct MyQuestionnaires {
    /// The questionnaire to answer (the tenant's newest version); null when the tenant has
    /// none, and then nothing is due.
    pub(crate) instrument: Option<Instrument>,
    /// The supports with points open today.
    pub(crate) due: Vec<DueQuestionnaire>,
}

/// A score on one CHIME dimension (the mean answer of its items).
#[derive(SimpleObject)]
pub struct DimensionScore {
    /// The dimension.
    pub(crate) dimension: ChimeDimension,
    /// The mean answer.
    pub(crate) score: f64,
}

/// An answered questionnaire.
#[derive(SimpleObject)]
pub struct QuestionnaireResponse {
    /// Id.
    pub(crate) id: ID,
    /// The support's kind.
    pub(crate) support_kind: SupportKind,
    /// The support's id (referral or enrolment).
    pub(crate) support_id: ID,
    /// The point answered.
    pub(crate) point: MeasurementPoint,
    /// How.
    pub(crate) mode: AnswerMode,
    /// The instrument version answered.
    pub(crate) instrument_id: ID,
    /// The answers, one per item, in order.
    pub(crate) answers: Vec<i32>,
    /// Mean answer over all items.
    pub(crate) overall: f64,
    /// Mean answer per dimension the instrument measures.
    pub(crate) scores: Vec<DimensionScore>,
    /// When.
    pub(crate) answered_at: Instant,
}

impl QuestionnaireResponse {
    pub(crate) fn new(r: domain::QuestionnaireResponse, scores: &domain::Scores) -> Self {
        let (support_kind, support_id) = support_gid(r.support);
        Self {
            id: crate::graphql::ids::gid(r.id),
            support_kind,
            support_id,
            point: r.point.into(),
            mode: r.mode.into(),
            instrument_id: crate::graphql::ids::gid(r.instrument_id),
            answers: r.answers.iter().map(|a| i32::from(*a)).collect(),
            overall: scores.overall,
            scores: scores
                .by_dimension
                .iter()
                .map(|(d, s)| DimensionScore {
                    dimension: (*d).into(),
                    score: *s,
                })
                .collect(),
            answered_at: r.answered_at.into(),
        }
    }
}

/// A questionnaire answered.
#[derive(SimpleObject)]
pub struct AnswerQuestionnairePayload {
    /// The answer with its scores.
    pub(crate) response: QuestionnaireResponse,
}

/// The tenant's outcome settings, changed.
#[derive(SimpleObject)]
pub struct SetOutcomeSettingsPayload {
    /// The settings now.
    pub(crate) settings: OutcomeSettings,
}

/// A tenant's outcome settings.
#[derive(SimpleObject)]
pub struct OutcomeSettings {
    /// Days from the end of a support to its follow-up (28–365; 91 unless set).
    pub(crate) follow_up_days: i32,
    /// The smallest count published and the fewest persons a statistic is computed over
    /// (3–50; 5 unless set).
    pub(crate) disclosure_threshold: i32,
    /// The key of the instrument citizens answer (its newest version is asked).
    pub(crate) citizen_instrument_key: String,
    /// Days a measurement point stays open once due.
    pub(crate) answer_window_days: i32,
    /// Whether the partnership's aggregates go into the national view (off unless set).
    pub(crate) national_reporting: bool,
    /// Days between peers' own questionnaire rounds (91–365; 182 unless set).
    pub(crate) peer_round_days: i32,
    /// The key of the instrument peers answer about themselves.
    pub(crate) peer_instrument_key: String,
}

impl From<domain::OutcomeSettings> for OutcomeSettings {
    fn from(s: domain::OutcomeSettings) -> Self {
        let int = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        Self {
            follow_up_days: int(s.follow_up_days),
            disclosure_threshold: int(s.disclosure_threshold),
            citizen_instrument_key: s.citizen_instrument_key,
            answer_window_days: int(domain::ANSWER_WINDOW_DAYS),
            national_reporting: s.national_reporting,
            peer_round_days: int(s.peer_round_days),
            peer_instrument_key: s.peer_instrument_key,
        }
    }
}

/// A paired change (the same persons measured twice).
#[derive(SimpleObject)]
pub struct ChangeStatistic {
    /// Pairs.
    pub(crate) n: i32,
    /// Mean at baseline.
    pub(crate) mean_before: f64,
    /// Mean at the later point.
    pub(crate) mean_after: f64,
    /// Mean change (after − before).
    pub(crate) mean_change: f64,
    /// Lower bound of the 95 % confidence interval (Student's t).
    pub(crate) ci95_low: f64,
    /// Upper bound.
    pub(crate) ci95_high: f64,
    /// Cohen's d_z; null when every change is the same.
    pub(crate) effect_size: Option<f64>,
}

impl From<PairedChange> for ChangeStatistic {
    fn from(c: PairedChange) -> Self {
        Self {
            n: i32::try_from(c.n).unwrap_or(i32::MAX),
            mean_before: c.mean_before,
            mean_after: c.mean_after,
            mean_change: c.mean_change,
            ci95_low: c.ci95_low,
            ci95_high: c.ci95_high,
            effect_size: c.effect_size,
        }
    }
}

/// The change on one dimension.
#[derive(SimpleObject)]
pub struct DimensionChange {
    /// The dimension.
    pub(crate) dimension: ChimeDimension,
    /// The change; null when suppressed or under two pairs.
    pub(crate) change: Option<ChangeStatistic>,
}

/// Change from baseline over the tenant's supports.
#[derive(SimpleObject)]
pub struct OutcomeChange {
    /// The instrument key.
    pub(crate) instrument_key: String,
    /// The disclosure threshold applied.
    pub(crate) threshold: i32,
    /// Whether fewer persons than the threshold have both points: then nothing is shown.
    pub(crate) suppressed: bool,
    /// Distinct persons with both points (null when suppressed).
    pub(crate) persons: Option<i32>,
    /// Over all items (null when suppressed or under two pairs).
    pub(crate) overall: Option<ChangeStatistic>,
    /// Per CHIME dimension the instrument measures.
    pub(crate) dimensions: Vec<DimensionChange>,
}

impl From<domain::ChangeSummary> for OutcomeChange {
    fn from(c: domain::ChangeSummary) -> Self {
        Self {
            instrument_key: c.instrument_key,
            threshold: i32::try_from(c.threshold).unwrap_or(i32::MAX),
            suppressed: c.persons.is_none(),
            persons: c.persons.map(|p| i32::try_from(p).unwrap_or(i32::MAX)),
            overall: c.overall.map(Into::into),
            dimensions: c
                .dimensions
                .into_iter()
                .map(|(d, s)| DimensionChange {
                    dimension: d.into(),
                    change: s.map(Into::into),
                })
                .collect(),
        }
    }
}

/// A citizen's change on one support and dimension.
#[derive(SimpleObject)]
pub struct CitizenChange {
    /// The support's kind.
    pub(crate) support_kind: SupportKind,
    /// The support's id.
    pub(crate) support_id: ID,
    /// Baseline to this point.
    pub(crate) to: MeasurementPoint,
    /// The dimension; null for the mean over all items.
    pub(crate) dimension: Option<ChimeDimension>,
    /// Score at baseline.
    pub(crate) before: f64,
    /// Score at the later point.
    pub(crate) after: f64,
    /// After − before.
    pub(crate) change: f64,
}

/// One citizen's questionnaires and change.
#[derive(SimpleObject)]
pub struct CitizenOutcomes {
    /// Every answer, oldest first.
    pub(crate) responses: Vec<QuestionnaireResponse>,
    /// The change from baseline, per support, later point and dimension.
    pub(crate) changes: Vec<CitizenChange>,
}

impl From<domain::CitizenOutcomes> for CitizenOutcomes {
    fn from(o: domain::CitizenOutcomes) -> Self {
        Self {
            responses: o
                .responses
                .into_iter()
                .map(|s| QuestionnaireResponse::new(s.response, &s.scores))
                .collect(),
            changes: o
                .changes
                .into_iter()
                .map(|c| {
                    let (support_kind, support_id) = support_gid(c.support);
                    CitizenChange {
                        support_kind,
                        support_id,
                        to: c.to.into(),
                        dimension: c.dimension.map(Into::into),
                        before: c.before,
                        after: c.after,
                        change: c.after - c.before,
                    }
                })
                .collect(),
        }
    }
}
