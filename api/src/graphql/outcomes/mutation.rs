//! Mutations of the outcomes GraphQL API.

use async_graphql::{Context, ID, InputObject, Object};
use peerbro_domain::ids::{EnrolmentId, ReferralId};
use peerbro_domain::outcomes::{
    AnswerInput, InstrumentDraft, Item, OutcomeSettingsPatch, SupportRef,
};

use super::answers::*;
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

/// An instrument whose items come as CSV (`text,dimension`, one item per line).
#[derive(InputObject)]
pub struct ImportInstrumentCsvInput {
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
    /// The items as CSV, at most 64 KiB: a header naming `text` and `dimension` (comma or
    /// semicolon separated), then one item per line in order; the dimension is a CHIME
    /// dimension's name.
    pub(crate) items_csv: String,
}

/// Answers to one measurement point.
#[derive(InputObject)]
pub struct AnswerQuestionnaireInput {
    /// The support: a referral's id (a one-to-one match) or an enrolment's (a course place).
    pub(crate) support_id: ID,
    /// The point answered; it must be open today.
    pub(crate) point: MeasurementPoint,
    /// The instrument version shown: the tenant's newest citizen instrument.
    pub(crate) instrument_id: ID,
    /// One answer per item, in order, each on the scale 0..maxAnswer.
    pub(crate) answers: Vec<i32>,
}

/// Changes to the tenant's outcome settings; omitted fields stay.
#[derive(InputObject)]
pub struct SetOutcomeSettingsInput {
    /// Days from the end of a support to its follow-up (28–365).
    pub(crate) follow_up_days: Option<i32>,
    /// The smallest count published and the fewest persons a statistic is computed over
    /// (3–50).
    pub(crate) disclosure_threshold: Option<i32>,
    /// The key of one of the tenant's citizen instruments.
    pub(crate) citizen_instrument_key: Option<String>,
    /// Whether the partnership's aggregates go into the national view of the partner
    /// organisations running the programme (only combined with others' and
    /// disclosure-controlled; no row leaves the partnership).
    pub(crate) national_reporting: Option<bool>,
    /// Days between peers' own questionnaire rounds (91–365).
    pub(crate) peer_round_days: Option<i32>,
    /// The key of one of the tenant's peer instruments.
    pub(crate) peer_instrument_key: Option<String>,
}

fn support_ref(id: &ID) -> peerbro_domain::DomainResult<SupportRef> {
    match crate::graphql::ids::decode(id)
        .map(|(kind, _)| kind)
        .as_deref()
    {
        Some("Enrolment") => {
            crate::graphql::ids::parse::<EnrolmentId>("supportId", id).map(SupportRef::Course)
        }
        _ => crate::graphql::ids::parse::<ReferralId>("supportId", id).map(SupportRef::Match),
    }
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

    /// Imports an instrument the tenant holds the rights to from a spreadsheet export of its
    /// items (tenant admins): the same validation as `addInstrument`, and a CSV error names
    /// its line (`VALIDATION`, field `items`).
    async fn import_instrument_csv(
        &self,
        ctx: &Context<'_>,
        input: ImportInstrumentCsvInput,
    ) -> async_graphql::Result<InstrumentPayload> {
        let (svc, rc) = request(ctx)?;
        svc.may_add_instruments(rc).gql()?;
        let draft = InstrumentDraft {
            key: input.key,
            title: input.title,
            version: u32::try_from(input.version).unwrap_or(0),
            respondent: input.respondent.into(),
            scale: input.scale,
            items: super::csv_import::items(&input.items_csv).gql()?,
        };
        let stored = svc.add_instrument(rc, draft).await.gql()?;
        Ok(InstrumentPayload {
            instrument: stored.into(),
        })
    }

    /// Answers a questionnaire at a measurement point open today: the citizen themself
    /// (`SELF_REPORTED`), or entered with them by their peer, a facilitator of their course,
    /// a coordinator or a tenant admin (`ENTERED_WITH`). Needs the citizen's
    /// OUTCOME_MEASUREMENT consent (`CONFLICT`/`CONSENT_NOT_IN_FORCE`); a point not open is
    /// `NOT_DUE`, one answered already `DUPLICATE`, an older instrument version
    /// `NOT_CURRENT`; the answers are checked against the scale (`VALIDATION`, `answers`).
    async fn answer_questionnaire(
        &self,
        ctx: &Context<'_>,
        input: AnswerQuestionnaireInput,
    ) -> async_graphql::Result<AnswerQuestionnairePayload> {
        let (svc, rc) = request(ctx)?;
        let answer = AnswerInput {
            support: support_ref(&input.support_id).gql()?,
            point: input.point.into(),
            instrument_id: crate::graphql::ids::parse("instrumentId", &input.instrument_id)
                .gql()?,
            answers: input.answers.into_iter().map(i64::from).collect(),
        };
        let scored = svc.answer(rc, &answer).await.gql()?;
        Ok(AnswerQuestionnairePayload {
            response: QuestionnaireResponse::new(scored.response, &scored.scores),
        })
    }

    /// Changes the tenant's outcome settings (tenant admins): the follow-up time, the
    /// disclosure threshold (never below 3), the citizen and peer instruments, the days
    /// between peers' rounds and whether the partnership takes part in the national view.
    async fn set_outcome_settings(
        &self,
        ctx: &Context<'_>,
        input: SetOutcomeSettingsInput,
    ) -> async_graphql::Result<SetOutcomeSettingsPayload> {
        let (svc, rc) = request(ctx)?;
        let patch = OutcomeSettingsPatch {
            follow_up_days: input.follow_up_days.map(i64::from),
            disclosure_threshold: input.disclosure_threshold.map(i64::from),
            citizen_instrument_key: input.citizen_instrument_key,
            national_reporting: input.national_reporting,
            peer_round_days: input.peer_round_days.map(i64::from),
            peer_instrument_key: input.peer_instrument_key,
        };
        Ok(SetOutcomeSettingsPayload {
            settings: svc.set_settings(rc, &patch).await.gql()?.into(),
        })
    }
}
