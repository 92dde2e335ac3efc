"""The tutorials' "overfit one batch" check as a tool: can this model learn this data at all?"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from torch.utils.data import Subset

from seglab.config import ExperimentConfig
from seglab.data.loading.prepare import make_loader
from seglab.engine.builders import build_optimizer
from seglab.engine.distributed import shutdown
from seglab.engine.session import build_session
from seglab.engine.trainer import Trainer, evaluate
from seglab.tasks import training_ignore_index

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
    session = build_session(cfg)  # the data, model, loss and device a training run would use
    shutdown(session.context)  # one process checks one batch
    data, classes = session.data, session.data.classes
    dataset = data.dataset("train")  # plain views: the batch must stay the same at every step
    batch = next(iter(make_loader(Subset(dataset, range(min(batch_size, len(dataset)))), batch_size, shuffle=False)))
    trainer = Trainer(session.model, session.loss_fn, build_optimizer(session.model, cfg.train),
                      num_classes=classes.num_classes, ignore_index=data.train_ignore_index, device=session.device,
                      precision=session.precision, grad_clip=cfg.train.grad_clip, task=session.task)
    image, mask = batch["image"].to(session.device), batch["mask"].to(session.device)
    log.info("overfitting one batch of %d image(s) with %s for up to %d steps (passes at batch mIoU %.2f; "
             "a line every %d steps)", image.shape[0], cfg.model.name, steps, target, check_every)
    first_loss = last_loss = float("nan")
    miou = 0.0
    for step in range(1, steps + 1):
        trainer.model.train()
        last_loss = float(trainer.train_step(image, mask))
        if step == 1:
            first_loss = last_loss
            log.info("step 1  loss %.4f", last_loss)
        if step % check_every == 0 or step == steps:
            result = evaluate(trainer.model, [batch], classes.num_classes,
                              training_ignore_index(session.task, classes.ignore_index), device=session.device,
                              precision=session.precision, task=session.task)
            miou = result.scores.mean_iou
            log.info("step %d  loss %.4f  batch mIoU %.3f", step, last_loss, miou)
            if miou >= target:
                return SanityResult(True, step, miou, first_loss, last_loss, target)
    return SanityResult(False, steps, miou, first_loss, last_loss, target)
