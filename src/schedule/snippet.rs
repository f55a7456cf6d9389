//! The same schedule in another framework: a few lines that build it with these exact
//! parameters, in PyTorch, Keras 3, optax or burn, and the optimizer the LR is for with its
//! settings (an LR found for Adam is not handed to SGD). Where the framework has the schedule, the
//! snippet is its constructor; where it lacks it, the closest composition or a short function with
//! lrfind's formula, said in a comment. Where the framework's optimizer differs from lrfind's (from
//! `torch.optim`'s), a comment says how.
//!
//! Conventions, so that bench/check_snippets.py can run the Python ones: PyTorch snippets take a
//! `model` and define `optimizer` and `scheduler` (call `scheduler.step()` after each
//! `optimizer.step()`); Keras snippets define `schedule` (a number or a `LearningRateSchedule`,
//! called with the optimizer's iteration count) and `optimizer`; optax snippets define `schedule`
//! (and `momentum` where it cycles) and `optimizer`; burn snippets define `scheduler`, anything
//! `Into<ModuleLrScheduler>` (what burn's learner takes), and `optimizer`, a config to `init()`
//! for the model. fastai's one-cycle is fastai code (on PyTorch) taking a `learn` whose training
//! set is one epoch of `steps` batches, and defining the `opt_func` to build it with.

use serde::Serialize;

use super::onecycle::{Anneal, OneCycleVariant};
use super::wsd::DecayShape;
use super::{CyclicMode, Schedule};
use crate::optim::{OptimizerConfig, OptimizerKind, RMSPROP_ALPHA};

/// A framework a snippet is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Framework {
    /// PyTorch's `torch.optim.lr_scheduler` (fastai for fastai's one-cycle).
    Pytorch,
    /// Keras 3's `keras.optimizers.schedules`.
    Keras,
    /// optax's schedules (JAX).
    Optax,
    /// burn's `burn::optim::lr_scheduler`.
    Burn,
}

impl Framework {
    /// Every framework.
    pub const ALL: [Framework; 4] = [
        Framework::Pytorch,
        Framework::Keras,
        Framework::Optax,
        Framework::Burn,
    ];
}

/// A float as Python and Rust both read it back exactly (`0.01`, `1e-5`, `25.0`).
fn num(x: f64) -> String {
    format!("{x:?}")
}

fn list<T: std::fmt::Debug>(xs: impl IntoIterator<Item = T>) -> String {
    let items: Vec<String> = xs.into_iter().map(|x| format!("{x:?}")).collect();
    format!("[{}]", items.join(", "))
}

const PI: &str = "3.141592653589793";

/// `text` as comment lines of at most 99 characters, each starting with `marker` (`#`, `//`).
fn comment(marker: &str, text: &str) -> String {
    let mut out = String::new();
    let mut line = marker.to_string();
    for word in text.split_whitespace() {
        if line.len() > marker.len() && line.len() + 1 + word.len() > 99 {
            out += &line;
            out.push('\n');
            line = marker.to_string();
        }
        line.push(' ');
        line += word;
    }
    out += &line;
    out.push('\n');
    out
}

/// The lines that build `schedule`, and `optimizer` stepped by it, in `framework`.
pub fn snippet(schedule: &Schedule, optimizer: &OptimizerConfig, framework: Framework) -> String {
    let mut out = match framework {
        Framework::Pytorch => pytorch(schedule, optimizer),
        Framework::Keras => keras(schedule, optimizer),
        Framework::Optax => optax(schedule, optimizer),
        Framework::Burn => burn(schedule, optimizer),
    };
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Formulas as Python function bodies over `step` (a float) and `xp` (numpy, jax.numpy or
// keras.ops), for the frameworks that lack a schedule.

/// Python lines computing the LR at `step`, ending in `return`.
fn py_lr_body(s: &Schedule) -> Option<String> {
    Some(match s {
        Schedule::OneCycle(o) => {
            let c = o.config();
            let (lr0, peak, low) = (o.initial_lr(), c.lr, o.final_lr());
            match c.variant {
                OneCycleVariant::Pytorch => onecycle_body(o, (lr0, peak, low), false),
                OneCycleVariant::Fastai => fastai_body(c.steps, c.pct_start, (lr0, peak, low)),
            }
        }
        Schedule::Piecewise(p) => {
            let c = p.config();
            let mut expr = num(c.lr * c.values[c.values.len() - 1]);
            for (b, v) in c.boundaries.iter().zip(&c.values).rev() {
                expr = format!("xp.where(step <= {b}, {}, {expr})", num(c.lr * v));
            }
            format!("    return {expr}\n")
        }
        Schedule::InverseTime(i) => {
            let c = i.config();
            let p = if c.staircase {
                format!("xp.floor(step / {})", c.decay_steps)
            } else {
                format!("step / {}", c.decay_steps)
            };
            let denom = format!("(1.0 + {} * {p})", num(c.decay_rate));
            if c.power == 1.0 {
                format!("    return {} / {denom}\n", num(c.lr))
            } else {
                format!("    return {} / {denom} ** {}\n", num(c.lr), num(c.power))
            }
        }
        Schedule::Cyclic(y) => {
            let c = y.config();
            let scale = match c.mode {
                CyclicMode::Triangular => "1.0".to_string(),
                CyclicMode::Triangular2 => "1 / 2.0 ** (cycle - 1)".to_string(),
                CyclicMode::ExpRange => format!("{} ** step", num(c.gamma)),
            };
            format!(
                "    total = {up} + {down}\n    ratio = {up} / total\n\
                 \x20   cycle = xp.floor(1 + step / total)\n    x = 1.0 + step / total - cycle\n\
                 \x20   s = xp.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))\n\
                 \x20   return {base} + ({peak} - {base}) * s * ({scale})\n",
                up = num(c.step_size_up as f64),
                down = num(y.step_size_down() as f64),
                base = num(c.min_lr),
                peak = num(c.lr),
            )
        }
        Schedule::Wsd(w) => {
            let c = w.config();
            let [a, b, d] = w.ends();
            let g = match c.decay_shape {
                DecayShape::Linear => "1.0 - p".to_string(),
                DecayShape::Cosine => format!("0.5 * (1.0 + xp.cos({PI} * p))"),
                DecayShape::OneMinusSqrt => "1.0 - xp.sqrt(p)".to_string(),
            };
            format!(
                "    r = {r}  # min_lr / lr\n\
                 \x20   warm = step / max({a}, 1) * (1.0 - r) + r\n\
                 \x20   p = xp.clip((step - {b}) / max({d} - {b}, 1), 0.0, 1.0)\n\
                 \x20   decay = ({g}) * (1.0 - r) + r\n\
                 \x20   factor = xp.where(step < {a}, warm, xp.where(step < {b}, 1.0, \
                 xp.where(step < {d}, decay, r)))\n\
                 \x20   return {lr} * factor\n",
                r = num(w.min_lr_ratio()),
                lr = num(c.lr),
            )
        }
        Schedule::Poly(p) => {
            let c = p.config();
            format!(
                "    return {} * (1.0 - xp.minimum(step, {t}) / {t}) ** {}\n",
                num(c.lr),
                num(c.power),
                t = c.steps
            )
        }
        _ => return None,
    })
}

/// PyTorch's one-cycle, two or three phases, as a Python body.
fn onecycle_body(o: &super::OneCycle, lrs: (f64, f64, f64), momentum: bool) -> String {
    let c = o.config();
    let t = c.steps as f64;
    let (lr0, peak, low) = lrs;
    let (mb, mm) = (c.base_momentum, c.max_momentum);
    let anneal = match c.anneal {
        Anneal::Cos => format!("b + (a - b) / 2.0 * (xp.cos({PI} * p) + 1)"),
        Anneal::Linear => "(b - a) * p + a".to_string(),
    };
    let mut out = format!("    def anneal(a, b, p):\n        return {anneal}\n");
    let e1 = c.pct_start * t - 1.0;
    if c.three_phase {
        let e2 = 2.0 * c.pct_start * t - 2.0;
        let (v1, v2, v3) = if momentum {
            ((mm, mb), (mb, mm), (mm, mm))
        } else {
            ((lr0, peak), (peak, lr0), (lr0, low))
        };
        out += &format!(
            "    e1, e2, e3 = {}, {}, {}\n\
             \x20   return xp.where(step <= e1, anneal({}, {}, step / e1),\n\
             \x20       xp.where(step <= e2, anneal({}, {}, (step - e1) / (e2 - e1)),\n\
             \x20       anneal({}, {}, (step - e2) / (e3 - e2))))\n",
            num(e1),
            num(e2),
            num(t - 1.0),
            num(v1.0),
            num(v1.1),
            num(v2.0),
            num(v2.1),
            num(v3.0),
            num(v3.1)
        );
    } else {
        let (v1, v2) = if momentum {
            ((mm, mb), (mb, mm))
        } else {
            ((lr0, peak), (peak, low))
        };
        out += &format!(
            "    e1, e2 = {}, {}\n\
             \x20   return xp.where(step <= e1, anneal({}, {}, step / e1),\n\
             \x20       anneal({}, {}, (step - e1) / (e2 - e1)))\n",
            num(e1),
            num(t - 1.0),
            num(v1.0),
            num(v1.1),
            num(v2.0),
            num(v2.1)
        );
    }
    out
}

/// fastai's `combined_cos` in f64 (fastai itself rounds the position to float32).
fn fastai_body(steps: usize, pct: f64, (start, peak, end): (f64, f64, f64)) -> String {
    format!(
        "    pos, pct = step / {steps}, {pct}\n\
         \x20   up = pos < pct\n\
         \x20   a, b = xp.where(up, {start}, {peak}), xp.where(up, {peak}, {end})\n\
         \x20   q = xp.where(up, pos / pct, (pos - pct) / (1 - pct))\n\
         \x20   return a + (1 + xp.cos({PI} * (1 - q))) * (b - a) / 2\n",
        pct = num(pct),
        start = num(start),
        peak = num(peak),
        end = num(end),
    )
}

/// Python lines computing a one-cycle's momentum at `step`.
fn py_momentum_body(s: &Schedule) -> Option<String> {
    match s {
        Schedule::OneCycle(o) if o.config().cycle_momentum => {
            let c = o.config();
            Some(match c.variant {
                OneCycleVariant::Pytorch => onecycle_body(o, (0.0, 0.0, 0.0), true),
                OneCycleVariant::Fastai => fastai_body(
                    c.steps,
                    c.pct_start,
                    (c.max_momentum, c.base_momentum, c.max_momentum),
                ),
            })
        }
        _ => None,
    }
}

fn kind_comment(s: &Schedule) -> String {
    format!("lrfind's `{}` formula", s.kind())
}

// ---------------------------------------------------------------------------------------------
// The optimizer, in each framework.

/// The comment line naming the optimizer, as the summary describes it.
fn optimizer_comment(marker: &str, o: &OptimizerConfig) -> String {
    comment(
        marker,
        &format!("the optimizer the LR is for: {}", o.describe()),
    )
}

/// Whether lrfind's weight decay is an L2 term in the gradient (every optimizer but AdamW), and
/// there is one.
fn l2(o: &OptimizerConfig) -> bool {
    o.weight_decay > 0.0 && o.kind != OptimizerKind::Adamw
}

/// Whether the optimizer has a momentum (or beta1) a one-cycle can cycle: lrfind's RMSprop and
/// Adagrad have none.
fn has_momentum(o: &OptimizerConfig) -> bool {
    matches!(
        o.kind,
        OptimizerKind::Sgd | OptimizerKind::Adam | OptimizerKind::Adamw
    )
}

/// `torch.optim`'s class for `o` and its settings after the LR, every one spelled out (AdamW's
/// own default weight decay is 0.01, lrfind's 0).
fn torch_optimizer(o: &OptimizerConfig) -> (&'static str, String) {
    let wd = num(o.weight_decay);
    let eps = num(o.eps);
    match o.kind {
        OptimizerKind::Sgd => (
            "SGD",
            format!(
                "momentum={}, nesterov={}, weight_decay={wd}",
                num(o.momentum),
                py_bool(o.nesterov)
            ),
        ),
        OptimizerKind::Adam | OptimizerKind::Adamw => (
            if o.kind == OptimizerKind::Adam {
                "Adam"
            } else {
                "AdamW"
            },
            format!(
                "betas=({}, {}), eps={eps}, weight_decay={wd}",
                num(o.beta1),
                num(o.beta2)
            ),
        ),
        OptimizerKind::Rmsprop => (
            "RMSprop",
            format!("alpha={RMSPROP_ALPHA:?}, eps={eps}, weight_decay={wd}"),
        ),
        OptimizerKind::Adagrad => ("Adagrad", format!("eps={eps}, weight_decay={wd}")),
    }
}

/// The Keras 3 optimizer stepping `schedule`.
fn keras_optimizer(o: &OptimizerConfig) -> String {
    let eps = num(o.eps);
    let (class, args, note) = match o.kind {
        OptimizerKind::Sgd => (
            "SGD",
            format!(
                "momentum={}, nesterov={}",
                num(o.momentum),
                py_bool(o.nesterov)
            ),
            None,
        ),
        OptimizerKind::Adam => (
            "Adam",
            format!(
                "beta_1={}, beta_2={}, epsilon={eps}",
                num(o.beta1),
                num(o.beta2)
            ),
            None,
        ),
        OptimizerKind::Adamw => (
            "AdamW",
            format!(
                "weight_decay={}, beta_1={}, beta_2={}, epsilon={eps}",
                num(o.weight_decay),
                num(o.beta1),
                num(o.beta2)
            ),
            None,
        ),
        OptimizerKind::Rmsprop => (
            "RMSprop",
            format!("rho={RMSPROP_ALPHA:?}, momentum=0.0, epsilon={eps}"),
            Some("Keras adds epsilon inside the square root (torch.optim outside it)"),
        ),
        OptimizerKind::Adagrad => (
            "Adagrad",
            format!("initial_accumulator_value=0.0, epsilon={eps}"),
            Some("Keras adds epsilon inside the square root (torch.optim outside it)"),
        ),
    };
    let mut out = optimizer_comment("#", o);
    if let Some(note) = note {
        out += &comment("#", note);
    }
    if l2(o) {
        let half = num(o.weight_decay / 2.0);
        out += &comment(
            "#",
            &format!(
                "lrfind's weight decay {} is an L2 term in the gradient, as torch.optim's; \
                 Keras' weight_decay is decoupled (AdamW's), so give each layer \
                 kernel_regularizer=keras.regularizers.L2({half}) and \
                 bias_regularizer=keras.regularizers.L2({half}) instead (L2(x) adds 2 x w to \
                 the gradient)",
                num(o.weight_decay)
            ),
        );
    }
    out + &format!("optimizer = keras.optimizers.{class}(learning_rate=schedule, {args})\n")
}

/// The optax optimizer stepping `schedule`, and `momentum` too when `momentum` is defined (a
/// one-cycle's, through `inject_hyperparams`).
fn optax_optimizer(o: &OptimizerConfig, momentum: bool) -> String {
    let eps = num(o.eps);
    let cycled = momentum && has_momentum(o);
    let mut out = optimizer_comment("#", o);
    let inner = match o.kind {
        OptimizerKind::Sgd => {
            let nesterov = if o.nesterov { ", nesterov=True" } else { "" };
            if cycled {
                let statics = if o.nesterov {
                    ", static_args=(\"nesterov\",)"
                } else {
                    ""
                };
                format!(
                    "optax.inject_hyperparams(optax.sgd{statics})(learning_rate=schedule, \
                     momentum=momentum{nesterov})"
                )
            } else if o.momentum > 0.0 {
                format!(
                    "optax.sgd(learning_rate=schedule, momentum={}{nesterov})",
                    num(o.momentum)
                )
            } else {
                "optax.sgd(learning_rate=schedule)".to_string()
            }
        }
        OptimizerKind::Adam | OptimizerKind::Adamw => {
            let name = if o.kind == OptimizerKind::Adam {
                "adam"
            } else {
                "adamw"
            };
            let decay = if o.kind == OptimizerKind::Adamw {
                format!(", weight_decay={}", num(o.weight_decay))
            } else {
                String::new()
            };
            let rest = format!("b2={}, eps={eps}{decay}", num(o.beta2));
            if cycled {
                format!(
                    "optax.inject_hyperparams(optax.{name})(learning_rate=schedule, \
                     b1=momentum, {rest})"
                )
            } else {
                format!(
                    "optax.{name}(learning_rate=schedule, b1={}, {rest})",
                    num(o.beta1)
                )
            }
        }
        OptimizerKind::Rmsprop => format!(
            "optax.rmsprop(learning_rate=schedule, decay={RMSPROP_ALPHA:?}, eps={eps}, \
             eps_in_sqrt=False)"
        ),
        OptimizerKind::Adagrad => {
            out += &comment(
                "#",
                "optax adds eps inside the square root (torch.optim outside it)",
            );
            format!(
                "optax.adagrad(learning_rate=schedule, initial_accumulator_value=0.0, eps={eps})"
            )
        }
    };
    if momentum && !cycled {
        out += &comment(
            "#",
            &format!(
                "{} has no momentum: the schedule's momentum is not applied",
                o.kind
            ),
        );
    }
    if l2(o) {
        out += &comment(
            "#",
            "lrfind's weight decay is an L2 term added to the gradient first, as torch.optim's",
        );
        format!(
            "{out}optimizer = optax.chain(optax.add_decayed_weights({}), {inner})\n",
            num(o.weight_decay)
        )
    } else {
        format!("{out}optimizer = {inner}\n")
    }
}

/// The burn optimizer config (`optimizer.init()` builds it for the model).
fn burn_optimizer(o: &OptimizerConfig) -> String {
    let eps = num(o.eps);
    let decay = |out: &mut String| {
        if o.weight_decay > 0.0 {
            *out += &format!(
                "\n    .with_weight_decay(Some(WeightDecayConfig::new({})))",
                num(o.weight_decay)
            );
        }
    };
    let (uses, mut build) = match o.kind {
        OptimizerKind::Sgd => {
            let mut b = "SgdConfig::new()".to_string();
            if o.momentum > 0.0 {
                b += &format!(
                    "\n    .with_momentum(Some(MomentumConfig {{\n        momentum: {},\n        \
                     dampening: 0.0,\n        nesterov: {},\n    }}))",
                    num(o.momentum),
                    o.nesterov
                );
            }
            let uses = if o.momentum > 0.0 {
                "use burn::optim::momentum::MomentumConfig;\nuse burn::optim::SgdConfig;\n"
            } else {
                "use burn::optim::SgdConfig;\n"
            };
            (uses, b)
        }
        OptimizerKind::Adam => (
            "use burn::optim::AdamConfig;\n",
            format!(
                "AdamConfig::new()\n    .with_beta_1({})\n    .with_beta_2({})\n    \
                 .with_epsilon({eps})",
                num(o.beta1),
                num(o.beta2)
            ),
        ),
        OptimizerKind::Adamw => (
            "use burn::optim::AdamWConfig;\n",
            format!(
                "AdamWConfig::new()\n    .with_beta_1({})\n    .with_beta_2({})\n    \
                 .with_epsilon({eps})\n    .with_weight_decay({})",
                num(o.beta1),
                num(o.beta2),
                num(o.weight_decay)
            ),
        ),
        OptimizerKind::Rmsprop => (
            "use burn::optim::RmsPropConfig;\n",
            format!(
                "RmsPropConfig::new()\n    .with_alpha({RMSPROP_ALPHA:?})\n    \
                 .with_momentum(0.0)\n    .with_epsilon({eps})"
            ),
        ),
        OptimizerKind::Adagrad => (
            "use burn::optim::AdaGradConfig;\n",
            format!("AdaGradConfig::new().with_epsilon({eps})"),
        ),
    };
    if o.kind != OptimizerKind::Adamw {
        decay(&mut build);
    }
    let decay_use = if l2(o) {
        "use burn::optim::decay::WeightDecayConfig;\n"
    } else {
        ""
    };
    format!(
        "\n{}{uses}{decay_use}\nlet optimizer = {build};\n",
        optimizer_comment("//", o)
    )
}

// ---------------------------------------------------------------------------------------------
// PyTorch.

fn pytorch(s: &Schedule, optimizer: &OptimizerConfig) -> String {
    let (class, settings) = torch_optimizer(optimizer);
    let opt = |lr: f64| {
        format!(
            "import torch\nfrom torch.optim import lr_scheduler\n\n{}\
             optimizer = torch.optim.{class}(model.parameters(), lr={}, {settings})\n",
            optimizer_comment("#", optimizer),
            num(lr)
        )
    };
    let after = "# call scheduler.step() after every optimizer.step()\n";
    let lambda = |base: f64, why: &str| {
        let body = py_lr_body(s).expect("a formula for every lambda kind");
        format!(
            "import numpy as xp\n{}\n{}\
             def lr_at(step):\n    step = float(step)\n{body}\n\
             scheduler = lr_scheduler.LambdaLR(optimizer, lambda step: float(lr_at(step)) / {})\n{after}",
            opt(base),
            comment("#", &format!("{why}: a LambdaLR with {}", kind_comment(s))),
            num(base)
        )
    };
    match s {
        Schedule::Constant(c) => format!(
            "{}scheduler = lr_scheduler.ConstantLR(optimizer, factor=1.0, total_iters=0)  \
             # or no scheduler at all\n",
            opt(c.config().lr)
        ),
        Schedule::OneCycle(o) => {
            let c = o.config();
            // OneCycleLR cycles SGD's momentum or Adam's beta1; RMSprop's momentum it would add,
            // and Adagrad has none (OneCycleLR refuses it).
            let cycle = c.cycle_momentum && has_momentum(optimizer);
            let no_cycle = if c.cycle_momentum && !cycle {
                comment(
                    "#",
                    &format!(
                        "{} has no momentum to cycle: the schedule's momentum is not applied",
                        optimizer.kind
                    ),
                )
            } else {
                String::new()
            };
            match c.variant {
                OneCycleVariant::Pytorch => format!(
                    "{}{no_cycle}scheduler = lr_scheduler.OneCycleLR(\n    optimizer, max_lr={}, total_steps={}, \
                     pct_start={}, anneal_strategy={:?},\n    cycle_momentum={}, base_momentum={}, \
                     max_momentum={}, div_factor={},\n    final_div_factor={}, three_phase={})\n{after}",
                    opt(c.lr),
                    num(c.lr),
                    c.steps,
                    num(c.pct_start),
                    match c.anneal {
                        Anneal::Cos => "cos",
                        Anneal::Linear => "linear",
                    },
                    py_bool(cycle),
                    num(c.base_momentum),
                    num(c.max_momentum),
                    num(c.div),
                    num(c.final_div),
                    py_bool(c.three_phase)
                ),
                OneCycleVariant::Fastai => format!(
                    "# fastai (on PyTorch); `learn` is a Learner whose training set is {} batches,\n\
                     # built with opt_func=opt_func: Learner(dls, model, opt_func=opt_func)\n\
                     from functools import partial\n\nimport torch\n\
                     from fastai.callback.schedule import fit_one_cycle\n\
                     from fastai.optimizer import OptimWrapper\n\n{}\
                     opt_func = partial(OptimWrapper, opt=partial(torch.optim.{class}, {settings}))\n\
                     learn.fit_one_cycle(1, lr_max={}, div={}, div_final={}, pct_start={}, \
                     moms=({}, {}, {}))\n{}",
                    c.steps,
                    optimizer_comment("#", optimizer),
                    num(c.lr),
                    num(c.div),
                    num(c.final_div),
                    num(c.pct_start),
                    num(c.max_momentum),
                    num(c.base_momentum),
                    num(c.max_momentum),
                    match (c.cycle_momentum, has_momentum(optimizer)) {
                        (true, true) => String::new(),
                        (false, _) => "# fastai always cycles momentum; lrfind's table leaves it out\n"
                            .to_string(),
                        (true, false) => comment(
                            "#",
                            &format!(
                                "fastai always cycles momentum, which {} does not have",
                                optimizer.kind
                            ),
                        ),
                    }
                ),
            }
        }
        Schedule::Cosine(x) => {
            let c = x.config();
            if c.warmup == 0 {
                format!(
                    "{}scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max={}, eta_min={})\n{after}",
                    opt(c.lr),
                    c.steps,
                    num(c.min_lr)
                )
            } else {
                format!(
                    "{}scheduler = lr_scheduler.SequentialLR(optimizer, [\n    \
                     lr_scheduler.LinearLR(optimizer, start_factor={}, total_iters={}),\n    \
                     lr_scheduler.CosineAnnealingLR(optimizer, T_max={}, eta_min={}),\n], \
                     milestones=[{}])\n{after}",
                    opt(c.lr),
                    num(c.warmup_start_factor),
                    c.warmup,
                    c.steps - c.warmup,
                    num(c.min_lr),
                    c.warmup
                )
            }
        }
        Schedule::CosineRestarts(r) => {
            let c = r.config();
            format!(
                "{}scheduler = lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0={}, T_mult={}, \
                 eta_min={})\n{after}",
                opt(c.lr),
                c.period,
                c.period_mult,
                num(c.min_lr)
            )
        }
        Schedule::Exponential(e) => {
            let c = e.config();
            format!(
                "{}scheduler = lr_scheduler.ExponentialLR(optimizer, gamma={})\n{after}",
                opt(c.lr),
                num(c.gamma)
            )
        }
        Schedule::Step(x) => {
            let c = x.config();
            format!(
                "{}scheduler = lr_scheduler.StepLR(optimizer, step_size={}, gamma={})\n{after}",
                opt(c.lr),
                c.step_size,
                num(c.gamma)
            )
        }
        Schedule::MultiStep(m) => {
            let c = m.config();
            format!(
                "{}scheduler = lr_scheduler.MultiStepLR(optimizer, milestones={}, gamma={})\n{after}",
                opt(c.lr),
                list(&c.milestones),
                num(c.gamma)
            )
        }
        Schedule::Piecewise(p) => {
            let c = p.config();
            format!(
                "import bisect\n{}\n# PyTorch has no piecewise-constant scheduler: Keras' \
                 PiecewiseConstantDecay as a LambdaLR\n\
                 boundaries, values = {}, {}\n\
                 scheduler = lr_scheduler.LambdaLR(optimizer, lambda step: values[bisect.bisect_left(boundaries, step)])\n{after}",
                opt(c.lr),
                list(&c.boundaries),
                list(&c.values),
            )
        }
        Schedule::Poly(p) => {
            let c = p.config();
            format!(
                "{}scheduler = lr_scheduler.PolynomialLR(optimizer, total_iters={}, power={})\n{after}",
                opt(c.lr),
                c.steps,
                num(c.power)
            )
        }
        Schedule::InverseTime(i) => lambda(
            i.config().lr,
            "PyTorch has no inverse-time decay (Keras' InverseTimeDecay)",
        ),
        Schedule::Cyclic(y) => {
            let c = y.config();
            let gamma = if c.mode == CyclicMode::ExpRange {
                format!(", gamma={}", num(c.gamma))
            } else {
                String::new()
            };
            format!(
                "{}scheduler = lr_scheduler.CyclicLR(\n    optimizer, base_lr={}, max_lr={}, \
                 step_size_up={}, step_size_down={},\n    mode={:?}{gamma}, cycle_momentum=False)\n{after}",
                opt(c.min_lr),
                num(c.min_lr),
                num(c.lr),
                c.step_size_up,
                y.step_size_down(),
                c.mode.pytorch_name()
            )
        }
        Schedule::Wsd(w) => {
            let c = w.config();
            let [a, b, d] = w.ends();
            lambda(
                c.lr,
                &format!(
                    "PyTorch has no WSD scheduler; transformers' get_wsd_schedule(optimizer, \
                     num_warmup_steps={a}, num_decay_steps={}, num_stable_steps={}, \
                     decay_type={:?}, min_lr_ratio={}) is the same",
                    d - b,
                    b - a,
                    c.decay_shape.name(),
                    num(w.min_lr_ratio())
                ),
            )
        }
    }
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

// ---------------------------------------------------------------------------------------------
// Keras 3.

fn keras(s: &Schedule, o: &OptimizerConfig) -> String {
    let head = "import keras\nfrom keras.optimizers import schedules\n\n";
    let tail = keras_optimizer(o);
    let custom = |why: &str| {
        let body = py_lr_body(s).expect("a formula for every custom kind");
        let momentum = match s {
            Schedule::OneCycle(o) if o.config().cycle_momentum => {
                "# Keras cannot schedule momentum; lrfind's table has it\n"
            }
            _ => "",
        };
        format!(
            "import keras\nfrom keras import ops as xp\n\n{}\
             class Schedule(keras.optimizers.schedules.LearningRateSchedule):\n    \
             def __call__(self, step):\n        step = xp.cast(step, keras.config.floatx())\n{}\n\
             schedule = Schedule()\n{momentum}{tail}",
            comment(
                "#",
                &format!("{why}: a LearningRateSchedule with {}", kind_comment(s))
            ),
            indent(&body, 4)
        )
    };
    let native = |ctor: String| format!("{head}schedule = {ctor}\n{tail}");
    match s {
        Schedule::Constant(c) => format!(
            "import keras\n\nschedule = {}  # a constant LR is just a number\n{tail}",
            num(c.config().lr)
        ),
        Schedule::OneCycle(o) => match o.config().variant {
            OneCycleVariant::Pytorch => custom("Keras has no one-cycle schedule"),
            OneCycleVariant::Fastai => custom(
                "Keras has no one-cycle schedule; fastai rounds its position to float32, which \
                 moves its LRs by up to ~2e-5 relative from this f64 formula",
            ),
        },
        Schedule::Cosine(x) => {
            let c = x.config();
            if c.warmup == 0 {
                native(format!(
                    "schedules.CosineDecay({}, decay_steps={}, alpha={})",
                    num(c.lr),
                    c.steps,
                    num(c.min_lr / c.lr)
                ))
            } else {
                native(format!(
                    "schedules.CosineDecay(\n    {}, decay_steps={}, alpha={}, warmup_target={}, \
                     warmup_steps={})",
                    num(c.lr * c.warmup_start_factor),
                    c.steps - c.warmup,
                    num(c.min_lr / c.lr),
                    num(c.lr),
                    c.warmup
                ))
            }
        }
        Schedule::CosineRestarts(r) => {
            let c = r.config();
            native(format!(
                "schedules.CosineDecayRestarts(\n    {}, first_decay_steps={}, t_mul={}, \
                 m_mul=1.0, alpha={})",
                num(c.lr),
                c.period,
                num(c.period_mult as f64),
                num(c.min_lr / c.lr)
            ))
        }
        Schedule::Exponential(e) => {
            let c = e.config();
            native(format!(
                "schedules.ExponentialDecay({}, decay_steps=1, decay_rate={})",
                num(c.lr),
                num(c.gamma)
            ))
        }
        Schedule::Step(x) => {
            let c = x.config();
            native(format!(
                "schedules.ExponentialDecay({}, decay_steps={}, decay_rate={}, staircase=True)",
                num(c.lr),
                c.step_size,
                num(c.gamma)
            ))
        }
        Schedule::MultiStep(m) => {
            let c = m.config();
            let values: Vec<f64> = (0..=c.milestones.len())
                .map(|k| c.lr * c.gamma.powf(k as f64))
                .collect();
            format!(
                "{head}# MultiStepLR's milestone m is the first step of a piece; Keras' boundary \
                 is the last\nschedule = schedules.PiecewiseConstantDecay({}, {})\n{tail}",
                list(c.milestones.iter().map(|m| m - 1)),
                list(values)
            )
        }
        Schedule::Piecewise(p) => {
            let c = p.config();
            native(format!(
                "schedules.PiecewiseConstantDecay({}, {})",
                list(&c.boundaries),
                list(c.values.iter().map(|v| c.lr * v))
            ))
        }
        Schedule::Poly(p) => {
            let c = p.config();
            native(format!(
                "schedules.PolynomialDecay(\n    {}, decay_steps={}, end_learning_rate=0.0, power={})",
                num(c.lr),
                c.steps,
                num(c.power)
            ))
        }
        Schedule::InverseTime(i) => {
            let c = i.config();
            if c.power == 1.0 {
                native(format!(
                    "schedules.InverseTimeDecay(\n    {}, decay_steps={}, decay_rate={}, staircase={})",
                    num(c.lr),
                    c.decay_steps,
                    num(c.decay_rate),
                    py_bool(c.staircase)
                ))
            } else {
                custom("InverseTimeDecay has no power")
            }
        }
        Schedule::Cyclic(_) => custom("Keras has no cyclic schedule"),
        Schedule::Wsd(_) => custom("Keras has no warmup-stable-decay schedule"),
    }
}

fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------------------------------------
// optax.

fn optax(s: &Schedule, o: &OptimizerConfig) -> String {
    let head = "import optax\n\n";
    let tail = optax_optimizer(o, false);
    let native = |ctor: String| format!("{head}schedule = {ctor}\n{tail}");
    let custom = |why: &str| {
        let body = py_lr_body(s).expect("a formula for every custom kind");
        let (momentum, tail) = match py_momentum_body(s) {
            Some(m) => (
                format!("\ndef momentum(step):\n    step = xp.asarray(step, dtype=float)\n{m}"),
                optax_optimizer(o, true),
            ),
            None => (String::new(), tail.clone()),
        };
        format!(
            "import jax.numpy as xp\nimport optax\n\n{}\
             def schedule(step):\n    step = xp.asarray(step, dtype=float)\n{body}{momentum}\n{tail}",
            comment("#", &format!("{why}: {}", kind_comment(s)))
        )
    };
    match s {
        Schedule::Constant(c) => native(format!("optax.constant_schedule({})", num(c.config().lr))),
        Schedule::OneCycle(o) => {
            let c = o.config();
            match c.variant {
                OneCycleVariant::Pytorch => custom(
                    "optax's cosine_onecycle_schedule peaks at int(pct_start * steps) and ends at \
                     step `steps`, PyTorch's one step earlier",
                ),
                OneCycleVariant::Fastai => custom(
                    "fastai rounds its position to float32, which moves its LRs by up to ~2e-5 \
                     relative from this f64 formula; optax.cosine_onecycle_schedule(steps, lr, \
                     pct_start, div, final_div / div) is the same formula when pct_start * steps \
                     is a whole number",
                ),
            }
        }
        Schedule::Cosine(x) => {
            let c = x.config();
            if c.warmup == 0 {
                native(format!(
                    "optax.cosine_decay_schedule({}, decay_steps={}, alpha={})",
                    num(c.lr),
                    c.steps,
                    num(c.min_lr / c.lr)
                ))
            } else {
                native(format!(
                    "optax.warmup_cosine_decay_schedule(\n    init_value={}, peak_value={}, \
                     warmup_steps={}, decay_steps={}, end_value={})",
                    num(c.lr * c.warmup_start_factor),
                    num(c.lr),
                    c.warmup,
                    c.steps,
                    num(c.min_lr)
                ))
            }
        }
        Schedule::CosineRestarts(r) => {
            let c = r.config();
            let lengths = cycle_lengths(r);
            native(format!(
                "optax.sgdr_schedule([\n    dict(init_value={lr}, peak_value={lr}, warmup_steps=0, \
                 decay_steps=n, end_value={})\n    for n in {}\n])",
                num(c.min_lr),
                list(lengths),
                lr = num(c.lr)
            ))
        }
        Schedule::Exponential(e) => {
            let c = e.config();
            native(format!(
                "optax.exponential_decay({}, transition_steps=1, decay_rate={})",
                num(c.lr),
                num(c.gamma)
            ))
        }
        Schedule::Step(x) => {
            let c = x.config();
            native(format!(
                "optax.exponential_decay(\n    {}, transition_steps={}, decay_rate={}, staircase=True)",
                num(c.lr),
                c.step_size,
                num(c.gamma)
            ))
        }
        Schedule::MultiStep(m) => {
            let c = m.config();
            let scales: Vec<String> = c
                .milestones
                .iter()
                .map(|m| format!("{m}: {}", num(c.gamma)))
                .collect();
            native(format!(
                "optax.piecewise_constant_schedule({}, {{{}}})",
                num(c.lr),
                scales.join(", ")
            ))
        }
        Schedule::Piecewise(p) => {
            let c = p.config();
            let pieces: Vec<String> = c
                .values
                .iter()
                .map(|v| format!("optax.constant_schedule({})", num(c.lr * v)))
                .collect();
            format!(
                "{head}# each boundary b is the last step of its piece: the next starts at b + 1\n\
                 schedule = optax.join_schedules([\n    {},\n], {})\n{tail}",
                pieces.join(",\n    "),
                list(c.boundaries.iter().map(|b| b + 1))
            )
        }
        Schedule::Poly(p) => {
            let c = p.config();
            native(format!(
                "optax.polynomial_schedule(\n    init_value={}, end_value=0.0, power={}, transition_steps={})",
                num(c.lr),
                num(c.power),
                c.steps
            ))
        }
        Schedule::InverseTime(_) => custom("optax has no inverse-time decay"),
        Schedule::Cyclic(_) => custom("optax has no cyclic schedule"),
        Schedule::Wsd(w) => {
            let c = w.config();
            let [a, b, d] = w.ends();
            let decay = if d == b {
                format!("optax.constant_schedule({})", num(c.lr * w.min_lr_ratio()))
            } else {
                match c.decay_shape {
                    DecayShape::Linear => format!(
                        "optax.linear_schedule({}, {}, {})",
                        num(c.lr),
                        num(c.lr * w.min_lr_ratio()),
                        d - b
                    ),
                    DecayShape::Cosine => format!(
                        "optax.cosine_decay_schedule({}, {}, alpha={})",
                        num(c.lr),
                        d - b,
                        num(w.min_lr_ratio())
                    ),
                    DecayShape::OneMinusSqrt => format!(
                        "lambda n: {lr} * ((1.0 - jnp.sqrt(jnp.minimum(n, {n}) / {n})) * (1.0 - {r}) + {r})",
                        lr = num(c.lr),
                        n = d - b,
                        r = num(w.min_lr_ratio())
                    ),
                }
            };
            let jnp = if c.decay_shape == DecayShape::OneMinusSqrt && d > b {
                "import jax.numpy as jnp\n"
            } else {
                ""
            };
            format!(
                "{jnp}import optax\n\n# warm-up from min_lr, stable, then the decay (a join of \
                 optax schedules)\nschedule = optax.join_schedules([\n    \
                 optax.linear_schedule({}, {}, {a}),\n    optax.constant_schedule({}),\n    \
                 {decay},\n], [{a}, {b}])\n{tail}",
                num(c.lr * w.min_lr_ratio()),
                num(c.lr),
                num(c.lr)
            )
        }
    }
}

/// The length of every restart cycle that starts within the run.
fn cycle_lengths(r: &super::CosineRestarts) -> Vec<usize> {
    let starts = r.restarts();
    starts.iter().map(|&s| r.position(s).1).collect()
}

// ---------------------------------------------------------------------------------------------
// burn.

fn burn(s: &Schedule, o: &OptimizerConfig) -> String {
    let mut out = burn_scheduler(s);
    out += &burn_optimizer(o);
    out
}

fn burn_scheduler(s: &Schedule) -> String {
    let use_ = "use burn::optim::lr_scheduler::";
    match s {
        Schedule::Constant(c) => format!(
            "use burn::optim::LearningRate;\n\n// a constant LR is its own scheduler\n\
             let scheduler: LearningRate = {};\n",
            num(c.config().lr)
        ),
        Schedule::Cosine(x) => {
            let c = x.config();
            let cosine = |n: usize| {
                format!(
                    "CosineAnnealingLrSchedulerConfig::new({}, {n}).with_min_lr({})",
                    num(c.lr),
                    num(c.min_lr)
                )
            };
            if c.warmup == 0 {
                format!(
                    "{use_}cosine::CosineAnnealingLrSchedulerConfig;\n\n\
                     let scheduler = {}\n    .init()\n    .expect(\"a valid schedule\");\n",
                    cosine(c.steps)
                )
            } else {
                format!(
                    "{use_}cosine::CosineAnnealingLrSchedulerConfig;\n{use_}linear::LinearLrSchedulerConfig;\n\
                     {use_}sequential::SequentialLrSchedulerConfig;\n{use_}LrSchedulerConfig;\n\n\
                     let scheduler = SequentialLrSchedulerConfig::new(\n    vec![\n        \
                     LrSchedulerConfig::Linear(LinearLrSchedulerConfig::new({}, {}, {})),\n        \
                     LrSchedulerConfig::Cosine({}),\n    ],\n    vec![{}],\n)\n.init()\n\
                     .expect(\"a valid schedule\");\n",
                    num(c.lr * c.warmup_start_factor),
                    num(c.lr),
                    c.warmup,
                    cosine(c.steps - c.warmup),
                    c.warmup
                )
            }
        }
        Schedule::CosineRestarts(r) => {
            let c = r.config();
            let lengths = cycle_lengths(r);
            let mut milestones = Vec::new();
            let mut at = 0;
            for n in &lengths[..lengths.len() - 1] {
                at += n;
                milestones.push(at);
            }
            format!(
                "{use_}cosine::CosineAnnealingLrSchedulerConfig;\n\
                 {use_}sequential::SequentialLrSchedulerConfig;\n{use_}LrSchedulerConfig;\n\n\
                 // burn has no warm restarts: one cosine per cycle, in sequence\n\
                 let cycles = vec!{};\nlet scheduler = SequentialLrSchedulerConfig::new(\n    \
                 cycles\n        .iter()\n        .map(|&n| {{\n            \
                 LrSchedulerConfig::Cosine(\n                \
                 CosineAnnealingLrSchedulerConfig::new({}, n).with_min_lr({}),\n            )\n        \
                 }})\n        .collect(),\n    vec!{},\n)\n.init()\n.expect(\"a valid schedule\");\n",
                list(&lengths),
                num(c.lr),
                num(c.min_lr),
                list(milestones)
            )
        }
        Schedule::Exponential(e) => {
            let c = e.config();
            format!(
                "{use_}exponential::ExponentialLrSchedulerConfig;\n\n\
                 let scheduler = ExponentialLrSchedulerConfig::new({}, {})\n    .init()\n    \
                 .expect(\"a valid schedule\");\n",
                num(c.lr),
                num(c.gamma)
            )
        }
        Schedule::Step(x) => {
            let c = x.config();
            format!(
                "{use_}step::StepLrSchedulerConfig;\n\n\
                 let scheduler = StepLrSchedulerConfig::new({}, {})\n    .with_gamma({})\n    \
                 .init()\n    .expect(\"a valid schedule\");\n",
                num(c.lr),
                c.step_size,
                num(c.gamma)
            )
        }
        Schedule::MultiStep(m) => {
            let c = m.config();
            let values: Vec<f64> = (0..=c.milestones.len())
                .map(|k| c.lr * c.gamma.powf(k as f64))
                .collect();
            constants_in_sequence(&values, &c.milestones, "burn has no multistep scheduler")
        }
        Schedule::Piecewise(p) => {
            let c = p.config();
            let values: Vec<f64> = c.values.iter().map(|v| c.lr * v).collect();
            let starts: Vec<usize> = c.boundaries.iter().map(|b| b + 1).collect();
            constants_in_sequence(&values, &starts, "burn has no piecewise-constant scheduler")
        }
        Schedule::Poly(p) if p.config().power == 1.0 => {
            let c = p.config();
            format!(
                "{use_}linear::LinearLrSchedulerConfig;\n\n\
                 // a polynomial of power 1 is burn's linear scheduler, to 0 at step {}\n\
                 let scheduler = LinearLrSchedulerConfig::new({}, 0.0, {})\n    .init()\n    \
                 .expect(\"a valid schedule\");\n",
                c.steps,
                num(c.lr),
                c.steps
            )
        }
        _ => burn_custom(s),
    }
}

fn constants_in_sequence(values: &[f64], starts: &[usize], why: &str) -> String {
    let use_ = "use burn::optim::lr_scheduler::";
    format!(
        "{use_}sequential::SequentialLrSchedulerConfig;\n{use_}LrSchedulerConfig;\n\n\
         // {why}: constants in sequence\n\
         let scheduler = SequentialLrSchedulerConfig::new(\n    vec!{}\n        .into_iter()\n        \
         .map(LrSchedulerConfig::Constant)\n        .collect(),\n    vec!{},\n)\n.init()\n\
         .expect(\"a valid schedule\");\n",
        list(values),
        list(starts)
    )
}

/// A Rust expression of the LR at `t` (an `f64`) for the kinds burn lacks.
fn rust_lr_body(s: &Schedule) -> String {
    match s {
        Schedule::OneCycle(o) => {
            let c = o.config();
            let (lr0, peak, low) = (o.initial_lr(), c.lr, o.final_lr());
            let t_total = c.steps as f64;
            match c.variant {
                OneCycleVariant::Pytorch => {
                    let anneal = match c.anneal {
                        Anneal::Cos => {
                            "b + (a - b) / 2.0 * ((std::f64::consts::PI * p).cos() + 1.0)"
                        }
                        Anneal::Linear => "(b - a) * p + a",
                    };
                    let e1 = c.pct_start * t_total - 1.0;
                    let phases = if c.three_phase {
                        let e2 = 2.0 * c.pct_start * t_total - 2.0;
                        format!(
                            "let (e1, e2, e3) = ({}, {}, {});\n\
                             if t <= e1 {{\n    anneal({}, {}, t / e1)\n}} else if t <= e2 {{\n    \
                             anneal({}, {}, (t - e1) / (e2 - e1))\n}} else {{\n    \
                             anneal({}, {}, (t - e2) / (e3 - e2))\n}}",
                            num(e1),
                            num(e2),
                            num(t_total - 1.0),
                            num(lr0),
                            num(peak),
                            num(peak),
                            num(lr0),
                            num(lr0),
                            num(low)
                        )
                    } else {
                        format!(
                            "let (e1, e2) = ({}, {});\n\
                             if t <= e1 {{\n    anneal({}, {}, t / e1)\n}} else {{\n    \
                             anneal({}, {}, (t - e1) / (e2 - e1))\n}}",
                            num(e1),
                            num(t_total - 1.0),
                            num(lr0),
                            num(peak),
                            num(peak),
                            num(low)
                        )
                    };
                    format!("let anneal = |a: f64, b: f64, p: f64| {anneal};\n{phases}")
                }
                OneCycleVariant::Fastai => format!(
                    "// fastai's combined_cos (fastai rounds the position to f32)\n\
                     let (pos, pct) = (t / {}, {});\n\
                     let (a, b, q) = if pos < pct {{\n    ({}, {}, pos / pct)\n}} else {{\n    \
                     ({}, {}, (pos - pct) / (1.0 - pct))\n}};\n\
                     a + (1.0 + (std::f64::consts::PI * (1.0 - q)).cos()) * (b - a) / 2.0",
                    num(t_total),
                    num(c.pct_start),
                    num(lr0),
                    num(peak),
                    num(peak),
                    num(low)
                ),
            }
        }
        Schedule::Poly(p) => {
            let c = p.config();
            format!(
                "{} * (1.0 - t.min({t}) / {t}).powf({})",
                num(c.lr),
                num(c.power),
                t = num(c.steps as f64)
            )
        }
        Schedule::InverseTime(i) => {
            let c = i.config();
            let p = if c.staircase {
                format!("(t / {}).floor()", num(c.decay_steps as f64))
            } else {
                format!("t / {}", num(c.decay_steps as f64))
            };
            format!(
                "{} / (1.0 + {} * {p}).powf({})",
                num(c.lr),
                num(c.decay_rate),
                num(c.power)
            )
        }
        Schedule::Cyclic(y) => {
            let c = y.config();
            let scale = match c.mode {
                CyclicMode::Triangular => "1.0".to_string(),
                CyclicMode::Triangular2 => "1.0 / 2f64.powf(cycle - 1.0)".to_string(),
                CyclicMode::ExpRange => format!("{}f64.powf(t)", num(c.gamma)),
            };
            format!(
                "let total = {up} + {down};\nlet ratio = {up} / total;\n\
                 let cycle = (1.0 + t / total).floor();\nlet x = 1.0 + t / total - cycle;\n\
                 let s = if x <= ratio {{ x / ratio }} else {{ (x - 1.0) / (ratio - 1.0) }};\n\
                 {base} + ({peak} - {base}) * s * ({scale})",
                up = num(c.step_size_up as f64),
                down = num(y.step_size_down() as f64),
                base = num(c.min_lr),
                peak = num(c.lr)
            )
        }
        Schedule::Wsd(w) => {
            let c = w.config();
            let [a, b, d] = w.ends();
            let g = match c.decay_shape {
                DecayShape::Linear => "1.0 - p",
                DecayShape::Cosine => "0.5 * (1.0 + (std::f64::consts::PI * p).cos())",
                DecayShape::OneMinusSqrt => "1.0 - p.sqrt()",
            };
            format!(
                "let r = {r}; // min_lr / lr\n\
                 let (w, s, d) = ({}, {}, {});\n\
                 let factor = if t < w {{\n    t / w * (1.0 - r) + r\n}} else if t < s {{\n    1.0\n\
                 }} else if t < d {{\n    let p = (t - s) / (d - s);\n    ({g}) * (1.0 - r) + r\n\
                 }} else {{\n    r\n}};\n{} * factor",
                num(a as f64),
                num(b as f64),
                num(d as f64),
                num(c.lr),
                r = num(w.min_lr_ratio())
            )
        }
        other => unreachable!("burn has a scheduler for {}", other.kind()),
    }
}

fn burn_custom(s: &Schedule) -> String {
    let name: String = s
        .kind()
        .name()
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    format!(
        "use burn::optim::lr_scheduler::{{LrScheduler, LrSchedulerRecord}};\n\
         use burn::optim::LearningRate;\n\n\
         {}\
         #[derive(Clone)]\nstruct {name} {{\n    step: usize,\n}}\n\n\
         impl LrScheduler for {name} {{\n    fn step(&mut self) -> LearningRate {{\n        \
         let t = self.step as f64;\n        self.step += 1;\n{}\n    }}\n\n    \
         fn to_record(&self) -> LrSchedulerRecord {{\n        \
         // keeps no state: a run resumed from a checkpoint restarts the schedule\n        \
         LrSchedulerRecord::new()\n    }}\n\n    \
         fn load_record(&mut self, _record: LrSchedulerRecord) {{}}\n}}\n\n\
         let scheduler = {name} {{ step: 0 }};\n",
        comment(
            "//",
            &format!(
                "burn has no such scheduler: {} as a custom LrScheduler",
                kind_comment(s)
            )
        ),
        indent(&rust_lr_body(s), 8)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::{build, ScheduleKind, ScheduleOptions};

    fn adam() -> OptimizerConfig {
        OptimizerConfig::new(OptimizerKind::Adam)
    }

    fn onecycle() -> Schedule {
        build(
            ScheduleKind::Onecycle,
            0.01,
            1000,
            &ScheduleOptions::default(),
        )
        .unwrap()
    }

    /// Every framework builds the optimizer the LR is for, with lrfind's settings spelled out
    /// where the framework's defaults differ (eps, AdamW's weight decay, RMSprop's smoothing,
    /// Adagrad's initial accumulator, burn's SGD dampening and RMSprop momentum).
    #[test]
    fn the_optimizer_is_the_one_the_lr_is_for() {
        let s = build(ScheduleKind::Cosine, 0.01, 100, &ScheduleOptions::default()).unwrap();
        let o = |kind, wd: f64| OptimizerConfig {
            weight_decay: wd,
            ..OptimizerConfig::new(kind)
        };
        let cases = [
            (adam(), Framework::Pytorch, "torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)"),
            (adam(), Framework::Keras, "keras.optimizers.Adam(learning_rate=schedule, beta_1=0.9, beta_2=0.999, epsilon=1e-8)"),
            (adam(), Framework::Optax, "optimizer = optax.adam(learning_rate=schedule, b1=0.9, b2=0.999, eps=1e-8)"),
            (adam(), Framework::Burn, "AdamConfig::new()\n    .with_beta_1(0.9)\n    .with_beta_2(0.999)\n    .with_epsilon(1e-8)"),
            (o(OptimizerKind::Adamw, 0.0), Framework::Pytorch, "torch.optim.AdamW(model.parameters(), lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)"),
            (o(OptimizerKind::Adamw, 0.0), Framework::Burn, ".with_weight_decay(0.0)"),
            (o(OptimizerKind::Adam, 1e-4), Framework::Optax, "optax.chain(optax.add_decayed_weights(0.0001), optax.adam("),
            (o(OptimizerKind::Adam, 1e-4), Framework::Keras, "kernel_regularizer=keras.regularizers.L2(5e-5)"),
            (o(OptimizerKind::Adam, 1e-4), Framework::Burn, ".with_weight_decay(Some(WeightDecayConfig::new(0.0001)))"),
            (o(OptimizerKind::Rmsprop, 0.0), Framework::Pytorch, "torch.optim.RMSprop(model.parameters(), lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0)"),
            (o(OptimizerKind::Rmsprop, 0.0), Framework::Optax, "optax.rmsprop(learning_rate=schedule, decay=0.99, eps=1e-8, eps_in_sqrt=False)"),
            (o(OptimizerKind::Rmsprop, 0.0), Framework::Burn, ".with_momentum(0.0)"),
            (o(OptimizerKind::Adagrad, 0.0), Framework::Pytorch, "torch.optim.Adagrad(model.parameters(), lr=0.01, eps=1e-10, weight_decay=0.0)"),
            (o(OptimizerKind::Adagrad, 0.0), Framework::Keras, "keras.optimizers.Adagrad(learning_rate=schedule, initial_accumulator_value=0.0, epsilon=1e-10)"),
            (o(OptimizerKind::Sgd, 0.0), Framework::Pytorch, "torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=False, weight_decay=0.0)"),
            (o(OptimizerKind::Sgd, 0.0), Framework::Burn, "dampening: 0.0"),
        ];
        for (optimizer, framework, wants) in cases {
            let text = snippet(&s, &optimizer, framework);
            assert!(
                text.contains(wants),
                "{framework:?}, {}:\n{text}",
                optimizer.kind
            );
            assert!(text.contains(&format!("the optimizer the LR is for: {}", optimizer.kind)));
        }
        let plain = OptimizerConfig {
            momentum: 0.0,
            ..OptimizerConfig::new(OptimizerKind::Sgd)
        };
        let text = snippet(&s, &plain, Framework::Optax);
        assert!(
            text.contains("optimizer = optax.sgd(learning_rate=schedule)\n"),
            "{text}"
        );
        assert!(!snippet(&s, &plain, Framework::Burn).contains("MomentumConfig"));
    }

    /// A one-cycle cycles the momentum of an optimizer that has one (SGD's, Adam's beta1), and
    /// says it cannot where there is none.
    #[test]
    fn a_one_cycle_cycles_the_optimizers_own_momentum() {
        let s = onecycle();
        let text = snippet(&s, &adam(), Framework::Optax);
        assert!(
            text.contains("optax.inject_hyperparams(optax.adam)(learning_rate=schedule, b1=momentum, b2=0.999"),
            "{text}"
        );
        let text = snippet(&s, &adam(), Framework::Pytorch);
        assert!(text.contains("cycle_momentum=True"), "{text}");
        let rmsprop = OptimizerConfig::new(OptimizerKind::Rmsprop);
        let text = snippet(&s, &rmsprop, Framework::Pytorch);
        assert!(text.contains("cycle_momentum=False"), "{text}");
        assert!(text.contains("rmsprop has no momentum to cycle"), "{text}");
        let text = snippet(&s, &rmsprop, Framework::Optax);
        assert!(text.contains("optimizer = optax.rmsprop("), "{text}");
        let nesterov = OptimizerConfig {
            nesterov: true,
            ..OptimizerConfig::new(OptimizerKind::Sgd)
        };
        let text = snippet(&s, &nesterov, Framework::Optax);
        assert!(
            text.contains("optax.inject_hyperparams(optax.sgd, static_args=(\"nesterov\",))(learning_rate=schedule, momentum=momentum, nesterov=True)"),
            "{text}"
        );
        let fastai = build(
            ScheduleKind::Onecycle,
            0.01,
            1000,
            &ScheduleOptions {
                variant: Some(OneCycleVariant::Fastai),
                ..Default::default()
            },
        )
        .unwrap();
        let text = snippet(&fastai, &adam(), Framework::Pytorch);
        assert!(
            text.contains(
                "opt_func = partial(OptimWrapper, opt=partial(torch.optim.Adam, betas=(0.9, 0.999)"
            ),
            "{text}"
        );
    }

    #[test]
    fn pytorch_lines_carry_the_exact_parameters() {
        let s = build(
            ScheduleKind::Onecycle,
            0.01,
            1000,
            &ScheduleOptions::default(),
        )
        .unwrap();
        let text = snippet(&s, &adam(), Framework::Pytorch);
        assert!(text.contains("OneCycleLR("), "{text}");
        assert!(
            text.contains("max_lr=0.01, total_steps=1000, pct_start=0.3"),
            "{text}"
        );
        assert!(text.contains("final_div_factor=10000.0"), "{text}");
        let o = ScheduleOptions {
            min_lr: Some(1e-4),
            ..Default::default()
        };
        let s = build(ScheduleKind::Cosine, 0.01, 1000, &o).unwrap();
        assert!(snippet(&s, &adam(), Framework::Pytorch)
            .contains("CosineAnnealingLR(optimizer, T_max=1000, eta_min=0.0001)"));
        assert!(snippet(&s, &adam(), Framework::Burn)
            .contains("CosineAnnealingLrSchedulerConfig::new(0.01, 1000).with_min_lr(0.0001)"));
    }

    #[test]
    fn lacking_frameworks_say_so() {
        let o = ScheduleOptions {
            min_lr: Some(0.001),
            step_size_up: Some(200),
            ..Default::default()
        };
        let s = build(ScheduleKind::Cyclic, 0.01, 1000, &o).unwrap();
        assert!(snippet(&s, &adam(), Framework::Keras).contains("# Keras has no cyclic schedule"));
        assert!(snippet(&s, &adam(), Framework::Burn).contains("impl LrScheduler for Cyclic"));
    }

    #[test]
    fn numbers_read_back_exactly() {
        for x in [0.01, 1e-5, 25.0, 1e4, 1.0 / 3.0, 4e-8] {
            assert_eq!(num(x).parse::<f64>().unwrap(), x);
        }
        assert_eq!(num(25.0), "25.0");
    }
}
