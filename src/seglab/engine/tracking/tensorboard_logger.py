"""TensorBoard: event files in RUN/tensorboard, read by `tensorboard --logdir RUN/tensorboard`
(or `--logdir runs` to compare every run under runs/)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.engine.tracking.base import LOGGERS, ExperimentLogger, Param

FOLDER = "tensorboard"  # inside the run folder (RunFolder's --overwrite removes it)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


@LOGGERS.register("tensorboard")
class TensorBoardLogger(ExperimentLogger):
    """Scalars, images and text through `torch.utils.tensorboard.SummaryWriter`; the
    hyperparameters go to the HParams tab, with the per-epoch scalars as its metrics.

    A resumed run writes a new event file into the same folder with `purge_step` set to its first
    epoch: TensorBoard then hides what the interrupted run logged past its last checkpoint, so
    no epoch shows twice.
    """

    requires = "torch.utils.tensorboard"
    extra = "tensorboard"

    def __init__(self, run_root: Path, resumed_after: int) -> None:
        from torch.utils.tensorboard import SummaryWriter

        self.log_dir = Path(run_root) / FOLDER
        self.continues = bool(resumed_after) and any(self.log_dir.glob("events.out.tfevents.*"))
        self._writer = SummaryWriter(str(self.log_dir), purge_step=resumed_after + 1 if resumed_after else None)
        self._params: dict[str, Param] | None = None  # written with the first scalars, which name the metrics

    def log_params(self, params: Mapping[str, Param]) -> None:
        self._params = dict(params)

    def log_scalars(self, values: Mapping[str, float], step: int) -> None:
        if self._params is not None:
            self._write_hparams(self._params, list(values))
            self._params = None
        for key, value in values.items():
            self._writer.add_scalar(key, value, step)

    def log_image(self, tag: str, image: np.ndarray, step: int) -> None:
        self._writer.add_image(tag, image, step, dataformats="HWC")

    def log_text(self, name: str, text: str, step: int) -> None:
        # markdown renders as is; anything else as a code block (four spaces), so JSON keeps its layout
        shown = text if name.endswith(".md") else "\n".join("    " + line for line in text.splitlines())
        self._writer.add_text(name, shown, step)

    def log_file(self, path: Path, step: int) -> None:
        if path.suffix.lower() in IMAGE_SUFFIXES:
            with Image.open(path) as picture:
                self.log_image(path.stem, np.asarray(picture.convert("RGB")), step)
        else:
            self.log_text(path.name, path.read_text(encoding="utf-8"), step)  # run files are UTF-8 (`write_json`)

    def close(self, status: str) -> None:
        self._writer.close()

    def _write_hparams(self, params: Mapping[str, Param], metrics: list[str]) -> None:
        """The HParams tab's records for this run, written into its own event file (the
        writer's `add_hparams` would start a separate run folder for them)."""
        from torch.utils.tensorboard.summary import hparams

        experiment, session_start, session_end = hparams(dict(params), {key: 0.0 for key in metrics})
        for summary in (experiment, session_start, session_end):
            self._writer.file_writer.add_summary(summary)
