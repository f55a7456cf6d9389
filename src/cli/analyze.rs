//! `lrfind analyze FILE...`: the options for reading curves recorded elsewhere.

use std::path::PathBuf;

use clap::Args;

use super::args::OutputArgs;
use lrfind::curve::read::{LogOptions, ReadConfig};
use lrfind::curve::rules::{Method, HEADLINE};
use lrfind::curve::{CurveSettings, DEFAULT_DIVERGE_FACTOR, DEFAULT_SMOOTHING};

/// Reads a range test recorded by your own training (PyTorch, Keras, JAX, a cluster) and gives it
/// lrfind's reading: the divergence point, the lag-free curve, every rule's suggestion, the
/// diagnostics, the PNG and the JSON. Several files overlay on one plot. docs/analyze.md has a
/// recorder for PyTorch and Keras.
#[derive(Debug, Clone, Args)]
pub struct AnalyzeArgs {
    /// Recorded curves: CSV or TSV with a header, a JSON object of arrays ({"lr": [...], "loss":
    /// [...]}, as torch-lr-finder and Lightning save them), or JSON lines (`-`: standard input;
    /// .gz is decompressed).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// The LR column or key [default: found by name: lr, learning_rate, lr-Adam, ...].
    #[arg(long, value_name = "NAME", help_heading = "Reading")]
    pub lr_column: Option<String>,

    /// The loss column or key [default: found by name: loss, train_loss, train/loss, ...].
    #[arg(long, value_name = "NAME", help_heading = "Reading")]
    pub loss_column: Option<String>,

    /// The recorder already smoothed the loss with this EMA factor; undo it before reading:
    /// torch-lr-finder's smooth_f 0.05, fastai's and Lightning's beta 0.98 (bias-corrected);
    /// 0: the loss is raw [default: Lightning's recognised and undone; a smoothed curve noted].
    #[arg(
        long,
        value_name = "B",
        help_heading = "Reading",
        allow_negative_numbers = true
    )]
    pub smoothed_by: Option<f64>,

    /// Width of the curve's smoother in decades of LR.
    #[arg(long, default_value_t = DEFAULT_SMOOTHING, help_heading = "Reading", allow_negative_numbers = true)]
    pub smoothing: f64,

    /// The loss diverged once the raw loss stays above this multiple of the lowest running median
    /// of the loss (3 points in a row), or is not a number.
    #[arg(long, default_value_t = DEFAULT_DIVERGE_FACTOR, help_heading = "Reading", allow_negative_numbers = true)]
    pub diverge_factor: f64,

    /// The rule behind the suggested LR.
    #[arg(long, value_enum, default_value_t = HEADLINE, help_heading = "Reading")]
    pub rule: Method,

    /// Where results go.
    #[command(flatten)]
    pub output: OutputArgs,
}

impl AnalyzeArgs {
    /// How to find the columns.
    pub fn log_options(&self) -> LogOptions {
        LogOptions {
            lr_column: self.lr_column.clone(),
            loss_column: self.loss_column.clone(),
        }
    }

    /// How the curves are read (validated by the library).
    pub fn config(&self) -> ReadConfig {
        ReadConfig {
            curve: CurveSettings {
                smoothing: self.smoothing,
                diverge_factor: self.diverge_factor,
            },
            rule: self.rule,
            smoothed_by: self.smoothed_by,
        }
    }
}
