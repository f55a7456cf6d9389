//! The model lrfind trains, as a user configures it: which model (lrfind's MLP or fastai's
//! tabular model), its hidden layer widths, the initialisation, and the tabular model's dropout
//! and output range. Inputs and outputs come from the data.

use serde::Serialize;

use super::init::Init;
use super::tabular::{TabularShape, DEFAULT_LAYERS};
use super::Loss;
use crate::data::tabular::TabularInputs;
use crate::data::{Dataset, Target};
use crate::error::{Error, Result, Setting};

/// Which network is trained.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// lrfind's MLP: ReLU layers over the standardised, one-hot encoded columns.
    #[default]
    Mlp,
    /// fastai's `TabularModel` as `tabular_learner` builds it: embeddings for the categorical
    /// columns, BatchNorm on the continuous ones, Linear-ReLU-BatchNorm-Dropout blocks.
    Tabular,
}

impl std::fmt::Display for ModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ModelKind::Mlp => "mlp",
            ModelKind::Tabular => "tabular",
        })
    }
}

/// Hidden layer widths unless told otherwise: a small tabular MLP, expressive enough for the
/// curve to show real learning and cheap enough to run in milliseconds.
pub const DEFAULT_HIDDEN: [usize; 2] = [64, 64];

/// Most parameters a model may have: 4 GiB of f32 for the weights alone, before the optimizer's
/// state and the gradients (about 4x that in all).
pub const MAX_PARAMS: usize = 1 << 30;

/// The model: ReLU hidden layers of the given widths and a linear output layer (the MLP), or
/// fastai's tabular model with blocks of those widths.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelConfig {
    /// Which network.
    pub kind: ModelKind,
    /// Width of each ReLU hidden layer (of each block, for the tabular model).
    pub hidden: Vec<usize>,
    /// How the MLP's weights start (the tabular model always starts as fastai's).
    pub init: Init,
    /// The tabular model's dropout after each block: one value for every block, or one a block.
    pub dropout: Vec<f64>,
    /// The tabular model's dropout on its embeddings.
    pub embed_dropout: f64,
    /// The tabular model's output range for regression, in the label's units (`sigmoid_range`).
    pub y_range: Option<(f64, f64)>,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            kind: ModelKind::Mlp,
            hidden: DEFAULT_HIDDEN.to_vec(),
            init: Init::default(),
            dropout: Vec::new(),
            embed_dropout: 0.0,
            y_range: None,
        }
    }
}

impl ModelConfig {
    /// fastai's tabular model as `tabular_learner` builds it: blocks of 200 and 100, no dropout.
    pub fn tabular() -> Self {
        ModelConfig {
            kind: ModelKind::Tabular,
            hidden: DEFAULT_LAYERS.to_vec(),
            ..ModelConfig::default()
        }
    }

    /// Checks the widths, the dropout probabilities and the output range.
    pub fn validate(&self) -> Result<()> {
        let tabular = self.kind == ModelKind::Tabular;
        if (self.hidden.is_empty() && !tabular) || self.hidden.contains(&0) {
            return Err(Error::config(
                Setting::Hidden,
                "give widths of at least 1, e.g. 64,64",
            ));
        }
        let probability = |p: f64| p.is_finite() && (0.0..1.0).contains(&p);
        if !self.dropout.iter().all(|&p| probability(p)) || !probability(self.embed_dropout) {
            return Err(Error::config(
                Setting::Dropout,
                "dropout probabilities must be in [0, 1)",
            ));
        }
        if self.dropout.len() > 1 && self.dropout.len() != self.hidden.len() {
            return Err(Error::config(
                Setting::Dropout,
                format!(
                    "give one probability, or one for each of the {} layers",
                    self.hidden.len()
                ),
            ));
        }
        if !tabular && (self.dropout.iter().any(|&p| p > 0.0) || self.embed_dropout > 0.0) {
            return Err(Error::config(
                Setting::Dropout,
                "dropout is a setting of --model tabular",
            ));
        }
        if let Some((low, high)) = self.y_range {
            if !(tabular && low.is_finite() && high.is_finite() && low < high) {
                return Err(Error::config(
                    Setting::YRange,
                    "give LOW,HIGH with LOW < HIGH, for --model tabular",
                ));
            }
        }
        Ok(())
    }

    /// The tabular model's shape for `inputs` fitted on `dataset`: its blocks and dropout, and
    /// the output range, in the label's own units, which the tabular model trains on.
    pub fn tabular_shape(&self, inputs: &TabularInputs, dataset: &Dataset) -> TabularShape {
        let dropout = match self.dropout.as_slice() {
            [] => vec![0.0; self.hidden.len()],
            [p] => vec![*p; self.hidden.len()],
            ps => ps.to_vec(),
        };
        let y_range = match (&dataset.target, self.y_range) {
            (Target::Values { .. }, range) => range,
            _ => None,
        };
        TabularShape {
            cardinalities: inputs.cardinalities(),
            continuous: inputs.continuous.len(),
            layers: self.hidden.clone(),
            outputs: dataset.target.outputs(),
            dropout,
            embed_dropout: self.embed_dropout,
            y_range,
        }
    }

    /// Layer sizes for `dataset`: inputs, hidden widths, outputs.
    pub fn sizes(&self, dataset: &Dataset) -> Vec<usize> {
        let mut sizes = vec![dataset.features()];
        sizes.extend(&self.hidden);
        sizes.push(dataset.target.outputs());
        sizes
    }

    /// Checks that the model for `dataset` fits in memory: a width typo (`--hidden 6464646464`)
    /// is a clear error, not an allocation abort.
    pub fn check_size(&self, dataset: &Dataset) -> Result<()> {
        if self.y_range.is_some() && dataset.target.classes().is_some() {
            return Err(Error::config(
                Setting::YRange,
                "is for regression; this label is a classification's",
            ));
        }
        if self.kind == ModelKind::Tabular {
            let all: Vec<usize> = (0..dataset.rows()).collect();
            let inputs = TabularInputs::fit(dataset, &all);
            let shape = self.tabular_shape(&inputs, dataset);
            return match shape.parameters() {
                Some(n) if n <= MAX_PARAMS => Ok(()),
                _ => Err(Error::config(
                    Setting::Hidden,
                    format!("a tabular model with blocks {} has more than {MAX_PARAMS} parameters and would not fit in memory", describe(&self.hidden)),
                )),
            };
        }
        let sizes = self.sizes(dataset);
        let params = sizes.windows(2).try_fold(0usize, |n, w| {
            w[0].checked_mul(w[1])
                .and_then(|p| p.checked_add(w[1]))
                .and_then(|p| n.checked_add(p))
        });
        match params {
            Some(n) if n <= MAX_PARAMS => Ok(()),
            _ => Err(Error::config(
                Setting::Hidden,
                format!(
                    "a {} model has more than {MAX_PARAMS} parameters and would not fit in memory",
                    describe(&sizes)
                ),
            )),
        }
    }

    /// `10-64-64-3` style description of the model for `dataset`; for the tabular model, its
    /// embeddings (levels x width), continuous inputs, blocks and outputs.
    pub fn describe(&self, dataset: &Dataset) -> String {
        if self.kind == ModelKind::Tabular {
            let all: Vec<usize> = (0..dataset.rows()).collect();
            let inputs = TabularInputs::fit(dataset, &all);
            let shape = self.tabular_shape(&inputs, dataset);
            let embeddings: Vec<String> = shape
                .cardinalities
                .iter()
                .zip(shape.embedding_sizes())
                .map(|(n, d)| format!("{n}x{d}"))
                .collect();
            let mut sizes = vec![shape.embedding_sizes().iter().sum::<usize>() + shape.continuous];
            sizes.extend(&shape.layers);
            sizes.push(shape.outputs);
            return format!(
                "{} (embeddings {}, {} continuous)",
                describe(&sizes),
                if embeddings.is_empty() {
                    "none".to_string()
                } else {
                    embeddings.join(" ")
                },
                shape.continuous
            );
        }
        describe(&self.sizes(dataset))
    }
}

fn describe(sizes: &[usize]) -> String {
    let sizes: Vec<String> = sizes.iter().map(|s| s.to_string()).collect();
    sizes.join("-")
}

/// The loss for a target.
pub fn loss_for(target: &Target) -> Loss {
    match target {
        Target::Classes { .. } => Loss::CrossEntropy,
        Target::Values { .. } => Loss::Mse,
    }
}
