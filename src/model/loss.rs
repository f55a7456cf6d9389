//! The two losses, each returning the mean loss over the batch and writing dL/d(output) in place.
//!
//! - Softmax cross-entropy: `L = (1/B) sum_i [ logsumexp(z_i) - z_{i,y_i} ]`, with
//!   `logsumexp(z) = m + ln sum_k exp(z_k - m)`, `m = max_k z_k`, so no `exp` overflows;
//!   `dL/dz_ik = (softmax(z_i)_k - [k = y_i]) / B`.
//! - Mean squared error on one output: `L = (1/B) sum_i (z_i - t_i)^2`, `dL/dz_i = 2 (z_i - t_i) / B`.

use ndarray::{ArrayView2, ArrayViewMut2};
use serde::Serialize;

use super::Scalar;

/// Which loss the model is trained on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// Softmax cross-entropy, for classification.
    CrossEntropy,
    /// Mean squared error, for regression.
    Mse,
}

impl std::fmt::Display for Loss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Loss::CrossEntropy => "cross-entropy",
            Loss::Mse => "mean squared error",
        })
    }
}

/// The labels of one batch.
#[derive(Debug, Clone, Copy)]
pub enum TargetBatch<'a, F> {
    /// Class indices.
    Classes(&'a [u32]),
    /// Numeric targets (one output).
    Values(&'a [F]),
}

/// Mean loss of `out` against `target`; when `grad` is given, writes dL/d(out) into it. Both must
/// be in standard (row-major, contiguous) layout, as the workspace's buffers are.
pub fn loss_and_grad<F: Scalar>(
    out: &ArrayView2<F>,
    target: TargetBatch<'_, F>,
    grad: Option<&mut ArrayViewMut2<F>>,
) -> F {
    match target {
        TargetBatch::Classes(labels) => cross_entropy(out, labels, grad),
        TargetBatch::Values(values) => mse(out, values, grad),
    }
}

/// `ln sum_k exp(z_k)`, stable: shifts by the maximum so the largest term is `exp(0) = 1`.
pub fn log_sum_exp<F: Scalar>(z: impl Iterator<Item = F> + Clone) -> F {
    let m = z.clone().fold(F::neg_infinity(), F::max);
    if !m.is_finite() {
        return m;
    }
    m + z.map(|v| (v - m).exp()).fold(F::zero(), |a, b| a + b).ln()
}

fn cross_entropy<F: Scalar>(
    z: &ArrayView2<F>,
    labels: &[u32],
    grad: Option<&mut ArrayViewMut2<F>>,
) -> F {
    let b = F::from_usize(z.nrows()).unwrap();
    let classes = z.ncols();
    assert!(classes > 0, "a classifier has at least one output");
    // Flat row-major slices: per-row ndarray views cost as much as the arithmetic at a handful
    // of classes.
    let z = z.as_slice().expect("outputs in standard layout");
    let mut total = F::zero();
    match grad {
        Some(g) => {
            let g = g.as_slice_mut().expect("gradient in standard layout");
            let rows = z.chunks_exact(classes).zip(g.chunks_exact_mut(classes));
            for ((row, g), &y) in rows.zip(labels) {
                let y = y as usize;
                let lse = log_sum_exp(row.iter().copied());
                total += lse - row[y];
                for (k, (gk, &zk)) in g.iter_mut().zip(row).enumerate() {
                    let p = (zk - lse).exp();
                    let onehot = if k == y { F::one() } else { F::zero() };
                    *gk = (p - onehot) / b;
                }
            }
        }
        None => {
            for (row, &y) in z.chunks_exact(classes).zip(labels) {
                total += log_sum_exp(row.iter().copied()) - row[y as usize];
            }
        }
    }
    total / b
}

fn mse<F: Scalar>(z: &ArrayView2<F>, targets: &[F], mut grad: Option<&mut ArrayViewMut2<F>>) -> F {
    let b = F::from_usize(z.nrows()).unwrap();
    let two = F::one() + F::one();
    let mut total = F::zero();
    for (i, &t) in targets.iter().enumerate() {
        let d = z[[i, 0]] - t;
        total += d * d;
        if let Some(g) = grad.as_deref_mut() {
            g[[i, 0]] = two * d / b;
        }
    }
    total / b
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    #[test]
    fn log_sum_exp_is_stable_and_exact() {
        let v = [1000.0f64, 1000.0];
        assert!((log_sum_exp(v.iter().copied()) - (1000.0 + 2f64.ln())).abs() < 1e-12);
        let v = [1.0f64, 2.0, 3.0];
        let direct = (1f64.exp() + 2f64.exp() + 3f64.exp()).ln();
        assert!((log_sum_exp(v.iter().copied()) - direct).abs() < 1e-12);
    }

    #[test]
    fn uniform_logits_give_ln_c() {
        let z = Array2::<f64>::zeros((4, 5));
        let l = loss_and_grad(&z.view(), TargetBatch::Classes(&[0, 1, 2, 3]), None);
        assert!((l - 5f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn mse_by_hand() {
        let z = array![[1.0f64], [3.0]];
        let mut g = Array2::zeros((2, 1));
        let l = loss_and_grad(
            &z.view(),
            TargetBatch::Values(&[0.0, 1.0]),
            Some(&mut g.view_mut()),
        );
        assert_eq!(l, (1.0 + 4.0) / 2.0);
        assert_eq!(g, array![[1.0], [2.0]]);
    }

    /// Central finite differences of each loss with respect to every output, in f64.
    #[test]
    fn loss_gradients_match_finite_differences() {
        let z = array![[0.3f64, -1.2, 2.0], [1.5, 0.1, -0.4]];
        let cases: [(TargetBatch<f64>, usize); 2] = [
            (TargetBatch::Classes(&[2, 0]), 3),
            (TargetBatch::Values(&[0.5, -1.0]), 1),
        ];
        for (target, cols) in cases {
            let z = z.slice(ndarray::s![.., ..cols]).to_owned();
            let mut g = Array2::zeros(z.raw_dim());
            loss_and_grad(&z.view(), target, Some(&mut g.view_mut()));
            let h = 1e-6;
            for idx in ndarray::indices(z.raw_dim()) {
                let (mut zp, mut zm) = (z.clone(), z.clone());
                zp[idx] += h;
                zm[idx] -= h;
                let fd = (loss_and_grad(&zp.view(), target, None)
                    - loss_and_grad(&zm.view(), target, None))
                    / (2.0 * h);
                assert!((fd - g[idx]).abs() < 1e-8, "{idx:?}: {fd} vs {}", g[idx]);
            }
        }
    }
}
