//! Unit and property tests of `disclosure.rs`.

use proptest::prelude::*;

use super::*;

const H: Cell = Cell::Suppressed;
const fn s(v: u64) -> Cell {
    Cell::Shown(v)
}

fn table(cells: Vec<Vec<Cell>>, rows: Vec<Cell>, columns: Vec<Cell>, total: Cell) -> Published {
    Published {
        cells,
        row_totals: rows,
        column_totals: columns,
        total,
    }
}

#[test]
fn the_audit_finds_a_lone_hidden_cell_and_a_hidden_diagonal() {
    // [[3, 10], [8, 9]]: one hidden cell is its row total minus the other.
    let lone = table(
        vec![vec![H, s(10)], vec![s(8), s(9)]],
        vec![s(13), s(17)],
        vec![s(11), s(19)],
        s(30),
    );
    assert_eq!(recoverable(&lone), [(Some(0), Some(0))]);
    // A hidden diagonal: each is still its row total minus the shown cell.
    let diagonal = table(
        vec![vec![H, s(10)], vec![s(8), H]],
        vec![s(13), s(17)],
        vec![s(11), s(19)],
        s(30),
    );
    assert_eq!(recoverable(&diagonal).len(), 2);
}

#[test]
fn the_audit_passes_a_hidden_rectangle() {
    // The classic: four hidden cells in a rectangle can be shifted by ±k together, so the
    // published totals determine none of them.
    let rectangle = table(
        vec![vec![H, H, s(7)], vec![H, H, s(6)]],
        vec![s(12), s(14)],
        vec![s(6), s(7), s(13)],
        s(26),
    );
    assert!(recoverable(&rectangle).is_empty());
    // Hiding a total too does not help the attacker when the rest is safe...
    let with_total = table(
        vec![vec![H, H, s(7)], vec![H, H, s(6)]],
        vec![H, s(14)],
        vec![s(6), s(7), s(13)],
        s(26),
    );
    // ...but the hidden row total is the grand total minus the other row's.
    assert_eq!(recoverable(&with_total), [(Some(0), None)]);
}

#[test]
fn a_small_cell_is_hidden_with_a_complement_and_nothing_else_changes() {
    let published = suppress(&[vec![2, 10], vec![8, 9]], 5).unwrap();
    assert_eq!(published.cells[0][0], H);
    assert!(recoverable(&published).is_empty(), "{published:?}");
    let hidden = published
        .cells
        .iter()
        .flatten()
        .filter(|c| **c == H)
        .count();
    assert!(hidden >= 2, "a complement was hidden: {published:?}");
    assert_eq!(published.total, s(29));
}

#[test]
fn zeros_and_large_counts_are_published_whole() {
    let published = suppress(&[vec![0, 10], vec![10, 10]], 5).unwrap();
    assert_eq!(published.cells, [vec![s(0), s(10)], vec![s(10), s(10)]]);
    assert_eq!(published.row_totals, [s(10), s(20)]);
    assert_eq!(published.total, s(30));
}

#[test]
fn the_threshold_is_never_below_three_and_rows_are_even() {
    assert!(suppress(&[vec![1]], 2).is_err());
    assert!(suppress(&[vec![1]], MIN_THRESHOLD).is_ok());
    assert!(suppress(&[vec![1, 2], vec![3]], 5).is_err());
    // A single small count hides the whole one-cell table: cell and totals are the same.
    let one = suppress(&[vec![2]], 3).unwrap();
    assert_eq!((one.cells[0][0], one.total), (H, H));
}

fn shown_match(published: &Published, body: &[Vec<u64>]) -> Result<(), TestCaseError> {
    let mut rows = vec![0u64; body.len()];
    let mut columns = vec![0u64; body.first().map_or(0, Vec::len)];
    for (r, row) in body.iter().enumerate() {
        for (c, &v) in row.iter().enumerate() {
            rows[r] += v;
            columns[c] += v;
            if let Cell::Shown(shown) = published.cells[r][c] {
                prop_assert_eq!(shown, v);
            }
        }
    }
    for (cell, v) in published
        .row_totals
        .iter()
        .zip(&rows)
        .chain(published.column_totals.iter().zip(&columns))
    {
        if let Cell::Shown(shown) = cell {
            prop_assert_eq!(shown, v);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Any table: every small count is hidden, what is shown is true, and the audit finds no
    /// hidden figure the published ones determine.
    #[test]
    fn no_small_count_is_published_or_derivable(
        (body, threshold) in (1usize..=4, 1usize..=4, 3u64..=6).prop_flat_map(|(r, c, t)| {
            (proptest::collection::vec(proptest::collection::vec(0u64..=12, c), r), Just(t))
        })
    ) {
        let published = suppress(&body, threshold).unwrap();
        shown_match(&published, &body)?;
        let small = |v: u64| v > 0 && v < threshold;
        for (r, row) in body.iter().enumerate() {
            for (c, &v) in row.iter().enumerate() {
                if small(v) {
                    prop_assert_eq!(published.cells[r][c], Cell::Suppressed);
                }
            }
            if small(row.iter().sum()) {
                prop_assert_eq!(published.row_totals[r], Cell::Suppressed);
            }
        }
        let total: u64 = body.iter().flatten().sum();
        if small(total) {
            prop_assert_eq!(published.total, Cell::Suppressed);
        }
        prop_assert!(recoverable(&published).is_empty(), "{:?} from {:?}", published, body);
    }
}
