"""Evaluate a finished run on its test split (or any labelled folder) at the masks' own size."""

from __future__ import annotations

import csv
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from seglab.data import MaskMapping, Pair, discover_data, read_image, read_mask
from seglab.errors import DataError
from seglab.inference.files import display_image
from seglab.inference.loading import load_segmenter, resolve_placement
from seglab.inference.predictor import InferenceOptions
from seglab.metrics import ConfusionMatrix, MultiLabelConfusion, Scores
from seglab.progress import progress_bar
from seglab.reports.plots import plot_confusion, plot_gallery, save_figure
from seglab.reports.summary import never_predicted, scores_markdown
from seglab.runs.atomic import write_json
from seglab.runs.checkpoint import read_metadata
from seglab.runs.run_folder import RunFolder
from seglab.tasks import training_ignore_index

log = logging.getLogger(__name__)


PER_IMAGE_FILE = "per_image.csv"
PER_VOLUME_FILE = "per_volume.csv"


@dataclass(frozen=True)
class ImageScore:
    """Scores of one image on its own (its mean IoU ranks the best and worst predictions)."""

    name: str
    mean_iou: float
    mean_dice: float
    accuracy: float


def write_per_image(path: Path, rows: list[ImageScore]) -> None:
    """One CSV row per image: name, mean_iou, mean_dice, accuracy (empty where undefined); a name
    that is not UTF-8 (`b"\\xff.png"`) is written as the bytes it is on disk, read back the same."""
    with path.open("w", newline="", encoding="utf-8", errors="surrogateescape") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "mean_iou", "mean_dice", "accuracy"])
        for row in rows:
            values = (row.mean_iou, row.mean_dice, row.accuracy)
            writer.writerow([row.name, *("" if math.isnan(v) else f"{v:.6f}" for v in values)])


def read_per_image(path: Path) -> list[ImageScore]:
    """The rows `write_per_image` wrote; empty cells come back as NaN."""
    with path.open(newline="", encoding="utf-8", errors="surrogateescape") as handle:
        return [
            ImageScore(row["name"], *(float(row[key]) if row[key] else math.nan
                                      for key in ("mean_iou", "mean_dice", "accuracy")))
            for row in csv.DictReader(handle)
        ]


def per_volume_scores(matrices: dict[str, ConfusionMatrix | MultiLabelConfusion], slices: dict[str, int], names: Sequence[str]) -> dict:
    """The metrics.json section of volume datasets: Dice per class of each volume (from the sum
    of its slices' confusion matrices, as 3-D Dice is computed) and their mean over volumes."""
    volumes = {}
    for name, matrix in matrices.items():
        scores = matrix.compute()
        volumes[name] = {"slices": slices[name], "mean_dice": _json(scores.mean_dice),
                         "dice": {c: _json(d) for c, d in zip(names, scores.dice)}}
    defined = [v["mean_dice"] for v in volumes.values() if v["mean_dice"] is not None]
    return {"mean_dice": sum(defined) / len(defined) if defined else None, "volumes": volumes}


def write_per_volume(path: Path, section: dict, names: Sequence[str]) -> None:
    """One CSV row per volume: volume, slices, mean_dice, then dice_<class> (empty where undefined);
    names as `write_per_image` writes them."""
    with path.open("w", newline="", encoding="utf-8", errors="surrogateescape") as handle:
        writer = csv.writer(handle)
        writer.writerow(["volume", "slices", "mean_dice", *(f"dice_{c}" for c in names)])
        for name, row in section["volumes"].items():
            values = (row["mean_dice"], *(row["dice"][c] for c in names))
            writer.writerow([name, row["slices"], *("" if v is None else f"{v:.6f}" for v in values)])


def _json(value: float) -> float | None:
    return None if math.isnan(value) else value


@dataclass(frozen=True)
class EvaluationReport:
    split: str
    num_images: int
    scores: Scores
    out_dir: Path
    per_image: tuple[ImageScore, ...] = ()


def pairs_to_evaluate(run: RunFolder, data: str | Path | None, split: str) -> tuple[list[Pair], str, MaskMapping]:
    """The pairs of the run's own split, or every labelled pair of another folder.

    Masks are read with the run's classes.json when its config names none, so classes found
    in the masks (e.g. discovered colours) keep the indices they were trained with even in a
    folder where one of them is missing. The run's own split is read with the mapping it was
    trained with (its checkpoint's), which reading the folder again with classes.json need not
    give: `--ignore-index 0`'s offset or Cityscapes' id table come from the classes being unknown.
    Another folder of label masks is read with it too; one of colour masks as its pixels say.
    """
    data_cfg = run.read_config().data if data is not None else run.read_data_config()
    classes_file = data_cfg.classes_file
    if classes_file is None and run.classes.is_file():
        classes_file = str(run.classes)
    if data is not None:
        index = discover_data(replace(data_cfg, path=str(data), format="auto", classes_file=classes_file))
        trained = trained_mapping(run)
        # label masks of the run's dataset read as in training; other encodings (colours) as found
        label_values = {"identity", "offset", "labels"}
        same_kind = trained is not None and {index.mapping.kind, trained.kind} <= label_values
        return index.pairs, "all", trained if same_kind and trained is not None else index.mapping
    index = discover_data(replace(data_cfg, classes_file=classes_file))
    names = run.read_splits()
    if split not in names:
        raise DataError(f"run '{run.root}' has no split '{split}'; it has {', '.join(k for k in names if isinstance(names[k], list))}")
    if not names[split] and split == "test" and names.get("val"):
        log.warning("the dataset has no test split; evaluating on the validation split instead")
        split = "val"
    wanted = set(names[split])
    pairs = [pair for pair in index.pairs if pair.name in wanted]
    if len(pairs) != len(wanted):
        raise DataError(f"{len(wanted) - len(pairs)} image(s) of the {split} split are missing from '{index.root}'")
    return pairs, split, trained_mapping(run) or index.mapping


def trained_mapping(run: RunFolder) -> MaskMapping | None:
    """How the run read its masks in training (its checkpoint's model card); None without one."""
    checkpoint = run.best if run.best.is_file() else run.last
    return MaskMapping.from_dict(read_metadata(checkpoint)["card"]["mapping"]) if checkpoint.is_file() else None


def spread(count: int, shown: int) -> list[int]:
    """`shown` indices spread evenly over `count` items, first and last included: a gallery of
    neighbouring MRI slices or video frames would show the same picture several times."""
    if shown <= 0 or count <= 0:
        return []
    if count <= shown:
        return list(range(count))
    return sorted({int(round(i)) for i in np.linspace(0, count - 1, shown)})


def evaluate_run(
    path: str | Path,
    data: str | Path | None = None,
    split: str = "test",
    out: str | Path | None = None,
    device: str = "auto",
    gallery_size: int = 6,
    options: InferenceOptions | None = None,
    checkpoint: str = "best",
    ensemble: Sequence[str | Path] = (),
    precision: str = "fp32",
    data_path: str | Path | None = None,
    progress: bool = True,
) -> EvaluationReport:
    """Score every image at its original size and write metrics.json (with the inference
    options and seconds per image), metrics.md, per_image.csv, confusion.png and gallery.png
    into `out` (default RUN/eval/<split>); for slices of volumes (pairs that all carry a group)
    also per_volume.csv and a "per_volume" section of metrics.json with each volume's Dice. `checkpoint` "last" scores the final weights instead
    of the best epoch's, e.g. to compare the two. `ensemble` names more run folders whose
    probabilities are averaged with this run's (the images still come from this run's split
    or from `data`). `precision` "auto" or "bf16" predicts under autocast (faster, not exact). `data_path` points
    the run at its dataset when the folder recorded in its config has moved; `progress` shows a
    bar over the images (in a terminal or a notebook)."""
    run = RunFolder.open(path, data_path)
    options = options or InferenceOptions()
    members = [str(run.root), *map(str, ensemble)]
    target, resolved = resolve_placement(device, precision)
    predictor = load_segmenter(members, target, resolved, options, checkpoint)
    precision_used = resolved.name  # as recorded: auto -> fp32 or bf16
    classes = predictor.classes
    pairs, split, mapping = pairs_to_evaluate(run, data, split)
    if not pairs:
        raise DataError(f"nothing to evaluate: the {split} split of '{run.root}' is empty (every pair trained, or "
                        f"left out); score another split (--split train) or a labelled folder: seglab evaluate "
                        f"{run.root} DATA")
    task = predictor.task
    ignore_index = training_ignore_index(task, classes.ignore_index)  # multi-label masks mark it IGNORE

    def new_confusion() -> ConfusionMatrix | MultiLabelConfusion:
        return task.confusion(classes.num_classes, ignore_index)

    confusion = new_confusion()
    shown: list[tuple] = []
    per_image: list[ImageScore] = []
    volumes = all(pair.group is not None for pair in pairs)
    by_volume: dict[str, ConfusionMatrix | MultiLabelConfusion] = {}
    slices: dict[str, int] = {}
    predict_seconds = 0.0
    gallery = set(spread(len(pairs), gallery_size))
    keep_alpha, no_data = predictor.reads_alpha, predictor.no_data  # as training read them
    for index, pair in enumerate(progress_bar(pairs, desc=f"evaluate {split}", unit="image", enabled=progress)):
        image = read_image(pair.images, keep_alpha, no_data)
        truth = read_mask(pair.masks, mapping)
        if truth.shape != image.shape[:2]:
            raise DataError(f"mask '{pair.mask}' is {truth.shape} but image '{pair.image}' is {image.shape[:2]}")
        started = time.perf_counter()
        prediction = predictor.predict(image)
        predict_seconds += time.perf_counter() - started
        pred_t, truth_t = torch.from_numpy(prediction.mask), torch.from_numpy(truth)
        try:
            confusion.update(pred_t, truth_t)
        except ValueError as err:  # a label the model has no class for: the folder's masks differ from training's
            raise DataError(f"mask '{pair.mask}': {err} (the run's classes: {', '.join(classes.names)})") from None
        alone = new_confusion()
        alone.update(pred_t, truth_t)
        mine = alone.compute()
        per_image.append(ImageScore(pair.name, mine.mean_iou, mine.mean_dice, mine.accuracy))
        if volumes:
            group = str(pair.group)
            by_volume.setdefault(group, new_confusion()).update(pred_t, truth_t)
            slices[group] = slices.get(group, 0) + 1
        if index in gallery:
            shown.append((display_image(image), truth, prediction.mask, f"{pair.name}  mIoU {mine.mean_iou:.2f}"))
    scores = confusion.compute()
    warning = never_predicted(scores, classes)
    if warning is not None:
        log.warning("%s split of '%s': %s", split, run.root, warning)
    out_dir = Path(out) if out is not None else run.eval_dir / split
    out_dir.mkdir(parents=True, exist_ok=True)
    per_volume = per_volume_scores(by_volume, slices, classes.names) if volumes else None
    if per_volume is not None:
        write_per_volume(out_dir / PER_VOLUME_FILE, per_volume, classes.names)
    write_json(out_dir / "metrics.json", {
        "split": split, "checkpoint": checkpoint, "precision": precision_used, "images": len(pairs),
        **scores.to_dict(classes.names),
        "inference": options.to_dict(), "models": members, "seconds_per_image": predict_seconds / len(pairs),
        "confusion": confusion.matrix.cpu().tolist(),  # rows truth, columns prediction
        **({"per_volume": per_volume} if per_volume is not None else {}),
    })
    write_per_image(out_dir / PER_IMAGE_FILE, per_image)
    (out_dir / "metrics.md").write_text(
        f"# {split} split: {len(pairs)} images, {checkpoint} checkpoint, scored at original size\n\n"
        f"Inference: {options.describe()}, {precision_used}"
        + (f"; mean probabilities of {len(members)} runs ({', '.join(members)})" if ensemble else "")
        + ".\n\n" + scores_markdown(scores, classes), encoding="utf-8"
    )
    if task.name == "multilabel":  # per-class 2x2 counts (in metrics.json); the figures draw class-index masks
        return EvaluationReport(split=split, num_images=len(pairs), scores=scores, out_dir=out_dir,
                                per_image=tuple(per_image))
    save_figure(plot_confusion(confusion.matrix.cpu().numpy(), classes.names), out_dir / "confusion.png")
    images, truths, preds, titles = zip(*shown)
    save_figure(
        plot_gallery(list(images), list(truths), list(preds), classes.colours, classes.names, classes.ignore_index,
                     titles=list(titles)),
        out_dir / "gallery.png",
    )
    return EvaluationReport(split=split, num_images=len(pairs), scores=scores, out_dir=out_dir,
                            per_image=tuple(per_image))
