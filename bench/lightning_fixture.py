#!/usr/bin/env python3
"""tests/fixtures/logs/lightning_lr_find.json and lightning_lr_find_raw.csv: a range test run by
PyTorch Lightning's own `Tuner.lr_find`, saved as its users save it
(`json.dump(lr_finder.results, f)`), beside the raw loss of every batch of the same run.

Lightning 2.6 stores a bias-corrected EMA of the loss whose step count is its `global_step`,
already 1 at the first batch (`_LRCallback.on_train_batch_end` in
`lightning/pytorch/tuner/lr_finder.py`), and a NaN for every batch whose `training_step` returned
None (a skipped step). The model here skips every 17th batch, so the fixture has both; lrfind's
tests read it without options and compare with the raw losses (tests/analyze.rs).

Model: lrfind's default MLP (64-64, ReLU, PyTorch's init, seed 0) on data/digits.csv
(standardised, all rows), Adam, batch 64, 100 steps from 1e-6 to 10, early stop at Lightning's
default 4x. Versions: bench/requirements-lightning.txt, installed beside the venv's torch with
`pip install --no-deps --target DIR -r bench/requirements-lightning.txt` and `PYTHONPATH=DIR`.

Run from the repository root:  PYTHONPATH=DIR python bench/lightning_fixture.py   (a few seconds)
"""
import json
import tempfile
from pathlib import Path

import pandas as pd
import pytorch_lightning as pl
import torch
from pytorch_lightning.tuner import Tuner
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "logs"
SKIP_EVERY = 17


class Mlp(pl.LightningModule):
    def __init__(self, inputs, classes):
        super().__init__()
        self.lr = 1e-3
        self.net = nn.Sequential(nn.Linear(inputs, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                                 nn.Linear(64, classes))
        self.raw = []  # (batch index, loss) of every batch that trained

    def training_step(self, batch, batch_idx):
        if (batch_idx + 1) % SKIP_EVERY == 0:
            self.raw.append(float("nan"))
            return None  # Lightning skips the step and stores NaN
        x, y = batch
        loss = nn.functional.cross_entropy(self.net(x), y)
        self.raw.append(loss.item())
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


def main():
    frame = pd.read_csv(ROOT / "data" / "digits.csv")
    y = torch.tensor(frame["digit"].to_numpy(), dtype=torch.long)
    x = frame.drop(columns=["digit"]).to_numpy(dtype="float32")
    std = x.std(axis=0)
    x = torch.tensor((x - x.mean(axis=0)) / (std + (std == 0)))
    pl.seed_everything(0, verbose=False)
    model = Mlp(x.shape[1], 10)
    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    with tempfile.TemporaryDirectory() as tmp:
        trainer = pl.Trainer(max_epochs=10, accelerator="cpu", logger=False,
                             enable_checkpointing=False, enable_progress_bar=False,
                             enable_model_summary=False, default_root_dir=tmp)
        finder = Tuner(trainer).lr_find(model, train_dataloaders=loader, min_lr=1e-6, max_lr=10.0,
                                        num_training=100)
    results = finder.results
    (OUT / "lightning_lr_find.json").write_text(json.dumps(results))
    rows = ["step,lr,loss"] + [f"{i},{lr!r},{loss!r}" for i, (lr, loss)
                               in enumerate(zip(results["lr"], model.raw[: len(results["lr"])]))]
    (OUT / "lightning_lr_find_raw.csv").write_text("\n".join(rows) + "\n")
    print(f"{len(results['lr'])} points; first stored {results['loss'][0]:.4f} where the loss was "
          f"{model.raw[0]:.4f}; {sum(l != l for l in results['loss'])} NaN")


if __name__ == "__main__":
    main()
