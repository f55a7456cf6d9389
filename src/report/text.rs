//! The summary a person reads in the terminal: the data, the model, how the test ran and why it
//! stopped, then the suggested LR first and plainest, the other rules, and where the plot went.

use std::fmt::Write;

use super::{fmt_lr, Report};
use crate::data::{ColumnKind, Task};
use crate::model::Loss;

/// The summary as text. `plot` is the path the PNG was written to, if any.
pub fn to_text(report: &Report, plot: Option<&str>) -> String {
    let mut out = String::new();
    let d = &report.data;
    let _ = writeln!(out, "lrfind {} — {}", report.version, d.file);
    let task = match (&d.task, &d.classes) {
        (Task::Classification, Some(classes)) => {
            let list: Vec<String> = classes
                .iter()
                .take(6)
                .map(|c| format!("{} {}", c.name, c.count))
                .collect();
            let more = if classes.len() > 6 { ", ..." } else { "" };
            format!(
                "classification of '{}', {} classes ({}{more})",
                d.target,
                classes.len(),
                list.join(", ")
            )
        }
        _ => format!("regression of '{}'", d.target),
    };
    let _ = writeln!(
        out,
        "  data       {} rows, {} features; {task}",
        d.rows, d.features
    );
    for c in &d.columns {
        if let ColumnKind::Categorical { levels } = c.kind {
            let _ = writeln!(
                out,
                "             '{}' one-hot encoded ({levels} levels)",
                c.name
            );
        }
    }
    for note in &d.notes {
        let _ = writeln!(out, "  note       {note}");
    }
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
        report.config.optimizer.describe(),
        report.batch_size
    );
    let _ = writeln!(
        out,
        "  range test {} of {} steps, LR {} to {}; {}",
        report.steps,
        report.planned_steps,
        fmt_lr(report.config.start_lr),
        fmt_lr(report.config.end_lr),
        report.stop_reason
    );
    out.push('\n');
    match (report.suggested_lr, report.suggested_by) {
        (Some(lr), Some(method)) => {
            let _ = writeln!(
                out,
                "suggested LR  {}   ({method} rule, for {})",
                fmt_lr(lr),
                report.optimizer
            );
            out.push('\n');
            let _ = writeln!(out, "  by rule");
            for (name, lr) in &report.suggestions {
                let _ = writeln!(out, "    {name:<12} {}", fmt_lr(*lr));
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
    if let Some(plot) = plot {
        out.push('\n');
        let _ = writeln!(out, "  plot       {plot}");
    }
    out
}
