//! The domain's error type. Every transport maps it once, by whitelist, to its own codes.
//!
//! Messages never carry personal data: they name the rule or field, never the value.

/// What went wrong, in terms a client can act on.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The resource does not exist in the caller's tenant (or the caller may not know it does).
    #[error("{resource} not found")]
    NotFound {
        /// The kind of resource, e.g. "organisation".
        resource: &'static str,
    },
    /// The caller is known but their role or relationship does not allow the action.
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    /// A value failed validation.
    #[error("invalid {field}: {message}")]
    Validation {
        /// The input field, in the client's vocabulary.
        field: String,
        /// The rule that was broken (never the offending value).
        message: String,
    },
    /// The change conflicts with the current state (duplicate, illegal transition, limit).
    #[error("conflict: {0}")]
    Conflict(Conflict),
    /// No (valid) identity was presented.
    #[error("authentication required")]
    Unauthenticated,
    /// The service cannot answer now: the database is unreachable or saturated, or a statement
    /// or the request ran out of time. Nothing was changed; the same request may succeed later.
    #[error("temporarily unavailable: {0}")]
    Unavailable(&'static str),
    /// The caller sent more requests than their share allows.
    #[error("too many requests: retry in {retry_after_seconds} s")]
    RateLimited {
        /// When a retry may succeed.
        retry_after_seconds: u64,
    },
    /// Anything unexpected; the transport answers with a generic message and logs the cause.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl DomainError {
    /// A validation error for `field`.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The stable machine-readable code, shared by GraphQL `extensions.code` and REST problems.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "NOT_FOUND",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::Validation { .. } => "VALIDATION",
            Self::Conflict(_) => "CONFLICT",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Unavailable(_) => "UNAVAILABLE",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::Unknown(_) => "INTERNAL",
        }
    }
}

/// How long a client should wait before retrying an `UNAVAILABLE` answer.
pub const UNAVAILABLE_RETRY_AFTER_SECONDS: u64 = 2;

impl DomainError {
    /// Seconds after which a retry may succeed, for the errors that are worth retrying.
    #[must_use]
    pub const fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            Self::Unavailable(_) => Some(UNAVAILABLE_RETRY_AFTER_SECONDS),
            Self::RateLimited {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        }
    }
}

/// Which rule of the current state a change ran into. Callers match on the kind, never on the
/// message; the message is what a client reads.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Conflict {
    /// Something with this identity exists already.
    #[error("{0}")]
    Duplicate(Duplicate),
    /// The state machine does not allow `action` from `from`.
    #[error("{action} is not allowed from {from}")]
    IllegalTransition {
        /// The action's wire name.
        action: &'static str,
        /// The current state's wire name.
        from: &'static str,
    },
    /// An idempotency key already names a different request.
    #[error("this Idempotency-Key was already used for a different referral")]
    IdempotencyKeyReused,
    /// The citizen's key is destroyed; their data can no longer be read or changed.
    #[error("the citizen's data has been erased")]
    CitizenErased,
    /// A new citizen's pseudonym is taken in the tenant (the use case draws another; a client
    /// sees this only if the random source is broken).
    #[error("a new pseudonym could not be found; try again")]
    PseudonymTaken,
    /// Erasure was asked for twice.
    #[error("the citizen's data has already been erased")]
    AlreadyErased,
    /// The API client is revoked.
    #[error("the API client is revoked; register a new one")]
    ApiClientRevoked,
    /// Removing the role would leave the tenant without an admin.
    #[error("the tenant's last admin cannot lose the admin role")]
    LastAdmin,
    /// A referrer without an organisation cannot refer.
    #[error("a referrer must belong to an organisation")]
    ReferrerWithoutOrganisation,
    /// A citizen acts on their own behalf only once registered.
    #[error("register yourself as a citizen first (registerSelf)")]
    NotRegisteredAsCitizen,
    /// A known citizen's consent to referral processing is withdrawn or expired.
    #[error(
        "the citizen's consent to referral processing is not in force; their coordinator \
         records it anew with the citizen"
    )]
    ReferralConsentNotInForce,
    /// Enrolment is only on open courses.
    #[error("citizens are enrolled on open courses only")]
    CourseNotOpen,
    /// The citizen has a place or waits for one.
    #[error("the citizen already has a place on this course or waits for one")]
    AlreadyEnrolled,
    /// A citizen enrols themself only on an open-access course.
    #[error("this course takes enrolments through a coordinator or a referral")]
    NotOpenAccess,
    /// Already withdrawn.
    #[error("the enrolment is already withdrawn")]
    AlreadyWithdrawn,
    /// The requested offer does not take referrals now.
    #[error("the offer is closed for referrals")]
    OfferClosed,
    /// A facilitator is not an active peer.
    #[error("only active peers can facilitate a course")]
    FacilitatorNotActive,
    /// Headcounts belong to cafés.
    #[error("headcounts are recorded for recovery cafés")]
    NotACafe,
    /// The referral has no assigned peer.
    #[error("the referral is not matched with a peer")]
    NotMatched,
    /// Meetings are logged while the match runs.
    #[error("meetings are logged while the match runs")]
    MatchNotRunning,
    /// A course cannot shrink below the places it has given.
    #[error(
        "{taken} citizens have a place on the course: withdraw some before lowering its capacity"
    )]
    PlacesTaken {
        /// Places given.
        taken: u32,
    },
    /// No attendance is recorded for a cancelled session.
    #[error("the session was cancelled: no attendance is recorded for it")]
    SessionCancelled,
    /// A session cancelled, or past, is not cancelled again.
    #[error("the session is cancelled already, or has taken place")]
    SessionNotUpcoming,
    /// The session's marks were removed by retention: only its counts are kept, and no mark
    /// is recorded any more.
    #[error(
        "the session's attendance is past the partnership's retention: only its counts are kept"
    )]
    AttendanceRetired,
    /// Only a planned meeting is held or cancelled.
    #[error("the meeting is not planned: only a planned meeting is held or cancelled")]
    MeetingNotPlanned,
    /// The match has ended.
    #[error("the match has ended; its citizen's details are no longer shown")]
    MatchEnded,
    /// The citizen has not consented to being contacted.
    #[error("the citizen has not consented to being contacted")]
    NoContactConsent,
    /// Only an active peer can be assigned.
    #[error("only an active peer can be assigned")]
    PeerNotActive,
    /// The peer's one-to-one places are all in use.
    #[error("the peer has no capacity: {open} of {max} one-to-one matches in use")]
    PeerAtCapacity {
        /// Matches in use.
        open: u32,
        /// The peer's maximum.
        max: u32,
    },
    /// A volunteer's certificates are missing or not clear.
    #[error("a volunteer cannot be active without clear certificates: {}", .0.join(", "))]
    CertificatesMissing(Vec<&'static str>),
    /// Screening interviews belong to the screening stage.
    #[error("screening interviews are recorded while the peer is in SCREENING")]
    NotInScreening,
    /// Placements are in hospital-psychiatry units.
    #[error("placements are in hospital-psychiatry units")]
    NotAPsychiatryUnit,
    /// Only an active, paid peer with an employment record is placed.
    #[error("only an active, paid peer with an employment record can be placed")]
    NotPlaceable,
    /// Placements would exceed the contracted weekly hours.
    #[error(
        "placements from {from} would total {:.1} hours a week, more than the contracted {:.1}",
        f64::from(*total_tenths) / 10.0,
        f64::from(*contracted_tenths) / 10.0
    )]
    HoursExceeded {
        /// The first day over the contract.
        from: chrono::NaiveDate,
        /// Weekly hours, in tenths.
        total_tenths: u32,
        /// Contracted weekly hours, in tenths.
        contracted_tenths: u32,
    },
    /// The measurement point is not open for this support today (not reached, its window
    /// closed, or answered already).
    #[error("this questionnaire is not due: the measurement point is not open today")]
    QuestionnaireNotDue,
    /// The citizen's consent to outcome measurement is not in force.
    #[error("the citizen has not consented to outcome measurement")]
    NoOutcomeConsent,
    /// The tenant's outcome instrument is not the one answered.
    #[error("answer the tenant's current questionnaire version")]
    NotCurrentInstrument,
    /// A consent to a study names an information sheet that is not the study's current one.
    #[error("the study's information sheet has changed: read the current version")]
    NotCurrentSheet,
    /// The study is not collecting data today, so no one joins it.
    #[error("the study is not recruiting today")]
    StudyClosed,
    /// The client showed a consent text that is no longer the purpose's current one (or none
    /// is published): nobody is recorded as agreeing to a wording they did not see.
    #[error(
        "the consent text for {purpose} has changed: show the current version ({}) and ask again",
        current.map_or_else(|| "none published".to_owned(), |v| v.to_string())
    )]
    ConsentTextChanged {
        /// The purpose's wire name.
        purpose: &'static str,
        /// The version in force, if any.
        current: Option<u32>,
    },
    /// Only a peer who has left (`ENDED`) is erased.
    #[error("only a peer worker who has left (ENDED) can be erased")]
    PeerNotEnded,
    /// A legal hold keeps the person's data: no erasure until it is released.
    #[error("a legal hold ({reason}) keeps this person's data until it is released")]
    LegalHold {
        /// Why the data is held: the stored name of the hold's reason.
        reason: &'static str,
    },
    /// The chat offer is not open now (or no longer offered).
    #[error(
        "the chat is closed{}",
        opens.map_or_else(String::new, |at| format!(": it opens again at {}", at.to_rfc3339()))
    )]
    ChatClosed {
        /// When it opens next, if it will.
        opens: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// A conversation is handed only to a peer on duty for its offer.
    #[error("the other peer is not on duty for this chat offer")]
    NotOnDuty,
    /// A message was sealed under keys a hand-over replaced.
    #[error("the conversation's keys changed (key epoch {current}): seal the message again")]
    StaleChatKey {
        /// The current key epoch.
        current: u32,
    },
    /// A chat conversation accepts messages only while a citizen and a peer are in it.
    #[error("the conversation is {state}: it accepts messages only while ACTIVE")]
    ChatNotActive {
        /// The conversation's state.
        state: &'static str,
    },
}

/// What already exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Duplicate {
    /// A tenant slug.
    #[error("a tenant with this slug already exists")]
    TenantSlug,
    /// An organisation name in the tenant.
    #[error("an organisation with this name already exists in the tenant")]
    OrganisationName,
    /// A member's e-mail.
    #[error("a user with this e-mail is already a member of the tenant")]
    MemberEmail,
    /// A member linked to the same identity-provider subject.
    #[error("a user linked to this identity is already a member of the tenant")]
    MemberIdentity,
    /// A user's peer profile.
    #[error("this user is already registered as a peer worker")]
    PeerUser,
    /// A user's citizen profile.
    #[error("this user is already registered as a citizen")]
    CitizenUser,
    /// A peer's employment.
    #[error("employment already recorded")]
    Employment,
    /// A supervision session.
    #[error("supervision session already recorded")]
    SupervisionSession,
    /// A placement.
    #[error("placement already recorded")]
    Placement,
    /// An instrument's key and version.
    #[error("the tenant has an instrument with this key and version already")]
    InstrumentVersion,
    /// An answered measurement point.
    #[error("this measurement point is answered already")]
    Response,
    /// A study's researcher.
    #[error("this user is a researcher of the study already")]
    StudyResearcher,
}

impl Conflict {
    /// A stable machine-readable name of the kind, for clients that branch on it.
    #[must_use]
    pub const fn reason(&self) -> &'static str {
        match self {
            Self::Duplicate(_) => "DUPLICATE",
            Self::IllegalTransition { .. } => "ILLEGAL_TRANSITION",
            Self::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            Self::CitizenErased | Self::AlreadyErased => "ERASED",
            Self::ApiClientRevoked => "REVOKED",
            Self::LastAdmin => "LAST_ADMIN",
            Self::ReferrerWithoutOrganisation => "NO_ORGANISATION",
            Self::NotRegisteredAsCitizen => "NOT_REGISTERED",
            Self::ReferralConsentNotInForce | Self::NoContactConsent | Self::NoOutcomeConsent => {
                "CONSENT_NOT_IN_FORCE"
            }
            Self::QuestionnaireNotDue => "NOT_DUE",
            Self::NotCurrentInstrument | Self::NotCurrentSheet => "NOT_CURRENT",
            Self::StudyClosed => "STUDY_CLOSED",
            Self::ConsentTextChanged { .. } => "CONSENT_TEXT_CHANGED",
            Self::LegalHold { .. } => "LEGAL_HOLD",
            Self::PeerNotEnded => "NOT_ENDED",
            Self::ChatNotActive { .. } => "CHAT_NOT_ACTIVE",
            Self::ChatClosed { .. } => "CHAT_CLOSED",
            Self::NotOnDuty => "NOT_ON_DUTY",
            Self::StaleChatKey { .. } => "STALE_KEY",
            Self::CourseNotOpen | Self::OfferClosed => "OFFER_CLOSED",
            Self::AlreadyEnrolled => "ALREADY_ENROLLED",
            Self::NotOpenAccess => "NOT_OPEN_ACCESS",
            Self::AlreadyWithdrawn => "ALREADY_WITHDRAWN",
            Self::FacilitatorNotActive | Self::PeerNotActive | Self::NotPlaceable => {
                "PEER_NOT_ELIGIBLE"
            }
            Self::NotACafe | Self::NotAPsychiatryUnit => "WRONG_KIND",
            Self::NotMatched | Self::MatchNotRunning | Self::MatchEnded => "MATCH_NOT_RUNNING",
            Self::MeetingNotPlanned => "NOT_PLANNED",
            Self::SessionNotUpcoming => "NOT_UPCOMING",
            Self::SessionCancelled => "SESSION_CANCELLED",
            Self::AttendanceRetired => "RETENTION_PASSED",
            Self::PeerAtCapacity { .. } | Self::HoursExceeded { .. } | Self::PlacesTaken { .. } => {
                "CAPACITY"
            }
            Self::CertificatesMissing(_) => "CERTIFICATES_MISSING",
            Self::NotInScreening => "WRONG_STAGE",
            Self::PseudonymTaken => "PSEUDONYM_TAKEN",
        }
    }
}

impl From<Conflict> for DomainError {
    fn from(c: Conflict) -> Self {
        Self::Conflict(c)
    }
}

impl From<Duplicate> for DomainError {
    fn from(d: Duplicate) -> Self {
        Self::Conflict(Conflict::Duplicate(d))
    }
}

/// Result alias for domain operations.
pub type DomainResult<T> = Result<T, DomainError>;
