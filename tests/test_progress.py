"""Progress bars a user sees in a terminal: training, validation, evaluate and predict; none
when output is not a terminal or progress is off."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
import torch

from seglab.config import TrainConfig
from seglab.engine.builders import build_optimizer
from seglab.engine.callbacks import ProgressBar
from seglab.engine.trainer import Trainer
from seglab.evaluation.scoring import evaluate_run
from seglab.inference.files import collect_inputs, predict_files
from seglab.inference.predictor import Predictor
from seglab.losses import build_loss
from seglab.models import create_model


class Terminal(io.StringIO):
    """stderr as tqdm sees a terminal."""

    def isatty(self) -> bool:
        return True


def terminal() -> contextlib.redirect_stderr:
    """stderr replaced in the test's body (pytest sets its own again after fixtures run)."""
    return contextlib.redirect_stderr(Terminal())


def fit_one_epoch(progress: ProgressBar) -> None:
    torch.manual_seed(0)
    model = create_model("unet_small", 3, 4, widths=[8, 16])
    trainer = Trainer(model, build_loss("ce", 4, 255), build_optimizer(model, TrainConfig()), num_classes=4,
                      ignore_index=255, callbacks=[progress])
    batch = {"image": torch.randn(2, 3, 32, 32), "mask": torch.randint(0, 4, (2, 32, 32))}
    trainer.fit([batch] * 2, [batch] * 3, epochs=1)  # type: ignore[arg-type]


def test_validation_has_a_bar_of_its_own_after_training(one_thread):
    with terminal() as screen:
        fit_one_epoch(ProgressBar(interval=0))
    shown = screen.getvalue()
    assert "epoch 1/1: 100%" in shown and "2/2" in shown
    assert "epoch 1/1 validation: 100%" in shown and "3/3" in shown
    assert shown.index("epoch 1/1:") < shown.index("epoch 1/1 validation:")


@pytest.mark.parametrize("screen", ["off", "not a terminal"])
def test_no_bars_when_progress_is_off_or_output_is_not_a_terminal(screen, one_thread):
    with contextlib.redirect_stderr(Terminal() if screen == "off" else io.StringIO()) as shown:
        fit_one_epoch(ProgressBar(enabled=screen != "off", interval=0))
    assert shown.getvalue() == ""


def test_evaluate_and_predict_count_their_images(trained_run: Path, tmp_path, one_thread):
    files = collect_inputs([trained_run.parent / "data" / "images"])
    with terminal() as screen:
        report = evaluate_run(trained_run, out=tmp_path / "eval")
        predict_files(Predictor.from_run(trained_run), files, tmp_path / "masks")
    shown = screen.getvalue()
    # a bar over all the images (a fast loop is not redrawn before it ends, and the ended bar is cleared)
    assert f"evaluate {report.split}:" in shown and f"0/{report.num_images} [" in shown
    assert "predict:" in shown and f"0/{len(files)} [" in shown
    with terminal() as screen:
        evaluate_run(trained_run, out=tmp_path / "quiet", progress=False)
        predict_files(Predictor.from_run(trained_run), files, tmp_path / "quiet", progress=False)
    assert screen.getvalue() == ""
