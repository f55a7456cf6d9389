//! Reading a curve recorded elsewhere: the (LR, loss) pairs of a range test that PyTorch, Keras,
//! JAX or a cluster ran, saved as
//!
//! - CSV or TSV with a header (delimiter `,`, tab or `;`, found from the header line);
//! - a JSON object of arrays, as torch-lr-finder's `lr_finder.history` and Lightning's
//!   `lr_finder.results` are saved (`{"lr": [...], "loss": [...]}`), or a JSON array of objects;
//! - JSON lines, one object per step (`{"lr": 1e-6, "loss": 2.3}`).
//!
//! Columns (or keys) are found by name, case aside: the LR from `lr`, `learning_rate`, `lrs`, or
//! a Lightning LR-monitor name such as `lr-Adam`; the loss from `loss`, `losses`, `train_loss`,
//! `train/loss`, `train_loss_step`, ..., never a validation loss. [`LogOptions`] names them when
//! the guess is wrong. A log whose LR and loss sit on different rows of the same `step` (as
//! Lightning's CSV logger writes them) is joined by step. A file with `run` (and `group`, `curve`)
//! columns, as lrfind's own `--csv` writes, holds one curve per run (its training curves).
//!
//! Python writes non-finite floats as bare `NaN` and `Infinity`, which JSON does not allow; they
//! are read as the non-finite values they are. An infinite loss, or a NaN with no finite loss
//! after it, ends the curve there: it diverged. A NaN followed by finite losses is a step the
//! recorder skipped (Lightning stores NaN for a `training_step` that returned None): it is left
//! out, and the steps keep their places in the recording ([`Sample::step`]). Every problem is an
//! error naming the file, the line (or the element), the column and the value.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use super::rules::{Method, HEADLINE};
use super::{CurveSettings, Sample};
use crate::error::{Error, Location, Message, Result, Setting, Unit};

/// Which columns hold the LR and the loss, when the names do not say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogOptions {
    /// The LR column (or JSON key).
    pub lr_column: Option<String>,
    /// The loss column (or JSON key).
    pub loss_column: Option<String>,
}

/// The format a log was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Comma-, tab- or semicolon-separated values with a header.
    Csv,
    /// One JSON value: an object of arrays or an array of objects.
    Json,
    /// One JSON object per line.
    JsonLines,
}

/// One curve of a log: its samples, in the order recorded, and a name when the log holds several.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRun {
    /// `run 2`, `group a, run 0`, ...; empty for the only curve of a log.
    pub name: String,
    /// The samples; the last one's loss is non-finite when the recording diverged that way.
    pub samples: Vec<Sample>,
}

/// A log, read.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The file as the user named it.
    pub file: String,
    /// How it was read.
    pub format: Format,
    /// The column the LR came from.
    pub lr_column: String,
    /// The column the loss came from.
    pub loss_column: String,
    /// Every curve (one, unless the log has a `run` column).
    pub runs: Vec<RecordedRun>,
    /// What was decided while reading (rows skipped, a column chosen among several).
    pub notes: Vec<String>,
}

/// How recorded curves are read.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ReadConfig {
    /// The smoother's width and the divergence threshold.
    #[serde(flatten)]
    pub curve: CurveSettings,
    /// The rule behind the suggested LR.
    pub rule: Method,
    /// The EMA factor the recorder already smoothed the loss with, undone before reading
    /// ([`super::recorder::Smoothing::of_factor`]); 0: the loss is raw; `None`: recognised from
    /// the curve ([`super::recorder::recognise`]).
    pub smoothed_by: Option<f64>,
}

impl Default for ReadConfig {
    fn default() -> Self {
        ReadConfig {
            curve: CurveSettings::default(),
            rule: HEADLINE,
            smoothed_by: None,
        }
    }
}

impl ReadConfig {
    /// Checks every value once.
    pub fn validate(&self) -> Result<()> {
        self.curve.validate()?;
        if let Some(b) = self.smoothed_by {
            check_smoothed_by(b)?;
        }
        Ok(())
    }
}

/// Fewer points than this cannot be a curve.
pub const MIN_SAMPLES: usize = 2;

/// Reads the log at `path` (`-`: standard input; a name ending in `.gz` is decompressed).
pub fn read_path(path: &Path, options: &LogOptions) -> Result<Recorded> {
    let io = |source| Error::Io {
        file: path.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(io)?;
    } else {
        let file = std::fs::File::open(path).map_err(io)?;
        let gz = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
        if gz {
            flate2::read::MultiGzDecoder::new(file)
                .read_to_end(&mut bytes)
                .map_err(io)?;
        } else {
            std::io::BufReader::new(file)
                .read_to_end(&mut bytes)
                .map_err(io)?;
        }
    }
    let name = if path.as_os_str() == "-" {
        Path::new("<stdin>")
    } else {
        path
    };
    read(&bytes, name, options)
}

/// A log of (LR, loss) pairs given in the order recorded, checked as a file would be.
pub fn from_pairs(name: &Path, pairs: &[(f64, f64)]) -> Result<Recorded> {
    let cell = |v: f64| {
        if v.is_finite() {
            Cell::Number(v)
        } else {
            Cell::NonFinite(v)
        }
    };
    Table {
        format: Format::Json,
        columns: vec!["lr".into(), "loss".into()],
        rows: pairs
            .iter()
            .map(|&(lr, loss)| vec![cell(lr), cell(loss)])
            .collect(),
        origins: (0..pairs.len()).map(Origin::Element).collect(),
    }
    .into_recorded(name, &LogOptions::default())
}

/// Reads a log from its bytes; `name` is used in messages.
pub fn read(bytes: &[u8], name: &Path, options: &LogOptions) -> Result<Recorded> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        Error::data(
            location(name, line, None),
            "the file is not valid UTF-8; save it as UTF-8 text (CSV or JSON)",
        )
    })?;
    let first = text.trim_start().chars().next();
    let table = match first {
        None => {
            return Err(Error::dataset(
                name,
                "the file is empty; lrfind analyze needs a recorded (LR, loss) curve",
            ))
        }
        Some('{') if is_json_lines(text) => json_lines(text, name)?,
        Some('{') | Some('[') => json(text, name)?,
        Some(_) => csv_table(text, name)?,
    };
    table.into_recorded(name, options)
}

/// Whether a text starting with `{` is JSON lines: its first line is a whole object.
fn is_json_lines(text: &str) -> bool {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    match (lines.next(), lines.next()) {
        (Some(first), Some(second)) => {
            second.starts_with('{') && serde_json::from_str::<Value>(&sanitise(first)).is_ok()
        }
        _ => false,
    }
}

/// A value of a log's cell: a number, a value written as NaN or infinite (kept, since a NaN can
/// be a skipped step and an infinity never is), missing, or text that is none of these.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Number(f64),
    NonFinite(f64),
    Missing,
    Text(String),
}

/// A log as columns of cells, whatever its format, with where each row came from.
#[derive(Debug, Clone, PartialEq)]
struct Table {
    format: Format,
    columns: Vec<String>,
    rows: Vec<Vec<Cell>>,
    /// For each row: its line in the file (CSV, JSON lines), or its element index (JSON).
    origins: Vec<Origin>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Origin {
    Line(u64),
    Element(usize),
}

fn location(name: &Path, line: u64, column: Option<&str>) -> Location {
    Location {
        file: name.to_path_buf(),
        line,
        unit: Unit::Line,
        column: column.map(String::from),
    }
}

fn cell_of_text(s: &str) -> Cell {
    let t = s.trim();
    match t.to_ascii_lowercase().as_str() {
        "" | "na" | "null" | "none" => Cell::Missing,
        "nan" | "-nan" => Cell::NonFinite(f64::NAN),
        "inf" | "+inf" | "infinity" | "+infinity" => Cell::NonFinite(f64::INFINITY),
        "-inf" | "-infinity" => Cell::NonFinite(f64::NEG_INFINITY),
        _ => match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Cell::Number(v),
            Ok(v) => Cell::NonFinite(v),
            Err(_) => Cell::Text(t.to_string()),
        },
    }
}

fn cell_of_json(v: &Value) -> Cell {
    match v {
        Value::Number(n) => n.as_f64().map_or(Cell::Missing, Cell::Number),
        Value::Null => Cell::Missing,
        Value::String(s) => cell_of_text(s),
        Value::Bool(b) => Cell::Text(b.to_string()),
        other => Cell::Text(other.to_string()),
    }
}

fn csv_table(text: &str, name: &Path) -> Result<Table> {
    let header = text.lines().next().unwrap_or("");
    let delimiter = [b',', b'\t', b';']
        .into_iter()
        .max_by_key(|d| header.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let malformed = |e: csv::Error| {
        let line = e.position().map_or(0, |p| p.line());
        let message = match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!(
                "this row has {len} fields but the header has {expected_len}; every row needs one value per column"
            ),
            other => format!("malformed CSV: {other:?}"),
        };
        Error::data(location(name, line, None), message)
    };
    let columns: Vec<String> = reader
        .headers()
        .map_err(malformed)?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    let mut origins = Vec::new();
    for record in reader.records() {
        let record = record.map_err(malformed)?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        origins.push(Origin::Line(record.position().map_or(0, |p| p.line())));
        rows.push(record.iter().map(cell_of_text).collect());
    }
    Ok(Table {
        format: Format::Csv,
        columns,
        rows,
        origins,
    })
}

/// Python's `json.dump` writes non-finite floats as bare `NaN`, `Infinity` and `-Infinity`;
/// outside strings, they become the strings `"NaN"`, `"Infinity"` and `"-Infinity"` (read as
/// those values) so that the JSON parses.
fn sanitise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_string {
            in_string = c != '"' || escaped;
            escaped = c == '\\' && !escaped;
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let token = ["-Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|t| rest.starts_with(t));
        match token {
            Some(t) => {
                out.push('"');
                out.push_str(t);
                out.push('"');
                rest = &rest[t.len()..];
            }
            None => {
                in_string = c == '"';
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

fn json_error(name: &Path, e: &serde_json::Error, line_offset: u64) -> Error {
    Error::data(
        location(name, line_offset + e.line() as u64, None),
        format!("malformed JSON: {e}"),
    )
}

fn json(text: &str, name: &Path) -> Result<Table> {
    let value: Value =
        serde_json::from_str(&sanitise(text)).map_err(|e| json_error(name, &e, 0))?;
    match value {
        // An object of arrays: one column per key whose value is an array.
        Value::Object(map) => {
            let arrays: Vec<(String, Vec<Value>)> = map
                .into_iter()
                .filter_map(|(k, v)| match v {
                    Value::Array(a) => Some((k, a)),
                    _ => None,
                })
                .collect();
            if arrays.is_empty() {
                return Err(Error::dataset(
                    name,
                    "the JSON object holds no arrays; lrfind analyze reads {\"lr\": [...], \"loss\": [...]}",
                ));
            }
            let n = arrays.iter().map(|(_, a)| a.len()).max().unwrap_or(0);
            let rows = (0..n)
                .map(|i| {
                    arrays
                        .iter()
                        .map(|(_, a)| a.get(i).map_or(Cell::Missing, cell_of_json))
                        .collect()
                })
                .collect();
            Ok(Table {
                format: Format::Json,
                columns: arrays.into_iter().map(|(k, _)| k).collect(),
                rows,
                origins: (0..n).map(Origin::Element).collect(),
            })
        }
        // An array of objects: one row per object.
        Value::Array(items) => {
            let objects: Vec<(Origin, serde_json::Map<String, Value>)> = items
                .into_iter()
                .enumerate()
                .filter_map(|(i, v)| match v {
                    Value::Object(o) => Some((Origin::Element(i), o)),
                    _ => None,
                })
                .collect();
            Ok(rows_of_objects(Format::Json, objects))
        }
        _ => Err(Error::dataset(
            name,
            "the JSON is neither an object of arrays nor an array of objects",
        )),
    }
}

fn json_lines(text: &str, name: &Path) -> Result<Table> {
    let mut objects = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(&sanitise(line)) {
            Ok(Value::Object(o)) => objects.push((Origin::Line(line_no), o)),
            Ok(_) => {
                return Err(Error::data(
                    location(name, line_no, None),
                    "this line is not a JSON object; JSON lines hold one {\"lr\": ..., \"loss\": ...} per line",
                ))
            }
            Err(e) => return Err(json_error(name, &e, i as u64)),
        }
    }
    Ok(rows_of_objects(Format::JsonLines, objects))
}

/// Rows from objects: the columns are every key seen, in order of first appearance.
fn rows_of_objects(
    format: Format,
    objects: Vec<(Origin, serde_json::Map<String, Value>)>,
) -> Table {
    let mut columns: Vec<String> = Vec::new();
    for (_, o) in &objects {
        for k in o.keys() {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
    }
    let rows = objects
        .iter()
        .map(|(_, o)| {
            columns
                .iter()
                .map(|c| o.get(c).map_or(Cell::Missing, cell_of_json))
                .collect()
        })
        .collect();
    Table {
        format,
        columns,
        origins: objects.iter().map(|(origin, _)| *origin).collect(),
        rows,
    }
}

/// How well a column name says "learning rate": lower is better, `None` not at all.
fn lr_rank(name: &str) -> Option<u8> {
    let n = name.trim().to_ascii_lowercase();
    match n.as_str() {
        "lr" => Some(0),
        "learning_rate" | "learning rate" | "learningrate" | "learning-rate" => Some(1),
        "lrs" => Some(2),
        _ if ["lr-", "lr_", "lr/", "lr "]
            .iter()
            .any(|p| n.starts_with(p)) =>
        {
            Some(3)
        }
        _ if n.ends_with("/lr") || n.ends_with("_lr") || n.ends_with("learning_rate") => Some(4),
        _ => None,
    }
}

/// How well a column name says "training loss": lower is better, `None` not at all (a
/// validation or test loss never is).
fn loss_rank(name: &str) -> Option<u8> {
    let n = name.trim().to_ascii_lowercase();
    if ["val", "valid", "test", "eval"].iter().any(|w| {
        n.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|p| p == *w)
    }) || n.starts_with("val")
    {
        return None;
    }
    match n.as_str() {
        "loss" => Some(0),
        "losses" | "train_loss" | "train/loss" | "training_loss" | "train loss" => Some(1),
        "train_loss_step" | "loss_step" | "train/loss_step" | "train_loss_epoch" => Some(2),
        _ if n.contains("loss") => Some(3),
        _ => None,
    }
}

/// The column `spec` names (exact, then case aside), or the best-ranked one.
fn find_column(
    columns: &[String],
    spec: Option<&str>,
    rank: fn(&str) -> Option<u8>,
    setting: Setting,
    what: &str,
    name: &Path,
    notes: &mut Vec<String>,
) -> Result<usize> {
    let listing = || columns.join(", ");
    if let Some(spec) = spec {
        return columns
            .iter()
            .position(|c| c == spec)
            .or_else(|| columns.iter().position(|c| c.eq_ignore_ascii_case(spec)))
            .ok_or_else(|| {
                Error::config(
                    setting,
                    format!(
                        "no column '{spec}' in {}; the columns are: {}",
                        name.display(),
                        listing()
                    ),
                )
            });
    }
    let mut ranked: Vec<(u8, usize)> = columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| rank(c).map(|r| (r, i)))
        .collect();
    ranked.sort();
    match ranked.as_slice() {
        [] => Err(Error::dataset(
            name,
            Message::new(format!(
                "no {what} column found among: {}; name it with ",
                listing()
            ))
            .setting(setting),
        )),
        [(best, i), rest @ ..] => {
            let ties: Vec<&str> = rest
                .iter()
                .filter(|(r, _)| r == best)
                .map(|(_, j)| columns[*j].as_str())
                .collect();
            if !ties.is_empty() {
                notes.push(format!(
                    "read the {what} from '{}'; also found {} (choose another with the {} setting)",
                    columns[*i],
                    ties.join(", "),
                    setting.key()
                ));
            }
            Ok(*i)
        }
    }
}

impl Table {
    fn column(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
    }

    fn describe(&self, origin: Origin) -> (u64, String) {
        match origin {
            Origin::Line(l) => (l, String::new()),
            Origin::Element(i) => (0, format!(" (element {i})")),
        }
    }

    /// A cell that should be an LR but is not: where it is and what it holds.
    fn bad_cell(&self, name: &Path, row: usize, column: usize, message: String) -> Error {
        let (line, element) = self.describe(self.origins[row]);
        if line == 0 {
            Error::dataset(
                name,
                format!("column '{}'{element}: {message}", self.columns[column]),
            )
        } else {
            Error::data(location(name, line, Some(&self.columns[column])), message)
        }
    }

    fn into_recorded(self, name: &Path, options: &LogOptions) -> Result<Recorded> {
        let mut notes = Vec::new();
        let lr_col = find_column(
            &self.columns,
            options.lr_column.as_deref(),
            lr_rank,
            Setting::LrColumn,
            "learning-rate",
            name,
            &mut notes,
        )?;
        let loss_col = find_column(
            &self.columns,
            options.loss_column.as_deref(),
            loss_rank,
            Setting::LossColumn,
            "loss",
            name,
            &mut notes,
        )?;
        if lr_col == loss_col {
            return Err(Error::config(
                Setting::LossColumn,
                format!(
                    "the LR and the loss cannot both come from '{}'",
                    self.columns[lr_col]
                ),
            ));
        }
        // lrfind's own long CSV: keep the training curves, one per (group, run).
        let curve_col = self.column("curve");
        let run_cols: Vec<usize> = ["group", "run"]
            .iter()
            .filter_map(|c| self.column(c))
            .collect();
        // Rows grouped by (group, run), in order of first appearance.
        let mut runs: Vec<(Vec<String>, Vec<usize>)> = Vec::new();
        for (r, row) in self.rows.iter().enumerate() {
            if let Some(c) = curve_col {
                if matches!(&row[c], Cell::Text(t) if t != "train") {
                    continue;
                }
            }
            let key: Vec<String> = run_cols
                .iter()
                .map(|&c| match &row[c] {
                    Cell::Number(v) => v.to_string(),
                    Cell::Text(t) => t.clone(),
                    Cell::Missing | Cell::NonFinite(_) => String::new(),
                })
                .collect();
            match runs.iter_mut().find(|(k, _)| *k == key) {
                Some((_, rows)) => rows.push(r),
                None => runs.push((key, vec![r])),
            }
        }
        let names: Vec<&str> = run_cols.iter().map(|&c| self.columns[c].as_str()).collect();
        let mut out = Vec::new();
        for (key, rows) in &runs {
            let samples = self.samples(name, rows, lr_col, loss_col, &mut notes)?;
            let label = if runs.len() == 1 {
                String::new()
            } else {
                names
                    .iter()
                    .zip(key)
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(n, v)| format!("{n} {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            out.push(RecordedRun {
                name: label,
                samples,
            });
        }
        if out.is_empty() {
            return Err(Error::dataset(
                name,
                "the file has a header but no data rows",
            ));
        }
        Ok(Recorded {
            file: name.display().to_string(),
            format: self.format,
            lr_column: self.columns[lr_col].clone(),
            loss_column: self.columns[loss_col].clone(),
            runs: out,
            notes,
        })
    }

    /// The samples of `rows`: every row with both an LR and a loss, in order, checked.
    fn samples(
        &self,
        name: &Path,
        rows: &[usize],
        lr_col: usize,
        loss_col: usize,
        notes: &mut Vec<String>,
    ) -> Result<Vec<Sample>> {
        let step_col = self.column("step");
        let mut pairs: Vec<(usize, f64, f64)> = Vec::new();
        let mut half = 0;
        for &r in rows {
            let lr = self.number(name, r, lr_col, "a learning rate")?;
            let loss = self.number(name, r, loss_col, "a loss")?;
            match (lr, loss) {
                (Some(lr), Some(loss)) => pairs.push((r, lr, loss)),
                _ => half += 1,
            }
        }
        if pairs.len() < MIN_SAMPLES && half > 0 {
            if let Some(step) = step_col {
                pairs = self.joined_by_step(rows, step, lr_col, loss_col);
                notes.push(format!(
                    "the LR and the loss are on different rows; joined them by '{}'",
                    self.columns[step]
                ));
                half = 0;
            }
        }
        if half > 0 {
            notes.push(format!(
                "{half} rows without both an LR and a loss were skipped"
            ));
        }
        if pairs.len() < MIN_SAMPLES {
            return Err(Error::dataset(
                name,
                format!(
                    "only {} point(s) with both an LR ('{}') and a loss ('{}'); a range test records one per step",
                    pairs.len(),
                    self.columns[lr_col],
                    self.columns[loss_col]
                ),
            ));
        }
        // A NaN with a finite loss after it is a skipped step; the last finite loss tells.
        let last_finite = pairs.iter().rposition(|p| p.2.is_finite());
        let mut samples = Vec::with_capacity(pairs.len());
        let mut skipped = 0;
        let mut previous: Option<f64> = None;
        for (i, &(r, lr, loss)) in pairs.iter().enumerate() {
            if !(lr.is_finite() && lr > 0.0) {
                return Err(self.bad_cell(
                    name,
                    r,
                    lr_col,
                    format!("{lr} is not a learning rate: it must be a finite number above 0"),
                ));
            }
            if let Some(p) = previous.filter(|&p| lr < p) {
                return Err(self.bad_cell(
                    name,
                    r,
                    lr_col,
                    format!(
                        "the LR falls from {p} to {lr}; a range test's LR grows at every step (is this a training log rather than a range test?)"
                    ),
                ));
            }
            if i == 0 && !loss.is_finite() {
                return Err(self.bad_cell(
                    name,
                    r,
                    loss_col,
                    "the first loss is not a number, so there is no curve to read".to_string(),
                ));
            }
            previous = Some(lr);
            if loss.is_nan() && last_finite.is_some_and(|f| f > i) {
                skipped += 1;
                continue;
            }
            samples.push(Sample { step: i, lr, loss });
            if !loss.is_finite() {
                // The recording diverged here; what follows is not a curve.
                if i + 1 < pairs.len() {
                    notes.push(format!(
                        "the loss is not a number at LR {lr:e}; the {} points after it were not read",
                        pairs.len() - i - 1
                    ));
                }
                break;
            }
        }
        if skipped > 0 {
            notes.push(format!(
                "{skipped} losses are NaN between finite ones: read as steps the recorder skipped (as Lightning stores a training_step that returned None), not as a divergence"
            ));
        }
        Ok(samples)
    }

    /// Pairs the LR and the loss of the same step, for logs that write them on separate rows.
    /// The number in row `r`, column `c` (NaN or infinite as written, `None` when missing),
    /// or an error saying it is not `what`.
    fn number(&self, name: &Path, r: usize, c: usize, what: &str) -> Result<Option<f64>> {
        match &self.rows[r][c] {
            Cell::Number(v) => Ok(Some(*v)),
            Cell::NonFinite(v) => Ok(Some(*v)),
            Cell::Missing => Ok(None),
            Cell::Text(t) => {
                Err(self.bad_cell(name, r, c, format!("'{t}' is not {what} (a number)")))
            }
        }
    }

    fn joined_by_step(
        &self,
        rows: &[usize],
        step_col: usize,
        lr_col: usize,
        loss_col: usize,
    ) -> Vec<(usize, f64, f64)> {
        let mut lrs: BTreeMap<i64, (usize, f64)> = BTreeMap::new();
        let mut losses: BTreeMap<i64, f64> = BTreeMap::new();
        for &r in rows {
            let row = &self.rows[r];
            let Cell::Number(step) = row[step_col] else {
                continue;
            };
            let step = step as i64;
            if let Cell::Number(lr) = row[lr_col] {
                lrs.entry(step).or_insert((r, lr));
            }
            if let Cell::Number(loss) = row[loss_col] {
                losses.entry(step).or_insert(loss);
            }
        }
        lrs.into_iter()
            .filter_map(|(step, (r, lr))| losses.get(&step).map(|&loss| (r, lr, loss)))
            .collect()
    }
}

/// Checks a `smoothed_by` factor: 0 (the loss is raw: recognise nothing), or in (0, 1).
pub fn check_smoothed_by(b: f64) -> Result<()> {
    if b.is_finite() && (0.0..1.0).contains(&b) {
        Ok(())
    } else {
        Err(Error::config(
            Setting::SmoothedBy,
            format!(
                "{b} is not an EMA factor in (0, 1): give torch-lr-finder's smooth_f (0.05), fastai's and Lightning's beta (0.98), or 0 for a raw loss"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(s: &str) -> Result<Recorded> {
        read(s.as_bytes(), Path::new("log"), &LogOptions::default())
    }

    fn losses(r: &Recorded) -> Vec<f64> {
        r.runs[0].samples.iter().map(|s| s.loss).collect()
    }

    #[test]
    fn csv_tsv_json_and_json_lines_read_the_same_curve() {
        let csv = "lr,loss\n1e-5,2.3\n1e-4,2.1\n1e-3,1.5\n";
        let tsv = "step\tlearning_rate\ttrain_loss\n0\t1e-5\t2.3\n1\t1e-4\t2.1\n2\t1e-3\t1.5\n";
        let json = r#"{"lr": [1e-5, 1e-4, 1e-3], "loss": [2.3, 2.1, 1.5]}"#;
        let array =
            r#"[{"lr": 1e-5, "loss": 2.3}, {"lr": 1e-4, "loss": 2.1}, {"lr": 1e-3, "loss": 1.5}]"#;
        let lines = "{\"lr\": 1e-5, \"loss\": 2.3}\n{\"lr\": 1e-4, \"loss\": 2.1}\n{\"lr\": 1e-3, \"loss\": 1.5}\n";
        let reference = read_str(csv).unwrap();
        assert_eq!(reference.format, Format::Csv);
        for (text, format) in [
            (tsv, Format::Csv),
            (json, Format::Json),
            (array, Format::Json),
            (lines, Format::JsonLines),
        ] {
            let r = read_str(text).unwrap();
            assert_eq!(r.format, format, "{text}");
            assert_eq!(r.runs, reference.runs, "{text}");
        }
    }

    #[test]
    fn columns_are_found_by_name_and_validation_losses_are_not_taken() {
        let r = read_str("epoch,val_loss,lr-Adam,train/loss\n0,9,1e-3,2\n1,9,1e-2,1\n").unwrap();
        assert_eq!(
            (r.lr_column.as_str(), r.loss_column.as_str()),
            ("lr-Adam", "train/loss")
        );
        let chosen = read(
            b"a,b\n1e-3,2\n1e-2,1\n",
            Path::new("log"),
            &LogOptions {
                lr_column: Some("a".into()),
                loss_column: Some("B".into()),
            },
        )
        .unwrap();
        assert_eq!(losses(&chosen), [2.0, 1.0]);
        let e = read_str("a,b\n1,2\n3,4\n").unwrap_err();
        assert!(matches!(e, Error::Dataset { .. }), "{e}");
        assert!(e.to_string().contains("lr_column"), "{e}");
    }

    #[test]
    fn a_trailing_nan_or_an_infinity_ends_the_curve() {
        let r =
            read_str(r#"{"lr": [1e-4, 1e-3, 1e-2, 1e-1], "loss": [2.0, 1.0, NaN, NaN]}"#).unwrap();
        let l = losses(&r);
        assert_eq!(l.len(), 3);
        assert!(l[2].is_nan());
        assert!(
            r.notes.iter().any(|n| n.contains("not a number")),
            "{:?}",
            r.notes
        );
        let r = read_str("lr,loss\n1e-4,2\n1e-3,1\n1e-2,inf\n1e-1,3\n").unwrap();
        assert_eq!(losses(&r)[..2], [2.0, 1.0]);
        assert_eq!(losses(&r)[2], f64::INFINITY);
        assert_eq!(losses(&r).len(), 3);
        let r = read_str(r#"{"lr": [1e-4, 1e-3, 1e-2], "loss": [2.0, Infinity, 3.0]}"#).unwrap();
        assert_eq!(losses(&r), [2.0, f64::INFINITY]);
        // An empty loss is missing, not a divergence: the row is skipped.
        let r = read_str("lr,loss\n1e-4,2\n1e-3,\n1e-2,1\n").unwrap();
        assert_eq!(losses(&r), [2.0, 1.0]);
    }

    /// Lightning stores NaN for a step whose training_step returned None: with finite losses
    /// after it, it is a skipped step, left out with its place kept, not a divergence.
    #[test]
    fn a_nan_between_finite_losses_is_a_skipped_step() {
        let r =
            read_str(r#"{"lr": [1e-4, 1e-3, 1e-2, 1e-1, 1], "loss": [2.0, NaN, 1.0, NaN, 3.0]}"#)
                .unwrap();
        assert_eq!(losses(&r), [2.0, 1.0, 3.0]);
        let steps: Vec<usize> = r.runs[0].samples.iter().map(|s| s.step).collect();
        assert_eq!(steps, [0, 2, 4]);
        assert!(
            r.notes
                .iter()
                .any(|n| n.contains("2 losses are NaN between finite ones")),
            "{:?}",
            r.notes
        );
    }

    #[test]
    fn bad_logs_say_where_and_what() {
        let e = read_str("lr,loss\n1e-4,2\n-1e-3,1\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("log, line 3, column 'lr'") && e.contains("-0.001"),
            "{e}"
        );
        let e = read_str("lr,loss\n1e-3,2\n1e-4,1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("falls from"), "{e}");
        let e = read_str("lr,loss\n1e-4,2\n1e-3,oops\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("column 'loss'") && e.contains("'oops'"), "{e}");
        let e = read_str("lr,loss\n1e-4,2\n").unwrap_err().to_string();
        assert!(e.contains("only 1 point"), "{e}");
        let e = read_str("lr,loss\n1e-4,NaN\n1e-3,1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("first loss"), "{e}");
        let e = read_str(r#"{"lr": [1e-3, 0], "loss": [1, 2]}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("column 'lr' (element 1)"), "{e}");
        let e = read_str("{\"lr\": 1e-3, \"loss\": 1}\n{\"lr\": oops}\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("malformed JSON"), "{e}");
        let e = read_str("lr,loss\n1e-4,2\n1e-3\n").unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("fields"), "{e}");
        assert!(read_str("").is_err());
        assert!(read(
            b"lr,loss\n\xff\xfe,1\n",
            Path::new("log"),
            &LogOptions::default()
        )
        .is_err());
    }

    #[test]
    fn lrfinds_own_long_csv_gives_one_curve_per_run() {
        let text = "group,run,seed,curve,step,lr,loss,smoothed_loss\n\
                    ,0,0,train,0,1e-4,2,2\n,0,0,train,1,1e-3,1,1\n,0,0,val,0,1e-4,9,9\n\
                    ,1,1,train,0,1e-4,3,3\n,1,1,train,1,1e-3,2,2\n";
        let r = read_str(text).unwrap();
        assert_eq!(r.runs.len(), 2);
        assert_eq!(r.runs[0].name, "run 0");
        assert_eq!(losses(&r), [2.0, 1.0]);
        assert_eq!(r.runs[1].samples[1].loss, 2.0);
    }

    #[test]
    fn lr_and_loss_on_separate_rows_are_joined_by_step() {
        let text =
            "step,lr-SGD,train_loss_step\n0,1e-4,\n0,,2.0\n1,1e-3,\n1,,1.5\n2,1e-2,\n2,,1.0\n";
        let r = read_str(text).unwrap();
        assert_eq!(losses(&r), [2.0, 1.5, 1.0]);
        assert!(r.notes.iter().any(|n| n.contains("joined")));
    }

    #[test]
    fn smoothed_by_is_zero_or_a_factor() {
        assert!(check_smoothed_by(0.0).is_ok() && check_smoothed_by(0.05).is_ok());
        for bad in [1.0, -0.1, f64::NAN] {
            assert!(check_smoothed_by(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sanitise_leaves_strings_alone() {
        assert_eq!(
            sanitise(r#"{"a NaN": [NaN, -Infinity, Infinity, "NaN"]}"#),
            r#"{"a NaN": ["NaN", "-Infinity", "Infinity", "NaN"]}"#
        );
    }
}
