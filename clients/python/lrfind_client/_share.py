"""Sharing lrfind's jobs with the other ranks of a multi-process job (DDP under torchrun): rank 0
alone speaks to lrfind, and every job, LR and stop it reads is broadcast to the others with
``torch.distributed.broadcast_object_list``, so that every rank runs the same loop in step.
torch is imported here only, and only when a job has several processes."""


class TorchShare:
    """Broadcasts from rank 0 of torch.distributed's default group."""

    def __init__(self, dist, rank):
        self._dist = dist
        #: Whether this rank speaks to lrfind.
        self.leader = rank == 0

    @classmethod
    def detect(cls, required):
        """The sharing of an initialised process group of several ranks; ``None`` for one rank.
        ``WORLD_SIZE`` above 1 without an initialised group is an error: rank 0 could not tell
        the others."""
        try:
            import torch.distributed as dist
        except ImportError:
            if required:
                raise RuntimeError("distributed=True needs torch.distributed") from None
            return None
        if not (dist.is_available() and dist.is_initialized()):
            raise RuntimeError(
                "this is one of several processes (WORLD_SIZE is set) but torch.distributed is "
                "not initialised: call torch.distributed.init_process_group() before "
                "lrfind_client.connect(), or pass distributed=False"
            )
        if dist.get_world_size() == 1:
            return None
        return cls(dist, dist.get_rank())

    def share(self, obj):
        """``obj`` as rank 0 passed it, on every rank."""
        box = [obj]
        self._dist.broadcast_object_list(box, src=0)
        return box[0]
