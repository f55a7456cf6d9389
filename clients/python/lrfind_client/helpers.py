"""Small helpers for the training loop of a worker, duck-typed so that they need no framework:
an optimizer with several parameter groups (discriminative fine-tuning), and a mixed-precision
update that a ``GradScaler`` may skip."""

import math


class ParamGroups:
    """Scales lrfind's LR by each parameter group's fixed ratio, as discriminative fine-tuning
    does: group ``i`` trains at ``lr * ratios[i]``, so lrfind's suggestion is for the base LR (the
    group whose ratio is 1).

    ``optimizer`` is anything with ``param_groups``, a list of dicts with an ``lr`` (every
    torch.optim optimizer). Without ``ratios`` they are read from the groups' LRs as built:
    ``ratio_i = lr_i / lr_base``, the base being group ``base``. Weight decay keeps its ratios
    the same way (a group built without decay keeps none); momentum is set on every group.
    """

    def __init__(self, optimizer, ratios=None, base=0):
        self.groups = optimizer.param_groups
        if ratios is None:
            base_lr = float(self.groups[base]["lr"])
            if not base_lr > 0:
                raise ValueError("the base group's lr must be above 0 to read the ratios from it")
            ratios = [float(g["lr"]) / base_lr for g in self.groups]
        if len(ratios) != len(self.groups):
            raise ValueError("%d ratios for %d parameter groups" % (len(ratios), len(self.groups)))
        self.ratios = [float(r) for r in ratios]
        decays = [float(g.get("weight_decay", 0.0)) for g in self.groups]
        base_wd = decays[base]
        self.decay_ratios = [d / base_wd if base_wd > 0 else 1.0 for d in decays]

    def set_lr(self, lr):
        """Every group's LR: ``lr`` times its ratio."""
        for group, ratio in zip(self.groups, self.ratios):
            group["lr"] = lr * ratio

    def set_momentum(self, momentum):
        """SGD's ``momentum``, or Adam's beta1 (``betas[0]``), on every group that has one."""
        for group in self.groups:
            if "betas" in group:
                group["betas"] = (momentum, group["betas"][1])
            elif "momentum" in group:
                group["momentum"] = momentum

    def set_weight_decay(self, weight_decay):
        """Every group's weight decay: ``weight_decay`` times its ratio."""
        for group, ratio in zip(self.groups, self.decay_ratios):
            group["weight_decay"] = weight_decay * ratio

    def apply(self, job, lr):
        """Sets everything a job asks of the next update: the LR, the momentum of a schedule
        that cycles it (else the job's momentum knob), and the weight-decay knob."""
        self.set_lr(lr)
        momentum = job.momentum
        if momentum is None:
            momentum = job.knobs.get("momentum")
        if momentum is not None:
            self.set_momentum(momentum)
        if job.knobs.get("weight_decay") is not None:
            self.set_weight_decay(job.knobs["weight_decay"])


def scaler_step(scaler, optimizer):
    """``scaler.step(optimizer)`` then ``scaler.update()`` for a ``torch.amp.GradScaler``; returns
    whether the update was applied. A scaler that found an inf or NaN gradient skips the step and
    lowers its scale, which is how the skip is told: report it with ``job.skip()``."""
    before = scaler.get_scale()
    scaler.step(optimizer)
    scaler.update()
    if not scaler.is_enabled():
        return True
    return scaler.get_scale() >= before


def mean(losses):
    """The mean of micro-batch losses (NaN if any is not finite)."""
    losses = [float(x) for x in losses]
    return math.fsum(losses) / len(losses) if losses else float("nan")
