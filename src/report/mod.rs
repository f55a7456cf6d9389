//! The [`Report`]: everything a command found, in one value that every writer reads. A report
//! holds only the provenance it has (the data, the model and the optimizer when lrfind trained;
//! the source files when it read a recorded curve) and any number of curve groups (one per
//! configuration or per file), each with its runs. The writers (`text`, `json`, `csv`, `plot`)
//! turn it into bytes and never open files; `crate::output` decides where the bytes go.

pub mod axes;
pub mod braille;
pub mod csv;
pub mod glyphs;
pub mod json;
pub mod plot;
pub mod schedule;
pub mod schedule_plot;
pub mod svg;
pub mod sweep;
pub mod terminal;
pub mod text;

use serde::Serialize;

use crate::curve::consensus::{consensus, is_unstable};
use crate::curve::diagnose::{
    constant_loss, diagnose, label_doubt, unstable, weak_fit, Diagnostic, Fit, Measured, Origin,
};
use crate::curve::read::ReadConfig;
use crate::curve::rules::{Method, NoSuggestion, Suggestions};
use crate::curve::{Curve, Stop};
use crate::data::tabular::TabularInputs;
use crate::data::{DataSummary, Dataset};
use crate::error::{Message, Setting};
use crate::find::{AtEnd, Edges, FindConfig, Findings};
use crate::grid::{Equal, GridConfig, GridFindings, Recommendation, Standing};
use crate::model::{loss_for, Init, Loss, ModelConfig, ModelKind};
use crate::optim::OptimizerConfig;
use crate::train::race::Race;

/// How a setting is named to the reader: the command line passes its flags.
pub type Naming<'a> = &'a dyn Fn(Setting, Option<&str>) -> String;

/// The model lrfind trained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSummary {
    /// Which network.
    pub kind: ModelKind,
    /// Layer sizes, e.g. `4-64-64-3`.
    pub layers: String,
    /// The loss.
    pub loss: Loss,
    /// How the weights started.
    pub init: Init,
    /// The tabular model's reading of the columns: which are categorical and which continuous,
    /// and where fastai's `cont_cat_split` would differ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inputs: Option<String>,
}

impl ModelSummary {
    /// `MLP 4-64-64-3 (ReLU, pytorch init)`, or the tabular model's description.
    pub fn name(&self) -> String {
        match self.kind {
            ModelKind::Mlp => format!("MLP {} (ReLU, {} init)", self.layers, self.init),
            ModelKind::Tabular => format!("fastai tabular {} (fastai init)", self.layers),
        }
    }

    /// The model of `config` on `dataset`.
    pub fn new(config: &ModelConfig, dataset: &Dataset) -> Self {
        ModelSummary {
            kind: config.kind,
            inputs: (config.kind == ModelKind::Tabular).then(|| {
                let all: Vec<usize> = (0..dataset.rows()).collect();
                TabularInputs::fit(dataset, &all).reading(dataset)
            }),
            layers: config.describe(dataset),
            loss: loss_for(&dataset.target),
            init: config.init,
        }
    }
}

/// The settings a report was made with.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Settings {
    /// lrfind's own range tests.
    Find(FindConfig),
    /// lrfind's own range tests, one find per configuration of the knobs.
    Grid(GridConfig),
    /// Reading recorded curves.
    Read(ReadConfig),
}

impl Settings {
    /// The find the range tests ran (for a grid, the one every configuration varies).
    pub fn find(&self) -> Option<&FindConfig> {
        match self {
            Settings::Find(c) => Some(c),
            Settings::Grid(g) => Some(&g.base),
            Settings::Read(_) => None,
        }
    }
}

/// The side-by-side reading of a grid of configurations.
#[derive(Debug, Clone)]
pub struct GridSummary {
    /// How batch sizes were compared.
    pub equal: Equal,
    /// Each configuration's standing, in the groups' order.
    pub standings: Vec<Standing>,
    /// The configurations' race, if they raced.
    pub race: Option<Race>,
    /// What to use.
    pub recommended: Option<Recommendation>,
}

/// One run's curves and picks.
#[derive(Debug, Clone, PartialEq)]
pub struct RunCurve {
    /// The seed, for lrfind's own runs.
    pub seed: Option<u64>,
    /// The training (or recorded) curve.
    pub curve: Curve,
    /// The validation curve, when one was recorded.
    pub val_curve: Option<Curve>,
    /// Every rule's pick on the curve the suggestion reads.
    pub picks: Suggestions,
    /// Steps planned, for lrfind's own runs.
    pub planned_steps: Option<usize>,
    /// Batch size used, for lrfind's own runs.
    pub batch_size: Option<usize>,
    /// Interrupted well before the run that got furthest: its picks are left out.
    pub cut_short: bool,
}

/// One knob of a configuration, as `setting = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Knob {
    /// The setting.
    pub setting: Setting,
    /// Its value, as the user wrote it.
    pub value: String,
}

/// A group of runs of one configuration (or one recorded file), read together.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// What tells this group from the others (a file name, `weight_decay=1e-4`, ...); empty for
    /// a report of one group.
    pub label: String,
    /// The knob values of this configuration.
    pub knobs: Vec<Knob>,
    /// Every run, the one shown in detail first.
    pub runs: Vec<RunCurve>,
    /// The rule behind the suggestion.
    pub rule: Method,
    /// The suggested LR: the race's survivor when candidates were raced, else the headline
    /// rule's pick (median over runs), if any.
    pub suggested_lr: Option<f64>,
    /// Every rule's pick (median over runs).
    pub suggestions: Vec<(Method, f64)>,
    /// Why there is no suggestion, with what to try.
    pub no_suggestion: Option<Message>,
    /// `log10(max/min)` of the runs' picks.
    pub spread_decades: Option<f64>,
    /// The interquartile range of the runs' picks, in decades.
    pub iqr_decades: Option<f64>,
    /// Whether the picks' interquartile range is too wide to trust one number.
    pub unstable: bool,
    /// What looks wrong.
    pub diagnostics: Vec<Diagnostic>,
    /// The race of candidate LRs, when they were verified by training.
    pub race: Option<Race>,
    /// Whether the race's winner sat at an end of the LRs raced, and what was done.
    pub edges: Option<Edges>,
    /// Why no race ran though one was asked for.
    pub no_race: Option<String>,
    /// The budget the race was fitted to, when one was given.
    pub budget: Option<crate::find::Budgeted>,
}

impl Group {
    /// Reads `runs` together: the median picks, their spread, why there is no suggestion, and the
    /// first run's diagnostics. `origin` says where the curves came from.
    pub fn read(label: String, runs: Vec<RunCurve>, rule: Method, origin: &Origin) -> Self {
        let picks: Vec<Suggestions> = runs.iter().map(|r| r.picks.clone()).collect();
        let agreed = consensus(&picks);
        let first = &runs[0];
        let mut diagnostics = diagnose(&first.curve, &first.picks, origin);
        if runs.len() > 1 {
            diagnostics.extend(unstable(agreed.iqr_decades, runs.len(), origin));
        }
        let failure: Option<NoSuggestion> = picks
            .iter()
            .find_map(|p| p.failure)
            .filter(|_| agreed.headline.is_none());
        Group {
            label,
            knobs: Vec::new(),
            rule,
            suggested_lr: agreed.headline,
            suggestions: agreed.by_method,
            no_suggestion: failure.map(|f| f.explain(&first.curve.stop, origin)),
            spread_decades: agreed.spread_decades,
            iqr_decades: agreed.iqr_decades,
            unstable: is_unstable(agreed.iqr_decades),
            diagnostics,
            race: None,
            edges: None,
            no_race: None,
            budget: None,
            runs,
        }
    }

    /// The group of `find`'s findings.
    pub fn from_findings(label: String, findings: Findings, rule: Method) -> Self {
        let suggested = findings.suggested_lr();
        let Findings {
            runs,
            race,
            edges,
            no_race,
            budget,
            origin,
            ..
        } = findings;
        let cut: Vec<(u64, f64)> = runs
            .iter()
            .filter(|r| r.cut_short)
            .map(|r| {
                (
                    r.run.seed,
                    r.run.recording.samples.last().map_or(0.0, |s| s.lr),
                )
            })
            .collect();
        let furthest = runs
            .iter()
            .filter_map(|r| r.run.recording.samples.last().map(|s| s.lr))
            .fold(0.0, f64::max);
        let runs = runs
            .into_iter()
            .map(|r| RunCurve {
                seed: Some(r.run.seed),
                planned_steps: Some(r.run.recording.planned_steps),
                batch_size: Some(r.run.batch_size),
                cut_short: r.cut_short,
                curve: r.curve,
                val_curve: r.val_curve,
                picks: r.picks,
            })
            .collect();
        let mut group = Group::read(label, runs, rule, &origin);
        if !cut.is_empty() {
            let listed: Vec<String> = cut
                .iter()
                .map(|(seed, lr)| format!("seed {seed} at LR {lr:.2e}"))
                .collect();
            group.diagnostics.push(Diagnostic {
                code: "cut_short",
                message: Message::new(format!(
                    "{} stopped {} well before the furthest run (LR {furthest:.2e}): {} picks are left out, so as not to drag the suggestion to where {} stopped",
                    crate::interrupt::cause(),
                    listed.join(", "),
                    if cut.len() == 1 { "its" } else { "their" },
                    if cut.len() == 1 { "it" } else { "they" },
                )),
            });
        }
        group.no_race = no_race;
        group.budget = budget;
        if let Some(r) = race {
            group.suggested_lr = suggested;
            if group.suggested_lr.is_none() {
                group.no_suggestion = Some(Message::new(format!(
                    "none of the {} LRs raced trained better than the untrained model; the curve's fall may be noise: check the label column with ",
                    r.entries.len()
                ))
                .setting(Setting::Target));
            }
            // The suggestion was trained, not read off one curve, but the runs' spread still says
            // the curves are noisy: the flag stays, and the message says what it means now.
            if let Some(d) = group.diagnostics.iter_mut().find(|d| d.code == "unstable") {
                d.message = unstable_with_race(group.iqr_decades.unwrap_or(0.0), group.runs.len());
            }
            if let Some(d) = edges.as_ref().and_then(|e| at_end(e, &r)) {
                group.diagnostics.push(d);
            }
            if let Some(f) = &r.fallback {
                group.diagnostics.push(Diagnostic {
                    code: "race_diverged",
                    message: Message::new(format!(
                        "the race's survivor {} diverged in {} of {} runs once trained longer: the suggestion falls back below {}, where no run diverged; a longer training than the race's may diverge nearer the suggestion, so check it with more ",
                        fmt_lr(f.survivor),
                        f.diverged,
                        r.seeds,
                        fmt_lr(f.lowest_diverged)
                    ))
                    .setting(Setting::VerifySteps),
                });
            }
            group.race = Some(r);
            group.edges = edges;
        }
        group
    }

    /// Adds the diagnostics that doubt the suggestion on `data` (the table, when lrfind trained on
    /// one; see
    /// [`crate::curve::diagnose::DOUBTS`]): a weak fit, measured by the race (its best
    /// validation loss against the untrained one) or else by the curves the runs recorded (the
    /// validation curve when there is one; the run whose curve fell most), when an LR was
    /// suggested; and with `label`, a label taken by default that looks like a year, a date or
    /// an identifier. `model` is what trained (the tabular model's losses are in the label's own
    /// units).
    pub fn doubt(&mut self, data: Option<&DataSummary>, model: &ModelConfig, label: bool) {
        let raw_label = model.kind == ModelKind::Tabular;
        let fit = match &self.race {
            Some(r) => Some(Fit {
                untrained: r.initial_loss,
                best: r
                    .entries
                    .iter()
                    .map(|e| e.mean_loss)
                    .fold(f64::INFINITY, f64::min),
                measured: Measured::Race,
            }),
            None => self
                .runs
                .iter()
                .filter_map(|r| match &r.val_curve {
                    Some(v) => Fit::of_curve(v, Measured::ValidationCurve),
                    None => Fit::of_curve(&r.curve, Measured::TrainingCurve),
                })
                .min_by(|a, b| (a.best / a.untrained).total_cmp(&(b.best / b.untrained))),
        };
        if let (Some(fit), Some(_)) = (fit, self.suggested_lr) {
            self.diagnostics.extend(weak_fit(
                &fit,
                data.and_then(|d| constant_loss(d, raw_label)),
            ));
        }
        if let (true, Some(data)) = (label, data) {
            self.diagnostics.extend(label_doubt(data));
        }
    }

    /// The run shown in detail.
    pub fn first(&self) -> &RunCurve {
        &self.runs[0]
    }

    /// Why the first run stopped.
    pub fn stop(&self) -> Stop {
        self.first().curve.stop
    }

    /// The race's survivor, when candidates were raced.
    pub fn verified_lr(&self) -> Option<f64> {
        self.race.as_ref().map(|r| r.winner)
    }

    /// The pick of one rule (median over runs).
    pub fn suggestion(&self, method: Method) -> Option<f64> {
        self.suggestions
            .iter()
            .find(|(m, _)| *m == method)
            .map(|(_, lr)| *lr)
    }
}

/// What a range test or a recorded curve came to.
#[derive(Debug, Clone)]
pub struct Report {
    /// lrfind's version.
    pub version: String,
    /// What was made of the CSV, when lrfind trained on one.
    pub data: Option<DataSummary>,
    /// The model, when lrfind trained one.
    pub model: Option<ModelSummary>,
    /// The worker, when a user's training was driven.
    pub worker: Option<WorkerSummary>,
    /// The optimizer the suggestion is for, when known.
    pub optimizer: Option<OptimizerConfig>,
    /// The files recorded curves were read from.
    pub sources: Vec<String>,
    /// What was decided while reading the input.
    pub notes: Vec<String>,
    /// The settings used.
    pub settings: Settings,
    /// Every group (at least one).
    pub groups: Vec<Group>,
    /// The side-by-side reading, when the groups are configurations of a grid.
    pub grid: Option<GridSummary>,
    /// How much its figure shows ([`plot::Detail::Basic`] unless the caller asks for more).
    pub detail: plot::Detail,
}

/// What trained, when it was a user's training driven through the protocol: the command, how
/// many workers, and what the first said of itself at the start (its token left out).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkerSummary {
    /// The worker command as typed (empty for workers started elsewhere).
    pub command: String,
    /// Workers that trained.
    pub workers: usize,
    /// The first worker's hello, without its token.
    pub hello: crate::drive::protocol::Hello,
}

/// Where a report's training came from: lrfind's own model on a table, or a user's worker.
#[derive(Debug, Clone)]
pub enum Trainer<'a> {
    /// lrfind's MLP on this data set.
    Builtin(&'a Dataset),
    /// A user's training.
    Worker(Box<WorkerSummary>),
}

impl Trainer<'_> {
    /// The data summary, the model summary and the worker, as the report holds them.
    fn provenance(
        &self,
        model: &ModelConfig,
    ) -> (
        Option<DataSummary>,
        Option<ModelSummary>,
        Option<WorkerSummary>,
    ) {
        match self {
            Trainer::Builtin(d) => (
                Some(d.summary.clone()),
                Some(ModelSummary::new(model, d)),
                None,
            ),
            Trainer::Worker(w) => (None, None, Some((**w).clone())),
        }
    }
}

impl Report {
    /// The report of one `find` on `dataset`: its range tests as one group.
    pub fn of_find(dataset: &Dataset, config: FindConfig, findings: Findings) -> Self {
        Report::of_findings(&Trainer::Builtin(dataset), config, findings)
    }

    /// The report of one find of `config`, trained by `trainer`.
    pub fn of_findings(trainer: &Trainer, config: FindConfig, findings: Findings) -> Self {
        let mut group = Group::from_findings(String::new(), findings, config.rule);
        let (data, model, worker) = trainer.provenance(&config.range.model);
        group.doubt(data.as_ref(), &config.range.model, true);
        Report {
            version: env!("CARGO_PKG_VERSION").to_string(),
            data,
            model,
            worker,
            optimizer: Some(config.range.optimizer),
            sources: Vec::new(),
            notes: Vec::new(),
            settings: Settings::Find(config),
            groups: vec![group],
            grid: None,
            detail: plot::Detail::default(),
        }
    }

    /// The report of a grid on `dataset`: one group per configuration, labelled by its knobs.
    pub fn of_grid(dataset: &Dataset, config: GridConfig, found: GridFindings) -> Self {
        Report::of_grid_findings(&Trainer::Builtin(dataset), config, found)
    }

    /// The report of a grid trained by `trainer`.
    pub fn of_grid_findings(trainer: &Trainer, config: GridConfig, found: GridFindings) -> Self {
        let GridFindings {
            configurations,
            standings,
            race,
            recommended,
        } = found;
        let first = &configurations[0].0.find;
        let optimizer = first.range.optimizer;
        let (data, model, worker) = trainer.provenance(&first.range.model);
        let trained = first.range.model.clone();
        let groups = configurations
            .into_iter()
            .map(|(c, f)| {
                let mut g = Group::from_findings(c.label, f, c.find.rule);
                g.knobs = c.knobs;
                g
            })
            .collect();
        let mut report = Report {
            version: env!("CARGO_PKG_VERSION").to_string(),
            data,
            model,
            worker,
            optimizer: Some(optimizer),
            sources: Vec::new(),
            notes: Vec::new(),
            grid: Some(GridSummary {
                equal: config.equal,
                standings,
                race,
                recommended,
            }),
            settings: Settings::Grid(config),
            groups,
            detail: plot::Detail::default(),
        };
        let main = report.main().label.clone();
        for g in &mut report.groups {
            let label = g.label == main;
            g.doubt(report.data.as_ref(), &trained, label);
        }
        report
    }

    /// The group the headline numbers come from: the recommended configuration of a grid, else
    /// the first.
    pub fn main(&self) -> &Group {
        let recommended = self
            .grid
            .as_ref()
            .and_then(|g| g.recommended.as_ref())
            .and_then(|r| self.groups.iter().find(|g| g.label == r.label));
        recommended.unwrap_or(&self.groups[0])
    }

    /// The suggested LR of the main group.
    pub fn suggested_lr(&self) -> Option<f64> {
        self.main().suggested_lr
    }
}

/// The warning for a race whose winner is still at an end of the LRs raced.
fn at_end(edges: &Edges, race: &Race) -> Option<Diagnostic> {
    let lowest = race
        .entries
        .iter()
        .map(|e| e.lr)
        .fold(f64::INFINITY, f64::min);
    let highest = race.entries.iter().map(|e| e.lr).fold(0.0, f64::max);
    let message = match edges.at_end? {
        AtEnd::LowestAfterWidening => Message::new(format!(
            "the lowest LR raced ({}) still trained best after the race was widened {} times: the best LR may be lower still; race lower LRs with a larger ",
            fmt_lr(lowest),
            crate::find::MAX_EXTENSIONS
        ))
        .setting(Setting::VerifyBelow),
        AtEnd::LowestAtStart => Message::new(format!(
            "the lowest LR raced ({}) trained best, and it is where the range test started: lower ",
            fmt_lr(lowest)
        ))
        .setting(Setting::StartLr)
        .text(" to race below it"),
        AtEnd::HighestBelowDivergence => Message::new(format!(
            "the highest LR raced ({}) trained best, and the next LRs up are where the range test diverged: the best LR is near the edge of stability, so the suggestion is a little below the best a run can take",
            fmt_lr(highest)
        )),
        AtEnd::HighestAfterWidening => Message::new(format!(
            "the highest LR raced ({}) still trained best after the race was widened {} times: the best LR may be higher still",
            fmt_lr(highest),
            crate::find::MAX_EXTENSIONS
        )),
    };
    Some(Diagnostic {
        code: "race_at_end",
        message,
    })
}

/// What an unstable spread of the runs' picks means when a race chose the LR: the curves are
/// noisy, so no rule's pick on one of them is to be trusted; the race trained LRs across the
/// spread, yet its winner moves with the seeds too.
fn unstable_with_race(iqr: f64, runs: usize) -> Message {
    Message::new(format!(
        "the {runs} runs' picks spread over {iqr:.2} decades between their quartiles (more than {}): the curves are noisy, so a rule's pick on any one of them is unreliable; the suggestion comes from the race, which trained LRs across that spread, but a noisy table moves its winner too: check it with more ",
        crate::curve::consensus::UNSTABLE_DECADES
    ))
    .setting(Setting::VerifySeeds)
    .text(" or ")
    .setting(Setting::Runs)
}

/// An LR in the short scientific form reports use, e.g. `3.16e-3`.
pub fn fmt_lr(lr: f64) -> String {
    format!("{lr:.2e}")
}
