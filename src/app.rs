//! One lrfind run from parsed arguments: load, run the range test, suggest, report, write. The
//! binary's `main` only parses, calls [`run`], and turns the outcome into an exit code.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::Args;
use crate::data::load;
use crate::error::Result;
use crate::finder;
use crate::output::Destination;
use crate::plot;
use crate::report::{csv::to_csv, json::to_json, text::to_text, Report};
use crate::suggest::suggest;
use crate::train::{loss_for, ModelConfig};

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
pub fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("range test {bar:40} {pos}/{len} steps")
            .expect("valid template"),
    );
    bar
}

/// Runs lrfind with `args`.
pub fn run(args: &Args) -> Result<Outcome> {
    let config = args.range_test()?;
    let plot_to = args.plot_path().map(Destination::File);
    let json_to = args.output.json.as_deref().map(Destination::parse);
    let csv_to = args.output.csv_out.as_deref().map(Destination::parse);
    for (option, dest) in [
        ("--plot", &plot_to),
        ("--json", &json_to),
        ("--csv", &csv_to),
    ] {
        if let Some(dest) = dest {
            dest.check_not_input(option, &args.data.input)?;
        }
    }

    let mut dataset = load(
        &args.data.input,
        &args.data.read_options(),
        &args.data.encode_options(),
    )?;
    let batch_note = crate::data::batch_note(config.batch_size, dataset.rows());
    dataset.summary.notes.extend(batch_note);

    let history = finder::run(&dataset, &config, &progress_bar(args.output.quiet))?;
    let picks = suggest(&history);
    let model = ModelConfig::describe(&config.model, &dataset);
    let report = Report::new(
        dataset.summary.clone(),
        model,
        loss_for(&dataset.target),
        config,
        history,
        picks,
    );

    // Every output is rendered before any is written, so a drawing error leaves no files.
    let png = plot_to
        .as_ref()
        .map(|_| plot::to_png(&report))
        .transpose()?;
    if let (Some(dest), Some(png)) = (&plot_to, &png) {
        dest.write(png)?;
    }
    if let Some(dest) = &json_to {
        dest.write(&to_json(&report))?;
    }
    if let Some(dest) = &csv_to {
        dest.write(&to_csv(&report))?;
    }

    let stdout_taken = json_to == Some(Destination::Stdout) || csv_to == Some(Destination::Stdout);
    if args.output.quiet {
        if let (Some(lr), false) = (report.suggested_lr, stdout_taken) {
            print_quietly(&format!("{lr:e}\n"));
        }
    } else {
        let plot_name = plot_to.as_ref().map(|d| d.to_string());
        let text = to_text(&report, plot_name.as_deref());
        if stdout_taken {
            eprint!("{text}");
        } else {
            print_quietly(&text);
        }
    }
    Ok(if report.suggested_lr.is_some() {
        Outcome::Suggested
    } else {
        Outcome::NoSuggestion
    })
}

/// Prints to stdout; a closed pipe (`lrfind x.csv | head -1`) is not an error.
fn print_quietly(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
