//! What each command does, from parsed options to written outputs: one file per command. Shared
//! here: the exit outcome, the progress bar, Ctrl-C, and how results reach the user (what was
//! made of the table before training; after it, the outputs written, then the summary, styled
//! and followed by a plot of the curve on a terminal, or with `--quiet` the bare LR).

pub mod analyze;
pub mod drive;
pub mod find;
pub mod schedule;
pub mod sweep;
pub mod worker;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::cli::args::{DataArgs, OutputArgs};
use crate::cli::{self, Command};
use lrfind::data::Dataset;
use lrfind::error::{Error, Result, Setting};
use lrfind::output::{Destination, Outputs};
use lrfind::report::braille::curve_plot;
use lrfind::report::plot::{render, Format};
use lrfind::report::terminal::Terminal;
use lrfind::report::{csv::to_csv, json::report_json, Report};

/// How a command ended, short of an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An LR was suggested (exit code 0).
    Suggested,
    /// The command ran but gave no usable LR (exit code 1).
    NoSuggestion,
    /// An LR was suggested, but lrfind doubts it: a diagnostic says why (exit code 3).
    Weak,
    /// Ctrl-C stopped it; the outputs hold what was recorded (exit code 130, as a shell reports
    /// a command ended by SIGINT).
    Interrupted,
}

impl Outcome {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Suggested => 0,
            Outcome::NoSuggestion => 1,
            Outcome::Weak => 3,
            Outcome::Interrupted => 130,
        }
    }

    /// The outcome of a command that gave `lr`, or was interrupted.
    fn of(lr: Option<f64>) -> Self {
        match (lrfind::interrupt::requested(), lr) {
            (true, _) => Outcome::Interrupted,
            (false, Some(_)) => Outcome::Suggested,
            (false, None) => Outcome::NoSuggestion,
        }
    }

    /// `self`, or [`Outcome::Weak`] when it is a suggestion that lrfind `doubts`.
    fn doubted(self, doubts: bool) -> Self {
        match self {
            Outcome::Suggested if doubts => Outcome::Weak,
            other => other,
        }
    }
}

/// Runs `command`.
pub fn run(command: Command) -> Result<Outcome> {
    match command {
        Command::Find(args) => find::run(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Analyze(args) => analyze::run(&args),
        Command::Schedule(args) => schedule::run(&args),
        Command::Drive(args) => drive::run(&args),
        Command::Worker(args) => worker::run(&args),
        Command::Completions(args) => {
            cli::completions::print(args.shell);
            Ok(Outcome::Suggested)
        }
        Command::Man(args) => {
            cli::completions::print_man(args.command.as_deref()).map_err(|source| {
                Error::Output {
                    file: "<stdout>".into(),
                    source,
                }
            })?;
            Ok(Outcome::Suggested)
        }
    }
}

/// Prints `e` in the one error form (`lrfind: error: ...`), naming settings as flags.
pub fn print_lrfind_error(e: &Error) {
    cli::print_error(&e.render(&cli::flag));
}

/// Ctrl-C: the first asks the range test to stop and keep what it recorded (the outputs are
/// written for those steps, then the exit code is 130); a second exits at once.
pub fn catch_interrupt() {
    // Without a handler (one already set, or none possible) Ctrl-C keeps its default: exit.
    let _ = ctrlc::set_handler(|| {
        if lrfind::interrupt::requested() {
            std::process::exit(130);
        }
        lrfind::interrupt::request();
    });
}

/// Where the summary goes and what that stream shows: standard output (standard error when
/// standard output carries JSON or CSV); on a terminal, wrapped to its width, in colour unless
/// NO_COLOR, and followed by a plot of the curve unless `--no-term-plot`. Anywhere else the
/// summary's bytes are printed as written.
pub struct Console {
    quiet: bool,
    to_stderr: bool,
    terminal: Option<Terminal>,
    term_plot: bool,
}

impl Console {
    /// The console of a command with `output`'s options and `outputs`.
    pub fn new(output: &OutputArgs, outputs: &Outputs) -> Self {
        let to_stderr = outputs.stdout_taken();
        let (is_terminal, term) = if to_stderr {
            (std::io::stderr().is_terminal(), console::Term::stderr())
        } else {
            (std::io::stdout().is_terminal(), console::Term::stdout())
        };
        let terminal = is_terminal.then(|| Terminal {
            width: term
                .size_checked()
                .map(|(_, w)| w as usize)
                .filter(|w| *w >= 20)
                .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok())
                .unwrap_or(80),
            colour: cli::colour_wanted(),
        });
        Console {
            quiet: output.quiet,
            to_stderr,
            term_plot: !to_stderr && !output.no_term_plot && terminal.is_some(),
            terminal,
        }
    }

    /// Prints part of the summary now (what was made of the table, before training), unless
    /// quiet.
    pub fn say(&self, text: &str) {
        if !self.quiet {
            self.print(text);
        }
    }

    fn print(&self, text: &str) {
        let text = match &self.terminal {
            Some(t) => t.style(text),
            None => text.to_string(),
        };
        if self.to_stderr {
            eprint!("{text}");
        } else {
            print_quietly(&text);
        }
    }
}

/// Checks every output before any work (see [`Outputs::check`]) and reads the picture's format
/// from the plot's extension, so that `--plot curve.jpg` is refused before training. The picture
/// goes to `default_plot` (`<stem>-<command>.png`) when no --plot was given, but only when the
/// summary is all that standard output carries: with -q, an output on standard output, or
/// `more_on_stdout` (the snippet), the command is a step of a pipe and writes no file the user
/// did not name. A default picture that cannot be written is said as such, not as a bad --plot.
pub fn check_outputs(
    output: &OutputArgs,
    default_plot: Option<PathBuf>,
    more_on_stdout: bool,
    inputs: &[&Path],
) -> Result<(Outputs, Option<Format>)> {
    let named = output.destinations();
    let mut outputs = Outputs::check(named.clone(), inputs)?;
    let quiet_stdout = output.quiet || more_on_stdout || outputs.stdout_taken();
    if let Some(path) = default_plot.filter(|_| !quiet_stdout) {
        let mut all = named;
        all.push((Setting::Plot, Destination::File(path.clone())));
        outputs = Outputs::check(all, inputs).map_err(|e| {
            let why = match &e {
                Error::Config { message, .. } => message.render(&cli::flag),
                other => other.render(&cli::flag),
            };
            Error::Plot(format!(
                "{} (where it goes when --plot is not given): {why}; give --plot PATH to draw it \
                 elsewhere, or --no-plot",
                path.display()
            ))
        })?;
    }
    let format = outputs
        .get(Setting::Plot)
        .map(|d| match d {
            Destination::File(path) => Format::of_path(path),
            Destination::Stdout => Format::of_path(Path::new("-")),
        })
        .transpose()?;
    Ok((outputs, format))
}

/// A progress bar on stderr, its stage named by its prefix and its unit by its message (the
/// library renames both as a command moves from stage to stage). Hidden with `quiet`, and
/// indicatif draws nothing when stderr is not a terminal: the loops only call `inc`.
pub fn progress_bar(quiet: bool, stage: &'static str, unit: &'static str) -> ProgressBar {
    let bar = ProgressBar::hidden();
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:>10} {bar:40} {pos}/{len} {msg} ({rate}, {eta} left)",
        )
        .expect("valid template")
        .with_key(
            "rate",
            |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}/s", state.per_sec());
            },
        ),
    );
    bar.set_prefix(stage);
    bar.set_message(unit);
    // Drawn from here on (when stderr is a terminal): the first frame has its stage and length.
    if !quiet {
        bar.set_draw_target(ProgressDrawTarget::stderr());
    }
    bar
}

/// A progress bar on stderr counting the bytes of the input read, hidden as [`progress_bar`] is.
pub fn reading_bar(quiet: bool) -> ProgressBar {
    let bar = progress_bar(quiet, "reading", "");
    if !bar.is_hidden() {
        bar.set_style(
            ProgressStyle::with_template(
                "reading {bar:40} {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
            )
            .expect("valid template"),
        );
    }
    bar
}

/// An LR as `--quiet` prints it: the same fixed form for every command.
pub fn quiet_lr(lr: f64) -> String {
    format!("{lr:.4e}")
}

/// What a command hands to [`deliver`]: its rendered outputs, its LR (or why there is none),
/// and how to write its summary and draw its curve for a terminal.
pub struct Delivery<T, P>
where
    T: FnOnce(Option<&str>) -> String,
    P: FnOnce(&Terminal) -> String,
{
    /// Each output's bytes (or why it could not be rendered).
    pub rendered: Vec<(Setting, Result<Vec<u8>>)>,
    /// The LR found.
    pub lr: Option<f64>,
    /// Why there is none, in one line.
    pub why: Option<String>,
    /// The summary, given where the plot went.
    pub text: T,
    /// The curve, drawn for a terminal.
    pub plot: P,
}

/// Writes the rendered outputs and tells the user the result: with `quiet`, only the LR on
/// stdout (nothing when stdout carries JSON or CSV) and, without an LR, why in one line on
/// stderr; otherwise the summary (see [`Console`]). An output that cannot be written does not
/// stop the others or the summary; the first failure is returned after them, the others
/// printed.
pub fn deliver<T, P>(outputs: &Outputs, console: &Console, d: Delivery<T, P>) -> Result<()>
where
    T: FnOnce(Option<&str>) -> String,
    P: FnOnce(&Terminal) -> String,
{
    let failed_plot = d
        .rendered
        .iter()
        .any(|(s, r)| *s == Setting::Plot && r.is_err());
    let mut failures = outputs.write(d.rendered);
    if console.quiet {
        match (d.lr, outputs.stdout_taken()) {
            (Some(lr), false) => print_quietly(&format!("{}\n", quiet_lr(lr))),
            (None, _) => eprintln!("lrfind: no LR: {}", d.why.unwrap_or_default()),
            _ => {}
        }
    } else {
        let plot = outputs
            .get(Setting::Plot)
            .filter(|_| !failed_plot && failures.is_empty())
            .map(|d| d.to_string());
        console.print(&(d.text)(plot.as_deref()));
        if let (true, Some(t)) = (console.term_plot, &console.terminal) {
            print_quietly(&format!("\n{}", (d.plot)(t)));
        }
    }
    if lrfind::interrupt::requested() {
        eprintln!(
            "lrfind: interrupted ({}): the outputs hold what was recorded until then",
            lrfind::interrupt::cause()
        );
    }
    let last = failures.pop();
    for e in failures {
        print_lrfind_error(&e);
    }
    last.map_or(Ok(()), Err)
}

/// Refuses an input that is a folder before any work, saying so (the loader would only say "Is
/// a directory (os error 21)").
pub fn check_input(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Err(Error::dataset(
            path,
            "is a folder, not a file; give the path of the file in it",
        ));
    }
    Ok(())
}

/// The start every command on a CSV shares: its input checked, its outputs checked against it
/// before any work (the plot named `<stem>-<command>.png` by default), the console, and the
/// table loaded with a reading progress bar.
pub fn open_table(
    data: &DataArgs,
    output: &OutputArgs,
    seed: u64,
    command: &str,
) -> Result<(Outputs, Option<Format>, Console, Dataset)> {
    check_input(data.input())?;
    let default_plot = output.default_plot(&data.stem(), command);
    let (outputs, plot) = check_outputs(output, default_plot, false, &[data.input()])?;
    let console = Console::new(output, &outputs);
    let dataset = data.load(seed, &reading_bar(output.quiet))?;
    Ok((outputs, plot, console, dataset))
}

/// Renders a curve report's outputs (the plot in `plot`'s format, the JSON, the CSV), delivers
/// them with the summary `text` writes, and gives the outcome: the end `find` and `analyze`
/// share.
pub fn deliver_report(
    report: &Report,
    plot: Option<Format>,
    outputs: &Outputs,
    console: &Console,
    text: impl FnOnce(Option<&str>) -> String,
) -> Result<Outcome> {
    let naming = &cli::flag;
    let mut rendered = Vec::new();
    if let Some(format) = plot {
        rendered.push((Setting::Plot, render(report, format)));
    }
    rendered.push((Setting::Json, Ok(report_json(report, naming))));
    rendered.push((Setting::Csv, Ok(to_csv(report))));
    let lr = report.suggested_lr();
    let why = report
        .main()
        .no_suggestion
        .as_ref()
        .map(|m| m.render(naming));
    deliver(
        outputs,
        console,
        Delivery {
            rendered,
            lr,
            why,
            text,
            plot: |t| curve_plot(report, t),
        },
    )?;
    let doubts = report
        .main()
        .diagnostics
        .iter()
        .any(|d| d.doubts_the_answer());
    Ok(Outcome::of(lr).doubted(doubts))
}

/// Prints to stdout; a closed pipe (`lrfind x.csv | head -1`) is not an error.
fn print_quietly(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
