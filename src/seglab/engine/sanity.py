"""The tutorials' "overfit one batch" check as a tool: can this model learn this data at all?"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import torch
from torch.utils.data import Subset

from seglab.config import ExperimentConfig
from seglab.engine.builders import make_loader, prepare_data, resolve_class_weights
from seglab.engine.experiment import seed_everything
from seglab.engine.trainer import evaluate
from seglab.losses import build_loss
from seglab.tasks import loss_for_task, training_ignore_index
from seglab.models import create_model
from seglab.runtime import resolve_device, resolve_precision

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SanityResult:
    passed: bool
    steps: int
    miou: float
    first_loss: float
    last_loss: float
    target: float


def sanity_check(
    cfg: ExperimentConfig, steps: int = 300, target: float = 0.9, batch_size: int = 2, check_every: int = 25
) -> SanityResult:
    """Train on one fixed batch; pass when its mIoU (eval mode) reaches `target` within `steps`.

    A model that cannot overfit a couple of images has a bug (labels, loss, architecture or
    learning rate) that more data will not fix.
    """
    seed_everything(cfg.train.seed)
    data = prepare_data(cfg.data, cfg.train.seed)
    classes = data.classes
    device = resolve_device(cfg.train.device)
    precision = resolve_precision(cfg.train.precision, device)
    dataset = data.dataset("train")
    batch = next(iter(make_loader(Subset(dataset, range(min(batch_size, len(dataset)))), batch_size, shuffle=False)))
    image, mask = batch["image"].to(device), batch["mask"].to(device)
    model = create_model(cfg.model.name, data.in_channels, classes.num_classes, **cfg.model.options).to(device)
    ignore_index = training_ignore_index(data.task, classes.ignore_index)
    loss_fn = build_loss(loss_for_task(data.task, cfg.loss.name), classes.num_classes, ignore_index,
                         resolve_class_weights(cfg.loss.class_weights, data)).to(device)  # class weights too
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.train.lr)
    log.info("overfitting one batch of %d image(s) with %s for up to %d steps (passes at batch mIoU %.2f; "
             "a line every %d steps)", image.shape[0], cfg.model.name, steps, target, check_every)
    first_loss = last_loss = float("nan")
    miou = 0.0
    for step in range(1, steps + 1):
        model.train()
        optimizer.zero_grad(set_to_none=True)
        with precision.autocast():
            logits = model(image)
        loss = loss_fn(logits.float(), mask)
        loss.backward()
        optimizer.step()
        last_loss = float(loss.detach())
        if step == 1:
            first_loss = last_loss
            log.info("step 1  loss %.4f", last_loss)
        if step % check_every == 0 or step == steps:
            result = evaluate(model, [batch], classes.num_classes, ignore_index, device=device, precision=precision,
                              task=data.task)
            miou = result.scores.mean_iou
            log.info("step %d  loss %.4f  batch mIoU %.3f", step, last_loss, miou)
            if miou >= target:
                return SanityResult(True, step, miou, first_loss, last_loss, target)
    return SanityResult(False, steps, miou, first_loss, last_loss, target)
