//! Adagrad, as `torch.optim.Adagrad` (no LR decay, initial accumulator 0):
//! `g = grad + wd p`, `s += g^2`, `p -= lr g / (sqrt(s) + eps)`.

use super::{Optimizer, OptimizerConfig};

/// Adagrad state: the sum of squared gradients.
#[derive(Debug, Clone)]
pub struct Adagrad {
    eps: f32,
    weight_decay: f32,
    sum: Vec<f32>,
}

impl Adagrad {
    /// Zeroed state for `n` parameters.
    pub fn new(config: &OptimizerConfig, n: usize) -> Self {
        Adagrad {
            eps: config.eps as f32,
            weight_decay: config.weight_decay as f32,
            sum: vec![0.0; n],
        }
    }
}

impl Optimizer for Adagrad {
    fn step(&mut self, params: &mut [f32], grads: &[f32], lr: f32) {
        for ((p, &g), s) in params.iter_mut().zip(grads).zip(&mut self.sum) {
            let g = g + self.weight_decay * *p;
            *s += g * g;
            *p -= lr * g / (s.sqrt() + self.eps);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::OptimizerKind;

    #[test]
    fn two_steps_by_hand() {
        let mut opt = Adagrad::new(&OptimizerConfig::new(OptimizerKind::Adagrad), 1);
        let mut p = [0.0f32];
        opt.step(&mut p, &[3.0], 0.1); // s = 9, p = -0.1
        opt.step(&mut p, &[4.0], 0.1); // s = 25, p = -0.1 - 0.1 * 4 / 5
        assert!((p[0] + 0.18).abs() < 1e-6);
    }
}
