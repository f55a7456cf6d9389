//! How the weights start. The LR a range test finds depends on it: a layer whose weights start
//! twice as large sees gradients and updates on a different scale, so the best LR moves. lrfind
//! therefore starts its MLP the way the frameworks its users train in do.
//!
//! - `pytorch` (`torch.nn.Linear`'s default): weights by Kaiming-uniform with `a = sqrt(5)`, which
//!   works out to `U(-1/sqrt(fan_in), 1/sqrt(fan_in))` (variance `1 / (3 fan_in)`), and biases
//!   `U(-1/sqrt(fan_in), 1/sqrt(fan_in))` too.
//! - `he` (He et al., 2015): weights `N(0, g / fan_in)` with `g = 2` for a layer followed by a ReLU
//!   (keeps the activations' second moment constant from layer to layer) and `g = 1` for the
//!   linear output layer (logits of about unit variance, so a classifier starts near `ln C`);
//!   biases 0.
//! - `keras` (Keras' `Dense` default, Glorot & Bengio, 2010): weights
//!   `U(-l, l)` with `l = sqrt(6 / (fan_in + fan_out))`, biases 0.

use rand::Rng;
use serde::Serialize;

use super::Scalar;

/// Gain squared for a layer followed by ReLU.
pub const RELU_GAIN2: f64 = 2.0;
/// Gain squared for a linear (output) layer.
pub const LINEAR_GAIN2: f64 = 1.0;

/// An initialisation scheme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// `torch.nn.Linear`'s default: weights and biases uniform in ±1/sqrt(fan_in).
    #[default]
    Pytorch,
    /// He-normal weights (gain 2 before a ReLU, 1 for the output layer), zero biases.
    He,
    /// Keras' default: Glorot-uniform weights, zero biases.
    Keras,
}

impl std::fmt::Display for Init {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Init::Pytorch => "pytorch",
            Init::He => "he",
            Init::Keras => "keras",
        })
    }
}

impl Init {
    /// Fills one layer: `w` (fan_in x fan_out) and `b` (fan_out). `output` says whether the layer
    /// is the linear output layer (it matters only for `he`).
    pub fn fill<F: Scalar, R: Rng>(
        self,
        w: &mut [F],
        b: &mut [F],
        fan_in: usize,
        fan_out: usize,
        output: bool,
        rng: &mut R,
    ) {
        match self {
            Init::Pytorch => {
                let bound = 1.0 / (fan_in as f64).sqrt();
                uniform(w, bound, rng);
                uniform(b, bound, rng);
            }
            Init::He => {
                let gain2 = if output { LINEAR_GAIN2 } else { RELU_GAIN2 };
                he_normal(w, fan_in, gain2, rng);
                b.fill(F::zero());
            }
            Init::Keras => {
                uniform(w, (6.0 / (fan_in + fan_out) as f64).sqrt(), rng);
                b.fill(F::zero());
            }
        }
    }
}

/// One standard normal draw (rand_distr's ziggurat sampler).
pub fn standard_normal<R: Rng>(rng: &mut R) -> f64 {
    rng.sample(rand_distr::StandardNormal)
}

/// Fills `w` with N(0, gain2 / fan_in) draws.
pub fn he_normal<F: Scalar, R: Rng>(w: &mut [F], fan_in: usize, gain2: f64, rng: &mut R) {
    let sd = (gain2 / fan_in as f64).sqrt();
    let normal = rand_distr::Normal::new(0.0, sd).expect("a finite, positive spread");
    for v in w {
        *v = F::from_f64(rng.sample(normal)).unwrap_or_else(F::zero);
    }
}

/// Fills `w` with U(-bound, bound) draws.
pub fn uniform<F: Scalar, R: Rng>(w: &mut [F], bound: f64, rng: &mut R) {
    for v in w {
        let u: f64 = rng.random::<f64>();
        *v = F::from_f64(bound * (2.0 * u - 1.0)).unwrap_or_else(F::zero);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn moments(w: &[f64]) -> (f64, f64, f64) {
        let n = w.len() as f64;
        let mean = w.iter().sum::<f64>() / n;
        let var = w.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        let max = w.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        (mean, var, max)
    }

    /// The draws are rand_distr's normal ones, from the same generator.
    #[test]
    fn he_normal_draws_rand_distrs_normal() {
        use rand::distr::Distribution;
        let mut w = vec![0.0f64; 100];
        he_normal(
            &mut w,
            50,
            RELU_GAIN2,
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(1),
        );
        let normal = rand_distr::Normal::new(0.0, (RELU_GAIN2 / 50.0).sqrt()).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let want: Vec<f64> = (0..100).map(|_| normal.sample(&mut rng)).collect();
        assert_eq!(w, want);
    }

    #[test]
    fn he_normal_has_the_right_spread() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut w = vec![0.0f64; 200_000];
        he_normal(&mut w, 50, RELU_GAIN2, &mut rng);
        let (mean, var, _) = moments(&w);
        assert!(mean.abs() < 0.002, "{mean}");
        assert!((var - 2.0 / 50.0).abs() < 0.001, "{var}");
    }

    /// `torch.nn.Linear(fan_in, fan_out)`: weights and biases within ±1/sqrt(fan_in), variance
    /// 1 / (3 fan_in) — the numbers `torch.nn.init.kaiming_uniform_(a=sqrt(5))` gives.
    #[test]
    fn pytorch_default_is_uniform_in_one_over_sqrt_fan_in() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let (fan_in, fan_out) = (100, 2_000);
        let mut w = vec![0.0f64; fan_in * fan_out];
        let mut b = vec![0.0f64; fan_out];
        Init::Pytorch.fill(&mut w, &mut b, fan_in, fan_out, false, &mut rng);
        let (mean, var, max) = moments(&w);
        assert!(mean.abs() < 0.001, "{mean}");
        assert!((var / (1.0 / 300.0) - 1.0).abs() < 0.01, "{var}");
        assert!(max <= 0.1 && max > 0.0999, "{max}");
        let (_, bvar, bmax) = moments(&b);
        assert!(
            bmax <= 0.1 && (bvar / (1.0 / 300.0) - 1.0).abs() < 0.1,
            "{bvar}"
        );
    }

    #[test]
    fn keras_default_is_glorot_uniform_with_zero_bias() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let (fan_in, fan_out) = (300, 500);
        let mut w = vec![0.0f64; fan_in * fan_out];
        let mut b = vec![1.0f64; fan_out];
        Init::Keras.fill(&mut w, &mut b, fan_in, fan_out, true, &mut rng);
        let limit = (6.0f64 / 800.0).sqrt();
        let (_, var, max) = moments(&w);
        assert!(max <= limit && max > 0.999 * limit);
        assert!((var / (limit * limit / 3.0) - 1.0).abs() < 0.01, "{var}");
        assert!(b.iter().all(|&v| v == 0.0));
    }
}
