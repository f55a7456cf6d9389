//! The missing-value policy: which rows are kept, the file refused at the first missing value
//! (`error`), or missing values filled (a numeric median, a category of its own).

use super::csv::Table;
use super::options::MissingPolicy;
use super::plan::Plan;
use crate::error::{Error, Message, Result, Setting};

/// Which rows are kept, and why the others were not.
pub struct Kept {
    /// One flag per row read.
    pub keep: Vec<bool>,
    /// Rows dropped because their label was missing.
    pub label_rows_dropped: usize,
    /// Rows dropped because a used feature was missing (`missing` = drop).
    pub incomplete_rows_dropped: usize,
}

impl Kept {
    /// Number of rows kept.
    pub fn count(&self) -> usize {
        self.keep.len() - self.label_rows_dropped - self.incomplete_rows_dropped
    }

    /// The indices of the rows kept, in order.
    pub fn rows(&self) -> impl DoubleEndedIterator<Item = usize> + Clone + '_ {
        (0..self.keep.len()).filter(|&r| self.keep[r])
    }
}

/// The used columns that hold a missing value.
fn used_with_missing(table: &Table, plans: &[Plan]) -> Vec<usize> {
    (0..table.cols())
        .filter(|&c| plans[c].is_used() && table.columns[c].missing > 0)
        .collect()
}

/// Applies `policy` to the rows: refuses the file at the first missing value in the label or a
/// used feature (`error`), or keeps the rows with a label (`fill`) or with every used value
/// (`drop`).
pub fn keep_rows(
    table: &Table,
    target: usize,
    plans: &[Plan],
    policy: MissingPolicy,
) -> Result<Kept> {
    let used = used_with_missing(table, plans);
    if policy == MissingPolicy::Error {
        let first = std::iter::once(target)
            .chain(used.iter().copied())
            .filter_map(|c| {
                table.columns[c]
                    .first_missing
                    .as_ref()
                    .map(|(l, v)| (*l, c, v))
            })
            .min_by_key(|&(l, c, _)| (l, c));
        if let Some((line, c, value)) = first {
            return Err(Error::data(
                table.location(line, c),
                Message::new(format!("missing value '{value}' and "))
                    .setting_value(Setting::Missing, "error")
                    .text(" was given; pass ")
                    .setting_value(Setting::Missing, "drop")
                    .text(" to skip such rows, or ")
                    .setting_value(Setting::Missing, "fill")
                    .text(" to fill them"),
            ));
        }
    }
    let rows = table.rows();
    let mut keep: Vec<bool> = (0..rows).map(|r| !table.is_missing(r, target)).collect();
    let label_rows_dropped = keep.iter().filter(|&&k| !k).count();
    let mut incomplete_rows_dropped = 0;
    if policy == MissingPolicy::Drop {
        for (r, k) in keep.iter_mut().enumerate() {
            if *k && used.iter().any(|&c| table.is_missing(r, c)) {
                *k = false;
                incomplete_rows_dropped += 1;
            }
        }
    }
    Ok(Kept {
        keep,
        label_rows_dropped,
        incomplete_rows_dropped,
    })
}

/// What filling did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Filled {
    /// Numeric or boolean values filled with their column's median.
    pub filled: usize,
    /// Categorical values encoded as a level of their own.
    pub as_level: usize,
}

/// Sets the fill of every used column that has a missing value among the kept rows: the median of
/// its kept values for a numeric or boolean column, a level of its own for a categorical one.
/// (Under `drop`, no kept row has a missing value, so nothing is filled.)
pub fn fill(table: &Table, plans: &mut [Plan], kept: &Kept) -> Filled {
    let mut done = Filled::default();
    for c in used_with_missing(table, plans) {
        let missing_kept = kept.rows().filter(|&r| table.is_missing(r, c)).count();
        if missing_kept == 0 {
            continue;
        }
        // The values in f32 unless the column is wide: a copy of one column, at its own width.
        let values = kept.rows().map(|r| plans[c].numeric_value(table, r, c));
        let median = match plans[c] {
            Plan::Numeric { .. } if table.is_wide(c) => Some(median(values.collect())),
            Plan::Numeric { .. } => Some(median_by(
                values.map(|v| v as f32).collect(),
                |v| v.is_finite(),
                f32::total_cmp,
            )),
            _ => None,
        };
        match &mut plans[c] {
            Plan::Numeric { fill, .. } => {
                *fill = median.flatten().or(Some(0.0));
                done.filled += missing_kept;
            }
            Plan::Categorical { missing_level, .. } => {
                *missing_level = true;
                done.as_level += missing_kept;
            }
            Plan::Label | Plan::Dropped(_) => {}
        }
    }
    done
}

/// The median of the finite values (the mean of the middle two for an even count, halved before
/// adding so that two values near f64::MAX do not overflow).
pub fn median(values: Vec<f64>) -> Option<f64> {
    median_by(values, |v| v.is_finite(), f64::total_cmp)
}

/// [`median`] of values of any float type, ordered by `cmp`.
fn median_by<T: Copy + Into<f64>>(
    mut values: Vec<T>,
    finite: impl Fn(&T) -> bool,
    cmp: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> Option<f64> {
    values.retain(finite);
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (lower, &mut upper, _) = values.select_nth_unstable_by(n / 2, &cmp);
    if n % 2 == 1 {
        return Some(upper.into());
    }
    let lower = lower.iter().copied().max_by(|a, b| cmp(a, b))?;
    Some(lower.into() / 2.0 + upper.into() / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::options::EncodeOptions;
    use crate::data::testing::{csv, dataset, defaults, flags};

    #[test]
    fn missing_numeric_is_filled_with_the_median_and_flagged() {
        // b's present values over the rows: 1, 2, 4, 8 repeated; median of 1,2,4,8,1,2,4,8,1 = 2.
        let body = [
            "3,1,x", "1,2,y", "4,4,x", "1,8,y", "5,1,x", "9,2,y", "2,4,x", "6,8,y", "5,1,x",
            "3,NA,y",
        ];
        let d = dataset(&csv("a,b,y", &body), &defaults()).unwrap();
        assert_eq!(d.feature_names, ["a", "b", "b_missing"]);
        assert_eq!(d.summary.columns[1].fill, Some(2.0));
        assert_eq!(d.summary.missing.filled, 1);
        // The filled row: b equals the median, and its indicator is the largest value.
        let b = d.x.column(1);
        let ind = d.x.column(2);
        assert_eq!(b[9], b[1]);
        assert!(ind[9] > 0.0 && ind[0] < 0.0);
    }

    #[test]
    fn missing_label_rows_are_dropped_and_categories_get_a_level() {
        let mut body: Vec<&str> = vec!["1,red,a", "2,,b", "3,red,NA", "4,blue,b"];
        body.extend([
            "5,red,a",
            "6,blue,b",
            "7,red,a",
            "8,blue,b",
            "9,red,a",
            "10,blue,b",
            "11,red,a",
        ]);
        let d = dataset(&csv("x,c,y", &body), &defaults()).unwrap();
        assert_eq!(d.summary.rows_read, 11);
        assert_eq!(d.summary.rows, 10);
        assert_eq!(d.summary.missing.label_rows_dropped, 1);
        assert_eq!(d.summary.missing.as_level, 1);
        assert!(d.feature_names.contains(&"c=<missing>".to_string()));
    }

    #[test]
    fn missing_policy_drop_and_error() {
        let body = [
            "3,2,a", "1,NA,b", "4,1,a", "1,2,b", "5,1,a", "9,2,b", "2,1,a", "6,2,b", "5,1,a",
            "3,2,b", "5,1,a",
        ];
        let text = csv("x,z,y", &body);
        let drop = EncodeOptions {
            missing: MissingPolicy::Drop,
            ..defaults()
        };
        let d = dataset(&text, &drop).unwrap();
        assert_eq!(d.summary.rows, 10);
        assert_eq!(d.summary.missing.incomplete_rows_dropped, 1);
        assert_eq!(d.feature_names, ["x", "z"]);
        let error = EncodeOptions {
            missing: MissingPolicy::Error,
            ..defaults()
        };
        let e = dataset(&text, &error).unwrap_err();
        assert_eq!(
            e.render(&flags),
            "t.csv, line 3, column 'z': missing value 'NA' and --missing error was given; pass --missing drop to skip such rows, or --missing fill to fill them"
        );
        assert_eq!(
            e.to_string(),
            "t.csv, line 3, column 'z': missing value 'NA' and `missing` = error was given; pass `missing` = drop to skip such rows, or `missing` = fill to fill them"
        );
    }

    #[test]
    fn a_wide_column_is_filled_with_its_f64_median() {
        let body = [
            "1e300,1,a",
            "3e300,2,b",
            "NA,3,a",
            "2e300,4,b",
            "5e300,5,a",
            "4e300,1,b",
        ];
        let d = dataset(&csv("w,x,y", &body), &defaults()).unwrap();
        assert_eq!(d.feature_names, ["w", "w_missing", "x"]);
        // Over the 10 rows, the present values are 1, 1, 2, 2, 3, 3, 4, 5 (e300): median 2.5e300.
        assert_eq!(d.summary.columns[0].fill, Some(2.5e300));
        let w = d.x.column(0);
        assert!(w.iter().all(|v| v.is_finite()), "{w}");
        // Row 2 holds the fill, between row 3's 2e300 and row 1's 3e300.
        assert!(w[3] < w[2] && w[2] < w[1], "{w}");
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0, f64::NAN]), Some(2.5));
        assert_eq!(median(vec![f64::NAN]), None);
        assert_eq!(median(vec![f64::MAX, f64::MAX]), Some(f64::MAX));
    }
}
