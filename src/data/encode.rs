//! Deciding what each column of a [`Table`] is (numeric, boolean, categorical, the label, or of no
//! use), applying the missing-value policy, and encoding the table into a [`Dataset`]: numbers as
//! they are, booleans as 0/1, text one-hot, then every feature standardised. Regression targets are
//! standardised too. The feature matrix is built inside the table's own buffer, so the loader never
//! holds two full matrices.

use std::collections::HashMap;

use ndarray::Array2;
use serde::Serialize;

use super::csv::{Table, NO_TEXT, OVERFLOW};
use super::scale::{mean_sd, standardise_columns};
use super::{
    ClassCount, ColumnKind, ColumnSummary, DataSummary, Dataset, MissingSummary, Target, Task,
};
use crate::error::{Error, Message, Result, Setting};

/// A label with integer values and at most this many distinct values is taken as classes.
pub const MAX_INTEGER_CLASSES: usize = 20;
/// The most classes lrfind will train a classifier on.
pub const MAX_CLASSES: usize = 1000;
/// The fewest usable rows a range test is run on: fewer cannot give a loss curve worth reading.
pub const MIN_ROWS: usize = 10;
/// Name of the one-hot level that stands for a missing category.
pub const MISSING_CATEGORY: &str = "<missing>";

/// What to do with a row that has a missing value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum MissingPolicy {
    /// Fill a numeric feature with its median (plus a `<name>_missing` indicator), keep a missing
    /// category as a level of its own; drop rows whose label is missing.
    #[default]
    Fill,
    /// Drop every row with a missing value in a used column.
    Drop,
    /// Refuse the file at the first missing value in a used column.
    Error,
}

/// Text feature columns with more distinct values than this are dropped unless told otherwise:
/// more is an identifier or free text, not a category.
pub const DEFAULT_MAX_CATEGORIES: usize = 50;

/// How to turn the table into a data set.
#[derive(Debug, Clone, Serialize)]
pub struct EncodeOptions {
    /// The label column: a header name, or a 0-based index. `None`: the last column.
    pub target: Option<String>,
    /// Forces the task; `None` infers it from the label.
    pub task: Option<Task>,
    /// Text feature columns with more distinct values than this are dropped.
    pub max_categories: usize,
    /// What to do with missing values.
    pub missing: MissingPolicy,
    /// Columns never used as features.
    pub ignore: Vec<String>,
    /// When not empty, the only columns used as features.
    pub features: Vec<String>,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions {
            target: None,
            task: None,
            max_categories: DEFAULT_MAX_CATEGORIES,
            missing: MissingPolicy::Fill,
            ignore: Vec::new(),
            features: Vec::new(),
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
        resolve_column(spec, table)
            .map(TargetColumn)
            .ok_or_else(|| unknown_column(Setting::Target, spec, table))
    }
}

/// A column by exact header name, then by 0-based index.
fn resolve_column(spec: &str, table: &Table) -> Option<usize> {
    let spec = spec.trim();
    table
        .headers
        .iter()
        .position(|h| h == spec)
        .or_else(|| spec.parse::<usize>().ok().filter(|&i| i < table.cols()))
}

fn unknown_column(setting: Setting, spec: &str, table: &Table) -> Error {
    Error::config(
        setting,
        format!(
            "no column '{spec}' in {}; the columns are: {} (or give a 0-based index below {})",
            table.file.display(),
            table.headers.join(", "),
            table.cols()
        ),
    )
}

fn resolve_list(setting: Setting, specs: &[String], table: &Table) -> Result<Vec<usize>> {
    specs
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| resolve_column(s, table).ok_or_else(|| unknown_column(setting, s, table)))
        .collect()
}

/// Whether cell `(r, c)` is missing: not a number and not text.
fn is_missing(table: &Table, r: usize, c: usize) -> bool {
    table.value(r, c).is_nan()
        && table.columns[c]
            .text
            .as_ref()
            .is_none_or(|t| t.codes[r] == NO_TEXT)
}

/// The distinct values of a column as strings, with one level index per row.
struct Levels {
    names: Vec<String>,
    /// Level index per row; [`MISSING_LEVEL`] where the cell is missing.
    rows: Vec<u32>,
}

const MISSING_LEVEL: u32 = u32::MAX;

/// Collects the distinct values of column `c`, numbers and text alike, sorted (numerically when
/// every level is a number). `None` when the column has more distinct values than `limit`.
fn levels(table: &Table, c: usize, limit: usize) -> Option<Levels> {
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

fn is_boolean_word(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "yes" | "t" | "y" => Some(true),
        "false" | "no" | "f" | "n" => Some(false),
        _ => None,
    }
}

/// How a feature column will be encoded.
enum Plan {
    Label,
    /// Numbers (or booleans mapped to 0/1 through `truth`, one entry per text level), with the
    /// value that fills a missing cell when the policy fills.
    Numeric {
        truth: Option<Vec<f32>>,
        fill: Option<f32>,
    },
    /// One column per level; a missing cell gets a level of its own when `missing_level`.
    Categorical {
        levels: Levels,
        missing_level: bool,
    },
    Dropped(String),
}

impl Plan {
    fn is_used(&self) -> bool {
        !matches!(self, Plan::Label | Plan::Dropped(_))
    }
}

/// A mostly numeric column with at most this many distinct non-numeric values is an error (they
/// look like typos or missing-value markers); with more, it is a text column.
pub const MAX_STRAY_WORDS: usize = 5;

/// A text column with more than this many levels, more than half of its present values distinct,
/// is a name or an identifier: one-hot encoding it would give a column per row.
pub const MIN_IDENTIFIER_LEVELS: usize = 10;

/// Decides what column `c` is, from every row read.
fn plan_feature(table: &Table, c: usize, options: &EncodeOptions, chosen: bool) -> Result<Plan> {
    let cells = &table.columns[c];
    let rows = table.rows();
    let text = rows - cells.numeric - cells.missing;
    if cells.numeric == 0 && text == 0 {
        return Ok(Plan::Dropped("every value is missing".into()));
    }
    if table.unnamed[c] && !chosen {
        return Ok(Plan::Dropped(
            "no name in the header, so taken for a saved row index (name it or list it in --features to use it)".into(),
        ));
    }
    if text == 0 {
        let mut present = (0..rows)
            .map(|r| table.value(r, c))
            .filter(|v| v.is_finite());
        let first = present.next();
        if present.all(|v| Some(v) == first) {
            return Ok(Plan::Dropped(
                "constant: every row holds the same value".into(),
            ));
        }
        let counts_rows = cells.missing == 0 && {
            let first = table.value(0, c);
            (0..rows).all(|r| table.value(r, c) == first + r as f32)
        };
        if counts_rows && !chosen && first_is_integer(table, c) {
            return Ok(Plan::Dropped(
                "its integers just count the rows (a row number or ID)".into(),
            ));
        }
        return Ok(Plan::Numeric {
            truth: None,
            fill: None,
        });
    }
    // Mostly numbers with a few distinct words among them: the words are typos or undeclared
    // missing-value markers, and guessing would silently change the column, so say where they
    // are. Many distinct words among the numbers (ticket numbers, codes) make it a text column.
    let distinct_words = cells.text.as_ref().map_or(0, |t| {
        if t.overflowed {
            usize::MAX
        } else {
            t.levels.len()
        }
    });
    if cells.numeric >= text && distinct_words <= MAX_STRAY_WORDS {
        let (line, value) = cells.first_text.clone().unwrap_or_default();
        return Err(Error::Data {
            location: table.location(line, c),
            message: format!(
                "'{value}' is not a number, but the column is otherwise numeric; fix the value, or if it marks a missing value pass --na-values '{}' (then --missing decides what happens to such rows)",
                value.trim()
            ).into(),
        });
    }
    let Some(levels) = levels(table, c, options.max_categories) else {
        return Ok(Plan::Dropped(format!(
            "text with more than {} distinct values, like a name or free text (--max-categories)",
            options.max_categories
        )));
    };
    let present = rows - cells.missing;
    if levels.names.len() > MIN_IDENTIFIER_LEVELS && 2 * levels.names.len() > present {
        return Ok(Plan::Dropped(format!(
            "text with {} distinct values in {present} rows, like a name or an identifier",
            levels.names.len()
        )));
    }
    let truth: Option<Vec<bool>> = levels.names.iter().map(|n| is_boolean_word(n)).collect();
    if let Some(truth) = truth {
        if truth.iter().any(|&t| t) && truth.iter().any(|&t| !t) {
            return Ok(Plan::Numeric {
                truth: Some(truth.iter().map(|&t| f32::from(u8::from(t))).collect()),
                fill: None,
            });
        }
    }
    if levels.names.len() < 2 && cells.missing == 0 {
        return Ok(Plan::Dropped(
            "constant: every row holds the same value".into(),
        ));
    }
    Ok(Plan::Categorical {
        levels,
        missing_level: false,
    })
}

fn first_is_integer(table: &Table, c: usize) -> bool {
    table.value(0, c).fract() == 0.0
}

/// The raw value of a numeric or boolean column at row `r` (NaN when missing).
fn numeric_value(
    table: &Table,
    truth: &Option<Vec<f32>>,
    levels: Option<&Levels>,
    r: usize,
    c: usize,
) -> f32 {
    match (truth, levels) {
        (Some(truth), Some(levels)) => match levels.rows[r] {
            MISSING_LEVEL => f32::NAN,
            l => truth[l as usize],
        },
        _ => table.value(r, c),
    }
}

/// The median of the finite values (the mean of the middle two for an even count).
pub fn median(mut values: Vec<f32>) -> Option<f32> {
    values.retain(|v| v.is_finite());
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (_, &mut upper, _) = values.select_nth_unstable_by(n / 2, f32::total_cmp);
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower = values[..n / 2]
        .iter()
        .copied()
        .fold(f32::NEG_INFINITY, f32::max);
    Some(((f64::from(lower) + f64::from(upper)) / 2.0) as f32)
}

fn encode_target(
    table: &Table,
    c: usize,
    keep: &[bool],
    task: Option<Task>,
) -> Result<(Target, Vec<ClassCount>)> {
    let cells = &table.columns[c];
    let name = &table.headers[c];
    let rows = table.rows();
    let kept = || (0..rows).filter(|&r| keep[r]);
    let has_text = cells.text.is_some();
    let task = match task {
        Some(t) => t,
        None if has_text => Task::Classification,
        None => {
            let integer = kept().all(|r| table.value(r, c).fract() == 0.0);
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
                    ).into(),
                });
            }
            let (mean, sd) = mean_sd(kept().map(|r| f64::from(table.value(r, c))));
            let std = if sd > 0.0 { sd } else { 1.0 };
            let values = kept()
                .map(|r| ((f64::from(table.value(r, c)) - mean) / std) as f32)
                .collect();
            Ok((Target::Values { values, mean, std }, Vec::new()))
        }
        Task::Classification => {
            let levels = levels(table, c, MAX_CLASSES).ok_or_else(|| Error::Dataset {
                file: table.file.clone(),
                message: format!(
                    "the label '{name}' has more than {MAX_CLASSES} distinct values; use --task regression for a numeric label or pick another column with --target"
                ).into(),
            })?;
            // Count the classes over the rows kept, and forget classes no kept row holds.
            let mut counts = vec![0usize; levels.names.len()];
            for r in kept() {
                counts[levels.rows[r] as usize] += 1;
            }
            let mut remap = vec![u32::MAX; counts.len()];
            let mut names = Vec::new();
            let mut class_counts = Vec::new();
            for (i, &k) in counts.iter().enumerate() {
                if k > 0 {
                    remap[i] = names.len() as u32;
                    names.push(levels.names[i].clone());
                    class_counts.push(ClassCount {
                        name: levels.names[i].clone(),
                        count: k,
                    });
                }
            }
            if names.len() < 2 {
                return Err(Error::Dataset {
                    file: table.file.clone(),
                    message: format!(
                        "the label '{name}' has a single class ('{}') in the rows used; a classifier needs at least two: pick another column with --target",
                        names.first().map_or("", String::as_str)
                    ).into(),
                });
            }
            let labels = kept().map(|r| remap[levels.rows[r] as usize]).collect();
            Ok((Target::Classes { labels, names }, class_counts))
        }
    }
}

/// Encodes `table` into a standardised [`Dataset`], reusing the table's buffer for the features.
pub fn encode(mut table: Table, options: &EncodeOptions) -> Result<Dataset> {
    let rows = table.rows();
    if rows == 0 {
        return Err(Error::Dataset {
            file: table.file.clone(),
            message: "the file has a header but no data rows".into(),
        });
    }
    let TargetColumn(t) = TargetColumn::resolve(options.target.as_deref(), &table)?;
    let ignore = resolve_list(Setting::Ignore, &options.ignore, &table)?;
    let features = resolve_list(Setting::Features, &options.features, &table)?;
    if features.contains(&t) || ignore.contains(&t) {
        let setting = if features.contains(&t) {
            Setting::Features
        } else {
            Setting::Ignore
        };
        return Err(Error::config(
            setting,
            Message::new(format!("'{}' is the label (", table.headers[t]))
                .setting(Setting::Target)
                .text("); it cannot also be listed in ")
                .setting(setting),
        ));
    }

    // What each column is, decided on every row read.
    let mut plans = Vec::with_capacity(table.cols());
    for c in 0..table.cols() {
        let plan = if c == t {
            Plan::Label
        } else if ignore.contains(&c) {
            Plan::Dropped("listed in --ignore".into())
        } else if !features.is_empty() && !features.contains(&c) {
            Plan::Dropped("not listed in --features".into())
        } else {
            plan_feature(&table, c, options, features.contains(&c))?
        };
        plans.push(plan);
    }

    // Which rows are kept.
    let missing_in = |c: usize| table.columns[c].missing > 0;
    let used_with_missing: Vec<usize> = (0..table.cols())
        .filter(|&c| plans[c].is_used() && missing_in(c))
        .collect();
    if options.missing == MissingPolicy::Error {
        let first = std::iter::once(t)
            .chain(used_with_missing.iter().copied())
            .filter_map(|c| {
                table.columns[c]
                    .first_missing
                    .as_ref()
                    .map(|(l, v)| (*l, c, v))
            })
            .min_by_key(|&(l, c, _)| (l, c));
        if let Some((line, c, value)) = first {
            return Err(Error::Data {
                location: table.location(line, c),
                message: format!(
                    "missing value '{value}' and --missing error was given; pass --missing drop to skip such rows, or --missing fill to fill them"
                ).into(),
            });
        }
    }
    let mut keep: Vec<bool> = (0..rows).map(|r| !is_missing(&table, r, t)).collect();
    let label_rows_dropped = keep.iter().filter(|&&k| !k).count();
    let mut incomplete_rows_dropped = 0;
    if options.missing == MissingPolicy::Drop {
        for (r, k) in keep.iter_mut().enumerate() {
            if *k && used_with_missing.iter().any(|&c| is_missing(&table, r, c)) {
                *k = false;
                incomplete_rows_dropped += 1;
            }
        }
    }
    let n = rows - label_rows_dropped - incomplete_rows_dropped;
    if n < MIN_ROWS {
        return Err(Error::Dataset {
            file: table.file.clone(),
            message: format!(
                "only {n} usable rows ({rows} read, {label_rows_dropped} without a label, {incomplete_rows_dropped} incomplete); a range test needs at least {MIN_ROWS}"
            ).into(),
        });
    }
    let (target, class_counts) = encode_target(&table, t, &keep, options.task)?;

    // Fill values, counted over the kept rows.
    let mut filled = 0;
    let mut as_level = 0;
    for &c in &used_with_missing {
        let missing_kept = (0..rows)
            .filter(|&r| keep[r] && is_missing(&table, r, c))
            .count();
        if missing_kept == 0 {
            continue;
        }
        let table_ref = &table;
        match &mut plans[c] {
            Plan::Numeric { truth, fill } => {
                let levels = if truth.is_some() {
                    levels(table_ref, c, usize::MAX)
                } else {
                    None
                };
                let present = (0..rows)
                    .filter(|&r| keep[r])
                    .map(|r| numeric_value(table_ref, truth, levels.as_ref(), r, c))
                    .collect();
                *fill = median(present).or(Some(0.0));
                filled += missing_kept;
            }
            Plan::Categorical { missing_level, .. } => {
                *missing_level = true;
                as_level += missing_kept;
            }
            _ => {}
        }
    }
    // Boolean columns read their 0/1 through the level of each row.
    let bool_levels: Vec<Option<Levels>> = (0..table.cols())
        .map(|c| match &plans[c] {
            Plan::Numeric { truth: Some(_), .. } => levels(&table, c, usize::MAX),
            _ => None,
        })
        .collect();

    let mut columns = Vec::with_capacity(table.cols());
    let mut notes = Vec::new();
    let mut feature_names = Vec::new();
    for (c, plan) in plans.iter().enumerate() {
        let name = table.headers[c].clone();
        let kind = match plan {
            Plan::Label => ColumnKind::Label,
            Plan::Numeric { truth: None, .. } => ColumnKind::Numeric,
            Plan::Numeric { truth: Some(_), .. } => ColumnKind::Boolean,
            Plan::Categorical {
                levels,
                missing_level,
            } => ColumnKind::Categorical {
                levels: levels.names.len() + usize::from(*missing_level),
            },
            Plan::Dropped(reason) => {
                notes.push(format!("dropped column '{name}': {reason}"));
                ColumnKind::Dropped {
                    reason: reason.clone(),
                }
            }
        };
        match plan {
            Plan::Numeric { fill, .. } => {
                feature_names.push(name.clone());
                if fill.is_some() {
                    feature_names.push(format!("{name}_missing"));
                }
            }
            Plan::Categorical {
                levels,
                missing_level,
            } => {
                feature_names.extend(levels.names.iter().map(|l| format!("{name}={l}")));
                if *missing_level {
                    feature_names.push(format!("{name}={MISSING_CATEGORY}"));
                }
            }
            _ => {}
        }
        let fill = match plan {
            Plan::Numeric { fill, .. } => fill.map(f64::from),
            _ => None,
        };
        columns.push(ColumnSummary {
            name,
            kind,
            missing: table.columns[c].missing,
            fill,
        });
    }
    if feature_names.is_empty() {
        return Err(Error::Dataset {
            file: table.file.clone(),
            message: "every feature column was dropped (see the notes above: constant, free text, IDs, --ignore or --features); keep at least one column besides the label".into(),
        });
    }

    let x = build_matrix(
        &mut table,
        &plans,
        &bool_levels,
        &keep,
        n,
        feature_names.len(),
    );

    if let Some(biggest) = class_counts.iter().max_by_key(|c| c.count) {
        if biggest.count as f64 > 0.95 * n as f64 {
            notes.push(format!(
                "class '{}' holds {:.1}% of the rows: the loss curve will mostly reflect that class",
                biggest.name,
                100.0 * biggest.count as f64 / n as f64
            ));
        }
    }
    let summary = DataSummary {
        file: table.file.display().to_string(),
        rows: n,
        rows_read: rows,
        rows_dropped: rows - n,
        header: table.has_header,
        header_detected: table.header_detected,
        delimiter: delimiter_name(table.delimiter),
        features: feature_names.len(),
        target: table.headers[t].clone(),
        task: target.task(),
        classes: (!class_counts.is_empty()).then_some(class_counts),
        columns,
        missing: MissingSummary {
            policy: options.missing,
            label_rows_dropped,
            incomplete_rows_dropped,
            filled,
            as_level,
        },
        notes,
        options: options.clone(),
    };
    Ok(Dataset {
        x,
        target,
        feature_names,
        summary,
    })
}

/// How a delimiter is shown to a person.
pub fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".into(),
        b' ' => "space".into(),
        d => char::from(d).to_string(),
    }
}

/// Builds the standardised `n x width` feature matrix inside the table's buffer. Rows are first
/// compacted (dropped rows squeezed out, width unchanged) front to back; then each row is encoded
/// into its final width, front to back when the matrix is narrower than the table and back to
/// front when wider, so no row is overwritten before it has been read.
fn build_matrix(
    table: &mut Table,
    plans: &[Plan],
    bool_levels: &[Option<Levels>],
    keep: &[bool],
    n: usize,
    width: usize,
) -> Array2<f32> {
    let cols = table.cols();
    let mut values = std::mem::take(&mut table.values);
    let mut scratch = vec![0f32; cols];
    let mut out = vec![0f32; width];
    let encode_row = |scratch: &[f32], r: usize, out: &mut [f32]| {
        let mut j = 0;
        for (c, plan) in plans.iter().enumerate() {
            match plan {
                Plan::Numeric { truth, fill } => {
                    let v = match (truth, &bool_levels[c]) {
                        (Some(truth), Some(levels)) => match levels.rows[r] {
                            MISSING_LEVEL => f32::NAN,
                            l => truth[l as usize],
                        },
                        _ => scratch[c],
                    };
                    match fill {
                        Some(fill) => {
                            let missing = v.is_nan();
                            out[j] = if missing { *fill } else { v };
                            out[j + 1] = f32::from(u8::from(missing));
                            j += 2;
                        }
                        None => {
                            out[j] = v;
                            j += 1;
                        }
                    }
                }
                Plan::Categorical {
                    levels,
                    missing_level,
                } => {
                    let k = levels.names.len() + usize::from(*missing_level);
                    out[j..j + k].fill(0.0);
                    match levels.rows[r] {
                        MISSING_LEVEL => out[j + levels.names.len()] = 1.0,
                        l => out[j + l as usize] = 1.0,
                    }
                    j += k;
                }
                Plan::Label | Plan::Dropped(_) => {}
            }
        }
    };
    let kept = || (0..keep.len()).filter(|&r| keep[r]);
    // The common case, numbers only and nothing to fill: each output is a copy of one input.
    let copies: Option<Vec<usize>> = plans
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_used())
        .map(|(c, p)| {
            matches!(
                p,
                Plan::Numeric {
                    truth: None,
                    fill: None
                }
            )
            .then_some(c)
        })
        .collect();
    if let Some(copies) = copies {
        for (k, r) in kept().enumerate() {
            scratch.copy_from_slice(&values[r * cols..(r + 1) * cols]);
            for (o, &c) in values[k * width..(k + 1) * width].iter_mut().zip(&copies) {
                *o = scratch[c];
            }
        }
    } else if width <= cols {
        for (k, r) in kept().enumerate() {
            scratch.copy_from_slice(&values[r * cols..(r + 1) * cols]);
            encode_row(&scratch, r, &mut out);
            values[k * width..(k + 1) * width].copy_from_slice(&out);
        }
    } else {
        for (k, r) in kept().enumerate() {
            values.copy_within(r * cols..(r + 1) * cols, k * cols);
        }
        let len = (n * width).max(values.len());
        values.reserve_exact(len - values.len());
        values.resize(len, 0.0);
        let mut k = n;
        for r in (0..keep.len()).rev().filter(|&r| keep[r]) {
            k -= 1;
            scratch.copy_from_slice(&values[k * cols..(k + 1) * cols]);
            encode_row(&scratch, r, &mut out);
            values[k * width..(k + 1) * width].copy_from_slice(&out);
        }
    }
    values.truncate(n * width);
    values.shrink_to_fit();
    let mut x = Array2::from_shape_vec((n, width), values).expect("n * width values");
    standardise_columns(&mut x);
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::csv::{read, ReadOptions};
    use std::path::Path;

    /// The header, then the body lines repeated until there are at least [`MIN_ROWS`] rows.
    fn csv(header: &str, body: &[&str]) -> String {
        let mut s = format!("{header}\n");
        for i in 0..MIN_ROWS.max(body.len()) {
            s.push_str(body[i % body.len()]);
            s.push('\n');
        }
        s
    }

    fn dataset(s: &str, options: &EncodeOptions) -> Result<Dataset> {
        let table = read(s.as_bytes(), Path::new("t.csv"), &ReadOptions::default())?;
        encode(table, options)
    }

    fn defaults() -> EncodeOptions {
        EncodeOptions::default()
    }

    #[test]
    fn text_label_is_classification_and_text_feature_one_hot() {
        let body = ["1,red,a", "2,blue,b", "3,red,a", "4,green,b", "7,red,b"];
        let d = dataset(&csv("x,colour,y", &body), &defaults()).unwrap();
        assert_eq!(
            d.feature_names,
            ["x", "colour=blue", "colour=green", "colour=red"]
        );
        match &d.target {
            Target::Classes { labels, names } => {
                assert_eq!(names, &["a", "b"]);
                assert_eq!(&labels[..5], &[0, 1, 0, 1, 1]);
            }
            _ => panic!("expected classes"),
        }
        // Standardised: each column has mean 0.
        for col in d.x.columns() {
            assert!(col.sum().abs() < 1e-4);
        }
    }

    #[test]
    fn few_integers_are_classes_many_reals_regression() {
        let d = dataset(&csv("x,y", &["1,0", "2,1", "3,2", "5,1"]), &defaults()).unwrap();
        assert_eq!(d.target.task(), Task::Classification);
        let d = dataset(&csv("x,y", &["1,0.5", "2,1.5", "3,2", "5,1"]), &defaults()).unwrap();
        assert_eq!(d.target.task(), Task::Regression);
        let forced = EncodeOptions {
            task: Some(Task::Regression),
            ..defaults()
        };
        let d = dataset(&csv("x,y", &["1,0", "2,1", "3,2", "5,1"]), &forced).unwrap();
        assert_eq!(d.target.task(), Task::Regression);
    }

    #[test]
    fn regression_target_is_standardised() {
        let d = dataset(
            "x,y\n1,10\n2,20\n3,30\n4,40.5\n5,1\n6,2\n7,3\n8,4\n9,5\n1,6\n",
            &defaults(),
        )
        .unwrap();
        let Target::Values { values, mean, .. } = &d.target else {
            panic!("expected values")
        };
        assert!((mean - 12.15).abs() < 1e-6, "{mean}");
        assert!(values.iter().sum::<f32>().abs() < 1e-5);
    }

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
        let e = dataset(&text, &error).unwrap_err().to_string();
        assert!(
            e.contains("line 3, column 'z'") && e.contains("'NA'"),
            "{e}"
        );
        assert!(e.contains("--missing drop"), "{e}");
    }

    #[test]
    fn identifiers_and_codes_are_dropped_not_one_hot() {
        // Every name distinct; ticket codes that are mostly numbers but with many distinct words.
        let mut s = String::from("name,ticket,x,y\n");
        for i in 0..30 {
            let ticket = if i % 3 == 0 {
                format!("PC {i}")
            } else {
                format!("{}", 1000 + i * 7)
            };
            s += &format!("person {i},{ticket},{},{}\n", (i * 7) % 11, i % 2);
        }
        let d = dataset(&s, &EncodeOptions::default()).unwrap();
        assert_eq!(d.feature_names, ["x"]);
        let reasons: Vec<&str> = d.summary.notes.iter().map(String::as_str).collect();
        assert!(
            reasons
                .iter()
                .any(|n| n.contains("'name'") && n.contains("identifier")),
            "{reasons:?}"
        );
        assert!(
            reasons.iter().any(|n| n.contains("'ticket'")),
            "{reasons:?}"
        );
    }

    #[test]
    fn stray_text_in_numeric_column_is_an_error_with_hint() {
        let e = dataset("a,y\n1,x\n2,y\noops,x\n4,y\n", &defaults())
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 4, column 'a'"), "{e}");
        assert!(
            e.contains("--na-values 'oops'") && e.contains("--missing"),
            "{e}"
        );
    }

    #[test]
    fn single_class_few_rows_and_unknown_target_are_errors() {
        let e = dataset(&csv("a,y", &["1,x", "2,x"]), &defaults())
            .unwrap_err()
            .to_string();
        assert!(e.contains("single class"), "{e}");
        let e = dataset("a,y\n1,x\n2,y\n", &defaults())
            .unwrap_err()
            .to_string();
        assert!(e.contains("only 2 usable rows"), "{e}");
        let options = EncodeOptions {
            target: Some("nope".into()),
            ..defaults()
        };
        let e = dataset("a,y\n1,x\n2,y\n", &options)
            .unwrap_err()
            .to_string();
        assert!(e.contains("the columns are: a, y"), "{e}");
    }

    #[test]
    fn constant_id_and_unnamed_columns_are_dropped() {
        let options = EncodeOptions {
            target: Some("0".into()),
            ..defaults()
        };
        let text = "y,a,k,id,\nx,1,7,1,0\ny,2,7,2,1\nx,3,7,3,2\ny,5,7,4,3\nx,1,7,5,4\ny,2,7,6,5\nx,3,7,7,6\ny,5,7,8,7\nx,1,7,9,8\ny,2,7,10,9\n";
        let d = dataset(text, &options).unwrap();
        assert_eq!(d.summary.target, "y");
        assert_eq!(d.feature_names, ["a"]);
        let notes = d.summary.notes.join("\n");
        assert!(notes.contains("'k': constant"), "{notes}");
        assert!(
            notes.contains("'id': its integers just count the rows"),
            "{notes}"
        );
        assert!(notes.contains("'c4': no name"), "{notes}");
        let keep_id = EncodeOptions {
            features: vec!["id".into()],
            ..options.clone()
        };
        let d = dataset(text, &keep_id).unwrap();
        assert_eq!(d.feature_names, ["id"]);
        let ignore_all = EncodeOptions {
            ignore: vec!["a".into()],
            ..options.clone()
        };
        let e = dataset(text, &ignore_all).unwrap_err().to_string();
        assert!(e.contains("every feature column was dropped"), "{e}");
        let label_as_feature = EncodeOptions {
            features: vec!["y".into()],
            ..options
        };
        let e = dataset(text, &label_as_feature).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Config {
                    setting: Setting::Features,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("label"), "{e}");
    }

    #[test]
    fn boolean_words_become_zero_one_in_any_case() {
        let body = ["yes,1,a", "no,0,b", "YES,1,a", "No,0,b", "true,2,a"];
        let d = dataset(&csv("b,z,y", &body[..4]), &defaults()).unwrap();
        assert_eq!(d.summary.columns[0].kind, ColumnKind::Boolean);
        assert!(d.x[[0, 0]] > 0.0 && d.x[[1, 0]] < 0.0 && d.x[[2, 0]] > 0.0);
        let d = dataset(&csv("b,z,y", &body), &defaults()).unwrap();
        assert_eq!(d.summary.columns[0].kind, ColumnKind::Boolean);
    }

    #[test]
    fn imbalanced_classes_are_noted() {
        let mut text = "x,y\n".to_string();
        for i in 0..40 {
            text.push_str(&format!("{},{}\n", i % 7, if i == 0 { "b" } else { "a" }));
        }
        let d = dataset(&text, &defaults()).unwrap();
        assert!(
            d.summary.notes.iter().any(|n| n.contains("97.5%")),
            "{:?}",
            d.summary.notes
        );
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0, f32::NAN]), Some(2.5));
        assert_eq!(median(vec![f32::NAN]), None);
    }
}
