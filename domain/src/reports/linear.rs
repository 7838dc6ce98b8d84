//! Exact linear algebra over the rationals, just enough for the recoverability audit: which
//! unknowns of a homogeneous linear system are determined by it.

/// A rational number, kept reduced with a positive denominator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Q {
    num: i128,
    den: i128,
}

const fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a.abs()
}

impl Q {
    const ZERO: Self = Self { num: 0, den: 1 };

    const fn int(n: i128) -> Self {
        Self { num: n, den: 1 }
    }

    fn new(num: i128, den: i128) -> Self {
        let g = gcd(num, den).max(1);
        let sign = if den < 0 { -1 } else { 1 };
        Self {
            num: sign * num / g,
            den: sign * den / g,
        }
    }

    const fn is_zero(self) -> bool {
        self.num == 0
    }

    fn sub(self, o: Self) -> Self {
        Self::new(self.num * o.den - o.num * self.den, self.den * o.den)
    }

    fn mul(self, o: Self) -> Self {
        Self::new(self.num * o.num, self.den * o.den)
    }

    fn div(self, o: Self) -> Self {
        Self::new(self.num * o.den, self.den * o.num)
    }
}

/// The unknowns (columns) of the homogeneous system `rows · x = 0` — each row a list of
/// (column, coefficient) — that the system determines: those `i` for which the unit vector
/// `e_i` lies in the row space. Reduced row echelon form over the rationals: `e_i` is in the
/// row space exactly when column `i` is a pivot column and its pivot row has no other
/// non-zero entry.
pub(super) fn determined(columns: usize, rows: &[Vec<(usize, i64)>]) -> Vec<usize> {
    let mut m: Vec<Vec<Q>> = rows
        .iter()
        .map(|row| {
            let mut dense = vec![Q::ZERO; columns];
            for &(c, v) in row {
                dense[c] = Q::int(i128::from(v));
            }
            dense
        })
        .collect();
    let mut pivots: Vec<(usize, usize)> = Vec::new();
    let mut next = 0;
    for col in 0..columns {
        let Some(found) = (next..m.len()).find(|&r| !m[r][col].is_zero()) else {
            continue;
        };
        m.swap(next, found);
        let lead = m[next][col];
        for v in &mut m[next] {
            *v = v.div(lead);
        }
        let pivot_row = m[next].clone();
        for (r, row) in m.iter_mut().enumerate() {
            if r != next && !row[col].is_zero() {
                let factor = row[col];
                for (v, p) in row.iter_mut().zip(&pivot_row) {
                    *v = v.sub(p.mul(factor));
                }
            }
        }
        pivots.push((next, col));
        next += 1;
        if next == m.len() {
            break;
        }
    }
    pivots
        .into_iter()
        .filter(|&(row, col)| (0..columns).all(|c| c == col || m[row][c].is_zero()))
        .map(|(_, col)| col)
        .collect()
}
