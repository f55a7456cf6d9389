//! `lrfind schedule`: check the settings and the outputs, load the CSV if there is one, count the
//! steps, find the LR with a range test unless given, build each schedule, race them if asked
//! (Ctrl-C keeps the kinds trained), write every output, print the summary and the snippet.

use std::io::Write;
use std::path::Path;

use super::{catch_interrupt, progress_bar, Outcome};
use crate::cli::schedule::Request;
use crate::cli::{self, ScheduleArgs};
use lrfind::data::split::{check_fraction, split};
use lrfind::engine::builtin::{Builtin, Holdout};
use lrfind::engine::Engine;
use lrfind::error::{Error, Message, Result, Setting};
use lrfind::find::{builtin_engine, find_with, FindConfig, Findings};
use lrfind::model::ModelConfig;
use lrfind::optim::OptimizerConfig;
use lrfind::output::Outputs;
use lrfind::range_test::{RangeTestConfig, DEFAULT_BATCH_SIZE};
use lrfind::report::plot::Format;
use lrfind::report::schedule::{
    schedule_csv, schedule_json, schedule_text, LrSource, ScheduleEntry, ScheduleReport,
    StepsSource,
};
use lrfind::report::schedule_plot::schedule_png;
use lrfind::report::text::worker_text;
use lrfind::report::{Group, ModelSummary};
use lrfind::schedule::{snippet, Framework, ScheduleKind, ScheduleOptions};
use lrfind::train::schedule_race::{
    race, reads, restrict, Entrant, PeakRule, PlateauSettings, RaceConfig, ScheduleRace,
    EVALUATIONS,
};

/// Runs `lrfind schedule` with `args`.
pub fn run(args: &ScheduleArgs) -> Result<Outcome> {
    args.model.single()?;
    let request = args.request()?;
    let options = args.options()?;
    let plateau = args.plateau();
    check_reads(&request, &args.given())?;
    let kinds = tabulated(&request)?;
    let given_lr = args.run.lr;
    if request.input.is_none() && !request.driven {
        if given_lr.is_none() {
            return Err(Error::config(
                Setting::Lr,
                "no LR to build the schedule from: give the peak LR, as --lr 0.01, or a CSV for \
                 a range test to find it on, as `lrfind schedule onecycle data.csv --epochs 10`",
            ));
        }
        if args.run.epochs.is_some() {
            return Err(Error::config(
                Setting::Epochs,
                Message::new("counts passes over a CSV's training rows; give the CSV, or ")
                    .setting(Setting::Steps),
            ));
        }
        if args.run.steps.is_none() {
            return Err(Error::config(
                Setting::Steps,
                Message::new("give the run's length in optimizer steps, or a CSV and ")
                    .setting(Setting::Epochs),
            ));
        }
    }
    if args.run.steps == Some(0) {
        return Err(Error::config(
            Setting::Steps,
            "0 steps: a schedule needs at least 1",
        ));
    }
    if args.run.epochs == Some(0) {
        return Err(Error::config(
            Setting::Epochs,
            "0 epochs: a run needs at least 1",
        ));
    }
    let (stem, suffix) = match (&request.input, request.race) {
        (_, false) => (kinds[0].name().to_string(), "schedule"),
        (Some(input), true) => (cli::args::stem(input), "race"),
        (None, true) if request.driven => (super::drive::stem(&args.command), "race"),
        (None, true) => ("race".to_string(), "schedule"),
    };
    let inputs: Vec<&Path> = request.input.iter().map(|p| p.as_path()).collect();
    for input in &inputs {
        super::check_input(input)?;
    }
    let default_plot = args.output.default_plot(&stem, suffix);
    let (outputs, format) =
        super::check_outputs(&args.output, default_plot, args.snippet.is_some(), &inputs)?;
    if format == Some(Format::Svg) {
        return Err(Error::config(
            Setting::Plot,
            "lrfind schedule draws PNG only; give a name ending in .png",
        ));
    }
    if request.driven && request.input.is_none() {
        return on_workers(args, &request, &kinds, &options, &plateau, &outputs);
    }
    let report = match &request.input {
        None => {
            let (lr, steps) = (given_lr.expect("checked"), args.run.steps.expect("checked"));
            let entries = entries(&kinds, |_| Some(lr), true, steps, &options, &plateau)?;
            ScheduleReport {
                version: env!("CARGO_PKG_VERSION").to_string(),
                data: None,
                model: None,
                optimizer: None,
                batch_size: None,
                worker: None,
                lr_source: LrSource::Given { lr },
                steps,
                steps_source: StepsSource::Given,
                entries,
                several: request.race,
                race: None,
                notes: plateau_note(&request, &kinds),
            }
        }
        Some(input) if !request.driven => {
            let find_config = find_config(args);
            find_config.validate()?;
            let race_config = RaceConfig {
                optimizer: args.model.optimizer(),
                batch_size: args.model.batch_size(),
                steps: 1,
                seeds: args.race.seeds,
                seed: args.model.seed,
                evaluations: EVALUATIONS,
            };
            if request.race {
                race_config.validate()?;
            }
            check_fraction(Setting::ValSplit, args.run.val_split)?;
            let dataset = args
                .data(input)
                .load(args.model.seed, &super::reading_bar(args.output.quiet))?;
            let train_rows = split(&dataset, args.run.val_split, args.model.seed)
                .train
                .len();
            let (steps, steps_source) = steps(
                args,
                train_rows,
                args.model.batch_size(),
                Some(args.run.val_split),
            )?;
            let find_engine = builtin_engine(&dataset, &find_config)?;
            let holdout = Holdout {
                fraction: args.run.val_split,
                capped: false,
            };
            let race_engine = Builtin::new(&dataset, args.model.model(), holdout);
            let on = Engines {
                find: &find_engine,
                race: &race_engine,
                name: input.display().to_string(),
            };
            let Some(mut t) = train_schedules(
                args,
                &request,
                &kinds,
                &options,
                &plateau,
                &on,
                &find_config,
                RaceConfig {
                    steps,
                    ..race_config
                },
            )?
            else {
                return Ok(Outcome::NoSuggestion);
            };
            if let Some(race) = t.race.as_mut() {
                let s = split(&dataset, args.run.val_split, args.model.seed);
                (race.train_rows, race.val_rows) = (Some(s.train.len()), Some(s.val.len()));
            }
            if args.model.batch_size() > train_rows {
                t.notes.push(format!(
                    "batch size {} is more than the {train_rows} training rows: each batch \
                     holds all of them",
                    args.model.batch_size()
                ));
            }
            ScheduleReport {
                model: Some(ModelSummary::new(&args.model.model(), &dataset)),
                optimizer: Some(args.model.optimizer()),
                batch_size: Some(args.model.batch_size().min(train_rows).max(1)),
                data: Some(dataset.summary),
                ..t.report(steps, steps_source, request.race)
            }
        }
        Some(_) => {
            return Err(Error::config(
                Setting::Command,
                "give a CSV or a worker's command after --, not both",
            ))
        }
    };
    write_report(args, &report, &outputs, &args.model.optimizer())
}

/// Writes every output of `report`, prints the summary and the snippet (for `optimizer`), and
/// says when a Ctrl-C cut the race short.
fn write_report(
    args: &ScheduleArgs,
    report: &ScheduleReport,
    outputs: &Outputs,
    optimizer: &OptimizerConfig,
) -> Result<Outcome> {
    let quiet = args.output.quiet;
    let mut rendered = Vec::new();
    if outputs.get(Setting::Plot).is_some() {
        rendered.push((Setting::Plot, schedule_png(report)));
    }
    if outputs.get(Setting::Json).is_some() {
        rendered.push((Setting::Json, Ok(schedule_json(report))));
    }
    if outputs.get(Setting::Csv).is_some() {
        rendered.push((Setting::Csv, Ok(schedule_csv(report))));
    }
    let code = args.snippet.map(|f| snippets(report, optimizer, f));
    deliver(outputs, rendered, quiet, code, |plot| {
        schedule_text(report, plot, &cli::flag)
    })?;
    if lrfind::interrupt::requested() {
        eprintln!(
            "lrfind: interrupted ({}): the outputs hold the tables and the kinds that finished \
             training",
            lrfind::interrupt::cause()
        );
        return Ok(Outcome::Interrupted);
    }
    Ok(Outcome::Suggested)
}

/// What trains the range test and the race: lrfind's model on the CSV, or the user's workers.
struct Engines<'e> {
    find: &'e dyn Engine,
    race: &'e dyn Engine,
    /// What the range test ran on, for the message when it found no LR.
    name: String,
}

/// What training gave the schedules.
struct Trained {
    lr_source: LrSource,
    entries: Vec<ScheduleEntry>,
    race: Option<ScheduleRace>,
    notes: Vec<String>,
}

impl Trained {
    /// The report of these schedules over `steps` (from `steps_source`), `several` when raced or
    /// asked for with --race; what trained (data, model, worker) is the caller's to fill in.
    fn report(self, steps: usize, steps_source: StepsSource, several: bool) -> ScheduleReport {
        ScheduleReport {
            version: env!("CARGO_PKG_VERSION").to_string(),
            data: None,
            model: None,
            optimizer: None,
            batch_size: None,
            worker: None,
            lr_source: self.lr_source,
            steps,
            steps_source,
            entries: self.entries,
            several,
            race: self.race,
            notes: self.notes,
        }
    }
}

/// Finds the LR with a range test on `on.find` (unless given), builds each kind from it, and
/// races them on `on.race` when asked (Ctrl-C keeps the kinds trained). `None`: the range test
/// found no LR for a kind, said on stderr.
#[allow(clippy::too_many_arguments)]
fn train_schedules(
    args: &ScheduleArgs,
    request: &Request,
    kinds: &[ScheduleKind],
    options: &ScheduleOptions,
    plateau: &PlateauSettings,
    on: &Engines<'_>,
    find_config: &FindConfig,
    race_config: RaceConfig,
) -> Result<Option<Trained>> {
    let quiet = args.output.quiet;
    let given_lr = args.run.lr;
    let steps = race_config.steps;
    // Every setting is checked before the range test, with a stand-in LR.
    let probe = given_lr.unwrap_or_else(|| options.min_lr.unwrap_or(0.0).max(1.0));
    entries(kinds, |_| Some(probe), true, steps, options, plateau)?;
    let (lr_source, findings) = match given_lr {
        Some(lr) => (LrSource::Given { lr }, None),
        None => {
            let bar = progress_bar(quiet, "range test", "steps");
            let findings = find_with(on.find, find_config, &bar)?;
            bar.finish_and_clear();
            let source = LrSource::RangeTest {
                suggested_lr: findings.suggested_lr(),
                minimum_lr: findings.minimum_lr(),
                divergence_lr: findings.divergence_lr(),
                runs: findings.runs.len(),
            };
            (source, Some(findings))
        }
    };
    if let Some(f) = &findings {
        if let Some(why) = missing_lr(kinds, f, find_config) {
            eprintln!(
                "lrfind: no LR: {why}; run `lrfind {}` to see the curve, or give {}",
                on.name,
                cli::flag(Setting::Lr, None)
            );
            return Ok(None);
        }
    }
    let lr_of = |kind: ScheduleKind| match (&findings, given_lr) {
        (Some(f), _) => PeakRule::of(kind).lr(f),
        (None, lr) => lr,
    };
    let entries = entries(kinds, lr_of, given_lr.is_some(), steps, options, plateau)?;
    let mut notes = Vec::new();
    let race = if request.race {
        let entrants: Vec<Entrant> = entries.iter().map(|e| e.entrant.clone()).collect();
        let bar = progress_bar(quiet, "race", "runs");
        // Caught from here on (after the range test, whose LR a Ctrl-C must not cut short), so
        // that a Ctrl-C keeps the kinds trained and the tables.
        catch_interrupt();
        let race = race(on.race, &entrants, &race_config, &bar)?;
        if race.entries.is_empty() {
            notes.push(format!(
                "interrupted ({}) before any kind had trained to the end: the race has no \
                 results; the tables are written",
                lrfind::interrupt::cause()
            ));
            None
        } else {
            Some(race)
        }
    } else {
        None
    };
    Ok(Some(Trained {
        lr_source,
        entries,
        race,
        notes,
    }))
}

/// `lrfind schedule [--race KINDS] -- COMMAND`: the range test and the race on the user's
/// workers, as `lrfind drive` runs them; a worker's fault is an error (exit 2) after what was
/// measured is written.
#[allow(clippy::too_many_arguments)]
fn on_workers(
    args: &ScheduleArgs,
    request: &Request,
    kinds: &[ScheduleKind],
    options: &ScheduleOptions,
    plateau: &PlateauSettings,
    outputs: &Outputs,
) -> Result<Outcome> {
    let step_timeout = args.pool.step_timeout()?;
    // Caught before the workers start, so that a Ctrl-C ends them with lrfind.
    catch_interrupt();
    let (pool, summary) =
        super::drive::start_workers(&args.command, &args.pool, step_timeout, Default::default())?;
    if !args.output.quiet && !outputs.stdout_taken() {
        eprint!("{}", worker_text(&summary));
    }
    let hello = &summary.hello;
    let optimizer = OptimizerConfig::new(super::drive::worker_optimizer(hello));
    let batch_size = hello.batch_size.map_or(DEFAULT_BATCH_SIZE, |b| b as usize);
    let find_config = FindConfig::with_defaults(RangeTestConfig {
        batch_size,
        seed: args.model.seed,
        ..RangeTestConfig::with_defaults(ModelConfig::default(), optimizer)
    });
    find_config.validate()?;
    let train_rows = hello.train_size.map_or(0, |t| t as usize);
    let (steps, steps_source) = steps(args, train_rows, batch_size, None)?;
    let race_config = RaceConfig {
        optimizer,
        batch_size,
        steps,
        seeds: args.race.seeds,
        seed: args.model.seed,
        evaluations: EVALUATIONS,
    };
    if request.race {
        race_config.validate()?;
        if !pool.capabilities().validation {
            return Err(Error::Worker {
                worker: hello
                    .name
                    .clone()
                    .unwrap_or_else(|| summary.command.clone()),
                message: Message::new(
                    "measures no validation loss (its hello's \"validation\" is false), so \
                     schedules cannot be raced on it; drop ",
                )
                .setting(Setting::Race),
            });
        }
    }
    let on = Engines {
        find: &pool,
        race: &pool,
        name: format!("drive -- {}", summary.command),
    };
    let trained = train_schedules(
        args,
        request,
        kinds,
        options,
        plateau,
        &on,
        &find_config,
        race_config,
    );
    let fault = pool.fault();
    pool.close();
    let t = match trained {
        Ok(Some(t)) => t,
        Ok(None) => return fault.map_or(Ok(Outcome::NoSuggestion), Err),
        Err(e) => return Err(fault.unwrap_or(e)),
    };
    let report = ScheduleReport {
        optimizer: Some(optimizer),
        batch_size: Some(batch_size),
        worker: Some(summary),
        ..t.report(steps, steps_source, request.race)
    };
    let outcome = write_report(args, &report, outputs, &optimizer)?;
    match fault {
        Some(f) => Err(f),
        None => Ok(outcome),
    }
}

/// The range test `lrfind find` would run with the same data, model and optimizer flags.
fn find_config(args: &ScheduleArgs) -> FindConfig {
    let range = RangeTestConfig {
        batch_size: args.model.batch_size(),
        seed: args.model.seed,
        ..RangeTestConfig::with_defaults(args.model.model(), args.model.optimizer())
    };
    FindConfig::with_defaults(range)
}

/// Refuses a setting that none of the kinds asked for reads, naming it with the value given.
fn check_reads(request: &Request, given: &[(Setting, String)]) -> Result<()> {
    for (s, value) in given {
        if request.kinds.iter().any(|k| reads(*k).contains(s)) {
            continue;
        }
        let readers: Vec<&str> = ScheduleKind::ALL
            .iter()
            .filter(|k| reads(**k).contains(s))
            .map(|k| k.name())
            .collect();
        let kinds: Vec<&str> = request.kinds.iter().map(|k| k.name()).collect();
        let which = if request.race {
            format!("any kind raced ({})", kinds.join(", "))
        } else {
            format!("`{}`", kinds[0])
        };
        let what = if value.is_empty() {
            "it".to_string()
        } else {
            value.clone()
        };
        return Err(Error::config(
            *s,
            format!(
                "{what} does not apply to {which}; this setting is read by {}",
                readers.join(", ")
            ),
        ));
    }
    Ok(())
}

/// The kinds to build: a plateau only in a race with a CSV, where training gives it a metric.
fn tabulated(request: &Request) -> Result<Vec<ScheduleKind>> {
    let plateau = ScheduleKind::Plateau;
    if !request.kinds.contains(&plateau) {
        return Ok(request.kinds.clone());
    }
    let race_it = Message::new(
        "`plateau` follows the validation loss, so it has no table; race it on a CSV, as ",
    )
    .setting_value(Setting::Race, "plateau,cosine")
    .text(" data.csv");
    if !request.race {
        return Err(Error::config(Setting::Schedule, race_it));
    }
    if request.input.is_some() || request.driven {
        return Ok(request.kinds.clone());
    }
    let rest: Vec<ScheduleKind> = request
        .kinds
        .iter()
        .copied()
        .filter(|k| *k != plateau)
        .collect();
    if rest.is_empty() {
        return Err(Error::config(Setting::Race, race_it));
    }
    Ok(rest)
}

fn plateau_note(request: &Request, kinds: &[ScheduleKind]) -> Vec<String> {
    if request.kinds.len() > kinds.len() {
        vec!["plateau is left out: it follows the validation loss, so it has no table without training".into()]
    } else {
        Vec::new()
    }
}

/// Builds each kind from the LR `lr_of` gives it (given, or per its [`PeakRule`]).
fn entries(
    kinds: &[ScheduleKind],
    lr_of: impl Fn(ScheduleKind) -> Option<f64>,
    given: bool,
    steps: usize,
    options: &ScheduleOptions,
    plateau: &PlateauSettings,
) -> Result<Vec<ScheduleEntry>> {
    kinds
        .iter()
        .map(|&kind| {
            let lr = lr_of(kind).expect("every kind has its LR");
            let (entrant, filled) =
                Entrant::build(kind, lr, steps, &restrict(options, kind), plateau)?;
            Ok(ScheduleEntry {
                entrant,
                rule: if given {
                    PeakRule::Given
                } else {
                    PeakRule::of(kind)
                },
                filled,
            })
        })
        .collect()
}

/// Why a kind has no LR from the range test, if one has none.
fn missing_lr(kinds: &[ScheduleKind], findings: &Findings, config: &FindConfig) -> Option<String> {
    let kind = kinds
        .iter()
        .find(|k| PeakRule::of(**k).lr(findings).is_none())?;
    let rule = PeakRule::of(*kind);
    let why = Group::from_findings(String::new(), findings.clone(), config.rule)
        .no_suggestion
        .map(|m| m.render(&cli::flag))
        .unwrap_or_else(|| "the loss did not fall before it diverged".into());
    Some(format!(
        "{kind} starts from {}, and there is none: {why}",
        rule.describe()
    ))
}

/// The run's length: `--steps`, or epochs over `train_rows` training rows, `ceil(rows / batch)`
/// steps each, as a PyTorch loader that keeps the last partial batch counts them. `val_split` is
/// the fraction lrfind held out (`None`: a worker holds out its own).
fn steps(
    args: &ScheduleArgs,
    train_rows: usize,
    batch_size: usize,
    val_split: Option<f64>,
) -> Result<(usize, StepsSource)> {
    let Some(budget) = args.budget() else {
        return Ok((
            args.run.steps.expect("--steps without a budget"),
            StepsSource::Given,
        ));
    };
    if train_rows == 0 {
        return Err(Error::config(
            Setting::Steps,
            "the worker did not say how many training examples an epoch has (its hello's \
             \"train_size\"), so epochs cannot be counted; give the run's length in steps",
        ));
    }
    let batch_size = batch_size.min(train_rows).max(1);
    let per_epoch = train_rows.div_ceil(batch_size);
    Ok((
        budget.steps(per_epoch),
        StepsSource::Epochs {
            epochs: budget.epochs,
            min_steps: budget.min_steps,
            train_rows,
            val_split,
            batch_size,
            batches_per_epoch: per_epoch,
        },
    ))
}

/// The code that builds each schedule, and `optimizer` (the one the LR is for), in `framework`:
/// one schedule's as the library writes it; several, each under a comment naming its kind.
fn snippets(report: &ScheduleReport, optimizer: &OptimizerConfig, framework: Framework) -> String {
    if report.single() {
        let s = report.entries[0].schedule().expect("one kind has a table");
        return snippet(s, optimizer, framework);
    }
    let marker = match framework {
        Framework::Burn => "//",
        _ => "#",
    };
    let mut out = String::new();
    for (i, e) in report.entries.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match e.schedule() {
            Some(s) => {
                out += &format!("{marker} {}\n", e.kind());
                out += &snippet(s, optimizer, framework);
            }
            None => {
                out += &format!(
                    "{marker} {}: no snippet; it follows the validation loss (PyTorch's \
                     ReduceLROnPlateau)\n",
                    e.kind()
                );
            }
        }
    }
    out
}

/// Writes the rendered outputs, then shows the summary (unless `quiet`) and the snippet: on
/// stdout, or on stderr when an output took stdout. An output that cannot be written does not
/// stop the others; the first failure is returned after them.
fn deliver(
    outputs: &Outputs,
    rendered: Vec<(Setting, Result<Vec<u8>>)>,
    quiet: bool,
    code: Option<String>,
    text: impl FnOnce(Option<&str>) -> String,
) -> Result<()> {
    let failed_plot = rendered
        .iter()
        .any(|(s, r)| *s == Setting::Plot && r.is_err());
    let mut failures = outputs.write(rendered);
    let show = |s: &str| {
        if outputs.stdout_taken() {
            eprint!("{s}");
        } else {
            // A closed pipe (`lrfind schedule ... | head -1`) is not an error.
            let _ = std::io::stdout().lock().write_all(s.as_bytes());
        }
    };
    if !quiet {
        let plot = outputs
            .get(Setting::Plot)
            .filter(|_| !failed_plot && failures.is_empty())
            .map(|d| d.to_string());
        show(&text(plot.as_deref()));
    }
    if let Some(code) = code {
        if !quiet {
            show("\n");
        }
        show(&code);
    }
    let last = failures.pop();
    for e in failures {
        eprintln!("lrfind: error: {}", e.render(&cli::flag));
    }
    last.map_or(Ok(()), Err)
}
