//! The multilayer perceptron. All weights and biases live in one flat parameter vector (so an
//! optimizer update is one pass over one slice), laid out layer by layer as `W` (fan_in x fan_out,
//! row-major) then `b` (fan_out). A [`Workspace`] holds every buffer a training step needs for one
//! batch size, made once: lrfind's own code allocates nothing per step. The one allocation left
//! is inside matrixmultiply, whose sgemm takes a packing buffer from the heap on every call
//! (`3L - 1` per step; `tests/step_allocations.rs` counts them, docs/performance.md prices them).
//!
//! Forward, for layers l = 1..L with `a_0 = x`:
//!   `z_l = a_{l-1} W_l + b_l`, `a_l = relu(z_l)` for hidden layers, `a_L = z_L` (the logits).
//! Backward, from `d_L = dLoss/dz_L`:
//!   `dW_l = a_{l-1}^T d_l`, `db_l = sum over rows of d_l`, `d_{l-1} = (d_l W_l^T) * [a_{l-1} > 0]`.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut2};
use rand::Rng;

use super::activation::{add_bias_relu, relu_backward};
use super::init::Init;
use super::loss::{loss_and_grad, TargetBatch};
use super::Scalar;

/// Where one layer's parameters sit in the flat vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    fan_in: usize,
    fan_out: usize,
    /// Offset of `W`.
    w: usize,
    /// Offset of `b` (right after `W`).
    b: usize,
}

/// A fully connected network with ReLU hidden layers and a linear output layer.
#[derive(Debug, Clone)]
pub struct Mlp<F> {
    sizes: Vec<usize>,
    spans: Vec<Span>,
    params: Vec<F>,
}

impl<F: Scalar> Mlp<F> {
    /// A network with layer widths `sizes` (inputs first, outputs last), initialised by
    /// the default [`Init`] from `rng`.
    pub fn new<R: Rng>(sizes: &[usize], rng: &mut R) -> Self {
        Self::with_init(sizes, Init::default(), rng)
    }

    /// A network with layer widths `sizes` (inputs first, outputs last), initialised by `init`
    /// from `rng`.
    pub fn with_init<R: Rng>(sizes: &[usize], init: Init, rng: &mut R) -> Self {
        assert!(sizes.len() >= 2, "an MLP needs an input and an output size");
        assert!(sizes.iter().all(|&s| s > 0), "layer sizes must be positive");
        let mut spans = Vec::with_capacity(sizes.len() - 1);
        let mut offset = 0;
        for pair in sizes.windows(2) {
            let (fan_in, fan_out) = (pair[0], pair[1]);
            spans.push(Span {
                fan_in,
                fan_out,
                w: offset,
                b: offset + fan_in * fan_out,
            });
            offset += fan_in * fan_out + fan_out;
        }
        let mut params = vec![F::zero(); offset];
        let last = spans.len() - 1;
        for (l, s) in spans.iter().enumerate() {
            let (w, b) = params[s.w..s.b + s.fan_out].split_at_mut(s.b - s.w);
            init.fill(w, b, s.fan_in, s.fan_out, l == last, rng);
        }
        Mlp {
            sizes: sizes.to_vec(),
            spans,
            params,
        }
    }

    /// Layer widths, inputs first.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// Number of layers with weights.
    pub fn layers(&self) -> usize {
        self.spans.len()
    }

    /// The flat parameter vector.
    pub fn params(&self) -> &[F] {
        &self.params
    }

    /// The flat parameter vector, for the optimizer.
    pub fn params_mut(&mut self) -> &mut [F] {
        &mut self.params
    }

    /// Weights and bias of layer `l`.
    pub fn layer(&self, l: usize) -> (ArrayView2<'_, F>, ArrayView1<'_, F>) {
        let s = self.spans[l];
        let w = ArrayView2::from_shape((s.fan_in, s.fan_out), &self.params[s.w..s.b])
            .expect("span matches shape");
        let b = ArrayView1::from(&self.params[s.b..s.b + s.fan_out]);
        (w, b)
    }

    /// Runs the network on `ws.input`, leaving every layer's activation in `ws.acts` and the
    /// outputs in the last one.
    pub fn forward(&self, ws: &mut Workspace<F>) {
        for l in 0..self.layers() {
            let (w, b) = self.layer(l);
            let (done, rest) = ws.acts.split_at_mut(l);
            let input = if l == 0 {
                ws.input.view()
            } else {
                done[l - 1].view()
            };
            let z = &mut rest[0];
            general_mat_mul(F::one(), &input, &w, F::zero(), z);
            add_bias_relu(&mut z.view_mut(), &b, l + 1 < self.layers());
        }
    }

    /// The outputs of the last [`forward`](Self::forward).
    pub fn outputs<'a>(&self, ws: &'a Workspace<F>) -> ArrayView2<'a, F> {
        ws.acts[self.layers() - 1].view()
    }

    /// Mean loss of the batch in `ws`, without gradients.
    pub fn loss(&self, ws: &mut Workspace<F>) -> F {
        self.forward(ws);
        loss_and_grad(
            &ws.acts[self.layers() - 1].view(),
            ws.labels_or_values.batch(),
            None,
        )
    }

    /// Mean loss of the batch in `ws`, and its gradient with respect to every parameter in
    /// `ws.grads` (same layout as [`params`](Self::params)).
    pub fn loss_and_grad(&self, ws: &mut Workspace<F>) -> F {
        self.forward(ws);
        let last = self.layers() - 1;
        // Field by field: the targets are read while the output gradient is written.
        let loss = loss_and_grad(
            &ws.acts[last].view(),
            ws.labels_or_values.batch(),
            Some(&mut ws.deltas[last].view_mut()),
        );
        self.backward(ws);
        loss
    }

    /// Backpropagates `ws.deltas[last]` (dLoss/d outputs) into `ws.grads`.
    fn backward(&self, ws: &mut Workspace<F>) {
        for l in (0..self.layers()).rev() {
            let s = self.spans[l];
            let (lower, upper) = ws.deltas.split_at_mut(l);
            let delta = &upper[0];
            let input = if l == 0 {
                ws.input.view()
            } else {
                ws.acts[l - 1].view()
            };
            let (gw, gb) = ws.grads[s.w..s.b + s.fan_out].split_at_mut(s.fan_in * s.fan_out);
            let mut gw = ArrayViewMut2::from_shape((s.fan_in, s.fan_out), gw).expect("span");
            general_mat_mul(F::one(), &input.t(), delta, F::zero(), &mut gw);
            // Row by row over the flat buffer, in the same order as before (so the same sums):
            // ndarray's `+=` per row costs more than the adds at these widths.
            gb.fill(F::zero());
            let delta_rows = delta.as_slice().expect("workspace buffers are contiguous");
            for row in delta_rows.chunks_exact(s.fan_out) {
                for (g, &d) in gb.iter_mut().zip(row) {
                    *g += d;
                }
            }
            if l > 0 {
                let (w, _) = self.layer(l);
                let below = &mut lower[l - 1];
                general_mat_mul(F::one(), delta, &w.t(), F::zero(), below);
                relu_backward(&mut below.view_mut(), &ws.acts[l - 1].view());
            }
        }
    }
}

/// Labels of the batch held in a workspace.
#[derive(Debug, Clone)]
pub(crate) enum Targets<F> {
    Classes(Vec<u32>),
    Values(Vec<F>),
}

impl<F: Scalar> Targets<F> {
    /// Zeroed labels for `batch` rows: class indices or numeric targets.
    pub(crate) fn zeroed(batch: usize, classification: bool) -> Self {
        if classification {
            Targets::Classes(vec![0; batch])
        } else {
            Targets::Values(vec![F::zero(); batch])
        }
    }

    /// The labels as the loss takes them.
    pub(crate) fn batch(&self) -> TargetBatch<'_, F> {
        match self {
            Targets::Classes(l) => TargetBatch::Classes(l),
            Targets::Values(v) => TargetBatch::Values(v),
        }
    }

    /// The class labels, to fill (classification only).
    pub(crate) fn labels_mut(&mut self) -> &mut [u32] {
        match self {
            Targets::Classes(l) => l,
            Targets::Values(_) => panic!("a regression workspace has no class labels"),
        }
    }

    /// The numeric targets, to fill (regression only).
    pub(crate) fn values_mut(&mut self) -> &mut [F] {
        match self {
            Targets::Values(v) => v,
            Targets::Classes(_) => panic!("a classification workspace has no numeric targets"),
        }
    }
}

/// Every buffer one training step needs, for one network and one batch size.
#[derive(Debug, Clone)]
pub struct Workspace<F> {
    /// The batch's inputs, batch x inputs.
    pub input: Array2<F>,
    /// Each layer's activation (the last: the outputs), batch x width.
    acts: Vec<Array2<F>>,
    /// dLoss/dz for each layer, batch x width.
    deltas: Vec<Array2<F>>,
    /// dLoss/d parameters, laid out as the network's parameters.
    pub grads: Vec<F>,
    labels_or_values: Targets<F>,
}

impl<F: Scalar> Workspace<F> {
    /// Buffers for `mlp` at `batch` rows; `classification` picks label or value targets.
    pub fn new(mlp: &Mlp<F>, batch: usize, classification: bool) -> Self {
        let widths = &mlp.sizes()[1..];
        Workspace {
            input: Array2::zeros((batch, mlp.sizes()[0])),
            acts: widths.iter().map(|&w| Array2::zeros((batch, w))).collect(),
            deltas: widths.iter().map(|&w| Array2::zeros((batch, w))).collect(),
            grads: vec![F::zero(); mlp.params().len()],
            labels_or_values: Targets::zeroed(batch, classification),
        }
    }

    /// Rows in a batch.
    pub fn batch(&self) -> usize {
        self.input.nrows()
    }

    /// The batch's labels, to fill (classification workspaces only).
    pub fn labels_mut(&mut self) -> &mut [u32] {
        self.labels_or_values.labels_mut()
    }

    /// The batch's numeric targets, to fill (regression workspaces only).
    pub fn values_mut(&mut self) -> &mut [F] {
        self.labels_or_values.values_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn filled(sizes: &[usize], batch: usize, classification: bool) -> (Mlp<f64>, Workspace<f64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        // He-normal weights keep the pre-activations away from the ReLU kink, where a finite
        // difference straddling it would not be a derivative.
        let mut mlp = Mlp::<f64>::with_init(sizes, Init::He, &mut rng);
        // Non-zero biases so their gradients are exercised away from the initial point.
        for p in mlp.params_mut() {
            *p += 0.05 * crate::model::init::standard_normal(&mut rng);
        }
        let mut ws = Workspace::new(&mlp, batch, classification);
        for v in ws.input.iter_mut() {
            *v = crate::model::init::standard_normal(&mut rng);
        }
        let outputs = *sizes.last().unwrap();
        if classification {
            for (i, l) in ws.labels_mut().iter_mut().enumerate() {
                *l = (i % outputs) as u32;
            }
        } else {
            for v in ws.values_mut() {
                *v = crate::model::init::standard_normal(&mut rng);
            }
        }
        (mlp, ws)
    }

    /// Every parameter of every layer, through ReLU and both losses, against central finite
    /// differences in f64.
    #[test]
    fn gradients_match_finite_differences() {
        for (sizes, classification) in [
            (vec![4, 6, 5, 3], true),
            (vec![3, 7, 1], false),
            (vec![5, 2], true),
            (vec![2, 4, 4, 4, 1], false),
        ] {
            let (mut mlp, mut ws) = filled(&sizes, 6, classification);
            mlp.loss_and_grad(&mut ws);
            let analytic = ws.grads.clone();
            let h = 1e-6;
            let mut worst = 0.0f64;
            for (i, &a) in analytic.iter().enumerate() {
                let p = mlp.params()[i];
                mlp.params_mut()[i] = p + h;
                let up = mlp.loss(&mut ws);
                mlp.params_mut()[i] = p - h;
                let down = mlp.loss(&mut ws);
                mlp.params_mut()[i] = p;
                let fd = (up - down) / (2.0 * h);
                let err = (fd - a).abs() / (1e-6 + fd.abs().max(a.abs()));
                worst = worst.max(err);
            }
            assert!(worst < 1e-5, "{sizes:?}: worst relative error {worst}");
        }
    }

    #[test]
    fn forward_by_hand() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let mut mlp = Mlp::<f64>::new(&[2, 2, 1], &mut rng);
        // W1 = [[1, -1], [2, 0]], b1 = [0, 1], W2 = [[1], [1]], b2 = [0.5]
        mlp.params_mut()
            .copy_from_slice(&[1.0, -1.0, 2.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.5]);
        let mut ws = Workspace::new(&mlp, 1, false);
        ws.input[[0, 0]] = 1.0;
        ws.input[[0, 1]] = 1.0;
        mlp.forward(&mut ws);
        // z1 = [3, 0], a1 = [3, 0], z2 = 3.5
        assert_eq!(mlp.outputs(&ws)[[0, 0]], 3.5);
    }

    #[test]
    fn parameter_count_and_layout() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let mlp = Mlp::<f32>::with_init(&[10, 64, 64, 3], Init::He, &mut rng);
        assert_eq!(mlp.params().len(), 10 * 64 + 64 + 64 * 64 + 64 + 64 * 3 + 3);
        let (w, b) = mlp.layer(1);
        assert_eq!(w.dim(), (64, 64));
        assert!(b.iter().all(|&v| v == 0.0));
        // PyTorch's default starts the biases in ±1/sqrt(fan_in) too, layer by layer.
        let mlp = Mlp::<f32>::with_init(&[10, 64, 64, 3], Init::Pytorch, &mut rng);
        for (l, fan_in) in [(0, 10f32), (1, 64.0), (2, 64.0)] {
            let (w, b) = mlp.layer(l);
            let bound = 1.0 / fan_in.sqrt();
            assert!(w.iter().chain(b.iter()).all(|v| v.abs() <= bound));
            assert!(b.iter().any(|&v| v != 0.0));
        }
    }
}
