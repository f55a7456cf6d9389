"""lrfind's client: a few lines make a training script a worker of ``lrfind drive``
(docs/drive.md; the protocol is docs/protocol.md). Standard library only; the adapters
``lrfind_client.lightning``, ``lrfind_client.keras`` and ``lrfind_client.jax`` import their
framework when they are imported.

    import lrfind_client

    worker = lrfind_client.connect(framework="pytorch", validation=True, optimizer="adam")
    for job in worker.jobs():
        model = build(seed=job.seed)
        if job.wants_eval():
            job.eval(validate(model))
        while (lr := job.next_lr()) is not None:
            job.step(train_one_update(model, lr))
            if job.wants_eval():
                job.eval(validate(model))
"""

from .client import (
    ENV_CONNECT,
    ENV_TOKEN,
    ENV_WORKER,
    ENV_WORKERS,
    KNOBS,
    PROTOCOL,
    Job,
    NotUnderLrfind,
    ProtocolError,
    Refused,
    Worker,
    connect,
)
from .helpers import ParamGroups, mean, scaler_step

__version__ = "0.1.0"

__all__ = [
    "ENV_CONNECT",
    "ENV_TOKEN",
    "ENV_WORKER",
    "ENV_WORKERS",
    "KNOBS",
    "PROTOCOL",
    "Job",
    "NotUnderLrfind",
    "ParamGroups",
    "ProtocolError",
    "Refused",
    "Worker",
    "connect",
    "mean",
    "scaler_step",
]
