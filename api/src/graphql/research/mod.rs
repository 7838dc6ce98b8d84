//! Research in GraphQL (issue 12): tenant admins register studies and scope researchers to
//! them, coordinators record a citizen's consent to a study, and a study's researchers export
//! its pseudonymised data (CSV or JSON, with a codebook).

mod export;

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use peerbro_domain::RequestContext;
use peerbro_domain::research::{self as domain, ResearchService, StudyDraft};

use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::ids::{gid, parse};
use crate::graphql::tenancy::{ListTotal, connection, page_request};
use crate::graphql::time::{Date, Instant};

fn request<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<(&'a ResearchService, &'a RequestContext)> {
    crate::graphql::errors::request_data(ctx)
}

/// A research study.
#[derive(SimpleObject)]
pub struct Study {
    /// Id.
    pub(crate) id: ID,
    /// Title.
    pub(crate) title: String,
    /// First day of data collection.
    pub(crate) starts_on: Date,
    /// Last day.
    pub(crate) ends_on: Date,
    /// The protocol's reference.
    pub(crate) protocol_reference: String,
    /// The ethics approval's reference.
    pub(crate) ethics_reference: String,
    /// The data controller.
    pub(crate) data_controller: String,
    /// The information sheet version citizens consent under now.
    pub(crate) information_sheet_version: i32,
    /// Registered.
    pub(crate) created_at: Instant,
}

impl From<domain::Study> for Study {
    fn from(s: domain::Study) -> Self {
        Self {
            id: gid(s.id),
            title: s.study.title,
            starts_on: s.study.starts_on.into(),
            ends_on: s.study.ends_on.into(),
            protocol_reference: s.study.protocol_reference,
            ethics_reference: s.study.ethics_reference,
            data_controller: s.study.data_controller,
            information_sheet_version: i32::try_from(s.study.information_sheet_version)
                .unwrap_or(i32::MAX),
            created_at: s.created_at.into(),
        }
    }
}

/// A study to register.
#[derive(InputObject)]
pub struct CreateStudyInput {
    /// Title (1–200 characters).
    pub(crate) title: String,
    /// First day of data collection.
    pub(crate) starts_on: Date,
    /// Last day (not before the first).
    pub(crate) ends_on: Date,
    /// The protocol's reference (1–100 characters).
    pub(crate) protocol_reference: String,
    /// The ethics approval's reference (1–100 characters).
    pub(crate) ethics_reference: String,
    /// The data controller (1–200 characters).
    pub(crate) data_controller: String,
    /// The information sheet's version (1 and up).
    pub(crate) information_sheet_version: i32,
}

/// A researcher to scope to a study.
#[derive(InputObject)]
pub struct AddStudyResearcherInput {
    /// The study.
    pub(crate) study_id: ID,
    /// A user holding the RESEARCHER role.
    pub(crate) user_id: ID,
}

/// A citizen's consent to a study, or its withdrawal.
#[derive(InputObject)]
pub struct RecordStudyConsentInput {
    /// The study.
    pub(crate) study_id: ID,
    /// The citizen.
    pub(crate) citizen_id: ID,
    /// Given (true) or withdrawn (false).
    pub(crate) given: bool,
}

/// A study registered or changed.
#[derive(SimpleObject)]
pub struct StudyPayload {
    /// The study.
    pub(crate) study: Study,
}

/// A consent to a study recorded.
#[derive(SimpleObject)]
pub struct StudyConsentPayload {
    /// Given or withdrawn.
    pub(crate) given: bool,
    /// The information sheet version it was given under.
    pub(crate) information_sheet_version: i32,
    /// When.
    pub(crate) at: Instant,
}

/// A study as a citizen sees it in their app.
#[derive(SimpleObject)]
pub struct MyStudy {
    /// The study (its information sheet version is the one to read before consenting).
    pub(crate) study: Study,
    /// Collecting data today: the citizen may join.
    pub(crate) recruiting: bool,
    /// They take part: their latest record is a consent under the current information sheet.
    pub(crate) taking_part: bool,
    /// Their latest consent record for it, if any.
    pub(crate) latest_consent: Option<StudyConsentPayload>,
}

impl From<domain::CitizenStudy> for MyStudy {
    fn from(s: domain::CitizenStudy) -> Self {
        Self {
            recruiting: s.recruiting,
            taking_part: s.taking_part,
            latest_consent: s.latest.map(consent_payload),
            study: s.study.into(),
        }
    }
}

fn consent_payload(c: domain::StudyConsent) -> StudyConsentPayload {
    StudyConsentPayload {
        given: c.given,
        information_sheet_version: i32::try_from(c.information_sheet_version).unwrap_or(i32::MAX),
        at: c.at.into(),
    }
}

/// A citizen's own consent to a study, or its withdrawal.
#[derive(InputObject)]
pub struct SetMyStudyConsentInput {
    /// The study.
    pub(crate) study_id: ID,
    /// Given (true) or withdrawn (false).
    pub(crate) given: bool,
    /// The information sheet version the citizen read; a consent is refused (`CONFLICT`,
    /// `NOT_CURRENT`) unless it is the study's current one.
    pub(crate) information_sheet_version: i32,
}

/// The forms of an export.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// CSV, one row per answered questionnaire, items as `item_1` … columns.
    Csv,
    /// A JSON array of rows, answers as an array.
    Json,
}

/// Research queries.
#[derive(Default)]
pub struct ResearchQuery;

#[Object]
impl ResearchQuery {
    /// Studies, oldest first: every one for coordinators and tenant admins, their own for
    /// researchers.
    async fn studies(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, Study, ListTotal>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let result = svc.studies(rc, &page).await.gql()?;
        Ok(connection(result, |s| s.id.as_uuid(), Study::from))
    }

    /// The signed-in citizen's studies, oldest first: those collecting data today (which they
    /// may join) and those they have a consent record for, each saying whether they take part.
    /// Citizens with a citizen record only (else `CONFLICT`, `NOT_REGISTERED`).
    async fn my_studies(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, MyStudy, ListTotal>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let result = svc.my_studies(rc, &page).await.gql()?;
        Ok(connection(result, |s| s.study.id.as_uuid(), MyStudy::from))
    }

    /// A study's export, for its researchers only: every answered questionnaire of the
    /// citizens who consented to the study under its current information sheet, under
    /// per-study pseudonyms (age band, municipality, offer kind, start week, point, answers);
    /// combinations rarer than the disclosure threshold generalised (`*`) or left out. Every
    /// export is audited per participant (purpose RESEARCH).
    async fn study_export(
        &self,
        ctx: &Context<'_>,
        study_id: ID,
        #[graphql(desc = "CSV unless given")] format: Option<ExportFormat>,
    ) -> async_graphql::Result<export::StudyExport> {
        let (svc, rc) = request(ctx)?;
        let id = parse("studyId", &study_id).gql()?;
        let data = svc.export(rc, id).await.gql()?;
        export::render(&data, format.unwrap_or(ExportFormat::Csv)).gql()
    }
}

/// Research mutations.
#[derive(Default)]
pub struct ResearchMutation;

#[Object]
impl ResearchMutation {
    /// Registers a study (tenant admins); each field is validated and named when wrong.
    async fn create_study(
        &self,
        ctx: &Context<'_>,
        input: CreateStudyInput,
    ) -> async_graphql::Result<StudyPayload> {
        let (svc, rc) = request(ctx)?;
        let draft = StudyDraft {
            title: input.title,
            starts_on: input.starts_on.0,
            ends_on: input.ends_on.0,
            protocol_reference: input.protocol_reference,
            ethics_reference: input.ethics_reference,
            data_controller: input.data_controller,
            information_sheet_version: u32::try_from(input.information_sheet_version).unwrap_or(0),
        };
        Ok(StudyPayload {
            study: svc.create(rc, draft).await.gql()?.into(),
        })
    }

    /// Scopes a user holding the RESEARCHER role to a study (tenant admins): they then see
    /// the study and its export, nothing else.
    async fn add_study_researcher(
        &self,
        ctx: &Context<'_>,
        input: AddStudyResearcherInput,
    ) -> async_graphql::Result<StudyPayload> {
        let (svc, rc) = request(ctx)?;
        let study = parse("studyId", &input.study_id).gql()?;
        let user = parse("userId", &input.user_id).gql()?;
        Ok(StudyPayload {
            study: svc.add_researcher(rc, study, user).await.gql()?.into(),
        })
    }

    /// Records a citizen's consent to a study, or its withdrawal (coordinators and tenant
    /// admins, with the citizen), under the study's current information sheet. A withdrawn
    /// citizen is in no later export.
    async fn record_study_consent(
        &self,
        ctx: &Context<'_>,
        input: RecordStudyConsentInput,
    ) -> async_graphql::Result<StudyConsentPayload> {
        let (svc, rc) = request(ctx)?;
        let study = parse("studyId", &input.study_id).gql()?;
        let citizen = parse("citizenId", &input.citizen_id).gql()?;
        let c = svc
            .record_consent(rc, study, citizen, input.given)
            .await
            .gql()?;
        Ok(consent_payload(c))
    }

    /// The signed-in citizen's own consent to a study, given under the information sheet
    /// version they read (the study's current one, while it collects data: else `CONFLICT`
    /// `NOT_CURRENT` or `STUDY_CLOSED`), or its withdrawal, which is always possible and takes
    /// them out of every later export.
    async fn set_my_study_consent(
        &self,
        ctx: &Context<'_>,
        input: SetMyStudyConsentInput,
    ) -> async_graphql::Result<StudyConsentPayload> {
        let (svc, rc) = request(ctx)?;
        let study = parse("studyId", &input.study_id).gql()?;
        let sheet = u32::try_from(input.information_sheet_version).map_err(|_| {
            peerbro_domain::DomainError::validation("informationSheetVersion", "must be 1 or more")
        });
        let c = svc
            .set_my_consent(rc, study, input.given, sheet.gql()?)
            .await
            .gql()?;
        Ok(consent_payload(c))
    }
}
