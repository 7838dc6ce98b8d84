//! The audit log: every read and write of a citizen's personal data appends an entry (who,
//! with which roles, in which tenant, what, about whom, why, when), in the same transaction as
//! the access. Entries are hash-chained per tenant, so a changed or removed entry is detected.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::{DomainError, DomainResult};

/// Why personal data is accessed. Every read of a citizen's personal data states one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Triage, matching and follow-up by a coordinator.
    Coordination,
    /// Handling a referral.
    ReferralHandling,
    /// Giving peer support (a peer worker's own matches).
    PeerSupport,
    /// Supervision of peer workers.
    Supervision,
    /// Administration of the partnership (corrections, erasure).
    Administration,
    /// At the citizen's own request (insight, export).
    CitizenRequest,
    /// Reviewing the audit log.
    AuditReview,
    /// Following a citizen's recovery outcomes (their answered questionnaires).
    OutcomeEvaluation,
    /// A research study's export (pseudonymised; the citizen consented to that study).
    Research,
}

impl Purpose {
    /// Every purpose.
    pub const ALL: [Self; 9] = [
        Self::Coordination,
        Self::ReferralHandling,
        Self::PeerSupport,
        Self::Supervision,
        Self::Administration,
        Self::CitizenRequest,
        Self::AuditReview,
        Self::OutcomeEvaluation,
        Self::Research,
    ];

    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Coordination => "COORDINATION",
            Self::ReferralHandling => "REFERRAL_HANDLING",
            Self::PeerSupport => "PEER_SUPPORT",
            Self::Supervision => "SUPERVISION",
            Self::Administration => "ADMINISTRATION",
            Self::CitizenRequest => "CITIZEN_REQUEST",
            Self::AuditReview => "AUDIT_REVIEW",
            Self::OutcomeEvaluation => "OUTCOME_EVALUATION",
            Self::Research => "RESEARCH",
        }
    }
}

impl std::str::FromStr for Purpose {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| DomainError::validation("purpose", "unknown purpose"))
    }
}

/// What was done to personal data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// Personal fields were read.
    Read,
    /// A record with personal data was created.
    Create,
    /// Personal fields were changed.
    Update,
    /// A consent was given or withdrawn.
    Consent,
    /// The subject's key was destroyed (crypto-shredding).
    Erase,
    /// The subject's whole record was exported (right of access, portability).
    Export,
}

impl AuditAction {
    /// Every action.
    pub const ALL: [Self; 6] = [
        Self::Read,
        Self::Create,
        Self::Update,
        Self::Consent,
        Self::Erase,
        Self::Export,
    ];

    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Read => "READ",
            Self::Create => "CREATE",
            Self::Update => "UPDATE",
            Self::Consent => "CONSENT",
            Self::Erase => "ERASE",
            Self::Export => "EXPORT",
        }
    }
}

impl std::str::FromStr for AuditAction {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| DomainError::validation("action", "unknown audit action"))
    }
}

/// What an access is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SubjectKind {
    /// A citizen.
    Citizen,
    /// A peer worker.
    PeerWorker,
}

impl SubjectKind {
    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Citizen => "CITIZEN",
            Self::PeerWorker => "PEER_WORKER",
        }
    }
}

impl std::str::FromStr for SubjectKind {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "CITIZEN" => Ok(Self::Citizen),
            "PEER_WORKER" => Ok(Self::PeerWorker),
            _ => Err(DomainError::validation(
                "subjectKind",
                "unknown subject kind",
            )),
        }
    }
}

/// An access to record: the adapter adds actor, tenant, time and chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    /// What was done.
    pub action: AuditAction,
    /// About what kind of subject.
    pub subject_kind: SubjectKind,
    /// About whom.
    pub subject_id: Uuid,
    /// Why.
    pub purpose: Purpose,
}

impl AuditEvent {
    /// An event.
    #[must_use]
    pub const fn new(
        action: AuditAction,
        subject_kind: SubjectKind,
        subject_id: Uuid,
        purpose: Purpose,
    ) -> Self {
        Self {
            action,
            subject_kind,
            subject_id,
            purpose,
        }
    }
}

/// A stored entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// Id (UUID v7, in chain order).
    pub id: Uuid,
    /// Position in the tenant's chain, from 1.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// The acting user (none for the system).
    pub actor_id: Option<Uuid>,
    /// The actor's roles in force, comma-separated (`SYSTEM` for the system).
    pub actor_roles: String,
    /// What.
    pub action: AuditAction,
    /// About what kind of subject.
    pub subject_kind: SubjectKind,
    /// About whom.
    pub subject_id: Uuid,
    /// Why.
    pub purpose: Purpose,
    /// The chain hash (hex).
    pub hash: String,
}

/// Filters for reading the audit log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only entries about this subject.
    pub subject_id: Option<Uuid>,
    /// Only entries by this actor.
    pub actor_id: Option<Uuid>,
    /// Only entries at or after.
    pub from: Option<DateTime<Utc>>,
    /// Only entries before.
    pub to: Option<DateTime<Utc>>,
}

/// The outcome of verifying a tenant's chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainReport {
    /// Every entry is in place and unchanged.
    Intact {
        /// The newest entry's number: the chain's length. Entries up to a retention
        /// checkpoint (ADR 0045) have been removed; the rest were checked from it.
        entries: i64,
    },
    /// The first entry that is missing, out of order or altered.
    Broken {
        /// Its position.
        seq: i64,
        /// What is wrong.
        reason: String,
    },
}

/// The canonical text an entry's hash covers. Stable: changing it breaks every stored chain.
#[must_use]
#[allow(clippy::too_many_arguments)]
pub fn canonical_entry(
    prev_hash: &str,
    tenant: Uuid,
    seq: i64,
    at: DateTime<Utc>,
    actor_id: Option<Uuid>,
    actor_roles: &str,
    action: AuditAction,
    subject_kind: SubjectKind,
    subject_id: Uuid,
    purpose: Purpose,
) -> String {
    format!(
        "v1|{prev_hash}|{tenant}|{seq}|{}|{}|{actor_roles}|{}|{}|{subject_id}|{}",
        at.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
        actor_id.map(|a| a.to_string()).unwrap_or_default(),
        action.as_str(),
        subject_kind.as_str(),
        purpose.as_str(),
    )
}

/// Reading the audit log and verifying its chain. Appending happens inside the adapters'
/// transactions, never through a separate call, so that it cannot be skipped.
#[async_trait::async_trait]
pub trait AuditLog: Send + Sync {
    /// A page of entries in chain order (oldest first; `last` pages from the newest).
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn list(
        &self,
        ctx: &crate::RequestContext,
        filter: AuditFilter,
        page: &crate::page::PageRequest,
    ) -> DomainResult<crate::page::Page<AuditEntry>>;

    /// Recomputes the tenant's chain.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn verify(&self, ctx: &crate::RequestContext) -> DomainResult<ChainReport>;

    /// The hash of the tenant's entry `seq` (1 is the first), if the chain holds it.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn hash_at(&self, ctx: &crate::RequestContext, seq: i64) -> DomainResult<Option<String>>;

    /// The number of the last entry retention removed (ADR 0045); 0 when none was.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn pruned_through(&self, ctx: &crate::RequestContext) -> DomainResult<i64>;
}
