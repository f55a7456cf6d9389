//! The distinct values of a column, numbers and text alike, in a fixed order, with one level index
//! per row: what a label's classes and a categorical feature's one-hot columns are made of. Numbers
//! sort by value, text in natural order (`cls2` before `cls10`).

use std::cmp::Ordering;
use std::collections::HashMap;

use super::csv::{Table, NO_TEXT, OVERFLOW};

/// The distinct values of a column as strings, with one level index per row.
pub struct Levels {
    /// The values, sorted (by value when every level is a number, else in natural order).
    pub names: Vec<String>,
    /// Level index per row; [`MISSING_LEVEL`] where the cell is missing.
    pub rows: Vec<u32>,
}

/// The level index of a missing cell.
pub const MISSING_LEVEL: u32 = u32::MAX;

/// Collects the distinct values of column `c`, numbers and text alike, sorted (by value when every
/// level is a number, else in natural order). `None` when the column has more distinct values than
/// `limit`.
pub fn levels(table: &Table, c: usize, limit: usize) -> Option<Levels> {
    let cells = &table.columns[c];
    let text = cells.text.as_ref();
    if text.is_some_and(|t| t.overflowed) {
        return None;
    }
    // Provisional ids: the text levels first, then each distinct number as it is met.
    let mut names: Vec<(String, Option<f64>)> = text
        .map(|t| t.levels.iter().map(|l| (l.clone(), None)).collect())
        .unwrap_or_default();
    if names.len() > limit {
        return None;
    }
    let mut numbers: HashMap<u64, u32> = HashMap::new();
    let mut rows = Vec::with_capacity(table.rows());
    for r in 0..table.rows() {
        let v = table.number(r, c);
        let id = if v.is_finite() {
            let next = names.len() as u32;
            let id = *numbers.entry(v.to_bits()).or_insert(next);
            if id == next {
                names.push((number_name(v), Some(v)));
                if names.len() > limit {
                    return None;
                }
            }
            id
        } else {
            match text.map(|t| t.codes[r]) {
                Some(code) if code != NO_TEXT && code != OVERFLOW => code,
                _ => MISSING_LEVEL,
            }
        };
        rows.push(id);
    }
    let mut order: Vec<usize> = (0..names.len()).collect();
    if names.iter().all(|(_, v)| v.is_some()) {
        order.sort_by(|&a, &b| {
            names[a]
                .1
                .partial_cmp(&names[b].1)
                .unwrap_or(Ordering::Equal)
        });
    } else {
        order.sort_by(|&a, &b| natural_cmp(&names[a].0, &names[b].0));
    }
    let mut remap = vec![0u32; names.len()];
    for (new, &old) in order.iter().enumerate() {
        remap[old] = new as u32;
    }
    for id in &mut rows {
        if *id != MISSING_LEVEL {
            *id = remap[*id as usize];
        }
    }
    Some(Levels {
        names: order.iter().map(|&i| names[i].0.clone()).collect(),
        rows,
    })
}

/// A number as a person wrote it, in its shortest form: `0.1` for an f32 (not
/// 0.10000000149011612), `1e300` for a number beyond f32 (not 300 digits).
pub fn number_name(v: f64) -> String {
    let narrow = v as f32;
    if f64::from(narrow) == v && (narrow.is_normal() || narrow == 0.0) {
        format!("{narrow}")
    } else {
        format!("{v:e}")
    }
}

/// Natural order: runs of digits compare by their value (`2` before `10`, `cls2` before `cls10`),
/// everything else byte by byte; ties (`01` and `1`) fall back to plain order.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    let digits = |s: &[u8]| s.iter().take_while(|b| b.is_ascii_digit()).count();
    loop {
        match (x.first(), y.first()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) if p.is_ascii_digit() && q.is_ascii_digit() => {
                let (m, n) = (digits(x), digits(y));
                let trim = |s: &[u8]| {
                    let zeros = s.iter().take_while(|&&b| b == b'0').count();
                    s[zeros..].to_vec()
                };
                let (u, v) = (trim(&x[..m]), trim(&y[..n]));
                let by_value = u.len().cmp(&v.len()).then_with(|| u.cmp(&v));
                if by_value != Ordering::Equal {
                    return by_value;
                }
                x = &x[m..];
                y = &y[n..];
            }
            (Some(p), Some(q)) => {
                if p != q {
                    return p.cmp(q);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::testing::table;

    #[test]
    fn numbers_sort_numerically_text_by_name_missing_apart() {
        let t = table("a,b\n10,x\n2,\n10,b\n-1,x\n");
        let a = levels(&t, 0, 10).unwrap();
        assert_eq!(a.names, ["-1", "2", "10"]);
        assert_eq!(a.rows, [2, 1, 2, 0]);
        let b = levels(&t, 1, 10).unwrap();
        assert_eq!(b.names, ["b", "x"]);
        assert_eq!(b.rows, [1, MISSING_LEVEL, 0, 1]);
        assert!(levels(&t, 0, 2).is_none());
    }

    #[test]
    fn text_sorts_in_natural_order() {
        let t = table("c,y\ncls10,1\ncls2,2\ncls1,3\n10,4\n2,5\nb,6\n");
        assert_eq!(
            levels(&t, 0, 10).unwrap().names,
            ["2", "10", "b", "cls1", "cls2", "cls10"]
        );
        let mut words = vec!["a10b", "a9b", "a09b", "a9c", "x", "", "a"];
        words.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(words, ["", "a", "a09b", "a9b", "a9c", "a10b", "x"]);
    }

    #[test]
    fn wide_numbers_are_levels_of_their_own() {
        let t = table("a,y\n1e300,1\n2e300,2\n1e300,3\n0.1,4\n");
        let a = levels(&t, 0, 10).unwrap();
        assert_eq!(a.names, ["0.1", "1e300", "2e300"]);
        assert_eq!(a.rows, [1, 2, 1, 0]);
    }
}
