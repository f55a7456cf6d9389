//! Optimizers, each a config (validated once, as burn's `AdamConfig`) that builds a stateful
//! updater over the model's flat parameter vector. Update rules follow PyTorch's `torch.optim`, so
//! a suggested LR transfers to the framework a user trains in. `--weight-decay` is an L2 term
//! added to the gradient for every optimizer except AdamW, where it is decoupled (Loshchilov &
//! Hutter, 2019).

mod adagrad;
mod adam;
mod rmsprop;
mod sgd;

pub use self::adagrad::Adagrad;
pub use self::adam::Adam;
pub use self::rmsprop::{RmsProp, ALPHA as RMSPROP_ALPHA};
pub use self::sgd::Sgd;

use serde::Serialize;

use crate::error::{Error, Result, Setting};

/// SGD momentum unless told otherwise: the standard value.
pub const DEFAULT_SGD_MOMENTUM: f64 = 0.9;

/// Updates parameters from their gradients at a given learning rate.
pub trait Optimizer: Send {
    /// One update of `params` from `grads` (same length) at learning rate `lr`.
    fn step(&mut self, params: &mut [f32], grads: &[f32], lr: f32);
}

/// Which optimizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// Adam (Kingma & Ba, 2015).
    Adam,
    /// Adam with decoupled weight decay.
    Adamw,
    /// Stochastic gradient descent with (Nesterov) momentum.
    Sgd,
    /// RMSprop (Hinton, 2012), smoothing constant 0.99.
    Rmsprop,
    /// Adagrad (Duchi et al., 2011).
    Adagrad,
}

impl std::fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OptimizerKind::Adam => "adam",
            OptimizerKind::Adamw => "adamw",
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Rmsprop => "rmsprop",
            OptimizerKind::Adagrad => "adagrad",
        })
    }
}

/// Everything that defines an optimizer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OptimizerConfig {
    /// Which one.
    pub kind: OptimizerKind,
    /// SGD momentum (0 for plain SGD).
    pub momentum: f64,
    /// SGD: Nesterov momentum.
    pub nesterov: bool,
    /// L2 penalty (decoupled for AdamW).
    pub weight_decay: f64,
    /// Adam's first-moment decay.
    pub beta1: f64,
    /// Adam's second-moment decay.
    pub beta2: f64,
    /// Added to the denominator of adaptive methods.
    pub eps: f64,
}

impl OptimizerConfig {
    /// fastai's default weight decay (`Learner(wd=None)` leaves its optimizers' 0.01).
    pub const FASTAI_WEIGHT_DECAY: f64 = 0.01;

    /// The optimizer as fastai's of the same name: its `Adam` decouples the weight decay
    /// (`decouple_wd=True`, so it is AdamW) with `sqr_mom` 0.99 and `eps` 1e-5; the others are
    /// unchanged.
    pub fn fastai(self) -> Self {
        match self.kind {
            OptimizerKind::Adam | OptimizerKind::Adamw => OptimizerConfig {
                kind: OptimizerKind::Adamw,
                beta2: 0.99,
                eps: 1e-5,
                ..self
            },
            _ => self,
        }
    }

    /// PyTorch's defaults for `kind`, with SGD momentum 0.9.
    pub fn new(kind: OptimizerKind) -> Self {
        OptimizerConfig {
            kind,
            momentum: DEFAULT_SGD_MOMENTUM,
            nesterov: false,
            weight_decay: 0.0,
            beta1: 0.9,
            beta2: 0.999,
            eps: match kind {
                OptimizerKind::Adagrad => 1e-10,
                _ => 1e-8,
            },
        }
    }

    /// Checks every value once, so the update rules can trust them.
    pub fn validate(&self) -> Result<()> {
        let unit = |v: f64| v.is_finite() && (0.0..1.0).contains(&v);
        if !unit(self.momentum) {
            return Err(Error::config(
                Setting::Momentum,
                format!("{} is not in [0, 1)", self.momentum),
            ));
        }
        if self.nesterov && (self.kind != OptimizerKind::Sgd || self.momentum == 0.0) {
            return Err(Error::config(
                Setting::Nesterov,
                "Nesterov momentum needs --optimizer sgd and a --momentum above 0",
            ));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(Error::config(
                Setting::WeightDecay,
                format!("{} must be a finite number >= 0", self.weight_decay),
            ));
        }
        if !unit(self.beta1) || !unit(self.beta2) {
            return Err(Error::config(Setting::Betas, "betas must be in [0, 1)"));
        }
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return Err(Error::config(Setting::Eps, "must be a finite number > 0"));
        }
        Ok(())
    }

    /// A fresh optimizer with zeroed state for `n` parameters.
    pub fn build(&self, n: usize) -> Box<dyn Optimizer> {
        match self.kind {
            OptimizerKind::Sgd => Box::new(Sgd::new(self, n)),
            OptimizerKind::Adam | OptimizerKind::Adamw => Box::new(Adam::new(self, n)),
            OptimizerKind::Rmsprop => Box::new(RmsProp::new(self, n)),
            OptimizerKind::Adagrad => Box::new(Adagrad::new(self, n)),
        }
    }

    /// A short description for the report, e.g. `sgd (momentum 0.9, nesterov)`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        match self.kind {
            OptimizerKind::Sgd => {
                parts.push(format!("momentum {}", self.momentum));
                if self.nesterov {
                    parts.push("nesterov".into());
                }
            }
            OptimizerKind::Adam | OptimizerKind::Adamw => {
                parts.push(format!("betas {}/{}", self.beta1, self.beta2));
            }
            _ => {}
        }
        if self.weight_decay > 0.0 {
            parts.push(format!("weight decay {}", self.weight_decay));
        }
        if parts.is_empty() {
            self.kind.to_string()
        } else {
            format!("{} ({})", self.kind, parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Minimises f(p) = (p - 3)^2 with each optimizer: all must get close.
    #[test]
    fn every_optimizer_minimises_a_quadratic() {
        for (kind, lr) in [
            (OptimizerKind::Sgd, 0.05),
            (OptimizerKind::Adam, 0.1),
            (OptimizerKind::Adamw, 0.1),
            (OptimizerKind::Rmsprop, 0.01),
            (OptimizerKind::Adagrad, 0.5),
        ] {
            let mut opt = OptimizerConfig::new(kind).build(1);
            let mut p = [0.0f32];
            for _ in 0..2000 {
                let g = [2.0 * (p[0] - 3.0)];
                opt.step(&mut p, &g, lr);
            }
            assert!((p[0] - 3.0).abs() < 0.05, "{kind}: {}", p[0]);
        }
    }

    #[test]
    fn validation_rejects_bad_values() {
        let mut c = OptimizerConfig::new(OptimizerKind::Sgd);
        c.momentum = 1.0;
        assert!(c.validate().is_err());
        let mut c = OptimizerConfig::new(OptimizerKind::Adam);
        c.nesterov = true;
        assert!(c.validate().is_err());
        let mut c = OptimizerConfig::new(OptimizerKind::Sgd);
        c.weight_decay = -1.0;
        assert!(c.validate().is_err());
        assert!(OptimizerConfig::new(OptimizerKind::Adagrad)
            .validate()
            .is_ok());
    }
}
