//! fastai's `TabularModel`, as `tabular_learner` builds it by default (fastai 2.8,
//! `fastai/tabular/model.py` and `fastai/layers.py`):
//!
//! ```text
//! x = [ emb_drop(E_1[c_1], ..., E_k[c_k]) , BatchNorm1d(x_cont) ]
//! for each width w of `layers` (default 200, 100):   LinBnDrop, linear first:
//!     x = Dropout_p( BatchNorm1d( relu( x W ) ) )    (Linear without bias: the BatchNorm has one)
//! y = x W + b                                        (the last Linear, no BatchNorm)
//! y = sigmoid(y) (high - low) + low                  (`sigmoid_range`, when a `y_range` is given)
//! ```
//!
//! Embedding `i` has `n_i` rows (its column's levels, `#na#` first) and `emb_sz_rule(n_i)`
//! columns. Initialisation as fastai's: embeddings `trunc_normal_(std=0.01)`, which is
//! `N(0, 1).fmod(2) * 0.01`; every Linear PyTorch's default (weights and the last bias
//! `U(-1/sqrt(fan_in), 1/sqrt(fan_in))`); the BatchNorm of the continuous inputs PyTorch's own
//! (weight 1, bias 0); the BatchNorms inside the blocks fastai's `BatchNorm` (weight 1, bias
//! 0.001).
//!
//! BatchNorm, as PyTorch defines it (`eps = 1e-5`, momentum 0.1): in training mode a column is
//! normalised by its batch mean `mu` and biased variance `s2`, `x_hat = (x - mu) / sqrt(s2 + eps)`,
//! `y = gamma x_hat + beta`, and the running estimates move as
//! `running_mean = 0.9 running_mean + 0.1 mu`, `running_var = 0.9 running_var + 0.1 s2 B/(B-1)`
//! (the unbiased variance); in evaluation mode the running estimates take the batch's place and
//! nothing moves. The backward pass of training mode, per column over a batch of `B` rows:
//! `dgamma = sum dy x_hat`, `dbeta = sum dy`,
//! `dx = gamma / (B sqrt(s2 + eps)) (B dy - sum dy - x_hat sum dy x_hat)`.
//!
//! Dropout is PyTorch's: in training mode each value is kept with probability `1 - p` and scaled
//! by `1 / (1 - p)`; evaluation mode is the identity. Masks are drawn by
//! [`Tabular::sample_dropout`] before a step, so a forward pass is a function of the parameters.
//!
//! All parameters live in one flat vector. Those fastai decays (`wd_bn_bias=False`: embeddings
//! and Linear weights) come first, up to [`Tabular::decayed`]; the BatchNorm weights and biases
//! and the last bias, which fastai does not decay, follow. Every matrix is row-major; a Linear's
//! weight is stored `fan_in x fan_out` (PyTorch's transposed).

use std::ops::Range;

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use rand::Rng;

use super::activation::relu_backward;
use super::init::{standard_normal, uniform};
use super::loss::loss_and_grad;
use super::mlp::Targets;
use super::Scalar;

/// BatchNorm's `eps`, PyTorch's default.
pub const BN_EPS: f64 = 1e-5;
/// BatchNorm's momentum for the running estimates, PyTorch's default.
pub const BN_MOMENTUM: f64 = 0.1;
/// The bias fastai's `BatchNorm` starts at (PyTorch's own starts at 0).
pub const FASTAI_BN_BIAS: f64 = 1e-3;
/// The spread of fastai's embedding initialisation, `trunc_normal_(std=0.01)`.
pub const EMBEDDING_STD: f64 = 0.01;
/// The widths of the blocks `tabular_learner` builds unless told otherwise.
pub const DEFAULT_LAYERS: [usize; 2] = [200, 100];

/// fastai's `emb_sz_rule`: `min(600, round(1.6 n^0.56))` columns for a category of `n` levels
/// (`#na#` included); Python's `round`, ties to even.
pub fn emb_sz_rule(n_cat: usize) -> usize {
    let size = (1.6 * (n_cat as f64).powf(0.56)).round_ties_even();
    (size as usize).min(600)
}

/// What a tabular model is made of: what the data gives (levels, continuous inputs, outputs) and
/// what the user chose (blocks, dropout, output range).
#[derive(Debug, Clone, PartialEq)]
pub struct TabularShape {
    /// Levels of each categorical input, `#na#` included: the rows of its embedding.
    pub cardinalities: Vec<usize>,
    /// Continuous inputs.
    pub continuous: usize,
    /// Widths of the Linear-ReLU-BatchNorm-Dropout blocks.
    pub layers: Vec<usize>,
    /// Outputs: classes, or 1 for regression.
    pub outputs: usize,
    /// Dropout probability after each block (one per block).
    pub dropout: Vec<f64>,
    /// Dropout probability of the concatenated embeddings.
    pub embed_dropout: f64,
    /// `sigmoid_range`'s `(low, high)` on the output, for regression.
    pub y_range: Option<(f64, f64)>,
}

impl TabularShape {
    /// Columns of each embedding, by [`emb_sz_rule`].
    pub fn embedding_sizes(&self) -> Vec<usize> {
        self.cardinalities.iter().map(|&n| emb_sz_rule(n)).collect()
    }

    /// Number of parameters, or `None` when it overflows.
    pub fn parameters(&self) -> Option<usize> {
        let mut n = 0usize;
        let mut width = 0usize;
        for (&card, dim) in self.cardinalities.iter().zip(self.embedding_sizes()) {
            n = n.checked_add(card.checked_mul(dim)?)?;
            width = width.checked_add(dim)?;
        }
        width = width.checked_add(self.continuous)?;
        n = n.checked_add(2 * self.continuous)?;
        for &w in &self.layers {
            n = n.checked_add(width.checked_mul(w)?)?.checked_add(2 * w)?;
            width = w;
        }
        n.checked_add(width.checked_mul(self.outputs)?)?
            .checked_add(self.outputs)
    }
}

/// Training mode (batch statistics, dropout, running estimates updated) or evaluation mode
/// (running estimates, no dropout), as `module.train()` and `module.eval()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `module.train()`.
    Train,
    /// `module.eval()`.
    Eval,
}

/// One embedding: its rows, columns, where its weights sit and where its output goes.
#[derive(Debug, Clone, Copy)]
struct Embedding {
    rows: usize,
    dim: usize,
    offset: usize,
    column: usize,
}

/// A BatchNorm: its width, its weight and bias, and its running estimates.
#[derive(Debug, Clone, Copy)]
struct Norm {
    width: usize,
    gamma: usize,
    beta: usize,
    /// Offset of the running mean in the running vector; the running variance follows it.
    running: usize,
}

/// One Linear-ReLU-BatchNorm-Dropout block.
#[derive(Debug, Clone, Copy)]
struct Block {
    fan_in: usize,
    fan_out: usize,
    w: usize,
    norm: Norm,
    dropout: f64,
}

/// A named tensor of the model, as PyTorch's `state_dict` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tensor {
    /// The name in `TabularModel.state_dict()` (`embeds.0.weight`, `layers.0.2.running_var`).
    pub name: String,
    /// Where it sits: in [`Tabular::params`], or in [`Tabular::running`] when `running`.
    pub range: Range<usize>,
    /// Rows and columns as stored (a Linear's weight is `fan_in x fan_out`, PyTorch's transposed).
    pub shape: (usize, usize),
    /// Whether it is a running estimate rather than a parameter.
    pub running: bool,
}

/// fastai's tabular model: embeddings, BatchNorm on the continuous inputs, Linear-ReLU-BatchNorm-
/// Dropout blocks and a last Linear.
#[derive(Debug, Clone)]
pub struct Tabular<F> {
    shape: TabularShape,
    embeddings: Vec<Embedding>,
    embedded: usize,
    cont_norm: Norm,
    blocks: Vec<Block>,
    out_in: usize,
    out_w: usize,
    out_b: usize,
    decayed: usize,
    params: Vec<F>,
    running: Vec<F>,
}

impl<F: Scalar> Tabular<F> {
    /// A model of `shape`, initialised as fastai's from `rng`: the embeddings first, then each
    /// Linear in order (weights, then the last one's bias).
    pub fn new<R: Rng>(shape: &TabularShape, rng: &mut R) -> Self {
        assert_eq!(
            shape.dropout.len(),
            shape.layers.len(),
            "one dropout a block"
        );
        assert!(shape.outputs > 0 && shape.layers.iter().all(|&w| w > 0));
        let mut offset = 0;
        let mut column = 0;
        let mut embeddings = Vec::new();
        for (&rows, dim) in shape.cardinalities.iter().zip(shape.embedding_sizes()) {
            embeddings.push(Embedding {
                rows,
                dim,
                offset,
                column,
            });
            offset += rows * dim;
            column += dim;
        }
        let embedded = column;
        let mut fan_in = embedded + shape.continuous;
        assert!(fan_in > 0, "a tabular model needs at least one input");
        let mut blocks = Vec::new();
        for (&fan_out, &dropout) in shape.layers.iter().zip(&shape.dropout) {
            blocks.push(Block {
                fan_in,
                fan_out,
                w: offset,
                norm: Norm {
                    width: fan_out,
                    gamma: 0,
                    beta: 0,
                    running: 0,
                },
                dropout,
            });
            offset += fan_in * fan_out;
            fan_in = fan_out;
        }
        let out_in = fan_in;
        let out_w = offset;
        offset += out_in * shape.outputs;
        let decayed = offset;
        let mut running = 0;
        let mut norm = |width: usize, offset: &mut usize| {
            let n = Norm {
                width,
                gamma: *offset,
                beta: *offset + width,
                running,
            };
            *offset += 2 * width;
            running += 2 * width;
            n
        };
        let cont_norm = norm(shape.continuous, &mut offset);
        for b in &mut blocks {
            b.norm = norm(b.fan_out, &mut offset);
        }
        let out_b = offset;
        offset += shape.outputs;
        let mut model = Tabular {
            shape: shape.clone(),
            embeddings,
            embedded,
            cont_norm,
            blocks,
            out_in,
            out_w,
            out_b,
            decayed,
            params: vec![F::zero(); offset],
            running: vec![F::zero(); running],
        };
        model.initialise(rng);
        model
    }

    fn initialise<R: Rng>(&mut self, rng: &mut R) {
        let std = F::from_f64(EMBEDDING_STD).expect("a small number");
        for e in &self.embeddings {
            for v in &mut self.params[e.offset..e.offset + e.rows * e.dim] {
                // trunc_normal_: x.normal_().fmod_(2).mul_(std); `%` is C's fmod.
                *v = F::from_f64(standard_normal(rng) % 2.0).expect("finite") * std;
            }
        }
        for b in &self.blocks {
            let bound = 1.0 / (b.fan_in as f64).sqrt();
            uniform(
                &mut self.params[b.w..b.w + b.fan_in * b.fan_out],
                bound,
                rng,
            );
        }
        let bound = 1.0 / (self.out_in as f64).sqrt();
        let outputs = self.shape.outputs;
        uniform(
            &mut self.params[self.out_w..self.out_w + self.out_in * outputs],
            bound,
            rng,
        );
        uniform(
            &mut self.params[self.out_b..self.out_b + outputs],
            bound,
            rng,
        );
        let bias = F::from_f64(FASTAI_BN_BIAS).expect("a small number");
        let norms: Vec<(Norm, F)> = std::iter::once((self.cont_norm, F::zero()))
            .chain(self.blocks.iter().map(|b| (b.norm, bias)))
            .collect();
        for (n, beta) in norms {
            self.params[n.gamma..n.gamma + n.width].fill(F::one());
            self.params[n.beta..n.beta + n.width].fill(beta);
            self.running[n.running..n.running + n.width].fill(F::zero());
            self.running[n.running + n.width..n.running + 2 * n.width].fill(F::one());
        }
    }

    /// What the model is made of.
    pub fn shape(&self) -> &TabularShape {
        &self.shape
    }

    /// The flat parameter vector.
    pub fn params(&self) -> &[F] {
        &self.params
    }

    /// The flat parameter vector, for the optimizer.
    pub fn params_mut(&mut self) -> &mut [F] {
        &mut self.params
    }

    /// The parameters weight decay applies to are `params[..decayed]` (embeddings and Linear
    /// weights); the BatchNorms' and the last bias follow, as fastai's `wd_bn_bias=False`.
    pub fn decayed(&self) -> usize {
        self.decayed
    }

    /// The BatchNorms' running means and variances.
    pub fn running(&self) -> &[F] {
        &self.running
    }

    /// The running estimates, to set.
    pub fn running_mut(&mut self) -> &mut [F] {
        &mut self.running
    }

    /// Every tensor with its `state_dict` name, in the order of `TabularModel.state_dict()`
    /// (less `num_batches_tracked`).
    pub fn tensors(&self) -> Vec<Tensor> {
        let mut out = Vec::new();
        let param = |name: String, start: usize, shape: (usize, usize)| Tensor {
            name,
            range: start..start + shape.0 * shape.1,
            shape,
            running: false,
        };
        for (i, e) in self.embeddings.iter().enumerate() {
            out.push(param(
                format!("embeds.{i}.weight"),
                e.offset,
                (e.rows, e.dim),
            ));
        }
        let norm = |prefix: &str, n: &Norm, out: &mut Vec<Tensor>| {
            out.push(param(format!("{prefix}.weight"), n.gamma, (1, n.width)));
            out.push(param(format!("{prefix}.bias"), n.beta, (1, n.width)));
            for (k, what) in ["running_mean", "running_var"].iter().enumerate() {
                let start = n.running + k * n.width;
                out.push(Tensor {
                    name: format!("{prefix}.{what}"),
                    range: start..start + n.width,
                    shape: (1, n.width),
                    running: true,
                });
            }
        };
        if self.shape.continuous > 0 {
            norm("bn_cont", &self.cont_norm, &mut out);
        }
        for (l, b) in self.blocks.iter().enumerate() {
            out.push(param(
                format!("layers.{l}.0.weight"),
                b.w,
                (b.fan_in, b.fan_out),
            ));
            norm(&format!("layers.{l}.2"), &b.norm, &mut out);
        }
        let l = self.blocks.len();
        out.push(param(
            format!("layers.{l}.0.weight"),
            self.out_w,
            (self.out_in, self.shape.outputs),
        ));
        out.push(param(
            format!("layers.{l}.0.bias"),
            self.out_b,
            (1, self.shape.outputs),
        ));
        out
    }

    /// Draws the dropout masks of the next training step into `ws` (nothing without dropout).
    pub fn sample_dropout<R: Rng>(&self, ws: &mut TabularWorkspace<F>, rng: &mut R) {
        let draw = |mask: &mut Option<Array2<F>>, p: f64, rng: &mut R| {
            if let Some(mask) = mask {
                let keep = F::from_f64(1.0 / (1.0 - p)).expect("p < 1");
                for v in mask.iter_mut() {
                    *v = if rng.random::<f64>() < p {
                        F::zero()
                    } else {
                        keep
                    };
                }
            }
        };
        draw(&mut ws.embed_mask, self.shape.embed_dropout, rng);
        for (b, mask) in self.blocks.iter().zip(&mut ws.masks) {
            draw(mask, b.dropout, rng);
        }
    }

    /// Runs the model on the batch in `ws` (`ws.codes`, `ws.conts`) in `mode`; in training mode
    /// the running estimates move. The outputs are left in `ws`.
    pub fn forward(&mut self, ws: &mut TabularWorkspace<F>, mode: Mode) {
        let train = mode == Mode::Train;
        self.pass(ws, train);
        if train {
            self.update_running(ws);
        }
    }

    /// Moves the running estimates towards the batch statistics of the last training pass.
    fn update_running(&mut self, ws: &TabularWorkspace<F>) {
        let momentum = F::from_f64(BN_MOMENTUM).expect("small");
        let keep = F::one() - momentum;
        let batch = ws.batch();
        let n = F::from_usize(batch).expect("a batch size");
        // PyTorch's running variance is the unbiased one (a batch of one has none; it keeps 1x).
        let unbiased = if batch > 1 {
            n / (n - F::one())
        } else {
            F::one()
        };
        let norms = std::iter::once(self.cont_norm).chain(self.blocks.iter().map(|b| b.norm));
        for (norm, stats) in norms.zip(&ws.stats) {
            let w = norm.width;
            let running = &mut self.running[norm.running..norm.running + 2 * w];
            let (rm, rv) = running.split_at_mut(w);
            let (mean, var) = stats.split_at(w);
            for (r, &m) in rm.iter_mut().zip(mean) {
                *r = keep * *r + momentum * m;
            }
            for (r, &v) in rv.iter_mut().zip(var) {
                *r = keep * *r + momentum * v * unbiased;
            }
        }
    }

    /// The forward pass, in training mode (batch statistics, kept in `ws.stats`, and dropout) or
    /// not; it writes nothing to the model.
    fn pass(&self, ws: &mut TabularWorkspace<F>, train: bool) {
        let batch = ws.batch();
        let width0 = self.embedded + self.shape.continuous;
        // Embeddings, then the normalised continuous inputs, side by side in x0.
        {
            let x0 = ws.x0.as_slice_mut().expect("contiguous");
            let k = self.embeddings.len();
            for (i, row) in x0.chunks_exact_mut(width0).enumerate() {
                for (e, &code) in self.embeddings.iter().zip(&ws.codes[i * k..(i + 1) * k]) {
                    let code = (code as usize).min(e.rows - 1);
                    let src = &self.params[e.offset + code * e.dim..e.offset + (code + 1) * e.dim];
                    row[e.column..e.column + e.dim].copy_from_slice(src);
                }
            }
            if let (true, Some(mask)) = (train, &ws.embed_mask) {
                let mask = mask.as_slice().expect("contiguous");
                for (row, m) in x0
                    .chunks_exact_mut(width0)
                    .zip(mask.chunks_exact(self.embedded))
                {
                    for (v, &m) in row[..self.embedded].iter_mut().zip(m) {
                        *v *= m;
                    }
                }
            }
        }
        if self.shape.continuous > 0 {
            let n = self.cont_norm;
            batch_norm(
                &self.params[n.gamma..n.gamma + n.width],
                &self.params[n.beta..n.beta + n.width],
                &self.running[n.running..n.running + 2 * n.width],
                ws.conts.as_slice().expect("contiguous"),
                ws.cont_hat.as_slice_mut().expect("contiguous"),
                &mut ws.cont_inv,
                &mut ws.stats[0],
                ws.x0.as_slice_mut().expect("contiguous"),
                (width0, self.embedded),
                batch,
                train,
            );
        }
        for l in 0..self.blocks.len() {
            let b = self.blocks[l];
            let (done, rest) = ws.outs.split_at_mut(l);
            let input = if l == 0 {
                ws.x0.view()
            } else {
                done[l - 1].view()
            };
            let w = self.matrix(b.w, b.fan_in, b.fan_out);
            let relu = &mut ws.relu[l];
            general_mat_mul(F::one(), &input, &w, F::zero(), relu);
            for v in relu.as_slice_mut().expect("contiguous") {
                *v = v.max(F::zero());
            }
            let n = b.norm;
            let out = &mut rest[0];
            batch_norm(
                &self.params[n.gamma..n.gamma + n.width],
                &self.params[n.beta..n.beta + n.width],
                &self.running[n.running..n.running + 2 * n.width],
                ws.relu[l].as_slice().expect("contiguous"),
                ws.hat[l].as_slice_mut().expect("contiguous"),
                &mut ws.inv[l],
                &mut ws.stats[l + 1],
                out.as_slice_mut().expect("contiguous"),
                (n.width, 0),
                batch,
                train,
            );
            if let (true, Some(mask)) = (train, &ws.masks[l]) {
                *out *= mask;
            }
        }
        let input = match ws.outs.last() {
            Some(a) => a.view(),
            None => ws.x0.view(),
        };
        let outputs = self.shape.outputs;
        let w = self.matrix(self.out_w, self.out_in, outputs);
        general_mat_mul(F::one(), &input, &w, F::zero(), &mut ws.logits);
        let bias = &self.params[self.out_b..self.out_b + outputs];
        for row in ws
            .logits
            .as_slice_mut()
            .expect("contiguous")
            .chunks_exact_mut(outputs)
        {
            for (v, &b) in row.iter_mut().zip(bias) {
                *v += b;
            }
        }
        if let (Some((low, high)), Some(y)) = (self.shape.y_range, ws.ranged.as_mut()) {
            let (low, span) = (
                F::from_f64(low).expect("finite"),
                F::from_f64(high - low).expect("finite"),
            );
            for (y, &z) in y.iter_mut().zip(ws.logits.iter()) {
                *y = low + span * sigmoid(z);
            }
        }
    }

    /// The outputs of the last [`forward`](Self::forward).
    pub fn outputs<'a>(&self, ws: &'a TabularWorkspace<F>) -> ArrayView2<'a, F> {
        ws.ranged.as_ref().unwrap_or(&ws.logits).view()
    }

    /// Mean loss of the batch in `ws` in `mode`, without gradients (training mode still moves
    /// the running estimates, as a forward pass in PyTorch does).
    pub fn loss(&mut self, ws: &mut TabularWorkspace<F>, mode: Mode) -> F {
        self.forward(ws, mode);
        loss_and_grad(&self.outputs(ws), ws.targets.batch(), None)
    }

    /// Mean loss of the batch in `ws` in evaluation mode: nothing moves.
    pub fn eval_loss(&self, ws: &mut TabularWorkspace<F>) -> F {
        self.pass(ws, false);
        loss_and_grad(&self.outputs(ws), ws.targets.batch(), None)
    }

    /// Mean loss of the batch in `ws` in training mode, and its gradient with respect to every
    /// parameter in `ws.grads` (laid out as [`params`](Self::params)).
    pub fn loss_and_grad(&mut self, ws: &mut TabularWorkspace<F>) -> F {
        self.forward(ws, Mode::Train);
        let outputs = self.shape.outputs;
        let loss = match ws.ranged.as_ref() {
            Some(y) => loss_and_grad(
                &y.view(),
                ws.targets.batch(),
                Some(&mut ws.d_logits.view_mut()),
            ),
            None => loss_and_grad(
                &ws.logits.view(),
                ws.targets.batch(),
                Some(&mut ws.d_logits.view_mut()),
            ),
        };
        if let Some((low, high)) = self.shape.y_range {
            let span = F::from_f64(high - low).expect("finite");
            for (d, &z) in ws.d_logits.iter_mut().zip(ws.logits.iter()) {
                let s = sigmoid(z);
                *d *= span * s * (F::one() - s);
            }
        }
        self.backward(ws, outputs);
        loss
    }

    fn matrix(&self, offset: usize, rows: usize, cols: usize) -> ArrayView2<'_, F> {
        ArrayView2::from_shape((rows, cols), &self.params[offset..offset + rows * cols])
            .expect("span matches shape")
    }

    fn backward(&self, ws: &mut TabularWorkspace<F>, outputs: usize) {
        let batch = ws.batch();
        let grads = &mut ws.grads;
        // The last Linear.
        {
            let input = match ws.outs.last() {
                Some(a) => a.view(),
                None => ws.x0.view(),
            };
            let gw = &mut grads[self.out_w..self.out_w + self.out_in * outputs];
            let mut gw = ArrayViewMut2::from_shape((self.out_in, outputs), gw).expect("span");
            general_mat_mul(F::one(), &input.t(), &ws.d_logits, F::zero(), &mut gw);
            let gb = &mut grads[self.out_b..self.out_b + outputs];
            column_sums(ws.d_logits.as_slice().expect("contiguous"), gb);
            let below = match ws.deltas.last_mut() {
                Some(d) => d,
                None => &mut ws.d_x0,
            };
            let w = self.matrix(self.out_w, self.out_in, outputs);
            general_mat_mul(F::one(), &ws.d_logits, &w.t(), F::zero(), below);
        }
        for l in (0..self.blocks.len()).rev() {
            let b = self.blocks[l];
            let (lower, upper) = ws.deltas.split_at_mut(l);
            let delta = &mut upper[0];
            if let Some(mask) = &ws.masks[l] {
                *delta *= mask;
            }
            let n = b.norm;
            batch_norm_backward(
                &self.params[n.gamma..n.gamma + n.width],
                grads,
                n,
                delta.as_slice_mut().expect("contiguous"),
                ws.hat[l].as_slice().expect("contiguous"),
                &ws.inv[l],
                batch,
            );
            // Through the ReLU: its output is positive exactly where its input was.
            relu_backward(&mut delta.view_mut(), &ws.relu[l].view());
            let input = if l == 0 {
                ws.x0.view()
            } else {
                ws.outs[l - 1].view()
            };
            let gw = &mut grads[b.w..b.w + b.fan_in * b.fan_out];
            let mut gw = ArrayViewMut2::from_shape((b.fan_in, b.fan_out), gw).expect("span");
            general_mat_mul(F::one(), &input.t(), delta, F::zero(), &mut gw);
            let below = if l == 0 {
                &mut ws.d_x0
            } else {
                &mut lower[l - 1]
            };
            let w = self.matrix(b.w, b.fan_in, b.fan_out);
            general_mat_mul(F::one(), delta, &w.t(), F::zero(), below);
        }
        // The embeddings: each row's gradient added into the rows its codes picked.
        let width0 = self.embedded + self.shape.continuous;
        let k = self.embeddings.len();
        for e in &self.embeddings {
            grads[e.offset..e.offset + e.rows * e.dim].fill(F::zero());
        }
        let d_x0 = ws.d_x0.as_slice_mut().expect("contiguous");
        if let Some(mask) = &ws.embed_mask {
            let mask = mask.as_slice().expect("contiguous");
            for (row, m) in d_x0
                .chunks_exact_mut(width0)
                .zip(mask.chunks_exact(self.embedded))
            {
                for (d, &m) in row[..self.embedded].iter_mut().zip(m) {
                    *d *= m;
                }
            }
        }
        for (i, row) in d_x0.chunks_exact(width0).enumerate() {
            for (e, &code) in self.embeddings.iter().zip(&ws.codes[i * k..(i + 1) * k]) {
                let code = (code as usize).min(e.rows - 1);
                let dst = &mut grads[e.offset + code * e.dim..e.offset + (code + 1) * e.dim];
                for (g, &d) in dst.iter_mut().zip(&row[e.column..e.column + e.dim]) {
                    *g += d;
                }
            }
        }
        // The continuous inputs' BatchNorm: only its weight and bias have gradients.
        if self.shape.continuous > 0 {
            let n = self.cont_norm;
            let (gamma, beta) = grads[n.gamma..n.beta + n.width].split_at_mut(n.width);
            gamma.fill(F::zero());
            beta.fill(F::zero());
            let hat = ws.cont_hat.as_slice().expect("contiguous");
            for (row, h) in d_x0.chunks_exact(width0).zip(hat.chunks_exact(n.width)) {
                for (((g, b), &d), &h) in gamma
                    .iter_mut()
                    .zip(beta.iter_mut())
                    .zip(&row[self.embedded..])
                    .zip(h)
                {
                    *g += d * h;
                    *b += d;
                }
            }
        }
    }
}

/// `1 / (1 + e^-z)`, computed from `e^-|z|` so it never overflows.
fn sigmoid<F: Scalar>(z: F) -> F {
    let e = (-z.abs()).exp();
    if z >= F::zero() {
        F::one() / (F::one() + e)
    } else {
        e / (F::one() + e)
    }
}

/// Sums the rows of a row-major `rows x out.len()` matrix into `out`.
fn column_sums<F: Scalar>(m: &[F], out: &mut [F]) {
    out.fill(F::zero());
    if out.is_empty() {
        return;
    }
    for row in m.chunks_exact(out.len()) {
        for (o, &v) in out.iter_mut().zip(row) {
            *o += v;
        }
    }
}

/// One BatchNorm1d over `batch` rows of `x` (row-major, `gamma.len()` wide): writes `x_hat` and
/// `1 / sqrt(var + eps)`, and `gamma x_hat + beta` into `out` at columns `at.1..` of rows
/// `at.0` wide. Training mode uses the batch's mean and biased variance (left in `stats`, mean
/// then variance); evaluation mode uses `running` (mean then variance).
#[allow(clippy::too_many_arguments)]
fn batch_norm<F: Scalar>(
    gamma: &[F],
    beta: &[F],
    running: &[F],
    x: &[F],
    hat: &mut [F],
    inv: &mut [F],
    stats: &mut [F],
    out: &mut [F],
    at: (usize, usize),
    batch: usize,
    train: bool,
) {
    let width = gamma.len();
    let eps = F::from_f64(BN_EPS).expect("small");
    let (mean, var) = stats.split_at_mut(width);
    if train {
        column_sums(x, mean);
        let n = F::from_usize(batch).expect("a batch size");
        for m in mean.iter_mut() {
            *m = *m / n;
        }
        var.fill(F::zero());
        for row in x.chunks_exact(width) {
            for ((s, &v), &m) in var.iter_mut().zip(row).zip(mean.iter()) {
                let d = v - m;
                *s += d * d;
            }
        }
        for v in var.iter_mut() {
            *v = *v / n;
        }
    } else {
        let (rm, rv) = running.split_at(width);
        mean.copy_from_slice(rm);
        var.copy_from_slice(rv);
    }
    for (s, &v) in inv.iter_mut().zip(var.iter()) {
        *s = F::one() / (v + eps).sqrt();
    }
    let (stride, start) = at;
    for ((row, h), o) in x
        .chunks_exact(width)
        .zip(hat.chunks_exact_mut(width))
        .zip(out.chunks_exact_mut(stride))
    {
        for (j, (&v, h)) in row.iter().zip(h.iter_mut()).enumerate() {
            *h = (v - mean[j]) * inv[j];
            o[start + j] = gamma[j] * *h + beta[j];
        }
    }
}

/// The backward pass of a training-mode BatchNorm: writes `dgamma` and `dbeta` into `grads` and
/// turns `delta` (dL/dy) into dL/dx in place.
fn batch_norm_backward<F: Scalar>(
    gamma: &[F],
    grads: &mut [F],
    n: Norm,
    delta: &mut [F],
    hat: &[F],
    inv: &[F],
    batch: usize,
) {
    let width = n.width;
    let (dgamma, rest) = grads[n.gamma..].split_at_mut(width);
    let dbeta = &mut rest[..width];
    dgamma.fill(F::zero());
    dbeta.fill(F::zero());
    for (d, h) in delta.chunks_exact(width).zip(hat.chunks_exact(width)) {
        for (((g, b), &d), &h) in dgamma.iter_mut().zip(dbeta.iter_mut()).zip(d).zip(h) {
            *g += d * h;
            *b += d;
        }
    }
    let nb = F::from_usize(batch).expect("a batch size");
    for (d, h) in delta.chunks_exact_mut(width).zip(hat.chunks_exact(width)) {
        for j in 0..width {
            d[j] = gamma[j] * inv[j] / nb * (nb * d[j] - dbeta[j] - h[j] * dgamma[j]);
        }
    }
}

/// Every buffer one step of a [`Tabular`] model needs, for one batch size.
#[derive(Debug, Clone)]
pub struct TabularWorkspace<F> {
    /// The batch's category codes, `batch x categories`, row-major (0 is `#na#`).
    pub codes: Vec<u32>,
    /// The batch's continuous inputs, `batch x continuous`.
    pub conts: Array2<F>,
    /// dLoss/d parameters, laid out as the model's parameters.
    pub grads: Vec<F>,
    x0: Array2<F>,
    cont_hat: Array2<F>,
    cont_inv: Vec<F>,
    embed_mask: Option<Array2<F>>,
    relu: Vec<Array2<F>>,
    hat: Vec<Array2<F>>,
    inv: Vec<Vec<F>>,
    outs: Vec<Array2<F>>,
    masks: Vec<Option<Array2<F>>>,
    logits: Array2<F>,
    ranged: Option<Array2<F>>,
    d_logits: Array2<F>,
    deltas: Vec<Array2<F>>,
    d_x0: Array2<F>,
    /// Each BatchNorm's batch mean and variance (the continuous inputs' first).
    stats: Vec<Vec<F>>,
    targets: Targets<F>,
}

impl<F: Scalar> TabularWorkspace<F> {
    /// Buffers for `model` at `batch` rows; `classification` picks label or value targets.
    pub fn new(model: &Tabular<F>, batch: usize, classification: bool) -> Self {
        let s = &model.shape;
        let width0 = model.embedded + s.continuous;
        let zeros = |w: usize| Array2::zeros((batch, w));
        TabularWorkspace {
            codes: vec![0; batch * s.cardinalities.len()],
            conts: zeros(s.continuous),
            grads: vec![F::zero(); model.params.len()],
            x0: zeros(width0),
            cont_hat: zeros(s.continuous),
            cont_inv: vec![F::zero(); s.continuous],
            embed_mask: (s.embed_dropout > 0.0 && model.embedded > 0)
                .then(|| zeros(model.embedded)),
            relu: s.layers.iter().map(|&w| zeros(w)).collect(),
            hat: s.layers.iter().map(|&w| zeros(w)).collect(),
            inv: s.layers.iter().map(|&w| vec![F::zero(); w]).collect(),
            outs: s.layers.iter().map(|&w| zeros(w)).collect(),
            masks: model
                .blocks
                .iter()
                .map(|b| (b.dropout > 0.0).then(|| zeros(b.fan_out)))
                .collect(),
            logits: zeros(s.outputs),
            ranged: s.y_range.map(|_| zeros(s.outputs)),
            d_logits: zeros(s.outputs),
            deltas: s.layers.iter().map(|&w| zeros(w)).collect(),
            d_x0: zeros(width0),
            stats: std::iter::once(s.continuous)
                .chain(s.layers.iter().copied())
                .map(|w| vec![F::zero(); 2 * w])
                .collect(),
            targets: Targets::zeroed(batch, classification),
        }
    }

    /// Rows in a batch.
    pub fn batch(&self) -> usize {
        self.logits.nrows()
    }

    /// The batch's labels, to fill (classification workspaces only).
    pub fn labels_mut(&mut self) -> &mut [u32] {
        self.targets.labels_mut()
    }

    /// The batch's numeric targets, to fill (regression workspaces only).
    pub fn values_mut(&mut self) -> &mut [F] {
        self.targets.values_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn shape(classification: bool) -> TabularShape {
        TabularShape {
            cardinalities: vec![4, 3],
            continuous: 3,
            layers: vec![6, 5],
            outputs: if classification { 3 } else { 1 },
            dropout: vec![0.0, 0.0],
            embed_dropout: 0.0,
            y_range: None,
        }
    }

    /// A model with every parameter moved off its initial value (so BatchNorm weights and
    /// biases, and the embeddings, are exercised away from 1, 0 and 0.01), and a filled batch.
    fn filled(
        shape: &TabularShape,
        batch: usize,
        classification: bool,
    ) -> (Tabular<f64>, TabularWorkspace<f64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut model = Tabular::<f64>::new(shape, &mut rng);
        for p in model.params_mut() {
            *p += 0.3 * standard_normal(&mut rng);
        }
        let mut ws = TabularWorkspace::new(&model, batch, classification);
        let k = shape.cardinalities.len();
        for (i, c) in ws.codes.iter_mut().enumerate() {
            *c = (rng.random::<u32>()) % shape.cardinalities[i % k] as u32;
        }
        for v in ws.conts.iter_mut() {
            *v = 2.0 * standard_normal(&mut rng) + 1.0;
        }
        if classification {
            for (i, l) in ws.labels_mut().iter_mut().enumerate() {
                *l = (i % shape.outputs) as u32;
            }
        } else {
            for v in ws.values_mut() {
                *v = standard_normal(&mut rng);
            }
        }
        model.sample_dropout(&mut ws, &mut rng);
        (model, ws)
    }

    /// Every parameter (embeddings, both kinds of BatchNorm, every Linear) in training mode,
    /// through cross-entropy, MSE, `sigmoid_range` and dropout, against central differences.
    #[test]
    fn gradients_match_finite_differences() {
        let mut cases = Vec::new();
        cases.push((shape(true), true));
        cases.push((shape(false), false));
        let mut ranged = shape(false);
        ranged.y_range = Some((-1.5, 2.0));
        cases.push((ranged, false));
        let mut dropped = shape(true);
        dropped.dropout = vec![0.3, 0.2];
        dropped.embed_dropout = 0.25;
        cases.push((dropped, true));
        let mut bare = shape(true);
        bare.layers.clear();
        bare.dropout.clear();
        cases.push((bare, true));
        let mut no_cats = shape(false);
        no_cats.cardinalities.clear();
        cases.push((no_cats, false));
        let mut no_conts = shape(true);
        no_conts.continuous = 0;
        cases.push((no_conts, true));
        for (shape, classification) in cases {
            let (mut model, mut ws) = filled(&shape, 7, classification);
            model.loss_and_grad(&mut ws);
            let analytic = ws.grads.clone();
            let h = 1e-6;
            let mut worst = 0.0f64;
            for (i, &a) in analytic.iter().enumerate() {
                let p = model.params()[i];
                model.params_mut()[i] = p + h;
                let up = model.loss(&mut ws, Mode::Train);
                model.params_mut()[i] = p - h;
                let down = model.loss(&mut ws, Mode::Train);
                model.params_mut()[i] = p;
                let fd = (up - down) / (2.0 * h);
                let err = (fd - a).abs() / (1e-6 + fd.abs().max(a.abs()));
                worst = worst.max(err);
            }
            assert!(worst < 1e-5, "{shape:?}: worst relative error {worst}");
        }
    }

    /// `emb_sz_rule` as fastai computes it, Python's round included.
    #[test]
    fn embedding_sizes_follow_fastais_rule() {
        let sizes: Vec<usize> = [2, 3, 4, 10, 100, 10_000, 1_000_000]
            .iter()
            .map(|&n| emb_sz_rule(n))
            .collect();
        // round(1.6 * n ** 0.56), min 600, from Python.
        assert_eq!(sizes, [2, 3, 3, 6, 21, 278, 600]);
    }

    /// Training mode normalises by the batch and moves the running estimates by PyTorch's rule;
    /// evaluation mode reads them and moves nothing.
    #[test]
    fn batch_norm_modes() {
        let s = TabularShape {
            cardinalities: vec![],
            continuous: 1,
            layers: vec![],
            outputs: 1,
            dropout: vec![],
            embed_dropout: 0.0,
            y_range: None,
        };
        let mut model = Tabular::<f64>::new(&s, &mut ChaCha8Rng::seed_from_u64(0));
        // Output = bn_cont(x) * w + b with w = 1, b = 0.
        let t = model.tensors();
        let find = |name: &str| t.iter().find(|t| t.name == name).unwrap().range.clone();
        model.params_mut()[find("layers.0.0.weight")].fill(1.0);
        model.params_mut()[find("layers.0.0.bias")].fill(0.0);
        let mut ws = TabularWorkspace::new(&model, 4, false);
        ws.conts
            .as_slice_mut()
            .unwrap()
            .copy_from_slice(&[1.0, 2.0, 3.0, 6.0]);
        model.forward(&mut ws, Mode::Train);
        // mean 3, biased variance 3.5, unbiased 14/3.
        let want = (1.0 - 3.0) / (3.5f64 + BN_EPS).sqrt();
        assert!((model.outputs(&ws)[[0, 0]] - want).abs() < 1e-12);
        let running = model.running().to_vec();
        assert!((running[0] - 0.3).abs() < 1e-12);
        assert!((running[1] - (0.9 + 0.1 * 14.0 / 3.0)).abs() < 1e-12);
        model.forward(&mut ws, Mode::Eval);
        assert_eq!(model.running(), &running[..]);
        let want = (1.0 - 0.3) / (running[1] + BN_EPS).sqrt();
        assert!((model.outputs(&ws)[[0, 0]] - want).abs() < 1e-12);
        assert_eq!(model.eval_loss(&mut ws), model.loss(&mut ws, Mode::Eval));
    }

    /// fastai's initialisation: embeddings within 2 std of 0 with std 0.01, BatchNorm weights 1,
    /// the blocks' BatchNorm biases 0.001 and the continuous one's 0, Linear within
    /// 1/sqrt(fan_in); what decays comes first.
    #[test]
    fn initialisation_is_fastais() {
        let s = TabularShape {
            cardinalities: vec![50],
            continuous: 2,
            layers: vec![8],
            outputs: 2,
            dropout: vec![0.0],
            embed_dropout: 0.0,
            y_range: None,
        };
        let model = Tabular::<f64>::new(&s, &mut ChaCha8Rng::seed_from_u64(1));
        let t = model.tensors();
        let get =
            |name: &str| &model.params()[t.iter().find(|t| t.name == name).unwrap().range.clone()];
        let e = get("embeds.0.weight");
        assert_eq!(e.len(), 50 * emb_sz_rule(50));
        assert!(e.iter().all(|v| v.abs() < 0.02));
        let sd = (e.iter().map(|v| v * v).sum::<f64>() / e.len() as f64).sqrt();
        assert!((0.007..0.012).contains(&sd), "{sd}");
        assert!(get("bn_cont.weight").iter().all(|&v| v == 1.0));
        assert!(get("bn_cont.bias").iter().all(|&v| v == 0.0));
        assert!(get("layers.0.2.bias").iter().all(|&v| v == FASTAI_BN_BIAS));
        let bound = 1.0 / ((emb_sz_rule(50) + 2) as f64).sqrt();
        assert!(get("layers.0.0.weight").iter().all(|v| v.abs() <= bound));
        let decayed: Vec<&str> = t
            .iter()
            .filter(|t| !t.running && t.range.end <= model.decayed())
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(
            decayed,
            ["embeds.0.weight", "layers.0.0.weight", "layers.1.0.weight"]
        );
        assert_eq!(
            s.parameters(),
            Some(model.params().len()),
            "the count matches the layout"
        );
    }
}
