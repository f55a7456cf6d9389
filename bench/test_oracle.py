#!/usr/bin/env python3
"""Checks of bench/oracle.py's protocol against independent computations.

The main one: the three seeds of an LR train as one stacked model, which must give what three
separate `nn.Sequential` models trained with torch.optim give, up to float32 rounding.

Run from the repository root after `python bench/datasets.py`:  python bench/test_oracle.py
(about 10 s; it trains nothing into the cache).
"""
import math
import sys
import unittest
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import oracle  # noqa: E402


def best_alone(table, opt, lr, seed, steps=100, every=10, weight_decay=0.0):
    """Best validation loss of one plain model, trained as the short budget says."""
    torch.manual_seed(seed)
    model = oracle.build_mlp(table.sizes)
    optimizer = oracle.make_optimizer(opt, model.parameters(), lr, weight_decay)
    loss_fn = oracle.loss_fn(table)

    def target(y):
        return y if table.classification else y[:, None]

    order = oracle.batch_order(table, (seed,), steps)[0]
    with torch.no_grad():
        best = loss_fn(model(table.x_val), target(table.y_val)).item()
    for step in range(1, steps + 1):
        idx = order[step - 1]
        optimizer.zero_grad()
        loss_fn(model(table.x_train[idx]), target(table.y_train[idx])).backward()
        optimizer.step()
        if step % every == 0:
            with torch.no_grad():
                best = min(best, loss_fn(model(table.x_val), target(table.y_val)).item())
    return best


class StackedTraining(unittest.TestCase):
    def test_stacked_seeds_train_as_separate_models(self):
        for name, opt, lr in [("iris", "adam", 1e-2), ("diabetes", "sgd", 1e-2),
                              ("wine", "adam", 3e-3)]:
            table = oracle.load_table(name)
            stacked = oracle.train_runs(table, opt, "short", lr, oracle.SEEDS)
            for seed, run in zip(oracle.SEEDS, stacked):
                alone = best_alone(table, opt, lr, seed)
                self.assertFalse(run["diverged"])
                self.assertAlmostEqual(run["best"] / alone, 1.0, delta=1e-5, msg=(name, opt, seed))

    def test_a_diverging_run_scores_its_untrained_loss(self):
        table = oracle.load_table("diabetes")
        for run in oracle.train_runs(table, "sgd", "short", 10.0, oracle.SEEDS):
            self.assertTrue(run["diverged"])
            self.assertEqual(run["best"], run["initial"])
            self.assertLess(run["steps"], 100)


class Scores(unittest.TestCase):
    def test_grid(self):
        self.assertEqual(len(oracle.GRID), 21)
        self.assertEqual((oracle.GRID[0], oracle.GRID[-1]), (1e-5, 1.0))
        self.assertEqual(oracle.GRID[4], 1e-4)
        self.assertEqual(oracle.round_lr(0.0123456789), 0.0123457)

    def test_regret_is_clamped_and_scaled(self):
        self.assertEqual(oracle.regret_of(0.5, best=0.5, untrained=1.5), 0.0)
        self.assertEqual(oracle.regret_of(1.0, best=0.5, untrained=1.5), 0.5)
        self.assertEqual(oracle.regret_of(9.0, best=0.5, untrained=1.5), 1.0)
        self.assertEqual(oracle.regret_of(0.4, best=0.5, untrained=1.5), 0.0)

    def test_interpolation_is_linear_in_log_lr(self):
        means = {lr: math.log10(lr) ** 2 for lr in oracle.GRID}
        self.assertEqual(oracle.interpolated_loss(means, 1e-3), 9.0)
        halfway = 10 ** (-3 + 0.125)  # between 1e-3 and 10^-2.75
        self.assertAlmostEqual(oracle.interpolated_loss(means, halfway), (9.0 + 2.75 ** 2) / 2)
        self.assertEqual(oracle.interpolated_loss(means, 1e-7), 25.0)
        self.assertEqual(oracle.interpolated_loss(means, 10.0), 0.0)


class Tables(unittest.TestCase):
    def test_cleaning_split_and_scaling(self):
        table = oracle.load_table("penguins")
        self.assertFalse(table.rows.isna().any().any())
        self.assertEqual(len(table.rows), len(table.x_train) + len(table.x_val))
        self.assertEqual(len(table.x_val), math.ceil(0.2 * len(table.rows)))
        mean, std = table.x_train.mean(dim=0), table.x_train.std(dim=0, unbiased=False)
        self.assertLess(mean.abs().max().item(), 1e-5)
        self.assertLess((std - 1).abs().max().item(), 1e-4)
        share = [torch.bincount(y, minlength=3) / len(y) for y in (table.y_train, table.y_val)]
        self.assertLess((share[0] - share[1]).abs().max().item(), 0.02)

    def test_constant_columns_are_dropped_as_lrfind_drops_them(self):
        self.assertEqual(oracle.load_table("digits").sizes[0], 61)

    def test_regression_target_is_standardised_on_the_training_split(self):
        table = oracle.load_table("diabetes")
        self.assertLess(abs(table.y_train.mean().item()), 1e-5)
        self.assertAlmostEqual(table.y_train.std(unbiased=False).item(), 1.0, places=4)


if __name__ == "__main__":
    oracle.one_thread()
    unittest.main()
