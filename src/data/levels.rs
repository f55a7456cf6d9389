//! The distinct values of a column, numbers and text alike, in a fixed order, with one level index
//! per row: what a label's classes and a categorical feature's one-hot columns are made of.

use std::collections::HashMap;

use super::csv::{Table, NO_TEXT, OVERFLOW};

/// The distinct values of a column as strings, with one level index per row.
pub struct Levels {
    /// The values, sorted (numerically when every level is a number).
    pub names: Vec<String>,
    /// Level index per row; [`MISSING_LEVEL`] where the cell is missing.
    pub rows: Vec<u32>,
}

/// The level index of a missing cell.
pub const MISSING_LEVEL: u32 = u32::MAX;

/// Collects the distinct values of column `c`, numbers and text alike, sorted (numerically when
/// every level is a number). `None` when the column has more distinct values than `limit`.
pub fn levels(table: &Table, c: usize, limit: usize) -> Option<Levels> {
    let cells = &table.columns[c];
    let text = cells.text.as_ref();
    if text.is_some_and(|t| t.overflowed) {
        return None;
    }
    // Provisional ids: the text levels first, then each distinct number as it is met.
    let mut names: Vec<(String, Option<f32>)> = text
        .map(|t| t.levels.iter().map(|l| (l.clone(), None)).collect())
        .unwrap_or_default();
    if names.len() > limit {
        return None;
    }
    let mut numbers: HashMap<u32, u32> = HashMap::new();
    let mut rows = Vec::with_capacity(table.rows());
    for r in 0..table.rows() {
        let v = table.value(r, c);
        let id = if v.is_finite() {
            let next = names.len() as u32;
            let id = *numbers.entry(v.to_bits()).or_insert(next);
            if id == next {
                names.push((format!("{v}"), Some(v)));
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
                .unwrap_or(std::cmp::Ordering::Equal)
        });
    } else {
        order.sort_by(|&a, &b| names[a].0.cmp(&names[b].0));
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
}
