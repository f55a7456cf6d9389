//! SGD with momentum, as `torch.optim.SGD` (dampening 0):
//! `g = grad + wd p`, `v = mu v + g`, then `p -= lr (g + mu v)` with Nesterov or `p -= lr v`
//! without. With `mu = 0` this is plain SGD.

use super::{Optimizer, OptimizerConfig};

/// SGD state: one velocity per parameter.
#[derive(Debug, Clone)]
pub struct Sgd {
    momentum: f32,
    nesterov: bool,
    weight_decay: f32,
    velocity: Vec<f32>,
}

impl Sgd {
    /// Zeroed state for `n` parameters.
    pub fn new(config: &OptimizerConfig, n: usize) -> Self {
        Sgd {
            momentum: config.momentum as f32,
            nesterov: config.nesterov,
            weight_decay: config.weight_decay as f32,
            velocity: vec![0.0; n],
        }
    }
}

impl Optimizer for Sgd {
    fn step(&mut self, params: &mut [f32], grads: &[f32], lr: f32) {
        let (mu, wd) = (self.momentum, self.weight_decay);
        for ((p, &g), v) in params.iter_mut().zip(grads).zip(&mut self.velocity) {
            let g = g + wd * *p;
            *v = mu * *v + g;
            let update = if self.nesterov { g + mu * *v } else { *v };
            *p -= lr * update;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::OptimizerKind;

    #[test]
    fn momentum_by_hand() {
        let mut opt = Sgd::new(&OptimizerConfig::new(OptimizerKind::Sgd), 1);
        let mut p = [1.0f32];
        opt.step(&mut p, &[1.0], 0.1); // v = 1, p = 1 - 0.1
        assert!((p[0] - 0.9).abs() < 1e-7);
        opt.step(&mut p, &[1.0], 0.1); // v = 0.9 + 1 = 1.9, p = 0.9 - 0.19
        assert!((p[0] - 0.71).abs() < 1e-6);
    }

    #[test]
    fn nesterov_and_weight_decay_by_hand() {
        let mut config = OptimizerConfig::new(OptimizerKind::Sgd);
        config.nesterov = true;
        config.weight_decay = 0.5;
        let mut opt = Sgd::new(&config, 1);
        let mut p = [2.0f32];
        // g = 1 + 0.5 * 2 = 2, v = 2, update = 2 + 0.9 * 2 = 3.8, p = 2 - 0.38
        opt.step(&mut p, &[1.0], 0.1);
        assert!((p[0] - 1.62).abs() < 1e-6);
    }
}
