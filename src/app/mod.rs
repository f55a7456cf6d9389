//! What each command does, from parsed options to written outputs: one file per command. Shared
//! here: the exit outcome, the progress bar, and how results reach the user (outputs written,
//! then the summary or, with `--quiet`, the bare LR).

pub mod analyze;
pub mod find;
pub mod sweep;

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::{self, Command};
use lrfind::error::{Result, Setting};
use lrfind::output::{Destination, Outputs};
use lrfind::report::plot::Format;

/// How a command ended, short of an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An LR was suggested (exit code 0).
    Suggested,
    /// The command ran but gave no usable LR (exit code 1).
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

/// Runs `command`.
pub fn run(command: Command) -> Result<Outcome> {
    match command {
        Command::Find(args) => find::run(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Analyze(args) => analyze::run(&args),
    }
}

/// Checks every output before any work (see [`Outputs::check`]) and reads the picture's format
/// from the plot's extension, so that `--plot curve.jpg` is refused before training.
pub fn check_outputs(
    destinations: Vec<(Setting, Destination)>,
    inputs: &[&std::path::Path],
) -> Result<(Outputs, Option<Format>)> {
    let outputs = Outputs::check(destinations, inputs)?;
    let format = outputs
        .get(Setting::Plot)
        .map(|d| match d {
            Destination::File(path) => Format::of_path(path),
            Destination::Stdout => Format::of_path(std::path::Path::new("-")),
        })
        .transpose()?;
    Ok((outputs, format))
}

/// A progress bar on stderr counting `unit`, hidden when stderr is not a terminal or the user
/// asked for quiet.
pub fn progress_bar(quiet: bool, what: &str, unit: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{what} {{bar:40}} {{pos}}/{{len}} {unit} ({{per_sec}}, {{eta}} left)"
        ))
        .expect("valid template"),
    );
    bar
}

/// An LR as `--quiet` prints it: the same fixed form for every command.
pub fn quiet_lr(lr: f64) -> String {
    format!("{lr:.4e}")
}

/// Writes the rendered outputs and tells the user the result: with `quiet`, only `lr` on stdout
/// (nothing when stdout carries JSON or CSV) and, without an LR, `why` in one line on stderr;
/// otherwise the summary `text` renders given the plot's path, on stdout (on stderr when stdout
/// carries JSON or CSV). An output that cannot be written does not stop the others or the
/// summary; the first failure is returned after them.
pub fn deliver(
    outputs: &Outputs,
    rendered: Vec<(Setting, Result<Vec<u8>>)>,
    quiet: bool,
    lr: Option<f64>,
    why: Option<String>,
    text: impl FnOnce(Option<&str>) -> String,
) -> Result<()> {
    let failed_plot = rendered
        .iter()
        .any(|(s, r)| *s == Setting::Plot && r.is_err());
    let mut failures = outputs.write(rendered);
    if quiet {
        match (lr, outputs.stdout_taken()) {
            (Some(lr), false) => print_quietly(&format!("{}\n", quiet_lr(lr))),
            (None, _) => eprintln!("lrfind: no LR: {}", why.unwrap_or_default()),
            _ => {}
        }
    } else {
        let plot = outputs
            .get(Setting::Plot)
            .filter(|_| !failed_plot && failures.is_empty())
            .map(|d| d.to_string());
        let text = text(plot.as_deref());
        if outputs.stdout_taken() {
            eprint!("{text}");
        } else {
            print_quietly(&text);
        }
    }
    let last = failures.pop();
    for e in failures {
        eprintln!("lrfind: error: {}", e.render(&cli::flag));
    }
    last.map_or(Ok(()), Err)
}

/// Prints to stdout; a closed pipe (`lrfind x.csv | head -1`) is not an error.
fn print_quietly(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
