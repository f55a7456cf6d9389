//! The report of `lrfind schedule`: one schedule's table, several side by side, or a race of them
//! by training, with where the LR and the step count came from. Its writers (text, JSON, CSV)
//! live here; the PNG is `schedule_plot`. Writers turn the report into bytes and never compute a
//! schedule's LR themselves beyond reading its table.
//!
//! The CSV of one schedule is `step,lr` (`step,lr,momentum` when the schedule has a momentum),
//! every number written in full (`{:e}`, the shortest text that reads back as the same f64), so a
//! script gets the exact LR. Several schedules give `kind,step,lr,momentum`; a race gives one row
//! per run (`kind,seed,peak_lr,initial_loss,best_loss,final_loss,diverged,steps,seconds`).

use std::fmt::Write;

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::{fmt_lr, ModelSummary, Naming, WorkerSummary};
use crate::data::DataSummary;
use crate::error::Setting;
use crate::optim::OptimizerConfig;
use crate::schedule::{LrSchedule, Row, Schedule, ScheduleKind, Summary};
use crate::train::schedule_race::{reads, Entrant, PeakRule, ScheduleRace};

/// Where the peak LR came from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "from", rename_all = "kebab-case")]
pub enum LrSource {
    /// `--lr`.
    Given {
        /// The LR.
        lr: f64,
    },
    /// A range test on the CSV.
    RangeTest {
        /// lrfind's suggested LR.
        suggested_lr: Option<f64>,
        /// The LR of the curve's lowest smoothed loss.
        minimum_lr: Option<f64>,
        /// Where the loss diverged.
        divergence_lr: Option<f64>,
        /// Range tests run (the readings are their medians).
        runs: usize,
    },
}

/// Where the step count came from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "from", rename_all = "kebab-case")]
pub enum StepsSource {
    /// `--steps`.
    Given,
    /// Epochs over the CSV's training rows: `max(epochs * ceil(train_rows / batch_size),
    /// min_steps)`.
    Epochs {
        /// Passes over the training rows.
        epochs: usize,
        /// Steps at least (0 when `--epochs` was given).
        min_steps: usize,
        /// Rows trained on (the CSV's, less those held out).
        train_rows: usize,
        /// The fraction held out, when lrfind holds it out (a worker holds out its own).
        val_split: Option<f64>,
        /// Rows per batch.
        batch_size: usize,
        /// `ceil(train_rows / batch_size)`.
        batches_per_epoch: usize,
    },
}

/// One schedule of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleEntry {
    /// The built schedule (or the plateau's settings).
    pub entrant: Entrant,
    /// Where its LR came from.
    pub rule: PeakRule,
    /// The settings lrfind filled from the run's length.
    pub filled: Vec<Setting>,
}

impl ScheduleEntry {
    /// Which kind.
    pub fn kind(&self) -> ScheduleKind {
        self.entrant.kind()
    }

    /// The table, when the schedule has one.
    pub fn schedule(&self) -> Option<&Schedule> {
        match &self.entrant {
            Entrant::Table(s) => Some(s),
            Entrant::Plateau(_) => None,
        }
    }

    /// The LR given to the schedule: the peak, or the start of one that only decays.
    pub fn lr(&self) -> f64 {
        config_value(&self.entrant)["lr"]
            .as_f64()
            .expect("every schedule has an LR")
    }

    /// Every setting the kind reads with its value (defaults included), as `(setting, value)`
    /// in the command line's spelling: `3e-4`, `500,800`, `true`.
    pub fn settings(&self) -> Vec<(Setting, String)> {
        let config = config_value(&self.entrant);
        reads(self.kind())
            .into_iter()
            .filter_map(|s| {
                let v = config.get(s.key())?;
                let text = match v {
                    Value::Null => return None,
                    Value::Array(items) => {
                        items.iter().map(value_text).collect::<Vec<_>>().join(",")
                    }
                    other => value_text(other),
                };
                Some((s, text))
            })
            .collect()
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(x) if n.is_f64() => short(x),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// The shorter of `x`'s plain and scientific forms, each exact: `0.1`, `1e-8`, `10000`.
fn short(x: f64) -> String {
    let (plain, sci) = (format!("{x}"), format!("{x:e}"));
    if sci.len() < plain.len() {
        sci
    } else {
        plain
    }
}

/// A built schedule's settings as JSON: its config, as the library names the fields.
pub fn config_value(entrant: &Entrant) -> Value {
    let v = match entrant {
        Entrant::Plateau(c) => serde_json::to_value(c),
        Entrant::Table(s) => match s {
            Schedule::Constant(c) => {
                let c = c.config();
                Ok(json!({"lr": c.lr, "steps": c.steps}))
            }
            Schedule::OneCycle(x) => serde_json::to_value(x.config()),
            Schedule::Cosine(x) => serde_json::to_value(x.config()),
            Schedule::CosineRestarts(x) => serde_json::to_value(x.config()),
            Schedule::Exponential(x) => serde_json::to_value(x.config()),
            Schedule::Step(x) => serde_json::to_value(x.config()),
            Schedule::MultiStep(x) => serde_json::to_value(x.config()),
            Schedule::Piecewise(x) => serde_json::to_value(x.config()),
            Schedule::Poly(x) => serde_json::to_value(x.config()),
            Schedule::InverseTime(x) => serde_json::to_value(x.config()),
            Schedule::Cyclic(x) => serde_json::to_value(x.config()),
            Schedule::Wsd(x) => serde_json::to_value(x.config()),
        },
    };
    v.expect("a schedule's config always serialises")
}

/// Everything `lrfind schedule` found.
#[derive(Debug, Clone)]
pub struct ScheduleReport {
    /// lrfind's version.
    pub version: String,
    /// What was made of the CSV, when one was given.
    pub data: Option<DataSummary>,
    /// The model of the range test and the race, when lrfind trained.
    pub model: Option<ModelSummary>,
    /// Its optimizer, when lrfind trained.
    pub optimizer: Option<OptimizerConfig>,
    /// Rows per batch, when lrfind trained.
    pub batch_size: Option<usize>,
    /// The worker, when a user's training was driven (`lrfind schedule -- COMMAND`).
    pub worker: Option<WorkerSummary>,
    /// Where the LR came from.
    pub lr_source: LrSource,
    /// Steps of the run.
    pub steps: usize,
    /// Where the step count came from.
    pub steps_source: StepsSource,
    /// Every schedule (one unless several were asked for with `--race`).
    pub entries: Vec<ScheduleEntry>,
    /// Whether several kinds were asked for (`--race`), even if one.
    pub several: bool,
    /// The race, when one was trained.
    pub race: Option<ScheduleRace>,
    /// What was decided along the way.
    pub notes: Vec<String>,
}

impl ScheduleReport {
    /// Whether the report is one schedule's table.
    pub fn single(&self) -> bool {
        !self.several && self.entries.len() == 1 && self.race.is_none()
    }

    /// The entry of `kind`.
    pub fn entry(&self, kind: ScheduleKind) -> Option<&ScheduleEntry> {
        self.entries.iter().find(|e| e.kind() == kind)
    }
}

/// `x` as a CSV field that reads back exactly.
fn exact(x: f64) -> String {
    format!("{x:e}")
}

/// The report as CSV bytes (see the module comment for the columns).
pub fn schedule_csv(report: &ScheduleReport) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut row = |fields: &[String]| w.write_record(fields).expect("writing to memory");
    if let Some(race) = &report.race {
        row(&[
            "kind",
            "seed",
            "peak_lr",
            "initial_loss",
            "best_loss",
            "final_loss",
            "diverged",
            "steps",
            "seconds",
        ]
        .map(String::from));
        for e in &race.entries {
            for r in &e.runs {
                row(&[
                    e.kind.to_string(),
                    r.seed.to_string(),
                    exact(e.peak_lr),
                    r.initial_loss.to_string(),
                    r.best_loss.to_string(),
                    r.final_loss.map_or(String::new(), |l| l.to_string()),
                    r.diverged.to_string(),
                    r.steps.to_string(),
                    format!("{:.3}", r.seconds),
                ]);
            }
        }
    } else if report.single() {
        let s = report.entries[0].schedule().expect("one kind has a table");
        let momentum = s.momentum(0).is_some();
        let mut header = vec!["step".to_string(), "lr".to_string()];
        if momentum {
            header.push("momentum".into());
        }
        row(&header);
        for r in s.table() {
            let mut fields = vec![r.step.to_string(), exact(r.lr)];
            if let Some(m) = r.momentum {
                fields.push(exact(m));
            }
            row(&fields);
        }
    } else {
        row(&["kind", "step", "lr", "momentum"].map(String::from));
        for e in &report.entries {
            let Some(s) = e.schedule() else { continue };
            for r in s.table() {
                row(&[
                    e.kind().to_string(),
                    r.step.to_string(),
                    exact(r.lr),
                    r.momentum.map_or(String::new(), exact),
                ]);
            }
        }
    }
    w.into_inner().expect("writing to memory")
}

/// One schedule as JSON: its kind, LR, where that came from, its settings and those filled, its
/// summary and its table (a plateau has neither).
fn entry_value(e: &ScheduleEntry) -> Map<String, Value> {
    let mut v = Map::new();
    v.insert("kind".into(), json!(e.kind()));
    v.insert("lr".into(), json!(e.lr()));
    v.insert("peak_rule".into(), json!(e.rule));
    let mut settings = config_value(&e.entrant);
    if let Value::Object(m) = &mut settings {
        m.remove("lr");
        m.remove("steps");
    }
    v.insert("settings".into(), settings);
    v.insert(
        "filled".into(),
        json!(e.filled.iter().map(|s| s.key()).collect::<Vec<_>>()),
    );
    if let Some(s) = e.schedule() {
        v.insert("summary".into(), json!(s.summary()));
        v.insert("table".into(), json!(s.table()));
    }
    v
}

/// The report as pretty JSON bytes. One schedule's keys are at the top (`kind`, `lr`,
/// `settings`, `summary`, `table`, ...); several are under `schedules`, and a race under `race`.
pub fn schedule_json(report: &ScheduleReport) -> Vec<u8> {
    let mut top = Map::new();
    top.insert("version".into(), json!(report.version));
    top.insert("lr_source".into(), json!(report.lr_source));
    top.insert("steps".into(), json!(report.steps));
    top.insert("steps_source".into(), json!(report.steps_source));
    if report.single() {
        top.extend(entry_value(&report.entries[0]));
    } else {
        top.insert(
            "schedules".into(),
            Value::Array(
                report
                    .entries
                    .iter()
                    .map(|e| Value::Object(entry_value(e)))
                    .collect(),
            ),
        );
    }
    if let Some(r) = &report.race {
        top.insert("race".into(), json!(r));
    }
    if let Some(o) = &report.optimizer {
        top.insert("optimizer".into(), json!(o));
    }
    if let Some(m) = &report.model {
        top.insert("model".into(), json!(m));
    }
    if let Some(b) = report.batch_size {
        top.insert("batch_size".into(), json!(b));
    }
    if let Some(d) = &report.data {
        top.insert("data".into(), json!(d));
    }
    if let Some(w) = &report.worker {
        top.insert("worker".into(), json!(w));
    }
    if !report.notes.is_empty() {
        top.insert("notes".into(), json!(report.notes));
    }
    super::json::to_json(&Value::Object(top))
}

/// A schedule's settings as flags, `--gamma 0.1 --step-size 334 (filled)`.
fn settings_line(e: &ScheduleEntry, naming: Naming) -> String {
    e.settings()
        .iter()
        .map(|(s, v)| {
            let flag = match v.as_str() {
                "true" if matches!(s, Setting::ThreePhase | Setting::Staircase) => naming(*s, None),
                _ => naming(*s, Some(v)),
            };
            let filled = if e.filled.contains(s) {
                " (filled)"
            } else {
                ""
            };
            format!("{flag}{filled}")
        })
        .filter(|f| !f.ends_with(" false"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// How a schedule runs, in words: `4.00e-4 at step 0, up to 1.00e-2 at step 299, down to ...`.
fn shape(s: &Schedule) -> String {
    let Summary {
        steps,
        peak_lr,
        start_lr,
        final_lr,
        warmup_steps,
        ..
    } = s.summary();
    let mut parts = vec![format!("{} at step 0", lr_text(start_lr))];
    if warmup_steps > 0 {
        parts.push(format!("up to {} at step {warmup_steps}", lr_text(peak_lr)));
    }
    if steps > 1 {
        parts.push(format!("{} at step {}", lr_text(final_lr), steps - 1));
    }
    let mut out = parts.join(", ");
    let table: Vec<Row> = s.table();
    let momenta: Vec<f64> = table.iter().filter_map(|r| r.momentum).collect();
    if let (Some(first), Some(last)) = (momenta.first(), momenta.last()) {
        let low = momenta.iter().copied().fold(f64::INFINITY, f64::min);
        let _ = write!(
            out,
            "; momentum {first} down to {} and back to {}",
            round(low),
            round(*last)
        );
    }
    out
}

fn round(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// Where the LR came from, in words.
fn lr_line(report: &ScheduleReport) -> String {
    match report.lr_source {
        LrSource::Given { lr } => format!("{} given", fmt_lr(lr)),
        LrSource::RangeTest {
            suggested_lr,
            minimum_lr,
            divergence_lr,
            runs,
        } => {
            let lr = |x: Option<f64>| x.map_or("none".to_string(), fmt_lr);
            format!(
                "found by {runs} range tests: suggested {}, curve minimum {}, diverged at {}",
                lr(suggested_lr),
                lr(minimum_lr),
                lr(divergence_lr)
            )
        }
    }
}

/// Where the step count came from, in words.
fn steps_line(report: &ScheduleReport) -> String {
    match report.steps_source {
        StepsSource::Given => format!("{} given", report.steps),
        StepsSource::Epochs {
            epochs,
            min_steps,
            train_rows,
            val_split,
            batch_size,
            batches_per_epoch,
        } => {
            let floor = if min_steps > epochs * batches_per_epoch {
                format!(", raised to lrfind's minimum of {min_steps}")
            } else {
                String::new()
            };
            let held = val_split.map_or(String::new(), |f| {
                format!("; {:.0}% of rows held out", 100.0 * f)
            });
            format!(
                "{}: {epochs} epochs of {batches_per_epoch} batches (ceil({train_rows} training \
                 rows / batch size {batch_size}){held}){floor}",
                report.steps,
            )
        }
    }
}

/// An LR for the summary: `0`, or three significant digits.
fn lr_text(lr: f64) -> String {
    if lr == 0.0 {
        "0".into()
    } else {
        fmt_lr(lr)
    }
}

/// The summary a person reads: where the LR and the steps came from, each schedule's settings,
/// then the schedule in words, the table of several, or the race and its best schedule.
pub fn schedule_text(report: &ScheduleReport, plot: Option<&str>, naming: Naming) -> String {
    let mut out = String::new();
    let what = if report.race.is_some() {
        "schedule race".to_string()
    } else if report.single() {
        format!("{} schedule", report.entries[0].kind())
    } else {
        format!("{} schedules", report.entries.len())
    };
    let on = match (&report.data, &report.worker) {
        (Some(d), _) => format!(" on {}", d.file),
        (None, Some(w)) if !w.command.is_empty() => format!(" on {}", w.command),
        (None, Some(_)) => " on workers started elsewhere".to_string(),
        (None, None) => String::new(),
    };
    let _ = writeln!(out, "lrfind {} — {what}{on}", report.version);
    if let Some(w) = &report.worker {
        // Its first line, the title, is the one above.
        for line in super::text::worker_text(w).lines().skip(1) {
            let _ = writeln!(out, "{line}");
        }
    }
    if let Some(d) = &report.data {
        let task = match &d.classes {
            Some(c) => format!("{} ({} classes)", d.task, c.len()),
            None => d.task.to_string(),
        };
        let _ = writeln!(
            out,
            "  data       {} rows, {} inputs, {task}, label {}",
            d.rows, d.features, d.target
        );
    }
    if let (Some(m), Some(o)) = (&report.model, &report.optimizer) {
        let batch = report
            .batch_size
            .map_or(String::new(), |b| format!(", batch size {b}"));
        let _ = writeln!(
            out,
            "  model      MLP {} ({} init), {} loss; {}{batch}",
            m.layers,
            m.init,
            m.loss,
            o.describe()
        );
    }
    let _ = writeln!(out, "  LR         {}", lr_line(report));
    let _ = writeln!(out, "  steps      {}", steps_line(report));
    for note in &report.notes {
        let _ = writeln!(out, "  note       {note}");
    }
    if let Some(peaks) = peaks_line(report) {
        let _ = writeln!(out, "  peak LR    {peaks}");
    }
    if report.single() {
        let e = &report.entries[0];
        let settings = settings_line(e, naming);
        if !settings.is_empty() {
            let _ = writeln!(out, "  settings   {settings}");
        }
        let s = e.schedule().expect("one kind has a table");
        out.push('\n');
        let _ = writeln!(out, "  {:<10} {}", e.kind().name(), shape(s));
    } else {
        let with_settings: Vec<(ScheduleKind, String)> = report
            .entries
            .iter()
            .map(|e| (e.kind(), settings_line(e, naming)))
            .filter(|(_, s)| !s.is_empty())
            .collect();
        if !with_settings.is_empty() {
            let _ = writeln!(out, "  settings");
            for (kind, s) in with_settings {
                let _ = writeln!(out, "    {:<16} {s}", kind.name());
            }
        }
        out.push('\n');
        match &report.race {
            Some(race) => race_table(&mut out, race),
            None => tables(&mut out, report),
        }
    }
    if let Some(plot) = plot {
        out.push('\n');
        let _ = writeln!(out, "  plot       {plot}");
    }
    out
}

/// How the range test's readings became the peaks, when it found them.
fn peaks_line(report: &ScheduleReport) -> Option<String> {
    let LrSource::RangeTest {
        suggested_lr,
        minimum_lr,
        ..
    } = report.lr_source
    else {
        return None;
    };
    let parts: Vec<String> = [
        (
            PeakRule::Between,
            match (suggested_lr, minimum_lr) {
                (Some(s), Some(m)) => Some((s * m).sqrt()),
                (s, m) => s.or(m),
            },
            "between the LR a constant run trains best at and the largest at which the loss still falls",
        ),
        (
            PeakRule::Suggested,
            suggested_lr,
            "the LR a constant run trains best at",
        ),
    ]
    .iter()
    .filter_map(|&(rule, lr, why)| {
        let kinds: Vec<&str> = report
            .entries
            .iter()
            .filter(|e| e.rule == rule)
            .map(|e| e.kind().name())
            .collect();
        if kinds.is_empty() {
            return None;
        }
        let lr = lr.map_or("none".into(), fmt_lr);
        Some(format!(
            "{}: {} {lr} ({why})",
            kinds.join(", "),
            rule.describe()
        ))
    })
    .collect();
    Some(parts.join("; "))
}

/// Several schedules side by side: peak, start, final LR and warm-up of each.
fn tables(out: &mut String, report: &ScheduleReport) {
    let _ = writeln!(
        out,
        "  {:<16} {:>9} {:>9} {:>9} {:>8}",
        "kind", "peak LR", "start", "final", "warm-up"
    );
    for e in &report.entries {
        let Some(s) = e.schedule() else { continue };
        let m = s.summary();
        let _ = writeln!(
            out,
            "  {:<16} {:>9} {:>9} {:>9} {:>8}",
            e.kind().name(),
            lr_text(m.peak_lr),
            lr_text(m.start_lr),
            lr_text(m.final_lr),
            m.warmup_steps
        );
    }
}

fn race_table(out: &mut String, race: &ScheduleRace) {
    let c = &race.config;
    let rows = match (race.train_rows, race.val_rows) {
        (Some(t), Some(v)) => format!(": {t} training, {v} validation rows"),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "  race       {} runs per kind (seeds {}..{}, each on its own split{rows}); validation \
         loss every {} steps; untrained {:.4}; {:.1} s in all",
        c.seeds,
        c.seed,
        c.seed + c.seeds as u64 - 1,
        c.every(),
        race.initial_loss,
        race.seconds
    );
    let _ = writeln!(
        out,
        "\n  {:<16} {:>9} {:>20} {:>14} {:>9} {:>10}",
        "kind", "peak LR", "best val loss ± sd", "final val loss", "diverged", "time/run"
    );
    for e in &race.entries {
        let mark = if race.best == Some(e.kind) {
            "  <- best"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {:<16} {:>9} {:>20} {:>14} {:>9} {:>10}{mark}",
            e.kind.name(),
            fmt_lr(e.peak_lr),
            format!("{:.4} ± {:.4}", e.best_loss, e.sd_best_loss),
            e.final_loss.map_or("-".into(), |l| format!("{l:.4}")),
            format!("{}/{}", e.diverged, e.runs.len()),
            format!("{:.2} s", e.seconds)
        );
    }
    if race.interrupted {
        let left: Vec<&str> = race.unfinished.iter().map(|k| k.name()).collect();
        let _ = writeln!(
            out,
            "  interrupted ({}) with {} of {} kinds trained to the end; not trained: {}",
            crate::interrupt::cause(),
            race.entries.len(),
            race.entries.len() + race.unfinished.len(),
            left.join(", ")
        );
    }
    out.push('\n');
    match race
        .best
        .and_then(|k| race.entries.iter().find(|e| e.kind == k))
    {
        Some(best) => {
            let _ = writeln!(
                out,
                "best schedule  {}   (lowest mean best validation loss {:.4}, from LR {}{})",
                best.kind,
                best.best_loss,
                fmt_lr(best.peak_lr),
                if race.interrupted {
                    "; the best of the kinds trained before the stop"
                } else {
                    ""
                }
            );
        }
        None => {
            let _ = writeln!(
                out,
                "no schedule trained better than the untrained model (validation loss {:.4})",
                race.initial_loss
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::{build, ScheduleOptions};
    use crate::train::schedule_race::PlateauSettings;

    fn entry(kind: ScheduleKind, o: ScheduleOptions) -> ScheduleEntry {
        let (entrant, filled) =
            Entrant::build(kind, 0.01, 10, &o, &PlateauSettings::default()).unwrap();
        ScheduleEntry {
            entrant,
            rule: PeakRule::Given,
            filled,
        }
    }

    fn report(entries: Vec<ScheduleEntry>) -> ScheduleReport {
        ScheduleReport {
            version: "0".into(),
            data: None,
            model: None,
            optimizer: None,
            batch_size: None,
            worker: None,
            lr_source: LrSource::Given { lr: 0.01 },
            steps: 10,
            steps_source: StepsSource::Given,
            several: entries.len() > 1,
            entries,
            race: None,
            notes: Vec::new(),
        }
    }

    fn flags(s: Setting, v: Option<&str>) -> String {
        let f = format!("--{}", s.key().replace('_', "-"));
        v.map_or(f.clone(), |v| format!("{f} {v}"))
    }

    #[test]
    fn one_schedule_as_csv_reads_back_exactly() {
        let r = report(vec![entry(
            ScheduleKind::Onecycle,
            ScheduleOptions::default(),
        )]);
        let text = String::from_utf8(schedule_csv(&r)).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("step,lr,momentum"));
        let s = build(
            ScheduleKind::Onecycle,
            0.01,
            10,
            &ScheduleOptions::default(),
        )
        .unwrap();
        for (line, row) in lines.zip(s.table()) {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f[0].parse::<usize>().unwrap(), row.step);
            assert_eq!(f[1].parse::<f64>().unwrap(), row.lr);
            assert_eq!(f[2].parse::<f64>().unwrap(), row.momentum.unwrap());
        }
        let r = report(vec![entry(ScheduleKind::Poly, ScheduleOptions::default())]);
        let text = String::from_utf8(schedule_csv(&r)).unwrap();
        assert_eq!(text.lines().next(), Some("step,lr"));
        assert_eq!(text.lines().count(), 11);
    }

    #[test]
    fn settings_render_as_flags_with_the_filled_marked() {
        let e = entry(ScheduleKind::Step, ScheduleOptions::default());
        assert_eq!(
            settings_line(&e, &flags),
            "--step-size 4 (filled) --gamma 0.1"
        );
        let o = ScheduleOptions {
            three_phase: true,
            ..Default::default()
        };
        let e = entry(ScheduleKind::Onecycle, o);
        let line = settings_line(&e, &flags);
        assert!(line.contains("--three-phase --anneal cos"), "{line}");
        assert!(line.contains("--div 25 --final-div 1e4"), "{line}");
        let e = entry(ScheduleKind::Multistep, ScheduleOptions::default());
        assert_eq!(
            settings_line(&e, &flags),
            "--milestones 5,8 (filled) --gamma 0.1"
        );
    }

    #[test]
    fn json_is_flat_for_one_and_listed_for_several() {
        let r = report(vec![entry(
            ScheduleKind::Cosine,
            ScheduleOptions::default(),
        )]);
        let v: Value = serde_json::from_slice(&schedule_json(&r)).unwrap();
        assert_eq!(v["kind"], "cosine");
        assert_eq!(v["table"].as_array().unwrap().len(), 10);
        assert_eq!(v["lr_source"]["from"], "given");
        assert_eq!(v["settings"]["min_lr"], 0.0);
        let r = report(vec![
            entry(ScheduleKind::Cosine, ScheduleOptions::default()),
            entry(ScheduleKind::Plateau, ScheduleOptions::default()),
        ]);
        let v: Value = serde_json::from_slice(&schedule_json(&r)).unwrap();
        let s = v["schedules"].as_array().unwrap();
        assert_eq!(s[1]["kind"], "plateau");
        assert!(s[1].get("table").is_none());
        assert_eq!(s[1]["settings"]["patience"], 10);
        let csv = String::from_utf8(schedule_csv(&r)).unwrap();
        assert_eq!(csv.lines().count(), 11, "plateau has no rows: {csv}");
    }
}
