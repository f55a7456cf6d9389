//! `lrfind schedule KIND [CSV]` and `lrfind schedule --race KIND,... [CSV]`: the options of the
//! schedule command. Each schedule setting is a flag named as the library names it
//! (`min_lr` is `--min-lr`), left unset unless given, so that the library's defaults and its
//! refusal of a setting a kind does not read both apply.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::args::{DataArgs, ModelArgs, OutputArgs};
use super::drive::PoolArgs;
use lrfind::error::{Error, Message, Result, Setting};
use lrfind::schedule::{
    Anneal, CyclicMode, DecayShape, Framework, OneCycleVariant, ScheduleKind, ScheduleOptions,
};
use lrfind::train::fixed::Budget;
use lrfind::train::schedule_race::{PlateauSettings, DEFAULT_SEEDS};
use lrfind::train::sweep::DEFAULT_VAL_SPLIT;

/// The LR (and momentum) at every optimizer step of a schedule, computed as PyTorch, Keras, optax
/// or fastai computes it: shown, exported as CSV or JSON, drawn, written as code, and raced. The
/// peak LR is --lr, or found by a range test on the CSV (or on a worker: your own training, after
/// `--`, as `lrfind drive` runs it). `--race` trains lrfind's model (or the worker) with several
/// schedules from the same found LR and compares their validation loss.
#[derive(Debug, Clone, Args)]
#[command(
    override_usage = "lrfind schedule [OPTIONS] <KIND> [CSV]\n       \
                      lrfind schedule [OPTIONS] --race <KIND,...> [CSV]\n       \
                      lrfind schedule [OPTIONS] [<KIND> | --race <KIND,...>] -- COMMAND [ARGS]...",
    after_help = "Examples:\n  \
        lrfind schedule onecycle --lr 0.01 --steps 1000 --csv -\n  \
        lrfind schedule cosine data.csv --epochs 10 --snippet pytorch\n  \
        lrfind schedule --race onecycle,cosine,step,constant data.csv --epochs 10\n  \
        lrfind schedule --race onecycle,cosine,plateau --epochs 5 -- python train.py\n\n\
        docs/schedules.md gives every kind's formula, and how a found LR becomes its peak; \
        `lrfind man schedule` prints this page with every option's full description.",
    // One line an option: the schedule reads some forty, and each value's description is in
    // its man page. Without a terminal plot, --no-term-plot does nothing here.
    disable_help_flag = true,
    mut_arg("no_term_plot", |a| a.hide(true)),
    mut_arg("input", |a| a.required(false).help_heading(None::<&str>).help(
        "A CSV to find the peak LR on with a range test, and whose rows count --epochs (`-`: \
         standard input; .gz is decompressed) [default: none: give --lr and --steps]"
    )),
    mut_arg("plot", |a| a.help(
        "Where to write the PNG [default: <KIND>-schedule.png; for a race <CSV stem>-race.png, \
         race-schedule.png without a CSV; none with -q, --snippet, `--json -` or `--csv -`]"
    )),
    mut_arg("csv", |a| a.help(
        "Write the table as CSV to PATH (`-`: standard output, and nothing else goes there): \
         step,lr[,momentum]; with several kinds kind,step,lr,momentum; for a race one row per \
         run"
    )),
    mut_arg("quiet", |a| a.help(
        "No progress bar and no summary: print nothing but errors (and the --snippet if asked)"
    )),
)]
pub struct ScheduleArgs {
    /// Print help.
    #[arg(short, long, action = clap::ArgAction::HelpShort)]
    pub help: Option<bool>,

    /// The schedule: constant, onecycle, cosine, cosine-restarts, exponential, step, multistep,
    /// piecewise, poly, inverse-time, cyclic, wsd (plateau only in a race). With --race, the only
    /// positional argument is the CSV.
    // A string, not a `ScheduleKind`: with --race this slot holds the CSV.
    #[arg(value_name = "KIND", required_unless_present = "race")]
    pub kind: Option<String>,

    /// The run.
    #[command(flatten)]
    pub run: RunArgs,

    /// The schedule's settings.
    #[command(flatten)]
    pub settings: SettingArgs,

    /// The race.
    #[command(flatten)]
    pub race: RaceArgs,

    /// The model and optimizer of the range test and the race.
    #[command(flatten)]
    pub model: ModelArgs,

    /// Where results go.
    #[command(flatten)]
    pub output: OutputArgs,

    /// Print the code that builds the same schedule, and the optimizer the LR is for with its
    /// settings, in this framework.
    #[arg(long, value_enum, value_name = "FRAMEWORK", help_heading = "Output")]
    pub snippet: Option<Framework>,

    /// The data the peak LR is found on.
    #[command(flatten)]
    pub data: DataArgs,

    /// The workers, when the range test and the race run on the user's training (`lrfind
    /// drive`'s protocol, docs/drive.md) in place of a CSV.
    #[command(flatten)]
    pub pool: PoolArgs,

    /// A worker's command and its arguments, after `--`: the range test and the race run on it
    /// in place of lrfind's model on a CSV.
    #[arg(last = true, value_name = "COMMAND", num_args = 0..)]
    pub command: Vec<std::ffi::OsString>,
}

/// The peak LR and the length of the run.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Run")]
pub struct RunArgs {
    /// The peak LR (the starting LR of schedules that only decay) [default: found by a range
    /// test on the CSV: halfway (in log LR) between the suggested LR and the curve's minimum for
    /// onecycle and cyclic, the suggested LR for the others].
    #[arg(long, value_name = "LR", allow_negative_numbers = true)]
    pub lr: Option<f64>,

    /// Optimizer steps in the run: the table's length.
    #[arg(long, value_name = "N", conflicts_with = "epochs")]
    pub steps: Option<usize>,

    /// Passes over the CSV's training rows: ceil(training rows / batch size) steps each
    /// [default with a CSV and no --steps: 10 epochs and at least 500 steps].
    #[arg(long, value_name = "N")]
    pub epochs: Option<usize>,

    /// Fraction of the CSV's rows held out for validation: the race measures on them, and
    /// --epochs counts batches over the rest.
    #[arg(long, value_name = "F", default_value_t = DEFAULT_VAL_SPLIT, allow_negative_numbers = true)]
    pub val_split: f64,
}

/// Every schedule's settings; a kind refuses one it does not read.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Schedule settings (each kind reads its own; docs/schedules.md)")]
pub struct SettingArgs {
    /// The floor LR: cosine, cosine-restarts, wsd, plateau; cyclic's lower bound [cyclic
    /// default: --lr / 4].
    #[arg(long, value_name = "LR", allow_negative_numbers = true)]
    pub min_lr: Option<f64>,
    /// cosine: linear warm-up steps before the peak [default: 0].
    #[arg(long, value_name = "N")]
    pub warmup: Option<usize>,
    /// cosine: the warm-up's first LR as a fraction of the peak [default: 1/3].
    #[arg(long, value_name = "F", allow_negative_numbers = true)]
    pub warmup_start_factor: Option<f64>,
    /// onecycle: PyTorch's OneCycleLR or fastai's fit_one_cycle [default: pytorch].
    #[arg(long, value_enum)]
    pub variant: Option<OneCycleVariant>,
    /// onecycle: fraction of the run spent rising [default: 0.3; fastai 0.25].
    #[arg(long, value_name = "F", allow_negative_numbers = true)]
    pub pct_start: Option<f64>,
    /// onecycle: the peak over the starting LR [default: 25].
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub div: Option<f64>,
    /// onecycle: the starting LR over the final one (fastai: the peak over it) [default: 1e4;
    /// fastai 1e5].
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub final_div: Option<f64>,
    /// onecycle: PyTorch's three phases (up, back down, then annihilation).
    #[arg(long)]
    pub three_phase: bool,
    /// onecycle: how the LR moves between its values [default: cos].
    #[arg(long, value_enum)]
    pub anneal: Option<Anneal>,
    /// onecycle: whether momentum cycles against the LR [default: true].
    #[arg(long, value_name = "BOOL")]
    pub cycle_momentum: Option<bool>,
    /// onecycle: the momentum at the peak LR [default: 0.85].
    #[arg(long, value_name = "M", allow_negative_numbers = true)]
    pub base_momentum: Option<f64>,
    /// onecycle: the momentum at the ends [default: 0.95].
    #[arg(long, value_name = "M", allow_negative_numbers = true)]
    pub max_momentum: Option<f64>,
    /// cosine-restarts: steps of the first cycle [default: three cycles fill the run].
    #[arg(long, value_name = "N")]
    pub period: Option<usize>,
    /// cosine-restarts: each cycle is this many times longer than the last [default: 1].
    #[arg(long, value_name = "N")]
    pub period_mult: Option<usize>,
    /// The decay factor: exponential (per step) [default: the LR falls 100-fold over the run],
    /// step and multistep (at each decay) [default: 0.1], cyclic's exp-range (per step).
    #[arg(long, value_name = "G", allow_negative_numbers = true)]
    pub gamma: Option<f64>,
    /// step: steps between decays [default: a third of the run].
    #[arg(long, value_name = "N")]
    pub step_size: Option<usize>,
    /// multistep: the steps at which the LR decays [default: at 50% and 75% of the run].
    #[arg(long, value_delimiter = ',', value_name = "N,N,...")]
    pub milestones: Option<Vec<usize>>,
    /// piecewise: the last step of each piece [default: 50% and 75% of the run, less one].
    #[arg(long, value_delimiter = ',', value_name = "N,N,...")]
    pub boundaries: Option<Vec<usize>>,
    /// piecewise: each piece's multiplier of the LR, one more than boundaries [default: 1, 0.1,
    /// 0.01, ...].
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "X,X,...",
        allow_negative_numbers = true
    )]
    pub values: Option<Vec<f64>>,
    /// poly, inverse-time: the exponent [default: 1].
    #[arg(long, value_name = "P", allow_negative_numbers = true)]
    pub power: Option<f64>,
    /// inverse-time: the rate [default: 1].
    #[arg(long, value_name = "R", allow_negative_numbers = true)]
    pub decay_rate: Option<f64>,
    /// inverse-time: the step scale [default: the LR falls 10-fold over the run].
    #[arg(long, value_name = "N")]
    pub decay_steps: Option<usize>,
    /// inverse-time: decay in whole periods of --decay-steps.
    #[arg(long)]
    pub staircase: bool,
    /// cyclic: steps of each rise [default: a quarter of the run, two cycles].
    #[arg(long, value_name = "N")]
    pub step_size_up: Option<usize>,
    /// cyclic: steps of each fall [default: --step-size-up].
    #[arg(long, value_name = "N")]
    pub step_size_down: Option<usize>,
    /// cyclic: the amplitude of each cycle [default: triangular].
    #[arg(long, value_enum)]
    pub mode: Option<CyclicMode>,
    /// wsd: warm-up, stable and decay fractions of the run [default: 0.1,0.7,0.2].
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "W,S,D",
        allow_negative_numbers = true
    )]
    pub fractions: Option<Vec<f64>>,
    /// wsd: the shape of the cooldown [default: cosine].
    #[arg(long, value_enum)]
    pub decay_shape: Option<DecayShape>,
    /// plateau: what the LR is multiplied by at a plateau [default: 0.1].
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub factor: Option<f64>,
    /// plateau: evaluations without improvement before a cut [default: 10].
    #[arg(long, value_name = "N")]
    pub patience: Option<usize>,
    /// plateau: the least relative fall that counts as an improvement [default: 1e-4].
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub threshold: Option<f64>,
    /// plateau: evaluations ignored after a cut [default: 0].
    #[arg(long, value_name = "N")]
    pub cooldown: Option<usize>,
}

/// Racing schedules by training.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Race")]
pub struct RaceArgs {
    /// Train lrfind's model once per kind (comma-separated, or `all`; plateau included) from the
    /// same found LR, seeds, splits and batches, and compare the validation loss. Without a CSV:
    /// draw and export the tables of the kinds, side by side.
    #[arg(long, value_name = "KIND,...")]
    pub race: Option<String>,

    /// Runs per kind, seeds --seed.. --seed+N-1, each on its own split.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SEEDS)]
    pub seeds: usize,
}

/// What the command is asked to do, read from the arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The kinds: one, or the race's.
    pub kinds: Vec<ScheduleKind>,
    /// Whether the kinds were asked for with `--race`.
    pub race: bool,
    /// The CSV, if any.
    pub input: Option<PathBuf>,
    /// Whether workers train (a COMMAND after `--`, or `--listen`), in place of a CSV.
    pub driven: bool,
}

impl ScheduleArgs {
    /// The kinds and the CSV, from the positional arguments and `--race`.
    pub fn request(&self) -> Result<Request> {
        match &self.race.race {
            Some(list) => {
                if self.data.input.is_some() {
                    return Err(Error::config(
                        Setting::Race,
                        "takes the kinds; give the CSV alone after it, as in `lrfind schedule \
                         --race onecycle,cosine data.csv`",
                    ));
                }
                Ok(Request {
                    kinds: race_kinds(list)?,
                    race: true,
                    input: self.kind.as_ref().map(PathBuf::from),
                    driven: self.driven(),
                })
            }
            None => {
                let name = self
                    .kind
                    .as_deref()
                    .expect("clap requires KIND without --race");
                Ok(Request {
                    kinds: vec![kind(name, Setting::Schedule)?],
                    race: false,
                    input: self.data.input.clone(),
                    driven: self.driven(),
                })
            }
        }
    }

    /// Whether workers train: a COMMAND after `--`, or `--listen` for workers started elsewhere.
    pub fn driven(&self) -> bool {
        !self.command.is_empty() || self.pool.listen.is_some()
    }

    /// The data arguments with the CSV wherever it was given.
    pub fn data(&self, input: &std::path::Path) -> DataArgs {
        DataArgs {
            input: Some(input.to_path_buf()),
            ..self.data.clone()
        }
    }

    /// The schedule settings given, as the library takes them (the plateau's apart).
    pub fn options(&self) -> Result<ScheduleOptions> {
        let s = &self.settings;
        let fractions = match &s.fractions {
            None => None,
            Some(f) => Some(<[f64; 3]>::try_from(f.as_slice()).map_err(|_| {
                Error::config(
                    Setting::Fractions,
                    format!(
                        "{} fractions given; give three: warm-up, stable and decay, as 0.1,0.7,0.2",
                        f.len()
                    ),
                )
            })?),
        };
        Ok(ScheduleOptions {
            min_lr: s.min_lr,
            warmup: s.warmup,
            warmup_start_factor: s.warmup_start_factor,
            variant: s.variant,
            pct_start: s.pct_start,
            div: s.div,
            final_div: s.final_div,
            three_phase: s.three_phase,
            anneal: s.anneal,
            cycle_momentum: s.cycle_momentum,
            base_momentum: s.base_momentum,
            max_momentum: s.max_momentum,
            period: s.period,
            period_mult: s.period_mult,
            gamma: s.gamma,
            step_size: s.step_size,
            milestones: s.milestones.clone(),
            boundaries: s.boundaries.clone(),
            values: s.values.clone(),
            power: s.power,
            decay_rate: s.decay_rate,
            decay_steps: s.decay_steps,
            staircase: s.staircase,
            step_size_up: s.step_size_up,
            step_size_down: s.step_size_down,
            mode: s.mode,
            fractions,
            decay_shape: s.decay_shape,
        })
    }

    /// The schedule settings given on the command line (the plateau's included), each with its
    /// value as written back: `0.5`, `500,800`, or empty for a switch.
    pub fn given(&self) -> Vec<(Setting, String)> {
        fn one<T: std::fmt::Display>(v: &Option<T>) -> Option<String> {
            v.as_ref().map(|x| x.to_string())
        }
        fn many<T: std::fmt::Display>(v: &Option<Vec<T>>) -> Option<String> {
            v.as_ref().map(|xs| {
                xs.iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            })
        }
        fn named<T: ValueEnum>(v: &Option<T>) -> Option<String> {
            v.as_ref()
                .and_then(|x| x.to_possible_value())
                .map(|p| p.get_name().to_string())
        }
        let switch = |on: bool| on.then(String::new);
        let s = &self.settings;
        [
            (Setting::MinLr, one(&s.min_lr)),
            (Setting::Warmup, one(&s.warmup)),
            (Setting::WarmupStartFactor, one(&s.warmup_start_factor)),
            (Setting::Variant, named(&s.variant)),
            (Setting::PctStart, one(&s.pct_start)),
            (Setting::Div, one(&s.div)),
            (Setting::FinalDiv, one(&s.final_div)),
            (Setting::ThreePhase, switch(s.three_phase)),
            (Setting::Anneal, named(&s.anneal)),
            (Setting::CycleMomentum, one(&s.cycle_momentum)),
            (Setting::BaseMomentum, one(&s.base_momentum)),
            (Setting::MaxMomentum, one(&s.max_momentum)),
            (Setting::Period, one(&s.period)),
            (Setting::PeriodMult, one(&s.period_mult)),
            (Setting::Gamma, one(&s.gamma)),
            (Setting::StepSize, one(&s.step_size)),
            (Setting::Milestones, many(&s.milestones)),
            (Setting::Boundaries, many(&s.boundaries)),
            (Setting::Values, many(&s.values)),
            (Setting::Power, one(&s.power)),
            (Setting::DecayRate, one(&s.decay_rate)),
            (Setting::DecaySteps, one(&s.decay_steps)),
            (Setting::Staircase, switch(s.staircase)),
            (Setting::StepSizeUp, one(&s.step_size_up)),
            (Setting::StepSizeDown, one(&s.step_size_down)),
            (Setting::Mode, named(&s.mode)),
            (Setting::Fractions, many(&s.fractions)),
            (Setting::DecayShape, named(&s.decay_shape)),
            (Setting::Factor, one(&s.factor)),
            (Setting::Patience, one(&s.patience)),
            (Setting::Threshold, one(&s.threshold)),
            (Setting::Cooldown, one(&s.cooldown)),
        ]
        .into_iter()
        .filter_map(|(setting, value)| value.map(|v| (setting, v)))
        .collect()
    }

    /// The plateau's settings given.
    pub fn plateau(&self) -> PlateauSettings {
        let s = &self.settings;
        PlateauSettings {
            factor: s.factor,
            patience: s.patience,
            threshold: s.threshold,
            cooldown: s.cooldown,
        }
    }

    /// How long the run is: `--steps`, or `--epochs` (exactly), or with neither lrfind's
    /// training budget (10 epochs, at least 500 steps); `None` with neither and no CSV.
    pub fn budget(&self) -> Option<Budget> {
        match (self.run.epochs, self.run.steps) {
            (Some(epochs), _) => Some(Budget {
                epochs,
                min_steps: 0,
            }),
            (None, Some(_)) => None,
            (None, None) => Some(Budget::default()),
        }
    }
}

/// A kind named on the command line.
fn kind(name: &str, setting: Setting) -> Result<ScheduleKind> {
    ScheduleKind::from_str(name, true).map_err(|_| {
        let names: Vec<&str> = ScheduleKind::ALL.iter().map(|k| k.name()).collect();
        Error::config(
            setting,
            format!(
                "`{name}` is not a schedule; the kinds are {}",
                names.join(", ")
            ),
        )
    })
}

/// The kinds of `--race`: comma-separated names, or `all`; each once.
fn race_kinds(list: &str) -> Result<Vec<ScheduleKind>> {
    if list.trim() == "all" {
        return Ok(ScheduleKind::ALL.to_vec());
    }
    let mut kinds = Vec::new();
    for name in list.split(',').map(str::trim) {
        if name.is_empty() {
            return Err(Error::config(
                Setting::Race,
                format!("`{list}` has an empty name; give kinds separated by commas"),
            ));
        }
        let k = kind(name, Setting::Race).map_err(|e| match e {
            Error::Config { message, .. } => Error::Config {
                setting: Setting::Race,
                message: Message(message.0).text(", or all"),
            },
            other => other,
        })?;
        if kinds.contains(&k) {
            return Err(Error::config(
                Setting::Race,
                format!("`{k}` is listed twice in `{list}`"),
            ));
        }
        kinds.push(k);
    }
    Ok(kinds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{flag, Cli, Command};
    use clap::{CommandFactory, Parser};

    fn parse(argv: &[&str]) -> ScheduleArgs {
        match Cli::try_parse_from(argv).unwrap().into_command() {
            Command::Schedule(s) => *s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_kind_a_csv_and_a_race() {
        let a = parse(&["lrfind", "schedule", "onecycle", "--lr", "0.01"]);
        let r = a.request().unwrap();
        assert_eq!(r.kinds, [ScheduleKind::Onecycle]);
        assert!(r.input.is_none() && !r.race);
        assert_eq!(a.run.lr, Some(0.01));

        let a = parse(&["lrfind", "schedule", "cosine", "data/iris.csv"]);
        let r = a.request().unwrap();
        assert_eq!(r.input.unwrap().to_str(), Some("data/iris.csv"));

        let a = parse(&["lrfind", "schedule", "--race", "onecycle,plateau", "x.csv"]);
        let r = a.request().unwrap();
        assert_eq!(r.kinds, [ScheduleKind::Onecycle, ScheduleKind::Plateau]);
        assert!(r.race);
        assert_eq!(r.input.unwrap().to_str(), Some("x.csv"));

        let a = parse(&["lrfind", "schedule", "--race", "all", "--lr", "1"]);
        assert_eq!(a.request().unwrap().kinds.len(), ScheduleKind::ALL.len());
    }

    #[test]
    fn bad_kinds_name_their_place() {
        let a = parse(&["lrfind", "schedule", "cosinus", "--lr", "1"]);
        let e = a.request().unwrap_err();
        assert!(
            e.render(&flag).contains("`cosinus` is not a schedule"),
            "{e}"
        );
        for (list, says) in [
            ("onecycle,nope", "`nope` is not a schedule"),
            ("step,,cosine", "empty name"),
            ("step,step", "listed twice"),
        ] {
            let a = parse(&["lrfind", "schedule", "--race", list]);
            let e = a.request().unwrap_err().render(&flag);
            assert!(e.starts_with("invalid --race: "), "{e}");
            assert!(e.contains(says), "{e}");
        }
        let a = parse(&["lrfind", "schedule", "--race", "step", "a.csv", "b.csv"]);
        assert!(a.request().is_err());
    }

    #[test]
    fn settings_translate_and_negatives_are_values() {
        let a = parse(&[
            "lrfind",
            "schedule",
            "multistep",
            "--lr",
            "0.01",
            "--milestones",
            "500,800",
            "--gamma",
            "-1",
            "--fractions",
            "0.1,0.2",
        ]);
        assert!(a.options().is_err());
        let a = parse(&[
            "lrfind",
            "schedule",
            "wsd",
            "--lr",
            "0.01",
            "--fractions",
            "0.1,0.7,0.2",
            "--cycle-momentum",
            "false",
        ]);
        let o = a.options().unwrap();
        assert_eq!(o.fractions, Some([0.1, 0.7, 0.2]));
        assert_eq!(o.cycle_momentum, Some(false));
        let a = parse(&[
            "lrfind", "schedule", "step", "--lr", "0.01", "--gamma", "-1",
        ]);
        assert_eq!(a.options().unwrap().gamma, Some(-1.0));
    }

    #[test]
    fn usage_errors_are_claps() {
        // No kind and no race; --steps with --epochs.
        assert!(Cli::try_parse_from(["lrfind", "schedule", "--lr", "1"]).is_err());
        assert!(Cli::try_parse_from([
            "lrfind", "schedule", "poly", "x.csv", "--steps", "5", "--epochs", "2"
        ])
        .is_err());
    }

    /// Every setting the schedule library can name is a flag of `lrfind schedule`.
    #[test]
    fn every_schedule_setting_is_a_flag() {
        let cli = Cli::command();
        let sub = cli.find_subcommand("schedule").unwrap();
        let longs: Vec<String> = sub
            .get_arguments()
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .collect();
        let mut settings: Vec<Setting> = ScheduleKind::ALL
            .iter()
            .flat_map(|k| lrfind::schedule::settings_of(*k).iter().copied())
            .collect();
        settings.extend([
            Setting::Lr,
            Setting::Steps,
            Setting::Epochs,
            Setting::ValSplit,
            Setting::Race,
            Setting::Seeds,
            Setting::Factor,
            Setting::Patience,
            Setting::Threshold,
            Setting::Cooldown,
            Setting::Framework,
        ]);
        for s in settings {
            let f = flag(s, None);
            assert!(
                longs.contains(&f),
                "{s:?} is named {f}, which schedule lacks"
            );
        }
    }

    #[test]
    fn the_kind_help_lists_every_tabulated_kind() {
        let cli = Cli::command();
        let sub = cli.find_subcommand("schedule").unwrap();
        let help = sub
            .get_positionals()
            .find(|a| a.get_id() == "kind")
            .unwrap()
            .get_help()
            .unwrap()
            .to_string();
        for k in ScheduleKind::ALL {
            assert!(help.contains(k.name()), "{k} missing from {help}");
        }
    }
}
