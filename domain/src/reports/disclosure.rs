//! Disclosure control for published count tables (issue 12): no published figure may reveal
//! a group of fewer than the tenant's threshold of people.
//!
//! - **Primary suppression:** a count `n` with `0 < n < threshold` is hidden — in the body
//!   and in the row, column and grand totals alike.
//! - **Secondary suppression:** more figures are hidden until no hidden one can be derived
//!   from those published: the published cells and totals pin a hidden figure exactly when
//!   the table's linear relations (each row and column sums to its total, the totals sum to
//!   the grand total) determine it — [`recoverable`], the audit, decides that exactly over
//!   the rationals. While the audit finds one, the smallest published figure that shares a
//!   relation with it is hidden too (body cells before totals, non-zero before zero).
//!
//! Zeros are published: a zero reveals nobody. The threshold is never below
//! [`MIN_THRESHOLD`].

use crate::error::{DomainError, DomainResult};

/// The threshold a tenant gets unless it sets one.
pub const DEFAULT_THRESHOLD: u64 = 5;
/// No tenant may publish groups smaller than this.
pub const MIN_THRESHOLD: u64 = 3;

/// A published figure: its value, or hidden.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    /// Published.
    Shown(u64),
    /// Hidden by disclosure control.
    Suppressed,
}

/// A count table as it may be published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    /// The body, row by row.
    pub cells: Vec<Vec<Cell>>,
    /// Each row's total.
    pub row_totals: Vec<Cell>,
    /// Each column's total.
    pub column_totals: Vec<Cell>,
    /// The grand total.
    pub total: Cell,
}

/// The table's figures in one list: body row by row, then row totals, column totals and the
/// grand total; with the linear relations between them.
struct Layout {
    rows: usize,
    columns: usize,
}

impl Layout {
    const fn cell(&self, r: usize, c: usize) -> usize {
        r * self.columns + c
    }
    const fn row_total(&self, r: usize) -> usize {
        self.rows * self.columns + r
    }
    const fn column_total(&self, c: usize) -> usize {
        self.rows * self.columns + self.rows + c
    }
    const fn total(&self) -> usize {
        self.rows * self.columns + self.rows + self.columns
    }
    const fn len(&self) -> usize {
        self.total() + 1
    }
    const fn is_total(&self, i: usize) -> bool {
        i >= self.rows * self.columns
    }

    /// Each relation as (figure, coefficient) summing to zero.
    fn relations(&self) -> Vec<Vec<(usize, i64)>> {
        let mut all = Vec::new();
        for r in 0..self.rows {
            let mut eq: Vec<(usize, i64)> =
                (0..self.columns).map(|c| (self.cell(r, c), 1)).collect();
            eq.push((self.row_total(r), -1));
            all.push(eq);
        }
        for c in 0..self.columns {
            let mut eq: Vec<(usize, i64)> = (0..self.rows).map(|r| (self.cell(r, c), 1)).collect();
            eq.push((self.column_total(c), -1));
            all.push(eq);
        }
        let mut by_rows: Vec<(usize, i64)> =
            (0..self.rows).map(|r| (self.row_total(r), 1)).collect();
        by_rows.push((self.total(), -1));
        all.push(by_rows);
        let mut by_columns: Vec<(usize, i64)> = (0..self.columns)
            .map(|c| (self.column_total(c), 1))
            .collect();
        by_columns.push((self.total(), -1));
        all.push(by_columns);
        all
    }
}

fn layout_of(body: &[Vec<u64>]) -> DomainResult<Layout> {
    let columns = body.first().map_or(0, Vec::len);
    if body.iter().any(|row| row.len() != columns) {
        return Err(DomainError::validation(
            "table",
            "rows must have the same length",
        ));
    }
    Ok(Layout {
        rows: body.len(),
        columns,
    })
}

fn values_of(layout: &Layout, body: &[Vec<u64>]) -> Vec<u64> {
    let mut values = vec![0; layout.len()];
    for (r, row) in body.iter().enumerate() {
        for (c, &v) in row.iter().enumerate() {
            values[layout.cell(r, c)] = v;
            values[layout.row_total(r)] += v;
            values[layout.column_total(c)] += v;
            values[layout.total()] += v;
        }
    }
    values
}

/// The hidden figures (as positions in the layout's list) that the published ones determine.
fn exposed(layout: &Layout, hidden: &[bool]) -> Vec<usize> {
    // Unknowns are the hidden figures; published ones are constants and drop out of the
    // homogeneous system that decides determinacy.
    let unknown: Vec<usize> = (0..layout.len()).filter(|&i| hidden[i]).collect();
    let column_of = |i: usize| unknown.iter().position(|&u| u == i);
    let rows: Vec<Vec<(usize, i64)>> = layout
        .relations()
        .into_iter()
        .map(|eq| {
            eq.into_iter()
                .filter_map(|(i, v)| column_of(i).map(|c| (c, v)))
                .collect()
        })
        .filter(|eq: &Vec<(usize, i64)>| !eq.is_empty())
        .collect();
    super::linear::determined(unknown.len(), &rows)
        .into_iter()
        .map(|c| unknown[c])
        .collect()
}

/// Whether a count is hidden on its own (primary suppression): `0 < n < threshold`.
#[must_use]
pub const fn too_small(n: u64, threshold: u64) -> bool {
    n > 0 && n < threshold
}

/// Hides what must be hidden in the count table `body` (rows of equal length) for
/// `threshold`, and answers what may be published (see the module).
///
/// # Errors
/// `Validation` (`threshold`) below [`MIN_THRESHOLD`]; (`table`) for ragged rows.
pub fn suppress(body: &[Vec<u64>], threshold: u64) -> DomainResult<Published> {
    if threshold < MIN_THRESHOLD {
        return Err(DomainError::validation(
            "threshold",
            format!("must be at least {MIN_THRESHOLD}"),
        ));
    }
    let layout = layout_of(body)?;
    let values = values_of(&layout, body);
    let mut hidden: Vec<bool> = values.iter().map(|&v| too_small(v, threshold)).collect();
    let relations = layout.relations();
    while let Some(&at) = exposed(&layout, &hidden).first() {
        let shares = |i: usize| {
            relations
                .iter()
                .any(|eq| eq.iter().any(|&(x, _)| x == at) && eq.iter().any(|&(x, _)| x == i))
        };
        let key = |i: usize| (layout.is_total(i), values[i] == 0, values[i]);
        let next = (0..layout.len())
            .filter(|&i| !hidden[i] && shares(i))
            .min_by_key(|&i| key(i))
            .or_else(|| {
                (0..layout.len())
                    .filter(|&i| !hidden[i])
                    .min_by_key(|&i| key(i))
            });
        match next {
            Some(i) => hidden[i] = true,
            // Everything is hidden; nothing published can determine anything.
            None => break,
        }
    }
    let shown = |i: usize| {
        if hidden[i] {
            Cell::Suppressed
        } else {
            Cell::Shown(values[i])
        }
    };
    Ok(Published {
        cells: (0..layout.rows)
            .map(|r| {
                (0..layout.columns)
                    .map(|c| shown(layout.cell(r, c)))
                    .collect()
            })
            .collect(),
        row_totals: (0..layout.rows)
            .map(|r| shown(layout.row_total(r)))
            .collect(),
        column_totals: (0..layout.columns)
            .map(|c| shown(layout.column_total(c)))
            .collect(),
        total: shown(layout.total()),
    })
}

/// The audit: the hidden figures of `published` that its published figures determine
/// through the table's linear relations, as (row, column) of the body — `None` for a row
/// or column total, (`None`, `None`) for the grand total. Empty for a table that is safe.
#[must_use]
pub fn recoverable(published: &Published) -> Vec<(Option<usize>, Option<usize>)> {
    let layout = Layout {
        rows: published.cells.len(),
        columns: published.column_totals.len(),
    };
    let mut hidden = vec![false; layout.len()];
    for (r, row) in published.cells.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            hidden[layout.cell(r, c)] = *cell == Cell::Suppressed;
        }
    }
    for (r, cell) in published.row_totals.iter().enumerate() {
        hidden[layout.row_total(r)] = *cell == Cell::Suppressed;
    }
    for (c, cell) in published.column_totals.iter().enumerate() {
        hidden[layout.column_total(c)] = *cell == Cell::Suppressed;
    }
    hidden[layout.total()] = published.total == Cell::Suppressed;
    exposed(&layout, &hidden)
        .into_iter()
        .map(|i| {
            let body = layout.rows * layout.columns;
            if i < body {
                (Some(i / layout.columns), Some(i % layout.columns))
            } else if i < body + layout.rows {
                (Some(i - body), None)
            } else if i < body + layout.rows + layout.columns {
                (None, Some(i - body - layout.rows))
            } else {
                (None, None)
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "disclosure_tests.rs"]
mod tests;
