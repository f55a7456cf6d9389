//! ReLU, the hidden-layer activation: `relu(z) = max(z, 0)`, with derivative 1 where `z > 0` and 0
//! elsewhere (0 at the kink, as every framework takes it).
//!
//! Both functions walk the workspace buffers as flat row-major slices: ndarray's per-row and
//! broadcasting machinery costs more than the arithmetic at lrfind's small widths, and plain
//! slice loops are what the compiler vectorises.

use ndarray::{ArrayView1, ArrayView2, ArrayViewMut2};

use super::Scalar;

/// Adds the bias `b` to every row of `z`, then applies ReLU when `relu` is set: one pass over `z`
/// instead of two. `z` must be in standard (row-major, contiguous) layout, as workspace buffers are.
pub fn add_bias_relu<F: Scalar>(z: &mut ArrayViewMut2<F>, b: &ArrayView1<F>, relu: bool) {
    let width = z.ncols();
    let b = b.as_slice().expect("a bias is contiguous");
    assert_eq!(b.len(), width, "one bias per column");
    let z = z.as_slice_mut().expect("workspace buffers are contiguous");
    if width == 0 {
        return;
    }
    for row in z.chunks_exact_mut(width) {
        if relu {
            for (v, &bk) in row.iter_mut().zip(b) {
                *v = (*v + bk).max(F::zero());
            }
        } else {
            for (v, &bk) in row.iter_mut().zip(b) {
                *v += bk;
            }
        }
    }
}

/// Multiplies `delta` (dL/d relu(z)) by the ReLU derivative, given the activation `a = relu(z)`:
/// `a > 0` exactly where `z > 0`, so the pre-activation need not be kept. Both must be in standard
/// layout with the same shape.
pub fn relu_backward<F: Scalar>(delta: &mut ArrayViewMut2<F>, a: &ArrayView2<F>) {
    assert_eq!(delta.dim(), a.dim(), "delta and activation have one shape");
    let delta = delta
        .as_slice_mut()
        .expect("workspace buffers are contiguous");
    let a = a.as_slice().expect("workspace buffers are contiguous");
    // A select rather than a branch, so the loop vectorises; `a <= 0` (not `!(a > 0)`) keeps a
    // NaN activation's delta, as before.
    for (d, &a) in delta.iter_mut().zip(a) {
        *d = if a <= F::zero() { F::zero() } else { *d };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn relu_and_its_derivative() {
        let mut z = array![[-1.0f64, 0.0, 2.0], [3.0, -4.0, 0.5]];
        let b = array![0.5, 0.0, -1.0];
        add_bias_relu(&mut z.view_mut(), &b.view(), true);
        assert_eq!(z, array![[0.0, 0.0, 1.0], [3.5, 0.0, 0.0]]);
        let mut d = array![[5.0f64, 5.0, 5.0], [6.0, 6.0, 6.0]];
        relu_backward(&mut d.view_mut(), &z.view());
        assert_eq!(d, array![[0.0, 0.0, 5.0], [6.0, 0.0, 0.0]]);
    }

    #[test]
    fn bias_without_relu_keeps_negatives() {
        let mut z = array![[-1.0f64, 2.0]];
        add_bias_relu(&mut z.view_mut(), &array![-1.0, 0.5].view(), false);
        assert_eq!(z, array![[-2.0, 2.5]]);
    }
}
