//! Learning-rate schedules: the range test's own exponential ramp ([`ExponentialSchedule`]), and
//! the schedules a found LR is trained with, each computed exactly as its framework computes it
//! (PyTorch's `torch.optim.lr_scheduler`, Keras' `learning_rate_schedule`, fastai's one-cycle).
//!
//! Each schedule is a config struct holding its framework's defaults, checked once by `build`
//! (typed [`Error::Config`](crate::Error::Config) errors naming the
//! [`Setting`](crate::error::Setting)), into a pure
//! function of the step: [`LrSchedule::lr`] (and [`LrSchedule::momentum`] where the schedule
//! has one), where step `i` is the LR of the optimizer's `i`-th update, counted from 0, as PyTorch
//! gives it with `scheduler.step()` after each `optimizer.step()`. The formula is in each module's
//! comment.
//!
//! [`build`] makes any tabulated kind from a [`ScheduleKind`], the peak (or base) LR, the number of
//! steps and the optional settings of [`ScheduleOptions`]; [`Schedule`] then gives the table,
//! its [`Summary`] and, through [`snippet()`], the lines that build the same schedule in PyTorch,
//! Keras, optax or burn. Reduce-on-plateau follows a metric and has no table: it is the stateful
//! [`Plateau`].

pub mod constant;
pub mod cosine;
pub mod cyclic;
pub mod decay;
pub mod exponential;
pub mod inverse_time;
pub mod onecycle;
pub mod piecewise;
pub mod plateau;
pub mod poly;
pub mod restarts;
pub mod snippet;
pub mod wsd;

mod check;
mod options;

pub use self::check::MAX_LR;
pub use self::constant::{Constant, ConstantConfig};
pub use self::cosine::{Cosine, CosineConfig};
pub use self::cyclic::{Cyclic, CyclicConfig, CyclicMode};
pub use self::decay::{
    ExponentialDecay, ExponentialDecayConfig, MultiStep, MultiStepConfig, StepDecay,
    StepDecayConfig,
};
pub use self::exponential::ExponentialSchedule;
pub use self::inverse_time::{InverseTime, InverseTimeConfig};
pub use self::onecycle::{Anneal, OneCycle, OneCycleConfig, OneCycleVariant};
pub use self::options::{build, settings_of, ScheduleOptions};
pub use self::piecewise::{Piecewise, PiecewiseConfig};
pub use self::plateau::{Plateau, PlateauConfig, PlateauMode, ThresholdMode};
pub use self::poly::{Poly, PolyConfig};
pub use self::restarts::{CosineRestarts, CosineRestartsConfig};
pub use self::snippet::{snippet, Framework};
pub use self::wsd::{DecayShape, Wsd, WsdConfig};

use serde::Serialize;

/// A schedule known for every step of a run before it starts.
pub trait LrSchedule {
    /// Steps of the run: the table's length.
    fn steps(&self) -> usize;

    /// The LR of the `step`-th update (from 0); past the end, the last step's.
    fn lr(&self, step: usize) -> f64;

    /// The momentum (or Adam's beta1) of the `step`-th update, for schedules that cycle it.
    fn momentum(&self, step: usize) -> Option<f64> {
        let _ = step;
        None
    }

    /// Every step's LR and momentum.
    fn table(&self) -> Vec<Row> {
        (0..self.steps())
            .map(|step| Row {
                step,
                lr: self.lr(step),
                momentum: self.momentum(step),
            })
            .collect()
    }
}

/// One step of a schedule's table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Row {
    /// The update's index, from 0.
    pub step: usize,
    /// Its LR.
    pub lr: f64,
    /// Its momentum, where the schedule has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub momentum: Option<f64>,
}

/// Which schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ScheduleKind {
    /// The same LR throughout.
    Constant,
    /// The one-cycle policy (PyTorch's `OneCycleLR`, or fastai's `fit_one_cycle`).
    Onecycle,
    /// Cosine annealing to a floor, after an optional linear warm-up.
    Cosine,
    /// Cosine annealing with warm restarts (SGDR).
    CosineRestarts,
    /// `lr gamma^t`.
    Exponential,
    /// Multiplied by `gamma` every `step_size` steps.
    Step,
    /// Multiplied by `gamma` at each milestone.
    Multistep,
    /// Constant pieces between boundaries (Keras' `PiecewiseConstantDecay`).
    Piecewise,
    /// Polynomial decay to zero.
    Poly,
    /// `lr / (1 + rate t / decay_steps)^power`.
    InverseTime,
    /// Triangles between a floor and the LR (`CyclicLR`).
    Cyclic,
    /// Warm-up, a long stable stretch, then a short cooldown.
    Wsd,
    /// Cut by a factor when a metric stops improving (`ReduceLROnPlateau`).
    Plateau,
}

impl ScheduleKind {
    /// Every kind, in the order above.
    pub const ALL: [ScheduleKind; 13] = [
        ScheduleKind::Constant,
        ScheduleKind::Onecycle,
        ScheduleKind::Cosine,
        ScheduleKind::CosineRestarts,
        ScheduleKind::Exponential,
        ScheduleKind::Step,
        ScheduleKind::Multistep,
        ScheduleKind::Piecewise,
        ScheduleKind::Poly,
        ScheduleKind::InverseTime,
        ScheduleKind::Cyclic,
        ScheduleKind::Wsd,
        ScheduleKind::Plateau,
    ];

    /// The kind's name, as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            ScheduleKind::Constant => "constant",
            ScheduleKind::Onecycle => "onecycle",
            ScheduleKind::Cosine => "cosine",
            ScheduleKind::CosineRestarts => "cosine-restarts",
            ScheduleKind::Exponential => "exponential",
            ScheduleKind::Step => "step",
            ScheduleKind::Multistep => "multistep",
            ScheduleKind::Piecewise => "piecewise",
            ScheduleKind::Poly => "poly",
            ScheduleKind::InverseTime => "inverse-time",
            ScheduleKind::Cyclic => "cyclic",
            ScheduleKind::Wsd => "wsd",
            ScheduleKind::Plateau => "plateau",
        }
    }
}

impl std::fmt::Display for ScheduleKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A built schedule of any tabulated kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// See [`constant`].
    Constant(Constant),
    /// See [`onecycle`].
    OneCycle(OneCycle),
    /// See [`cosine`].
    Cosine(Cosine),
    /// See [`restarts`].
    CosineRestarts(CosineRestarts),
    /// See [`decay`].
    Exponential(ExponentialDecay),
    /// See [`decay`].
    Step(StepDecay),
    /// See [`decay`].
    MultiStep(MultiStep),
    /// See [`piecewise`].
    Piecewise(Piecewise),
    /// See [`poly`].
    Poly(Poly),
    /// See [`inverse_time`].
    InverseTime(InverseTime),
    /// See [`cyclic`].
    Cyclic(Cyclic),
    /// See [`wsd`].
    Wsd(Wsd),
}

macro_rules! each {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            Schedule::Constant($s) => $e,
            Schedule::OneCycle($s) => $e,
            Schedule::Cosine($s) => $e,
            Schedule::CosineRestarts($s) => $e,
            Schedule::Exponential($s) => $e,
            Schedule::Step($s) => $e,
            Schedule::MultiStep($s) => $e,
            Schedule::Piecewise($s) => $e,
            Schedule::Poly($s) => $e,
            Schedule::InverseTime($s) => $e,
            Schedule::Cyclic($s) => $e,
            Schedule::Wsd($s) => $e,
        }
    };
}

impl LrSchedule for Schedule {
    fn steps(&self) -> usize {
        each!(self, s => s.steps())
    }

    fn lr(&self, step: usize) -> f64 {
        each!(self, s => s.lr(step))
    }

    fn momentum(&self, step: usize) -> Option<f64> {
        each!(self, s => s.momentum(step))
    }
}

impl Schedule {
    /// Which kind it is.
    pub fn kind(&self) -> ScheduleKind {
        match self {
            Schedule::Constant(_) => ScheduleKind::Constant,
            Schedule::OneCycle(_) => ScheduleKind::Onecycle,
            Schedule::Cosine(_) => ScheduleKind::Cosine,
            Schedule::CosineRestarts(_) => ScheduleKind::CosineRestarts,
            Schedule::Exponential(_) => ScheduleKind::Exponential,
            Schedule::Step(_) => ScheduleKind::Step,
            Schedule::MultiStep(_) => ScheduleKind::Multistep,
            Schedule::Piecewise(_) => ScheduleKind::Piecewise,
            Schedule::Poly(_) => ScheduleKind::Poly,
            Schedule::InverseTime(_) => ScheduleKind::InverseTime,
            Schedule::Cyclic(_) => ScheduleKind::Cyclic,
            Schedule::Wsd(_) => ScheduleKind::Wsd,
        }
    }

    /// The schedule at a glance, from its table.
    pub fn summary(&self) -> Summary {
        let steps = self.steps();
        let (mut peak, mut peak_step, mut low) = (f64::NEG_INFINITY, 0, f64::INFINITY);
        for step in 0..steps {
            let lr = self.lr(step);
            if lr > peak {
                peak = lr;
                peak_step = step;
            }
            low = low.min(lr);
        }
        Summary {
            kind: self.kind(),
            steps,
            peak_lr: peak,
            start_lr: self.lr(0),
            final_lr: self.lr(steps - 1),
            min_lr: low,
            warmup_steps: peak_step,
            momentum: self.momentum(0).is_some(),
        }
    }
}

/// A built schedule at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    /// Which schedule.
    pub kind: ScheduleKind,
    /// Steps of the run.
    pub steps: usize,
    /// The highest LR of the run.
    pub peak_lr: f64,
    /// The first step's LR.
    pub start_lr: f64,
    /// The last step's LR.
    pub final_lr: f64,
    /// The lowest LR of the run.
    pub min_lr: f64,
    /// Steps before the first step at the peak LR: the warm-up, or the rise of a one-cycle or a
    /// cyclic schedule (0 for schedules that start at their peak).
    pub warmup_steps: usize,
    /// Whether the schedule also gives a momentum per step.
    pub momentum: bool,
}

/// Asserts that `result` failed on `setting`.
#[cfg(test)]
pub(crate) fn assert_setting<T: std::fmt::Debug>(
    result: crate::Result<T>,
    setting: crate::error::Setting,
) {
    match result {
        Err(crate::Error::Config {
            setting: s,
            message,
        }) => {
            assert_eq!(s, setting, "wrong setting named: {message}")
        }
        other => panic!("expected an error on {setting}, got {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_match_clap_and_serde() {
        use clap::ValueEnum;
        for kind in ScheduleKind::ALL {
            let clap_name = kind.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(clap_name, kind.name());
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.name());
        }
    }

    #[test]
    fn summary_of_a_warm_cosine() {
        let mut c = CosineConfig::new(0.1, 100);
        c.warmup = 10;
        c.min_lr = 0.001;
        let s = Schedule::Cosine(c.build().unwrap()).summary();
        assert_eq!(s.kind, ScheduleKind::Cosine);
        assert_eq!(s.steps, 100);
        assert_eq!(s.peak_lr, 0.1);
        assert_eq!(s.warmup_steps, 10);
        assert!((s.start_lr - 0.1 / 3.0).abs() < 1e-15);
        assert!(s.final_lr > 0.001 && s.final_lr < 0.0011);
        assert_eq!(s.min_lr, s.final_lr);
        assert!(!s.momentum);
    }
}
