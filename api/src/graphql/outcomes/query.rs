//! Queries of the outcomes GraphQL API.

use async_graphql::connection::Connection;
use async_graphql::{Context, Object};

use super::types::*;
use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::tenancy::{ListTotal, connection, page_request};

/// Outcome queries.
#[derive(Default)]
pub struct OutcomesQuery;

#[Object]
impl OutcomesQuery {
    /// The tenant's recovery instruments, oldest first (any member: they hold no personal
    /// data).
    async fn instruments(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, Instrument, ListTotal>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let result = svc.instruments(rc, &page).await.gql()?;
        Ok(connection(result, |i| i.id.as_uuid(), Instrument::from))
    }
}
