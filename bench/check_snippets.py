#!/usr/bin/env python3
"""Runs every PyTorch, Keras and optax snippet lrfind writes (lrfind::schedule::snippet) and
compares the LRs (and momenta) it gives with lrfind's own table. A scratch check, never run by CI:
rerun it by hand after changing a snippet, with the versions of bench/requirements-schedules.txt.

  1. `cargo test --test schedule_parity -- --ignored dump_snippets` writes, for every schedule
     fixture and a few more settings, lrfind's table and its four snippets (into a temp folder),
     each for SGD with momentum 0.9, and the `x_opt_*` cases for every other optimizer;
  2. each Python snippet is executed as written, in a fresh namespace:
       PyTorch: given `model`, it defines `optimizer` and `scheduler`, stepped as in training
                (scheduler.step() after each optimizer.step()); fastai's one-cycle is run with a
                Learner whose training set is one epoch of `steps` batches;
       Keras:   `schedule` (KERAS_BACKEND=torch, floatx float64) is called at steps 0, 1, ...;
       optax:   `schedule` (and `momentum`, if defined) at steps 0, 1, ..., with jax_enable_x64;
  3. it prints one line per snippet: OK when every step agrees to 1e-9 relative, else the worst
     relative difference and where. burn snippets cannot run here and are only listed.

Run from the repository root, in the environment bench/README.md makes from
bench/requirements-schedules.txt:  bench/.venv-schedules/bin/python bench/check_snippets.py [--show NAME]
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import warnings

os.environ.setdefault("KERAS_BACKEND", "torch")
warnings.filterwarnings("ignore")

import torch  # noqa: E402

RTOL = 1e-9


def worst(ours, theirs):
    out = (0.0, 0)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        rel = (0.0 if a == 0.0 else math.inf) if b == 0.0 else abs((a - b) / b)
        if math.isnan(rel) or rel > out[0]:
            out = (math.inf if math.isnan(rel) else rel, i)
    return out


def run_pytorch(case, code):
    steps = case["steps"]
    if case["fastai"]:
        from fastai.basics import DataLoaders, Learner, SGD
        from fastai.callback.progress import ProgressCallback
        x = torch.zeros(steps, 1)
        dls = DataLoaders.from_dsets(list(zip(x, x)), list(zip(x[:2], x[:2])), bs=1,
                                     shuffle=False, drop_last=False, device="cpu")
        learn = Learner(dls, torch.nn.Linear(1, 1), loss_func=torch.nn.MSELoss(), opt_func=SGD)
        learn.remove_cb(ProgressCallback)
        ns = {"learn": learn}
        with learn.no_logging():
            exec(code, ns)
        return ([float(v) for v in learn.recorder.hps["lr"]],
                [float(v) for v in learn.recorder.hps["mom"]])
    ns = {"model": torch.nn.Linear(1, 1)}
    exec(code, ns)
    opt, sched = ns["optimizer"], ns["scheduler"]
    lrs, moms = [], []
    for _ in range(steps):
        group = opt.param_groups[0]
        lrs.append(float(group["lr"]))
        # OneCycleLR cycles SGD's momentum, or Adam's and AdamW's beta1.
        moms.append(float(group["betas"][0] if "betas" in group else group.get("momentum", 0.0)))
        opt.step()
        sched.step()
    return lrs, moms


def run_keras(case, code):
    import keras
    keras.config.set_floatx("float64")
    ns = {}
    exec(code, ns)
    s = ns["schedule"]
    if isinstance(s, (int, float)):
        return [float(s)] * case["steps"], None
    return [float(s(i)) for i in range(case["steps"])], None


def run_optax(case, code):
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    ns = {}
    exec(code, ns)
    s = ns["schedule"]
    lrs = [float(s(jnp.asarray(i))) for i in range(case["steps"])]
    m = ns.get("momentum")
    moms = [float(m(jnp.asarray(i))) for i in range(case["steps"])] if m else None
    return lrs, moms


RUNNERS = {"pytorch": run_pytorch, "keras": run_keras, "optax": run_optax}


def main():
    show = sys.argv[sys.argv.index("--show") + 1] if "--show" in sys.argv else None
    out = tempfile.mkdtemp(prefix="lrfind-snippets-")
    env = dict(os.environ, LRFIND_SNIPPET_DIR=out)
    subprocess.run(["cargo", "test", "--quiet", "--test", "schedule_parity", "--", "--ignored",
                    "dump_snippets"], check=True, env=env, stdout=subprocess.DEVNULL)
    cases = [json.load(open(os.path.join(out, f))) for f in sorted(os.listdir(out))]
    counts = {"ok": 0, "diff": 0, "error": 0}
    for case in cases:
        for fw, runner in RUNNERS.items():
            code = case["snippets"][fw]
            if show and case["name"] == show:
                print(f"--- {case['name']} / {fw}\n{code}")
            try:
                lrs, moms = runner(case, code)
            except Exception as e:  # report and go on: the point is the list
                counts["error"] += 1
                print(f"ERROR {case['name']:36} {fw:8} {type(e).__name__}: {e}")
                continue
            rel, at = worst(lrs, case["lrs"])
            notes = []
            if case["momentum"] is not None and moms is not None:
                mrel, mat = worst(moms, case["momentum"])
                notes.append(f"momentum {mrel:.1e}" + (f" at {mat}" if mrel > RTOL else ""))
                rel = max(rel, mrel)
            elif case["momentum"] is not None:
                notes.append("no momentum")
            if rel <= RTOL:
                counts["ok"] += 1
                print(f"OK    {case['name']:36} {fw:8} {' '.join(notes)}")
            else:
                counts["diff"] += 1
                print(f"DIFF  {case['name']:36} {fw:8} worst LR {worst(lrs, case['lrs'])[0]:.2e} "
                      f"at step {at} ({lrs[at]!r} vs lrfind {case['lrs'][at]!r}) {' '.join(notes)}")
        if show and case["name"] == show:
            print(f"--- {case['name']} / burn\n{case['snippets']['burn']}")
    print(f"{counts['ok']} agree to {RTOL}, {counts['diff']} differ, {counts['error']} failed to run; "
          f"{len(cases)} burn snippets not run")


if __name__ == "__main__":
    main()
