"""`seglab report`, and the inference flags of `seglab evaluate` and `seglab predict`, end to end."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.cli import main
from seglab.data.layouts.synthetic import generate_synthetic
from seglab.evaluation.scoring import read_per_image

TINY = ["--model", "unet_small", "--model-option", "widths=[8,16]", "--batch-size", "4",
        "--precision", "fp32", "--no-progress"]


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    """A two-epoch run on 12 synthetic 32x32 pairs (4 classes)."""
    root = tmp_path_factory.mktemp("report")
    data = generate_synthetic(root / "synthetic", num_samples=12, size=(32, 32), num_classes=4)
    assert main(["train", "--no-plan", str(data), "--out", str(root / "run"), "--epochs", "2", *TINY]) == 0
    return root / "run"


def test_report_is_one_self_contained_html_file(run, capsys):
    assert not (run / "eval").exists()
    assert main(["report", str(run), "--split", "val", "--examples", "1"]) == 0
    assert "report.html" in capsys.readouterr().out
    page = (run / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert page.count('src="data:image/png;base64,') >= 4  # curves, confusion, best, worst
    assert not re.search(r'(src|href)="(?!data:)', page)  # nothing to fetch
    for text in ("Averaging convention", "macro averages", "IoU", "Dice", "precision", "recall",
                 "Confusion matrix", "Best predictions", "Worst predictions", "seconds per epoch",
                 "torch", "python", "CPU", "model:", "unet_small", "circle"):
        assert text in page, text
    scores = read_per_image(run / "eval" / "val" / "per_image.csv")  # evaluated on the way
    assert scores and all(0 <= s.mean_iou <= 1 for s in scores)


def test_evaluate_and_predict_take_the_inference_flags(run, tmp_path, capsys):
    flags = ["--tile", "16", "--overlap", "0.5", "--tta", "--tta-flips", "all", "--min-component", "3", "--keep-largest"]
    out = tmp_path / "eval"
    assert main(["evaluate", str(run), "--out", str(out), *flags]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["inference"] == {"tile": 16, "overlap": 0.5, "batch_size": 4, "tta": True,
                                    "tta_flips": "all", "postprocess": {"min_component": 3, "keep_largest": True},
                                    "compile_mode": None}
    assert "tiles of 16 px" in (out / "metrics.md").read_text()

    config = (run / "splits.json").read_text()
    image = Path(json.loads(config)["root"]) / "images" / f"{json.loads(config)['test'][0]}.png"
    assert main(["predict", str(run), str(image), "--out", str(tmp_path / "pred"), *flags]) == 0
    mask = np.array(Image.open(tmp_path / "pred" / f"{image.stem}_mask.png"))
    assert mask.shape == (32, 32)

    assert main(["predict", str(run), str(image), "--tile", "0"]) == 2
    assert "tile" in capsys.readouterr().err


def test_report_examples_name_each_image_and_the_class_colours():
    from seglab.data.layouts.synthetic import synthetic_classes
    from seglab.evaluation.report import Example, plot_examples
    from seglab.evaluation.scoring import ImageScore

    classes = synthetic_classes(3)
    mask = np.zeros((8, 8), dtype=np.int64)
    mask[2:6, 2:6] = 1
    example = Example(ImageScore("cell_07", 0.5, 0.6, 0.9), np.zeros((8, 8, 3), np.uint8), mask, np.roll(mask, 1))
    fig = plot_examples([example, example], classes)
    assert fig.axes[0].get_title() == "cell_07  IoU 0.500"
    assert [text.get_text() for text in fig.legends[0].get_texts()] == list(classes.names)


def test_the_class_table_names_each_class_after_the_id_its_figures_show():
    """Where no installed font draws the names (背景 ...), the figures label the classes by id:
    the report's table, in a browser's fonts, names each class after that id."""
    from seglab.data import ClassSpec
    from seglab.evaluation.report import class_table
    from seglab.reports.fonts import class_labels

    classes = ClassSpec(("背景", "建筑"), ((0, 0, 0), (255, 0, 0)))
    scores = {"iou": 0.5, "dice": 0.6, "precision": 0.7, "recall": 0.8, "support": 10}
    table = class_table({"classes": {name: scores for name in classes.names}, "mean_iou": 0.5, "mean_dice": 0.6,
                         "mean_accuracy": 0.8}, classes)
    shown = class_labels(classes.names)[0]
    assert all(f"</span> {label} {name}</td>" in table if label != name else f"</span> {name}</td>" in table
               for label, name in zip(shown, classes.names))
