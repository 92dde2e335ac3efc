"""`seglab report RUN`: one self-contained HTML page about a run, images embedded as base64 PNG.

The page reads only the run folder (config.yaml, splits.json, history.csv, metrics.json,
checkpoints/best.safetensors and eval/<split>/); when the evaluation is missing it runs it.
Everything is inline (no scripts, no stylesheets, no image files) so the page can be mailed
or attached to an issue and still show everything.
"""

from __future__ import annotations

import base64
import html
import io
import logging
import math
import os
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure

from seglab._version import __version__
from seglab.data import ClassSpec, read_image, read_mask
from seglab.data.classes import ERROR_COLOUR
from seglab.errors import DataError
from seglab.evaluation.scoring import PER_IMAGE_FILE, ImageScore, evaluate_run, pairs_to_evaluate, read_per_image
from seglab.inference.files import display_image
from seglab.inference.predictor import InferenceOptions, Predictor
from seglab.labelsets import unpack_numpy
from seglab.reports.fonts import class_labels, drawing_fonts, quiet_missing_glyphs
from seglab.reports.plots import (add_class_legend, multilabel_overlay, overlay, plot_confusion, plot_history,
                                  shown_name)
from seglab.reports.summary import averaging_note
from seglab.runs.run_folder import RunFolder, read_run_json

log = logging.getLogger(__name__)

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; }
img { max-width: 100%; }
.pairs td { text-align: left; }
.note { color: #555; font-size: 0.92em; }
.swatch { display: inline-block; width: 0.9em; height: 0.9em; border: 1px solid #888; vertical-align: middle; }
"""


@dataclass(frozen=True)
class Example:
    """One ranked prediction: the display image, truth and predicted mask, and its mean IoU."""

    score: ImageScore
    image: np.ndarray
    truth: np.ndarray
    pred: np.ndarray


def png_data_uri(source: Figure | Path) -> str:
    """A figure or a PNG file as a `data:image/png;base64,...` URI."""
    if isinstance(source, Figure):
        buffer = io.BytesIO()
        with quiet_missing_glyphs():
            source.savefig(buffer, dpi=100, format="png")
        data = buffer.getvalue()
    else:
        data = source.read_bytes()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def environment() -> dict[str, str]:
    """Versions and hardware of the machine writing the report (which may not be the training one)."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if line.startswith("model name")]
        cpu = names[0] if names else cpu
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return {
        "seglab": __version__,
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
        "CPU": f"{cpu} ({os.cpu_count()} logical cores)",
        "GPU": gpu,
    }


def rank_examples(scores: Sequence[ImageScore], count: int) -> tuple[list[ImageScore], list[ImageScore]]:
    """The `count` best and `count` worst images by mean IoU, never the same image in both."""
    ranked = sorted((s for s in scores if not math.isnan(s.mean_iou)), key=lambda s: s.mean_iou, reverse=True)
    if len(ranked) < 2:
        return ranked, []
    count = min(count, len(ranked) // 2)
    return ranked[:count], ranked[::-1][:count]


def error_overlay(image: np.ndarray, truth: np.ndarray, pred: np.ndarray, ignore_index: int | None) -> np.ndarray:
    """The image with wrongly predicted pixels painted red; ignored pixels are never an error.

    Shape: image (H, W[, C]) uint8, truth and pred (H, W) -> (H, W, 3) uint8.
    """
    wrong = pred != truth
    if ignore_index is not None:
        wrong &= truth != ignore_index
    return overlay(image, np.where(wrong, 0, -1), [ERROR_COLOUR], alpha=0.7)


def plot_examples(examples: Sequence[Example], classes: ClassSpec, multilabel: bool = False) -> Figure:
    """One row per example: image | truth | prediction | errors, titled with its name and IoU,
    above a legend of the class colours; `multilabel` masks (bit sets) are drawn one class colour over another, overlaps mixed."""

    def drawn(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if multilabel:
            return multilabel_overlay(image, unpack_numpy(mask, classes.num_classes), classes.colours)
        return overlay(image, mask, classes.colours, ignore_index=classes.ignore_index, faint=classes.background)

    fig = Figure(figsize=(12, 3 * len(examples) + 0.5), layout="constrained")
    axes = fig.subplots(len(examples), 4, squeeze=False)
    fonts = drawing_fonts(example.score.name for example in examples)
    for row, example in zip(axes, examples):
        image = example.image[..., 0] if example.image.ndim == 3 and example.image.shape[-1] == 1 else example.image
        panels = (
            (image, f"{shown_name(example.score.name)}  IoU {example.score.mean_iou:.3f}"),
            (drawn(image, example.truth), "truth"),
            (drawn(image, example.pred), "prediction"),
            (error_overlay(image, example.truth, example.pred, classes.ignore_index), "errors (red)"),
        )
        for ax, (picture, title) in zip(row, panels):
            ax.imshow(picture, cmap="gray" if picture.ndim == 2 else None, interpolation="nearest")
            ax.set_title(title, fontsize=12, fontfamily=fonts)
            ax.set_axis_off()
    add_class_legend(fig, classes.colours, classes.names)
    return fig


def load_examples(run: RunFolder, split: str, wanted: Sequence[ImageScore], predictor: Predictor) -> list[Example]:
    """Predict the `wanted` images of the split again, for their overlays."""
    pairs, _, mapping = pairs_to_evaluate(run, None, split)
    by_name = {pair.name: pair for pair in pairs}
    examples = []
    for score in wanted:
        pair = by_name[score.name]
        assert pair.mask is not None  # pairs_to_evaluate yields labelled pairs only
        image = read_image(pair.images, predictor.reads_alpha, predictor.no_data)
        pred = predictor.predict(image).mask
        examples.append(Example(score, display_image(image), read_mask(pair.masks, mapping), pred))
    return examples


def _table(header: Sequence[str] | None, rows: Sequence[Sequence[str]]) -> str:
    """An HTML table; cells are already escaped or are markup made here. Without a header,
    a two-column table of names and values (left-aligned)."""
    head = "<tr>" + "".join(f"<th>{h}</th>" for h in header) + "</tr>" if header else ""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    attributes = "" if header else ' class="pairs"'
    return f"<table{attributes}>{head}{body}</table>"


def _cell(value: Any) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.4f}"


def _img(uri: str, alt: str) -> str:
    return f'<img src="{uri}" alt="{html.escape(alt)}">'


def class_table(metrics: dict[str, Any], classes: ClassSpec) -> str:
    """Per-class IoU, Dice, precision, recall and support, then the macro means; each class
    after its id where the figures label the classes by id (no installed font draws the names)."""
    rows = []
    by_id = class_labels(classes.names)[0] != list(classes.names)
    for k, name in enumerate(classes.names):
        entry = metrics["classes"][name]
        swatch = '<span class="swatch" style="background: rgb{}"></span> '.format(tuple(classes.colours[k]))
        shown = f"{k} {name}" if by_id else name
        rows.append([swatch + html.escape(shown), *(_cell(entry[key]) for key in ("iou", "dice", "precision", "recall")),
                     str(entry["support"])])
    rows.append(["<b>mean</b>", f"<b>{_cell(metrics['mean_iou'])}</b>", f"<b>{_cell(metrics['mean_dice'])}</b>", "",
                 f"<b>{_cell(metrics['mean_accuracy'])}</b>", ""])
    return _table(["class", "IoU", "Dice", "precision", "recall", "pixels"], rows)


def timing_rows(history: list[dict[str, float]], metrics: dict[str, Any], best: dict[str, Any]) -> list[list[str]]:
    """Epochs, training seconds and per-epoch time from history.csv; prediction time from the evaluation."""
    seconds = [row["seconds"] for row in history if "seconds" in row]
    rows = [["epochs", str(len(history))], ["best epoch", str(best.get("epoch", "n/a"))]]
    if seconds:
        rows += [["training time", f"{sum(seconds):.1f} s"], ["seconds per epoch", f"{sum(seconds) / len(seconds):.2f} "
                 f"(first {seconds[0]:.2f}, last {seconds[-1]:.2f})"]]
    if "seconds_per_image" in metrics:
        rows.append(["prediction, seconds per image", f"{metrics['seconds_per_image']:.3f}"])
    return rows


def data_section(names: dict[str, Any], predictor: Predictor) -> list[str]:
    """Dataset folder and format, channels, classes, resize and normalisation, images per split."""
    card, classes = predictor.card, predictor.classes
    details = [f"{card.in_channels} channel(s)", f"{len(classes.names)} classes"]
    if classes.ignore_index is not None:
        details.append(f"ignore label {classes.ignore_index}")
    details.append("images resized to {}x{}".format(*card.size) if card.size else "native image size")
    details.append(f"normalised with mean {[round(m, 4) for m in card.mean]}, std {[round(v, 4) for v in card.std]}")
    split_rows = [[html.escape(k), str(len(v))] for k, v in names.items() if isinstance(v, list)]
    return ["<h2>Data</h2>",
            f"<p>{html.escape(str(names.get('root', '?')))} (format {html.escape(str(names.get('format', '?')))}): "
            f"{html.escape(', '.join(details))}.</p>",
            _table(["split", "images"], split_rows)]


def training_section(run: RunFolder, metrics: dict[str, Any]) -> list[str]:
    """Timing table, loss and mIoU curves, and the validation scores at the best epoch."""
    history = run.read_history()
    best = read_run_json(run.metrics) if run.metrics.is_file() else {}
    parts = ["<h2>Training</h2>", _table(None, timing_rows(history, metrics, best))]
    if history:
        parts.append(_img(png_data_uri(plot_history(history)), "training curves"))
    if "mean_iou" in best:
        parts.append(f"<p>Validation at the best epoch: mIoU {_cell(best['mean_iou'])}, "
                     f"mDice {_cell(best.get('mean_dice'))}.</p>")
    return parts


def scores_section(metrics: dict[str, Any], classes: ClassSpec, options: InferenceOptions, eval_dir: Path) -> list[str]:
    """Per-class table with the averaging convention, overall accuracy, confusion matrix."""
    parts = [f"<h2>Scores: {html.escape(metrics['split'])} split, {metrics['images']} images</h2>",
             f"<p>Scored at each image's original size; inference: {html.escape(options.describe())}.</p>",
             class_table(metrics, classes),
             f"<p>Overall pixel accuracy: {_cell(metrics['accuracy'])}</p>",
             '<p class="note">Averaging convention: the scores of a class come from one confusion matrix summed '
             f"over all images of the split (not averaged per image). {html.escape(averaging_note(classes))}</p>",
             "<h3>Confusion matrix (rows truth, columns prediction, each row divided by its total)</h3>"]
    saved = eval_dir / "confusion.png"
    per_class = np.asarray(metrics["confusion"])
    if per_class.ndim == 3:  # multi-label: each class its own 2x2 (truth x prediction, 1 = present)
        parts[-1] = "<h3>Confusion counts per class (pixels)</h3>"
        rows = [[html.escape(name), *(f"{int(n):,}" for n in (m[0, 0], m[0, 1], m[1, 0], m[1, 1]))]
                for name, m in zip(classes.names, per_class)]
        parts.append(_table(["class", "TN", "FP", "FN", "TP"], rows))
    elif saved.is_file():
        parts.append(_img(png_data_uri(saved), "confusion matrix"))
    else:
        parts.append(_img(png_data_uri(plot_confusion(np.asarray(metrics["confusion"]), classes.names)),
                          "confusion matrix"))
    return parts


def examples_section(run: RunFolder, split: str, eval_dir: Path, predictor: Predictor, count: int) -> list[str]:
    """The best and worst predictions by per-image mean IoU, or a note when the data are gone."""
    best_scores, worst_scores = rank_examples(read_per_image(eval_dir / PER_IMAGE_FILE), count)
    try:
        shown = load_examples(run, split, [*best_scores, *worst_scores], predictor)
        best, worst = shown[: len(best_scores)], shown[len(best_scores) :]
    except (DataError, FileNotFoundError, KeyError) as err:
        log.warning("example predictions left out of the report: %s", err)
        return ['<p class="note">Example predictions are left out: the dataset could not be read '
                f"({html.escape(str(err))}).</p>"]
    parts = []
    for title, shown in (("Best predictions", best), ("Worst predictions", worst)):
        if shown:
            parts += [f"<h2>{title} (by per-image mean IoU)</h2>",
                      '<p class="note">image | truth | prediction | errors</p>',
                      _img(png_data_uri(plot_examples(shown, predictor.classes, predictor.task.name == "multilabel")),
                           title.lower())]
    return parts


def environment_section(run: RunFolder, predictor: Predictor) -> list[str]:
    return ["<h2>Configuration</h2>", f"<pre>{html.escape(run.config.read_text(encoding='utf-8'))}</pre>",
            "<h2>Environment</h2>",
            '<p class="note">Of the machine that wrote this report, which predicted the examples on '
            f"{html.escape(str(predictor.device))}.</p>",
            _table(None, [[html.escape(k), html.escape(v)] for k, v in environment().items()])]


def build_report(
    path: str | Path, split: str = "test", out: str | Path | None = None, device: str = "auto", examples: int = 3,
    data_path: str | Path | None = None,
) -> Path:
    """Write the HTML report of a run and return its path (default RUN/report.html).

    Args:
        path: run folder written by `seglab train`.
        split: split whose evaluation is shown; an empty test split falls back to val, as in `evaluate`.
        out: HTML file to write.
        device: where to run the evaluation (when missing) and the example predictions.
        examples: how many best and how many worst predictions to show.
        data_path: the run's dataset folder, when it has moved since training.

    Raises:
        CheckpointError: not a finished run folder.
        DataError: the evaluation is missing and the run's dataset cannot be read.

    Example:
        >>> build_report("runs/demo")  # doctest: +SKIP
        PosixPath('runs/demo/report.html')
    """
    run = RunFolder.open(path, data_path)
    names = run.read_splits()
    if split == "test" and not names.get("test") and names.get("val"):
        split = "val"
    eval_dir = run.eval_dir / split
    if not (eval_dir / PER_IMAGE_FILE).is_file():
        log.info("no evaluation of the %s split in %s yet; evaluating now", split, run.root)
        eval_dir = evaluate_run(run.root, split=split, device=device, data_path=data_path).out_dir
    metrics = read_run_json(eval_dir / "metrics.json")
    # the examples are predicted again exactly as the evaluation predicted them
    options = InferenceOptions.from_dict(metrics["inference"]) if "inference" in metrics else InferenceOptions()
    predictor = Predictor.from_run(run.root, device=device, options=options)
    title = html.escape(run.root.resolve().name)
    sections = [
        f"<h1>seglab report: {title}</h1>",
        f'<p class="note">{html.escape(str(run.root.resolve()))}, written {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC'
        "</p>",
        *data_section(names, predictor),
        *training_section(run, metrics),
        *scores_section(metrics, predictor.classes, options, eval_dir),
        *examples_section(run, metrics["split"], eval_dir, predictor, examples),
        *environment_section(run, predictor),
    ]
    page = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>seglab report: {title}</title>'
            f"<style>{_STYLE}</style></head><body>\n" + "\n".join(sections) + "\n</body></html>\n")
    target = Path(out) if out is not None else run.root / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8", errors="backslashreplace")  # a DATA path not UTF-8, as printed
    return target
