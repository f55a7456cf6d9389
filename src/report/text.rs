//! The summary a person reads in the terminal: what lrfind made of the input (only what the report
//! holds: the data, model and optimizer when it trained; the files when it read recorded curves),
//! how each curve ended, then the suggested LR first and plainest, the other rules, and where the
//! plot went. With several groups, a table with one line per group comes first.

use std::fmt::Write;

use super::sweep::SweepReport;
use super::{fmt_lr, Group, Naming, Report, Settings, WorkerSummary};
use crate::curve::consensus::quartiles;
use crate::data::{ColumnKind, DataSummary, FileKind, MissingPolicy, Task};
use crate::grid::GridConfig;
use crate::model::{Loss, ModelKind};
use crate::range_test::Signal;
use crate::train::race::{NearTie, RaceShape, NEAR_TIE};

/// How the lines a terminal colours begin (the terminal module finds them by these).
pub mod marks {
    /// The suggested LR.
    pub const SUGGESTED: &str = "suggested LR  ";
    /// No suggested LR.
    pub const NO_SUGGESTION: &str = "no suggested LR: ";
    /// A warning.
    pub const WARNING: &str = "  warning    ";
    /// The recommended configuration.
    pub const RECOMMENDED: &str = "recommended   ";
    /// A sweep's best LR.
    pub const BEST: &str = "best LR  ";
    /// A sweep without a best LR.
    pub const NO_BEST: &str = "no best LR: ";
    /// Picks that disagree.
    pub const UNSTABLE: &str = " — UNSTABLE";
}

/// The summary as text, with settings named by `naming`. `plot` is where the picture went, if
/// anywhere. For a report of a CSV it is [`data_text`] then [`findings_text`], which the command
/// line prints apart: the first before training, the second after.
pub fn to_text(report: &Report, plot: Option<&str>, naming: Naming) -> String {
    let mut out = match (&report.data, report.sources.as_slice()) {
        (Some(d), _) => data_text(d, naming),
        (None, [one]) => format!(
            "lrfind {} — {one}
",
            report.version
        ),
        (None, many) => format!(
            "lrfind {} — {} recorded curves
",
            report.version,
            many.len()
        ),
    };
    out.push_str(&findings_text(report, plot, naming));
    out
}

/// What lrfind made of the table: the title line, then the rows, columns, label and task, and
/// the notes of reading it. Printed before training, so a wrong label shows at once.
pub fn data_text(d: &DataSummary, naming: Naming) -> String {
    let mut out = format!(
        "lrfind {} — {}
",
        env!("CARGO_PKG_VERSION"),
        d.file
    );
    data_summary(&mut out, d, naming);
    out
}

/// The header of a driven run: lrfind's version and the worker command, then what the worker
/// said of itself.
pub fn worker_text(w: &WorkerSummary) -> String {
    let h = &w.hello;
    let mut out = format!(
        "lrfind {} — {}\n",
        env!("CARGO_PKG_VERSION"),
        if w.command.is_empty() {
            "workers started elsewhere"
        } else {
            &w.command
        }
    );
    let mut about: Vec<String> = Vec::new();
    about.extend(h.framework.clone());
    about.extend(h.optimizer.clone());
    about.extend(h.batch_size.map(|b| format!("batch size {b}")));
    match (h.train_size, h.val_size) {
        (Some(t), Some(v)) => about.push(format!(
            "{} training and {} validation examples",
            thousands(t as usize),
            thousands(v as usize)
        )),
        (Some(t), None) => about.push(format!("{} training examples", thousands(t as usize))),
        _ => {}
    }
    about.push(if h.validation {
        "measures a validation loss".into()
    } else {
        "no validation loss".into()
    });
    if !h.knobs.is_empty() {
        about.push(format!("sets {}", h.knobs.join(", ")));
    }
    let name = h.name.clone().unwrap_or_else(|| "worker".into());
    let _ = writeln!(
        out,
        "  worker     {name} ({}){}",
        about.join(", "),
        if w.workers > 1 {
            format!("; {} workers", w.workers)
        } else {
            String::new()
        }
    );
    out
}

/// The summary after the data: the model, the optimizer, how each curve ended, the runs or the
/// groups' table, the suggestion, the warnings and where the plot went.
pub fn findings_text(report: &Report, plot: Option<&str>, naming: Naming) -> String {
    let mut out = String::new();
    if let Some(m) = &report.model {
        let units = match (m.loss, m.kind) {
            (Loss::Mse, ModelKind::Tabular) => " (on the label as it is, as fastai's)",
            (Loss::Mse, ModelKind::Mlp) => " (on the standardised target)",
            (Loss::CrossEntropy, _) => "",
        };
        let _ = writeln!(out, "  model      {}, {} loss{units}", m.name(), m.loss);
        if let Some(inputs) = &m.inputs {
            let _ = writeln!(out, "             {inputs}");
        }
    }
    if let Some(o) = &report.optimizer {
        let batch = report
            .main()
            .first()
            .batch_size
            .map_or(String::new(), |b| format!(", batch size {b}"));
        let _ = writeln!(out, "  optimizer  {}{batch}", o.describe());
    }
    match &report.settings {
        Settings::Find(config) | Settings::Grid(GridConfig { base: config, .. }) => {
            let g = report.main();
            let first = g.first();
            let _ = writeln!(
                out,
                "  range test {} of {} steps, LR {} to {}; {}",
                first.curve.points.len(),
                first.planned_steps.unwrap_or(first.curve.points.len()),
                fmt_lr(config.range.start_lr),
                fmt_lr(config.range.end_lr),
                first.curve.stop
            );
            if let Some(f) = config.val_split {
                let _ = writeln!(
                    out,
                    "  validation {:.0}% of rows held out; the suggestion reads the {} loss",
                    100.0 * f,
                    match config.signal {
                        Signal::Train => "training",
                        Signal::Val => "validation",
                    }
                );
            }
        }
        Settings::Read(_) => {
            for g in &report.groups {
                let c = &g.first().curve;
                let (lo, hi) = c
                    .points
                    .iter()
                    .fold((f64::INFINITY, 0.0f64), |(lo, hi), p| {
                        (lo.min(p.lr), hi.max(p.lr))
                    });
                let name = if report.groups.len() > 1 {
                    format!("{}: ", g.label)
                } else {
                    String::new()
                };
                let _ = writeln!(
                    out,
                    "  curve      {name}{} points, LR {} to {}; {}",
                    c.points.len(),
                    fmt_lr(lo),
                    fmt_lr(hi),
                    c.stop
                );
            }
        }
    }
    for note in &report.notes {
        let _ = writeln!(out, "  note       {note}");
    }
    if report.groups.len() > 1 {
        groups_table(&mut out, report);
    } else {
        runs_line(&mut out, report.main());
    }
    out.push('\n');
    let g = report.main();
    match g.suggested_lr {
        Some(lr) => {
            let median = if g.runs.len() > 1 {
                format!(", median of {} runs", g.runs.len())
            } else {
                String::new()
            };
            let of = if report.groups.len() > 1 && !g.label.is_empty() {
                format!(", {}", g.label)
            } else {
                String::new()
            };
            let optimizer = report
                .optimizer
                .map_or(String::new(), |o| format!(", for {}", o.kind));
            let how = match &g.race {
                Some(r) => format!(
                    "trained best of {} LRs raced around the curve's minimum",
                    r.entries.len()
                ),
                None => format!("{} rule{median}", g.rule),
            };
            let _ = writeln!(
                out,
                "{}{}   ({how}{of}{optimizer})",
                marks::SUGGESTED,
                fmt_lr(lr)
            );
            out.push('\n');
            let _ = writeln!(out, "  by rule");
            for (method, lr) in &g.suggestions {
                let _ = writeln!(out, "    {:<12} {}", method.name(), fmt_lr(*lr));
            }
            race(&mut out, g);
        }
        None => {
            let why = g
                .no_suggestion
                .as_ref()
                .map_or("no rule gave an answer".to_string(), |m| m.render(naming));
            let _ = writeln!(out, "{}{why}", marks::NO_SUGGESTION);
        }
    }
    let warnings: Vec<(&str, &crate::curve::diagnose::Diagnostic)> = report
        .groups
        .iter()
        .flat_map(|g| g.diagnostics.iter().map(move |d| (g.label.as_str(), d)))
        .collect();
    if !warnings.is_empty() {
        out.push('\n');
        for (label, d) in warnings {
            let whose = if report.groups.len() > 1 {
                format!("{label}: ")
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "{}{whose}{} [{}]",
                marks::WARNING,
                d.message.render(naming),
                d.code
            );
        }
    }
    if let Some(plot) = plot {
        out.push('\n');
        let _ = writeln!(out, "  plot       {plot}");
    }
    out
}

/// Runs whose picks are listed one by one; more are summarised by their quartiles.
const LISTED_RUNS: usize = 5;

/// The repeated runs of one group: seeds, picks (each, or their quartiles for many runs) and
/// their spread between quartiles.
fn runs_line(out: &mut String, g: &Group) {
    if g.runs.len() < 2 {
        return;
    }
    let seeds = match (g.runs[0].seed, g.runs[g.runs.len() - 1].seed) {
        (Some(a), Some(b)) => format!(" (seeds {a}..{b})"),
        _ => String::new(),
    };
    let picks: Vec<f64> = g
        .runs
        .iter()
        .filter_map(|r| r.picks.headline.map(|s| s.lr))
        .collect();
    let listed = if g.runs.len() <= LISTED_RUNS {
        let picks: Vec<String> = g
            .runs
            .iter()
            .map(|r| match (r.cut_short, r.picks.headline) {
                (true, _) => "cut short".into(),
                (false, Some(s)) => fmt_lr(s.lr),
                (false, None) => "-".into(),
            })
            .collect();
        format!("{} picks {}", g.rule, picks.join(", "))
    } else {
        match quartiles(&picks) {
            Some([q1, median, q3]) => {
                let (lo, hi) = picks
                    .iter()
                    .fold((f64::INFINITY, 0f64), |(lo, hi), &p| (lo.min(p), hi.max(p)));
                let missing = match g.runs.len() - picks.len() {
                    0 => String::new(),
                    n => format!(", {n} without one"),
                };
                format!(
                    "{} picks median {}, quartiles {} to {}, all from {} to {}{missing}",
                    g.rule,
                    fmt_lr(median),
                    fmt_lr(q1),
                    fmt_lr(q3),
                    fmt_lr(lo),
                    fmt_lr(hi)
                )
            }
            None => "no run gave a pick".into(),
        }
    };
    let _ = writeln!(
        out,
        "  runs       {}{seeds}: {listed}; spread {:.2} decades between quartiles{}",
        g.runs.len(),
        g.iqr_decades.unwrap_or(0.0),
        if g.unstable { marks::UNSTABLE } else { "" }
    );
}

/// One line per group: its suggestion and how its curve ended; for a grid, how each
/// configuration stood and which is recommended.
fn groups_table(out: &mut String, report: &Report) {
    out.push('\n');
    let width = report
        .groups
        .iter()
        .map(|g| g.label.chars().count())
        .max()
        .unwrap_or(0)
        .max(13);
    let opt = |v: Option<f64>| v.map_or("-".to_string(), fmt_lr);
    let Some(grid) = &report.grid else {
        let _ = writeln!(
            out,
            "  {:<width$}  {:>10}  {:>11}  {:>12}",
            "group", "suggested", "lowest loss", "diverged at"
        );
        for g in &report.groups {
            let lowest = g
                .first()
                .curve
                .before_divergence()
                .iter()
                .map(|p| p.smoothed_loss)
                .fold(f64::INFINITY, f64::min);
            let _ = writeln!(
                out,
                "  {:<width$}  {:>10}  {:>11.4}  {:>12}",
                g.label,
                opt(g.suggested_lr),
                lowest,
                opt(g.stop().divergence_lr())
            );
        }
        return;
    };
    let race_loss = |label: &str| {
        grid.race
            .as_ref()
            .and_then(|r| r.entries.iter().find(|e| e.label == label))
            .map_or("-".to_string(), |e| format!("{:.4}", e.mean_loss))
    };
    let _ = writeln!(
        out,
        "  {:<width$}  {:>10}  {:>11}  {:>12}  {:>7}  {:>9}",
        "configuration", "suggested", "lowest loss", "diverged at", "stable", "race loss"
    );
    for s in &grid.standings {
        let mark = match &grid.recommended {
            Some(r) if r.label == s.label => "  <- recommended",
            _ => "",
        };
        let _ = writeln!(
            out,
            "  {:<width$}  {:>10}  {:>11}  {:>12}  {:>7}  {:>9}{mark}",
            s.label,
            opt(s.suggested_lr),
            s.lowest_loss.map_or("-".into(), |l| format!("{l:.4}")),
            opt(s.divergence_lr),
            s.stable_decades
                .map_or("-".into(), |d| format!("{d:.1} dec")),
            race_loss(&s.label)
        );
    }
    let _ = writeln!(
        out,
        "  (lowest loss: of the {} curve; stable: decades from where the loss starts to fall to where it diverges)",
        if report.groups.iter().any(|g| g.first().val_curve.is_some()) {
            "validation"
        } else {
            "training"
        }
    );
    if let Some(Settings::Grid(config)) = Some(&report.settings) {
        if config.knobs.batch_size.len() > 1 {
            let _ = writeln!(
                out,
                "  batch sizes compared at {}",
                match grid.equal {
                    crate::grid::Equal::Examples =>
                        "an equal number of examples seen: a batch k times larger takes 1/k of the steps",
                    crate::grid::Equal::Steps => "an equal number of steps",
                }
            );
        }
        if config.knobs.momentum.len() > 1 {
            if let Some(o) = &report.optimizer {
                if o.kind != crate::optim::OptimizerKind::Sgd {
                    let _ = writeln!(out, "  momentum is {}'s beta1", o.kind);
                }
            }
        }
    }
    if let Some(r) = &grid.recommended {
        let how = match (r.chosen_by, &r.runner_up) {
            ("race", Some((runner, Some(loss)))) => {
                let own = r.val_loss.unwrap_or(f64::NAN);
                format!(
                    "chosen by the race of the configurations at their suggested LRs: validation loss {own:.4}; runner-up {runner} at {loss:.4}, {:.1}% worse; Smith's reading picks {}",
                    100.0 * (loss / own - 1.0),
                    r.smith
                )
            }
            (_, Some((runner, Some(loss)))) => format!(
                "chosen by Smith's reading (the lowest curve, ties to the one stable up to the largest LR); runner-up {runner}, lowest loss {loss:.4}"
            ),
            _ => "chosen by Smith's reading".to_string(),
        };
        let _ = writeln!(
            out,
            "\n{}{} at LR {}   ({how})",
            marks::RECOMMENDED,
            r.label,
            fmt_lr(r.lr)
        );
    }
}

/// The race of a group, if it has one: each candidate's best validation loss and how long it
/// lasted, then what was decided and why (the near-tie rule, the parabola's refinement, the
/// widening at an end, the halfway suggestion) and what the race cost.
fn race(out: &mut String, g: &Group) {
    if let Some(why) = &g.no_race {
        let _ = writeln!(out, "  race       none: {why}");
    }
    let Some(r) = &g.race else {
        return;
    };
    let _ = writeln!(
        out,
        "  race       {} LRs trained from scratch{}, {} runs each (each its own seed, which draws the weights and the batch order, and on a table lrfind reads the split), scored by their best held-out loss (untrained {:.4}); after each round the better half trains on, doubling its steps",
        r.entries.len(),
        match r.shape {
            RaceShape::Constant => String::new(),
            RaceShape::OneCycle => format!(
                " each as lr_max of fastai's fit_one_cycle over {} steps (the rounds before the last stop part way along the cycle)",
                r.rounds.last().map_or(r.steps, |round| round.steps)
            ),
        },
        r.seeds,
        r.initial_loss,
    );
    let (short, long) = (r.first_steps, r.steps);
    let lowest = |tie: Option<NearTie>| tie.map(|t| t.best_lr);
    let mut entries: Vec<_> = r.entries.iter().collect();
    entries.sort_by(|a, b| a.lr.total_cmp(&b.lr));
    for e in entries {
        let mut marks: Vec<String> = Vec::new();
        match (e.lr == r.first_winner, e.lr == r.winner) {
            (true, true) if short == long => marks.push(format!("chosen at {long} steps")),
            (true, true) => marks.push(format!("chosen at {short} and at {long} steps")),
            (true, false) => marks.push(format!("chosen at {short} steps")),
            (false, true) => marks.push(format!("chosen at {long} steps")),
            _ => {}
        }
        match (
            lowest(r.first_tie) == Some(e.lr),
            lowest(r.last_tie) == Some(e.lr) && long != short,
        ) {
            (true, true) => marks.push(format!("lowest loss at {short} and at {long} steps")),
            (true, false) => marks.push(format!("lowest loss at {short} steps")),
            (false, true) => marks.push(format!("lowest loss at {long} steps")),
            (false, false) => {}
        }
        let diverged = if e.diverged > 0 {
            format!(" ({} diverged)", e.diverged)
        } else {
            String::new()
        };
        let mark = if marks.is_empty() {
            String::new()
        } else {
            format!("  <- {}", marks.join("; "))
        };
        let _ = writeln!(
            out,
            "    {:<9} {:.4} after {} steps{diverged}{mark}",
            fmt_lr(e.lr),
            e.mean_loss,
            e.steps
        );
    }
    let mut decided = Vec::new();
    decided.push(round_decision(
        short,
        r.first_winner,
        r.short_lr,
        r.first_tie,
    ));
    if long != short {
        match &r.fallback {
            Some(f) => decided.push(format!(
                "at {long} steps {} survived the rounds but diverged in {} of its {} runs (every LR from {} up diverged in some run), so the long run's best is taken as {}, the highest LR below them that trained furthest without diverging ({} steps)",
                fmt_lr(f.survivor),
                f.diverged,
                r.seeds,
                fmt_lr(f.lowest_diverged),
                fmt_lr(f.lr),
                f.steps
            )),
            None => decided.push(round_decision(long, r.winner, r.long_lr, r.last_tie)),
        }
        let suggested = r.pointed_lr();
        decided.push(if r.shape == RaceShape::OneCycle {
            format!(
                "suggested {}: the long run's best, the one whole cycle (the lr_max to give fit_one_cycle)",
                fmt_lr(suggested)
            )
        } else if r.short_lr == r.long_lr {
            format!("suggested {}: the best of both", fmt_lr(suggested))
        } else {
            format!(
                "suggested {}: halfway, in log LR, between the two, so that neither a short nor a long run is far from its best",
                fmt_lr(suggested)
            )
        });
    }
    if let Some(e) = &g.edges {
        for (lrs, end, side) in [
            (&e.added_below, "lowest", "lower"),
            (&e.added_above, "highest", "higher"),
        ] {
            if !lrs.is_empty() {
                let list: Vec<String> = lrs.iter().map(|&lr| fmt_lr(lr)).collect();
                decided.push(format!(
                    "widened: the {end} LR first raced trained best, so {} {side} LRs were raced too ({})",
                    lrs.len(),
                    list.join(", ")
                ));
            }
        }
    }
    for (i, line) in decided.iter().enumerate() {
        let head = if i == 0 {
            "  decided    "
        } else {
            "             "
        };
        let _ = writeln!(out, "{head}{line}");
    }
    let range_steps: usize = g.runs.iter().map(|r| r.curve.points.len()).sum();
    if range_steps > 0 {
        let budget = g.budget.map_or(String::new(), |b| {
            format!(
                " (--race-budget {}: {} steps{})",
                b.asked,
                thousands(b.steps),
                if b.fits {
                    ""
                } else {
                    ", less than the smallest race: that ran"
                }
            )
        });
        let _ = writeln!(
            out,
            "  cost       {} training steps in the race, {:.0}x the range tests' {}{budget}",
            thousands(r.updates),
            r.updates as f64 / range_steps as f64,
            thousands(range_steps)
        );
    }
}

/// One round's decision in words: which LR trained best, whether the near-tie rule kept a
/// lower one, and where the parabola through its neighbours put the best between them.
fn round_decision(steps: usize, chosen: f64, refined: f64, tie: Option<NearTie>) -> String {
    let mut line = match tie {
        Some(t) => format!(
            "at {steps} steps {} had the lowest loss ({:.4}), but {} ({:.4}) is within {:.0}% of its gain over the untrained model, and the lower LR is kept: a slightly smaller LR costs little, a larger one can diverge",
            fmt_lr(t.best_lr),
            t.best_loss,
            fmt_lr(t.lr),
            t.loss,
            100.0 * NEAR_TIE
        ),
        None => format!("at {steps} steps {} trained best", fmt_lr(chosen)),
    };
    if refined != chosen {
        let _ = write!(
            line,
            "; a parabola through its neighbours' losses puts the best at {}",
            fmt_lr(refined)
        );
    }
    line
}

/// `n` with a comma between thousands, e.g. `9,300`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The data block: rows, how the file was read, each feature column's kind, missing values, the
/// label and the task, then one line per note.
fn data_summary(out: &mut String, d: &DataSummary, naming: Naming) {
    let header = match (d.header, d.header_detected) {
        (true, _) => "header row",
        (false, true) => "no header (first row is all numbers; columns c0, c1, ...)",
        (false, false) => "no header (--no-header; columns c0, c1, ...)",
    };
    let read = match d.format {
        FileKind::Csv => format!("delimiter '{}', {header}", d.delimiter),
        kind => kind.name().to_string(),
    };
    let _ = writeln!(
        out,
        "  data       {} rows read, {} used, {} dropped; {read}",
        d.rows_read, d.rows, d.rows_dropped
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
        let _ = writeln!(out, "  note       {}", note.render(naming));
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

/// The summary of a sweep as text. `plot` is where the picture went, if anywhere.
pub fn sweep_text(report: &SweepReport, plot: Option<&str>, naming: Naming) -> String {
    let mut out = sweep_data_text(&report.data, naming);
    out.push_str(&sweep_findings_text(report, plot));
    out
}

/// What lrfind made of the table, under the sweep's title line: printed before training.
pub fn sweep_data_text(d: &DataSummary, naming: Naming) -> String {
    let mut out = format!(
        "lrfind sweep {} — {}
",
        env!("CARGO_PKG_VERSION"),
        d.file
    );
    data_summary(&mut out, d, naming);
    out
}

/// The sweep's summary after the data: the split, the model, the budget, every LR's loss and
/// the best LR.
pub fn sweep_findings_text(report: &SweepReport, plot: Option<&str>) -> String {
    let mut out = String::new();
    let c = &report.config;
    let t = &c.training;
    let _ = writeln!(
        out,
        "  validation {:.0}% of rows held out, a split per seed (seeds {}..{}), as the race draws them",
        100.0 * c.val_split,
        c.seed,
        c.seed + c.seeds as u64 - 1
    );
    let _ = writeln!(
        out,
        "  model      {}, {} loss; {}, batch size {}",
        report.model.name().replacen(" (ReLU, ", " (", 1),
        report.model.loss,
        t.optimizer.describe(),
        t.batch_size
    );
    let _ = writeln!(
        out,
        "  budget     at least {} epochs and {} steps per run, {} seeds per LR; untrained validation loss {:.4}",
        t.budget.epochs,
        t.budget.min_steps,
        c.seeds,
        report.result.initial_loss
    );
    out.push('\n');
    let _ = writeln!(out, "  {:<10} {:>12} {:>10}", "LR", "best val", "± sd");
    for p in &report.result.points {
        let best = if Some(p.lr) == report.best_lr {
            "  <- best"
        } else {
            ""
        };
        let diverged = if p.diverged > 0 {
            format!("  ({} of {} diverged)", p.diverged, p.runs.len())
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {:<10} {:>12.4} {:>10.4}{diverged}{best}",
            fmt_lr(p.lr),
            p.mean_loss,
            p.sd_loss
        );
    }
    if report.result.interrupted {
        let _ = writeln!(
            out,
            "  interrupted (Ctrl-C) with {} of {} LRs trained; not trained: {}",
            report.result.points.len(),
            report.config.lrs.len(),
            short_list(
                &report
                    .result
                    .unfinished_lrs
                    .iter()
                    .map(|&lr| fmt_lr(lr))
                    .collect::<Vec<_>>(),
                6
            )
        );
    }
    out.push('\n');
    match (report.best_lr, report.result.best_loss) {
        (Some(lr), Some(loss)) => {
            let of = if report.result.interrupted {
                "; the best of the LRs trained before Ctrl-C"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "{}{}   (lowest validation loss {loss:.4}, for {}{of})",
                marks::BEST,
                fmt_lr(lr),
                report.optimizer
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "{}at every LR tried the runs diverged or did not improve on the untrained model (loss {:.4}); try lower LRs",
                marks::NO_BEST,
                report.result.initial_loss
            );
        }
    }
    if let Some(plot) = plot {
        out.push('\n');
        let _ = writeln!(out, "  plot       {plot}");
    }
    out
}
