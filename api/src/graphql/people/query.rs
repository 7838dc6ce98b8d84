//! Queries of this context's GraphQL API.

use crate::graphql::time::Instant;
use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object};
use peerbro_domain::people::{CitizenFilter, PersonName};
use peerbro_domain::privacy::{AuditFilter, ChainReport, Personal};

use super::types::*;
use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::ids::parse;
use crate::graphql::tenancy::{connection, page_request};

/// People queries.
#[derive(Default)]
pub struct PeopleQuery;

#[Object]
impl PeopleQuery {
    /// The tenant's citizens (coordinators and tenant admins), optionally only those with
    /// exactly `name` (case and spacing ignored). Every citizen returned is audited as read.
    #[allow(clippy::too_many_arguments)]
    async fn citizens(
        &self,
        ctx: &Context<'_>,
        purpose: AccessPurpose,
        name: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, Citizen, crate::graphql::tenancy::ListTotal>>
    {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let filter = CitizenFilter {
            name: name
                .as_deref()
                .map(|n| PersonName::parse("name", n).map(Personal::from))
                .transpose()
                .gql()?,
        };
        let result = svc
            .citizens(rc, &filter, &page, purpose.into())
            .await
            .gql()?;
        Ok(connection(result, |c| c.id.as_uuid(), Citizen::from))
    }

    /// One citizen; coordinators and tenant admins state a purpose, a citizen reads their own.
    pub(crate) async fn citizen(
        &self,
        ctx: &Context<'_>,
        id: ID,
        purpose: AccessPurpose,
    ) -> async_graphql::Result<Citizen> {
        let (svc, rc) = request(ctx)?;
        svc.citizen(rc, citizen_id("id", &id)?, purpose.into())
            .await
            .gql()
            .map(Into::into)
    }

    /// The caller's own citizen record (users with the citizen role), or null.
    async fn my_citizen(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Citizen>> {
        let (svc, rc) = request(ctx)?;
        Ok(svc.my_citizen(rc).await.gql()?.map(Into::into))
    }

    /// The audit log (tenant admins), in chain order, filtered by subject, actor and time.
    #[allow(clippy::too_many_arguments)]
    async fn audit_entries(
        &self,
        ctx: &Context<'_>,
        subject_id: Option<ID>,
        actor_id: Option<ID>,
        from: Option<Instant>,
        to: Option<Instant>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, AuditEntry, crate::graphql::tenancy::ListTotal>>
    {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let filter = AuditFilter {
            subject_id: subject_id
                .as_ref()
                .map(|id| crate::graphql::ids::any_uuid("subjectId", id))
                .transpose()
                .gql()?,
            actor_id: actor_id
                .as_ref()
                .map(|id| parse::<peerbro_domain::ids::UserId>("actorId", id).map(|u| u.as_uuid()))
                .transpose()
                .gql()?,
            from: from.map(|v| v.0),
            to: to.map(|v| v.0),
        };
        let result = svc.audit_entries(rc, filter, &page).await.gql()?;
        Ok(connection(result, |e| e.id, AuditEntry::from))
    }

    /// Who looked at a citizen's data, when and why: for a tenant admin answering the
    /// citizen, or for the citizen themself.
    async fn citizen_access_log(
        &self,
        ctx: &Context<'_>,
        citizen_id: ID,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, AuditEntry, crate::graphql::tenancy::ListTotal>>
    {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let id = self::citizen_id("citizenId", &citizen_id)?;
        let result = svc.access_log(rc, id, &page).await.gql()?;
        Ok(connection(result, |e| e.id, AuditEntry::from))
    }

    /// Recomputes the tenant's audit chain (tenant admins).
    async fn audit_chain(&self, ctx: &Context<'_>) -> async_graphql::Result<AuditChainReport> {
        let (svc, rc) = request(ctx)?;
        Ok(match svc.verify_audit(rc).await.gql()? {
            ChainReport::Intact { entries } => AuditChainReport {
                intact: true,
                entries: Some(entries),
                broken_at: None,
                reason: None,
            },
            ChainReport::Broken { seq, reason } => AuditChainReport {
                intact: false,
                entries: None,
                broken_at: Some(seq),
                reason: Some(reason),
            },
        })
    }
}
