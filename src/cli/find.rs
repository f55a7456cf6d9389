//! `lrfind [find] CSV`: the options of the range test.

use clap::Args;

use super::args::{DataArgs, ModelArgs, OutputArgs};
use lrfind::curve::rules::{Method, HEADLINE};
use lrfind::find::{FindConfig, RaceBudget, VerifyConfig, DEFAULT_RUNS};
use lrfind::grid::{Equal, GridConfig};
use lrfind::range_test::{
    RangeTestConfig, Signal, DEFAULT_DIVERGE_FACTOR, DEFAULT_END_LR, DEFAULT_SMOOTHING,
    DEFAULT_START_LR,
};

/// Finds a good starting learning rate for a CSV: trains a small MLP for about an epoch while the
/// learning rate grows exponentially, stops when the loss diverges, prints the suggested LR and
/// writes a PNG of the loss curve.
// Only the range test takes lists of the knobs (Smith's disciplined approach): said here, where
// they are read, not in the model options every command shares.
#[derive(Debug, Clone, Args)]
#[command(
    mut_arg("momentum", |a| listed(a, "M,...", "")),
    mut_arg("weight_decay", |a| listed(a, "W,...", "")),
    mut_arg("batch_size", |a| listed(a, "N,...", ", compared at equal examples seen (see --equal)")),
)]
pub struct FindArgs {
    /// The data and how to read it.
    #[command(flatten)]
    pub data: DataArgs,
    /// The model and optimizer.
    #[command(flatten)]
    pub model: ModelArgs,
    /// The range test.
    #[command(flatten)]
    pub range: RangeArgs,
    /// Repeats, validation and verification.
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Where results go.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The LR range test itself.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Range test")]
pub struct RangeArgs {
    /// First learning rate of the range test.
    #[arg(long, default_value_t = DEFAULT_START_LR, allow_negative_numbers = true)]
    pub start_lr: f64,

    /// Last learning rate of the range test.
    #[arg(long, default_value_t = DEFAULT_END_LR, allow_negative_numbers = true)]
    pub end_lr: f64,

    /// Steps of the range test [default: one pass over the rows, at least 100 and at most 200].
    #[arg(long)]
    pub steps: Option<usize>,

    /// Width of the curve's smoother in decades of LR: a local linear fit over about this much
    /// LR on either side, not shifted in LR (the same curve for any number of steps).
    #[arg(long, default_value_t = DEFAULT_SMOOTHING, allow_negative_numbers = true)]
    pub smoothing: f64,

    /// Stop when the raw loss stays above this multiple of the lowest running median of the loss
    /// (3 steps in a row), or is not a number.
    #[arg(long, default_value_t = DEFAULT_DIVERGE_FACTOR, allow_negative_numbers = true)]
    pub diverge_factor: f64,
}

/// How much to trust the suggestion: repeated runs, a validation curve, verification.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Trust")]
pub struct TrustArgs {
    /// Range tests to run (seeds seed..seed+K-1, in parallel); the suggestion is their median.
    #[arg(long, default_value_t = DEFAULT_RUNS, value_name = "K")]
    pub runs: usize,

    /// Hold out this fraction of rows and record the validation loss beside the training loss.
    #[arg(long, value_name = "F", allow_negative_numbers = true)]
    pub val_split: Option<f64>,

    /// Which curve the suggestion reads (val needs --val-split).
    #[arg(long, value_enum, default_value_t = Signal::default())]
    pub signal: Signal,

    /// The rule behind the suggested LR.
    #[arg(long, value_enum, default_value_t = HEADLINE)]
    pub rule: Method,

    /// Do not race candidate LRs around the curve's minimum (suggest the rule's pick), nor, with
    /// lists of values, the configurations at their suggested LRs.
    #[arg(long)]
    pub no_verify: bool,

    /// With several batch sizes, compare them at equal examples seen (larger batches take fewer
    /// steps) or at equal steps.
    #[arg(long, value_enum, default_value_t = Equal::default())]
    pub equal: Equal,

    /// Steps the race's survivor trains (the field is halved each round).
    #[arg(long, default_value_t = VerifyConfig::default().steps, value_name = "N")]
    pub verify_steps: usize,

    /// Seeds per raced candidate.
    #[arg(long, default_value_t = VerifyConfig::default().seeds, value_name = "N")]
    pub verify_seeds: usize,

    /// How many decades below the curve's minimum the candidates reach.
    #[arg(long, default_value_t = VerifyConfig::default().below, value_name = "DECADES")]
    pub verify_below: f64,

    /// The candidates reach up to this many decades below where the loss diverged.
    #[arg(long, default_value_t = VerifyConfig::default().under_divergence, value_name = "DECADES")]
    pub verify_under_divergence: f64,

    /// What the race may cost: training steps over all its runs (2000), a multiple of the range
    /// tests' steps (5x), or wall time (90s, 30m, 2h, from the range tests' time per step); its
    /// seeds, then its rounds, shrink to fit [default: no limit: 3 seeds, rounds of 100 to
    /// --verify-steps steps].
    #[arg(long, value_name = "BUDGET")]
    pub race_budget: Option<RaceBudget>,
}

/// A knob of the model options as the range test takes it: a comma list, one range test per
/// value, `more` saying how they are compared.
fn listed(a: clap::Arg, names: &'static str, more: &str) -> clap::Arg {
    let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
    a.value_name(names)
        .help(format!("{help}. A comma list tests each value{more}"))
}

impl FindArgs {
    /// The grid of configurations (one, without lists), as the library takes it.
    pub fn grid(&self) -> GridConfig {
        GridConfig {
            base: self.config(),
            knobs: self.model.knobs(),
            equal: self.trust.equal,
            verify: !self.trust.no_verify,
        }
    }

    /// Everything the run does, as the library takes it (validated there).
    pub fn config(&self) -> FindConfig {
        let r = &self.range;
        let t = &self.trust;
        FindConfig {
            range: RangeTestConfig {
                model: self.model.model(),
                optimizer: self.model.optimizer(),
                start_lr: r.start_lr,
                end_lr: r.end_lr,
                steps: r.steps,
                batch_size: self.model.batch_size(),
                smoothing: r.smoothing,
                diverge_factor: r.diverge_factor,
                seed: self.model.seed,
            },
            runs: t.runs,
            val_split: t.val_split,
            signal: t.signal,
            rule: t.rule,
            verify: (!t.no_verify).then_some(VerifyConfig {
                steps: t.verify_steps,
                seeds: t.verify_seeds,
                below: t.verify_below,
                under_divergence: t.verify_under_divergence,
                ..VerifyConfig::default()
            }),
            race_budget: t.race_budget,
        }
    }
}
