#!/usr/bin/env python3
"""Writes tests/fixtures/schedules/*.json: the LR (and momentum) at every step of each schedule, as
the frameworks themselves compute it. tests/schedule_parity.rs replays every file against
lrfind::schedule and compares each step to 1e-9 relative. CI never runs this script; rerun it by
hand after changing a schedule or a pinned version.

Sources (versions pinned in bench/requirements-schedules.txt):
  - PyTorch's torch.optim.lr_scheduler, stepped as in training: step i is the LR the optimizer
    uses for its i-th update, with scheduler.step() after each optimizer.step();
  - fastai's Learner.fit_one_cycle, run for one epoch of `steps` batches on a dummy model, with the
    LR and momentum its ParamScheduler recorded;
  - Keras 3 (KERAS_BACKEND=torch, floatx float64) schedules called at steps 0, 1, ...;
  - optax schedules with jax_enable_x64, called at steps 0, 1, ...;
  - Hugging Face transformers' get_wsd_schedule (a LambdaLR), stepped as PyTorch's.

Each file: {"name", "source", "kind", "lr", "steps", "options": {setting: value}, "lrs",
"momentum" (or null)}; plateau files have "metrics" (one per evaluation) and "lrs" after each.
Options use lrfind's setting names and value spellings (`exp-range`, `1-sqrt`, `fastai`).

Run from the repository root:  bench/.venv/bin/python bench/schedule_fixtures.py
"""
import json
import math
import os
import random
import sys
import warnings

os.environ.setdefault("KERAS_BACKEND", "torch")
warnings.filterwarnings("ignore")

import torch  # noqa: E402
from torch.optim import lr_scheduler as L  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "schedules")
written = []


def save(name, source, kind, lr, steps, options, lrs, momentum=None):
    lrs = [float(v) for v in lrs]
    assert len(lrs) == steps, (name, len(lrs), steps)
    doc = {
        "name": name,
        "source": source,
        "kind": kind,
        "lr": lr,
        "steps": steps,
        "options": options,
        "lrs": lrs,
        "momentum": None if momentum is None else [float(m) for m in momentum],
    }
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(doc, f, allow_nan=False)
        f.write("\n")
    written.append(name)


def optimizer(lr):
    p = torch.nn.Parameter(torch.zeros(1))
    return torch.optim.SGD([p], lr=lr, momentum=0.9)


def torch_run(make, steps, lr, momentum=False):
    """LR (and momentum) of each of `steps` updates, scheduler.step() after each optimizer.step()."""
    opt = optimizer(lr)
    sched = make(opt)
    lrs, moms = [], []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(opt.param_groups[0]["momentum"])
        opt.step()
        sched.step()
    return lrs, (moms if momentum else None)


def torch_fixture(name, kind, lr, steps, options, source, make, momentum=False):
    lrs, moms = torch_run(make, steps, lr, momentum)
    save(name, f"torch {torch.__version__}: {source}", kind, lr, steps, options, lrs, moms)


def pytorch():
    # The eight lines of the interface contract.
    torch_fixture("onecycle_interface", "onecycle", 0.01, 1000, {},
                  "OneCycleLR(opt, max_lr=0.01, total_steps=1000)",
                  lambda o: L.OneCycleLR(o, max_lr=0.01, total_steps=1000), momentum=True)
    torch_fixture("cosine_interface", "cosine", 0.01, 1000, {"min_lr": 1e-4},
                  "CosineAnnealingLR(opt, T_max=1000, eta_min=1e-4)",
                  lambda o: L.CosineAnnealingLR(o, T_max=1000, eta_min=1e-4))
    torch_fixture("cosine_restarts_interface", "cosine-restarts", 0.01, 1000,
                  {"period": 100, "period_mult": 2},
                  "CosineAnnealingWarmRestarts(opt, T_0=100, T_mult=2)",
                  lambda o: L.CosineAnnealingWarmRestarts(o, T_0=100, T_mult=2))
    torch_fixture("exponential_interface", "exponential", 0.01, 1000, {"gamma": 0.995},
                  "ExponentialLR(opt, 0.995)", lambda o: L.ExponentialLR(o, 0.995))
    torch_fixture("step_interface", "step", 0.01, 1000, {"step_size": 300, "gamma": 0.1},
                  "StepLR(opt, 300, 0.1)", lambda o: L.StepLR(o, 300, 0.1))
    torch_fixture("multistep_interface", "multistep", 0.01, 1000,
                  {"milestones": [500, 800], "gamma": 0.1},
                  "MultiStepLR(opt, [500, 800], 0.1)", lambda o: L.MultiStepLR(o, [500, 800], 0.1))
    torch_fixture("poly_interface", "poly", 0.01, 1000, {"power": 2.0},
                  "PolynomialLR(opt, total_iters=1000, power=2)",
                  lambda o: L.PolynomialLR(o, total_iters=1000, power=2.0))
    torch_fixture("cyclic_interface", "cyclic", 0.01, 1000,
                  {"min_lr": 0.001, "step_size_up": 200, "mode": "triangular2"},
                  "CyclicLR(opt, base_lr=0.001, max_lr=0.01, step_size_up=200, "
                  "mode='triangular2', cycle_momentum=False)",
                  lambda o: L.CyclicLR(o, base_lr=0.001, max_lr=0.01, step_size_up=200,
                                       mode="triangular2", cycle_momentum=False))

    # One-cycle variants.
    torch_fixture("onecycle_three_phase", "onecycle", 0.1, 500, {"three_phase": True},
                  "OneCycleLR(opt, max_lr=0.1, total_steps=500, three_phase=True)",
                  lambda o: L.OneCycleLR(o, max_lr=0.1, total_steps=500, three_phase=True),
                  momentum=True)
    torch_fixture("onecycle_linear", "onecycle", 0.1, 500, {"anneal": "linear"},
                  "OneCycleLR(opt, max_lr=0.1, total_steps=500, anneal_strategy='linear')",
                  lambda o: L.OneCycleLR(o, max_lr=0.1, total_steps=500, anneal_strategy="linear"),
                  momentum=True)
    torch_fixture("onecycle_three_phase_linear_odd", "onecycle", 0.003, 333,
                  {"three_phase": True, "anneal": "linear", "pct_start": 0.25, "div": 10.0,
                   "final_div": 100.0, "base_momentum": 0.8, "max_momentum": 0.9},
                  "OneCycleLR(opt, max_lr=0.003, total_steps=333, pct_start=0.25, div_factor=10, "
                  "final_div_factor=100, three_phase=True, anneal_strategy='linear', "
                  "base_momentum=0.8, max_momentum=0.9)",
                  lambda o: L.OneCycleLR(o, max_lr=0.003, total_steps=333, pct_start=0.25,
                                         div_factor=10.0, final_div_factor=100.0, three_phase=True,
                                         anneal_strategy="linear", base_momentum=0.8,
                                         max_momentum=0.9),
                  momentum=True)
    torch_fixture("onecycle_pct_0_45_cos", "onecycle", 1.0, 101, {"pct_start": 0.45},
                  "OneCycleLR(opt, max_lr=1.0, total_steps=101, pct_start=0.45)",
                  lambda o: L.OneCycleLR(o, max_lr=1.0, total_steps=101, pct_start=0.45),
                  momentum=True)

    # Cosine, with and without warm-up (SequentialLR of LinearLR and CosineAnnealingLR).
    torch_fixture("cosine_zero_floor", "cosine", 0.1, 250, {},
                  "CosineAnnealingLR(opt, T_max=250)", lambda o: L.CosineAnnealingLR(o, T_max=250))
    for name, lr, steps, w, f, m in [("cosine_warmup_torch", 0.01, 1000, 100, 0.1, 1e-4),
                                     ("cosine_warmup_default_factor", 0.3, 300, 37, 1 / 3, 0.0)]:
        options = {"warmup": w, "min_lr": m}
        if f != 1 / 3:
            options["warmup_start_factor"] = f
        torch_fixture(name, "cosine", lr, steps, options,
                      f"SequentialLR(opt, [LinearLR(opt, start_factor={f!r}, total_iters={w}), "
                      f"CosineAnnealingLR(opt, T_max={steps - w}, eta_min={m!r})], "
                      f"milestones=[{w}])",
                      lambda o, f=f, w=w, s=steps, m=m: L.SequentialLR(
                          o, [L.LinearLR(o, start_factor=f, total_iters=w),
                              L.CosineAnnealingLR(o, T_max=s - w, eta_min=m)], milestones=[w]))

    # Restarts, decays, polynomials, cycles over other settings.
    torch_fixture("cosine_restarts_flat_floor", "cosine-restarts", 0.1, 200,
                  {"period": 30, "min_lr": 1e-3},
                  "CosineAnnealingWarmRestarts(opt, T_0=30, eta_min=1e-3)",
                  lambda o: L.CosineAnnealingWarmRestarts(o, T_0=30, eta_min=1e-3))
    torch_fixture("cosine_restarts_mult3", "cosine-restarts", 0.05, 500,
                  {"period": 7, "period_mult": 3},
                  "CosineAnnealingWarmRestarts(opt, T_0=7, T_mult=3)",
                  lambda o: L.CosineAnnealingWarmRestarts(o, T_0=7, T_mult=3))
    torch_fixture("exponential_fast", "exponential", 0.5, 300, {"gamma": 0.9},
                  "ExponentialLR(opt, 0.9)", lambda o: L.ExponentialLR(o, 0.9))
    torch_fixture("exponential_long", "exponential", 0.01, 20000, {"gamma": 0.9999},
                  "ExponentialLR(opt, 0.9999)", lambda o: L.ExponentialLR(o, 0.9999))
    torch_fixture("step_small", "step", 0.2, 100, {"step_size": 7, "gamma": 0.5},
                  "StepLR(opt, 7, 0.5)", lambda o: L.StepLR(o, 7, 0.5))
    torch_fixture("step_default_gamma", "step", 0.01, 90, {"step_size": 30},
                  "StepLR(opt, 30)", lambda o: L.StepLR(o, 30))
    torch_fixture("multistep_close", "multistep", 0.2, 100, {"milestones": [3, 50, 51], "gamma": 0.3},
                  "MultiStepLR(opt, [3, 50, 51], 0.3)", lambda o: L.MultiStepLR(o, [3, 50, 51], 0.3))
    torch_fixture("poly_0_9", "poly", 0.05, 300, {"power": 0.9},
                  "PolynomialLR(opt, total_iters=300, power=0.9)",
                  lambda o: L.PolynomialLR(o, total_iters=300, power=0.9))
    torch_fixture("poly_linear", "poly", 0.01, 50, {},
                  "PolynomialLR(opt, total_iters=50)", lambda o: L.PolynomialLR(o, total_iters=50))
    torch_fixture("poly_long_cubic", "poly", 0.01, 20000, {"power": 3.0},
                  "PolynomialLR(opt, total_iters=20000, power=3)",
                  lambda o: L.PolynomialLR(o, total_iters=20000, power=3.0))
    torch_fixture("cosine_long", "cosine", 0.01, 20000, {"min_lr": 1e-6},
                  "CosineAnnealingLR(opt, T_max=20000, eta_min=1e-6)",
                  lambda o: L.CosineAnnealingLR(o, T_max=20000, eta_min=1e-6))
    torch_fixture("cyclic_triangular_asym", "cyclic", 0.1, 500,
                  {"min_lr": 0.01, "step_size_up": 50, "step_size_down": 30},
                  "CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=50, step_size_down=30, "
                  "cycle_momentum=False)",
                  lambda o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=50,
                                       step_size_down=30, cycle_momentum=False))
    torch_fixture("cyclic_exp_range", "cyclic", 0.01, 600,
                  {"min_lr": 0.0001, "step_size_up": 100, "mode": "exp-range", "gamma": 0.995},
                  "CyclicLR(opt, base_lr=0.0001, max_lr=0.01, step_size_up=100, mode='exp_range', "
                  "gamma=0.995, cycle_momentum=False)",
                  lambda o: L.CyclicLR(o, base_lr=0.0001, max_lr=0.01, step_size_up=100,
                                       mode="exp_range", gamma=0.995, cycle_momentum=False))
    torch_fixture("cyclic_triangular_default", "cyclic", 0.006, 5000, {"min_lr": 0.001},
                  "CyclicLR(opt, base_lr=0.001, max_lr=0.006, cycle_momentum=False)",
                  lambda o: L.CyclicLR(o, base_lr=0.001, max_lr=0.006, cycle_momentum=False))


def plateau():
    def curve(seed, n, floor):
        rng = random.Random(seed)
        return [round(floor + 1.0 / (1.0 + 0.2 * t) + rng.uniform(-0.01, 0.01), 6) for t in range(n)]

    cases = [
        ("plateau_defaults", 0.01, {}, {}, curve(1, 80, 0.5)),
        ("plateau_flat", 0.1, {}, {}, [1.0] * 60),
        ("plateau_max_abs_cooldown", 0.1,
         {"mode": "max", "threshold_mode": "abs", "threshold": 0.01, "patience": 2, "cooldown": 3,
          "factor": 0.5, "min_lr": 0.01},
         {"mode": "max", "threshold_mode": "abs", "threshold": 0.01, "patience": 2, "cooldown": 3,
          "factor": 0.5, "min_lr": 0.01},
         [round(0.9 - v, 6) for v in curve(2, 100, 0.0)]),
        ("plateau_eps_skips", 1e-7, {"patience": 1, "factor": 0.5},
         {"patience": 1, "factor": 0.5}, curve(3, 40, 2.0)),
        ("plateau_rel_threshold", 1.0, {"patience": 3, "threshold": 0.05, "factor": 0.3},
         {"patience": 3, "threshold": 0.05, "factor": 0.3}, curve(4, 120, 0.1)),
    ]
    for name, lr, kwargs, options, metrics in cases:
        opt = optimizer(lr)
        sched = L.ReduceLROnPlateau(opt, **kwargs)
        lrs = []
        for m in metrics:
            sched.step(m)
            lrs.append(opt.param_groups[0]["lr"])
        doc = {
            "name": name,
            "source": f"torch {torch.__version__}: ReduceLROnPlateau(opt, "
                      + ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) + ")",
            "kind": "plateau",
            "lr": lr,
            "options": options,
            "metrics": metrics,
            "lrs": [float(v) for v in lrs],
        }
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(doc, f, allow_nan=False)
            f.write("\n")
        written.append(name)


def fastai():
    import fastai
    from fastai.basics import DataLoaders, Learner, SGD
    from fastai.callback.schedule import fit_one_cycle  # noqa: F401 (patches Learner)
    from fastai.callback.progress import ProgressCallback

    for steps, lr in [(1000, 0.01), (777, 0.003), (64, 1.0)]:
        x = torch.zeros(steps, 1)
        dls = DataLoaders.from_dsets(list(zip(x, x)), list(zip(x[:2], x[:2])), bs=1,
                                     shuffle=False, drop_last=False, device="cpu")
        learn = Learner(dls, torch.nn.Linear(1, 1), loss_func=torch.nn.MSELoss(), opt_func=SGD)
        learn.remove_cb(ProgressCallback)
        with learn.no_logging():
            learn.fit_one_cycle(1, lr_max=lr)
        save(f"onecycle_fastai_{steps}", f"fastai {fastai.__version__}: "
             f"Learner.fit_one_cycle(1, lr_max={lr!r}) over {steps} batches",
             "onecycle", lr, steps, {"variant": "fastai"},
             learn.recorder.hps["lr"], learn.recorder.hps["mom"])


def keras_optax():
    import keras
    keras.config.set_floatx("float64")
    from keras.optimizers import schedules as S

    def kfix(name, kind, lr, steps, options, source, sched):
        save(name, f"keras {keras.__version__} (float64): {source}", kind, lr, steps, options,
             [float(sched(i)) for i in range(steps)])

    kfix("piecewise_interface_like", "piecewise", 0.01, 1000,
         {"boundaries": [300, 600], "values": [1.0, 0.1, 0.01]},
         "PiecewiseConstantDecay([300, 600], [0.01, 0.001, 0.0001])",
         S.PiecewiseConstantDecay([300, 600], [0.01 * 1.0, 0.01 * 0.1, 0.01 * 0.01]))
    kfix("piecewise_edges", "piecewise", 0.2, 50,
         {"boundaries": [0, 10, 11], "values": [0.5, 1.0, 0.2, 0.05]},
         "PiecewiseConstantDecay([0, 10, 11], [0.1, 0.2, 0.04, 0.01])",
         S.PiecewiseConstantDecay([0, 10, 11], [0.2 * v for v in [0.5, 1.0, 0.2, 0.05]]))
    kfix("inverse_time", "inverse-time", 0.01, 1000, {"decay_steps": 100, "decay_rate": 0.5},
         "InverseTimeDecay(0.01, decay_steps=100, decay_rate=0.5)",
         S.InverseTimeDecay(0.01, decay_steps=100, decay_rate=0.5))
    kfix("inverse_time_staircase", "inverse-time", 0.1, 300,
         {"decay_steps": 30, "decay_rate": 2.0, "staircase": True},
         "InverseTimeDecay(0.1, decay_steps=30, decay_rate=2.0, staircase=True)",
         S.InverseTimeDecay(0.1, decay_steps=30, decay_rate=2.0, staircase=True))
    kfix("inverse_time_power_schedule", "inverse-time", 0.05, 400, {"decay_steps": 40},
         "InverseTimeDecay(0.05, decay_steps=40, decay_rate=1.0)",
         S.InverseTimeDecay(0.05, decay_steps=40, decay_rate=1.0))
    kfix("cosine_warmup_keras", "cosine", 0.01, 1000,
         {"warmup": 100, "warmup_start_factor": 0.1, "min_lr": 1e-4},
         "CosineDecay(0.001, decay_steps=900, alpha=0.01, warmup_target=0.01, warmup_steps=100)",
         S.CosineDecay(0.01 * 0.1, decay_steps=900, alpha=1e-4 / 0.01, warmup_target=0.01,
                       warmup_steps=100))

    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import optax

    def ofix(name, kind, lr, steps, options, source, sched):
        save(name, f"optax {optax.__version__} (x64): {source}", kind, lr, steps, options,
             [float(sched(jnp.asarray(i))) for i in range(steps)])

    ofix("cosine_warmup_optax", "cosine", 0.01, 1000,
         {"warmup": 100, "warmup_start_factor": 0.1, "min_lr": 1e-4},
         "warmup_cosine_decay_schedule(0.001, 0.01, 100, 1000, 1e-4)",
         optax.warmup_cosine_decay_schedule(0.01 * 0.1, 0.01, 100, 1000, 1e-4))
    ofix("cosine_warmup_optax_short", "cosine", 0.5, 60,
         {"warmup": 5, "warmup_start_factor": 0.02},
         "warmup_cosine_decay_schedule(0.01, 0.5, 5, 60)",
         optax.warmup_cosine_decay_schedule(0.5 * 0.02, 0.5, 5, 60))


def transformers_wsd():
    import transformers
    from transformers import get_wsd_schedule

    for name, lr, steps, fr, shape, m in [
        ("wsd_default", 0.01, 1000, None, None, 0.0),
        ("wsd_1sqrt_floor", 0.003, 500, [0.05, 0.75, 0.2], "1-sqrt", 3e-5),
        ("wsd_linear_tail", 0.1, 300, [0.2, 0.5, 0.2], "linear", 0.001),
    ]:
        w, s, d = fr or [0.1, 0.7, 0.2]
        # Half away from zero, as lrfind rounds (Python's round() would round half to even).
        ends = [min(math.floor(x * steps + 0.5), steps) for x in (w, w + s, w + s + d)]
        W, S, D = ends[0], ends[1] - ends[0], ends[2] - ends[1]
        ratio = m / lr
        options = {}
        if fr:
            options["fractions"] = fr
        if shape:
            options["decay_shape"] = shape
        if m:
            options["min_lr"] = m
        torch_fixture(name, "wsd", lr, steps, options,
                      f"transformers {transformers.__version__}: get_wsd_schedule(opt, "
                      f"num_warmup_steps={W}, num_decay_steps={D}, num_stable_steps={S}, "
                      f"decay_type={shape or 'cosine'!r}, min_lr_ratio={ratio!r})",
                      lambda o: get_wsd_schedule(o, num_warmup_steps=W, num_decay_steps=D,
                                                 num_stable_steps=S, decay_type=shape or "cosine",
                                                 min_lr_ratio=ratio))


def main():
    os.makedirs(OUT, exist_ok=True)
    pytorch()
    plateau()
    fastai()
    keras_optax()
    transformers_wsd()
    print(f"wrote {len(written)} fixtures to {os.path.normpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
