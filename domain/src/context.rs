//! The request context: who acts, in which tenant, under which request id. Resolved once per
//! request from the verified token and passed explicitly as the first argument of every use
//! case and port; never global state. Its fields are private so that only the constructors
//! here can make one.

use std::collections::BTreeSet;

use crate::error::{DomainError, DomainResult};
use crate::ids::{OrganisationId, TenantId, UserId};

/// A role a user holds in one tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Configures the partnership: organisations, users, roles.
    TenantAdmin,
    /// Recruits and supervises volunteers, triages referrals, matches citizens.
    Coordinator,
    /// A peer worker, paid or voluntary.
    Peer,
    /// A case-worker or hospital staff member who refers citizens.
    Referrer,
    /// Sees consented, pseudonymised data and aggregates only.
    Researcher,
    /// The person supported.
    Citizen,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Self; 6] = [
        Self::TenantAdmin,
        Self::Coordinator,
        Self::Peer,
        Self::Referrer,
        Self::Researcher,
        Self::Citizen,
    ];

    /// The wire name used in tokens, the database and APIs.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TenantAdmin => "TENANT_ADMIN",
            Self::Coordinator => "COORDINATOR",
            Self::Peer => "PEER",
            Self::Referrer => "REFERRER",
            Self::Researcher => "RESEARCHER",
            Self::Citizen => "CITIZEN",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| DomainError::validation("role", "unknown role"))
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An authenticated user acting in one tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    user_id: UserId,
    roles: BTreeSet<Role>,
    organisation_id: Option<OrganisationId>,
    identity: Option<String>,
}

impl Actor {
    /// An actor with the roles that are in force for this request.
    #[must_use]
    pub const fn new(
        user_id: UserId,
        roles: BTreeSet<Role>,
        organisation_id: Option<OrganisationId>,
    ) -> Self {
        Self {
            user_id,
            roles,
            organisation_id,
            identity: None,
        }
    }

    /// The same actor, proven to be the person the identity provider knows as `subject`: the
    /// token said so and the membership is linked to that subject (ADR 0028).
    #[must_use]
    pub fn with_identity(mut self, subject: String) -> Self {
        self.identity = Some(subject);
        self
    }

    /// The identity provider's subject of the person acting, when proven (see
    /// [`Self::with_identity`]); what links their memberships of several tenants.
    #[must_use]
    pub fn identity(&self) -> Option<&str> {
        self.identity.as_deref()
    }

    /// The user.
    #[must_use]
    pub const fn user_id(&self) -> UserId {
        self.user_id
    }

    /// The roles in force.
    #[must_use]
    pub const fn roles(&self) -> &BTreeSet<Role> {
        &self.roles
    }

    /// Whether the actor holds `role`.
    #[must_use]
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The organisation the user belongs to in this tenant, if any.
    #[must_use]
    pub const fn organisation_id(&self) -> Option<OrganisationId> {
        self.organisation_id
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Principal {
    Anonymous,
    User { tenant: TenantId, actor: Actor },
    System { tenant: TenantId },
}

/// Who acts, where, and under which request id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestContext {
    principal: Principal,
    request_id: String,
}

impl RequestContext {
    /// A request without a token.
    #[must_use]
    pub fn anonymous(request_id: impl Into<String>) -> Self {
        Self {
            principal: Principal::Anonymous,
            request_id: request_id.into(),
        }
    }

    /// A request by an authenticated member of `tenant`.
    #[must_use]
    pub fn user(tenant: TenantId, actor: Actor, request_id: impl Into<String>) -> Self {
        Self {
            principal: Principal::User { tenant, actor },
            request_id: request_id.into(),
        }
    }

    /// The platform itself acting in `tenant`: seeding, authentication look-ups, jobs.
    #[must_use]
    pub fn system(tenant: TenantId) -> Self {
        Self {
            principal: Principal::System { tenant },
            request_id: "system".to_owned(),
        }
    }

    /// The tenant the request acts in.
    ///
    /// # Errors
    /// `Unauthenticated` for an anonymous request, which acts in no tenant.
    pub fn tenant_id(&self) -> DomainResult<TenantId> {
        match &self.principal {
            Principal::Anonymous => Err(DomainError::Unauthenticated),
            Principal::User { tenant, .. } | Principal::System { tenant } => Ok(*tenant),
        }
    }

    /// The acting user, if the request is by one.
    #[must_use]
    pub const fn actor(&self) -> Option<&Actor> {
        match &self.principal {
            Principal::User { actor, .. } => Some(actor),
            _ => None,
        }
    }

    /// Whether the platform itself acts.
    #[must_use]
    pub const fn is_system(&self) -> bool {
        matches!(self.principal, Principal::System { .. })
    }

    /// The request id, for logs and error reports.
    #[must_use]
    pub fn request_id(&self) -> &str {
        &self.request_id
    }
}
