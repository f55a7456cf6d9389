//! `lrfind drive [OPTIONS] -- COMMAND [ARGS...]` and `lrfind worker CSV`: the options of a range
//! test and race run on a user's own training, and of lrfind's own MLP served as a worker.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;

use super::args::{DataArgs, ModelArgs, OutputArgs};
use super::find::{RangeArgs, TrustArgs};
use lrfind::drive::coordinator::{loopback, SentKnobs, DEFAULT_STEP_TIMEOUT};
use lrfind::error::{Error, Result, Setting};
use lrfind::find::{FindConfig, VerifyConfig};
use lrfind::grid::{GridConfig, Knobs};
use lrfind::model::ModelConfig;
use lrfind::optim::{OptimizerConfig, OptimizerKind};
use lrfind::range_test::{RangeTestConfig, DEFAULT_BATCH_SIZE};

/// Runs the range test and the race on your own training: starts COMMAND (your training script,
/// made a worker by lrfind's client: docs/drive.md) and has it train fresh models while lrfind
/// grows the LR, reads the curve, and races the promising LRs by having it train them; prints the
/// suggested LR and writes the same outputs as `lrfind CSV`.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Example: lrfind drive -- python train.py\n\nThe worker finds LRFIND_CONNECT, LRFIND_TOKEN, LRFIND_WORKER and LRFIND_WORKERS in its environment; docs/protocol.md describes the protocol, docs/drive.md the clients (Python, PyTorch, Lightning, Keras, JAX, Rust)."
)]
pub struct DriveArgs {
    /// The range test.
    #[command(flatten)]
    pub range: RangeArgs,
    /// Repeats and the race.
    #[command(flatten)]
    pub trust: TrustArgs,
    /// The knobs jobs set on the worker.
    #[command(flatten)]
    pub knobs: DriveKnobArgs,
    /// The workers.
    #[command(flatten)]
    pub pool: PoolArgs,
    /// Where results go.
    #[command(flatten)]
    pub output: OutputArgs,
    /// The worker's command and its arguments, after `--`.
    #[arg(last = true, value_name = "COMMAND", num_args = 0..)]
    pub command: Vec<OsString>,
}

/// Knobs sent to the worker: a knob not given is the worker's own.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Knobs sent to the worker")]
pub struct DriveKnobArgs {
    /// Weight decay for every job; a comma list tests each value (Smith's disciplined approach)
    /// [default: the worker's own].
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "W,...",
        allow_negative_numbers = true
    )]
    pub weight_decay: Vec<f64>,

    /// Momentum (SGD's momentum or Adam's beta1) for every job; a comma list tests each value
    /// [default: the worker's own].
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "M,...",
        allow_negative_numbers = true
    )]
    pub momentum: Vec<f64>,

    /// Batch size for every job; a comma list tests each value [default: the worker's own].
    #[arg(long, value_delimiter = ',', value_name = "N,...")]
    pub batch_size: Vec<usize>,

    /// Seed of the first range test (run k has seed + k) and of the race's runs.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// How lrfind reaches its workers.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Workers")]
pub struct PoolArgs {
    /// Workers: copies of COMMAND to start (each told its index in LRFIND_WORKER, so a script can
    /// pick its GPU), or, without a COMMAND, workers started elsewhere to wait for.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub workers: usize,

    /// Listen for workers on this address (IP:PORT) instead of loopback: workers started
    /// elsewhere (another machine, a SLURM or Kubernetes job) connect with LRFIND_CONNECT and the
    /// token lrfind prints (or reads from LRFIND_TOKEN) [default: 127.0.0.1, a free port].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,

    /// Seconds lrfind waits for any one message of a worker (its hello, a step, a measurement)
    /// before it calls the worker hung.
    #[arg(long, default_value_t = DEFAULT_STEP_TIMEOUT.as_secs_f64(), value_name = "SECS")]
    pub step_timeout: f64,
}

impl PoolArgs {
    /// How long a worker may stay silent.
    pub fn step_timeout(&self) -> Result<Duration> {
        let t = self.step_timeout;
        if t.is_finite() && t > 0.0 {
            Ok(Duration::from_secs_f64(t))
        } else {
            Err(Error::config(
                Setting::StepTimeout,
                format!("{t} is not a number of seconds above 0"),
            ))
        }
    }

    /// Where to listen.
    pub fn listen(&self) -> SocketAddr {
        self.listen.unwrap_or_else(loopback)
    }
}

impl DriveArgs {
    /// The knobs jobs set: those given.
    pub fn sent(&self) -> SentKnobs {
        SentKnobs {
            batch_size: !self.knobs.batch_size.is_empty(),
            weight_decay: !self.knobs.weight_decay.is_empty(),
            momentum: !self.knobs.momentum.is_empty(),
        }
    }

    /// The grid of configurations (one, without lists) of a worker that trains with
    /// `optimizer` at batch size `batch` unless told otherwise.
    pub fn grid(&self, optimizer: OptimizerKind, batch: Option<usize>) -> GridConfig {
        let base = self.config(optimizer, batch);
        let k = &self.knobs;
        GridConfig {
            knobs: Knobs {
                weight_decay: if k.weight_decay.is_empty() {
                    vec![base.range.optimizer.weight_decay]
                } else {
                    k.weight_decay.clone()
                },
                momentum: if k.momentum.is_empty() {
                    vec![momentum_of(&base.range.optimizer)]
                } else {
                    k.momentum.clone()
                },
                batch_size: if k.batch_size.is_empty() {
                    vec![base.range.batch_size]
                } else {
                    k.batch_size.clone()
                },
            },
            equal: self.trust.equal,
            verify: !self.trust.no_verify,
            base,
        }
    }

    /// The find every configuration runs.
    pub fn config(&self, optimizer: OptimizerKind, batch: Option<usize>) -> FindConfig {
        let r = &self.range;
        let t = &self.trust;
        let k = &self.knobs;
        let mut o = OptimizerConfig::new(optimizer);
        if let Some(&wd) = k.weight_decay.first() {
            o.weight_decay = wd;
        }
        if let Some(&m) = k.momentum.first() {
            match optimizer {
                OptimizerKind::Adam | OptimizerKind::Adamw => o.beta1 = m,
                _ => o.momentum = m,
            }
        }
        FindConfig {
            range: RangeTestConfig {
                // The worker's model is its own: this one is never built.
                model: ModelConfig::default(),
                optimizer: o,
                start_lr: r.start_lr,
                end_lr: r.end_lr,
                steps: r.steps,
                batch_size: k
                    .batch_size
                    .first()
                    .copied()
                    .or(batch)
                    .unwrap_or(DEFAULT_BATCH_SIZE),
                smoothing: r.smoothing,
                diverge_factor: r.diverge_factor,
                seed: k.seed,
            },
            runs: t.runs,
            val_split: None,
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

/// SGD's momentum, or Adam's beta1.
fn momentum_of(o: &OptimizerConfig) -> f64 {
    match o.kind {
        OptimizerKind::Adam | OptimizerKind::Adamw => o.beta1,
        _ => o.momentum,
    }
}

/// Serves lrfind's own MLP on a CSV as a protocol worker: `lrfind drive -- lrfind worker
/// data.csv` gives what `lrfind data.csv` gives, through the protocol (its test, and a worker to
/// try lrfind drive with).
#[derive(Debug, Clone, Args)]
pub struct WorkerArgs {
    /// The data and how to read it.
    #[command(flatten)]
    pub data: DataArgs,
    /// The model and optimizer (the knobs a job sends replace these).
    #[command(flatten)]
    pub model: ModelArgs,
    /// Hold out this fraction of rows for the range tests' validation loss (as `lrfind CSV
    /// --val-split`, with the same --seed); the race's runs hold out their own, as lrfind's do.
    #[arg(long, value_name = "F", allow_negative_numbers = true)]
    pub val_split: Option<f64>,
}
