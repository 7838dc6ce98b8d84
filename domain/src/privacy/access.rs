//! The right of access and to data portability (GDPR art. 15 and 20): everything peerbro
//! holds about one citizen or one peer worker, in one document, read in one transaction and
//! audited there. A coordinator or tenant admin produces it on the person's request; the
//! person downloads their own. The adapter decrypts with the person's own key; nothing of
//! another person is put in (a peer worker appears as "a peer", a citizen's peer meetings
//! name no peer; staff who read the data are named, since the person has the right to know
//! who did).
//!
//! The document is plain data in the stored codes; the API renders it as JSON and as a
//! printable Danish page.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::authz::{PeopleAction, authorize_people, require_actor};
use crate::clock::Clock;
use crate::context::RequestContext;
use crate::context::Role;
use crate::error::{DomainError, DomainResult};
use crate::ids::{CitizenId, PeerId};
use crate::people::peer_ports::PeerRepository;
use crate::people::ports::CitizenRepository;
use crate::privacy::peer_access::PeerExport;
pub use crate::privacy::records::{ExportedAnswers, LookUp};

/// One consent record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedConsent {
    /// For what.
    pub purpose: String,
    /// Given or withdrawn.
    pub given: bool,
    /// When.
    #[serde(serialize_with = "crate::clock::serialize_wire_instant")]
    pub at: DateTime<Utc>,
    /// How it was obtained.
    pub evidence: String,
    /// The version of the purpose's text it was given or withdrawn under (ADR 0044); its
    /// wording is in [`CitizenExport::consent_texts`]. `None` before versions were kept.
    pub text_version: Option<u32>,
}

/// A consent text the citizen's consents name, word for word.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedConsentText {
    /// For what.
    pub purpose: String,
    /// Its version.
    pub version: u32,
    /// The wording.
    pub text: String,
    /// When it was published.
    #[serde(serialize_with = "crate::clock::serialize_wire_instant")]
    pub published_at: DateTime<Utc>,
}

/// One move of a referral.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedMove {
    /// The move.
    pub action: String,
    /// To which state.
    pub to: String,
    /// When.
    #[serde(serialize_with = "crate::clock::serialize_wire_instant")]
    pub at: DateTime<Utc>,
    /// The feedback line it carried.
    pub feedback: Option<String>,
    /// The outcome code, when support ended.
    pub outcome: Option<String>,
    /// The decline reason code.
    pub decline_reason: Option<String>,
}

/// One referral.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedReferral {
    /// Its id.
    pub id: String,
    /// The organisation that referred.
    pub referred_by: String,
    /// When.
    #[serde(serialize_with = "crate::clock::serialize_wire_instant")]
    pub submitted_at: DateTime<Utc>,
    /// Its state now.
    pub state: String,
    /// Why the citizen was referred (decrypted).
    pub reason: Option<String>,
    /// The referrer's case reference.
    pub case_reference: Option<String>,
    /// The offer asked for, and the one given.
    pub requested_offer: Option<String>,
    /// The offer given.
    pub assigned_offer: Option<String>,
    /// Every move, oldest first.
    pub moves: Vec<ExportedMove>,
}

/// A place on a course.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedEnrolment {
    /// The course's title.
    pub offer: String,
    /// `ENROLLED`, `WAITLISTED`, `WITHDRAWN`, …
    pub status: String,
    /// When it was made.
    #[serde(serialize_with = "crate::clock::serialize_wire_instant")]
    pub since: DateTime<Utc>,
}

/// Presence at one course session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedAttendance {
    /// The course's title.
    pub offer: String,
    /// The session's number.
    pub session: i32,
    /// Its date.
    pub date: NaiveDate,
    /// Whether the citizen was there.
    pub present: bool,
}

/// A one-to-one meeting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedMeeting {
    /// The referral it belongs to.
    pub referral_id: String,
    /// The date.
    pub date: NaiveDate,
    /// Minutes.
    pub minutes: i32,
    /// `IN_PERSON`, `PHONE`, `VIDEO`, …
    pub form: String,
    /// `PLANNED`, `HELD`, `CANCELLED`, …
    pub status: String,
}

/// A consent to one research study.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedStudyConsent {
    /// The study's title.
    pub study: String,
    /// The information sheet's version.
    pub version: i32,
    /// Given or withdrawn.
    pub given: bool,
    /// When.
    #[serde(serialize_with = "crate::clock::serialize_wire_instant")]
    pub at: DateTime<Utc>,
}

/// The citizen's profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedCitizen {
    /// Their id.
    pub id: String,
    /// Their pseudonym in reports.
    pub pseudonym: String,
    /// Name (none once erased).
    pub name: Option<String>,
    /// Contact details.
    pub contact: Option<String>,
    /// Birth year.
    pub birth_year: Option<i32>,
    /// Municipality.
    pub municipality: String,
    /// How they came (`REFERRAL`, `COORDINATOR`, `SELF_REGISTRATION`).
    pub origin: String,
    /// When registered.
    #[serde(serialize_with = "crate::clock::serialize_wire_instant")]
    pub registered_at: DateTime<Utc>,
}

/// Everything held about one citizen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CitizenExport {
    /// The partnership that holds it.
    pub partnership: String,
    /// When the document was made.
    #[serde(serialize_with = "crate::clock::serialize_wire_instant")]
    pub generated_at: DateTime<Utc>,
    /// The profile.
    pub citizen: ExportedCitizen,
    /// Consents with their history, oldest first.
    pub consents: Vec<ExportedConsent>,
    /// The wording of each consent text version named in `consents`, by purpose and version.
    pub consent_texts: Vec<ExportedConsentText>,
    /// Referrals with their moves.
    pub referrals: Vec<ExportedReferral>,
    /// Places on courses.
    pub enrolments: Vec<ExportedEnrolment>,
    /// Course sessions.
    pub attendance: Vec<ExportedAttendance>,
    /// One-to-one meetings.
    pub meetings: Vec<ExportedMeeting>,
    /// Answered questionnaires.
    pub questionnaires: Vec<ExportedAnswers>,
    /// Research studies.
    pub studies: Vec<ExportedStudyConsent>,
    /// Who read or changed the data, oldest first (this export included).
    pub look_ups: Vec<LookUp>,
}

/// Reads a person's whole record in one transaction, decrypting with their key, and audits the
/// export (`EXPORT`, for `CITIZEN_REQUEST`) in the same transaction.
#[async_trait]
pub trait SubjectExports: Send + Sync {
    /// Everything held about citizen `id`.
    ///
    /// # Errors
    /// `NotFound` for a citizen not in the tenant.
    async fn citizen(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        at: DateTime<Utc>,
    ) -> DomainResult<CitizenExport>;

    /// Everything held about peer worker `id`.
    ///
    /// # Errors
    /// `NotFound` for a peer not in the tenant.
    async fn peer(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        at: DateTime<Utc>,
    ) -> DomainResult<PeerExport>;
}

/// The right of access.
#[derive(Clone)]
pub struct AccessService {
    exports: Arc<dyn SubjectExports>,
    citizens: Arc<dyn CitizenRepository>,
    peers: Arc<dyn PeerRepository>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for AccessService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessService").finish_non_exhaustive()
    }
}

impl AccessService {
    /// Wires the service.
    #[must_use]
    pub fn new(
        exports: Arc<dyn SubjectExports>,
        citizens: Arc<dyn CitizenRepository>,
        peers: Arc<dyn PeerRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            exports,
            citizens,
            peers,
            clock,
        }
    }

    /// Everything held about citizen `id`, produced on their request by a coordinator or
    /// tenant admin.
    ///
    /// # Errors
    /// `Forbidden` for other roles; `NotFound` for a citizen not in the tenant.
    pub async fn citizen_export(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
    ) -> DomainResult<CitizenExport> {
        authorize_people(ctx, PeopleAction::ExportSubjects)?;
        self.exports.citizen(ctx, id, self.clock.now()).await
    }

    /// Everything held about the signed-in citizen.
    ///
    /// # Errors
    /// `Forbidden` for callers without the citizen role; `Conflict` (`NOT_REGISTERED`) for a
    /// citizen user without a record.
    pub async fn my_export(&self, ctx: &RequestContext) -> DomainResult<CitizenExport> {
        let own = crate::people::own_citizen(
            self.citizens.as_ref(),
            ctx,
            DomainError::Forbidden("only a citizen downloads their own record"),
        )
        .await?;
        self.exports.citizen(ctx, own, self.clock.now()).await
    }

    /// Everything held about peer worker `id`, produced on their request by a coordinator or
    /// tenant admin.
    ///
    /// # Errors
    /// `Forbidden` for other roles; `NotFound` for a peer not in the tenant.
    pub async fn peer_export(&self, ctx: &RequestContext, id: PeerId) -> DomainResult<PeerExport> {
        authorize_people(ctx, PeopleAction::ExportSubjects)?;
        self.exports.peer(ctx, id, self.clock.now()).await
    }

    /// Everything held about the signed-in peer worker.
    ///
    /// # Errors
    /// `Forbidden` for callers who are not a peer with a peer record.
    pub async fn my_peer_export(&self, ctx: &RequestContext) -> DomainResult<PeerExport> {
        let refusal = DomainError::Forbidden("only a peer worker downloads their own record");
        let actor = require_actor(ctx)?;
        if !actor.has(Role::Peer) {
            return Err(refusal);
        }
        let own = self
            .peers
            .peer_id_of_user(ctx, actor.user_id())
            .await?
            .ok_or(refusal)?;
        self.exports.peer(ctx, own, self.clock.now()).await
    }
}
