//! One lrfind run from parsed arguments: load, run the range tests, suggest, verify, report,
//! write. The binary's `main` only parses, calls [`run`] or [`run_sweep`], and turns the outcome
//! into an exit code.

use std::io::{IsTerminal, Write};
use std::path::Path;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::{Args, SweepArgs};
use crate::data::split::{split, Split};
use crate::data::Dataset;
use crate::diagnose::{diagnose, unstable};
use crate::error::{Error, Result, Setting};
use crate::finder::{self, FindConfig};
use crate::output::Destination;
use crate::plot;
use crate::report::sweep::SweepReport;
use crate::report::{csv::to_csv, json::to_json, text::to_text, Findings, Report};
use crate::suggest::{consensus, suggest_points, Suggestions};
use crate::sweep::{default_grid, sweep, verify, Budget, Training};
use crate::train::{loss_for, ModelConfig};

/// Held-out fraction used for verification when `--val-split` is not given.
pub const VERIFY_SPLIT: f64 = 0.2;
/// Seeds per verification candidate.
pub const VERIFY_SEEDS: usize = 3;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A suggestion was made (exit code 0).
    Suggested,
    /// The test ran but gave no usable suggestion (exit code 1).
    NoSuggestion,
}

impl Outcome {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Suggested => 0,
            Outcome::NoSuggestion => 1,
        }
    }
}

/// A progress bar on stderr, hidden when stderr is not a terminal or the user asked for quiet.
pub fn progress_bar(quiet: bool, what: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(&format!("{what} {{bar:40}} {{pos}}/{{len}} steps"))
            .expect("valid template"),
    );
    bar
}

/// Output destinations, checked against the input before any work is done.
struct Outputs {
    plot: Option<Destination>,
    json: Option<Destination>,
    csv: Option<Destination>,
}

impl Outputs {
    fn new(
        plot: Option<std::path::PathBuf>,
        json: Option<&str>,
        csv: Option<&str>,
        input: &Path,
    ) -> Result<Self> {
        let outputs = Outputs {
            plot: plot.map(Destination::File),
            json: json.map(Destination::parse),
            csv: csv.map(Destination::parse),
        };
        for (option, dest) in [
            (Setting::Plot, &outputs.plot),
            (Setting::Json, &outputs.json),
            (Setting::Csv, &outputs.csv),
        ] {
            if let Some(dest) = dest {
                dest.check_not_input(option, input)?;
            }
        }
        Ok(outputs)
    }

    fn stdout_taken(&self) -> bool {
        self.json == Some(Destination::Stdout) || self.csv == Some(Destination::Stdout)
    }

    /// Writes the rendered outputs. Everything is rendered before this is called, so a drawing
    /// error leaves no files behind.
    fn write(&self, png: Option<Vec<u8>>, json: Vec<u8>, csv: Option<Vec<u8>>) -> Result<()> {
        if let (Some(dest), Some(png)) = (&self.plot, png) {
            dest.write(&png)?;
        }
        if let Some(dest) = &self.json {
            dest.write(&json)?;
        }
        if let (Some(dest), Some(csv)) = (&self.csv, csv) {
            dest.write(&csv)?;
        }
        Ok(())
    }

    /// Tells the user the result: with `--quiet` only `lr` on stdout (nothing when stdout carries
    /// JSON or CSV); otherwise the summary that `text` renders, given the plot's path, on stdout
    /// (stderr when stdout carries JSON or CSV).
    fn print(&self, quiet: bool, lr: Option<f64>, text: impl FnOnce(Option<&str>) -> String) {
        if quiet {
            if let (Some(lr), false) = (lr, self.stdout_taken()) {
                print_quietly(&format!("{lr:e}\n"));
            }
            return;
        }
        let plot = self.plot.as_ref().map(|d| d.to_string());
        let text = text(plot.as_deref());
        if self.stdout_taken() {
            eprint!("{text}");
        } else {
            print_quietly(&text);
        }
    }
}

/// Runs the range tests of `config` on `dataset` and reads them: every run's suggestions, their
/// consensus, the diagnostics, and the verification if asked for.
pub fn analyse(dataset: &Dataset, config: &FindConfig, progress: &ProgressBar) -> Result<Findings> {
    let held_out = config
        .val_split
        .map(|f| split(dataset, f, config.range.seed));
    let histories = finder::run_many(
        dataset,
        held_out.as_ref(),
        &config.range,
        config.runs,
        progress,
    )?;
    let picks: Vec<Suggestions> = histories
        .iter()
        .map(|h| suggest_points(h.signal_curve(config.signal), config.rule))
        .collect();
    let agreed = consensus(&picks);
    let mut diagnostics = diagnose(
        &histories[0],
        &picks[0],
        dataset.target.classes(),
        config.range.end_lr,
    );
    diagnostics.extend(unstable(agreed.spread_decades, config.runs));

    let verification = match (config.verify, agreed.headline) {
        (true, Some(headline)) => {
            let mut candidates: Vec<(String, f64)> = agreed
                .by_method
                .iter()
                .map(|(m, lr)| (m.name().to_string(), *lr))
                .collect();
            if config.runs > 1 {
                candidates.push(("median of runs".into(), headline));
            }
            candidates.push(("suggested x3".into(), headline * 3.0));
            candidates.push(("suggested /3".into(), headline / 3.0));
            let held_out = held_out
                .clone()
                .unwrap_or_else(|| split(dataset, VERIFY_SPLIT, config.range.seed));
            let training = Training {
                model: config.range.model.clone(),
                optimizer: config.range.optimizer,
                batch_size: config.range.batch_size,
                budget: config.verify_budget,
            };
            verify(
                dataset,
                &held_out,
                &training,
                &candidates,
                config.range.seed,
                VERIFY_SEEDS,
            )
        }
        _ => None,
    };

    Ok(Findings {
        histories,
        picks,
        consensus: agreed,
        verification,
        diagnostics,
    })
}

/// Runs lrfind with `args`.
pub fn run(args: &Args) -> Result<Outcome> {
    let config = args.find_config()?;
    let outputs = Outputs::new(
        args.plot_path(),
        args.output.json.as_deref(),
        args.output.csv_out.as_deref(),
        &args.data.input,
    )?;
    let mut dataset = args.data.load()?;
    let bar = progress_bar(args.output.quiet, "range test");
    let findings = analyse(&dataset, &config, &bar)?;
    // The range test caps the batch at the training rows; say so when it did.
    let used = findings.histories[0].batch_size;
    dataset
        .summary
        .notes
        .extend(crate::data::batch_note(config.range.batch_size, used));
    let report = Report::new(
        dataset.summary.clone(),
        ModelConfig::describe(&config.range.model, &dataset),
        loss_for(&dataset.target),
        config,
        findings,
    );
    let png = outputs
        .plot
        .as_ref()
        .map(|_| plot::to_png(&report))
        .transpose()?;
    outputs.write(png, to_json(&report), Some(to_csv(&report)))?;

    outputs.print(args.output.quiet, report.suggested_lr, |plot| {
        to_text(&report, plot)
    });
    Ok(if report.suggested_lr.is_some() {
        Outcome::Suggested
    } else {
        Outcome::NoSuggestion
    })
}

/// Runs `lrfind sweep` with `args`.
pub fn run_sweep(args: &SweepArgs) -> Result<Outcome> {
    let o = &args.sweep;
    crate::data::split::check_fraction(Setting::ValSplit, o.val_split)?;
    if o.seeds == 0 {
        return Err(Error::config(Setting::Seeds, "must be at least 1"));
    }
    if o.epochs == 0 && o.min_steps == 0 {
        return Err(Error::config(
            Setting::Epochs,
            "give at least one epoch or step",
        ));
    }
    if args.train.batch_size == 0 {
        return Err(Error::config(Setting::BatchSize, "must be at least 1"));
    }
    let training = Training {
        model: args.train.model()?,
        optimizer: args.train.optimizer()?,
        batch_size: args.train.batch_size,
        budget: Budget {
            epochs: o.epochs,
            min_steps: o.min_steps,
        },
    };
    let lrs = o.lrs.clone().unwrap_or_else(default_grid);
    let outputs = Outputs::new(
        args.output.plot_path(&args.data.stem(), "sweep"),
        args.output.json.as_deref(),
        None,
        &args.data.input,
    )?;
    let mut dataset = args.data.load()?;
    let held_out: Split = split(&dataset, o.val_split, args.train.seed);
    let batch_note = crate::data::batch_note(training.batch_size, held_out.train.len());
    dataset.summary.notes.extend(batch_note);
    let result = sweep(
        &dataset,
        &held_out,
        &training,
        &lrs,
        args.train.seed,
        o.seeds,
    )?;
    let report = SweepReport::new(
        dataset.summary.clone(),
        ModelConfig::describe(&training.model, &dataset),
        loss_for(&dataset.target),
        training,
        o.val_split,
        o.seeds,
        args.train.seed,
        result,
    );
    let png = outputs
        .plot
        .as_ref()
        .map(|_| plot::sweep_png(&report))
        .transpose()?;
    outputs.write(png, to_json(&report), None)?;
    outputs.print(args.output.quiet, Some(report.result.best_lr), |plot| {
        report.to_text(plot)
    });
    Ok(Outcome::Suggested)
}

/// Prints to stdout; a closed pipe (`lrfind x.csv | head -1`) is not an error.
fn print_quietly(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
