//! The summary a person reads in the terminal: the data, the model, how the test ran and why it
//! stopped, then the suggested LR first and plainest, the other rules, and where the plot went.

use std::fmt::Write;

use super::{fmt_lr, Report};
use crate::data::{ColumnKind, DataSummary, MissingPolicy, Task};
use crate::model::Loss;

/// The summary as text. `plot` is the path the PNG was written to, if any.
pub fn to_text(report: &Report, plot: Option<&str>) -> String {
    let mut out = String::new();
    let d = &report.data;
    let _ = writeln!(out, "lrfind {} — {}", report.version, d.file);
    data_summary(&mut out, d);
    let units = match report.loss {
        Loss::Mse => " (on the standardised target)",
        Loss::CrossEntropy => "",
    };
    let _ = writeln!(
        out,
        "  model      MLP {} (ReLU), {} loss{units}",
        report.model, report.loss
    );
    let _ = writeln!(
        out,
        "  optimizer  {}, batch size {}",
        report.config.range.optimizer.describe(),
        report.batch_size
    );
    let _ = writeln!(
        out,
        "  range test {} of {} steps, LR {} to {}; {}",
        report.steps,
        report.planned_steps,
        fmt_lr(report.config.range.start_lr),
        fmt_lr(report.config.range.end_lr),
        report.stop_reason
    );
    if let Some(f) = report.config.val_split {
        let _ = writeln!(
            out,
            "  validation {:.0}% of rows held out; the suggestion reads the {} loss",
            100.0 * f,
            match report.config.signal {
                crate::finder::Signal::Train => "training",
                crate::finder::Signal::Val => "validation",
            }
        );
    }
    if report.runs.len() > 1 {
        let picks: Vec<String> = report
            .runs
            .iter()
            .map(|r| r.suggested_lr.map_or("-".into(), fmt_lr))
            .collect();
        let _ = writeln!(
            out,
            "  runs       {} (seeds {}..{}): {}; spread {:.2} decades{}",
            report.runs.len(),
            report.runs[0].seed,
            report.runs[report.runs.len() - 1].seed,
            picks.join(", "),
            report.spread_decades.unwrap_or(0.0),
            if report.unstable { " — UNSTABLE" } else { "" }
        );
    }
    out.push('\n');
    match (report.suggested_lr, report.suggested_by) {
        (Some(lr), Some(method)) => {
            let median = if report.runs.len() > 1 {
                format!(", median of {} runs", report.runs.len())
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "suggested LR  {}   ({method} rule{median}, for {})",
                fmt_lr(lr),
                report.optimizer
            );
            if let Some(v) = report.verified_lr {
                let _ = writeln!(
                    out,
                    "verified LR   {}   (trained best among the candidates)",
                    fmt_lr(v)
                );
            }
            out.push('\n');
            let _ = writeln!(out, "  by rule");
            for (name, lr) in &report.suggestions {
                let _ = writeln!(out, "    {name:<12} {}", fmt_lr(*lr));
            }
            if let Some(v) = &report.verification {
                let _ = writeln!(
                    out,
                    "  verification: best validation loss after short training ({} seeds, untrained {:.4})",
                    v.seeds, v.initial_loss
                );
                for c in &v.candidates {
                    let mark = if c.lr == v.best_lr { "  <- best" } else { "" };
                    let diverged = if c.diverged > 0 {
                        format!(" ({} diverged)", c.diverged)
                    } else {
                        String::new()
                    };
                    let _ = writeln!(
                        out,
                        "    {:<9} {:.4} ± {:.4}{diverged}  {}{mark}",
                        fmt_lr(c.lr),
                        c.mean_loss,
                        c.sd_loss,
                        c.label
                    );
                }
            }
        }
        _ => {
            let why = report
                .no_suggestion
                .as_deref()
                .unwrap_or("no rule gave an answer");
            let _ = writeln!(out, "no suggested LR: {why}");
        }
    }
    if !report.diagnostics.is_empty() {
        out.push('\n');
        for d in &report.diagnostics {
            let _ = writeln!(out, "  warning    {} [{}]", d.message, d.code);
        }
    }
    if let Some(plot) = plot {
        out.push('\n');
        let _ = writeln!(out, "  plot       {plot}");
    }
    out
}

/// The data block: rows, how the file was read, each feature column's kind, missing values, the
/// label and the task, then one line per note.
fn data_summary(out: &mut String, d: &DataSummary) {
    let header = match (d.header, d.header_detected) {
        (true, _) => "header row",
        (false, true) => "no header (first row is all numbers; columns c0, c1, ...)",
        (false, false) => "no header (--no-header; columns c0, c1, ...)",
    };
    let _ = writeln!(
        out,
        "  data       {} rows read, {} used, {} dropped; delimiter '{}', {header}",
        d.rows_read, d.rows, d.rows_dropped, d.delimiter
    );
    let mut numeric = Vec::new();
    let mut boolean = Vec::new();
    let mut categorical = Vec::new();
    let mut dropped = 0;
    for c in &d.columns {
        match &c.kind {
            ColumnKind::Numeric => numeric.push(c.name.clone()),
            ColumnKind::Boolean => boolean.push(c.name.clone()),
            ColumnKind::Categorical { levels } => {
                categorical.push(format!("{} ({levels} levels)", c.name))
            }
            ColumnKind::Dropped { .. } => dropped += 1,
            ColumnKind::Label => {}
        }
    }
    let dropped = match dropped {
        0 => String::new(),
        n => format!("; {n} dropped, see the notes"),
    };
    let _ = writeln!(
        out,
        "  features   {} inputs from {} columns{dropped}",
        d.features,
        numeric.len() + boolean.len() + categorical.len()
    );
    for (kind, names) in [
        ("numeric", numeric),
        ("boolean", boolean),
        ("categorical", categorical),
    ] {
        if !names.is_empty() {
            let _ = writeln!(out, "             {kind:<12}{}", short_list(&names, 8));
        }
    }
    let m = &d.missing;
    let missing: usize = d.columns.iter().map(|c| c.missing).sum();
    if missing > 0 {
        let action = match m.policy {
            MissingPolicy::Fill => format!(
                "{} filled with the column median (+ a _missing indicator), {} kept as a level of their own",
                m.filled, m.as_level
            ),
            MissingPolicy::Drop => format!("{} incomplete rows dropped", m.incomplete_rows_dropped),
            MissingPolicy::Error => "none in used columns".into(),
        };
        let _ = writeln!(
            out,
            "  missing    {missing} values; {} rows without a label dropped; {action}",
            m.label_rows_dropped
        );
    }
    let task = match (&d.task, &d.classes) {
        (Task::Classification, Some(classes)) => {
            let list: Vec<String> = classes
                .iter()
                .map(|c| format!("{} {}", c.name, c.count))
                .collect();
            format!(
                "classification, {} classes ({})",
                classes.len(),
                short_list(&list, 6)
            )
        }
        _ => "regression".into(),
    };
    let _ = writeln!(out, "  label      '{}': {task}", d.target);
    for note in &d.notes {
        let _ = writeln!(out, "  note       {note}");
    }
}

/// The first `max` items, comma-separated, then how many more there are.
fn short_list(items: &[String], max: usize) -> String {
    let mut s = items
        .iter()
        .take(max)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > max {
        s.push_str(&format!(", ... ({} more)", items.len() - max));
    }
    s
}
