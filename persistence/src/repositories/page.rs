//! Keyset pagination on a UUID v7 id column.

use peerbro_domain::page::{Direction, PageRequest};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};

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
