"""evaluate_run scores the checkpoint it is asked for (best by default, or last)."""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path

import torch

from seglab.evaluation.scoring import ImageScore, evaluate_run, read_per_image, write_per_image
from seglab.runs.checkpoint import load_checkpoint, save_checkpoint


def test_last_checkpoint_is_scored_when_asked(trained_run: Path, tmp_path: Path, one_thread) -> None:
    run = tmp_path / "run"
    shutil.copytree(trained_run, run)
    best = load_checkpoint(run / "checkpoints" / "best.safetensors")
    model = best.load_model()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.zero_()  # every logit 0, so every pixel is predicted as class 0
    save_checkpoint(run / "checkpoints" / "last.safetensors", model, best.card, epoch=1)

    scored_best = evaluate_run(run, split="val", out=tmp_path / "best", device="cpu")
    scored_last = evaluate_run(run, split="val", out=tmp_path / "last", device="cpu", checkpoint="last")
    assert scored_last.scores.recall[0] == 1.0 and all(
        r == 0.0 for r in scored_last.scores.recall[1:] if not math.isnan(r))
    assert scored_best.scores != scored_last.scores
    metrics = json.loads((tmp_path / "last" / "metrics.json").read_text())
    assert metrics["checkpoint"] == "last"
    assert "last checkpoint" in (tmp_path / "last" / "metrics.md").read_text()


def test_a_folder_with_labels_the_run_has_no_class_for_is_a_clear_error(trained_run: Path, tmp_path: Path) -> None:
    import numpy as np
    import pytest
    from PIL import Image

    from seglab.errors import DataError

    for folder in ("images", "masks"):
        (tmp_path / "other" / folder).mkdir(parents=True)
    for i in range(2):
        Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(tmp_path / "other" / "images" / f"{i}.png")
        Image.fromarray(np.full((32, 32), 9, np.uint8)).save(tmp_path / "other" / "masks" / f"{i}.png")
    with pytest.raises(DataError, match=r"mask '.*masks/0\.png': target holds label 9.*the run's classes: background"):
        evaluate_run(trained_run, tmp_path / "other", out=tmp_path / "eval", progress=False)


def test_an_empty_split_names_the_routes_that_score_something(trained_run: Path, monkeypatch) -> None:
    """A run trained on every pair (`--skip-bad` left too few for val and test) said only that its test
    split was empty, not how to score it."""
    import pytest

    from seglab.errors import DataError

    monkeypatch.setattr("seglab.evaluation.scoring.pairs_to_evaluate", lambda run, data, split: ([], "test", None))
    with pytest.raises(DataError, match=r"test split .* is empty .*--split train.*seglab evaluate .* DATA"):
        evaluate_run(trained_run)


def test_a_damaged_splits_json_stops_neither_loading_nor_scoring_another_folder(trained_run: Path, tmp_path: Path,
                                                                                one_thread) -> None:
    """Loading a run read its input naming, config.yaml and all of splits.json, which predict and
    ensembles alone use: a damaged splits.json stopped `seglab serve`. As before, the run loads
    (serve's, evaluate's, the API's load), predicts and scores another folder; predict, which
    lists a folder's inputs by the naming, names the damaged file."""
    import numpy as np
    import pytest

    from seglab.errors import DataError
    from seglab.inference.loading import load_segmenter

    run = tmp_path / "run"
    shutil.copytree(trained_run, run)
    (run / "splits.json").write_text('{"train": [')
    predictor = load_segmenter(run, device="cpu")
    assert predictor.predict(np.zeros((32, 32, 3), np.uint8)).mask.shape == (32, 32)
    report = evaluate_run(run, trained_run.parent / "data", out=tmp_path / "eval", device="cpu", progress=False)
    assert (report.split, report.num_images) == ("all", 12)
    with pytest.raises(DataError, match="splits.json' is damaged or unreadable"):
        predictor.naming


def test_per_image_scores_of_a_file_name_not_utf8_are_written_as_its_bytes_and_read_back(tmp_path: Path) -> None:
    """`b"\\xff3"` (held as a lone surrogate) stopped `seglab evaluate` writing per_image.csv
    (UnicodeEncodeError); the report reads the names back to find each example's pair."""
    rows = [ImageScore(os.fsdecode(b"\xff3"), 0.5, 0.625, 0.75), ImageScore("plain", math.nan, 1.0, 1.0)]
    write_per_image(tmp_path / "per_image.csv", rows)
    assert (tmp_path / "per_image.csv").read_bytes().splitlines()[1] == b"\xff3,0.500000,0.625000,0.750000"
    assert [r.name for r in read_per_image(tmp_path / "per_image.csv")] == [r.name for r in rows]
