//! Keyset pagination on a UUID v7 id column.

use peerbro_domain::DomainResult;
use peerbro_domain::page::{Direction, PageRequest};
use sea_orm::{
    ColumnTrait, EntityTrait, FromQueryResult, PaginatorTrait as _, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use crate::db::Tx;
use crate::errors::unexpected;

/// How many rows `select` finds in all, when `page` asks for the total (one `COUNT`
/// statement in the list's transaction), else `None`.
pub(crate) async fn total_of<E>(
    tx: &Tx,
    select: &Select<E>,
    page: &PageRequest,
) -> DomainResult<Option<u64>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Sized + Send + Sync,
{
    if !page.wants_total() {
        return Ok(None);
    }
    select.clone().count(tx).await.map(Some).map_err(unexpected)
}

/// Restricts `select` to the rows of `page`, plus one probe row that tells whether more exist.
pub(crate) fn keyset<E: EntityTrait>(
    select: Select<E>,
    id: E::Column,
    page: &PageRequest,
) -> Select<E> {
    let limit = u64::from(page.limit()) + 1;
    match page.direction() {
        Direction::Forward => {
            let select = match page.cursor() {
                Some(cursor) => select.filter(id.gt(cursor)),
                None => select,
            };
            select.order_by_asc(id).limit(limit)
        }
        Direction::Backward => {
            let select = match page.cursor() {
                Some(cursor) => select.filter(id.lt(cursor)),
                None => select,
            };
            select.order_by_desc(id).limit(limit)
        }
    }
}
