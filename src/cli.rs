//! Command-line options, and their translation into the library's configs. Defaults live here and
//! are explained in docs/range-test.md.

use std::path::PathBuf;

use clap::Parser;

use crate::data::csv::ReadOptions;
use crate::data::{EncodeOptions, MissingPolicy, Task};
use crate::error::{Error, Result, Setting};
use crate::finder::{
    FindConfig, RangeTestConfig, Signal, DEFAULT_BATCH_SIZE, DEFAULT_DIVERGE_FACTOR,
    DEFAULT_END_LR, DEFAULT_SMOOTHING, DEFAULT_START_LR,
};
use crate::optim::{OptimizerConfig, OptimizerKind};
use crate::suggest::{Method, HEADLINE};
use crate::sweep::Budget;
use crate::train::ModelConfig;

/// Finds a good starting learning rate for a CSV: trains a small MLP for about an epoch while the
/// learning rate grows exponentially, stops when the loss diverges, prints the suggested LR and
/// writes a PNG of the loss curve.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "lrfind",
    version,
    about,
    long_about = None,
    after_help = "Also: `lrfind sweep CSV` trains from scratch at fixed LRs on a log grid and reports the best \
                  validation loss each reached, the ground truth for the suggestion (`lrfind sweep --help`)."
)]
pub struct Args {
    /// The data and how to read it.
    #[command(flatten)]
    pub data: DataArgs,
    /// The model and optimizer.
    #[command(flatten)]
    pub train: TrainArgs,
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

/// How much to trust the suggestion: repeated runs, a validation curve, verification.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Trust")]
pub struct TrustArgs {
    /// Range tests to run (seeds seed..seed+K-1, in parallel); the suggestion is their median.
    #[arg(long, default_value_t = 3, value_name = "K")]
    pub runs: usize,

    /// Hold out this fraction of rows and record the validation loss beside the training loss.
    #[arg(long, value_name = "F")]
    pub val_split: Option<f64>,

    /// Which curve the suggestion reads (val needs --val-split).
    #[arg(long, value_enum, default_value_t = Signal::Train)]
    pub signal: Signal,

    /// The rule behind the suggested LR.
    #[arg(long, value_enum, default_value_t = HEADLINE)]
    pub rule: Method,

    /// Train briefly at each candidate LR and report which reached the lowest validation loss.
    #[arg(long)]
    pub verify: bool,

    /// Epochs of each verification run (at least 500 steps).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub verify_epochs: usize,
}

/// The input CSV and how to turn it into a data set.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Data")]
pub struct DataArgs {
    /// The CSV file: a header row, then one row per example (`-`: standard input; a name ending
    /// in .gz is decompressed).
    #[arg(value_name = "CSV")]
    pub input: PathBuf,

    /// Field delimiter: a single character, or `tab` [default: detected among , ; tab |].
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,

    /// The first row is data, not a header; columns are named c0, c1, ... [default: no header
    /// when the first row holds only numbers].
    #[arg(long)]
    pub no_header: bool,

    /// More spellings of a missing value, comma-separated (besides empty, NA, N/A, NaN, null,
    /// None and ?, in any case).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "TEXT,...",
        allow_hyphen_values = true
    )]
    pub na_values: Vec<String>,

    /// What to do with missing values: fill (median plus an indicator for numbers, a level of its
    /// own for categories; rows without a label are dropped), drop every incomplete row, or error.
    #[arg(long, value_enum, default_value_t = MissingPolicy::Fill)]
    pub missing: MissingPolicy,

    /// Columns never to use as features, comma-separated names or 0-based indices.
    #[arg(long, value_delimiter = ',', value_name = "COL,...")]
    pub ignore: Vec<String>,

    /// Use only these columns as features, comma-separated names or 0-based indices.
    #[arg(long, value_delimiter = ',', value_name = "COL,...")]
    pub features: Vec<String>,

    /// Label column: a header name or a 0-based column index [default: the last column].
    #[arg(long, value_name = "NAME|INDEX")]
    pub target: Option<String>,

    /// Force the task [default: classification for text labels or at most 20 distinct integers,
    /// regression otherwise].
    #[arg(long, value_enum)]
    pub task: Option<Task>,

    /// Text feature columns with more distinct values than this are dropped.
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub max_categories: usize,
}

/// The model and how it is trained.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Model and optimizer")]
pub struct TrainArgs {
    /// Hidden layer widths, comma-separated.
    #[arg(
        long,
        default_value = "64,64",
        value_delimiter = ',',
        value_name = "W,W,..."
    )]
    pub hidden: Vec<usize>,

    /// Optimizer the LR is found for.
    #[arg(long, value_enum, default_value_t = OptimizerKind::Adam)]
    pub optimizer: OptimizerKind,

    /// SGD momentum (0 for plain SGD).
    #[arg(long, default_value_t = 0.9)]
    pub momentum: f64,

    /// SGD: use Nesterov momentum.
    #[arg(long)]
    pub nesterov: bool,

    /// Weight decay: an L2 term in the gradient (decoupled for adamw).
    #[arg(long, default_value_t = 0.0)]
    pub weight_decay: f64,

    /// Rows per mini-batch (capped at the number of rows).
    #[arg(long, default_value_t = DEFAULT_BATCH_SIZE)]
    pub batch_size: usize,

    /// Seed of the initial weights and the batch order.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// The LR range test itself.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Range test")]
pub struct RangeArgs {
    /// First learning rate of the range test.
    #[arg(long, default_value_t = DEFAULT_START_LR)]
    pub start_lr: f64,

    /// Last learning rate of the range test.
    #[arg(long, default_value_t = DEFAULT_END_LR)]
    pub end_lr: f64,

    /// Steps of the range test [default: one pass over the rows, at least 100 and at most 200].
    #[arg(long)]
    pub steps: Option<usize>,

    /// Factor of the exponential moving average that smooths the loss, in [0, 1).
    #[arg(long, default_value_t = DEFAULT_SMOOTHING)]
    pub smoothing: f64,

    /// Stop when the smoothed loss exceeds this multiple of its lowest value.
    #[arg(long, default_value_t = DEFAULT_DIVERGE_FACTOR)]
    pub diverge_factor: f64,
}

/// Where the results go.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Where to write the PNG [default: <csv stem>-lrfind.png in the current folder].
    #[arg(long, value_name = "PATH")]
    pub plot: Option<PathBuf>,

    /// Do not draw the PNG.
    #[arg(long, conflicts_with = "plot")]
    pub no_plot: bool,

    /// Write the full report as JSON to PATH (`-`: standard output, and nothing else goes there).
    #[arg(long, value_name = "PATH")]
    pub json: Option<String>,

    /// Write the recorded curve as CSV to PATH (`-`: standard output).
    #[arg(long = "csv", value_name = "PATH")]
    pub csv_out: Option<String>,

    /// No progress bar and no summary: print only the LR (the suggested one; for sweep, the best).
    #[arg(short, long)]
    pub quiet: bool,
}

impl DataArgs {
    /// Reads and encodes the CSV.
    pub fn load(&self) -> Result<crate::data::Dataset> {
        crate::data::load(&self.input, &self.read_options(), &self.encode_options())
    }

    /// How to read the CSV.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            delimiter: self.delimiter,
            header: self.no_header.then_some(false),
            na_values: self.na_values.clone(),
            ..ReadOptions::default()
        }
    }

    /// The input's name without folders and without `.gz` and `.csv` (`stdin` for `-`), for naming
    /// outputs.
    pub fn stem(&self) -> String {
        if self.input.as_os_str() == "-" {
            return "stdin".into();
        }
        let name = self
            .input
            .file_name()
            .map_or("lrfind".into(), |s| s.to_string_lossy().into_owned());
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let name = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
        name.to_string()
    }

    /// How to encode it.
    pub fn encode_options(&self) -> EncodeOptions {
        EncodeOptions {
            target: self.target.clone(),
            task: self.task,
            max_categories: self.max_categories,
            missing: self.missing,
            ignore: self.ignore.clone(),
            features: self.features.clone(),
        }
    }
}

/// Parses `--delimiter`: one ASCII character, or `tab`.
fn parse_delimiter(s: &str) -> std::result::Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() && s != "\"" && s != "\n" && s != "\r" => {
            Ok(s.as_bytes()[0])
        }
        _ => Err(format!(
            "'{s}' is not a delimiter; give one character such as , ; | or the word tab"
        )),
    }
}

impl TrainArgs {
    /// The model.
    pub fn model(&self) -> Result<ModelConfig> {
        if self.hidden.is_empty() || self.hidden.contains(&0) {
            return Err(Error::config(
                Setting::Hidden,
                "give widths of at least 1, e.g. 64,64",
            ));
        }
        Ok(ModelConfig {
            hidden: self.hidden.clone(),
        })
    }

    /// The optimizer, validated.
    pub fn optimizer(&self) -> Result<OptimizerConfig> {
        let optimizer = OptimizerConfig {
            momentum: if self.optimizer == OptimizerKind::Sgd {
                self.momentum
            } else {
                0.0
            },
            nesterov: self.nesterov,
            weight_decay: self.weight_decay,
            ..OptimizerConfig::new(self.optimizer)
        };
        optimizer.validate()?;
        Ok(optimizer)
    }
}

impl Args {
    /// The range test's configuration, validated.
    pub fn range_test(&self) -> Result<RangeTestConfig> {
        let config = RangeTestConfig {
            model: self.train.model()?,
            optimizer: self.train.optimizer()?,
            start_lr: self.range.start_lr,
            end_lr: self.range.end_lr,
            steps: self.range.steps,
            batch_size: self.train.batch_size,
            smoothing: self.range.smoothing,
            diverge_factor: self.range.diverge_factor,
            seed: self.train.seed,
        };
        config.validate()?;
        Ok(config)
    }

    /// Everything the run does, validated.
    pub fn find_config(&self) -> Result<FindConfig> {
        let t = &self.trust;
        if t.runs == 0 {
            return Err(Error::config(Setting::Runs, "must be at least 1"));
        }
        if let Some(f) = t.val_split {
            crate::data::split::check_fraction(Setting::ValSplit, f)?;
        }
        if t.signal == Signal::Val && t.val_split.is_none() {
            return Err(Error::config(
                Setting::Signal,
                "val needs a validation split: add --val-split 0.2",
            ));
        }
        if t.verify_epochs == 0 {
            return Err(Error::config(Setting::VerifyEpochs, "must be at least 1"));
        }
        Ok(FindConfig {
            range: self.range_test()?,
            runs: t.runs,
            val_split: t.val_split,
            signal: t.signal,
            rule: t.rule,
            verify: t.verify,
            verify_budget: Budget {
                epochs: t.verify_epochs,
                ..Budget::default()
            },
        })
    }

    /// Where the PNG goes, if anywhere.
    pub fn plot_path(&self) -> Option<PathBuf> {
        self.output.plot_path(&self.data.stem(), "lrfind")
    }
}

impl OutputArgs {
    /// Where the PNG goes: `--plot`, or `<stem>-<suffix>.png` in the current folder.
    pub fn plot_path(&self, stem: &str, suffix: &str) -> Option<PathBuf> {
        if self.no_plot {
            return None;
        }
        Some(
            self.plot
                .clone()
                .unwrap_or_else(|| PathBuf::from(format!("{stem}-{suffix}.png"))),
        )
    }
}

/// `lrfind sweep`: trains the model from scratch at fixed learning rates on a log grid, for
/// several seeds, on a held-out validation split, and reports the best validation loss each LR
/// reached — the "try 1, 0.1, 0.01, ..." search done properly.
#[derive(Debug, Clone, Parser)]
#[command(name = "lrfind sweep", bin_name = "lrfind sweep", version)]
pub struct SweepArgs {
    /// The data and how to read it.
    #[command(flatten)]
    pub data: DataArgs,
    /// The model and optimizer.
    #[command(flatten)]
    pub train: TrainArgs,
    /// The sweep.
    #[command(flatten)]
    pub sweep: SweepOptions,
    /// Where results go.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// What the sweep tries.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Sweep")]
pub struct SweepOptions {
    /// Learning rates to try, comma-separated [default: 1e-5 to 1, four per decade].
    #[arg(long, value_delimiter = ',', value_name = "LR,LR,...")]
    pub lrs: Option<Vec<f64>>,

    /// Epochs per run (and at least --min-steps steps).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub epochs: usize,

    /// Steps per run, at least.
    #[arg(long, default_value_t = 500, value_name = "N")]
    pub min_steps: usize,

    /// Fraction of rows held out for validation.
    #[arg(long, default_value_t = 0.2, value_name = "F")]
    pub val_split: f64,

    /// Seeds per LR (seed..seed+N-1).
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub seeds: usize,
}

/// How the command line names a setting: its flag, with the value when one is given.
pub fn flag(setting: crate::error::Setting, value: Option<&str>) -> String {
    use crate::error::Setting;
    let name = match setting {
        Setting::Header => "--no-header".to_string(),
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

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Args::command().debug_assert();
    }

    #[test]
    fn defaults_and_plot_path() {
        let args = Args::parse_from(["lrfind", "data/iris.csv"]);
        let c = args.range_test().unwrap();
        assert_eq!(c.start_lr, 1e-6);
        assert_eq!(c.end_lr, 10.0);
        assert_eq!(c.batch_size, 64);
        assert_eq!(c.model.hidden, [64, 64]);
        assert_eq!(c.optimizer.kind, OptimizerKind::Adam);
        assert_eq!(args.plot_path().unwrap(), PathBuf::from("iris-lrfind.png"));
        let read = args.data.read_options();
        assert_eq!((read.delimiter, read.header), (None, None));
        assert_eq!(args.data.encode_options().missing, MissingPolicy::Fill);
    }

    #[test]
    fn data_options_translate() {
        let args = Args::parse_from([
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
        let read = args.data.read_options();
        assert_eq!(read.delimiter, Some(b'\t'));
        assert_eq!(read.header, Some(false));
        assert_eq!(read.na_values, ["-999", "missing"]);
        let encode = args.data.encode_options();
        assert_eq!(encode.missing, MissingPolicy::Drop);
        assert_eq!(encode.ignore, ["id", "name"]);
        assert_eq!(args.data.stem(), "x");
        assert!(Args::try_parse_from(["lrfind", "x.csv", "--delimiter", ";;"]).is_err());
        let args = Args::parse_from(["lrfind", "-"]);
        assert_eq!(args.plot_path().unwrap(), PathBuf::from("stdin-lrfind.png"));
    }

    #[test]
    fn bad_values_are_rejected() {
        for bad in [
            vec!["--start-lr", "0"],
            vec!["--start-lr", "1", "--end-lr", "0.1"],
            vec!["--batch-size", "0"],
            vec!["--smoothing", "1"],
        ] {
            let mut argv = vec!["lrfind", "x.csv"];
            argv.extend(bad.iter());
            let args = Args::parse_from(argv);
            assert!(args.range_test().is_err(), "{bad:?}");
        }
        assert!(Args::try_parse_from(["lrfind", "x.csv", "--optimizer", "lbfgs"]).is_err());
    }
}
