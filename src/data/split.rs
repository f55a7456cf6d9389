//! Holding out a validation set: a seeded shuffle of the row indices, cut once. For
//! classification the cut is stratified (each class split in the same proportion), so a small
//! validation set still holds every class.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::data::{Dataset, Target, MIN_ROWS};
use crate::error::{Error, Result, Setting};

/// Training and validation row indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Rows to train on.
    pub train: Vec<usize>,
    /// Rows to measure on.
    pub val: Vec<usize>,
}

/// Checks a validation fraction: in (0, 1).
pub fn check_fraction(setting: Setting, fraction: f64) -> Result<()> {
    if fraction.is_finite() && fraction > 0.0 && fraction < 1.0 {
        Ok(())
    } else {
        Err(Error::config(
            setting,
            format!("{fraction} is not in (0, 1)"),
        ))
    }
}

/// Holds out about `fraction` of the rows of `dataset` for validation, as [`split`] does, after
/// checking the fraction (named by `setting`): in (0, 1), and leaving at least [`MIN_ROWS`] rows
/// to train on, the fewest the loader accepts for a range test.
pub fn try_split(dataset: &Dataset, setting: Setting, fraction: f64, seed: u64) -> Result<Split> {
    check_fraction(setting, fraction)?;
    let held_out = split(dataset, fraction, seed);
    let (train, rows) = (held_out.train.len(), dataset.rows());
    if train >= MIN_ROWS {
        return Ok(held_out);
    }
    let advice = if rows > MIN_ROWS {
        // The largest fraction, to two places, that leaves MIN_ROWS (rounding per class may
        // move the cut by a row).
        let most = ((rows - MIN_ROWS) as f64 / rows as f64 * 100.0).floor() / 100.0;
        format!("hold out at most about {most}")
    } else {
        format!("{rows} rows are too few to hold any out")
    };
    Err(Error::config(
        setting,
        format!(
            "{fraction} leaves {train} of the {rows} rows to train on, and a range test needs at least {MIN_ROWS}: {advice}"
        ),
    ))
}

/// Splits the rows of `dataset`, about `fraction` of them into validation, at least one row on
/// each side. The same seed gives the same split. It does not check the fraction: see
/// [`try_split`].
pub fn split(dataset: &Dataset, fraction: f64, seed: u64) -> Split {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(2);
    let rows = dataset.rows();
    let groups: Vec<Vec<usize>> = match &dataset.target {
        Target::Classes { labels, names } => {
            let mut g = vec![Vec::new(); names.len()];
            for (r, &l) in labels.iter().enumerate() {
                g[l as usize].push(r);
            }
            g
        }
        Target::Values { .. } => vec![(0..rows).collect()],
    };
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for mut group in groups {
        group.shuffle(&mut rng);
        let k = (group.len() as f64 * fraction).round() as usize;
        val.extend_from_slice(&group[..k]);
        train.extend_from_slice(&group[k..]);
    }
    // Keep both sides non-empty however the rounding fell.
    if val.is_empty() && train.len() > 1 {
        val.push(train.pop().expect("non-empty"));
    }
    if train.is_empty() && val.len() > 1 {
        train.push(val.pop().expect("non-empty"));
    }
    train.sort_unstable();
    val.sort_unstable();
    Split { train, val }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{csv, encode, EncodeOptions};
    use std::path::Path;

    fn dataset(n: usize) -> Dataset {
        let mut s = String::from("x,y\n");
        for i in 0..n {
            s += &format!("{},{}\n", (i * 7) % 13, if i % 4 == 0 { "a" } else { "b" });
        }
        let t = csv::read(s.as_bytes(), Path::new("t.csv"), &Default::default()).unwrap();
        encode(t, &EncodeOptions::default()).unwrap()
    }

    #[test]
    fn stratified_disjoint_and_seeded() {
        let d = dataset(100);
        let s = split(&d, 0.2, 1);
        assert_eq!(s.val.len(), 20);
        assert_eq!(s.train.len(), 80);
        let Target::Classes { labels, .. } = &d.target else {
            panic!()
        };
        assert_eq!(s.val.iter().filter(|&&r| labels[r] == 0).count(), 5);
        let mut all: Vec<usize> = s.train.iter().chain(&s.val).copied().collect();
        all.sort();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        assert_eq!(split(&d, 0.2, 1), s);
        assert_ne!(split(&d, 0.2, 2), s);
    }

    #[test]
    fn a_fraction_leaving_too_few_training_rows_is_refused() {
        let d = dataset(50);
        assert_eq!(
            try_split(&d, Setting::ValSplit, 0.2, 1).unwrap(),
            split(&d, 0.2, 1)
        );
        let e = try_split(&d, Setting::ValSplit, 0.9, 1).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Config {
                    setting: Setting::ValSplit,
                    ..
                }
            ),
            "{e}"
        );
        assert_eq!(
            e.to_string(),
            "invalid `val_split`: 0.9 leaves 5 of the 50 rows to train on, and a range test needs at least 10: hold out at most about 0.8"
        );
        assert!(try_split(&d, Setting::ValSplit, 0.8, 1).is_ok());
        let e = try_split(&dataset(10), Setting::ValSplit, 0.1, 1).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("10 rows are too few to hold any out"),
            "{e}"
        );
        assert!(try_split(&d, Setting::ValSplit, 1.5, 1).is_err());
    }

    #[test]
    fn tiny_sets_keep_both_sides() {
        let s = split(&dataset(12), 0.01, 0);
        assert!(!s.val.is_empty() && !s.train.is_empty());
        assert!(check_fraction(Setting::ValSplit, 1.0).is_err());
        assert!(check_fraction(Setting::ValSplit, 0.2).is_ok());
    }
}
