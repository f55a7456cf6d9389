//! Property tests of the schedules: for random valid configs every table has `steps` entries, all
//! finite and within the kind's stated `[min, peak]`; any config, valid or not, builds or gives a
//! configuration error, never a panic; reduce-on-plateau only ever lowers the LR, never below its
//! floor.
//!
//! The range of each kind (`lr` the peak or base LR, `T` the steps):
//!
//! | kind            | min                                       | peak          |
//! |-----------------|-------------------------------------------|---------------|
//! | constant        | lr                                        | lr            |
//! | onecycle        | PyTorch lr/(div final_div); fastai min(lr/div, lr/final_div) | lr |
//! | cosine          | min(min_lr, warmup_start_factor lr)       | lr            |
//! | cosine-restarts | min_lr                                    | lr            |
//! | exponential     | lr gamma^(T-1)                            | lr            |
//! | step            | lr gamma^floor((T-1)/step_size)           | lr            |
//! | multistep       | lr gamma^(milestones)                     | lr            |
//! | piecewise       | lr min(values)                            | lr max(values)|
//! | poly            | lr (1/T)^power                            | lr            |
//! | inverse-time    | lr / (1 + rate p(T-1))^power              | lr            |
//! | cyclic          | min_lr                                    | lr            |
//! | wsd             | min_lr                                    | lr            |
//!
//! and a one-cycle's momentum stays within [base_momentum, max_momentum].

use lrfind::error::Setting;
use lrfind::schedule::{
    build, settings_of, Anneal, CyclicMode, DecayShape, LrSchedule, OneCycleVariant, PlateauConfig,
    PlateauMode, Schedule, ScheduleKind, ScheduleOptions, ThresholdMode,
};
use lrfind::Error;
use proptest::prelude::*;

/// Relative slack for bounds computed in another order than the schedule's own arithmetic.
const SLACK: f64 = 1e-12;

/// A few ulps of the peak: PyTorch's linear anneal computes its last step as
/// `(low - peak) * 1.0 + peak`, which may land a rounding of `peak` below a tiny `low`, and
/// lrfind does as PyTorch does.
const ROUNDING: f64 = 4.0 * f64::EPSILON;

/// `[min, peak]` of a built schedule, from its config, by the table above.
fn range(s: &Schedule) -> (f64, f64) {
    let t = s.steps() as f64;
    match s {
        Schedule::Constant(c) => (c.config().lr, c.config().lr),
        Schedule::OneCycle(o) => {
            let c = o.config();
            let low = match c.variant {
                OneCycleVariant::Pytorch => c.lr / (c.div * c.final_div),
                OneCycleVariant::Fastai => (c.lr / c.div).min(c.lr / c.final_div),
            };
            (low, c.lr)
        }
        Schedule::Cosine(x) => {
            let c = x.config();
            let start = if c.warmup > 0 {
                c.warmup_start_factor * c.lr
            } else {
                c.lr
            };
            (c.min_lr.min(start), c.lr)
        }
        Schedule::CosineRestarts(r) => (r.config().min_lr, r.config().lr),
        Schedule::Exponential(e) => {
            let c = e.config();
            (c.lr * c.gamma.powf(t - 1.0), c.lr)
        }
        Schedule::Step(x) => {
            let c = x.config();
            let k = (s.steps() - 1) / c.step_size;
            (c.lr * c.gamma.powf(k as f64), c.lr)
        }
        Schedule::MultiStep(m) => {
            let c = m.config();
            (c.lr * c.gamma.powf(c.milestones.len() as f64), c.lr)
        }
        Schedule::Piecewise(p) => {
            let c = p.config();
            let lo = c.values.iter().cloned().fold(f64::INFINITY, f64::min);
            let hi = c.values.iter().cloned().fold(0.0, f64::max);
            (c.lr * lo, c.lr * hi)
        }
        Schedule::Poly(p) => {
            let c = p.config();
            (c.lr * (1.0 / t).powf(c.power), c.lr)
        }
        Schedule::InverseTime(i) => {
            let c = i.config();
            let mut p = (t - 1.0) / c.decay_steps as f64;
            if c.staircase {
                p = p.floor();
            }
            (c.lr / (1.0 + c.decay_rate * p).powf(c.power), c.lr)
        }
        Schedule::Cyclic(y) => (y.config().min_lr, y.config().lr),
        Schedule::Wsd(w) => (w.config().min_lr, w.config().lr),
    }
}

fn lr() -> impl Strategy<Value = f64> {
    (-6.0f64..1.0).prop_map(|e| 10f64.powf(e))
}

fn unit_open() -> impl Strategy<Value = f64> {
    0.01f64..0.99
}

/// A valid `(kind, lr, steps, options)`: every setting within its documented range.
fn valid() -> impl Strategy<Value = (ScheduleKind, f64, usize, ScheduleOptions)> {
    let steps = 2usize..3000;
    let kinds = prop_oneof![
        Just(ScheduleKind::Constant),
        Just(ScheduleKind::Onecycle),
        Just(ScheduleKind::Cosine),
        Just(ScheduleKind::CosineRestarts),
        Just(ScheduleKind::Exponential),
        Just(ScheduleKind::Step),
        Just(ScheduleKind::Multistep),
        Just(ScheduleKind::Piecewise),
        Just(ScheduleKind::Poly),
        Just(ScheduleKind::InverseTime),
        Just(ScheduleKind::Cyclic),
        Just(ScheduleKind::Wsd),
    ];
    (
        kinds,
        lr(),
        steps,
        any::<u64>(),
        0.0f64..1.0,
        unit_open(),
        unit_open(),
    )
        .prop_map(|(kind, lr, steps, seed, a, b, c)| {
            // Cheap deterministic choices from the seed, so one strategy covers every kind.
            let pick = |k: u64, n: u64| ((seed >> (k * 5)) % n) as usize;
            let mut o = ScheduleOptions::default();
            let mut steps = steps;
            match kind {
                ScheduleKind::Constant => {}
                ScheduleKind::Onecycle => {
                    if pick(0, 2) == 1 {
                        o.variant = Some(OneCycleVariant::Fastai);
                        o.pct_start = Some(0.05 + 0.9 * a);
                    } else {
                        o.three_phase = pick(1, 2) == 1;
                        o.anneal = Some([Anneal::Cos, Anneal::Linear][pick(2, 2)]);
                        // Every phase at least one step long.
                        let max_pct = if o.three_phase { 0.45 } else { 0.9 };
                        o.pct_start = Some(0.05 + (max_pct - 0.05) * a);
                        steps = steps.max(50);
                    }
                    o.div = Some(1.0 + 100.0 * b);
                    o.final_div = Some(1.0 + 1e5 * c);
                    o.base_momentum = Some(0.8 * b);
                    o.max_momentum = Some(0.8 * b + 0.19 * c);
                }
                ScheduleKind::Cosine => {
                    o.min_lr = Some(lr * a);
                    o.warmup = Some(pick(0, steps as u64));
                    o.warmup_start_factor = Some(b);
                }
                ScheduleKind::CosineRestarts => {
                    o.min_lr = Some(lr * a);
                    o.period = Some(1 + pick(0, steps as u64));
                    o.period_mult = Some(1 + pick(1, 4));
                }
                ScheduleKind::Exponential => o.gamma = Some(0.9 + 0.1 * c),
                ScheduleKind::Step => {
                    o.step_size = Some(1 + pick(0, steps as u64 - 1));
                    o.gamma = Some(b);
                }
                ScheduleKind::Multistep => {
                    let mut m: Vec<usize> = (0..1 + pick(0, 5))
                        .map(|k| 1 + pick(k as u64 + 1, steps as u64 - 1))
                        .collect();
                    m.sort();
                    m.dedup();
                    o.milestones = Some(m);
                    o.gamma = Some(b);
                }
                ScheduleKind::Piecewise => {
                    let mut bs: Vec<usize> = (0..1 + pick(0, 5))
                        .map(|k| pick(k as u64 + 1, steps as u64 - 1))
                        .collect();
                    bs.sort();
                    bs.dedup();
                    o.values = Some(
                        (0..=bs.len())
                            .map(|k| 0.01 + (k as f64 * b + a) % 1.5)
                            .collect(),
                    );
                    o.boundaries = Some(bs);
                }
                ScheduleKind::Poly => o.power = Some(0.1 + 4.0 * a),
                ScheduleKind::InverseTime => {
                    o.decay_steps = Some(1 + pick(0, 1000));
                    o.decay_rate = Some(0.01 + 5.0 * a);
                    o.power = Some(0.1 + 3.0 * b);
                    o.staircase = pick(1, 2) == 1;
                }
                ScheduleKind::Cyclic => {
                    o.min_lr = Some(lr * a);
                    o.step_size_up = Some(1 + pick(0, 500));
                    o.step_size_down = (pick(1, 2) == 1).then(|| 1 + pick(2, 500));
                    o.mode = Some(
                        [
                            CyclicMode::Triangular,
                            CyclicMode::Triangular2,
                            CyclicMode::ExpRange,
                        ][pick(3, 3)],
                    );
                    if o.mode == Some(CyclicMode::ExpRange) {
                        o.gamma = Some(0.99 + 0.01 * c);
                    }
                }
                ScheduleKind::Wsd => {
                    o.min_lr = Some(lr * a);
                    let w = 0.5 * b;
                    let s = (1.0 - w) * c;
                    o.fractions = Some([w, s, (1.0 - w - s) * (0.5 + a / 2.0)]);
                    o.decay_shape = Some(
                        [
                            DecayShape::Linear,
                            DecayShape::Cosine,
                            DecayShape::OneMinusSqrt,
                        ][pick(1, 3)],
                    );
                }
                ScheduleKind::Plateau => unreachable!(),
            }
            (kind, lr, steps, o)
        })
}

/// Floats a user could type, including every invalid kind.
fn any_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        Just(-1.0),
        Just(1.0),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::MIN_POSITIVE),
        Just(f64::MAX),
        -10.0f64..10.0,
        (-12.0f64..3.0).prop_map(|e| 10f64.powf(e)),
    ]
}

fn any_count() -> impl Strategy<Value = usize> {
    prop_oneof![Just(0usize), Just(1), Just(usize::MAX), 0usize..3000]
}

fn any_options() -> impl Strategy<Value = ScheduleOptions> {
    let floats = proptest::collection::vec(proptest::option::of(any_float()), 12);
    let counts = proptest::collection::vec(proptest::option::of(any_count()), 8);
    let lists = (
        proptest::option::of(proptest::collection::vec(0usize..3000, 0..5)),
        proptest::option::of(proptest::collection::vec(0usize..3000, 0..5)),
        proptest::option::of(proptest::collection::vec(any_float(), 0..6)),
    );
    (floats, counts, lists, any::<u8>()).prop_map(|(f, n, (m, bs, vs), bits)| ScheduleOptions {
        min_lr: f[0],
        warmup: n[0],
        warmup_start_factor: f[1],
        variant: (bits & 1 == 1).then_some(OneCycleVariant::Fastai),
        pct_start: f[2],
        div: f[3],
        final_div: f[4],
        three_phase: bits & 2 == 2,
        anneal: (bits & 4 == 4).then_some(Anneal::Linear),
        cycle_momentum: (bits & 8 == 8).then_some(false),
        base_momentum: f[5],
        max_momentum: f[6],
        period: n[1],
        period_mult: n[2],
        gamma: f[7],
        step_size: n[3],
        milestones: m,
        boundaries: bs,
        values: vs,
        power: f[8],
        decay_rate: f[9],
        decay_steps: n[4],
        staircase: bits & 16 == 16,
        step_size_up: n[5],
        step_size_down: n[6],
        mode: (bits & 32 == 32).then_some(CyclicMode::ExpRange),
        fractions: f[10].map(|x| [x, f[11].unwrap_or(0.5), 0.1]),
        decay_shape: (bits & 64 == 64).then_some(DecayShape::OneMinusSqrt),
    })
}

/// `o` with only the settings `kind` reads, so that most random configs get as far as the kind's
/// own checks (a setting a kind does not read is refused before them).
fn only_read_by(kind: ScheduleKind, mut o: ScheduleOptions) -> ScheduleOptions {
    let reads = settings_of(kind);
    let keep = |s: Setting| reads.contains(&s);
    macro_rules! clear {
        ($($field:ident: $setting:ident = $none:expr),* $(,)?) => {
            $(if !keep(Setting::$setting) { o.$field = $none; })*
        };
    }
    clear!(
        min_lr: MinLr = None, warmup: Warmup = None, warmup_start_factor: WarmupStartFactor = None,
        variant: Variant = None, pct_start: PctStart = None, div: Div = None,
        final_div: FinalDiv = None, three_phase: ThreePhase = false, anneal: Anneal = None,
        cycle_momentum: CycleMomentum = None, base_momentum: BaseMomentum = None,
        max_momentum: MaxMomentum = None, period: Period = None, period_mult: PeriodMult = None,
        gamma: Gamma = None, step_size: StepSize = None, milestones: Milestones = None,
        boundaries: Boundaries = None, values: Values = None, power: Power = None,
        decay_rate: DecayRate = None, decay_steps: DecaySteps = None,
        staircase: Staircase = false, step_size_up: StepSizeUp = None,
        step_size_down: StepSizeDown = None, mode: Mode = None, fractions: Fractions = None,
        decay_shape: DecayShape = None,
    );
    o
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn valid_configs_stay_in_range((kind, lr, steps, o) in valid()) {
        let s = build(kind, lr, steps, &o);
        prop_assert!(s.is_ok(), "{kind} {lr} {steps} {o:?}: {}", s.unwrap_err());
        let s = s.unwrap();
        let (lo, hi) = range(&s);
        let table = s.table();
        prop_assert_eq!(table.len(), steps);
        for row in &table {
            prop_assert!(row.lr.is_finite() && row.lr >= 0.0, "step {}: {}", row.step, row.lr);
            prop_assert!(
                row.lr >= lo * (1.0 - SLACK) - ROUNDING * hi && row.lr <= hi * (1.0 + SLACK),
                "{kind} step {}: {} outside [{lo}, {hi}] ({o:?})", row.step, row.lr
            );
            if let (Some(m), Schedule::OneCycle(oc)) = (row.momentum, &s) {
                let c = oc.config();
                prop_assert!(
                    m >= c.base_momentum * (1.0 - SLACK) && m <= c.max_momentum * (1.0 + SLACK),
                    "momentum {m} at {}", row.step
                );
            }
        }
        let summary = s.summary();
        prop_assert_eq!(summary.steps, steps);
        prop_assert!(summary.peak_lr <= hi * (1.0 + SLACK));
        prop_assert!(summary.min_lr >= lo * (1.0 - SLACK) - ROUNDING * hi);
        prop_assert!(summary.warmup_steps < steps);
        // Past the end, the last step's LR.
        prop_assert_eq!(s.lr(steps + 7), table[steps - 1].lr);
    }

    #[test]
    fn any_config_builds_or_is_a_config_error(
        kind in proptest::sample::select(ScheduleKind::ALL.to_vec()),
        lr in any_float(),
        steps in prop_oneof![Just(0usize), Just(1), 0usize..2000],
        o in any_options(),
        restrict in any::<bool>(),
    ) {
        let o = if restrict { only_read_by(kind, o) } else { o };
        match build(kind, lr, steps, &o) {
            Ok(s) => {
                let table = s.table();
                prop_assert_eq!(table.len(), steps);
                prop_assert!(table.iter().all(|r| r.lr.is_finite() && r.lr >= 0.0));
            }
            Err(Error::Config { .. }) => {}
            Err(other) => prop_assert!(false, "not a config error: {other}"),
        }
    }

    #[test]
    fn plateau_only_lowers_the_lr_to_its_floor(
        lr in lr(),
        factor in 0.01f64..0.99,
        patience in 0usize..5,
        cooldown in 0usize..4,
        floor in 0.0f64..1.0,
        max in any::<bool>(),
        abs in any::<bool>(),
        metrics in proptest::collection::vec(prop_oneof![any_float(), 0.0f64..1.0], 0..200),
    ) {
        let mut c = PlateauConfig::new(lr);
        c.factor = factor;
        c.patience = patience;
        c.cooldown = cooldown;
        c.min_lr = lr * floor;
        c.mode = if max { PlateauMode::Max } else { PlateauMode::Min };
        c.threshold_mode = if abs { ThresholdMode::Abs } else { ThresholdMode::Rel };
        let p = c.build().unwrap();
        let lrs = p.replay(&metrics);
        let mut last = lr;
        for &x in &lrs {
            prop_assert!(x <= last && x >= c.min_lr, "{x} after {last}, floor {}", c.min_lr);
            last = x;
        }
    }

    #[test]
    fn any_plateau_config_builds_or_is_a_config_error(
        lr in any_float(), factor in any_float(), threshold in any_float(),
        min_lr in any_float(), eps in any_float(),
    ) {
        let mut c = PlateauConfig::new(lr);
        c.factor = factor;
        c.threshold = threshold;
        c.min_lr = min_lr;
        c.eps = eps;
        match c.build() {
            Ok(mut p) => prop_assert!(p.step(1.0).is_finite()),
            Err(Error::Config { .. }) => {}
            Err(other) => prop_assert!(false, "not a config error: {other}"),
        }
    }
}
