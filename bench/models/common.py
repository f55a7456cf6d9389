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


def train_fixed(model, train_loader, val_loader, loss_fn, opt, lr):
    """Trains `model` at the constant `lr` with optimizer `opt`; returns, for each budget of
    `oracle.BUDGETS`, {"best": L, "initial", "diverged", "steps"} (see the module doc)."""
    per_epoch = len(train_loader)
    budgets = oracle.BUDGETS
    steps = {name: b.steps(per_epoch) for name, b in budgets.items()}
    every = {name: b.eval_every(per_epoch) for name, b in budgets.items()}
    total = max(steps.values())
    optimizer = oracle.make_optimizer(opt, model.parameters(), lr)
    initial = validate(model, val_loader, loss_fn)
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
            val = validate(model, val_loader, loss_fn)
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
