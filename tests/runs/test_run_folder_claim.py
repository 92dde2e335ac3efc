"""A run folder belongs to one training at a time: a second writer is refused, a finished run is
not replaced without --overwrite, and what a killed run left behind is cleaned."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from seglab.cli import main
from seglab.errors import CheckpointError
from seglab.runs.run_folder import LOCK_NAME, RunFolder

TINY = ["--model", "unet_small", "--model-option", "widths=[8,16]", "--batch-size", "4", "--size", "16",
        "--precision", "fp32", "--no-progress"]


def write_lock(run, pid: int) -> None:
    run.mkdir(parents=True, exist_ok=True)
    (run / LOCK_NAME).write_text(json.dumps({"pid": pid, "host": socket.gethostname(), "started": "then"}))


def test_a_folder_held_by_a_live_process_is_refused(tmp_path, tiny_dataset, capsys):
    run = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        write_lock(run, holder.pid)
        assert main(["train", "--no-plan", str(tiny_dataset), "--out", str(run), "--epochs", "1", *TINY]) == 2
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert f"is in use by seglab process {holder.pid}" in err and "Traceback" not in err
    assert not (run / "train.log").exists() and not (run / "config.yaml").exists()  # nothing of the second run


def test_a_stale_lock_is_taken_over(tmp_path, tiny_dataset, capsys):
    run = tmp_path / "run"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    write_lock(run, dead.pid)
    assert main(["train", "--no-plan", str(tiny_dataset), "--out", str(run), "--epochs", "1", *TINY]) == 0
    assert f"removing a stale lock of process {dead.pid}" in capsys.readouterr().err
    assert not (run / LOCK_NAME).exists()  # released at the end


def test_a_finished_run_is_kept_unless_overwritten(tmp_path, tiny_dataset, capsys):
    run = tmp_path / "run"
    assert main(["train", "--no-plan", str(tiny_dataset), "--out", str(run), "--epochs", "1", *TINY]) == 0
    (run / "eval" / "test").mkdir(parents=True)
    (run / "eval" / "test" / "metrics.json").write_text("{}")
    (run / "report.html").write_text("old report")
    (run / "notes.txt").write_text("mine")
    best = (run / "checkpoints" / "best.safetensors").read_bytes()
    capsys.readouterr()

    assert main(["train", "--no-plan", str(tiny_dataset), "--out", str(run), "--epochs", "1", *TINY]) == 2
    err = capsys.readouterr().err
    assert "already holds a run" in err and "--overwrite" in err and f"--resume {run}" in err
    assert (run / "checkpoints" / "best.safetensors").read_bytes() == best and (run / "report.html").exists()

    assert main(["train", "--no-plan", str(tiny_dataset), "--out", str(run), "--epochs", "1", "--seed", "1", "--overwrite",
                 *TINY]) == 0
    assert not (run / "eval").exists() and not (run / "report.html").exists()
    assert (run / "notes.txt").read_text() == "mine"  # files seglab did not write are left alone
    assert (run / "train.log").read_text().count("epoch 1 ") == 1  # the old run's log went with it


def test_temporary_files_of_a_killed_write_are_removed(tmp_path, tiny_dataset):
    run = tmp_path / "run"
    (run / "checkpoints").mkdir(parents=True)
    orphan = run / "checkpoints" / ".last.safetensors.abc123.tmp"
    orphan.write_bytes(b"half a checkpoint")
    assert main(["train", "--no-plan", str(tiny_dataset), "--out", str(run), "--epochs", "1", *TINY]) == 0
    assert not orphan.exists()


def test_claim_is_reentrant_and_released(tmp_path):
    folder = RunFolder(tmp_path / "run")
    with folder.claim():
        with folder.claim():  # the CLI claims, then the engine again
            assert (folder.root / LOCK_NAME).exists()
        assert (folder.root / LOCK_NAME).exists()
    assert not (folder.root / LOCK_NAME).exists()


def test_an_unreadable_lock_being_written_counts_as_held(tmp_path):
    folder = RunFolder(tmp_path / "run")
    folder.root.mkdir()
    (folder.root / LOCK_NAME).write_text("")  # created a moment ago, content not yet written
    with pytest.raises(CheckpointError, match="is in use"), folder.claim():
        pass
    old = time.time() - 3600
    os.utime(folder.root / LOCK_NAME, (old, old))
    with folder.claim():  # an hour later it is stale
        pass


def test_two_concurrent_trainings_into_one_folder(tmp_path, tiny_dataset, capsys):
    run = tmp_path / "run"
    command = ["train", "--no-plan", str(tiny_dataset), "--out", str(run), *TINY]
    # the first trains until it is stopped, so the second always meets it running
    # a shell starts background jobs with SIGINT ignored, and Python keeps an ignored SIGINT: give
    # the child the default, so the test also holds when pytest itself runs in the background
    first = subprocess.Popen([sys.executable, "-m", "seglab", *command, "--epochs", "100000"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.time() + 300
        while not (run / "history.csv").exists() and first.poll() is None and time.time() < deadline:
            time.sleep(0.2)
        assert first.poll() is None, first.communicate()[1]
        # the second is this process, another than the first's as a second `seglab train` is, without
        # the seconds of starting one more Python with torch
        second = main([*command, "--epochs", "1", "--seed", "7"])
        assert first.poll() is None  # still training after the second was turned away
        first.send_signal(signal.SIGINT)  # Ctrl-C: the first stops cleanly
        _, err = first.communicate(timeout=300)
    finally:
        first.kill()
    refusal = capsys.readouterr().err
    assert second == 2 and f"in use by seglab process {first.pid}" in refusal, refusal
    assert first.returncode == 130, err
    config = (run / "config.yaml").read_text()
    assert "epochs: 100000" in config and "seed: 7" not in config
    epochs = [int(line.split(",")[0]) for line in (run / "history.csv").read_text().strip().splitlines()[1:]]
    assert epochs == list(range(1, len(epochs) + 1))  # one run's history, nothing of the second
    assert not (run / LOCK_NAME).exists()


def test_a_run_killed_between_its_first_best_and_last_checkpoint_is_told_so(tmp_path):
    """Killed while epoch 1's last.safetensors was written (after best.safetensors and history.csv),
    --resume said the training stopped before the first epoch ended, beside an epoch-1 checkpoint."""
    run = tmp_path / "run"
    (run / "checkpoints").mkdir(parents=True)
    (run / "config.yaml").write_text("data: {}\n")
    (run / "checkpoints" / "best.safetensors").write_bytes(b"weights")
    (run / "checkpoints" / ".last.safetensors.0123456789ab.tmp").write_bytes(b"")
    with pytest.raises(CheckpointError) as refusal:
        RunFolder.open_to_resume(run)
    message = str(refusal.value)
    assert "stopped while its first epoch's checkpoints were written" in message
    assert "not the optimizer state" in message and "--overwrite" in message
