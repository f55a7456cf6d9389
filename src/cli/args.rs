//! Option groups several commands share: the data, the model and optimizer, and the outputs. Each
//! flag is defined once here, with its help and its default, and the default is the library's
//! own constant: the rest of the program reads typed values.

use std::path::{Path, PathBuf};

use clap::Args;
use indicatif::ProgressBar;

use lrfind::data::csv::ReadOptions;
use lrfind::data::{Decimal, DEFAULT_MAX_CATEGORIES, DEFAULT_MAX_ROWS};
use lrfind::data::{EncodeOptions, MissingPolicy, Task};
use lrfind::error::Setting;
use lrfind::grid::Knobs;
use lrfind::model::tabular::DEFAULT_LAYERS;
use lrfind::model::{Init, ModelConfig, ModelKind, DEFAULT_HIDDEN};
use lrfind::optim::{OptimizerConfig, OptimizerKind, DEFAULT_SGD_MOMENTUM};
use lrfind::output::Destination;
use lrfind::range_test::DEFAULT_BATCH_SIZE;
use lrfind::report::plot::Detail as PlotDetail;

/// The input CSV and how to turn it into a data set.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Data")]
pub struct DataArgs {
    /// The CSV file: a header row, then one row per example (`-`: standard input; a name ending
    /// in .gz is decompressed).
    // An `Option` only so that a command named instead leaves the top level's CSV unset; clap
    // requires it wherever it is parsed.
    // Listed under "Arguments", at the top of the help, not under this group's heading.
    #[arg(value_name = "CSV", required = true, help_heading = None::<&str>)]
    pub input: Option<PathBuf>,

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
    #[arg(long, value_enum, default_value_t = MissingPolicy::default())]
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
    #[arg(long, default_value_t = DEFAULT_MAX_CATEGORIES, value_name = "N")]
    pub max_categories: usize,

    /// The decimal separator: `.` or `,` (as European spreadsheets write numbers) [default:
    /// detected when the delimiter is not a comma].
    #[arg(long, value_name = ",|.", value_parser = parse_decimal)]
    pub decimal: Option<Decimal>,

    /// A file with more data rows is read as a seeded random sample of this many (`all`: every
    /// row). The range test uses far fewer.
    #[arg(
        long,
        value_name = "N|all",
        default_value_t = MaxRows(Some(DEFAULT_MAX_ROWS)),
        value_parser = parse_max_rows
    )]
    pub max_rows: MaxRows,
}

/// `--hidden`: layer widths, written and shown comma-separated (`64,64`), as they are typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Widths(pub Vec<usize>);

impl std::fmt::Display for Widths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let widths: Vec<String> = self.0.iter().map(|w| w.to_string()).collect();
        f.write_str(&widths.join(","))
    }
}

fn parse_widths(s: &str) -> Result<Widths, String> {
    s.split(',')
        .map(|w| {
            w.trim()
                .parse::<usize>()
                .map_err(|_| format!("'{w}' is not a layer width; give whole numbers, as 64,64"))
        })
        .collect::<Result<Vec<usize>, String>>()
        .map(Widths)
}

/// Parses `--y-range`: two numbers, `LOW,HIGH`.
fn parse_range(s: &str) -> Result<(f64, f64), String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    match parts[..] {
        [low, high] => match (low.parse::<f64>(), high.parse::<f64>()) {
            (Ok(low), Ok(high)) => Ok((low, high)),
            _ => Err(format!("'{s}' is not two numbers; give LOW,HIGH, as 0,5.5")),
        },
        _ => Err(format!("'{s}' is not two numbers; give LOW,HIGH, as 0,5.5")),
    }
}

/// `--max-rows`: a number, or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxRows(pub Option<usize>);

impl std::fmt::Display for MaxRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(n) => write!(f, "{n}"),
            None => f.write_str("all"),
        }
    }
}

fn parse_max_rows(s: &str) -> Result<MaxRows, String> {
    match s {
        "all" => Ok(MaxRows(None)),
        _ => s
            .parse::<usize>()
            .map(|n| MaxRows(Some(n)))
            .map_err(|_| format!("'{s}' is not a number of rows or `all`")),
    }
}

fn parse_decimal(s: &str) -> Result<Decimal, String> {
    s.parse::<Decimal>().map_err(|e| e.to_string())
}

impl DataArgs {
    /// The CSV's path.
    pub fn input(&self) -> &Path {
        self.input.as_deref().expect("clap requires the CSV")
    }

    /// Reads and encodes the CSV, a large one sampled with `seed`, counting bytes on `progress`.
    pub fn load(&self, seed: u64, progress: &ProgressBar) -> lrfind::Result<lrfind::data::Dataset> {
        let dataset = lrfind::data::load_with_progress(
            self.input(),
            &self.read_options(seed),
            &self.encode_options(),
            progress,
        );
        progress.finish_and_clear();
        dataset
    }

    /// How to read the CSV; `seed` picks the sample of a large file.
    pub fn read_options(&self, seed: u64) -> ReadOptions {
        ReadOptions {
            delimiter: self.delimiter,
            header: self.no_header.then_some(false),
            na_values: self.na_values.clone(),
            decimal: self.decimal,
            max_rows: self.max_rows.0,
            seed,
        }
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

    /// The input's name without folders and without `.gz` and `.csv` (`stdin` for `-`), for naming
    /// outputs.
    pub fn stem(&self) -> String {
        stem(self.input())
    }
}

/// A file's name without folders and without `.gz` and its extension (`stdin` for `-`).
pub fn stem(path: &Path) -> String {
    if path.as_os_str() == "-" {
        return "stdin".into();
    }
    let name = path
        .file_name()
        .map_or("lrfind".into(), |s| s.to_string_lossy().into_owned());
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let name = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    name.to_string()
}

/// Parses `--delimiter`: one ASCII character, or `tab`.
fn parse_delimiter(s: &str) -> Result<u8, String> {
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

/// The model and how it is trained.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Model and optimizer")]
pub struct ModelArgs {
    /// The network: lrfind's MLP over one-hot columns, or fastai's TabularModel as
    /// tabular_learner builds it (embeddings, BatchNorm, blocks of 200 and 100; see
    /// docs/tabular.md).
    #[arg(long, value_enum, default_value_t = ModelKind::default())]
    pub model: ModelKind,

    /// Hidden layer widths, comma-separated [default: 64,64; for --model tabular 200,100].
    #[arg(long, value_parser = parse_widths, value_name = "W,W,...")]
    pub hidden: Option<Widths>,

    /// --model tabular: dropout after each block, one probability for all or one a block
    /// [default: 0].
    #[arg(long, value_delimiter = ',', value_name = "P")]
    pub dropout: Vec<f64>,

    /// --model tabular: dropout on the embeddings.
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    pub embed_dropout: f64,

    /// --model tabular, regression: the output range, sigmoid_range(LOW, HIGH), in the label's
    /// units.
    #[arg(long, value_parser = parse_range, value_name = "LOW,HIGH", allow_hyphen_values = true)]
    pub y_range: Option<(f64, f64)>,

    /// How the weights start: as torch.nn.Linear does, He-normal, or as Keras' Dense does.
    #[arg(long, value_enum, default_value_t = Init::default())]
    pub init: Init,

    /// Optimizer the LR is found for.
    #[arg(long, value_enum, default_value_t = OptimizerKind::Adam)]
    pub optimizer: OptimizerKind,

    /// Momentum: SGD's momentum (0 for plain SGD), or beta1 for adam and adamw.
    #[arg(
        long,
        default_values_t = [DEFAULT_SGD_MOMENTUM],
        value_delimiter = ',',
        value_name = "M",
        allow_negative_numbers = true
    )]
    pub momentum: Vec<f64>,

    /// SGD: use Nesterov momentum.
    #[arg(long)]
    pub nesterov: bool,

    /// Weight decay: an L2 term in the gradient (sgd, adam, rmsprop, adagrad), decoupled for
    /// adamw [default: 0; for --model tabular 0.01, fastai's, on weights and embeddings only].
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "W",
        allow_negative_numbers = true
    )]
    pub weight_decay: Vec<f64>,

    /// Rows per mini-batch (capped at the number of rows).
    #[arg(
        long,
        default_values_t = [DEFAULT_BATCH_SIZE],
        value_delimiter = ',',
        value_name = "N"
    )]
    pub batch_size: Vec<usize>,

    /// Seed of the initial weights and the batch order.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl ModelArgs {
    /// The model.
    pub fn model(&self) -> ModelConfig {
        let tabular = self.model == ModelKind::Tabular;
        let default = if tabular {
            DEFAULT_LAYERS.to_vec()
        } else {
            DEFAULT_HIDDEN.to_vec()
        };
        ModelConfig {
            kind: self.model,
            hidden: self.hidden.as_ref().map_or(default, |w| w.0.clone()),
            init: self.init,
            dropout: self.dropout.clone(),
            embed_dropout: self.embed_dropout,
            y_range: self.y_range,
        }
    }

    /// The weight decays given, or the default: none, or fastai's 0.01 for the tabular model.
    fn weight_decays(&self) -> Vec<f64> {
        match (self.weight_decay.is_empty(), self.model) {
            (false, _) => self.weight_decay.clone(),
            (true, ModelKind::Tabular) => vec![OptimizerConfig::FASTAI_WEIGHT_DECAY],
            (true, ModelKind::Mlp) => vec![0.0],
        }
    }

    /// The optimizer with the first value of each list: momentum is SGD's momentum, or Adam's
    /// and AdamW's beta1. For the tabular model, Adam is fastai's (decoupled weight decay,
    /// beta2 0.99, eps 1e-5).
    pub fn optimizer(&self) -> OptimizerConfig {
        let m = self.momentum[0];
        let mut base = OptimizerConfig::new(self.optimizer);
        if self.model == ModelKind::Tabular {
            base = base.fastai();
        }
        OptimizerConfig {
            momentum: if self.optimizer == OptimizerKind::Sgd {
                m
            } else {
                0.0
            },
            beta1: match self.optimizer {
                OptimizerKind::Adam | OptimizerKind::Adamw => m,
                _ => base.beta1,
            },
            nesterov: self.nesterov,
            weight_decay: self.weight_decays()[0],
            ..base
        }
    }

    /// The batch size (the first, for a list).
    pub fn batch_size(&self) -> usize {
        self.batch_size[0]
    }

    /// The knobs' lists, for the disciplined approach.
    pub fn knobs(&self) -> Knobs {
        Knobs {
            weight_decay: self.weight_decays(),
            momentum: self.momentum.clone(),
            batch_size: self.batch_size.clone(),
        }
    }

    /// Refuses lists: for commands that train one configuration.
    pub fn single(&self) -> lrfind::Result<()> {
        for (setting, n) in [
            (Setting::WeightDecay, self.weight_decay.len()),
            (Setting::Momentum, self.momentum.len()),
            (Setting::BatchSize, self.batch_size.len()),
        ] {
            if n > 1 {
                return Err(lrfind::Error::config(
                    setting,
                    "takes one value here; lists of values are for lrfind find",
                ));
            }
        }
        Ok(())
    }
}

/// Where the results go.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Where to write the picture: its extension decides the format, .png or .svg [default:
    /// <input stem>-<command>.png in the current folder (`lrfind data/iris.csv`: iris-lrfind.png;
    /// for `lrfind drive` the stem is the first file the worker's command names: `-- python
    /// train.py` gives train-lrfind.png), unless standard output carries more than the summary
    /// (-q, `--json -`, `--csv -`)].
    #[arg(long, value_name = "PATH")]
    pub plot: Option<PathBuf>,

    /// Do not draw the picture.
    #[arg(long, conflicts_with = "plot")]
    pub no_plot: bool,

    /// How much the range test's picture shows (lrfind and lrfind analyze): basic, the curve,
    /// the other runs faintly, the good range, the suggestion and the divergence; full, also each
    /// step's loss, every rule's pick and a strip with each run's pick and the race.
    #[arg(long, value_enum, default_value_t = PlotDetail::default(), value_name = "LEVEL")]
    pub plot_detail: PlotDetail,

    /// Do not draw the curve in the terminal under the summary (it is drawn only when standard
    /// output is a terminal).
    #[arg(long)]
    pub no_term_plot: bool,

    /// Write the full report as JSON to PATH (`-`: standard output, and nothing else goes there).
    #[arg(long, value_name = "PATH")]
    pub json: Option<String>,

    /// Write the curves (for sweep: every run) as CSV to PATH (`-`: standard output).
    #[arg(long = "csv", value_name = "PATH")]
    pub csv: Option<String>,

    /// No progress bar and no summary: print only the LR (the suggested one; for sweep, the best).
    #[arg(short, long)]
    pub quiet: bool,
}

impl OutputArgs {
    /// Every output named on the command line, with where it goes: the plot at `--plot`, the
    /// JSON and the CSV.
    pub fn destinations(&self) -> Vec<(Setting, Destination)> {
        let mut out = Vec::new();
        if let Some(path) = &self.plot {
            out.push((Setting::Plot, Destination::File(path.clone())));
        }
        if let Some(j) = &self.json {
            out.push((Setting::Json, Destination::parse(j)));
        }
        if let Some(c) = &self.csv {
            out.push((Setting::Csv, Destination::parse(c)));
        }
        out
    }

    /// Where the picture goes when neither --plot nor --no-plot is given: `<stem>-<suffix>.png`
    /// in the current folder. Whether it is drawn there is the command's call (see
    /// `app::check_outputs`).
    pub fn default_plot(&self, stem: &str, suffix: &str) -> Option<PathBuf> {
        (self.plot.is_none() && !self.no_plot)
            .then(|| PathBuf::from(format!("{stem}-{suffix}.png")))
    }
}
