"""torchrun restarts (`--max-restarts`): a restarted process gets the original command line, so
it must recognise the run it was part of and continue it instead of starting again at epoch 1.

The checkpoints of a run hold a digest of the config it was started with; a restart (torchrun's
TORCHELASTIC_RESTART_COUNT > 0) whose config has the same digest resumes from `last`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from seglab import config as config_io
from seglab.config import ExperimentConfig
from seglab.errors import CheckpointError
from seglab.runs.checkpoint import read_metadata
from seglab.runs.resume import stored_field
from seglab.runs.run_folder import RunFolder

log = logging.getLogger(__name__)


def config_digest(cfg: ExperimentConfig) -> str:
    """A fingerprint of the config a training was started with (before anything is resolved),
    stored in its checkpoints so a restarted process recognises its own run."""
    text = json.dumps(config_io.to_dict(cfg), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def restart_count() -> int:
    """How often torchrun has restarted this job's processes (0 for the first attempt or no torchrun)."""
    return int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0") or 0)


def resumes_after_restart(cfg: ExperimentConfig, out: str | Path) -> bool:
    """Whether this is a torchrun restart (`--max-restarts`) of the run in `out`: restarted
    processes get the original command line, so the run continues from its `last` checkpoint
    instead of starting again at epoch 1 (or being refused as a finished run). Only a
    checkpoint written with the same config counts; every process decides the same from the
    folder (which, as for --resume, every node must see)."""
    if restart_count() == 0:
        return False
    last = RunFolder(Path(out)).last
    if not last.is_file():
        return False
    try:
        state = read_metadata(last).get("training_state")  # the header only: resuming reads the tensors
    except CheckpointError:
        return False
    same = state is not None and stored_field(state, "config_digest") == config_digest(cfg)
    if same:
        log.warning("torchrun restart %d: resuming %s from its last checkpoint (epoch %s)", restart_count(), out,
                    stored_field(state, "epoch"))
    return same


def restarts_before_first_checkpoint(out: str | Path) -> bool:
    """Whether this is a torchrun restart of a run that died before its first checkpoint: it
    starts again in the same folder (whose config and splits it wrote itself)."""
    return restart_count() > 0 and not RunFolder(Path(out)).last.is_file()
