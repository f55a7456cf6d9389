//! The command line: one tool, several commands (`lrfind [find] CSV`, `lrfind sweep CSV`,
//! `lrfind analyze FILE...`, `lrfind schedule KIND [CSV]`, `lrfind completions SHELL`,
//! `lrfind man [COMMAND]`), each with its options defined once, the one place that names the
//! library's settings as flags, and the one form of an error (`lrfind: error: ...`, exit code 2;
//! help and version exit 0). Parsing only: what a command does is in `crate::app`.

pub mod analyze;
pub mod args;
pub mod completions;
pub mod drive;
pub mod find;
pub mod schedule;
pub mod sweep;

use std::ffi::OsString;
use std::io::IsTerminal;
use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, Parser, Subcommand};

use lrfind::error::Setting;
use lrfind::report::terminal::{paint, Paint};

pub use self::analyze::AnalyzeArgs;
pub use self::completions::{CompletionsArgs, ManArgs};
pub use self::find::FindArgs;
pub use self::schedule::ScheduleArgs;
pub use self::sweep::SweepArgs;

/// Finds a good starting learning rate: Leslie Smith's LR range test on a CSV, with a picture of
/// the loss curve and the suggested LR.
#[derive(Debug, Parser)]
#[command(
    name = "lrfind",
    version,
    about,
    long_about = None,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    override_usage = USAGE,
    after_help = "`lrfind CSV` is `lrfind find CSV`. `lrfind <COMMAND> --help` lists a command's options.\n\n\
        Exit codes: 0 an LR was suggested; 1 no usable LR (the summary says why; the outputs are \
        still written); 2 a usage or input error, or a worker's fault (`lrfind: error: ...`); 3 an \
        LR was suggested but lrfind doubts it (a warning says why); 130 Ctrl-C stopped it (the \
        outputs hold what was finished)."
)]
pub struct Cli {
    /// A command other than the range test.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The range test's options, when no command is named.
    #[command(flatten)]
    pub find: Box<FindArgs>,
}

/// Every way to call lrfind, one command a line.
const USAGE: &str = "lrfind [OPTIONS] <CSV>
       lrfind find [OPTIONS] <CSV>
       lrfind sweep [OPTIONS] <CSV>
       lrfind analyze [OPTIONS] <FILE>...
       lrfind schedule [OPTIONS] <KIND> [CSV]
       lrfind schedule [OPTIONS] --race <KIND,...> [CSV]
       lrfind drive [OPTIONS] -- <COMMAND>...
       lrfind worker [OPTIONS] <CSV>
       lrfind completions <SHELL>
       lrfind man [COMMAND]";

/// lrfind's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the LR range test on a CSV and suggest an LR (the default command).
    Find(Box<FindArgs>),
    /// Train at fixed LRs on a grid and report the best validation loss each reached.
    Sweep(Box<SweepArgs>),
    /// Read a range test recorded elsewhere (PyTorch, Keras, JAX) and suggest an LR.
    Analyze(Box<AnalyzeArgs>),
    /// The LR at every step of a schedule (onecycle, cosine, ...) from --lr or a range test:
    /// shown, exported, drawn, written as code, and raced by training.
    Schedule(Box<ScheduleArgs>),
    /// Run the range test and the race on your own training script (PyTorch, Keras, JAX, burn)
    /// through lrfind's worker protocol: `lrfind drive -- python train.py`.
    Drive(Box<drive::DriveArgs>),
    /// Serve lrfind's own MLP on a CSV as a worker for `lrfind drive`.
    Worker(Box<drive::WorkerArgs>),
    /// Print a completion script for a shell (bash, zsh, fish, powershell).
    Completions(CompletionsArgs),
    /// Print the man page (roff), or a command's: `lrfind man > lrfind.1`, `lrfind man schedule
    /// > lrfind-schedule.1`.
    Man(ManArgs),
}

impl Cli {
    /// The command to run: the one named, or the range test.
    pub fn into_command(self) -> Command {
        self.command.unwrap_or(Command::Find(self.find))
    }
}

/// Whether colour is welcome: NO_COLOR unset or empty (no-color.org).
pub fn colour_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Prints `message` as every error is printed: `lrfind: error: message`, with `error:` in red on
/// a terminal.
pub fn print_error(message: &str) {
    let colour = std::io::stderr().is_terminal() && colour_wanted();
    eprintln!("lrfind: {} {message}", paint("error:", Paint::Bad, colour));
}

/// Parses `argv` (the program's name first) into the command to run; on a parse error, prints
/// it (see [`usage_error`]) and gives the exit code instead. A range test whose CSV does not
/// exist and is a command misspelled (`lrfind analyse`) is refused here too, with the command
/// meant: parsed, it is a file name, and the loader would only say it is not there.
pub fn parse(argv: &[OsString]) -> Result<Command, ExitCode> {
    // `lrfind schedule`'s positional KIND and CSV are optional, so clap would hand them the
    // words of a worker's command after `--`: the command is split off before parsing.
    let (argv, worker) = match argv.iter().position(|a| a == "--") {
        Some(at) if argv.get(1).is_some_and(|a| a == "schedule") => {
            (&argv[..at], Some(argv[at + 1..].to_vec()))
        }
        _ => (argv, None),
    };
    let mut command = match Cli::try_parse_from(argv) {
        Ok(cli) => cli.into_command(),
        Err(e) => return Err(usage_error(e, argv)),
    };
    if let (Command::Schedule(s), Some(worker)) = (&mut command, worker) {
        s.command = worker;
    }
    if let Command::Find(f) = &command {
        let input = f.data.input();
        if input.as_os_str() != "-" && !input.exists() {
            if let Some((_, fixed)) = misspelled_command(argv, false) {
                print_error(&format!(
                    "no file {} and no command `{}`: did you mean `{fixed}`?",
                    input.display(),
                    input.display()
                ));
                return Err(ExitCode::from(2));
            }
        }
    }
    Ok(command)
}

/// The command line as the help and the man pages show it. `lrfind schedule`'s KIND is required
/// in its first form and absent with --race, whose first positional argument is the CSV: clap
/// parses it as optional and would list it as `[KIND]` under a usage that says `<KIND>`; shown
/// here as required, as the usage's first form has it.
pub fn shown() -> clap::Command {
    // Changing an argument moves it last: the positions are given again.
    Cli::command().mut_subcommand("schedule", |s| {
        s.mut_arg("kind", |a| {
            a.required(true)
                .required_unless_present(clap::builder::Resettable::<clap::Id>::Reset)
                .index(1)
        })
        .mut_arg("input", |a| a.index(2))
        .mut_arg("command", |a| a.index(3))
    })
}

/// Whether `argv` asks for `lrfind schedule`'s help (`-h`, `--help`, `lrfind help schedule`).
fn asks_schedule_help(argv: &[OsString]) -> bool {
    let words = words(argv);
    match words.first().map(String::as_str) {
        Some("schedule") => true,
        Some("help") => words.get(1).map(String::as_str) == Some("schedule"),
        _ => false,
    }
}

/// Prints a parse error from clap in lrfind's form and gives the exit code: help and version
/// are printed as they are (`lrfind schedule`'s as [`shown`] draws it), exit 0; anything else
/// is a usage error, exit 2, with the command meant when the arguments show it (see [`meant`]).
pub fn usage_error(e: clap::Error, argv: &[OsString]) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp if asks_schedule_help(argv) => {
            let mut cli = shown();
            cli.build();
            let help = cli
                .find_subcommand_mut("schedule")
                .expect("schedule is a command")
                .render_help();
            let text = if std::io::stdout().is_terminal() && colour_wanted() {
                help.ansi().to_string()
            } else {
                help.to_string()
            };
            let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        _ => {
            if let Some(hint) = meant(&e, argv) {
                print_error(&hint);
                return ExitCode::from(2);
            }
            let rendered = e.render().to_string();
            let message = rendered.strip_prefix("error: ").unwrap_or(&rendered);
            print_error(message.trim_end());
            ExitCode::from(2)
        }
    }
}

/// What the user meant when the range test, which reads one CSV, got a second word where clap
/// looks for a command (`the subcommand 'f.csv' cannot be used with '<CSV>'`): a command
/// misspelled in the CSV's place (`lrfind analyse f.csv`), a command written after the CSV, or
/// several files, which only `lrfind analyze` reads together.
fn meant(e: &clap::Error, argv: &[OsString]) -> Option<String> {
    if e.kind() != ErrorKind::ArgumentConflict {
        return None;
    }
    let Some(ContextValue::String(extra)) = e.get(ContextKind::InvalidSubcommand) else {
        return None;
    };
    if let Some((word, fixed)) = misspelled_command(argv, true) {
        return Some(format!(
            "`{word}` is not a command: did you mean `{fixed}`?"
        ));
    }
    let words = words(argv);
    if commands().contains(extra) {
        let rest: Vec<&str> = words
            .iter()
            .map(String::as_str)
            .filter(|w| w != extra)
            .collect();
        return Some(format!(
            "the command comes first: did you mean `lrfind {extra} {}`?",
            rest.join(" ")
        ));
    }
    // Every word after the CSV that clap took for a command: drop them one by one until the
    // range test's arguments parse, and the CSV is what is left.
    let mut rest = words.clone();
    let mut extras = vec![extra.clone()];
    let csv = loop {
        let last = extras.last()?.clone();
        let at = rest.iter().position(|w| *w == last)?;
        rest.remove(at);
        match Cli::try_parse_from(std::iter::once("lrfind".to_string()).chain(rest.clone())) {
            Ok(cli) => match cli.into_command() {
                Command::Find(f) => break f.data.input().display().to_string(),
                _ => return None,
            },
            Err(e) => match e.get(ContextKind::InvalidSubcommand) {
                Some(ContextValue::String(next)) if extras.len() < 100 => extras.push(next.clone()),
                _ => return None,
            },
        }
    };
    Some(format!(
        "the range test reads one CSV, {csv}, and was given {} more ({}): run lrfind once per \
         file, or read several recorded range tests together with `lrfind analyze {csv} {}`",
        extras.len(),
        extras.join(", "),
        extras.join(" ")
    ))
}

/// A word that is not a file but is one edit or two from a command's name, and the command line
/// with that name in its place, if it then parses (or, unless `must_parse`, even if it lacks its
/// arguments): `analyse` and `lrfind analyze f.csv` for `lrfind analyse f.csv`.
fn misspelled_command(argv: &[OsString], must_parse: bool) -> Option<(String, String)> {
    let words = words(argv);
    for (i, word) in words.iter().enumerate() {
        if word.starts_with('-') || word.contains(['.', '/']) || std::path::Path::new(word).exists()
        {
            continue;
        }
        let Some(command) = commands()
            .into_iter()
            .find(|c| edits(word, c) <= if c.len() > 4 { 2 } else { 1 })
        else {
            continue;
        };
        let mut fixed = words.clone();
        fixed[i] = command;
        let line = std::iter::once("lrfind".to_string()).chain(fixed.iter().cloned());
        if !must_parse || Cli::try_parse_from(line).is_ok() {
            return Some((word.clone(), format!("lrfind {}", fixed.join(" "))));
        }
    }
    None
}

/// The arguments after the program's name, as text.
fn words(argv: &[OsString]) -> Vec<String> {
    argv.iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// The names of lrfind's commands.
fn commands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

/// The Levenshtein distance between `a` and `b`: insertions, deletions and substitutions.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// How the command line names a setting: its flag, with the value when one is given.
pub fn flag(setting: Setting, value: Option<&str>) -> String {
    let name = match setting {
        Setting::Header => "--no-header".to_string(),
        Setting::Verify => "--no-verify".to_string(),
        Setting::Schedule => "<KIND>".to_string(),
        Setting::Framework => "--snippet".to_string(),
        other => format!("--{}", other.key().replace('_', "-")),
    };
    match value {
        Some(v) => format!("{name} {v}"),
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use lrfind::model::Init;
    use lrfind::optim::OptimizerKind;

    fn find(argv: &[&str]) -> FindArgs {
        match Cli::try_parse_from(argv).unwrap().into_command() {
            Command::Find(f) => *f,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
        shown().debug_assert();
        // `lrfind man COMMAND` offers every command.
        let names: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        assert_eq!(names, completions::PAGES);
    }

    #[test]
    fn a_bare_csv_is_the_range_test_and_commands_are_commands() {
        let a = find(&["lrfind", "data/iris.csv"]);
        let b = find(&["lrfind", "find", "data/iris.csv"]);
        assert_eq!(a.data.input(), b.data.input());
        assert!(matches!(
            Cli::try_parse_from(["lrfind", "sweep", "x.csv"])
                .unwrap()
                .into_command(),
            Command::Sweep(_)
        ));
        // A file named like a command is read through a path.
        let f = find(&["lrfind", "./sweep"]);
        assert_eq!(f.data.input().to_str(), Some("./sweep"));
        // `lrfind help` is help, not a file.
        let e = Cli::try_parse_from(["lrfind", "help"]).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::DisplayHelp);
        assert!(Cli::try_parse_from(["lrfind"]).is_err());
    }

    #[test]
    fn defaults_are_the_library_defaults() {
        let c = find(&["lrfind", "data/iris.csv"]).config();
        assert_eq!(c.range.start_lr, 1e-6);
        assert_eq!(c.range.end_lr, 10.0);
        assert_eq!(c.range.batch_size, 64);
        assert_eq!(c.range.model.hidden, [64, 64]);
        assert_eq!(c.range.model.init, Init::default());
        assert_eq!(c.range.optimizer.kind, OptimizerKind::Adam);
        assert_eq!(c.runs, 3);
        assert!(c.verify.is_some());
        assert!(c.validate().is_ok());
    }

    #[test]
    fn negative_numbers_read_as_values_and_are_refused_by_the_library() {
        let c = find(&["lrfind", "x.csv", "--start-lr", "-1"]).config();
        assert_eq!(c.range.start_lr, -1.0);
        let e = c.validate().unwrap_err();
        assert!(matches!(
            e,
            lrfind::Error::Config {
                setting: Setting::StartLr,
                ..
            }
        ));
        assert!(e.render(&flag).starts_with("invalid --start-lr"), "{e}");
    }

    #[test]
    fn data_options_translate() {
        let args = find(&[
            "lrfind",
            "x.csv.gz",
            "--delimiter",
            "tab",
            "--no-header",
            "--na-values",
            "-999,missing",
            "--missing",
            "drop",
            "--ignore",
            "id,name",
        ]);
        let read = args.data.read_options(0);
        assert_eq!(read.delimiter, Some(b'\t'));
        assert_eq!(read.header, Some(false));
        assert_eq!(read.na_values, ["-999", "missing"]);
        let encode = args.data.encode_options();
        assert_eq!(encode.ignore, ["id", "name"]);
        assert_eq!(args.data.stem(), "x");
        assert!(Cli::try_parse_from(["lrfind", "x.csv", "--delimiter", ";;"]).is_err());
        assert!(Cli::try_parse_from(["lrfind", "x.csv", "--optimizer", "lbfgs"]).is_err());
    }

    /// Every setting a library error can name is a flag of some command, spelled as `flag` says.
    #[test]
    fn every_flag_the_library_names_exists() {
        let cli = Cli::command();
        let mut longs: Vec<String> = cli
            .get_arguments()
            .filter_map(|a| a.get_long().map(String::from))
            .collect();
        for sub in cli.get_subcommands() {
            longs.extend(
                sub.get_arguments()
                    .filter_map(|a| a.get_long().map(String::from)),
            );
        }
        for s in [
            Setting::Delimiter,
            Setting::Header,
            Setting::NaValues,
            Setting::Missing,
            Setting::Ignore,
            Setting::Features,
            Setting::Target,
            Setting::Task,
            Setting::MaxCategories,
            Setting::Hidden,
            Setting::Model,
            Setting::Dropout,
            Setting::YRange,
            Setting::Init,
            Setting::Optimizer,
            Setting::Momentum,
            Setting::Nesterov,
            Setting::WeightDecay,
            Setting::BatchSize,
            Setting::Seed,
            Setting::StartLr,
            Setting::EndLr,
            Setting::Steps,
            Setting::Smoothing,
            Setting::DivergeFactor,
            Setting::Runs,
            Setting::ValSplit,
            Setting::Signal,
            Setting::Rule,
            Setting::Verify,
            Setting::VerifySteps,
            Setting::VerifySeeds,
            Setting::VerifyBelow,
            Setting::VerifyUnderDivergence,
            Setting::Lrs,
            Setting::Epochs,
            Setting::MinSteps,
            Setting::Seeds,
            Setting::LrColumn,
            Setting::LossColumn,
            Setting::SmoothedBy,
            Setting::Plot,
            Setting::Json,
            Setting::Csv,
        ] {
            let f = flag(s, None);
            assert!(
                longs.iter().any(|l| format!("--{l}") == f),
                "{s:?} is named {f}, which no command has"
            );
        }
    }
}
