//! Keyset pagination, shared by every list port. Cursors are ids (UUID v7, time-ordered), so a
//! page is stable while rows are added.

use uuid::Uuid;

use crate::error::{DomainError, DomainResult};

/// The largest page a client may ask for.
pub const MAX_PAGE_SIZE: u32 = 100;
/// The page size when the client does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 20;

/// Which way a page is read from its cursor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Items after the cursor, ascending (`first`/`after`).
    Forward,
    /// Items before the cursor, still returned ascending (`last`/`before`).
    Backward,
}

/// A validated page request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    cursor: Option<Uuid>,
    limit: u32,
    direction: Direction,
    counting: bool,
}

impl PageRequest {
    /// The first page of the default size.
    #[must_use]
    pub const fn first_page() -> Self {
        Self {
            cursor: None,
            limit: DEFAULT_PAGE_SIZE,
            direction: Direction::Forward,
            counting: false,
        }
    }

    /// The same request, also counting every item the list holds, paging aside (one more
    /// statement: asked for only when the client selects the count).
    #[must_use]
    pub const fn counting(mut self, counting: bool) -> Self {
        self.counting = counting;
        self
    }

    /// Whether the whole list is to be counted.
    #[must_use]
    pub const fn wants_total(&self) -> bool {
        self.counting
    }

    /// Builds a request from Relay-style arguments.
    ///
    /// # Errors
    /// `Validation` when both directions are given, or a size is 0 or above [`MAX_PAGE_SIZE`].
    pub fn new(
        first: Option<i64>,
        after: Option<Uuid>,
        last: Option<i64>,
        before: Option<Uuid>,
    ) -> DomainResult<Self> {
        let size = |field: &str, n: i64| -> DomainResult<u32> {
            u32::try_from(n)
                .ok()
                .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                .ok_or_else(|| {
                    DomainError::validation(field, format!("must be between 1 and {MAX_PAGE_SIZE}"))
                })
        };
        match (first, after, last, before) {
            (_, _, Some(_), _) | (_, _, _, Some(_)) if first.is_some() || after.is_some() => Err(
                DomainError::validation("last", "cannot be combined with first/after"),
            ),
            (None, None, last, before) if last.is_some() || before.is_some() => Ok(Self {
                cursor: before,
                limit: last.map_or(Ok(DEFAULT_PAGE_SIZE), |n| size("last", n))?,
                direction: Direction::Backward,
                counting: false,
            }),
            (first, after, _, _) => Ok(Self {
                cursor: after,
                limit: first.map_or(Ok(DEFAULT_PAGE_SIZE), |n| size("first", n))?,
                direction: Direction::Forward,
                counting: false,
            }),
        }
    }

    /// The cursor (an item id) the page starts after or ends before.
    #[must_use]
    pub const fn cursor(&self) -> Option<Uuid> {
        self.cursor
    }

    /// How many items at most.
    #[must_use]
    pub const fn limit(&self) -> u32 {
        self.limit
    }

    /// Which way to read.
    #[must_use]
    pub const fn direction(&self) -> Direction {
        self.direction
    }
}

/// One page of items, ascending by id, with whether more exist either side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    /// The items, ascending.
    pub items: Vec<T>,
    /// More items exist after the last one.
    pub has_next: bool,
    /// More items exist before the first one.
    pub has_previous: bool,
    /// How many items the whole list holds, paging aside, when the request asked
    /// ([`PageRequest::counting`]).
    pub total: Option<u64>,
}

impl<T> Page<T> {
    /// Assembles a page from `limit + 1` rows read in `direction` order (the extra row only
    /// tells whether more exist), returning the items ascending.
    #[must_use]
    pub fn from_probe(mut rows: Vec<T>, request: &PageRequest) -> Self {
        let limit = request.limit as usize;
        let more = rows.len() > limit;
        rows.truncate(limit);
        match request.direction {
            Direction::Forward => Self {
                items: rows,
                has_next: more,
                has_previous: request.cursor.is_some(),
                total: None,
            },
            Direction::Backward => {
                rows.reverse();
                Self {
                    items: rows,
                    has_next: request.cursor.is_some(),
                    has_previous: more,
                    total: None,
                }
            }
        }
    }

    /// The page with the list's total.
    #[must_use]
    pub fn with_total(mut self, total: Option<u64>) -> Self {
        self.total = total;
        self
    }

    /// Maps the items, keeping the page information.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_next: self.has_next,
            has_previous: self.has_previous,
            total: self.total,
        }
    }

    /// Maps each item, failing with the first error.
    ///
    /// # Errors
    /// The first error `f` answers.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            has_next: self.has_next,
            has_previous: self.has_previous,
            total: self.total,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_outside_the_range_are_refused() {
        for n in [0, -1, 101] {
            assert!(PageRequest::new(Some(n), None, None, None).is_err());
            assert!(PageRequest::new(None, None, Some(n), None).is_err());
        }
        assert!(PageRequest::new(Some(100), None, None, None).is_ok());
    }

    #[test]
    fn both_directions_at_once_are_refused() {
        assert!(PageRequest::new(Some(1), None, Some(1), None).is_err());
        assert!(PageRequest::new(None, Some(Uuid::nil()), None, Some(Uuid::nil())).is_err());
    }

    #[test]
    fn a_backward_probe_is_returned_ascending() {
        let req = PageRequest::new(None, None, Some(2), Some(Uuid::nil())).unwrap();
        let page = Page::from_probe(vec![5, 4, 3], &req);
        assert_eq!(page.items, vec![4, 5]);
        assert!(page.has_previous);
        assert!(page.has_next);
    }
}
