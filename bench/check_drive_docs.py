"""Runs the worker scripts of docs/drive.md under `lrfind drive`, as a user who copies them would.

Every ```python block of docs/drive.md is parsed (a fragment must at least be valid Python).
A block preceded by a marker

    <!-- check NAME.py: lrfind drive OPTIONS -- COMMAND -->

is a complete script: it is written as NAME.py into a fresh temporary folder and the marker's
command runs there, with `lrfind` the binary under test, `python` and `torchrun` those of the
venv, and lrfind_client importable from clients/python. The run must exit 0 and its --json report
must hold a suggested LR. The first block that imports torch must be such a script (the issue's
promise: a complete worker a user can copy and run as it stands).

    bench/.venv/bin/python bench/check_drive_docs.py [--lrfind target/release/lrfind] [--only NAME] [--adapters]

--adapters also checks the adapters' bookkeeping against the frameworks themselves (ADAPTER_CHECKS).

Needs bench/requirements.txt and bench/requirements-drive.txt in the venv, and a built lrfind.
"""

import argparse
import ast
import json
import math
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARKER = re.compile(r"<!--\s*check\s+(\S+\.py):\s*(.*?)\s*-->")


def blocks(markdown):
    """(marker or None, code, line) of every ```python block."""
    lines = markdown.split("\n")
    found, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            start = i + 1
            j = start
            while lines[j].strip() != "```":
                j += 1
            before = next((l for l in reversed(lines[:i]) if l.strip()), "")
            m = MARKER.match(before.strip())
            found.append((m.groups() if m else None, "\n".join(lines[start:j]) + "\n", start + 1))
            i = j
        i += 1
    return found


def run(name, command, code, lrfind, venv_bin, timeout):
    with tempfile.TemporaryDirectory(prefix="drive-docs-") as folder:
        with open(os.path.join(folder, name), "w") as f:
            f.write(code)
        words = shlex.split(command)
        if words[:2] != ["lrfind", "drive"] or "--" not in words:
            raise SystemExit("%s: the marker's command must be `lrfind drive ... -- ...`" % name)
        cut = words.index("--")
        report = os.path.join(folder, "report.json")
        argv = [lrfind] + words[1:cut] + ["--no-plot", "--json", report] + words[cut:]
        env = dict(os.environ)
        env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "")
        env["PYTHONPATH"] = os.path.join(ROOT, "clients", "python")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.setdefault("JAX_PLATFORMS", "cpu")
        clock = time.perf_counter()
        done = subprocess.run(argv, cwd=folder, env=env, timeout=timeout, capture_output=True, text=True)
        seconds = time.perf_counter() - clock
        if done.returncode != 0:
            print(done.stdout[-4000:], done.stderr[-4000:], sep="\n", file=sys.stderr)
            raise SystemExit("%s: lrfind drive exited with %d" % (name, done.returncode))
        with open(report) as f:
            result = json.load(f)
        lr = result.get("suggested_lr")
        if not (isinstance(lr, float) and math.isfinite(lr) and lr > 0):
            raise SystemExit("%s: no suggested LR in the report" % name)
        summary = [l for l in done.stdout.splitlines() if l.startswith(("suggested LR", "  cost"))]
        return seconds, lr, result.get("suggested_by"), summary


# The adapters' bookkeeping, checked against the framework itself with a stand-in job: the Keras
# callback's loss is each batch's own (not the epoch's running mean), and the Lightning callback
# counts accumulate_grad_batches micro-batches as one update and reports a GradScaler's skip, and
# the JAX loop's LR reaches optax at every update.
ADAPTER_CHECKS = {
    "keras: each batch's own loss": r"""
import os; os.environ["KERAS_BACKEND"] = "torch"
import keras, numpy as np
from lrfind_client.keras import LrfindCallback
x = np.random.default_rng(0).normal(size=(256, 5)).astype("float32"); y = (x.sum(1) > 0).astype("float32")
model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(1, activation="sigmoid")])
loss_fn = keras.losses.BinaryCrossentropy()
model.compile(optimizer=keras.optimizers.SGD(0.5), loss=loss_fn)
class Job:
    done, momentum, knobs, sent = 0, None, {}, []
    def wants_eval(self): return False
    def next_lr(self): return 0.5 if self.done < 8 else None
    def step(self, loss): self.sent.append(loss); self.done += 1
want = []
class Before(keras.callbacks.Callback):
    def on_train_batch_begin(self, batch, logs=None):
        xb, yb = x[batch * 32:(batch + 1) * 32], y[batch * 32:(batch + 1) * 32]
        want.append(float(loss_fn(yb, self.model.predict(xb, verbose=0)[:, 0])))
job = Job()
model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0, callbacks=[Before(), LrfindCallback(job)])
assert len(job.sent) == 8 and max(abs(a - b) for a, b in zip(job.sent, want)) < 1e-5, (job.sent, want)
""",
    "lightning: accumulation and a skipped update": r"""
import pytorch_lightning as pl, torch
from pytorch_lightning.plugins.precision import MixedPrecision
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from lrfind_client.lightning import LrfindCallback
class Job:
    def __init__(self): self.done, self.momentum, self.knobs, self.sent = 0, None, {}, []
    def wants_eval(self): return False
    def next_lr(self): return 0.01 if self.done < 5 else None
    def step(self, loss): self.sent.append(loss); self.done += 1
    def skip(self): self.sent.append("skip")
class M(pl.LightningModule):
    def __init__(self, bad):
        super().__init__(); self.net = nn.Linear(4, 1); self.bad, self.calls = bad, 0
    def training_step(self, batch, i):
        self.calls += 1
        loss = ((self.net(batch[0]) - batch[1]) ** 2).mean()
        return loss * float("inf") if self.calls == self.bad else loss
    def configure_optimizers(self): return torch.optim.SGD(self.parameters(), lr=0.1)
data = DataLoader(TensorDataset(torch.randn(64, 4), torch.randn(64, 1)), batch_size=8)
quiet = dict(max_epochs=-1, accelerator="cpu", logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
job, m = Job(), M(0)
pl.Trainer(accumulate_grad_batches=2, callbacks=[LrfindCallback(job)], **quiet).fit(m, data)
assert m.calls == 10 and len(job.sent) == 5 and "skip" not in job.sent, (m.calls, job.sent)
job, m = Job(), M(3)
scaler = MixedPrecision("16-mixed", "cpu", scaler=torch.amp.GradScaler("cpu", init_scale=1.0))
pl.Trainer(plugins=[scaler], callbacks=[LrfindCallback(job)], **quiet).fit(m, data)
assert job.sent.count("skip") == 1 and job.sent[2] == "skip" and job.done == 5, job.sent
""",
    "jax: the LR of each update reaches optax": r"""
import jax, jax.numpy as jnp, optax
from lrfind_client.jax import run
class Job:
    def __init__(self, lrs): self.lrs, self.done, self.momentum, self.knobs, self.sent = lrs, 0, None, {}, []
    def wants_eval(self): return False
    def next_lr(self): return self.lrs[self.done] if self.done < len(self.lrs) else None
    def step(self, loss): self.sent.append(loss); self.done += 1
opt = optax.inject_hyperparams(optax.sgd)(learning_rate=1.0)
loss_fn = lambda p, b: jnp.sum((p["w"] - b) ** 2)
@jax.jit
def train_step(p, state, b):
    loss, g = jax.value_and_grad(loss_fn)(p, b)
    u, state = opt.update(g, state, p)
    return optax.apply_updates(p, u), state, loss
p = {"w": jnp.zeros(3)}
job = Job([0.0, 0.25, 0.0])
p, _ = run(job, p, opt.init(p), train_step, [jnp.ones(3)])
# w: 0 after an LR of 0, then 0 - 0.25 * 2 * (0 - 1) = 0.5, then unchanged
assert jnp.allclose(p["w"], 0.5), p
assert job.sent == [3.0, 3.0, 0.75], job.sent
""",
}


def check_adapters(venv_python):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "clients", "python"), PYTHONDONTWRITEBYTECODE="1")
    for name, code in ADAPTER_CHECKS.items():
        done = subprocess.run([venv_python, "-c", code], env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            print(done.stderr[-4000:], file=sys.stderr)
            raise SystemExit("adapter check failed: %s" % name)
        print("adapter check passed: %s" % name)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--doc", default=os.path.join(ROOT, "docs", "drive.md"))
    parser.add_argument("--lrfind", default=os.path.join(ROOT, "target", "release", "lrfind"))
    parser.add_argument("--only", action="append", help="run only this script (repeatable)")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--adapters", action="store_true", help="also check the adapters' bookkeeping")
    args = parser.parse_args()
    if args.adapters:
        check_adapters(sys.executable)
    with open(args.doc) as f:
        found = blocks(f.read())
    first_torch = None
    for marker, code, line in found:
        try:
            ast.parse(code)
        except SyntaxError as e:
            raise SystemExit("%s:%d: a python block that does not parse: %s" % (args.doc, line + e.lineno - 1, e.msg))
        if first_torch is None and re.search(r"^\s*(import torch|from torch)", code, re.M):
            first_torch = (marker, line)
    if first_torch is None or first_torch[0] is None:
        raise SystemExit("%s: the first python block that imports torch is not a checked script" % args.doc)
    venv_bin = os.path.dirname(sys.executable)
    print("%d python blocks parse; the first that imports torch (line %d) is %s" % (len(found), first_torch[1], first_torch[0][0]))
    for marker, code, line in found:
        if marker is None or (args.only and marker[0] not in args.only):
            continue
        name, command = marker
        seconds, lr, by, summary = run(name, command, code, args.lrfind, venv_bin, args.timeout)
        print("%-22s %7.1f s  suggested %.3g (%s)  `%s`" % (name, seconds, lr, by, command))
        for s in summary:
            print("    " + s.strip())


if __name__ == "__main__":
    main()
