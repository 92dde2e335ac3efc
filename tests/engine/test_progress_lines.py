"""What a user sees while training runs: an ETA on every epoch line, and output in a notebook
that set up no logging."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from seglab.api.run import visible_log
from seglab.engine import callbacks
from seglab.engine.callbacks import EpochLogger, format_duration


def test_durations_read_like_a_clock():
    assert [format_duration(s) for s in (4.4, 65, 3725)] == ["4s", "1m05s", "1h02m"]


def test_epoch_lines_end_with_the_time_the_run_still_needs(monkeypatch):
    lines: list[str] = []
    monkeypatch.setattr(callbacks.log, "info", lambda message, *args: lines.append(message % args if args else message))
    logger = EpochLogger()
    for epoch, seconds in ((1, 30.0), (2, 10.0), (3, 12.0), (4, 11.0)):
        logger.on_epoch_end(SimpleNamespace(epochs=4), {"epoch": epoch, "train_loss": 1.0, "seconds": seconds}, None)
    # epoch 1 alone sets the pace; then the first (warm-up) epoch is left out: 10 s, then 11 s a epoch
    assert lines[0].endswith("eta 1m30s") and lines[1].endswith("eta 20s") and lines[3].endswith("eta 11s")
    assert lines[2].startswith("first epoch 30.0s, 20.0s (+200%) against the second")  # its one-time costs
    assert "eta" not in lines[4]  # the last epoch


def test_a_call_without_any_logging_setup_still_prints_its_progress(monkeypatch, capsys):
    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # as in a fresh notebook kernel
    monkeypatch.setattr(logging.getLogger("seglab"), "handlers", [])
    with visible_log():
        logging.getLogger("seglab.engine").info("model unet: 1.00M parameters, device cpu")  # setup chatter
        logging.getLogger("seglab.engine").info("epoch 1  train_loss 0.5")
        logging.getLogger("seglab.data").warning("a class is never predicted")
    logging.getLogger("seglab.engine").info("epoch 2  after the call")
    assert capsys.readouterr().out == "epoch 1  train_loss 0.5\na class is never predicted\n"
    with visible_log(enabled=False):  # progress=False keeps quiet
        logging.getLogger("seglab.engine").info("quiet")
    assert capsys.readouterr().out == ""


def test_one_slow_epoch_does_not_throw_the_eta(monkeypatch):
    lines: list[str] = []
    monkeypatch.setattr(callbacks.log, "info", lambda message, *args: lines.append(message % args if args else message))
    logger = EpochLogger()
    # epoch 3 recompiled the network (or met a burst of load): 200 s against about 11
    for epoch, seconds in ((1, 30.0), (2, 10.0), (3, 200.0), (4, 11.0), (5, 12.0)):
        logger.on_epoch_end(SimpleNamespace(epochs=10), {"epoch": epoch, "train_loss": 1.0, "seconds": seconds}, None)
    assert lines[-1].endswith("eta 58s")  # 5 epochs at the median 11.5 s (the mean, 58.25 s, would say 4m51s)
