"""A worker in plain Python, no packages: softmax regression on a CSV whose last column is the
class (data/iris.csv), trained by SGD with momentum, made a worker of `lrfind drive` by
lrfind_client. It applies every knob (batch size, weight decay, momentum), holds out a fifth of
the rows by the job's seed, and measures their loss when lrfind asks.

    lrfind drive -- python3 clients/python/examples/logistic_iris.py data/iris.csv

(with clients/python installed, or run from the repository's root as here: it finds the package
beside it). lrfind's own end-to-end test of the Python client runs exactly this.
"""

import csv
import math
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import lrfind_client  # noqa: E402


def load(path):
    """Standardised features and class indices of a CSV with a header, the class last."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    labels = sorted({r[-1] for r in rows})
    y = [labels.index(r[-1]) for r in rows]
    x = [[float(v) for v in r[:-1]] for r in rows]
    d = len(x[0])
    mean = [sum(r[j] for r in x) / len(x) for j in range(d)]
    sd = [math.sqrt(sum((r[j] - mean[j]) ** 2 for r in x) / len(x)) or 1.0 for j in range(d)]
    x = [[(r[j] - mean[j]) / sd[j] for j in range(d)] for r in x]
    return x, y, len(labels)


class Softmax:
    """Weights w[k][j] and biases b[k]; SGD with momentum, weight decay added to the gradient (L2)."""

    def __init__(self, d, k, rng):
        self.w = [[rng.gauss(0.0, 0.1) for _ in range(d)] for _ in range(k)]
        self.b = [0.0] * k
        self.vw = [[0.0] * d for _ in range(k)]
        self.vb = [0.0] * k

    def losses_and_grads(self, xs, ys):
        """Mean cross-entropy over the rows and its gradient."""
        k, d = len(self.w), len(self.w[0])
        gw = [[0.0] * d for _ in range(k)]
        gb = [0.0] * k
        total = 0.0
        for x, y in zip(xs, ys):
            z = [self.b[c] + sum(wj * xj for wj, xj in zip(self.w[c], x)) for c in range(k)]
            top = max(z)
            if not math.isfinite(top):
                return float("nan"), gw, gb
            e = [math.exp(v - top) for v in z]
            s = sum(e)
            total += top + math.log(s) - z[y]
            for c in range(k):
                g = e[c] / s - (1.0 if c == y else 0.0)
                gb[c] += g
                row = gw[c]
                for j in range(d):
                    row[j] += g * x[j]
        n = len(xs)
        return total / n, [[g / n for g in row] for row in gw], [g / n for g in gb]

    def update(self, gw, gb, lr, momentum, weight_decay):
        try:
            for c in range(len(self.w)):
                for j in range(len(self.w[c])):
                    g = gw[c][j] + weight_decay * self.w[c][j]
                    self.vw[c][j] = momentum * self.vw[c][j] + g
                    self.w[c][j] -= lr * self.vw[c][j]
                self.vb[c] = momentum * self.vb[c] + gb[c]
                self.b[c] -= lr * self.vb[c]
        except OverflowError:
            self.b = [float("nan")] * len(self.b)


def main():
    x, y, classes = load(sys.argv[1] if len(sys.argv) > 1 else "data/iris.csv")
    batch_size, weight_decay, momentum = 16, 0.0, 0.9
    held = len(x) // 5
    worker = lrfind_client.connect(
        framework="python",
        validation=True,
        train_size=len(x) - held,
        val_size=held,
        batch_size=batch_size,
        optimizer="sgd",
        knobs=("batch_size", "weight_decay", "momentum"),
        classes=classes,
    )
    for job in worker.jobs():
        rng = random.Random(job.seed)
        order = list(range(len(x)))
        rng.shuffle(order)
        val, train = order[:held], order[held:]
        model = Softmax(len(x[0]), classes, rng)
        bs = job.knobs["batch_size"] or batch_size
        wd = job.knobs["weight_decay"]
        wd = weight_decay if wd is None else wd
        at = len(train)

        def validate():
            return model.losses_and_grads([x[i] for i in val], [y[i] for i in val])[0]

        if job.wants_eval():
            job.eval(validate())
        while (lr := job.next_lr()) is not None:
            m = job.momentum or job.knobs["momentum"]
            m = momentum if m is None else m
            if at + bs > len(train):
                rng.shuffle(train)
                at = 0
            rows = train[at : at + bs]
            at += bs
            loss, gw, gb = model.losses_and_grads([x[i] for i in rows], [y[i] for i in rows])
            model.update(gw, gb, lr, m, wd)
            job.step(loss)
            if job.wants_eval():
                job.eval(validate())


if __name__ == "__main__":
    main()
