from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from seglab.cli import main
from seglab.data.checking.inspect import format_report, inspect_dataset


def test_report_on_tiny_dataset(tiny_dataset):
    report = inspect_dataset(tiny_dataset)
    assert report.classes.num_classes == 4 and report.stats.num_pairs == 12
    text = format_report(report)
    for expected in ("Format:       synthetic", "Pairs:        12", "32x32 (12)", "uint8 (12)", "circle", "Problems:     0"):
        assert expected in text


def test_report_lists_problems_ignore_and_splits(tmp_path):
    for split, names in (("train", ["a", "b"]), ("val", ["c"])):
        (tmp_path / split).mkdir()
        (tmp_path / f"{split}annot").mkdir()
        for name in names:
            Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / split / f"{name}.png")
            Image.fromarray(np.array([[0, 1, 11, 11]] * 4, np.uint8)).save(tmp_path / f"{split}annot" / f"{name}.png")
    Image.fromarray(np.zeros((2, 4), np.uint8)).save(tmp_path / "trainannot" / "b.png")
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "val" / "d.png")
    text = format_report(inspect_dataset(tmp_path))
    assert "Pairs:        3 (train 2, val 1)" in text
    assert "ignore (11)" in text and "Sky" in text
    assert "trainannot/b.png: mask is 2x4" in text
    assert "val/d.png: image has no mask" in text
    assert "Problems:     2" in text


def test_many_image_sizes_show_the_commonest_and_the_range(tmp_path, capsys):
    """Oxford Pet's photos, each of its own size, made one 'Image sizes' line naming every size."""
    for folder in ("images", "masks"):
        (tmp_path / folder).mkdir()
    for i in range(12):
        height = 8 if i < 3 else 8 + i  # 8x8 three times, then 11 to 19 rows: 10 sizes
        Image.fromarray(np.zeros((height, 8, 3), np.uint8)).save(tmp_path / "images" / f"{i}.png")
        Image.fromarray(np.eye(height, 8, dtype=np.uint8)).save(tmp_path / "masks" / f"{i}.png")
    line = next(x for x in format_report(inspect_dataset(tmp_path)).splitlines() if x.startswith("Image sizes:"))
    assert line.startswith("Image sizes:  8x8 (3), ") and line.count("(1)") == 7
    assert "and 2 more sizes; all 8 to 19 high, 8 to 8 wide (`seglab inspect --all` lists every one)" in line
    main(["inspect", str(tmp_path), "--all"])
    assert "19x8 (1)" in capsys.readouterr().out


def _manifest(folder, header: str, columns: list[str]) -> list[str]:
    """pairs.csv of a blank image and an identity mask per row, each row's other `columns` after them."""
    rows = [header]
    for i, values in enumerate(columns):
        Image.fromarray(np.zeros((4, 4), np.uint8)).save(folder / f"i{i}.png")
        Image.fromarray(np.eye(4, dtype=np.uint8)).save(folder / f"m{i}.png")
        rows.append(f"i{i}.png,m{i}.png,{values}")
    (folder / "pairs.csv").write_text("\n".join(rows) + "\n")
    return rows


def test_report_counts_the_groups_a_split_keeps_together(tmp_path):
    """Patients, videos, scenes: how many groups the pairs make is what a split draws from."""
    rows = _manifest(tmp_path, "image,mask,group", list("aabbc"))
    text = format_report(inspect_dataset(tmp_path / "pairs.csv"))
    assert "Pairs:        5\nGroups:       3 (pairs of a group stay in one split or fold)" in text
    (tmp_path / "pairs.csv").write_text("\n".join(r.rsplit(",", 1)[0] for r in rows) + "\n")
    assert "Groups:" not in format_report(inspect_dataset(tmp_path / "pairs.csv"))


def test_report_says_when_the_shipped_split_divides_groups(tmp_path):
    """VegAnn's TVT-split1 puts each site's images in train, val and test, and its site column
    groups them: the shipped split is kept, and the report no longer claims groups stay whole."""
    _manifest(tmp_path, "image,mask,split,group", ["train,a", "val,a", "train,b", "train,b", "test,c"])
    text = format_report(inspect_dataset(tmp_path / "pairs.csv"))
    assert "Groups:       3 (the shipped split divides 1 of them and is kept; drawn splits and folds keep a group whole)" in text


def test_ignore_label_0_on_inferred_classes_is_no_class_and_no_model_output(tmp_path):
    """LoveDA: 0 marks no data, 1..3 are the classes; --ignore-index 0 makes 3 classes, not 4."""
    rng = np.random.default_rng(0)
    for name in ("a", "b", "c", "d"):
        mask = rng.integers(1, 4, (16, 16)).astype(np.uint8)
        mask[:4] = 0
        for folder, array in (("images", rng.integers(0, 256, (16, 16, 3), np.uint8)), ("masks", mask)):
            (tmp_path / "data" / folder).mkdir(parents=True, exist_ok=True)
            Image.fromarray(array).save(tmp_path / "data" / folder / f"{name}.png")
    report = inspect_dataset(tmp_path / "data", ignore_index=0)
    assert report.classes.num_classes == 3 and report.index.mapping.kind == "offset"
    assert report.stats.mask_values[report.classes.ignore_index] == 4 * 4 * 16  # the 0 pixels, counted once
    text = format_report(report)
    assert "class_3" not in text and f"ignore ({report.classes.ignore_index}): 256 px" in text
    run = tmp_path / "run"
    assert main(["train", "--no-plan", str(tmp_path / "data"), "--ignore-index", "0", "--out", str(run), "--epochs",
                 "1", "--size", "16", "--batch-size", "2", "--no-progress", "--model-option", "widths=[4,8]"]) == 0
    assert len(json.loads((run / "classes.json").read_text())["names"]) == 3
    from seglab.evaluation.scoring import evaluate_run

    # evaluate reads the split as training did (with classes.json the offset is not re-derived)
    evaluated = evaluate_run(run, split="val", progress=False)
    trained = json.loads((run / "metrics.json").read_text())
    assert evaluated.scores.mean_iou == pytest.approx(trained["mean_iou"], abs=1e-6)
    other = evaluate_run(run, tmp_path / "data", out=tmp_path / "eval-all", progress=False)  # as another folder
    assert len(other.per_image) == 4



def test_each_warning_lists_its_first_files_fatal_ones_all_and_all_lists_every_one(tmp_path, capsys):
    """VOC's thousands of detection-only images would bury every other finding."""
    for folder in ("images", "masks"):
        (tmp_path / folder).mkdir()
    for i in range(50):  # 4 good pairs, 21 empty mask files (fatal), 25 images without a mask (warnings)
        Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "images" / f"{i}.png")
        if i < 4:
            Image.fromarray(np.eye(4, dtype=np.uint8)).save(tmp_path / "masks" / f"{i}.png")
        elif i < 25:
            (tmp_path / "masks" / f"{i}.png").write_bytes(b"")
    text = format_report(inspect_dataset(tmp_path))
    assert "image-without-mask (25)" in text and text.count("image has no mask") == 20
    assert "... and 5 more (`seglab inspect --all` lists every one)" in text
    assert "empty-file (21)" in text and text.count("is an empty file") == 21  # fatal ones all listed
    assert main(["inspect", str(tmp_path), "--all"]) == 2
    shown = capsys.readouterr().out
    assert shown.count("image has no mask") == 25 and "... and" not in shown
