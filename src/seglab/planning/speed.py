"""How fast this machine trains each candidate network: pixels per second, measured, not guessed.

The planner sizes a recipe to a time budget, so it needs the training speed of the machine it
runs on, now: a CPU with AMX trains five times faster than one with AVX2 only, a GPU a hundred
times, and a busy laptop half as fast as an idle one. A few optimizer steps on random data of
the dataset's channel and class counts measure it in seconds. On the CPU the steps are timed
with one thread and with all of them, and the faster counts: on a machine another process
keeps busy, all threads can run ten times slower than one (issue 28), and training's thread
tuner finds the faster count too.
"""

from __future__ import annotations

import logging
from typing import Any
import torch

from seglab.models import create_model
from seglab.runtime import Precision, timed

log = logging.getLogger(__name__)

PROBE_SIDE = 128  # pixels per side of the measured batch: the patch size the planner favours
PROBE_BATCH = 8
TIMED_STEPS = 2  # after one warm-up step


def training_speed(model_name: str, in_channels: int, num_classes: int, device: torch.device,
                   precision: Precision, seed: int = 0, options: dict[str, Any] | None = None) -> float:
    """Training pixels per second (forward, backward and AdamW step) of `model_name` here.

    Random weights and data: the arithmetic, not the values, sets the speed. `options` are the
    model's (e.g. the user's widths or timm encoder). The global RNG is
    left as it was, so a planned run trains exactly like one given the same flags.
    """
    rng = torch.get_rng_state()
    torch.manual_seed(seed)
    model = create_model(model_name, in_channels, num_classes, **(options or {})).to(device, memory_format=torch.channels_last).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    image = torch.randn(PROBE_BATCH, in_channels, PROBE_SIDE, PROBE_SIDE, device=device)
    image = image.contiguous(memory_format=torch.channels_last)
    mask = torch.randint(0, num_classes, (PROBE_BATCH, PROBE_SIDE, PROBE_SIDE), device=device)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        with precision.autocast():
            logits = model(image)
        loss_fn(logits.float(), mask).backward()
        optimizer.step()

    step()  # warm-up: allocator, kernels, lazy initialisation
    threads = torch.get_num_threads()
    counts = sorted({1, threads}) if device.type == "cpu" else [threads]
    times = []
    try:
        for count in counts:
            torch.set_num_threads(count)
            times += [timed(step, device) for _ in range(TIMED_STEPS)]
    finally:
        torch.set_num_threads(threads)
        torch.set_rng_state(rng)
    pixels_per_second = PROBE_BATCH * PROBE_SIDE**2 / min(times)
    log.info("planner: %s trains %.0f kpx/s on %s (%s)", model_name, pixels_per_second / 1e3, device, precision.name)
    return pixels_per_second
