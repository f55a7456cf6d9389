"""A PyTorch Lightning callback that makes ``Trainer.fit`` one job of ``lrfind drive``.

Build a fresh model and Trainer for every job (each job is a training from a fresh start, seeded
by ``job.seed``) and pass the callback; it sets the LR of every optimizer update (keeping the
ratios of several parameter groups), reports each update's loss (the mean over micro-batches
with ``accumulate_grad_batches``; an update a mixed-precision scaler skipped as skipped), measures
the validation loss when lrfind asks, and stops the Trainer when the job is over::

    for job in worker.jobs():
        pl.seed_everything(job.seed)
        trainer = pl.Trainer(max_epochs=-1, callbacks=[LrfindCallback(job, validate)], ...)
        trainer.fit(Model(), train_loader)

``validate(pl_module)`` returns the validation loss as a float; it runs in eval mode without
gradients. Do not configure an LR scheduler: lrfind sets the LR. Imports Lightning (the
``lightning`` package, else ``pytorch_lightning``) and torch when imported.
"""

import torch

try:
    import lightning.pytorch as pl
except ImportError:  # the older package name
    import pytorch_lightning as pl

from .helpers import ParamGroups


class LrfindCallback(pl.Callback):
    """Runs ``job`` inside ``Trainer.fit``; ``validate(pl_module) -> float`` measures the
    validation loss (needed when the worker said ``validation=True``). ``optimizer`` picks which
    of the module's optimizers lrfind's LR drives."""

    def __init__(self, job, validate=None, optimizer=0):
        super().__init__()
        self.job = job
        self.validate = validate
        self.optimizer = optimizer
        self._groups = None
        self._losses = []
        self._updates = 0
        self._scale = None
        self._over = False

    def _scaler(self, trainer):
        return getattr(getattr(trainer, "precision_plugin", None), "scaler", None)

    def _measure(self, pl_module):
        if not self.job.wants_eval():
            return
        if self.validate is None:
            raise RuntimeError(
                "lrfind asked for a validation loss: give LrfindCallback a validate(pl_module)"
            )
        training = pl_module.training
        pl_module.eval()
        with torch.no_grad():
            loss = float(self.validate(pl_module))
        pl_module.train(training)
        self.job.eval(loss)

    def _next(self, trainer):
        lr = self.job.next_lr()
        if lr is None:
            self._over = True
            trainer.should_stop = True
            return
        self._groups.apply(self.job, lr)
        scaler = self._scaler(trainer)
        self._scale = scaler.get_scale() if scaler is not None and scaler.is_enabled() else None

    def on_train_start(self, trainer, pl_module):
        self._groups = ParamGroups(trainer.optimizers[self.optimizer])
        self._updates = trainer.global_step
        self._measure(pl_module)
        self._next(trainer)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if self._over:
            return
        loss = outputs["loss"] if isinstance(outputs, dict) else outputs
        # Lightning hands on the loss divided by accumulate_grad_batches (what it backpropagates).
        self._losses.append(float(loss) * trainer.accumulate_grad_batches)
        if trainer.global_step == self._updates:
            return  # a micro-batch: the update comes at the end of the window
        self._updates = trainer.global_step
        scaler = self._scaler(trainer)
        if self._scale is not None and scaler.get_scale() < self._scale:
            self.job.skip()
        else:
            losses, n = self._losses, len(self._losses)
            self.job.step(sum(losses) / n)
        self._losses = []
        self._measure(pl_module)
        self._next(trainer)
