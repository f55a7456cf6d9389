"""A Keras 3 callback that makes ``model.fit`` one job of ``lrfind drive``.

Build and compile a fresh model for every job (seeded by ``job.seed``) and pass the callback to
``fit`` with enough epochs to reach ``job.until`` updates (the callback stops it at the end of
the job)::

    for job in worker.jobs():
        keras.utils.set_random_seed(job.seed)
        model = build()
        model.fit(x, y, batch_size=64, epochs=10**6, verbose=0,
                  callbacks=[LrfindCallback(job, validate)])

It sets the optimizer's LR before every update (and Adam's ``beta_1`` or SGD's ``momentum``
when the job gives one), reports each update's own training loss (Keras' logs hold the epoch's
running mean, so the callback resets the model's metrics before each batch: the epoch's logs then
hold the last batch's), counts ``gradient_accumulation_steps`` micro-batches as one update, and
measures ``validate(model) -> float`` when lrfind asks. Imports keras when imported.
"""

import keras


class LrfindCallback(keras.callbacks.Callback):
    """Runs ``job`` inside ``model.fit``; ``validate(model) -> float`` measures the validation
    loss (needed when the worker said ``validation=True``)."""

    def __init__(self, job, validate=None):
        super().__init__()
        self.job = job
        self.validate = validate
        self._losses = []

    def _measure(self):
        if not self.job.wants_eval():
            return
        if self.validate is None:
            raise RuntimeError(
                "lrfind asked for a validation loss: give LrfindCallback a validate(model)"
            )
        self.job.eval(float(self.validate(self.model)))

    def _next(self):
        lr = self.job.next_lr()
        if lr is None:
            self.model.stop_training = True
            return
        optimizer = self.model.optimizer
        optimizer.learning_rate = lr
        momentum = self.job.momentum
        if momentum is None:
            momentum = self.job.knobs.get("momentum")
        if momentum is not None:
            for name in ("beta_1", "momentum"):
                if hasattr(optimizer, name):
                    setattr(optimizer, name, momentum)
                    break
        decay = self.job.knobs.get("weight_decay")
        if decay is not None:
            optimizer.weight_decay = decay

    def on_train_begin(self, logs=None):
        self._measure()
        self._next()

    def on_train_batch_begin(self, batch, logs=None):
        for metric in self.model.metrics:
            metric.reset_state()

    def on_train_batch_end(self, batch, logs=None):
        if self.model.stop_training:
            return
        self._losses.append(float(logs["loss"]))
        every = getattr(self.model.optimizer, "gradient_accumulation_steps", None) or 1
        if len(self._losses) < every:
            return
        self.job.step(sum(self._losses) / len(self._losses))
        self._losses = []
        self._measure()
        self._next()
