"""train.py: a PyTorch MLP on scikit-learn's digits, made a worker of `lrfind drive`."""
import torch
from sklearn.datasets import load_digits
from torch import nn

import lrfind_client

x, y = load_digits(return_X_y=True)
x, y = torch.tensor(x / 16.0, dtype=torch.float32), torch.tensor(y)
split = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
x_train, y_train = x[split[360:]], y[split[360:]]
x_val, y_val = x[split[:360]], y[split[:360]]
BATCH = 64
loss_fn = nn.CrossEntropyLoss()

worker = lrfind_client.connect(
    framework="pytorch",
    validation=True,  # it measures a validation loss when asked: lrfind races candidate LRs
    train_size=len(x_train),
    val_size=len(x_val),
    batch_size=BATCH,
    optimizer="adam",
    knobs=("weight_decay", "batch_size"),  # it applies these from job.knobs
)


def validate(model):
    model.eval()
    with torch.no_grad():
        loss = loss_fn(model(x_val), y_val).item()
    model.train()
    return loss


for job in worker.jobs():
    # Every job is a fresh training: a new model, optimizer and batch order from job.seed.
    torch.manual_seed(job.seed)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    weight_decay = job.knobs["weight_decay"] or 0.0
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=weight_decay)
    batch = job.knobs["batch_size"] or BATCH
    order, at = torch.randperm(len(x_train)), 0

    if job.wants_eval():  # the untrained model, before a training run
        job.eval(validate(model))
    while (lr := job.next_lr()) is not None:  # None: the job is over
        for group in optimizer.param_groups:
            group["lr"] = lr
            if job.momentum is not None:  # a schedule that cycles Adam's beta1
                group["betas"] = (job.momentum, group["betas"][1])
        if at + batch > len(order):
            order, at = torch.randperm(len(x_train)), 0
        rows = order[at : at + batch]
        at += batch
        loss = loss_fn(model(x_train[rows]), y_train[rows])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        job.step(loss.item())  # one optimizer update; a NaN is read as a divergence
        if job.wants_eval():
            job.eval(validate(model))
