//! Retention settings in GraphQL (issue 13, ADR 0042): tenant admins read and set how long a
//! closed referral keeps its free text, how long a citizen with nothing open may go without
//! activity before they are erased, how long attendance marks and meetings are kept, and how
//! long questionnaire answers are. The runs themselves are `peerbro retention run` and the
//! server's scheduled run.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use peerbro_domain::privacy::retention::{RetentionPolicy, RetentionService};

use crate::graphql::errors::{GqlResultExt as _, request_data};

/// A tenant's retention.
#[derive(SimpleObject)]
pub struct RetentionSettings {
    /// Days a closed referral keeps its reason, feedback lines and case reference (90–3650;
    /// 730 unless set). Its state and dates stay for the reports.
    pub(crate) closed_referral_days: u32,
    /// Days without activity after which a citizen with nothing open is erased (365–3650;
    /// 1825 unless set). A legal hold keeps them.
    pub(crate) inactive_citizen_days: u32,
    /// Days after a course session that its attendance marks are kept, and after a meeting of
    /// an ended referral that the meeting is kept (90–3650; 730 unless set). A session keeps
    /// how many were present and absent, so the reports' attendance counts do not change.
    pub(crate) attendance_days: u32,
    /// Days that questionnaire answers (citizens' and peer workers') are kept (365–3650; 1825
    /// unless set). The answered questionnaire stays, without its answers: counts of answered
    /// questionnaires survive, CHIME change for older periods counts fewer people.
    pub(crate) answers_days: u32,
    /// Days audit entries are kept (183–3650; 1825 unless set). Older entries are removed from
    /// the start of the chain, which then verifies from a checkpoint; entries about a person
    /// under a legal hold, and everything after them, stay.
    pub(crate) audit_days: u32,
    /// Days an ended anonymous chat conversation is kept (1–365; 30 unless set): then it is
    /// deleted with its ciphertext and keys. The statistics' contacts have no link to it and
    /// stay.
    pub(crate) chat_days: u32,
}

impl From<RetentionPolicy> for RetentionSettings {
    fn from(p: RetentionPolicy) -> Self {
        Self {
            closed_referral_days: p.closed_referral_days,
            inactive_citizen_days: p.inactive_citizen_days,
            attendance_days: p.attendance_days,
            answers_days: p.answers_days,
            audit_days: p.audit_days,
            chat_days: p.chat_days,
        }
    }
}

/// The retention to set. The first two are always given; a category left out keeps its current
/// retention.
#[derive(InputObject)]
pub struct SetRetentionSettingsInput {
    /// Days a closed referral keeps its free text (90–3650).
    pub(crate) closed_referral_days: i32,
    /// Days without activity before a citizen with nothing open is erased (365–3650).
    pub(crate) inactive_citizen_days: i32,
    /// Days attendance marks and meetings of ended referrals are kept (90–3650).
    pub(crate) attendance_days: Option<i32>,
    /// Days questionnaire answers are kept (365–3650).
    pub(crate) answers_days: Option<i32>,
    /// Days audit entries are kept (183–3650).
    pub(crate) audit_days: Option<i32>,
    /// Days ended chat conversations are kept (1–365).
    pub(crate) chat_days: Option<i32>,
}

/// The retention after `setRetentionSettings`.
#[derive(SimpleObject)]
pub struct SetRetentionSettingsPayload {
    /// The tenant's retention now.
    pub(crate) settings: RetentionSettings,
}

/// Retention queries.
#[derive(Default)]
pub struct RetentionQuery;

#[Object]
impl RetentionQuery {
    /// The tenant's retention (tenant admins).
    async fn retention_settings(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<RetentionSettings> {
        let (svc, rc) = request_data::<RetentionService>(ctx)?;
        Ok(svc.policy(rc).await.gql()?.into())
    }
}

/// Retention mutations.
#[derive(Default)]
pub struct RetentionMutation;

fn days(field: &'static str, value: i32) -> async_graphql::Result<u32> {
    u32::try_from(value)
        .map_err(|_| peerbro_domain::DomainError::validation(field, "must be a number of days"))
        .gql()
}

#[Object]
impl RetentionMutation {
    /// Sets the tenant's retention (tenant admins). Takes effect at the next run.
    async fn set_retention_settings(
        &self,
        ctx: &Context<'_>,
        input: SetRetentionSettingsInput,
    ) -> async_graphql::Result<SetRetentionSettingsPayload> {
        let (svc, rc) = request_data::<RetentionService>(ctx)?;
        let current = svc.policy(rc).await.gql()?;
        let policy = RetentionPolicy {
            closed_referral_days: days("closedReferralDays", input.closed_referral_days)?,
            inactive_citizen_days: days("inactiveCitizenDays", input.inactive_citizen_days)?,
            attendance_days: input
                .attendance_days
                .map_or(Ok(current.attendance_days), |d| days("attendanceDays", d))?,
            answers_days: input
                .answers_days
                .map_or(Ok(current.answers_days), |d| days("answersDays", d))?,
            audit_days: input
                .audit_days
                .map_or(Ok(current.audit_days), |d| days("auditDays", d))?,
            chat_days: input
                .chat_days
                .map_or(Ok(current.chat_days), |d| days("chatDays", d))?,
        };
        Ok(SetRetentionSettingsPayload {
            settings: svc.set_policy(rc, policy).await.gql()?.into(),
        })
    }
}
