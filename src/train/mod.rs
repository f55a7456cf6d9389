//! Training lrfind's model. A [`Trainer`] is one model training on one data set: the network, its
//! optimizer, the step buffers and the batch order, bundled so the range test (and anything else
//! that trains) takes a step with one call. Fixed-LR training for a budget lives in `fixed`, the
//! sweep over a grid of LRs in `sweep`, and the race of candidate LRs in `race`.

use std::sync::Arc;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub mod fixed;
pub mod race;
pub mod schedule_race;
pub mod sweep;

use crate::data::batches::Batcher;
use crate::data::tabular::TabularInputs;
use crate::data::{Dataset, Target};
use crate::model::{Mlp, ModelConfig, ModelKind, Tabular, TabularWorkspace, Workspace};
use crate::optim::{Optimizer, OptimizerConfig};

/// The network a trainer trains: lrfind's MLP on the standardised one-hot matrix, or fastai's
/// tabular model on fastai's preprocessing, fitted on the trainer's rows.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // one a trainer, never in a collection
pub enum Network {
    /// The MLP.
    Mlp(Mlp<f32>),
    /// The tabular model and its preprocessing.
    Tabular {
        /// The model.
        model: Tabular<f32>,
        /// Its preprocessing, fitted on the training rows.
        inputs: Arc<TabularInputs>,
    },
}

impl Network {
    /// A fresh network of `config` for `dataset`, whose preprocessing (for the tabular model) is
    /// fitted on `rows`, initialised from `rng`.
    pub fn new(
        dataset: &Dataset,
        rows: &[usize],
        config: &ModelConfig,
        rng: &mut ChaCha8Rng,
    ) -> Self {
        match config.kind {
            ModelKind::Mlp => {
                Network::Mlp(Mlp::with_init(&config.sizes(dataset), config.init, rng))
            }
            ModelKind::Tabular => {
                let inputs = TabularInputs::fit(dataset, rows);
                let shape = config.tabular_shape(&inputs, dataset);
                Network::Tabular {
                    model: Tabular::new(&shape, rng),
                    inputs: Arc::new(inputs),
                }
            }
        }
    }

    /// Buffers for batches of `batch` rows of `dataset`.
    fn buffers(&self, dataset: &Dataset, batch: usize) -> Buffers {
        let classification = matches!(dataset.target, Target::Classes { .. });
        match self {
            Network::Mlp(mlp) => Buffers::Mlp(Workspace::new(mlp, batch, classification)),
            Network::Tabular { model, .. } => {
                Buffers::Tabular(TabularWorkspace::new(model, batch, classification))
            }
        }
    }

    /// Mean loss over the batch `rows` of `dataset`, loaded into `ws` (evaluation mode).
    fn loss(&self, ws: &mut Buffers, dataset: &Dataset, rows: &[usize]) -> f32 {
        match (self, ws) {
            (Network::Mlp(mlp), Buffers::Mlp(ws)) => {
                load_batch(ws, dataset, rows);
                mlp.loss(ws)
            }
            (Network::Tabular { model, inputs }, Buffers::Tabular(ws)) => {
                load_tabular(ws, inputs, dataset, rows);
                model.eval_loss(ws)
            }
            _ => unreachable!("buffers are made for their network"),
        }
    }
}

/// A network's step buffers.
#[allow(clippy::large_enum_variant)] // one a trainer or evaluator chunk
enum Buffers {
    Mlp(Workspace<f32>),
    Tabular(TabularWorkspace<f32>),
}

impl Buffers {
    fn batch(&self) -> usize {
        match self {
            Buffers::Mlp(ws) => ws.batch(),
            Buffers::Tabular(ws) => ws.batch(),
        }
    }
}

/// A model being trained: network, optimizer state, buffers and batch order.
pub struct Trainer {
    network: Network,
    optimizer: Box<dyn Optimizer>,
    /// The tabular model's BatchNorm weights and biases and last bias, which its optimizer
    /// updates without weight decay (fastai's `wd_bn_bias=False`).
    undecayed: Option<Box<dyn Optimizer>>,
    ws: Buffers,
    batcher: Batcher,
    dropout_rng: ChaCha8Rng,
}

impl Trainer {
    /// A fresh model on `rows` of `dataset` (batch size at most `rows.len()`). The seed fixes
    /// the initial weights (stream 0), the batch order (stream 1) and the dropout masks (stream
    /// 2) independently.
    pub fn new(
        dataset: &Dataset,
        rows: Vec<usize>,
        model: &ModelConfig,
        optimizer: &OptimizerConfig,
        batch_size: usize,
        seed: u64,
    ) -> Self {
        let mut init_rng = ChaCha8Rng::seed_from_u64(seed);
        let mut batch_rng = ChaCha8Rng::seed_from_u64(seed);
        batch_rng.set_stream(1);
        let mut dropout_rng = ChaCha8Rng::seed_from_u64(seed);
        dropout_rng.set_stream(2);
        let network = Network::new(dataset, &rows, model, &mut init_rng);
        let ws = network.buffers(dataset, batch_size);
        let (optimizer, undecayed) = match &network {
            Network::Mlp(mlp) => (optimizer.build(mlp.params().len()), None),
            Network::Tabular { model, .. } => {
                let plain = OptimizerConfig {
                    weight_decay: 0.0,
                    ..*optimizer
                };
                (
                    optimizer.build(model.decayed()),
                    Some(plain.build(model.params().len() - model.decayed())),
                )
            }
        };
        Trainer {
            optimizer,
            undecayed,
            batcher: Batcher::over(rows, batch_size, batch_rng),
            network,
            ws,
            dropout_rng,
        }
    }

    /// One optimizer step at learning rate `lr` on the next batch; returns the batch's loss
    /// before the update.
    pub fn step(&mut self, dataset: &Dataset, lr: f64) -> f32 {
        let batch = self.batcher.next_batch();
        Self::update(
            &mut self.network,
            &mut self.ws,
            &mut self.optimizer,
            &mut self.undecayed,
            &mut self.dropout_rng,
            dataset,
            batch,
            lr,
        )
    }

    /// One optimizer step at `lr` on the given rows (as many as the batch size) instead of the
    /// next batch: for replaying another framework's batches.
    pub fn step_rows(&mut self, dataset: &Dataset, rows: &[usize], lr: f64) -> f32 {
        assert_eq!(rows.len(), self.ws.batch(), "a batch of the trainer's size");
        Self::update(
            &mut self.network,
            &mut self.ws,
            &mut self.optimizer,
            &mut self.undecayed,
            &mut self.dropout_rng,
            dataset,
            rows,
            lr,
        )
    }

    /// The step itself, on the fields it needs (the batch may borrow the batcher).
    #[allow(clippy::too_many_arguments)]
    fn update(
        network: &mut Network,
        ws: &mut Buffers,
        optimizer: &mut Box<dyn Optimizer>,
        undecayed: &mut Option<Box<dyn Optimizer>>,
        dropout_rng: &mut ChaCha8Rng,
        dataset: &Dataset,
        batch: &[usize],
        lr: f64,
    ) -> f32 {
        match (network, ws) {
            (Network::Mlp(mlp), Buffers::Mlp(ws)) => {
                load_batch(ws, dataset, batch);
                let loss = mlp.loss_and_grad(ws);
                optimizer.step(mlp.params_mut(), &ws.grads, lr as f32);
                loss
            }
            (Network::Tabular { model, inputs }, Buffers::Tabular(ws)) => {
                load_tabular(ws, inputs, dataset, batch);
                model.sample_dropout(ws, dropout_rng);
                let loss = model.loss_and_grad(ws);
                let d = model.decayed();
                let (decayed, rest) = model.params_mut().split_at_mut(d);
                optimizer.step(decayed, &ws.grads[..d], lr as f32);
                if let Some(o) = undecayed.as_mut() {
                    o.step(rest, &ws.grads[d..], lr as f32);
                }
                loss
            }
            _ => unreachable!("buffers are made for their network"),
        }
    }

    /// Batches in one pass over the training rows.
    pub fn batches_per_pass(&self) -> usize {
        self.batcher.batches_per_pass()
    }

    /// The network.
    pub fn model(&self) -> &Network {
        &self.network
    }

    /// The network, to change (tests set a fixture's parameters).
    pub fn model_mut(&mut self) -> &mut Network {
        &mut self.network
    }

    /// Mean loss of the current model over the evaluator's rows.
    pub fn evaluate(&self, evaluator: &mut Evaluator, dataset: &Dataset) -> f64 {
        evaluator.evaluate(&self.network, dataset)
    }
}

/// Loads the rows `batch` of `dataset`, preprocessed by `inputs`, into a tabular workspace.
pub fn load_tabular(
    ws: &mut TabularWorkspace<f32>,
    inputs: &TabularInputs,
    dataset: &Dataset,
    batch: &[usize],
) {
    let conts = ws
        .conts
        .as_slice_mut()
        .expect("workspace buffers are contiguous");
    inputs.fill(dataset, batch, &mut ws.codes, conts);
    match &dataset.target {
        Target::Classes { labels, .. } => {
            for (dst, &r) in ws.labels_mut().iter_mut().zip(batch) {
                *dst = labels[r];
            }
        }
        // fastai trains on the label as it is (`MSELossFlat` on the raw `y`), and an LR that
        // suits the standardised label is too low for one whose mean and spread are large.
        Target::Values { values, mean, std } => {
            for (dst, &r) in ws.values_mut().iter_mut().zip(batch) {
                *dst = (f64::from(values[r]) * std + mean) as f32;
            }
        }
    }
}

/// Copies the rows `batch` of `dataset` into the workspace's input and target buffers.
pub fn load_batch(ws: &mut Workspace<f32>, dataset: &Dataset, batch: &[usize]) {
    let width = dataset.features();
    match (dataset.x.as_slice(), ws.input.as_slice_mut()) {
        // One `memcpy` per row from the row-major table: `row_mut().assign` goes through
        // ndarray's general strided path, several times slower for 20-float rows.
        (Some(x), Some(input)) if width > 0 => {
            for (dst, &r) in input.chunks_exact_mut(width).zip(batch) {
                dst.copy_from_slice(&x[r * width..(r + 1) * width]);
            }
        }
        _ => {
            for (i, &r) in batch.iter().enumerate() {
                ws.input.row_mut(i).assign(&dataset.x.row(r));
            }
        }
    }
    match &dataset.target {
        Target::Classes { labels, .. } => {
            for (dst, &r) in ws.labels_mut().iter_mut().zip(batch) {
                *dst = labels[r];
            }
        }
        Target::Values { values, .. } => {
            for (dst, &r) in ws.values_mut().iter_mut().zip(batch) {
                *dst = values[r];
            }
        }
    }
}

/// Mean loss of a model over a fixed set of rows, in chunks, with buffers made once.
pub struct Evaluator {
    rows: Vec<usize>,
    full: Option<Buffers>,
    rest: Option<Buffers>,
}

/// Rows per evaluation chunk.
pub const EVAL_CHUNK: usize = 256;

impl Evaluator {
    /// An evaluator of networks shaped as `network` on `rows` of `dataset`.
    pub fn new(dataset: &Dataset, network: &Network, rows: Vec<usize>) -> Self {
        let chunk = EVAL_CHUNK.min(rows.len());
        let rest = rows.len() % EVAL_CHUNK.max(1);
        Evaluator {
            full: (chunk > 0).then(|| network.buffers(dataset, chunk)),
            rest: (rest > 0 && rows.len() > EVAL_CHUNK).then(|| network.buffers(dataset, rest)),
            rows,
        }
    }

    /// Number of rows evaluated.
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Mean loss of `network` over the rows (NaN when there are none), the tabular model in
    /// evaluation mode.
    pub fn evaluate(&mut self, network: &Network, dataset: &Dataset) -> f64 {
        let mut total = 0.0f64;
        for chunk in self.rows.chunks(EVAL_CHUNK) {
            let ws = if Some(chunk.len()) == self.full.as_ref().map(|w| w.batch()) {
                self.full.as_mut()
            } else {
                self.rest.as_mut()
            }
            .expect("a workspace for every chunk size");
            total += network.loss(ws, dataset, chunk) as f64 * chunk.len() as f64;
        }
        total / self.rows.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::testing::{csv, dataset, defaults};
    use crate::optim::OptimizerKind;

    /// The tabular model trains on a regression label in its own units, as fastai's
    /// `MSELossFlat` on the raw `y` does; the MLP on the standardised label. An untrained model
    /// predicts about 0, so its loss is about the label's mean square (here about 1e6) or its
    /// standardised variance (about 1).
    #[test]
    fn the_tabular_model_sees_the_label_as_it_is() {
        let body: Vec<String> = (0..40)
            .map(|i| format!("{}.5,{}", (i * 7) % 11, 1000.0 + i as f64 * 1.37))
            .collect();
        let body: Vec<&str> = body.iter().map(String::as_str).collect();
        let d = dataset(&csv("x,y", &body), &defaults()).unwrap();
        let rows: Vec<usize> = (0..d.x.nrows()).collect();
        let adam = OptimizerConfig::new(OptimizerKind::Adam);
        let untrained = |model: &ModelConfig| {
            let t = Trainer::new(&d, rows.clone(), model, &adam, 8, 0);
            let mut e = Evaluator::new(&d, t.model(), rows.clone());
            t.evaluate(&mut e, &d)
        };
        let tabular = untrained(&ModelConfig::tabular());
        assert!((5e5..2e6).contains(&tabular), "{tabular}");
        let mlp = untrained(&ModelConfig::default());
        assert!(mlp < 10.0, "{mlp}");
    }
}
