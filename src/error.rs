//! Typed errors of the library. Each variant says what went wrong, where, and what to do about it,
//! so the binary can print it as one line and pick the exit code.
//!
//! The library never spells a command-line flag. A message that points at something the user can
//! set names it as a [`Setting`]; the command line renders each setting as its own flag
//! (`--start-lr`), and a library user sees the setting's name (`start_lr`).

use std::fmt;
use std::path::PathBuf;

/// Something a user chooses: every option of every command. Errors and hints name these; the
/// command line maps each to its flag in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    // Reading the table.
    /// The field delimiter.
    Delimiter,
    /// Whether the first row is a header.
    Header,
    /// Extra spellings of a missing value.
    NaValues,
    /// The missing-value policy.
    Missing,
    /// Columns never used as features.
    Ignore,
    /// The only columns used as features.
    Features,
    /// The label column.
    Target,
    /// Classification or regression.
    Task,
    /// Text columns with more levels are dropped.
    MaxCategories,
    /// The decimal separator.
    Decimal,
    /// The most rows read from a large file.
    MaxRows,
    // The model and optimizer.
    /// Hidden layer widths.
    Hidden,
    /// Which model (`--model`).
    Model,
    /// The tabular model's dropout.
    Dropout,
    /// The tabular model's output range.
    YRange,
    /// How the weights start.
    Init,
    /// Which optimizer.
    Optimizer,
    /// SGD momentum, or Adam's beta1.
    Momentum,
    /// Nesterov momentum.
    Nesterov,
    /// Weight decay.
    WeightDecay,
    /// Adam's betas.
    Betas,
    /// The denominator's epsilon.
    Eps,
    /// Rows per step.
    BatchSize,
    /// The seed.
    Seed,
    // The range test.
    /// First LR of the range test.
    StartLr,
    /// Last LR of the range test.
    EndLr,
    /// Steps of the range test.
    Steps,
    /// Width of the curve's smoother.
    Smoothing,
    /// The divergence threshold.
    DivergeFactor,
    /// Repeated range tests.
    Runs,
    /// The held-out fraction.
    ValSplit,
    /// Which curve the rules read.
    Signal,
    /// The rule behind the suggestion.
    Rule,
    /// Verification by training.
    Verify,
    /// Steps of the verification race.
    VerifySteps,
    /// Runs per raced candidate.
    VerifySeeds,
    /// How far below the curve's minimum the race reaches.
    VerifyBelow,
    /// How far below the divergence the race reaches.
    VerifyUnderDivergence,
    /// How configurations of a grid are compared.
    Equal,
    // The sweep.
    /// The LRs of a sweep.
    Lrs,
    /// Epochs per run.
    Epochs,
    /// Steps per run, at least.
    MinSteps,
    /// Seeds per LR.
    Seeds,
    // Reading a recorded curve.
    /// The LR column of a recorded curve.
    LrColumn,
    /// The loss column of a recorded curve.
    LossColumn,
    /// The EMA factor a recorder already smoothed the loss with.
    SmoothedBy,
    // Schedules.
    /// Which LR schedule.
    Schedule,
    /// The peak (or base) LR of a schedule.
    Lr,
    /// The lowest LR a schedule anneals to.
    MinLr,
    /// Warm-up steps before a schedule's peak.
    Warmup,
    /// The fraction of the peak LR a warm-up starts from.
    WarmupStartFactor,
    /// The fraction of a one-cycle spent rising.
    PctStart,
    /// The peak LR over a one-cycle's starting LR.
    Div,
    /// How far below its start a one-cycle ends.
    FinalDiv,
    /// A one-cycle's third, annihilation phase.
    ThreePhase,
    /// How a one-cycle moves between its LRs (cos or linear).
    Anneal,
    /// Whose one-cycle: PyTorch's or fastai's.
    Variant,
    /// Whether a one-cycle cycles momentum against the LR.
    CycleMomentum,
    /// The lowest momentum of a one-cycle.
    BaseMomentum,
    /// The highest momentum of a one-cycle.
    MaxMomentum,
    /// Steps of the first cosine cycle before a restart.
    Period,
    /// Growth factor of each restart's period.
    PeriodMult,
    /// The multiplicative decay of a schedule.
    Gamma,
    /// Steps between decays of a step schedule.
    StepSize,
    /// Steps at which a multistep schedule decays.
    Milestones,
    /// The last step of each piece of a piecewise schedule.
    Boundaries,
    /// The LR multipliers of a piecewise schedule.
    Values,
    /// The exponent of a polynomial or power decay.
    Power,
    /// The rate of an inverse-time decay.
    DecayRate,
    /// The step scale of an inverse-time decay.
    DecaySteps,
    /// Whether an inverse-time decay moves in whole periods.
    Staircase,
    /// Steps of a cyclic schedule's rise.
    StepSizeUp,
    /// Steps of a cyclic schedule's fall.
    StepSizeDown,
    /// A cyclic schedule's amplitude mode, or whether a plateau's metric falls or rises.
    Mode,
    /// Warm-up, stable and decay fractions of a warmup-stable-decay run.
    Fractions,
    /// The shape of a warmup-stable-decay schedule's decay.
    DecayShape,
    /// What a plateau multiplies the LR by.
    Factor,
    /// Evaluations without improvement before a plateau cuts the LR.
    Patience,
    /// The least change a plateau counts as an improvement.
    Threshold,
    /// Whether a plateau's threshold is relative or absolute.
    ThresholdMode,
    /// Evaluations a plateau waits after a cut.
    Cooldown,
    /// The least LR change a plateau applies.
    PlateauEps,
    /// The framework a snippet is written for.
    Framework,
    /// The schedules a race trains.
    Race,
    // Driving a worker.
    /// The worker's command.
    Command,
    /// Worker copies to start.
    Workers,
    /// The address lrfind listens on for workers.
    Listen,
    /// How long lrfind waits for any message of a worker.
    StepTimeout,
    /// What the race may cost.
    RaceBudget,
    // Outputs.
    /// The picture.
    Plot,
    /// The JSON report.
    Json,
    /// The CSV export.
    Csv,
}

impl Setting {
    /// The setting's name for a library user, as in the config structs (`start_lr`).
    pub fn key(self) -> &'static str {
        use Setting::*;
        match self {
            Delimiter => "delimiter",
            Header => "header",
            NaValues => "na_values",
            Missing => "missing",
            Ignore => "ignore",
            Features => "features",
            Target => "target",
            Task => "task",
            MaxCategories => "max_categories",
            Decimal => "decimal",
            MaxRows => "max_rows",
            Hidden => "hidden",
            Model => "model",
            Dropout => "dropout",
            YRange => "y_range",
            Init => "init",
            Optimizer => "optimizer",
            Momentum => "momentum",
            Nesterov => "nesterov",
            WeightDecay => "weight_decay",
            Betas => "betas",
            Eps => "eps",
            BatchSize => "batch_size",
            Seed => "seed",
            StartLr => "start_lr",
            EndLr => "end_lr",
            Steps => "steps",
            Smoothing => "smoothing",
            DivergeFactor => "diverge_factor",
            Runs => "runs",
            ValSplit => "val_split",
            Signal => "signal",
            Rule => "rule",
            Verify => "verify",
            VerifySteps => "verify_steps",
            VerifySeeds => "verify_seeds",
            VerifyBelow => "verify_below",
            VerifyUnderDivergence => "verify_under_divergence",
            Equal => "equal",
            Lrs => "lrs",
            Epochs => "epochs",
            MinSteps => "min_steps",
            Seeds => "seeds",
            LrColumn => "lr_column",
            LossColumn => "loss_column",
            SmoothedBy => "smoothed_by",
            Schedule => "schedule",
            Lr => "lr",
            MinLr => "min_lr",
            Warmup => "warmup",
            WarmupStartFactor => "warmup_start_factor",
            PctStart => "pct_start",
            Div => "div",
            FinalDiv => "final_div",
            ThreePhase => "three_phase",
            Anneal => "anneal",
            Variant => "variant",
            CycleMomentum => "cycle_momentum",
            BaseMomentum => "base_momentum",
            MaxMomentum => "max_momentum",
            Period => "period",
            PeriodMult => "period_mult",
            Gamma => "gamma",
            StepSize => "step_size",
            Milestones => "milestones",
            Boundaries => "boundaries",
            Values => "values",
            Power => "power",
            DecayRate => "decay_rate",
            DecaySteps => "decay_steps",
            Staircase => "staircase",
            StepSizeUp => "step_size_up",
            StepSizeDown => "step_size_down",
            Mode => "mode",
            Fractions => "fractions",
            DecayShape => "decay_shape",
            Factor => "factor",
            Patience => "patience",
            Threshold => "threshold",
            ThresholdMode => "threshold_mode",
            Cooldown => "cooldown",
            PlateauEps => "plateau_eps",
            Framework => "framework",
            Race => "race",
            Command => "command",
            Workers => "workers",
            Listen => "listen",
            StepTimeout => "step_timeout",
            RaceBudget => "race_budget",
            Plot => "plot",
            Json => "json",
            Csv => "csv",
        }
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.key())
    }
}

/// One piece of a [`Message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Plain words.
    Text(String),
    /// A setting, named by whoever renders the message.
    Setting(Setting),
    /// A setting with the value to give it (`--missing drop`).
    SettingValue(Setting, String),
}

/// A message a person reads, which may name settings. Rendered by [`Message::render`] with a
/// naming of settings (the command line passes its flags), or by `Display` with the settings'
/// library names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message(pub Vec<Part>);

impl Message {
    /// A message of plain words.
    pub fn new(text: impl Into<String>) -> Self {
        Message(vec![Part::Text(text.into())])
    }

    /// Appends plain words.
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.0.push(Part::Text(text.into()));
        self
    }

    /// Appends the name of a setting.
    pub fn setting(mut self, setting: Setting) -> Self {
        self.0.push(Part::Setting(setting));
        self
    }

    /// Appends a setting with the value to give it.
    pub fn setting_value(mut self, setting: Setting, value: impl Into<String>) -> Self {
        self.0.push(Part::SettingValue(setting, value.into()));
        self
    }

    /// The message with each setting named by `name`; `name(s, Some(v))` names it with a value.
    pub fn render(&self, name: &dyn Fn(Setting, Option<&str>) -> String) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.clone(),
                Part::Setting(s) => name(*s, None),
                Part::SettingValue(s, v) => name(*s, Some(v)),
            })
            .collect()
    }

    /// The settings the message names, in order.
    pub fn settings(&self) -> impl Iterator<Item = Setting> + '_ {
        self.0.iter().filter_map(|p| match p {
            Part::Setting(s) | Part::SettingValue(s, _) => Some(*s),
            Part::Text(_) => None,
        })
    }
}

/// Library naming: `` `start_lr` `` and `` `missing` = drop ``.
fn library_name(s: Setting, value: Option<&str>) -> String {
    match value {
        Some(v) => format!("{s} = {v}"),
        None => s.to_string(),
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(&library_name))
    }
}

impl From<String> for Message {
    fn from(s: String) -> Self {
        Message::new(s)
    }
}

impl From<&str> for Message {
    fn from(s: &str) -> Self {
        Message::new(s)
    }
}

/// Where in an input file a problem sits: the file, the 1-based line (or data row) and the column
/// name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it.
    pub file: PathBuf,
    /// 1-based line number in the file (the header is line 1), or the 1-based data row when
    /// `unit` is [`Unit::Row`].
    pub line: u64,
    /// What `line` counts.
    pub unit: Unit,
    /// Column name, when the problem belongs to one column.
    pub column: Option<String>,
}

/// What a [`Location`]'s number counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Lines of a text file (a CSV, a recorded log): the header is line 1.
    Line,
    /// Data rows of a Parquet or Arrow file, from 1 (a file has no lines, and its header is not
    /// a row).
    Row,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            Unit::Line => "line",
            Unit::Row => "row",
        };
        write!(f, "{}, {unit} {}", self.file.display(), self.line)?;
        if let Some(c) = &self.column {
            write!(f, ", column '{c}'")?;
        }
        Ok(())
    }
}

/// Everything that can stop lrfind before it has a curve to report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input could not be opened or read.
    #[error("cannot read {}: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The input is malformed or holds a value lrfind cannot use.
    #[error("{location}: {message}")]
    Data {
        /// Where the problem is.
        location: Location,
        /// What is wrong and what to do.
        message: Message,
    },
    /// A problem with the input as a whole (no rows, one class, ...).
    #[error("{}: {message}", file.display())]
    Dataset {
        /// The file.
        file: PathBuf,
        /// What is wrong and what to do.
        message: Message,
    },
    /// A setting whose value cannot be used.
    #[error("invalid {setting}: {message}")]
    Config {
        /// The setting.
        setting: Setting,
        /// What is wrong with its value.
        message: Message,
    },
    /// An output file could not be written.
    #[error("cannot write {}: {source}", file.display())]
    Output {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The plot could not be drawn.
    #[error("cannot draw the plot: {0}")]
    Plot(String),
    /// A worker of `lrfind drive` failed: it would not start, exited, hung, or broke the
    /// protocol.
    #[error("{worker}: {message}")]
    Worker {
        /// Which worker, as `worker 0 (python train.py)`.
        worker: String,
        /// What happened and what to do.
        message: Message,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Builds an [`Error::Config`].
    pub fn config(setting: Setting, message: impl Into<Message>) -> Self {
        Error::Config {
            setting,
            message: message.into(),
        }
    }

    /// Builds an [`Error::Data`].
    pub fn data(location: Location, message: impl Into<Message>) -> Self {
        Error::Data {
            location,
            message: message.into(),
        }
    }

    /// Builds an [`Error::Dataset`].
    pub fn dataset(file: impl Into<PathBuf>, message: impl Into<Message>) -> Self {
        Error::Dataset {
            file: file.into(),
            message: message.into(),
        }
    }

    /// The error as one line, with settings named by `name` (see [`Message::render`]).
    pub fn render(&self, name: &dyn Fn(Setting, Option<&str>) -> String) -> String {
        match self {
            Error::Data { location, message } => format!("{location}: {}", message.render(name)),
            Error::Dataset { file, message } => {
                format!("{}: {}", file.display(), message.render(name))
            }
            Error::Config { setting, message } => {
                format!("invalid {}: {}", name(*setting, None), message.render(name))
            }
            Error::Worker { worker, message } => format!("{worker}: {}", message.render(name)),
            other => other.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_settings_as_the_renderer_says() {
        let m = Message::new("fix it, or pass ")
            .setting_value(Setting::Missing, "drop")
            .text(" (see ")
            .setting(Setting::NaValues)
            .text(")");
        assert_eq!(
            m.to_string(),
            "fix it, or pass `missing` = drop (see `na_values`)"
        );
        let flags = |s: Setting, v: Option<&str>| match v {
            Some(v) => format!("--{} {v}", s.key().replace('_', "-")),
            None => format!("--{}", s.key().replace('_', "-")),
        };
        assert_eq!(
            m.render(&flags),
            "fix it, or pass --missing drop (see --na-values)"
        );
        let e = Error::config(Setting::StartLr, "0 must be above 0");
        assert_eq!(e.render(&flags), "invalid --start-lr: 0 must be above 0");
        assert_eq!(e.to_string(), "invalid `start_lr`: 0 must be above 0");
    }
}
