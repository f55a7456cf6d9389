//! `lrfind drive -- COMMAND`: check the outputs, listen and start the workers, wait for their
//! hellos and say what they are, run the same find (or grid) as on a CSV with the workers as its
//! engine, stop the workers, write every output, print the summary; a worker's fault is an
//! error (exit 2) after what was measured is written.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use super::{catch_interrupt, check_outputs, deliver_report, progress_bar, Console, Outcome};
use crate::cli::drive::{DriveArgs, PoolArgs};
use crate::cli::{self};
use lrfind::drive::coordinator::{Pool, PoolConfig, SentKnobs};
use lrfind::drive::launch::{new_token, shown, ENV_CONNECT, ENV_TOKEN};
use lrfind::drive::protocol::Hello;
use lrfind::engine::Engine;
use lrfind::error::{Error, Message, Result, Setting};
use lrfind::find::find_with;
use lrfind::grid::run_grid_with;
use lrfind::optim::OptimizerKind;
use lrfind::report::text::{findings_text, worker_text};
use lrfind::report::{Report, Trainer, WorkerSummary};

/// Runs `lrfind drive` with `args`.
pub fn run(args: &DriveArgs) -> Result<Outcome> {
    if args.trust.val_split.is_some() {
        return Err(Error::config(
            Setting::ValSplit,
            Message::new("has no meaning here: the worker holds out its own rows; ")
                .setting_value(Setting::Signal, "val")
                .text(" reads its validation loss during the range test"),
        ));
    }
    if args.command.is_empty() && args.pool.listen.is_none() {
        return Err(Error::config(
            Setting::Command,
            Message::new(
                "give the worker's command after --, as `lrfind drive -- python train.py`, or ",
            )
            .setting(Setting::Listen)
            .text(" to wait for workers started elsewhere"),
        ));
    }
    if args.pool.workers == 0 {
        return Err(Error::config(Setting::Workers, "must be at least 1"));
    }
    let step_timeout = args.pool.step_timeout()?;
    let default_plot = args.output.default_plot(&stem(&args.command), "lrfind");
    let (outputs, plot) = check_outputs(&args.output, default_plot, false, &[])?;
    let console = Console::new(&args.output, &outputs);
    // Caught from here on: a Ctrl-C while the workers start stops them and exits.
    catch_interrupt();
    let (pool, summary) = start_workers(&args.command, &args.pool, step_timeout, args.sent())?;
    let hello = summary.hello.clone();
    check_knobs(args, &pool, hello.name.as_deref())?;
    let grid = args.grid(
        worker_optimizer(&hello),
        hello.batch_size.map(|b| b as usize),
    );
    console.say(&worker_text(&summary));
    let trainer = Trainer::Worker(Box::new(summary));
    let mut report = if grid.is_grid() {
        let bar = progress_bar(args.output.quiet, "grid", "configurations");
        let found = run_grid_with(&pool, &grid, &bar)?;
        Report::of_grid_findings(&trainer, grid, found)
    } else {
        let bar = progress_bar(args.output.quiet, "range test", "steps");
        let config = grid.base.clone();
        let findings = find_with(&pool, &config, &bar)?;
        Report::of_findings(&trainer, config, findings)
    };
    // The optimizer is the worker's: lrfind knows only its name.
    report.optimizer = None;
    report.detail = args.output.plot_detail;
    let fault = pool.fault();
    let unknown = pool.unknown_messages();
    pool.close();
    if unknown > 0 {
        report.notes.push(format!(
            "the workers sent {unknown} messages of types this lrfind does not know; they were skipped"
        ));
    }
    if let Some(f) = &fault {
        report.notes.push(format!(
            "stopped early: {}; what was measured until then is kept",
            f.render(&cli::flag)
        ));
    } else if lrfind::interrupt::requested()
        && grid_base_verifies(&report)
        && report.main().race.is_none()
    {
        report.notes.push(
            "interrupted (Ctrl-C): the race of candidate LRs did not run to its end, so the suggestion is the rule's pick on the curves recorded".into(),
        );
    }
    let outcome = deliver_report(&report, plot, &outputs, &console, |plot| {
        findings_text(&report, plot, &cli::flag)
    })?;
    match fault {
        Some(f) => Err(f),
        None => Ok(outcome),
    }
}

/// Listens, starts `command` (or waits for workers started elsewhere, saying where and with
/// which token) and waits for every hello: the pool, and what its first worker said of itself.
/// A Ctrl-C must be caught before, so that the workers are ended with lrfind.
pub(super) fn start_workers(
    command: &[OsString],
    args: &PoolArgs,
    step_timeout: Duration,
    knobs: SentKnobs,
) -> Result<(Pool, WorkerSummary)> {
    if args.workers == 0 {
        return Err(Error::config(Setting::Workers, "must be at least 1"));
    }
    let token = std::env::var(ENV_TOKEN)
        .ok()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(new_token);
    let listening = Pool::listen(PoolConfig {
        command: command.to_vec(),
        workers: args.workers,
        listen: args.listen(),
        token: token.clone(),
        step_timeout,
        knobs,
    })?;
    if args.listen.is_some() {
        eprintln!(
            "lrfind: listening on {} for {} worker{}: start each with {ENV_CONNECT}=<this host>:{} {ENV_TOKEN}={token}",
            listening.addr(),
            args.workers,
            if args.workers == 1 { "" } else { "s" },
            listening.addr().port()
        );
    }
    let pool = listening.start()?;
    let hellos = pool.hellos();
    let summary = WorkerSummary {
        command: shown(command),
        workers: hellos.len(),
        hello: lrfind::drive::protocol::Hello {
            token: String::new(),
            ..hellos[0].clone()
        },
    };
    Ok((pool, summary))
}

/// The optimizer a worker said it trains with, as lrfind names it (SGD when it did not say or
/// lrfind does not know it): what the grid and the schedules' snippets are for.
pub(super) fn worker_optimizer(hello: &Hello) -> OptimizerKind {
    hello
        .optimizer
        .as_deref()
        .and_then(|o| <OptimizerKind as clap::ValueEnum>::from_str(o, true).ok())
        .unwrap_or(OptimizerKind::Sgd)
}

/// Whether the report's find asked for a race.
fn grid_base_verifies(report: &Report) -> bool {
    report.settings.find().is_some_and(|f| f.verify.is_some())
}

/// Every knob given must be one the workers set.
fn check_knobs(args: &DriveArgs, pool: &Pool, name: Option<&str>) -> Result<()> {
    let caps = pool.capabilities();
    let sent = args.sent();
    for (asked, has, setting, key) in [
        (
            sent.weight_decay,
            caps.knobs.weight_decay,
            Setting::WeightDecay,
            "weight_decay",
        ),
        (
            sent.momentum,
            caps.knobs.momentum,
            Setting::Momentum,
            "momentum",
        ),
        (
            sent.batch_size,
            caps.knobs.batch_size,
            Setting::BatchSize,
            "batch_size",
        ),
    ] {
        if asked && !has {
            return Err(Error::Worker {
                worker: name.unwrap_or("the worker").to_string(),
                message: Message::new(format!(
                    "does not say it sets {key} (its hello's \"knobs\"), so "
                ))
                .setting(setting)
                .text(format!(
                    " cannot be applied; leave it out, or apply job.knobs[\"{key}\"] in the worker (docs/drive.md)"
                )),
            });
        }
    }
    Ok(())
}

/// What to call the run's files: the first argument that names an existing file (the script,
/// as in `python train.py`), else the program's name.
pub(super) fn stem(command: &[OsString]) -> String {
    command
        .iter()
        .skip(1)
        .map(Path::new)
        .find(|p| p.is_file())
        .or_else(|| command.first().map(Path::new))
        .map_or_else(|| "drive".into(), cli::args::stem)
}
