//! Training lrfind's model. A [`Trainer`] is one model training on one data set: the network, its
//! optimizer, the step buffers and the batch order, bundled so the range test (and anything else
//! that trains) takes a step with one call. Fixed-LR training for a budget lives in `fixed`, the
//! sweep over a grid of LRs in `sweep`, and the race of candidate LRs in `race`.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub mod fixed;
pub mod race;
pub mod schedule_race;
pub mod sweep;

use crate::data::batches::Batcher;
use crate::data::{Dataset, Target};
use crate::model::{Mlp, ModelConfig, Workspace};
use crate::optim::{Optimizer, OptimizerConfig};

/// A model being trained: network, optimizer state, buffers and batch order.
pub struct Trainer {
    mlp: Mlp<f32>,
    optimizer: Box<dyn Optimizer>,
    ws: Workspace<f32>,
    batcher: Batcher,
}

impl Trainer {
    /// A fresh model on `rows` of `dataset` (batch size at most `rows.len()`). The seed fixes
    /// the initial weights (stream 0) and the batch order (stream 1) independently.
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
        let mlp = Mlp::with_init(&model.sizes(dataset), model.init, &mut init_rng);
        let classification = matches!(dataset.target, Target::Classes { .. });
        let ws = Workspace::new(&mlp, batch_size, classification);
        Trainer {
            optimizer: optimizer.build(mlp.params().len()),
            batcher: Batcher::over(rows, batch_size, batch_rng),
            mlp,
            ws,
        }
    }

    /// One optimizer step at learning rate `lr` on the next batch; returns the batch's loss
    /// before the update.
    pub fn step(&mut self, dataset: &Dataset, lr: f64) -> f32 {
        let batch = self.batcher.next_batch();
        load_batch(&mut self.ws, dataset, batch);
        let loss = self.mlp.loss_and_grad(&mut self.ws);
        self.optimizer
            .step(self.mlp.params_mut(), &self.ws.grads, lr as f32);
        loss
    }

    /// Batches in one pass over the training rows.
    pub fn batches_per_pass(&self) -> usize {
        self.batcher.batches_per_pass()
    }

    /// The network.
    pub fn model(&self) -> &Mlp<f32> {
        &self.mlp
    }

    /// Mean loss of the current model over the evaluator's rows.
    pub fn evaluate(&self, evaluator: &mut Evaluator, dataset: &Dataset) -> f64 {
        evaluator.evaluate(&self.mlp, dataset)
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
    full: Option<Workspace<f32>>,
    rest: Option<Workspace<f32>>,
}

/// Rows per evaluation chunk.
pub const EVAL_CHUNK: usize = 256;

impl Evaluator {
    /// An evaluator of `mlp`-shaped models on `rows` of `dataset`.
    pub fn new(dataset: &Dataset, mlp: &Mlp<f32>, rows: Vec<usize>) -> Self {
        let classification = matches!(dataset.target, Target::Classes { .. });
        let chunk = EVAL_CHUNK.min(rows.len());
        let rest = rows.len() % EVAL_CHUNK.max(1);
        Evaluator {
            full: (chunk > 0).then(|| Workspace::new(mlp, chunk, classification)),
            rest: (rest > 0 && rows.len() > EVAL_CHUNK)
                .then(|| Workspace::new(mlp, rest, classification)),
            rows,
        }
    }

    /// Number of rows evaluated.
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Mean loss of `mlp` over the rows (NaN when there are none).
    pub fn evaluate(&mut self, mlp: &Mlp<f32>, dataset: &Dataset) -> f64 {
        let mut total = 0.0f64;
        for chunk in self.rows.chunks(EVAL_CHUNK) {
            let ws = if Some(chunk.len()) == self.full.as_ref().map(|w| w.batch()) {
                self.full.as_mut()
            } else {
                self.rest.as_mut()
            }
            .expect("a workspace for every chunk size");
            load_batch(ws, dataset, chunk);
            total += mlp.loss(ws) as f64 * chunk.len() as f64;
        }
        total / self.rows.len() as f64
    }
}
