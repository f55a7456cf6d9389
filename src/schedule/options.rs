//! One entry point for every tabulated kind: [`build`] takes the kind, the LR, the steps and the
//! optional settings a caller collected (the command line's flags, say), fills in each kind's
//! framework defaults, and refuses a setting the kind does not read rather than ignore it.

use super::{
    Anneal, ConstantConfig, CosineConfig, CosineRestartsConfig, CyclicConfig, CyclicMode,
    DecayShape, ExponentialDecayConfig, InverseTimeConfig, MultiStepConfig, OneCycleConfig,
    OneCycleVariant, PiecewiseConfig, PolyConfig, Schedule, ScheduleKind, StepDecayConfig,
    WsdConfig,
};
use crate::error::{Error, Message, Result, Setting};

/// The settings of a schedule beyond its LR and steps; `None` (or `false`) leaves a kind's
/// default. Each kind reads only its own; see [`build`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScheduleOptions {
    /// Floor LR: cosine, cosine-restarts, wsd; cyclic's bottom (required there).
    pub min_lr: Option<f64>,
    /// Warm-up steps: cosine.
    pub warmup: Option<usize>,
    /// The warm-up's first LR as a fraction of the peak: cosine.
    pub warmup_start_factor: Option<f64>,
    /// onecycle.
    pub variant: Option<OneCycleVariant>,
    /// onecycle.
    pub pct_start: Option<f64>,
    /// onecycle.
    pub div: Option<f64>,
    /// onecycle.
    pub final_div: Option<f64>,
    /// onecycle (PyTorch's only).
    pub three_phase: bool,
    /// onecycle.
    pub anneal: Option<Anneal>,
    /// onecycle: `Some(false)` turns the momentum column off.
    pub cycle_momentum: Option<bool>,
    /// onecycle.
    pub base_momentum: Option<f64>,
    /// onecycle.
    pub max_momentum: Option<f64>,
    /// cosine-restarts (required).
    pub period: Option<usize>,
    /// cosine-restarts.
    pub period_mult: Option<usize>,
    /// exponential (required), step, multistep, cyclic (exp-range).
    pub gamma: Option<f64>,
    /// step (required).
    pub step_size: Option<usize>,
    /// multistep (required).
    pub milestones: Option<Vec<usize>>,
    /// piecewise (required).
    pub boundaries: Option<Vec<usize>>,
    /// piecewise (required): multipliers of the LR.
    pub values: Option<Vec<f64>>,
    /// poly, inverse-time.
    pub power: Option<f64>,
    /// inverse-time.
    pub decay_rate: Option<f64>,
    /// inverse-time (required).
    pub decay_steps: Option<usize>,
    /// inverse-time.
    pub staircase: bool,
    /// cyclic.
    pub step_size_up: Option<usize>,
    /// cyclic.
    pub step_size_down: Option<usize>,
    /// cyclic.
    pub mode: Option<CyclicMode>,
    /// wsd: warm-up, stable and decay fractions.
    pub fractions: Option<[f64; 3]>,
    /// wsd.
    pub decay_shape: Option<DecayShape>,
}

impl ScheduleOptions {
    /// The settings given, in the order of the struct.
    fn given(&self) -> Vec<Setting> {
        let mut out = Vec::new();
        let mut add = |set: bool, s: Setting| {
            if set {
                out.push(s)
            }
        };
        add(self.min_lr.is_some(), Setting::MinLr);
        add(self.warmup.is_some(), Setting::Warmup);
        add(
            self.warmup_start_factor.is_some(),
            Setting::WarmupStartFactor,
        );
        add(self.variant.is_some(), Setting::Variant);
        add(self.pct_start.is_some(), Setting::PctStart);
        add(self.div.is_some(), Setting::Div);
        add(self.final_div.is_some(), Setting::FinalDiv);
        add(self.three_phase, Setting::ThreePhase);
        add(self.anneal.is_some(), Setting::Anneal);
        add(self.cycle_momentum.is_some(), Setting::CycleMomentum);
        add(self.base_momentum.is_some(), Setting::BaseMomentum);
        add(self.max_momentum.is_some(), Setting::MaxMomentum);
        add(self.period.is_some(), Setting::Period);
        add(self.period_mult.is_some(), Setting::PeriodMult);
        add(self.gamma.is_some(), Setting::Gamma);
        add(self.step_size.is_some(), Setting::StepSize);
        add(self.milestones.is_some(), Setting::Milestones);
        add(self.boundaries.is_some(), Setting::Boundaries);
        add(self.values.is_some(), Setting::Values);
        add(self.power.is_some(), Setting::Power);
        add(self.decay_rate.is_some(), Setting::DecayRate);
        add(self.decay_steps.is_some(), Setting::DecaySteps);
        add(self.staircase, Setting::Staircase);
        add(self.step_size_up.is_some(), Setting::StepSizeUp);
        add(self.step_size_down.is_some(), Setting::StepSizeDown);
        add(self.mode.is_some(), Setting::Mode);
        add(self.fractions.is_some(), Setting::Fractions);
        add(self.decay_shape.is_some(), Setting::DecayShape);
        out
    }
}

/// The settings each kind reads, beyond the LR and steps.
pub fn settings_of(kind: ScheduleKind) -> &'static [Setting] {
    use Setting::*;
    match kind {
        ScheduleKind::Constant => &[],
        ScheduleKind::Onecycle => &[
            Variant,
            PctStart,
            Div,
            FinalDiv,
            ThreePhase,
            Anneal,
            CycleMomentum,
            BaseMomentum,
            MaxMomentum,
        ],
        ScheduleKind::Cosine => &[MinLr, Warmup, WarmupStartFactor],
        ScheduleKind::CosineRestarts => &[MinLr, Period, PeriodMult],
        ScheduleKind::Exponential => &[Gamma],
        ScheduleKind::Step => &[StepSize, Gamma],
        ScheduleKind::Multistep => &[Milestones, Gamma],
        ScheduleKind::Piecewise => &[Boundaries, Values],
        ScheduleKind::Poly => &[Power],
        ScheduleKind::InverseTime => &[DecaySteps, DecayRate, Power, Staircase],
        ScheduleKind::Cyclic => &[MinLr, StepSizeUp, StepSizeDown, Mode, Gamma],
        ScheduleKind::Wsd => &[MinLr, Fractions, DecayShape],
        ScheduleKind::Plateau => &[],
    }
}

fn required<T>(value: Option<T>, setting: Setting, kind: ScheduleKind) -> Result<T> {
    value.ok_or_else(|| Error::config(setting, format!("`{kind}` needs it; it has no default")))
}

/// Builds schedule `kind` with peak (or base) LR `lr` over `steps` steps.
///
/// Unset options take the framework defaults of each kind's config (`OneCycleConfig::new`,
/// `CosineConfig::new`, ...). Errors: a setting the kind does not read (named, with the kinds
/// that read it), a required setting missing (`period`, `gamma` for exponential, `step_size`,
/// `milestones`, `boundaries` and `values`, `decay_steps`, cyclic's `min_lr`), `plateau` (which
/// follows a metric: build a [`PlateauConfig`](super::PlateauConfig)), and every check of the
/// kind's `build`.
pub fn build(
    kind: ScheduleKind,
    lr: f64,
    steps: usize,
    options: &ScheduleOptions,
) -> Result<Schedule> {
    if kind == ScheduleKind::Plateau {
        return Err(Error::config(
            Setting::Schedule,
            "`plateau` follows a metric reported during training, so it has no table before \
             training",
        ));
    }
    let reads = settings_of(kind);
    if let Some(&extra) = options.given().iter().find(|s| !reads.contains(s)) {
        let readers: Vec<&str> = ScheduleKind::ALL
            .iter()
            .filter(|k| settings_of(**k).contains(&extra))
            .map(|k| k.name())
            .collect();
        return Err(Error::config(
            extra,
            Message::new(format!(
                "does not apply to `{kind}`; it is read by {} (",
                readers.join(", ")
            ))
            .setting(Setting::Schedule)
            .text(")"),
        ));
    }
    let o = options;
    Ok(match kind {
        ScheduleKind::Constant => Schedule::Constant(ConstantConfig::new(lr, steps).build()?),
        ScheduleKind::Onecycle => {
            let mut c = match o.variant.unwrap_or(OneCycleVariant::Pytorch) {
                OneCycleVariant::Pytorch => OneCycleConfig::new(lr, steps),
                OneCycleVariant::Fastai => OneCycleConfig::fastai(lr, steps),
            };
            c.pct_start = o.pct_start.unwrap_or(c.pct_start);
            c.div = o.div.unwrap_or(c.div);
            c.final_div = o.final_div.unwrap_or(c.final_div);
            c.three_phase = o.three_phase;
            c.anneal = o.anneal.unwrap_or(c.anneal);
            c.cycle_momentum = o.cycle_momentum.unwrap_or(c.cycle_momentum);
            c.base_momentum = o.base_momentum.unwrap_or(c.base_momentum);
            c.max_momentum = o.max_momentum.unwrap_or(c.max_momentum);
            Schedule::OneCycle(c.build()?)
        }
        ScheduleKind::Cosine => {
            let mut c = CosineConfig::new(lr, steps);
            c.min_lr = o.min_lr.unwrap_or(c.min_lr);
            c.warmup = o.warmup.unwrap_or(c.warmup);
            c.warmup_start_factor = o.warmup_start_factor.unwrap_or(c.warmup_start_factor);
            Schedule::Cosine(c.build()?)
        }
        ScheduleKind::CosineRestarts => {
            let period = required(o.period, Setting::Period, kind)?;
            let mut c = CosineRestartsConfig::new(lr, steps, period);
            c.min_lr = o.min_lr.unwrap_or(c.min_lr);
            c.period_mult = o.period_mult.unwrap_or(c.period_mult);
            Schedule::CosineRestarts(c.build()?)
        }
        ScheduleKind::Exponential => {
            let gamma = required(o.gamma, Setting::Gamma, kind)?;
            Schedule::Exponential(ExponentialDecayConfig::new(lr, steps, gamma).build()?)
        }
        ScheduleKind::Step => {
            let step_size = required(o.step_size, Setting::StepSize, kind)?;
            let mut c = StepDecayConfig::new(lr, steps, step_size);
            c.gamma = o.gamma.unwrap_or(c.gamma);
            Schedule::Step(c.build()?)
        }
        ScheduleKind::Multistep => {
            let milestones = required(o.milestones.clone(), Setting::Milestones, kind)?;
            let mut c = MultiStepConfig::new(lr, steps, milestones);
            c.gamma = o.gamma.unwrap_or(c.gamma);
            Schedule::MultiStep(c.build()?)
        }
        ScheduleKind::Piecewise => {
            let boundaries = required(o.boundaries.clone(), Setting::Boundaries, kind)?;
            let values = required(o.values.clone(), Setting::Values, kind)?;
            Schedule::Piecewise(PiecewiseConfig::new(lr, steps, boundaries, values).build()?)
        }
        ScheduleKind::Poly => {
            let mut c = PolyConfig::new(lr, steps);
            c.power = o.power.unwrap_or(c.power);
            Schedule::Poly(c.build()?)
        }
        ScheduleKind::InverseTime => {
            let decay_steps = required(o.decay_steps, Setting::DecaySteps, kind)?;
            let mut c = InverseTimeConfig::new(lr, steps, decay_steps);
            c.decay_rate = o.decay_rate.unwrap_or(c.decay_rate);
            c.power = o.power.unwrap_or(c.power);
            c.staircase = o.staircase;
            Schedule::InverseTime(c.build()?)
        }
        ScheduleKind::Cyclic => {
            let min_lr = required(o.min_lr, Setting::MinLr, kind)?;
            let mut c = CyclicConfig::new(lr, steps, min_lr);
            c.step_size_up = o.step_size_up.unwrap_or(c.step_size_up);
            c.step_size_down = o.step_size_down;
            c.mode = o.mode.unwrap_or(c.mode);
            c.gamma = o.gamma.unwrap_or(c.gamma);
            Schedule::Cyclic(c.build()?)
        }
        ScheduleKind::Wsd => {
            let mut c = WsdConfig::new(lr, steps);
            c.min_lr = o.min_lr.unwrap_or(c.min_lr);
            c.fractions = o.fractions.unwrap_or(c.fractions);
            c.decay_shape = o.decay_shape.unwrap_or(c.decay_shape);
            Schedule::Wsd(c.build()?)
        }
        ScheduleKind::Plateau => unreachable!("refused above"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::{assert_setting, LrSchedule};

    #[test]
    fn defaults_are_the_frameworks() {
        let s = build(
            ScheduleKind::Onecycle,
            0.01,
            1000,
            &ScheduleOptions::default(),
        )
        .unwrap();
        let Schedule::OneCycle(s) = s else { panic!() };
        assert_eq!(*s.config(), OneCycleConfig::new(0.01, 1000));
        let o = ScheduleOptions {
            variant: Some(OneCycleVariant::Fastai),
            ..Default::default()
        };
        let Schedule::OneCycle(s) = build(ScheduleKind::Onecycle, 0.01, 1000, &o).unwrap() else {
            panic!()
        };
        assert_eq!(s.config().pct_start, 0.25);
        assert_eq!(s.config().final_div, 1e5);
    }

    #[test]
    fn every_tabulated_kind_builds_from_its_required_settings() {
        let o = ScheduleOptions {
            period: Some(100),
            ..Default::default()
        };
        let mut given = vec![(ScheduleKind::CosineRestarts, o)];
        given.push((
            ScheduleKind::Exponential,
            ScheduleOptions {
                gamma: Some(0.99),
                ..Default::default()
            },
        ));
        given.push((
            ScheduleKind::Step,
            ScheduleOptions {
                step_size: Some(300),
                ..Default::default()
            },
        ));
        given.push((
            ScheduleKind::Multistep,
            ScheduleOptions {
                milestones: Some(vec![500, 800]),
                ..Default::default()
            },
        ));
        given.push((
            ScheduleKind::Piecewise,
            ScheduleOptions {
                boundaries: Some(vec![500]),
                values: Some(vec![1.0, 0.1]),
                ..Default::default()
            },
        ));
        given.push((
            ScheduleKind::InverseTime,
            ScheduleOptions {
                decay_steps: Some(100),
                ..Default::default()
            },
        ));
        given.push((
            ScheduleKind::Cyclic,
            ScheduleOptions {
                min_lr: Some(0.001),
                ..Default::default()
            },
        ));
        for kind in [
            ScheduleKind::Constant,
            ScheduleKind::Onecycle,
            ScheduleKind::Cosine,
            ScheduleKind::Poly,
            ScheduleKind::Wsd,
        ] {
            given.push((kind, ScheduleOptions::default()));
        }
        for (kind, o) in given {
            let s = build(kind, 0.01, 1000, &o).unwrap();
            assert_eq!(s.kind(), kind);
            assert_eq!(s.table().len(), 1000);
            // Each required setting, left out, is named.
            if o != ScheduleOptions::default() {
                let e = build(kind, 0.01, 1000, &ScheduleOptions::default()).unwrap_err();
                assert!(matches!(e, Error::Config { .. }), "{e}");
            }
        }
    }

    #[test]
    fn refuses_settings_the_kind_does_not_read() {
        let o = ScheduleOptions {
            gamma: Some(0.5),
            ..Default::default()
        };
        let e = build(ScheduleKind::Cosine, 0.01, 100, &o).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid `gamma`: does not apply to `cosine`; it is read by exponential, step, \
             multistep, cyclic (`schedule`)"
        );
        let o = ScheduleOptions {
            three_phase: true,
            ..Default::default()
        };
        assert_setting(
            build(ScheduleKind::Poly, 0.01, 100, &o),
            Setting::ThreePhase,
        );
    }

    #[test]
    fn plateau_and_missing_settings() {
        let none = ScheduleOptions::default();
        assert_setting(
            build(ScheduleKind::Plateau, 0.01, 100, &none),
            Setting::Schedule,
        );
        assert_setting(
            build(ScheduleKind::CosineRestarts, 0.01, 100, &none),
            Setting::Period,
        );
        assert_setting(
            build(ScheduleKind::Exponential, 0.01, 100, &none),
            Setting::Gamma,
        );
        assert_setting(
            build(ScheduleKind::Step, 0.01, 100, &none),
            Setting::StepSize,
        );
        assert_setting(
            build(ScheduleKind::Multistep, 0.01, 100, &none),
            Setting::Milestones,
        );
        assert_setting(
            build(ScheduleKind::Piecewise, 0.01, 100, &none),
            Setting::Boundaries,
        );
        assert_setting(
            build(ScheduleKind::InverseTime, 0.01, 100, &none),
            Setting::DecaySteps,
        );
        assert_setting(
            build(ScheduleKind::Cyclic, 0.01, 100, &none),
            Setting::MinLr,
        );
    }
}
