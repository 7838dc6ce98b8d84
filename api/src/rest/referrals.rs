//! `/api/v1/referrals`: partner systems submit referrals and follow their own organisation's.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use peerbro_domain::DomainError;
use peerbro_domain::ids::{CitizenId, OfferId, ReferralId};
use peerbro_domain::people::{CitizenInput, NewCitizen};
use peerbro_domain::privacy::Personal;
use peerbro_domain::referral::{
    CaseReference, DeclineReason, IdempotencyKey, NewReferral, OutcomeAbsence, OutcomeCode,
    ReferralReason, ReferralState, ReferredCitizen, ReferrerView,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use uuid::Uuid;

use super::body::Body;
use super::referral_params::ListParams;
use crate::http::auth::Ctx;
use crate::http::problem::{ApiError, Problem};
use crate::state::AppState;
pub use crate::wire::ConsentEvidence;

/// A citizen not registered before.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewCitizenBody {
    /// Name (1–200 characters).
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x09\\x0B\\x0C\\x0E-\\x1F\\x7F-\\u009F]*[^\\s\\x00-\\x1F\\x7F-\\u009F][^\\x00-\\x09\\x0B\\x0C\\x0E-\\x1F\\x7F-\\u009F]*$"
    )]
    name: String,
    /// Contact details (1–500 characters).
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = "^[^\\x00-\\x09\\x0B\\x0C\\x0E-\\x1F\\x7F-\\u009F]*[^\\s\\x00-\\x1F\\x7F-\\u009F][^\\x00-\\x09\\x0B\\x0C\\x0E-\\x1F\\x7F-\\u009F]*$"
    )]
    contact: Option<String>,
    /// Birth year, 1900 to this year.
    #[schema(minimum = 1900)]
    birth_year: Option<i32>,
    /// Municipality (1–100 characters).
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\u009F]*[^\\s\\x00-\\x1F\\x7F-\\u009F][^\\x00-\\x1F\\x7F-\\u009F]*$"
    )]
    municipality: String,
}

/// A referral; give exactly one of `newCitizen` and `citizenId`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SubmitReferral {
    /// A citizen not registered before.
    new_citizen: Option<NewCitizenBody>,
    /// A citizen registered earlier that your organisation referred before; their consent to
    /// referral processing must be in force (a referral never changes a known citizen's
    /// consents).
    citizen_id: Option<Uuid>,
    /// Why the citizen is referred (up to 2000 characters; encrypted at rest).
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\x00-\\x09\\x0B\\x0C\\x0E-\\x1F\\x7F-\\u009F]*[^\\s\\x00-\\x1F\\x7F-\\u009F][^\\x00-\\x09\\x0B\\x0C\\x0E-\\x1F\\x7F-\\u009F]*$"
    )]
    reason: Option<String>,
    /// How the citizen consented to processing the referral (required).
    consent_evidence: ConsentEvidence,
    /// The citizen agrees that the coded outcome is shared with the referrer (recorded for a
    /// new citizen; for a known one it must already be in force).
    #[serde(default)]
    share_outcome_with_referrer: bool,
    /// The citizen agrees to be contacted (default true; recorded for a new citizen, for a
    /// known one it must already be in force: send false to refer without it).
    contact_consent: Option<bool>,
    /// The offer asked for; leave out to let the coordinator decide.
    offer_id: Option<Uuid>,
    /// Your own reference for the case (its id in your case system: 1–40 letters, digits and
    /// `. _ / : # -`, never a name), by which you find the referral again.
    #[schema(pattern = "^[A-Za-z0-9._/:#-]{1,40}$")]
    case_reference: Option<String>,
}

/// What the referrer's organisation sees of a referral.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReferralStatus {
    /// Id.
    id: Uuid,
    /// Status: SUBMITTED, ACCEPTED, ASSIGNED, IN_CONTACT, ACTIVE, COMPLETED, ENDED_EARLY,
    /// NO_CONTACT, WITHDRAWN or DECLINED.
    #[schema(schema_with = state_schema)]
    state: String,
    /// The HL7 FHIR Task status.
    #[schema(schema_with = fhir_schema)]
    fhir_task_status: String,
    /// Submitted.
    #[serde(serialize_with = "crate::wire::serialize_instant")]
    submitted_at: DateTime<Utc>,
    /// First contact with the citizen.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::wire::serialize_optional_instant")]
    first_contact_at: Option<DateTime<Utc>>,
    /// The latest change.
    #[serde(serialize_with = "crate::wire::serialize_instant")]
    updated_at: DateTime<Utc>,
    /// Feedback for the referrer.
    #[serde(skip_serializing_if = "Option::is_none")]
    feedback: Option<String>,
    /// The coded outcome, only while the citizen consents to sharing it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = outcome_schema)]
    outcome: Option<String>,
    /// Why it was declined.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = decline_schema)]
    decline_reason: Option<String>,
    /// Why `outcome` is absent (left out when the outcome is shown).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = absence_schema)]
    outcome_absence: Option<String>,
    /// The offer asked for (`GET /api/v1/offers/{id}`; left out when none was).
    #[serde(skip_serializing_if = "Option::is_none")]
    requested_offer_id: Option<uuid::Uuid>,
    /// Your own reference for the case, as you gave it (left out when you gave none).
    #[serde(skip_serializing_if = "Option::is_none")]
    case_reference: Option<String>,
}

/// A string schema allowing exactly `values` (generated clients get an enum).
fn one_of(values: impl IntoIterator<Item = &'static str>, description: &str) -> Object {
    let mut values: Vec<&str> = values.into_iter().collect();
    values.dedup();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(values))
        .build()
}

fn state_schema() -> Object {
    one_of(
        ReferralState::ALL.iter().map(|s| s.as_str()),
        "The referral's state",
    )
}

fn fhir_schema() -> Object {
    let mut statuses: Vec<&'static str> = ReferralState::ALL
        .iter()
        .map(|s| s.fhir_task_status())
        .collect();
    statuses.sort_unstable();
    one_of(statuses, "The HL7 FHIR Task status")
}

fn outcome_schema() -> Object {
    one_of(
        OutcomeCode::ALL.iter().map(|o| o.as_str()),
        "The coded outcome, only while the citizen consents to sharing it",
    )
}

fn decline_schema() -> Object {
    one_of(
        DeclineReason::ALL.iter().map(|d| d.as_str()),
        "Why it was declined",
    )
}

fn absence_schema() -> Object {
    one_of(
        OutcomeAbsence::ALL.iter().map(|a| a.as_str()),
        "Why the outcome is absent: NOT_YET (still open), NOT_SHARED (the citizen does not \
         agree to share it), WITHDRAWN, ENDED_WITHOUT_SUPPORT (declined or no contact)",
    )
}

impl From<ReferrerView> for ReferralStatus {
    fn from(v: ReferrerView) -> Self {
        Self {
            id: v.id.as_uuid(),
            state: v.state.as_str().to_owned(),
            fhir_task_status: v.state.fhir_task_status().to_owned(),
            submitted_at: v.submitted_at,
            first_contact_at: v.first_contact_at,
            updated_at: v.updated_at,
            feedback: v.feedback,
            outcome: v.outcome.map(|o| o.as_str().to_owned()),
            decline_reason: v.decline_reason.map(|d| d.as_str().to_owned()),
            outcome_absence: v.outcome_absence.map(|a| a.as_str().to_owned()),
            requested_offer_id: v.requested_offer_id.map(|o| o.as_uuid()),
            case_reference: v.case_reference,
        }
    }
}

/// One page of referrals.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReferralPage {
    /// The referrals, oldest first.
    items: Vec<ReferralStatus>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

fn parse_body(
    body: SubmitReferral,
    key: Option<IdempotencyKey>,
) -> Result<NewReferral, DomainError> {
    let citizen = match (body.new_citizen, body.citizen_id) {
        (Some(c), None) => ReferredCitizen::New(NewCitizen::parse(
            Some("newCitizen"),
            CitizenInput {
                name: &c.name,
                contact: c.contact.as_deref(),
                birth_year: c.birth_year,
                municipality: &c.municipality,
            },
        )?),
        (None, Some(id)) => ReferredCitizen::Known(CitizenId::from_uuid(id)),
        _ => {
            return Err(DomainError::validation(
                "body",
                "give exactly one of newCitizen and citizenId",
            ));
        }
    };
    Ok(NewReferral {
        citizen,
        reason: body
            .reason
            .as_deref()
            .map(|r| ReferralReason::parse(r).map(Personal::from))
            .transpose()?,
        consent_evidence: body.consent_evidence.into(),
        share_outcome: body.share_outcome_with_referrer,
        contact: body.contact_consent.unwrap_or(true),
        offer_id: body.offer_id.map(OfferId::from_uuid),
        idempotency_key: key,
        case_reference: body
            .case_reference
            .as_deref()
            .map(CaseReference::parse)
            .transpose()?,
    })
}

/// Submits a referral (referrers). With an `Idempotency-Key` header, a retry with the same
/// body answers 200 with the first referral; the same key with another body is 409.
#[utoipa::path(
    tag = "referrals",
    context_path = "/api/v1",
    request_body = SubmitReferral,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[\\x21-\\x7E]{1,200}$", description = "Makes retries safe (1-200 visible ASCII characters)")),
    responses(
        (status = 201, body = ReferralStatus, description = "Created"),
        (status = 200, body = ReferralStatus, description = "A retry of an earlier submission"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/referrals")]
pub async fn submit(
    Ctx(ctx): Ctx,
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Body<SubmitReferral>,
) -> Result<HttpResponse, ApiError> {
    let key = match req.headers().get("idempotency-key") {
        None => None,
        Some(v) => Some(IdempotencyKey::parse(v.to_str().map_err(|_| {
            ApiError::bad_request("the Idempotency-Key header must be visible ASCII")
        })?)?),
    };
    let new = parse_body(body.into_inner(), key)?;
    let (id, created) = state.services.referrals.submit(&ctx, new).await?;
    let view = state.services.referrals.referrer_view(&ctx, id).await?;
    let mut res = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(res
        .insert_header((header::LOCATION, format!("/api/v1/referrals/{id}")))
        .json(ReferralStatus::from(view)))
}

/// One referral's status (the submitting organisation).
#[utoipa::path(
    tag = "referrals",
    context_path = "/api/v1",
    params(("id" = Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, body = ReferralStatus),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/referrals/{id}")]
pub async fn get(
    Ctx(ctx): Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = state
        .services
        .referrals
        .referrer_view(&ctx, ReferralId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(ReferralStatus::from(view)))
}

/// The caller's organisation's referrals, oldest first; narrowed by `states` and by when they
/// were submitted (`submittedAfter` inclusive, `submittedBefore` exclusive) when given.
#[utoipa::path(
    tag = "referrals",
    context_path = "/api/v1",
    params(ListParams),
    responses(
        (status = 200, body = ReferralPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/referrals")]
pub async fn list(
    Ctx(ctx): Ctx,
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let page = super::page_params(params.limit, params.cursor.as_deref())?;
    let narrowing = params.narrowing()?;
    let result = state
        .services
        .referrals
        .my_organisation_referrals(&ctx, &narrowing, &page)
        .await?;
    let next_cursor = super::next_cursor(&result, |v| v.id.as_uuid());
    Ok(HttpResponse::Ok().json(ReferralPage {
        items: result.items.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}
