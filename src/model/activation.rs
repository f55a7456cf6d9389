//! ReLU, the hidden-layer activation: `relu(z) = max(z, 0)`, with derivative 1 where `z > 0` and 0
//! elsewhere (0 at the kink, as every framework takes it).

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use super::Scalar;

/// Applies ReLU in place.
pub fn relu_inplace<F: Scalar>(z: &mut ArrayViewMut2<F>) {
    z.mapv_inplace(|v| v.max(F::zero()));
}

/// Multiplies `delta` (dL/d relu(z)) by the ReLU derivative, given the activation `a = relu(z)`:
/// `a > 0` exactly where `z > 0`, so the pre-activation need not be kept.
pub fn relu_backward<F: Scalar>(delta: &mut ArrayViewMut2<F>, a: &ArrayView2<F>) {
    Zip::from(delta).and(a).for_each(|d, &a| {
        if a <= F::zero() {
            *d = F::zero();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn relu_and_its_derivative() {
        let mut z = array![[-1.0f64, 0.0, 2.0]];
        relu_inplace(&mut z.view_mut());
        assert_eq!(z, array![[0.0, 0.0, 2.0]]);
        let mut d = array![[5.0f64, 5.0, 5.0]];
        relu_backward(&mut d.view_mut(), &z.view());
        assert_eq!(d, array![[0.0, 0.0, 5.0]]);
    }
}
