"""What the benchmark's real models (bench/models/*.py) share: training at a fixed LR under the
regret benchmark's budgets, and range tests recorded by torch-lr-finder and by fastai.

Each model script owns its model, its data and its loss, and exposes the same functions
(`build_model`, `make_loaders`, `loss_fn`, `train`, `range_test_torch_lr_finder`,
`range_test_fastai`); they call these with their own pieces, so the training protocol is written
once. The protocol is bench/oracle.py's (its docstring), reused by import:

- Budgets `oracle.BUDGETS`: long = max(10 epochs, 500 steps), validated after every epoch; short =
  100 steps, validated every 10 steps. Both validate before the first step and after the last.
  One run at a constant LR serves both: its first 100 steps are the short run (the same seed gives
  the same init and batches, and validation draws nothing from any generator).
- A run's loss L is the lowest validation loss it reached; a run diverges when a training loss is
  not finite or a validation loss exceeds `oracle.DIVERGE_FACTOR` times the untrained one, and
  its L is then the untrained loss. Regret is `oracle.regret_of`.
- Optimizers `oracle.make_optimizer`: Adam with torch's defaults, SGD with momentum 0.9.
- The seed fixes the init (`torch.manual_seed(seed)` before the model is built) and the batch
  order (the training loader's generator).
- The competitors' range test: `oracle.RANGE_STEPS` steps from `oracle.RANGE_START` to
  `oracle.RANGE_END` with each tool's defaults otherwise (torch-lr-finder: `smooth_f` 0.05, stop at
  5x the best smoothed loss; fastai: `beta` 0.98, stop at 4x).
"""
import functools
import math
import random
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader, TensorDataset

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import oracle  # noqa: E402

BATCH = 64


def loaders(train, val, seed, batch=BATCH):
    """The training loader (a fresh shuffle per pass from a generator seeded with `seed`, whole
    batches only) and the validation loader (in order) of two TensorDatasets."""
    g = torch.Generator().manual_seed(seed)
    return (DataLoader(train, batch_size=min(batch, len(train)), shuffle=True, drop_last=True,
                       generator=g),
            DataLoader(val, batch_size=256))


def validate(model, loader, loss_fn):
    """The mean loss over the validation rows (each batch weighted by its rows)."""
    model.eval()
    total, rows = 0.0, 0
    with torch.no_grad():
        for x, y in loader:
            total += float(loss_fn(model(x), y)) * len(x)
            rows += len(x)
    model.train()
    return total / rows


def train_fixed(model, train_loader, val_loader, loss_fn, opt, lr, make_optimizer=None):
    """Trains `model` at the constant `lr` with optimizer `opt`; returns, for each budget of
    `oracle.BUDGETS`, {"best": L, "initial", "diverged", "steps"} (see the module doc).

    `make_optimizer(params)`, when given, builds the optimizer instead (`opt` and `lr` are then
    unused): an optimizer that sets its own step size (Prodigy, schedule-free AdamW) trains
    under the same budgets. One with `train()` and `eval()` methods (schedule-free's) is put in
    eval mode around each validation, as its authors require."""
    per_epoch = len(train_loader)
    budgets = oracle.BUDGETS
    steps = {name: b.steps(per_epoch) for name, b in budgets.items()}
    every = {name: b.eval_every(per_epoch) for name, b in budgets.items()}
    total = max(steps.values())
    if make_optimizer is None:
        optimizer = oracle.make_optimizer(opt, model.parameters(), lr)
    else:
        optimizer = make_optimizer(model.parameters())
    modes = hasattr(optimizer, "eval") and hasattr(optimizer, "train")

    def measure():
        if modes:
            optimizer.eval()
        val = validate(model, val_loader, loss_fn)
        if modes:
            optimizer.train()
        return val

    initial = measure()
    state = {name: dict(best=initial, diverged=False, finite=True, steps=0) for name in budgets}

    def batches():
        while True:
            yield from train_loader

    model.train()
    for step, (x, y) in zip(range(1, total + 1), batches()):
        loss = loss_fn(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        finite = math.isfinite(loss.item())
        live = [n for n, s in state.items() if step <= steps[n] and not s["diverged"]]
        for n in live:
            state[n]["finite"] &= finite
            state[n]["steps"] = step
        due = [n for n in live if step % every[n] == 0 or step == steps[n]]
        if due:
            val = measure()
            for n in due:
                s = state[n]
                if not s["finite"] or not math.isfinite(val) or val > oracle.DIVERGE_FACTOR * initial:
                    s["diverged"] = True
                else:
                    s["best"] = min(s["best"], val)
        if all(s["diverged"] or step >= steps[n] for n, s in state.items()):
            break
    return {n: dict(best=initial if s["diverged"] else s["best"], initial=initial,
                    diverged=s["diverged"], steps=s["steps"]) for n, s in state.items()}


def torch_lr_finder_curve(model, train_loader, loss_fn, opt):
    """torch-lr-finder's range test of `model` with optimizer `opt`: its `history` (the
    smoothed losses, as it saves them) and its own suggestion (the steepest gradient of that
    curve, as `plot(suggest_lr=True)` picks it; None when it cannot)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from torch_lr_finder import LRFinder

    finder = LRFinder(model, oracle.make_optimizer(opt, model.parameters(), oracle.RANGE_START),
                      loss_fn)
    with oracle.quiet():
        finder.range_test(train_loader, end_lr=oracle.RANGE_END, num_iter=oracle.RANGE_STEPS)
        try:
            _, lr = finder.plot(suggest_lr=True, ax=plt.figure().gca())
        except (RuntimeError, ValueError):  # too few steps before it diverged
            lr = None
    plt.close("all")
    history = {k: [float(v) for v in vs] for k, vs in finder.history.items()}
    return dict(history=history, suggestion=None if lr is None else float(lr))


def fastai_valley(lrs, losses):
    """fastai's valley rule on a recorded curve, read as `lr_find` reads its own: the first
    tenth and the last 5 points dropped, then `fastai.callback.schedule.valley`. None when the
    curve is too short for it."""
    from fastai.callback.schedule import valley

    n = len(losses)
    lrs, losses = torch.tensor(lrs[n // 10:-5]), torch.tensor(losses[n // 10:-5])
    finite = torch.isfinite(losses)
    if not finite.all():
        cut = int(torch.nonzero(~finite)[0])
        lrs, losses = lrs[:cut], losses[:cut]
    if len(losses) < 2:
        return None
    try:
        return float(valley(lrs, losses, n)[0])
    except IndexError:
        return None


def fastai_curve(model, train_set, val_set, loss_fn, opt, seed, batch=BATCH):
    """fastai's `lr_find` on `model` with optimizer `opt`: the recorder's LRs and (smoothed)
    losses, and its valley pick (None when fastai cannot pick)."""
    from fastai.callback.schedule import valley
    from fastai.data.core import DataLoaders
    from fastai.data.load import DataLoader as FastaiLoader
    from fastai.learner import Learner
    from fastai.optimizer import OptimWrapper

    random.seed(seed)  # fastai's loader draws its shuffling RNG's seed from `random`
    dls = DataLoaders(FastaiLoader(train_set, bs=min(batch, len(train_set)), shuffle=True,
                                   drop_last=True),
                      FastaiLoader(val_set, bs=256))
    opt_func = functools.partial(OptimWrapper, opt=torch.optim.Adam) if opt == "adam" else \
        functools.partial(OptimWrapper, opt=torch.optim.SGD, momentum=oracle.SGD_MOMENTUM)
    with tempfile.TemporaryDirectory() as tmp:
        learn = Learner(dls, model, loss_func=loss_fn, opt_func=opt_func, path=tmp)
        with oracle.quiet(), learn.no_bar():
            try:
                lr = learn.lr_find(start_lr=oracle.RANGE_START, end_lr=oracle.RANGE_END,
                                   num_it=oracle.RANGE_STEPS, show_plot=False,
                                   suggest_funcs=(valley,)).valley
            except IndexError:  # diverged before the points valley reads
                lr = None
        lrs = [float(v) for v in learn.recorder.lrs]
        losses = [float(v) for v in learn.recorder.losses]
    return dict(history=dict(lr=lrs, loss=losses), suggestion=None if lr is None else float(lr))


def seeded(build, seed):
    """`build()` right after `torch.manual_seed(seed)`: the seed fixes the init."""
    torch.manual_seed(seed)
    return build()


def as_datasets(x_train, y_train, x_val, y_val):
    return TensorDataset(x_train, y_train), TensorDataset(x_val, y_val)


class ClientClock:
    """Time a worker spends inside lrfind_client's calls (the protocol's share of its wall time),
    in three parts: `per_update`, the calls each update makes (`next_lr`, `step`, `wants_eval`,
    `eval`); `job_end`, the `next_lr` that finds a job's updates done (it says `done` and waits
    for lrfind to carry the job on or hand out the next); `between`, the waits for the next job
    (`jobs()`). The last two include lrfind's own time deciding what runs next. `per_update_cpu`
    is the per-update calls' CPU time (this thread's), which a loaded machine does not inflate
    as it does their wall time (a send that wakes lrfind can lose the core to it)."""

    def __init__(self):
        self.start, self.start_cpu = time.perf_counter(), time.process_time()
        self.per_update = self.per_update_cpu = self.job_end = self.between = 0.0
        self.steps = self.evals = self.jobs = 0

    def call(self, fn, *args):
        t, c = time.perf_counter(), time.thread_time()
        try:
            return fn(*args)
        finally:
            self.per_update += time.perf_counter() - t
            self.per_update_cpu += time.thread_time() - c

    def next_lr(self, job):
        """`job.next_lr()`, timed as per-update or job-end."""
        at_end = job.until is not None and job.done >= job.until
        t, c = time.perf_counter(), time.thread_time()
        try:
            return job.next_lr()
        finally:
            dt = time.perf_counter() - t
            if at_end:
                self.job_end += dt
            else:
                self.per_update += dt
                self.per_update_cpu += time.thread_time() - c

    def jobs_of(self, worker):
        it = iter(worker.jobs())
        while True:
            t = time.perf_counter()
            try:
                job = next(it)
            except StopIteration:
                return
            finally:
                self.between += time.perf_counter() - t
            self.jobs += 1
            yield job

    def report(self):
        import resource

        usage = resource.getrusage(resource.RUSAGE_SELF)
        return dict(wall=time.perf_counter() - self.start,
                    cpu=time.process_time() - self.start_cpu,
                    process_cpu=usage.ru_utime + usage.ru_stime, per_update=self.per_update,
                    per_update_cpu=self.per_update_cpu, job_end=self.job_end,
                    between=self.between, steps=self.steps, evals=self.evals, jobs=self.jobs)


def serve(m, opt, timing=None):
    """Model script `m` as a worker of `lrfind drive` (docs/drive.md; the API is lrfind_client's):
    every job trains a fresh `m.build_model(job.seed)` on `m.make_loaders(job.seed)` with `opt`
    (oracle.make_optimizer: Adam with torch's defaults, SGD with momentum 0.9), one batch an
    update, at the LR lrfind sends for each update, and measures `validate` when asked. A job's
    weight decay (torch.optim's) and momentum (SGD's, or Adam's beta1) are applied when it sets
    them. `timing`, a path: where to write the ClientClock's report as JSON when lrfind ends."""
    import json

    import lrfind_client

    oracle.one_thread()
    clock = ClientClock()
    train_set, val_set = m.datasets()
    train_loader, _ = m.make_loaders(0)
    worker = lrfind_client.connect(
        framework="pytorch", validation=True, train_size=len(train_set), val_size=len(val_set),
        batch_size=train_loader.batch_size, optimizer=opt, knobs=("weight_decay", "momentum"),
        name=f"{m.NAME} ({opt})")
    for job in clock.jobs_of(worker):
        model = m.build_model(job.seed)
        train_loader, val_loader = m.make_loaders(job.seed)
        loss_fn = m.loss_fn()
        weight_decay = job.knobs.get("weight_decay") or 0.0
        # The LR of each update is set from lrfind's before it; this one is never used.
        optimizer = oracle.make_optimizer(opt, model.parameters(), 1e-3, weight_decay)
        default_momentum = job.knobs.get("momentum")

        def set_momentum(value):
            for group in optimizer.param_groups:
                if opt == "adam":
                    group["betas"] = (value, group["betas"][1])
                else:
                    group["momentum"] = value

        if default_momentum is not None:
            set_momentum(default_momentum)

        def measure():
            if clock.call(job.wants_eval):
                loss = validate(model, val_loader, loss_fn)
                clock.evals += 1
                clock.call(job.eval, loss)

        def batches():
            while True:
                yield from train_loader

        batch = batches()
        measure()
        model.train()
        while (lr := clock.next_lr(job)) is not None:
            for group in optimizer.param_groups:
                group["lr"] = lr
            if job.momentum is not None:
                set_momentum(job.momentum)
            x, y = next(batch)
            loss = loss_fn(model(x), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            clock.steps += 1
            clock.call(job.step, loss.item())
            measure()
    if timing:
        Path(timing).write_text(json.dumps(clock.report()) + "\n")


def main(m):
    """A model script's command line: `X.py OPT LR` trains at one LR (seed 0) and prints each
    budget's L; `X.py --worker --opt OPT [--timing PATH]` serves `lrfind drive` (`serve`)."""
    import argparse

    parser = argparse.ArgumentParser(description=(m.__doc__ or "").split("\n\n")[0])
    parser.add_argument("opt", nargs="?", choices=oracle.OPTIMIZERS)
    parser.add_argument("lr", nargs="?", type=float)
    parser.add_argument("--worker", action="store_true",
                        help="be a worker of `lrfind drive -- python X.py --worker --opt OPT`")
    parser.add_argument("--opt", dest="worker_opt", choices=oracle.OPTIMIZERS, default="adam",
                        help="the worker's optimizer (default adam)")
    parser.add_argument("--timing", help="write the time spent in lrfind_client's calls here "
                                         "(JSON) when lrfind ends")
    args = parser.parse_args()
    if args.worker:
        serve(m, args.worker_opt, args.timing)
    elif args.opt is None or args.lr is None:
        parser.error("give OPT and LR, or --worker")
    else:
        print(m.train(args.opt, args.lr, 0))
