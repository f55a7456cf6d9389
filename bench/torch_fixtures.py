#!/usr/bin/env python3
"""PyTorch's own numbers for lrfind's Rust tests to replay (tests/torch_parity.rs); CI needs no Python.

Writes, under tests/fixtures/torch/:

- `classification.json` (a 5-7-4-3 MLP, cross-entropy, batches of 6) and `regression.json`
  (a 3-6-1 MLP, mean squared error, batches of 8). Each holds the layer sizes, the initial
  parameters as one flat float32 vector in lrfind's layout (layer by layer: `W` as fan_in x
  fan_out row-major, i.e. torch's `weight.T`, then `b`), the batches, and for each optimizer of
  `OPTIMIZERS` (torch.optim with the stated settings and LR) the trajectory of `STEPS` steps
  from those parameters: step t trains on batch t mod len(batches), and records the loss of that
  batch before the update (what lrfind's `loss_and_grad` returns) and the flat parameters after
  it. Everything is computed in float32, as lrfind trains.
- `init.json`: PyTorch's default `nn.Linear` initialisation for lrfind's default model shape,
  for testing `--init pytorch`. `reset_parameters` draws the weight with
  `kaiming_uniform_(a=sqrt(5))`: gain = sqrt(2 / (1 + a^2)) = sqrt(1/3), bound =
  gain * sqrt(3 / fan_in) = 1 / sqrt(fan_in); and the bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  So weights and biases are both U(-b, b) with b = 1/sqrt(fan_in): mean 0, variance
  b^2 / 3 = 1 / (3 fan_in). The file gives, per layer, fan_in, fan_out, b and that variance, and
  the sample statistics of torch's own draws (seeds 0..99) as a check of the formula.

Each trajectory is also computed in float64 from the same start, and the script refuses to write
a fixture where float32 and float64 differ by more than 1e-6 relative (floor 1e-7): the test's
1e-5 tolerance then cannot be tripped by rounding, only by a different update rule.

Run from the repository root:  python bench/torch_fixtures.py   (a few seconds)
"""
import json
import math
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "torch"
STEPS = 8
# name -> torch.optim class, its settings, the LR, and the same optimizer in lrfind's terms.
OPTIMIZERS = {
    "adam": (torch.optim.Adam, {}, 0.01,
             dict(kind="adam", momentum=0.0, nesterov=False, weight_decay=0.0)),
    "adam_l2": (torch.optim.Adam, dict(weight_decay=0.01), 0.01,
                dict(kind="adam", momentum=0.0, nesterov=False, weight_decay=0.01)),
    "adamw": (torch.optim.AdamW, dict(weight_decay=0.01), 0.01,
              dict(kind="adamw", momentum=0.0, nesterov=False, weight_decay=0.01)),
    "sgd_momentum": (torch.optim.SGD, dict(momentum=0.9), 0.05,
                     dict(kind="sgd", momentum=0.9, nesterov=False, weight_decay=0.0)),
    "sgd_nesterov_wd": (torch.optim.SGD, dict(momentum=0.9, nesterov=True, weight_decay=0.01), 0.05,
                        dict(kind="sgd", momentum=0.9, nesterov=True, weight_decay=0.01)),
    "rmsprop": (torch.optim.RMSprop, {}, 0.01,
                dict(kind="rmsprop", momentum=0.0, nesterov=False, weight_decay=0.0)),
    "adagrad": (torch.optim.Adagrad, {}, 0.05,
                dict(kind="adagrad", momentum=0.0, nesterov=False, weight_decay=0.0)),
}


def build_mlp(sizes):
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        if i:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(fan_in, fan_out))
    return nn.Sequential(*layers)


def flat(model):
    """The parameters in lrfind's layout: per layer W (fan_in x fan_out, row-major), then b."""
    parts = []
    for m in model:
        if isinstance(m, nn.Linear):
            parts += [m.weight.detach().T.reshape(-1), m.bias.detach()]
    return torch.cat(parts)


def trajectory(model, batches, classification, optimizer, settings, lr):
    """Loss before, and flat parameters after, each of STEPS steps."""
    loss_fn = nn.CrossEntropyLoss() if classification else nn.MSELoss()
    opt = optimizer(model.parameters(), lr=lr, **settings)
    steps = []
    for t in range(STEPS):
        x, y = batches[t % len(batches)]
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        steps.append((loss.detach(), flat(model)))
    return steps


def check_conditioning(name, f32, f64):
    for t, ((l32, p32), (l64, p64)) in enumerate(zip(f32, f64)):
        for a, b in [(l32.double(), l64)] + list(zip(p32.double(), p64)):
            if abs(a - b) > max(1e-6 * max(abs(a), abs(b)), 1e-7):
                raise SystemExit(f"{name}, step {t}: float32 {a} vs float64 {b}; "
                                 "pick another LR or batch so the fixture is well-conditioned")


def numbers(t):
    """Float32 values as JSON numbers (Python's repr of the float32 value, exact)."""
    return [float(v) for v in t.float().reshape(-1).tolist()]


def fixture(name, sizes, classification, batch, n_batches, seed):
    torch.manual_seed(seed)
    model = build_mlp(sizes)
    xs = [torch.randn(batch, sizes[0]) for _ in range(n_batches)]
    if classification:
        ys = [torch.randint(0, sizes[-1], (batch,)) for _ in range(n_batches)]
    else:
        ys = [torch.randn(batch, 1) for _ in range(n_batches)]
    start = {k: v.clone() for k, v in model.state_dict().items()}
    out = dict(
        about=f"PyTorch {torch.__version__} trajectories for tests/torch_parity.rs, written by "
              "bench/torch_fixtures.py; see its docstring",
        torch_version=torch.__version__, sizes=list(sizes), classification=classification,
        batch=batch, steps=STEPS,
        layout="one flat vector, layer by layer: W as fan_in x fan_out row-major (torch's "
               "weight.T), then b",
        params=numbers(flat(model)),
        batches=[dict(inputs=[numbers(row) for row in x],
                      **({"labels": y.tolist()} if classification else {"targets": numbers(y)}))
                 for x, y in zip(xs, ys)],
        optimizers=[])
    for opt_name, (optimizer, settings, lr, lrfind) in OPTIMIZERS.items():
        model.load_state_dict(start)
        f32 = trajectory(model.float(), list(zip(xs, ys)), classification, optimizer, settings, lr)
        model.load_state_dict(start)
        batches64 = [(x.double(), y if classification else y.double()) for x, y in zip(xs, ys)]
        f64 = trajectory(model.double(), batches64, classification, optimizer, settings, lr)
        check_conditioning(f"{name}/{opt_name}", f32, f64)
        out["optimizers"].append(dict(
            name=opt_name, torch=f"torch.optim.{optimizer.__name__}(lr={lr}"
            + "".join(f", {k}={v}" for k, v in settings.items()) + ")",
            lr=lr, **lrfind,
            steps=[dict(loss=float(loss), params=numbers(p)) for loss, p in f32]))
        model.float()
    return out


def init_stats(sizes, seeds=100):
    """PyTorch's default init of an MLP of `sizes`: the bound and variance per layer, and the
    sample statistics of torch's draws over `seeds` seeds."""
    layers = []
    draws = [[] for _ in sizes[1:]]
    for seed in range(seeds):
        torch.manual_seed(seed)
        for l, m in enumerate(m for m in build_mlp(sizes) if isinstance(m, nn.Linear)):
            draws[l].append((m.weight.detach().reshape(-1).double(), m.bias.detach().double()))
    for l, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        bound = 1 / math.sqrt(fan_in)
        w = torch.cat([d[0] for d in draws[l]])
        b = torch.cat([d[1] for d in draws[l]])
        layers.append(dict(
            layer=l, fan_in=fan_in, fan_out=fan_out, weight_bound=bound, bias_bound=bound,
            variance=bound ** 2 / 3,
            torch_sample=dict(seeds=seeds,
                              weight=dict(n=w.numel(), mean=w.mean().item(), variance=w.var().item(),
                                          max_abs=w.abs().max().item()),
                              bias=dict(n=b.numel(), mean=b.mean().item(), variance=b.var().item(),
                                        max_abs=b.abs().max().item()))))
    return dict(sizes=list(sizes), layers=layers)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, args in {"classification": ([5, 7, 4, 3], True, 6, 3, 1),
                       "regression": ([3, 6, 1], False, 8, 3, 2)}.items():
        data = fixture(name, *args)
        (OUT / f"{name}.json").write_text(json.dumps(data, indent=1) + "\n")
        print(f"wrote {OUT / name}.json: {len(data['optimizers'])} optimizers x {STEPS} steps")
    init = dict(
        about="PyTorch's default nn.Linear init (kaiming_uniform_(a=sqrt(5)) for the weight, "
              "U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias): weights and biases are both "
              "U(-b, b), b = 1/sqrt(fan_in), variance b^2/3 = 1/(3 fan_in). Written by "
              "bench/torch_fixtures.py.",
        torch_version=torch.__version__,
        models=[init_stats([10, 64, 64, 3]), init_stats([200, 64, 64, 1])])
    (OUT / "init.json").write_text(json.dumps(init, indent=1) + "\n")
    print(f"wrote {OUT / 'init.json'}")


if __name__ == "__main__":
    main()
