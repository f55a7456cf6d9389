"""A JAX/optax training loop as one job of ``lrfind drive``.

Wrap the optimizer in ``optax.inject_hyperparams`` so that its LR can change at every update
without recompiling, and hand :func:`run` the jitted update::

    opt = optax.inject_hyperparams(optax.adam)(learning_rate=1e-3)

    @jax.jit
    def train_step(params, opt_state, batch):
        loss, grads = jax.value_and_grad(loss_fn)(params, batch)
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    for job in worker.jobs():
        params = init(jax.random.key(job.seed))
        run(job, params, opt.init(params), train_step, batches, evaluate)

:func:`run` sets ``learning_rate`` (and ``b1`` or ``momentum`` when the job gives one, and
``weight_decay`` when it sets that knob) in every ``inject_hyperparams`` state of ``opt_state``
before each update, reports each update's loss, measures ``evaluate(params)`` when lrfind asks,
and returns ``(params, opt_state)`` at the end of the job. Imports jax when imported.
"""

import jax.numpy as jnp


def _hyperparams(state, found):
    """Every ``hyperparams`` dict of the ``inject_hyperparams`` states inside ``state``."""
    hyper = getattr(state, "hyperparams", None)
    if isinstance(hyper, dict):
        found.append(hyper)
    if isinstance(state, (tuple, list)):
        for s in state:
            _hyperparams(s, found)
    return found


def set_hyperparams(opt_state, job, lr):
    """Sets the next update's LR (and the job's momentum and weight decay, where the optimizer
    has them) in ``opt_state``, in place; returns it."""
    found = _hyperparams(opt_state, [])
    if not found:
        raise TypeError(
            "no hyperparameters to set in the optimizer state: build the optimizer with "
            "optax.inject_hyperparams(optax.adam)(learning_rate=...)"
        )
    momentum = job.momentum
    if momentum is None:
        momentum = job.knobs.get("momentum")
    values = {"learning_rate": lr, "weight_decay": job.knobs.get("weight_decay")}
    for hyper in found:
        for key, value in values.items():
            if value is not None and key in hyper:
                hyper[key] = jnp.asarray(value, dtype=jnp.asarray(hyper[key]).dtype)
        if momentum is not None:
            for key in ("b1", "momentum"):
                if key in hyper:
                    hyper[key] = jnp.asarray(momentum, dtype=jnp.asarray(hyper[key]).dtype)
    return opt_state


def _cycle(batches):
    """The batches again and again: ``batches(epoch)`` when it is callable, else the iterable
    re-iterated."""
    epoch = 0
    while True:
        empty = True
        for batch in batches(epoch) if callable(batches) else batches:
            empty = False
            yield batch
        if empty:
            raise ValueError("batches gave no batch")
        epoch += 1


def run(job, params, opt_state, train_step, batches, evaluate=None):
    """Trains ``job``: ``train_step(params, opt_state, batch) -> (params, opt_state, loss)``
    once per update on the next of ``batches``; ``evaluate(params) -> loss`` when lrfind asks.
    Returns ``(params, opt_state)``."""
    if job.wants_eval():
        job.eval(float(evaluate(params)))
    feed = _cycle(batches)
    while (lr := job.next_lr()) is not None:
        opt_state = set_hyperparams(opt_state, job, lr)
        params, opt_state, loss = train_step(params, opt_state, next(feed))
        job.step(float(loss))
        if job.wants_eval():
            job.eval(float(evaluate(params)))
    return params, opt_state
