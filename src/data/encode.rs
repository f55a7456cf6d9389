//! Deciding what each column of a [`Table`] is (numeric, boolean, categorical, the label, or of no
//! use) and encoding it into a [`Dataset`]: numbers as they are, booleans as 0/1, text one-hot,
//! then every feature standardised. Regression targets are standardised too.

use std::collections::BTreeMap;

use ndarray::Array2;

use super::csv::{ColumnCells, Table, NO_TEXT, OVERFLOW};
use super::scale::{mean_sd, standardise_columns};
use super::{ClassCount, ColumnKind, ColumnSummary, DataSummary, Dataset, Target, Task};
use crate::error::{Error, Result};

/// A label with integer values and at most this many distinct values is taken as classes.
pub const MAX_INTEGER_CLASSES: usize = 20;
/// The most classes lrfind will train a classifier on.
pub const MAX_CLASSES: usize = 1000;

/// How to turn the table into a data set.
#[derive(Debug, Clone)]
pub struct EncodeOptions {
    /// The label column: a header name, or a 0-based index. `None`: the last column.
    pub target: Option<String>,
    /// Forces the task; `None` infers it from the label.
    pub task: Option<Task>,
    /// Text feature columns with more distinct values than this are dropped.
    pub max_categories: usize,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions {
            target: None,
            task: None,
            max_categories: 50,
        }
    }
}

/// Which column is the label, resolved against the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetColumn(pub usize);

impl TargetColumn {
    /// Resolves `--target`: an exact header name first, then a 0-based index.
    pub fn resolve(spec: Option<&str>, table: &Table) -> Result<Self> {
        let cols = table.cols();
        let Some(spec) = spec else {
            return Ok(TargetColumn(cols - 1));
        };
        if let Some(i) = table.headers.iter().position(|h| h == spec.trim()) {
            return Ok(TargetColumn(i));
        }
        if let Ok(i) = spec.trim().parse::<usize>() {
            if i < cols {
                return Ok(TargetColumn(i));
            }
        }
        Err(Error::config(
            "--target",
            format!(
                "no column '{spec}' in {}; the columns are: {} (or give a 0-based index below {cols})",
                table.file.display(),
                table.headers.join(", ")
            ),
        ))
    }
}

/// The distinct values of a column as strings, with one level index per row.
struct Levels {
    names: Vec<String>,
    counts: Vec<usize>,
    /// Level index per row; `u32::MAX` where the cell is missing.
    rows: Vec<u32>,
}

const MISSING_LEVEL: u32 = u32::MAX;

/// Collects the distinct values of column `c`, numbers and text alike, in sorted order (numerically
/// when every level is a number). Fails when the column has more distinct values than `limit`.
fn levels(table: &Table, c: usize, limit: usize) -> Option<Levels> {
    let cells = &table.columns[c];
    if cells.text.as_ref().is_some_and(|t| t.overflowed) {
        return None;
    }
    // Key each distinct value by its name; numbers by their shortest f32 spelling.
    let mut by_name: BTreeMap<String, (Option<f32>, usize)> = BTreeMap::new();
    let mut row_names: Vec<Option<String>> = Vec::with_capacity(table.rows());
    for r in 0..table.rows() {
        let v = table.value(r, c);
        let name = if v.is_finite() {
            Some((format!("{v}"), Some(v)))
        } else {
            match cells.text.as_ref().map(|t| t.codes[r]) {
                Some(code) if code != NO_TEXT && code != OVERFLOW => {
                    Some((cells.text.as_ref()?.levels[code as usize].clone(), None))
                }
                _ => None,
            }
        };
        if let Some((name, num)) = name {
            let entry = by_name.entry(name.clone()).or_insert((num, 0));
            entry.1 += 1;
            if by_name.len() > limit {
                return None;
            }
            row_names.push(Some(name));
        } else {
            row_names.push(None);
        }
    }
    let mut names: Vec<(String, Option<f32>, usize)> =
        by_name.into_iter().map(|(n, (v, k))| (n, v, k)).collect();
    if names.iter().all(|(_, v, _)| v.is_some()) {
        names.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal));
    }
    let index: BTreeMap<&str, u32> = names
        .iter()
        .enumerate()
        .map(|(i, (n, _, _))| (n.as_str(), i as u32))
        .collect();
    let rows = row_names
        .iter()
        .map(|n| n.as_deref().map_or(MISSING_LEVEL, |n| index[n]))
        .collect();
    Some(Levels {
        counts: names.iter().map(|(_, _, k)| *k).collect(),
        names: names.into_iter().map(|(n, _, _)| n).collect(),
        rows,
    })
}

fn is_boolean_word(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "yes" | "t" | "y" => Some(true),
        "false" | "no" | "f" | "n" => Some(false),
        _ => None,
    }
}

/// Number of cells that are neither numbers nor missing.
fn text_cells(cells: &ColumnCells, rows: usize) -> usize {
    rows - cells.numeric - cells.missing
}

/// How a feature column will be encoded.
enum Plan {
    Numeric,
    Boolean(Levels),
    Categorical(Levels),
    Dropped(String),
}

fn plan_feature(table: &Table, c: usize, options: &EncodeOptions) -> Result<Plan> {
    let cells = &table.columns[c];
    let rows = table.rows();
    if let Some((line, value)) = &cells.first_missing {
        return Err(Error::Data {
            location: table.location(*line, c),
            message: format!(
                "missing value '{value}'; lrfind needs every feature present in every row: fill or remove the incomplete rows"
            ),
        });
    }
    let text = text_cells(cells, rows);
    if cells.numeric == 0 && text == 0 {
        return Ok(Plan::Dropped("every value is missing".into()));
    }
    if text == 0 {
        let (_, sd) = mean_sd((0..rows).map(|r| table.value(r, c) as f64));
        if sd == 0.0 {
            return Ok(Plan::Dropped(
                "constant: every row holds the same value".into(),
            ));
        }
        return Ok(Plan::Numeric);
    }
    if cells.numeric >= text {
        let (line, value) = cells.first_text.clone().unwrap_or_default();
        return Err(Error::Data {
            location: table.location(line, c),
            message: format!(
                "'{value}' is not a number, but the column is otherwise numeric; fix the value, or if it marks a missing value pass --na-values '{}'",
                value.trim()
            ),
        });
    }
    let Some(levels) = levels(table, c, options.max_categories) else {
        return Ok(Plan::Dropped(format!(
            "text with more than {} distinct values (--max-categories)",
            options.max_categories
        )));
    };
    if levels.names.len() < 2 {
        return Ok(Plan::Dropped(
            "constant: every row holds the same value".into(),
        ));
    }
    if levels.names.len() == 2 && levels.names.iter().all(|n| is_boolean_word(n).is_some()) {
        return Ok(Plan::Boolean(levels));
    }
    Ok(Plan::Categorical(levels))
}

fn encode_target(table: &Table, c: usize, task: Option<Task>) -> Result<(Target, Vec<ClassCount>)> {
    let cells = &table.columns[c];
    let name = &table.headers[c];
    if let Some((line, value)) = &cells.first_missing {
        return Err(Error::Data {
            location: table.location(*line, c),
            message: format!(
                "missing label '{value}'; every row needs a label: remove the row or pick another column with --target"
            ),
        });
    }
    let rows = table.rows();
    let has_text = text_cells(cells, rows) > 0;
    let task = match task {
        Some(t) => t,
        None if has_text => Task::Classification,
        None => {
            let integer = (0..rows).all(|r| table.value(r, c).fract() == 0.0);
            let few = levels(table, c, MAX_INTEGER_CLASSES).is_some();
            if integer && few {
                Task::Classification
            } else {
                Task::Regression
            }
        }
    };
    match task {
        Task::Regression => {
            if has_text {
                let (line, value) = cells.first_text.clone().unwrap_or_default();
                return Err(Error::Data {
                    location: table.location(line, c),
                    message: format!(
                        "'{value}' is not a number, so the label '{name}' cannot be regressed; drop --task regression or pick another column with --target"
                    ),
                });
            }
            let (mean, sd) = mean_sd((0..rows).map(|r| table.value(r, c) as f64));
            let std = if sd > 0.0 { sd } else { 1.0 };
            let values = (0..rows)
                .map(|r| ((table.value(r, c) as f64 - mean) / std) as f32)
                .collect();
            Ok((Target::Values { values, mean, std }, Vec::new()))
        }
        Task::Classification => {
            let levels = levels(table, c, MAX_CLASSES).ok_or_else(|| Error::Dataset {
                file: table.file.clone(),
                message: format!(
                    "the label '{name}' has more than {MAX_CLASSES} distinct values; use --task regression for a numeric label or pick another column with --target"
                ),
            })?;
            if levels.names.len() < 2 {
                return Err(Error::Dataset {
                    file: table.file.clone(),
                    message: format!(
                        "the label '{name}' has a single class ('{}'); a classifier needs at least two: pick another column with --target",
                        levels.names.first().map_or("", String::as_str)
                    ),
                });
            }
            let counts = levels
                .names
                .iter()
                .zip(&levels.counts)
                .map(|(n, &k)| ClassCount {
                    name: n.clone(),
                    count: k,
                })
                .collect();
            Ok((
                Target::Classes {
                    labels: levels.rows,
                    names: levels.names,
                },
                counts,
            ))
        }
    }
}

/// Encodes `table` into a standardised [`Dataset`].
pub fn encode(table: &Table, options: &EncodeOptions) -> Result<Dataset> {
    let rows = table.rows();
    if rows == 0 {
        return Err(Error::Dataset {
            file: table.file.clone(),
            message: "the file has a header but no data rows".into(),
        });
    }
    let TargetColumn(t) = TargetColumn::resolve(options.target.as_deref(), table)?;
    let (target, class_counts) = encode_target(table, t, options.task)?;

    let mut columns = Vec::with_capacity(table.cols());
    let mut plans = Vec::with_capacity(table.cols());
    let mut notes = Vec::new();
    for c in 0..table.cols() {
        let name = table.headers[c].clone();
        if c == t {
            columns.push(ColumnSummary {
                name,
                kind: ColumnKind::Label,
            });
            plans.push(None);
            continue;
        }
        let plan = plan_feature(table, c, options)?;
        let kind = match &plan {
            Plan::Numeric => ColumnKind::Numeric,
            Plan::Boolean(_) => ColumnKind::Boolean,
            Plan::Categorical(l) => ColumnKind::Categorical {
                levels: l.names.len(),
            },
            Plan::Dropped(reason) => {
                notes.push(format!("dropped column '{name}': {reason}"));
                ColumnKind::Dropped {
                    reason: reason.clone(),
                }
            }
        };
        columns.push(ColumnSummary { name, kind });
        plans.push(Some(plan));
    }

    let mut feature_names = Vec::new();
    for (c, plan) in plans.iter().enumerate() {
        let name = &table.headers[c];
        match plan {
            Some(Plan::Numeric) | Some(Plan::Boolean(_)) => feature_names.push(name.clone()),
            Some(Plan::Categorical(l)) => {
                feature_names.extend(l.names.iter().map(|level| format!("{name}={level}")))
            }
            _ => {}
        }
    }
    if feature_names.is_empty() {
        return Err(Error::Dataset {
            file: table.file.clone(),
            message: "no usable feature column is left besides the label; check --target".into(),
        });
    }

    let mut x = Array2::<f32>::zeros((rows, feature_names.len()));
    let mut j = 0;
    for (c, plan) in plans.iter().enumerate() {
        match plan {
            Some(Plan::Numeric) => {
                for r in 0..rows {
                    x[[r, j]] = table.value(r, c);
                }
                j += 1;
            }
            Some(Plan::Boolean(l)) => {
                for r in 0..rows {
                    let level = l.rows[r] as usize;
                    x[[r, j]] = f32::from(u8::from(is_boolean_word(&l.names[level]) == Some(true)));
                }
                j += 1;
            }
            Some(Plan::Categorical(l)) => {
                for r in 0..rows {
                    x[[r, j + l.rows[r] as usize]] = 1.0;
                }
                j += l.names.len();
            }
            _ => {}
        }
    }
    standardise_columns(&mut x);

    if let Some(biggest) = class_counts.iter().max_by_key(|c| c.count) {
        if biggest.count as f64 > 0.95 * rows as f64 {
            notes.push(format!(
                "class '{}' holds {:.1}% of the rows: the loss curve will mostly reflect that class",
                biggest.name,
                100.0 * biggest.count as f64 / rows as f64
            ));
        }
    }
    let summary = DataSummary {
        file: table.file.display().to_string(),
        rows,
        features: feature_names.len(),
        target: table.headers[t].clone(),
        task: target.task(),
        classes: (!class_counts.is_empty()).then_some(class_counts),
        columns,
        notes,
    };
    Ok(Dataset {
        x,
        target,
        feature_names,
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::csv::{read, ReadOptions};
    use std::path::Path;

    fn dataset(s: &str, options: &EncodeOptions) -> Result<Dataset> {
        let table = read(s.as_bytes(), Path::new("t.csv"), &ReadOptions::default())?;
        encode(&table, options)
    }

    #[test]
    fn text_label_is_classification_and_text_feature_one_hot() {
        let d = dataset(
            "x,colour,y\n1,red,a\n2,blue,b\n3,red,a\n4,green,b\n",
            &EncodeOptions::default(),
        )
        .unwrap();
        assert_eq!(
            d.feature_names,
            ["x", "colour=blue", "colour=green", "colour=red"]
        );
        match &d.target {
            Target::Classes { labels, names } => {
                assert_eq!(names, &["a", "b"]);
                assert_eq!(labels, &[0, 1, 0, 1]);
            }
            _ => panic!("expected classes"),
        }
        // Standardised: each column has mean 0.
        for col in d.x.columns() {
            assert!(col.sum().abs() < 1e-5);
        }
    }

    #[test]
    fn few_integers_are_classes_many_reals_regression() {
        let d = dataset("x,y\n1,0\n2,1\n3,2\n4,1\n", &EncodeOptions::default()).unwrap();
        assert_eq!(d.target.task(), Task::Classification);
        let d = dataset("x,y\n1,0.5\n2,1.5\n3,2\n4,1\n", &EncodeOptions::default()).unwrap();
        assert_eq!(d.target.task(), Task::Regression);
        let forced = EncodeOptions {
            task: Some(Task::Regression),
            ..EncodeOptions::default()
        };
        let d = dataset("x,y\n1,0\n2,1\n3,2\n4,1\n", &forced).unwrap();
        assert_eq!(d.target.task(), Task::Regression);
    }

    #[test]
    fn regression_target_is_standardised() {
        let d = dataset("x,y\n1,10\n2,20\n3,30\n4,40.5\n", &EncodeOptions::default()).unwrap();
        let Target::Values { values, mean, .. } = &d.target else {
            panic!("expected values")
        };
        assert!((mean - 25.125).abs() < 1e-9);
        assert!(values.iter().sum::<f32>().abs() < 1e-5);
    }

    #[test]
    fn missing_feature_names_line_and_column() {
        let e = dataset("a,b,y\n1,2,x\n3,NA,y\n", &EncodeOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3, column 'b'"), "{e}");
        assert!(e.contains("'NA'"), "{e}");
    }

    #[test]
    fn stray_text_in_numeric_column_is_an_error_with_hint() {
        let e = dataset("a,y\n1,x\n2,y\noops,x\n4,y\n", &EncodeOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 4, column 'a'"), "{e}");
        assert!(e.contains("--na-values 'oops'"), "{e}");
    }

    #[test]
    fn single_class_and_unknown_target_are_errors() {
        let e = dataset("a,y\n1,x\n2,x\n", &EncodeOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("single class"), "{e}");
        let options = EncodeOptions {
            target: Some("nope".into()),
            ..EncodeOptions::default()
        };
        let e = dataset("a,y\n1,x\n2,y\n", &options)
            .unwrap_err()
            .to_string();
        assert!(e.contains("the columns are: a, y"), "{e}");
    }

    #[test]
    fn target_by_index_and_constant_column_dropped() {
        let options = EncodeOptions {
            target: Some("0".into()),
            ..EncodeOptions::default()
        };
        let d = dataset("y,a,k\nx,1,7\ny,2,7\nx,3,7\n", &options).unwrap();
        assert_eq!(d.summary.target, "y");
        assert_eq!(d.feature_names, ["a"]);
        assert!(d.summary.notes[0].contains("'k'"));
    }

    #[test]
    fn boolean_words_become_zero_one() {
        let d = dataset("b,y\nyes,1\nno,0\nYES,1\nno,0\n", &EncodeOptions::default());
        // "yes" and "YES" are distinct text levels: three levels is categorical, not boolean.
        assert!(d.is_ok());
        let d = dataset("b,y\ntrue,1\nfalse,0\ntrue,1\n", &EncodeOptions::default()).unwrap();
        assert_eq!(d.summary.columns[0].kind, ColumnKind::Boolean);
        assert!(d.x[[0, 0]] > 0.0 && d.x[[1, 0]] < 0.0);
    }
}
