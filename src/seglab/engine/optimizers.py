"""The optimizers and learning-rate schedules a run names (`train.optimizer`, `train.schedule`).

Kept apart from `builders`, which imports the models (and torchvision with them), so that
`seglab train --help` lists the choices after importing torch alone.
"""

from __future__ import annotations

import torch

OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}
SCHEDULES = ("constant", "cosine", "onecycle")
