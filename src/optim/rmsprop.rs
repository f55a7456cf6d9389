//! RMSprop, as `torch.optim.RMSprop` without momentum or centring:
//! `g = grad + wd p`, `v = a v + (1 - a) g^2` with `a = 0.99`, `p -= lr g / (sqrt(v) + eps)`.

use super::{Optimizer, OptimizerConfig};

/// PyTorch's smoothing constant.
pub const ALPHA: f32 = 0.99;

/// RMSprop state: the running mean of squared gradients.
#[derive(Debug, Clone)]
pub struct RmsProp {
    eps: f32,
    weight_decay: f32,
    v: Vec<f32>,
}

impl RmsProp {
    /// Zeroed state for `n` parameters.
    pub fn new(config: &OptimizerConfig, n: usize) -> Self {
        RmsProp {
            eps: config.eps as f32,
            weight_decay: config.weight_decay as f32,
            v: vec![0.0; n],
        }
    }
}

impl Optimizer for RmsProp {
    fn step(&mut self, params: &mut [f32], grads: &[f32], lr: f32) {
        for ((p, &g), v) in params.iter_mut().zip(grads).zip(&mut self.v) {
            let g = g + self.weight_decay * *p;
            *v = ALPHA * *v + (1.0 - ALPHA) * g * g;
            *p -= lr * g / (v.sqrt() + self.eps);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::OptimizerKind;

    #[test]
    fn first_step_by_hand() {
        let mut opt = RmsProp::new(&OptimizerConfig::new(OptimizerKind::Rmsprop), 1);
        let mut p = [0.0f32];
        opt.step(&mut p, &[2.0], 0.01);
        // v = 0.01 * 4 = 0.04, step = 0.01 * 2 / 0.2 = 0.1
        assert!((p[0] + 0.1).abs() < 1e-6);
    }
}
