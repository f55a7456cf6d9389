//! Weight initialisation (He et al., 2015): weights drawn from N(0, gain^2 / fan_in), biases 0.
//! Hidden layers feed a ReLU, so gain^2 = 2 keeps the activations' second moment constant from
//! layer to layer; the output layer is linear, for which the same derivation gives gain^2 = 1, so
//! the first logits have about unit variance and a classifier starts near the uniform guess.

use rand::Rng;

use super::Scalar;

/// Gain squared for a layer followed by ReLU.
pub const RELU_GAIN2: f64 = 2.0;
/// Gain squared for a linear (output) layer.
pub const LINEAR_GAIN2: f64 = 1.0;

/// One standard normal draw by the Box-Muller transform: `sqrt(-2 ln u1) cos(2 pi u2)` with
/// `u1` in (0, 1] so the logarithm is finite.
pub fn standard_normal<R: Rng>(rng: &mut R) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Fills `w` with N(0, gain2 / fan_in) draws.
pub fn he_normal<F: Scalar, R: Rng>(w: &mut [F], fan_in: usize, gain2: f64, rng: &mut R) {
    let sd = (gain2 / fan_in as f64).sqrt();
    for v in w {
        *v = F::from_f64(sd * standard_normal(rng)).unwrap_or_else(F::zero);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn he_normal_has_the_right_spread() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut w = vec![0.0f64; 200_000];
        he_normal(&mut w, 50, RELU_GAIN2, &mut rng);
        let n = w.len() as f64;
        let mean = w.iter().sum::<f64>() / n;
        let var = w.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        assert!(mean.abs() < 0.002, "{mean}");
        assert!((var - 2.0 / 50.0).abs() < 0.001, "{var}");
    }
}
