//! fastai's preprocessing for its tabular model (`procs=[Categorify, FillMissing, Normalize]`,
//! fastai 2.8 `fastai/tabular/core.py`), fitted on the training rows and applied to any row:
//!
//! - `FillMissing`: a continuous column with a missing value among the training rows is filled
//!   with the median of its training values (pandas' median: the mean of the middle two for an
//!   even count), and gets a `<name>_na` column, itself categorical (`#na#`, `False`, `True`);
//! - `Categorify`: each categorical column's classes are `#na#` and then the levels seen in the
//!   training rows, sorted; a missing cell or a level not seen in training is `#na#`, code 0;
//! - `Normalize`: each continuous column (filled) becomes `(v - mean) / (std + 1e-7)`, with the
//!   mean and population standard deviation (`ddof=0`) of the training rows.
//!
//! Which columns are categorical and which continuous is lrfind's reading of the file (text and
//! few-valued columns categorical, numbers and booleans continuous; IDs, free text and constant
//! columns dropped), not fastai's `cont_cat_split`. Two more differences: levels sort in lrfind's
//! order (numbers by value, text in natural order, `cls2` before `cls10`, where Python's sort puts
//! `cls10` first), and a validation row missing a value in a column whose training rows miss
//! none is filled with the median and gets no flag (fastai stops with an error there); and a
//! column constant among the training rows is 0 in every row, where fastai's `Normalize` turns
//! a different validation value `v` into `(v - mean) / 1e-7` (the training is the same).

use super::dataset::{Dataset, InputColumn, MISSING_CODE};
use super::missing::median;

/// fastai's name of the missing class.
pub const NA_CLASS: &str = "#na#";
/// What fastai's `Normalize` adds to the standard deviation.
pub const NORMALIZE_EPS: f64 = 1e-7;
/// A training spread at most this fraction of the mean (or zero) is a constant column.
const CONSTANT: f64 = 1e-12;

/// One categorical input of the model.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryInput {
    /// The column's name (`<name>_na` for a missing flag).
    pub name: String,
    /// fastai's classes, `#na#` first: the rows of its embedding.
    pub classes: Vec<String>,
    source: Source,
}

/// Where a categorical input's codes come from.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    /// A categorical column of the data set (its index in `Dataset::inputs`), with the code of
    /// each of lrfind's levels.
    Levels { column: usize, codes: Vec<u32> },
    /// The missing flag of continuous input `k`: the codes of `False` and `True`.
    Flag { k: usize, codes: [u32; 2] },
}

/// One continuous input of the model, with fastai's statistics (in the column's own units).
#[derive(Debug, Clone, PartialEq)]
pub struct ContinuousInput {
    /// The column's name.
    pub name: String,
    /// The median of its training values, when training rows miss some: the fill.
    pub fill: Option<f64>,
    /// Mean of the training rows (filled).
    pub mean: f64,
    /// Population standard deviation of the training rows (filled), plus 1e-7, as fastai's.
    pub std: f64,
    index: usize,
    flag: Option<usize>,
    /// The model's input is `x scale + shift` for the standardised matrix value `x`.
    scale: f64,
    shift: f64,
    /// The model's input for a missing cell.
    filled: f64,
}

/// fastai's preprocessing, fitted on some rows of a data set.
#[derive(Debug, Clone, PartialEq)]
pub struct TabularInputs {
    /// The categorical inputs: the data set's categorical columns, then the `_na` flags.
    pub categories: Vec<CategoryInput>,
    /// The continuous inputs.
    pub continuous: Vec<ContinuousInput>,
}

impl TabularInputs {
    /// Fits the preprocessing on `train` rows of `dataset`.
    pub fn fit(dataset: &Dataset, train: &[usize]) -> Self {
        let x = &dataset.x;
        let mut categories = Vec::new();
        let mut continuous = Vec::new();
        let numbers = |index: usize| (0..x.ncols()).contains(&index);
        // A data set built without a layout: every input a number of its own. (The layout itself
        // is read in place: its category codes are a column of the table each.)
        let fallback: Vec<InputColumn>;
        let inputs: &[InputColumn] = if dataset.inputs.is_empty() {
            fallback = (0..x.ncols())
                .map(|index| InputColumn::Number {
                    name: dataset
                        .feature_names
                        .get(index)
                        .cloned()
                        .unwrap_or_default(),
                    index,
                    mean: 0.0,
                    sd: 1.0,
                    flag: None,
                })
                .collect();
            &fallback
        } else {
            &dataset.inputs
        };
        for (column, input) in inputs.iter().enumerate() {
            match input {
                InputColumn::Category {
                    name,
                    levels,
                    codes,
                } => {
                    let mut seen = vec![false; levels.len()];
                    for &r in train {
                        if let Some(s) = seen.get_mut(codes[r] as usize) {
                            *s = true;
                        }
                    }
                    let mut classes = vec![NA_CLASS.to_string()];
                    let mut map = vec![0u32; levels.len()];
                    for (l, level) in levels.iter().enumerate() {
                        if seen[l] {
                            map[l] = classes.len() as u32;
                            classes.push(level.clone());
                        }
                    }
                    categories.push(CategoryInput {
                        name: name.clone(),
                        classes,
                        source: Source::Levels { column, codes: map },
                    });
                }
                InputColumn::Number {
                    name,
                    index,
                    mean,
                    sd,
                    flag,
                } if numbers(*index) => {
                    let raw = |r: usize| f64::from(x[[r, *index]]) * sd + mean;
                    let missing = |r: usize| flag.is_some_and(|f| x[[r, f]] > 0.0);
                    let missing_train = train.iter().filter(|&&r| missing(r)).count();
                    let fill = if flag.is_some() {
                        median(
                            train
                                .iter()
                                .filter(|&&r| !missing(r))
                                .map(|&r| raw(r))
                                .collect(),
                        )
                    } else {
                        None
                    };
                    let value = |r: usize| match fill {
                        Some(f) if missing(r) => f,
                        _ => raw(r),
                    };
                    let n = train.len().max(1) as f64;
                    let m = train.iter().map(|&r| value(r)).sum::<f64>() / n;
                    let var = train.iter().map(|&r| (value(r) - m).powi(2)).sum::<f64>() / n;
                    let std = var.sqrt() + NORMALIZE_EPS;
                    let k = continuous.len();
                    if missing_train > 0 {
                        let both = [missing_train < train.len(), true];
                        let mut classes = vec![NA_CLASS.to_string()];
                        let mut codes = [0u32; 2];
                        for (v, present) in both.into_iter().enumerate() {
                            if present {
                                codes[v] = classes.len() as u32;
                                classes.push(if v == 1 { "True" } else { "False" }.into());
                            }
                        }
                        categories.push(CategoryInput {
                            name: format!("{name}_na"),
                            classes,
                            source: Source::Flag { k, codes },
                        });
                    }
                    let fill_value = fill.unwrap_or(m);
                    // Constant among the training rows: every training row is 0 after fastai's
                    // Normalize, and so is every other row here, where fastai's would be
                    // `(v - mean) / 1e-7` (a validation cell of 1 in a column of training zeros
                    // becomes 1e7, and its loss with it). Training is the same either way.
                    let constant = var.sqrt() <= CONSTANT * m.abs().max(f64::MIN_POSITIVE);
                    let (scale, shift, filled) = if constant {
                        (0.0, 0.0, 0.0)
                    } else {
                        (sd / std, (mean - m) / std, (fill_value - m) / std)
                    };
                    continuous.push(ContinuousInput {
                        name: name.clone(),
                        fill: fill.filter(|_| missing_train > 0),
                        mean: m,
                        std,
                        index: *index,
                        flag: *flag,
                        scale,
                        shift,
                        filled,
                    });
                }
                InputColumn::Number { .. } => {}
            }
        }
        // fastai appends the `_na` flags after the categorical columns.
        categories.sort_by_key(|c| matches!(c.source, Source::Flag { .. }));
        TabularInputs {
            categories,
            continuous,
        }
    }

    /// How the inputs were read, for the summary: the categorical and continuous columns, and
    /// the columns fastai's `cont_cat_split` (`max_card=20`) would read the other way: booleans
    /// and whole numbers with at most 20 values, without missing cells, are categories to it.
    pub fn reading(&self, dataset: &Dataset) -> String {
        // At most 8 names a list, as the summary's lists of columns.
        let names = |v: Vec<&str>| match v.len() {
            0 => "none".to_string(),
            n if n > 8 => format!("{}, ... ({} more)", v[..8].join(", "), n - 8),
            _ => v.join(", "),
        };
        let categorical: Vec<&str> = self.categories.iter().map(|c| c.name.as_str()).collect();
        let continuous: Vec<&str> = self.continuous.iter().map(|c| c.name.as_str()).collect();
        let mut text = format!(
            "categorical {}; continuous {}",
            names(categorical),
            names(continuous)
        );
        let x = &dataset.x;
        let differ: Vec<&str> = dataset
            .inputs
            .iter()
            .filter_map(|input| match input {
                InputColumn::Number {
                    name,
                    index,
                    mean,
                    sd,
                    flag: None,
                } => {
                    let boolean =
                        dataset.summary.columns.iter().any(|c| {
                            c.name == *name && c.kind == super::summary::ColumnKind::Boolean
                        });
                    let mut values: Vec<f64> = x
                        .column(*index)
                        .iter()
                        .map(|&v| (f64::from(v) * sd + mean).round())
                        .collect();
                    let whole = x.column(*index).iter().all(|&v| {
                        ((f64::from(v) * sd + mean) - (f64::from(v) * sd + mean).round()).abs()
                            < 1e-4
                    });
                    values.sort_by(f64::total_cmp);
                    values.dedup();
                    (boolean || (whole && values.len() <= 20)).then_some(name.as_str())
                }
                _ => None,
            })
            .collect();
        if !differ.is_empty() {
            text.push_str(&format!(
                "; fastai's cont_cat_split would make {} categorical",
                names(differ)
            ));
        }
        text
    }

    /// Levels of each categorical input, `#na#` included.
    pub fn cardinalities(&self) -> Vec<usize> {
        self.categories.iter().map(|c| c.classes.len()).collect()
    }

    /// Writes rows `rows` of `dataset`, preprocessed: `codes` gets `rows.len() x categories`
    /// codes, `conts` `rows.len() x continuous` values, both row-major.
    pub fn fill(&self, dataset: &Dataset, rows: &[usize], codes: &mut [u32], conts: &mut [f32]) {
        let x = &dataset.x;
        let (k, c) = (self.categories.len(), self.continuous.len());
        for (i, &r) in rows.iter().enumerate() {
            let out = &mut conts[i * c..(i + 1) * c];
            for (o, input) in out.iter_mut().zip(&self.continuous) {
                let missing = input.flag.is_some_and(|f| x[[r, f]] > 0.0);
                *o = if missing {
                    input.filled as f32
                } else {
                    (f64::from(x[[r, input.index]]) * input.scale + input.shift) as f32
                };
            }
            for (o, input) in codes[i * k..(i + 1) * k].iter_mut().zip(&self.categories) {
                *o = match &input.source {
                    Source::Levels { column, codes } => match &dataset.inputs[*column] {
                        InputColumn::Category { codes: levels, .. } => match levels[r] {
                            MISSING_CODE => 0,
                            l => codes.get(l as usize).copied().unwrap_or(0),
                        },
                        InputColumn::Number { .. } => 0,
                    },
                    Source::Flag { k, codes } => {
                        let f = self.continuous[*k].flag.expect("a flag column");
                        codes[usize::from(x[[r, f]] > 0.0)]
                    }
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::testing::{csv, dataset, defaults};

    /// Classes from the training rows only, `#na#` first; the median, mean and std of the
    /// training rows; the flag a category of its own, after the file's categories.
    #[test]
    fn fitted_on_the_training_rows_as_fastai() {
        let body = [
            "1,red,a",
            "2,blue,b",
            ",red,a",
            "4,green,b",
            "8,red,b",
            "3,blue,a",
            "5,,b",
            "6,red,a",
            "7,blue,b",
            ",green,a",
        ];
        let d = dataset(&csv("x,colour,y", &body), &defaults()).unwrap();
        // Training rows 0..6: x = 1, 2, NaN, 4, 8, 3 (median 3); green is seen, row 6's missing
        // colour is not among them.
        let train: Vec<usize> = (0..6).collect();
        let t = TabularInputs::fit(&d, &train);
        assert_eq!(t.categories.len(), 2);
        assert_eq!(t.categories[0].name, "colour");
        assert_eq!(t.categories[0].classes, ["#na#", "blue", "green", "red"]);
        assert_eq!(t.categories[1].name, "x_na");
        assert_eq!(t.categories[1].classes, ["#na#", "False", "True"]);
        let x = &t.continuous[0];
        assert!((x.fill.unwrap() - 3.0).abs() < 1e-6, "{:?}", x.fill);
        let filled = [1.0, 2.0, 3.0, 4.0, 8.0, 3.0];
        let mean = filled.iter().sum::<f64>() / 6.0;
        let sd = (filled.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 6.0).sqrt();
        assert!((x.mean - mean).abs() < 1e-5, "{}", x.mean);
        assert!((x.std - sd - NORMALIZE_EPS).abs() < 1e-5, "{}", x.std);
        let rows = [2, 4, 6, 9];
        let (mut codes, mut conts) = (vec![0; 8], vec![0.0; 4]);
        t.fill(&d, &rows, &mut codes, &mut conts);
        assert_eq!(codes, [3, 2, 3, 1, 0, 1, 2, 2]);
        let want = [3.0, 8.0, 5.0, 3.0].map(|v| ((v - mean) / (sd + NORMALIZE_EPS)) as f32);
        for (c, w) in conts.iter().zip(want) {
            assert!((c - w).abs() < 1e-5, "{conts:?} vs {want:?}");
        }
    }

    /// The summary names each kind, and the whole-number column of few values that fastai's
    /// `cont_cat_split` would take for a category.
    #[test]
    fn the_reading_says_where_fastai_differs() {
        let body: Vec<String> = (0..12)
            .map(|i| format!("{}.5,{},{},{}", i * 7 % 11, i % 3, ["a", "b"][i % 2], i % 2))
            .collect();
        let body: Vec<&str> = body.iter().map(String::as_str).collect();
        let d = dataset(&csv("x,k,colour,y", &body), &defaults()).unwrap();
        let all: Vec<usize> = (0..d.rows()).collect();
        assert_eq!(
            TabularInputs::fit(&d, &all).reading(&d),
            "categorical colour; continuous x, k; fastai's cont_cat_split would make k categorical"
        );
    }

    /// A column constant among the training rows is 0 everywhere, validation rows included,
    /// where fastai's Normalize would divide by 1e-7.
    #[test]
    fn a_column_constant_in_training_is_zero_everywhere() {
        let body: Vec<String> = (0..12)
            .map(|i| format!("{},{}.5,{}", i32::from(i == 11), i * 7 % 11, i % 2))
            .collect();
        let body: Vec<&str> = body.iter().map(String::as_str).collect();
        let d = dataset(&csv("rare,x,y", &body), &defaults()).unwrap();
        let train: Vec<usize> = (0..10).collect();
        let t = TabularInputs::fit(&d, &train);
        assert_eq!(t.continuous[0].name, "rare");
        let (mut codes, mut conts) = (vec![], vec![0.0; 4]);
        t.fill(&d, &[0, 11], &mut codes, &mut conts);
        assert_eq!((conts[0], conts[2]), (0.0, 0.0));
        assert!(conts[1] != 0.0 && conts[3] != 0.0);
    }
}
