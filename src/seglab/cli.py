"""The `seglab` command: parses arguments, sets up logging, calls the library. Nothing more."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from seglab import config as config_io
from seglab._version import __version__
from seglab.compilation import COMPILE_MODES
from seglab.data.augment import PRESETS
from seglab.data.cache import CACHE_MODES
from seglab.data.formats import FORMATS
from seglab.data.splits import SPLIT_MODES
from seglab.engine.builders import OPTIMIZERS, SCHEDULES
from seglab.engine.tracking import LOGGERS, with_logger_option
from seglab.errors import ConfigError, SeglabError
from seglab.export.formats import FORMATS as EXPORT_FORMATS
from seglab.inference.tta import TTA_FLIPS
from seglab.losses import LOSSES
from seglab.runtime import PRECISIONS, tune_allocator

DEFAULTS = config_io.ExperimentConfig()  # the defaults --help quotes

log = logging.getLogger("seglab")

EXAMPLES = """examples:
  seglab demo                                   # everything on generated data, a few minutes on CPU
  seglab inspect my_data/                       # what is in a dataset folder, and what is wrong with it
  seglab train my_data/ --out runs/mine --epochs 30
  seglab evaluate runs/mine                     # test-split scores, confusion matrix, gallery
  seglab predict runs/mine new_scans/ --out runs/mine/predictions
"""


def parse_size(text: str) -> list[int]:
    """'256' -> [256, 256]; '360x480' -> [360, 480] (height x width)."""
    try:
        parts = [int(p) for p in text.lower().split("x")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 256 or 360x480 (HxW), got '{text}'") from None
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2 or min(parts) < 1:
        raise argparse.ArgumentTypeError(f"size must look like 256 or 360x480 (HxW), got '{text}'")
    return parts


def parse_duration(text: str) -> float:
    """'90s', '10m', '1.5h' or plain seconds -> seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    number, unit = (text[:-1], text[-1]) if text[-1:].lower() in units else (text, "s")
    try:
        seconds = float(number) * units[unit.lower()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"duration must look like 90s, 10m or 1.5h, got '{text}'") from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"duration must be positive, got '{text}'")
    return seconds


def parse_assignment(text: str) -> tuple[str, Any]:
    """'train.epochs=5' -> ('train.epochs', 5); the value is read as YAML (numbers, lists, null)."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got '{text}'")
    return key.strip(), yaml.safe_load(value)


def parse_lr(text: str) -> float | str:
    """'3e-3' -> 0.003; 'auto' -> 'auto' (the learning-rate range test picks it)."""
    if text == "auto":
        return text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"learning rate must be a number like 3e-3, or auto; got '{text}'") from None


def parse_class_weights(text: str) -> str | list[float]:
    """'auto' -> 'auto'; '1,5,20' -> [1.0, 5.0, 20.0] (one weight per class)."""
    if text == "auto":
        return text
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"class weights are 'auto' or numbers like 1,5,20; got '{text}'") from None


def parse_label_map(text: str) -> dict[int, int | str]:
    """'255:1,3:ignore' -> {255: 1, 3: 'ignore'}: raw mask value -> class index or ignore."""
    mapped: dict[int, int | str] = {}
    for part in text.split(","):
        raw, _, label = (s.strip() for s in part.partition(":"))
        try:
            mapped[int(raw)] = label if label == "ignore" else int(label)
        except ValueError:
            raise argparse.ArgumentTypeError(f"label map entries look like 255:1 or 3:ignore, got '{part}'") from None
    return mapped


def add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", dest="data.format", metavar="LAYOUT", help="dataset layout: auto (default), "
                        f"{', '.join(FORMATS.names())}")
    parser.add_argument("--images", dest="data.images", metavar="DIR",
                        help="the image folder, when the search does not find it: a path (under DATA, or as given) "
                        "or a folder name looked for at any level; DATA may be left out with --images and --masks")
    parser.add_argument("--masks", dest="data.masks", metavar="DIR",
                        help="the mask folder, likewise; picks one when two folders could hold the masks "
                        "(e.g. labels beside a field-of-view mask folder)")
    parser.add_argument("--mask-pattern", dest="data.mask_pattern", metavar="PATTERN",
                        help="how a mask is named after its image: a template like '{stem}_mask.png' or a regular "
                        r"expression whose first group is the image stem, like '(.+)_manual1\.gif'")
    parser.add_argument("--manifest", metavar="FILE",
                        help="a .csv/.tsv/.json file listing the pairs (columns image, mask, optional split and "
                        "group; paths relative to the file), instead of DATA")
    parser.add_argument("--classes", dest="data.classes_file", metavar="JSON",
                        help="classes.json with names, colours and ignore_index")
    parser.add_argument("--ignore-index", dest="data.ignore_index", type=int, metavar="LABEL",
                        help="mask label left out of loss and metrics (e.g. 255)")
    parser.add_argument("--slice-axis", dest="data.slice_axis", choices=["axial", "coronal", "sagittal"],
                        help="volume datasets (NIfTI, DICOM): the plane 2-D slices are cut in, after reorienting "
                        "to RAS (default axial); predict uses the run's (docs/volumes.md)")
    parser.add_argument("--empty-slices", dest="data.empty_slices", type=float, metavar="F",
                        help="volume datasets: keep this share (0-1) of the slices without any label, drawn "
                        "with a fixed seed per subject (default 1: keep all)")
    parser.add_argument("--label-map", dest="data.label_map", type=parse_label_map, metavar="RAW:CLASS,...",
                        help="map raw mask values to classes without editing files, e.g. 255:1,3:ignore; "
                        "'ignore' is --ignore-index, else 255 (then the ignore index); unlisted values stay; "
                        "replaces the automatic 0/255 -> 0/1 (docs/encodings.md)")
    parser.add_argument("--task", dest="data.task", choices=["auto", "multiclass", "multilabel"],
                        help="multiclass: one class per pixel (softmax); multilabel: overlapping classes, one sigmoid "
                        "per class; auto (default): multilabel for masks/<class>/ folders or classes.json regions "
                        "(docs/multilabel.md)")
    parser.add_argument("--multilabel", dest="data.task", action="store_const", const="multilabel",
                        help="--task multilabel: also reads C x H x W or H x W x C masks as one channel per class")
    add_max_pixels_option(parser, "data.max_pixels")


def add_max_pixels_option(parser: argparse.ArgumentParser, dest: str) -> None:
    parser.add_argument("--max-pixels", dest=dest, type=int, metavar="N",
                        help=f"largest file read, in decoded pixels (volumes: voxels), checked from its header "
                        f"before decoding (default {DEFAULTS.data.max_pixels:,} = 16384x16384; docs/limits.md)")


def add_training_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", nargs="?", help="dataset folder (format auto-detected)")
    parser.add_argument("--config", metavar="YAML", help="experiment config file (e.g. a run's config.yaml); the "
                        "flags below override it")
    add_data_options(parser)
    parser.add_argument("--size", dest="data.size", type=parse_size, metavar="S|HxW",
                        help="resize images to this size (masks use nearest); default: native size")
    parser.add_argument("--split-mode", dest="data.split_mode", choices=SPLIT_MODES.names(),
                        help="random (seeded, default) or blocks: contiguous runs of sorted names, "
                        "for neighbouring slices; groups: whole groups from --group-pattern")
    parser.add_argument("--group-pattern", dest="data.group_pattern", metavar="REGEX",
                        help="--split-mode groups: the first group of REGEX (searched in each name) is the "
                        r"pair's group, e.g. '^(\w+?)_' for subject ids; a group never straddles two splits")
    parser.add_argument("--split-file", dest="data.split_file", metavar="JSON",
                        help='the split as {"train": [names], "val": [...], "test": [...]}, e.g. a run\'s '
                        "splits.json; pairs named in no split are left out (with a warning)")
    parser.add_argument("--folds", dest="data.folds", type=int, metavar="K",
                        help="K-fold cross-validation over the units of --split-mode (pairs, contiguous blocks "
                        "or whole groups): fold --fold validates, the others train, no test split")
    parser.add_argument("--fold", dest="data.fold", type=int, metavar="I",
                        help="with --folds: the validation fold, 0 to K-1 (default 0)")
    parser.add_argument("--model", dest="model.name", metavar="NAME",
                        help=f"model name from `seglab models` (default {DEFAULTS.model.name})")
    parser.add_argument("--encoder", metavar="NAME",
                        help="a timm encoder for the U-Net, e.g. convnext_tiny or efficientnet_b0 (selects unet_timm, "
                        "also with --model unet; `seglab models --encoders PATTERN` lists them; needs seglab[timm])")
    parser.add_argument("--model-option", action="append", type=parse_assignment, default=[], metavar="KEY=VALUE",
                        help="model keyword argument, e.g. widths=[16,32,64] or dropout=0.1 (repeatable)")
    parser.add_argument("--encoder-weights", metavar="imagenet|none|PATH",
                        help="pretrained encoder (unet_resnet*, --encoder): ImageNet weights from the torch cache "
                        "(timm's: the Hugging Face cache), downloaded when online; a local state dict file; or none "
                        "(default)")
    parser.add_argument("--freeze-encoder-epochs", dest="train.freeze_encoder_epochs", type=int, metavar="N",
                        help="train only the decoder for the first N epochs (its BatchNorm stays frozen)")
    parser.add_argument("--encoder-lr-scale", dest="train.encoder_lr_scale", type=float, metavar="F",
                        help="encoder learning rate = lr * F (e.g. 0.1 for gentle fine-tuning)")
    parser.add_argument("--loss", dest="loss.name", choices=LOSSES.names(),
                        help=f"training loss (default {DEFAULTS.loss.name}: cross-entropy plus soft Dice)")
    parser.add_argument("--class-weights", dest="loss.class_weights", type=parse_class_weights,
                        metavar="auto|W,W,...", help="cross-entropy/focal weight per class, or auto: median "
                        "frequency balancing from the train split's pixel counts")
    train = DEFAULTS.train
    parser.add_argument("--epochs", dest="train.epochs", type=int, metavar="N",
                        help=f"passes over the training split (default {config_io.DEFAULT_EPOCHS}; with "
                        "--time-budget an upper bound, without it the budget alone decides)")
    parser.add_argument("--batch-size", dest="train.batch_size", type=int, metavar="N",
                        help=f"images (or patches) per optimizer step (default {train.batch_size})")
    parser.add_argument("--lr", dest="train.lr", type=parse_lr, metavar="LR|auto",
                        help=f"peak learning rate (default {train.lr:g}); auto: run the learning-rate range test "
                        "first (as `seglab lr-find`) and train at its suggestion, kept in RUN/lr_find.png")
    parser.add_argument("--optimizer", dest="train.optimizer", choices=sorted(OPTIMIZERS),
                        help=f"default {train.optimizer}")
    parser.add_argument("--schedule", dest="train.schedule", choices=SCHEDULES,
                        help=f"learning rate per step (default {train.schedule}): cosine decays from --lr to 1%% of "
                        "it; onecycle rises for 30%% of the run, then falls; constant stays at --lr")
    parser.add_argument("--seed", dest="train.seed", type=int, metavar="N",
                        help=f"seeds the split, initial weights, augmentation and batch order (default {train.seed}); "
                        "the same seed repeats a CPU run exactly with --threads N or --deterministic (threads "
                        "that adapt to the load change float rounding when they change)")
    parser.add_argument("--device", dest="train.device", metavar="DEVICE",
                        help="auto (default: the GPU when there is one), cpu, cuda or cuda:N")
    parser.add_argument("--precision", dest="train.precision", choices=PRECISIONS,
                        help="auto (default): bf16 on CUDA and on CPUs with native bf16, else fp32")
    parser.add_argument("--workers", dest="data.num_workers", type=int, metavar="N",
                        help=f"DataLoader worker processes (default {DEFAULTS.data.num_workers}: load in the "
                        "training process)")
    parser.add_argument("--threads", dest="train.threads", type=int, metavar="N",
                        help="pin the compute threads of the training process to N (default on CPU: adapt to the "
                        "load from measured step times, starting at one per core, less one per --workers, "
                        "since a worker sharing a core with compute slows both; each change is logged)")
    parser.add_argument("--cache", dest="data.cache", choices=CACHE_MODES,
                        help="where images are kept once decoded and resized, so later epochs skip that work: "
                        "memory (each worker holds a copy), disk (.npy files shared by workers and later runs), "
                        "none, or auto (default): memory if train+val fit in half the available RAM, else disk")
    parser.add_argument("--cache-dir", dest="data.cache_dir", metavar="PATH",
                        help="folder of the disk cache (default $XDG_CACHE_HOME/seglab, i.e. ~/.cache/seglab); "
                        "safe to delete between runs")
    parser.add_argument("--no-progress", dest="train.progress", action="store_false", default=None,
                        help="no progress bars")
    parser.add_argument("--set", action="append", type=parse_assignment, default=[], metavar="SECTION.KEY=VALUE",
                        help="any config value, e.g. --set train.grad_clip=null (repeatable)")


def dataset_path(args: argparse.Namespace) -> str | None:
    """DATA, or the --manifest file, or the folder that holds --images and --masks."""
    from seglab.errors import ConfigError

    if args.manifest is not None:
        if args.data is not None:
            raise ConfigError(f"give either DATA ('{args.data}') or --manifest ('{args.manifest}'), not both")
        return str(args.manifest)
    images, masks = getattr(args, "data.images"), getattr(args, "data.masks")
    if args.data is None and images is not None and masks is not None:
        return os.path.commonpath([os.path.abspath(images), os.path.abspath(masks)])
    return args.data


def build_config(args: argparse.Namespace) -> config_io.ExperimentConfig:
    """YAML file, then --set, then the named flags: the most specific wins."""
    overrides: dict[str, Any] = dict(args.set)
    for key, value in vars(args).items():
        if "." in key and value is not None:
            overrides[key] = value
    path = dataset_path(args)
    if path is not None:
        overrides["data.path"] = path
    options = dict(args.model_option)
    if args.encoder is not None:
        options["encoder"] = args.encoder
        if getattr(args, "model.name") in (None, "unet"):  # "a U-Net with encoder NAME"
            overrides["model.name"] = "unet_timm"
    if args.encoder_weights is not None:
        options["encoder_weights"] = None if args.encoder_weights == "none" else args.encoder_weights
    if options:
        base = config_io.load(args.config).model.options if args.config else {}
        overrides["model.options"] = {**base, **options}
    return config_io.load(args.config, overrides)


def cmd_demo(args: argparse.Namespace) -> None:
    from seglab.demo import run_demo

    from seglab.runs.run_folder import RunFolder

    started = time.perf_counter()
    run = Path(args.out) / "run"
    with RunFolder(run).claim(overwrite=True), log_to_file(run / "train.log"):
        result = run_demo(args.out, epochs=args.epochs, samples=args.samples, device=args.device,
                          progress=not args.no_progress)
    scores = result.evaluation.scores
    print(f"demo finished in {time.perf_counter() - started:.0f}s")
    print(f"  data:        {result.data}")
    print(f"  run folder:  {result.training.run.root}  (curves.png, history.csv, checkpoints/)")
    print(f"  evaluation:  {result.evaluation.out_dir}  test mIoU {scores.mean_iou:.3f}, "
          f"mDice {scores.mean_dice:.3f}, accuracy {scores.accuracy:.3f}")
    print(f"  predictions: {len(result.predictions)} masks + overlays in {args.out}/predictions")


def cmd_inspect(args: argparse.Namespace) -> None:
    from seglab.data import format_report, inspect_dataset
    from seglab.errors import DataError

    path = dataset_path(args)
    if path is None:
        raise DataError("no dataset given: pass a DATA folder, --manifest FILE, or --images DIR --masks DIR")
    options = {key.removeprefix("data."): value for key, value in vars(args).items()
               if key.startswith("data.") and value is not None}
    report = inspect_dataset(path, **options)
    print(format_report(report))
    if report.fatal:
        raise DataError(f"{len(report.fatal)} fatal problem(s) in '{args.data}' (listed above) would stop "
                        "`seglab train`; fix them, or train with --skip-bad to leave those pairs out")


def cmd_models(args: argparse.Namespace) -> None:
    from seglab.models import describe_model, list_models

    if args.encoders is not None:
        print_encoders(args.encoders)
        return
    for name in list_models():
        print(f"{name:<16} {describe_model(name)}")


def print_encoders(pattern: str) -> None:
    """The timm encoders matching `pattern` (without one: those seglab's tests cover) and how to use one."""
    from seglab.models.timm_encoder import TESTED_ENCODERS, import_timm, list_encoders, probe_encoder

    timm = import_timm()
    found = list_encoders(pattern) if pattern else [e for e in map(probe_encoder, TESTED_ENCODERS) if e is not None]
    for encoder in found:
        print(f"{encoder.name:<32} strides {', '.join(map(str, encoder.strides)):<16} "
              f"channels {', '.join(map(str, encoder.channels))}")
    what = f"matching '{pattern}'" if pattern else "covered by seglab's tests (train, export, predict)"
    print(f"{len(found)} timm {timm.__version__} encoders {what} fit a U-Net. Use one: seglab train DATA --encoder NAME "
          "[--encoder-weights imagenet|PATH]; a name may carry a weight tag (convnext_tiny.fb_in22k)."
          + ("" if pattern else " Search all of timm's: seglab models --encoders 'efficientnet*'"))


@contextmanager
def log_to_file(path: Path) -> Iterator[None]:
    """Copy seglab's log to `path` (the run's train.log) while the block runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    try:
        yield
    finally:
        log.removeHandler(handler)
        handler.close()


def configure_logging(verbose: bool) -> None:
    """One stderr handler on the 'seglab' logger (replaced, not stacked, on repeated calls)."""
    for handler in [h for h in log.handlers if getattr(h, "seglab_cli", False)]:
        log.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.seglab_cli = True  # type: ignore[attr-defined]
    log.addHandler(handler)
    log.setLevel(logging.DEBUG if verbose else logging.INFO)
    log.propagate = False


def relaunch_with_torchrun(argv: list[str], nproc: int, max_restarts: int = 0) -> None:
    """`seglab train --nproc N [--max-restarts K] ...` = `torchrun --nproc-per-node N
    [--max-restarts K] -m seglab train ...`; a restarted run continues from its last epoch."""
    options = {"--nproc", "--max-restarts"}
    rest, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in options:
            skip = True
        elif arg.split("=", 1)[0] not in options:
            rest.append(arg)
    # '--' ends torchrun's options: its parser would take seglab's --log for an abbreviation of its --log-dir
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}",
               f"--max-restarts={max_restarts}", "-m", "seglab", "--", *rest]
    env = dict(os.environ)
    # torch 2.x's gloo restarts fail on a rendezvous store shared with the agent (pytorch#135712)
    env.setdefault("TORCH_DISABLE_SHARE_RDZV_TCP_STORE", "1")
    log.info("launching %d processes: %s", nproc, " ".join(command))
    raise SystemExit(subprocess.call(command, env=env))


def cmd_train(args: argparse.Namespace) -> None:
    from seglab.engine.experiment import train
    from seglab.engine.restart import restarts_before_first_checkpoint, resumes_after_restart
    from seglab.runs.run_folder import RunFolder

    if args.max_restarts and args.nproc <= 1:
        raise ConfigError("--max-restarts restarts the processes of --nproc N (N > 1); give --nproc as well")
    if args.nproc > 1 and "WORLD_SIZE" not in os.environ:
        relaunch_with_torchrun(args.argv, args.nproc, args.max_restarts)
    rank = int(os.environ.get("RANK", "0"))
    if rank != 0:  # one log and one run folder: the other processes only train
        log.setLevel(logging.WARNING)

    out = args.resume or args.out
    if args.resume:
        if args.data is not None or args.config is not None:
            raise ConfigError("--resume continues a run with its own data and config; give only flags to change")
        args.config = str(RunFolder.open(args.resume).config)
    cfg = build_config(args)
    if args.mlflow_uri is not None:
        loggers = with_logger_option(cfg.train.loggers, "mlflow", "tracking_uri", args.mlflow_uri)
        cfg = replace(cfg, train=replace(cfg.train, loggers=loggers))
    if args.dry_run:
        from seglab.engine.session import dry_run

        estimate = dry_run(cfg)
        epochs = cfg.train.epochs or config_io.DEFAULT_EPOCHS
        print(f"dry run: {estimate.step_seconds:.3f}s per step x {estimate.train_steps} steps + "
              f"{estimate.val_seconds:.1f}s validation = about {estimate.epoch_seconds:.1f}s per epoch, "
              f"{(estimate.one_time_seconds + estimate.epoch_seconds * epochs) / 60:.1f} min for "
              f"{epochs} epochs (with {estimate.one_time_seconds:.1f}s once: warm-up"
              f"{', compilation' if cfg.train.compile else ''}); "
              f"peak memory {estimate.peak_memory_mb:.0f} MB")
        return
    if rank != 0:
        train(cfg, out, resume=args.resume is not None)
        return
    # a torchrun restart of this command continues its run (train() decides the same again)
    resume = args.resume is not None or resumes_after_restart(cfg, out)
    # claimed before the log opens: a refused second training must not write into the first's train.log
    overwrite = args.overwrite or restarts_before_first_checkpoint(out)
    with RunFolder(Path(out)).claim(resume=resume, overwrite=overwrite), log_to_file(Path(out) / "train.log"):
        result = train(cfg, out, resume=resume)
    print(f"run folder: {result.run.root}  (best epoch {result.best_epoch})")
    if result.best_scores is not None:
        print((result.run.root / "metrics.md").read_text())


def add_data_path_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-path", metavar="FOLDER",
                        help="the run's dataset folder, when it is no longer where config.yaml says (the data or "
                        "the run folder has moved); the run's own split is used")


def add_device_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default="auto", metavar="DEVICE",
                        help="auto (default: the GPU when there is one), cpu, cuda or cuda:N")


def add_split_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--split", default="test", choices=["train", "val", "test"],
                        help="the run's split to score (default test; val when the run has no test split)")


def add_precision_option(parser: argparse.ArgumentParser) -> None:
    """`--precision` of the commands that predict with a trained model."""
    parser.add_argument("--precision", default="fp32", choices=PRECISIONS,
                        help="fp32 (default: exact), or autocast for speed: auto (bf16 on CUDA and on CPUs with "
                        "native bf16, else fp32), bf16, fp16 (CUDA only); masks may differ at class borders")


def add_compile_options(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    """`--compile` and `--compile-mode`, for training (`prefix` "train.") and prediction."""
    parser.add_argument("--compile", dest=f"{prefix}compile", action="store_true", default=None,
                        help="torch.compile the model: a one-time compile (seconds to a minute; cached on disk "
                        "for later runs) for faster steps; on CPU it needs a C++ compiler (g++)")
    parser.add_argument("--compile-mode", dest=f"{prefix}compile_mode", choices=COMPILE_MODES,
                        help="with --compile: default, reduce-overhead (CUDA graphs: no launch overhead, best for "
                        "small images on a GPU) or max-autotune (longest compile, tuned kernels)")


def add_inference_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tile", type=int, metavar="PX", help="predict in overlapping PX x PX tiles blended with "
                        "a Gaussian weight (for large images; default: the whole image at once)")
    parser.add_argument("--overlap", type=float, default=0.25, help="tile overlap as a fraction of --tile (default 0.25)")
    parser.add_argument("--tta", action="store_true", help="flip test-time augmentation: average the class "
                        "probabilities of the image and its flips that training augmentation showed the model (light "
                        "preset: the horizontal flip, 2x the work; strong: all four, 4x)")
    parser.add_argument("--tta-flips", choices=TTA_FLIPS, help="with --tta: 'trained' (default) or 'all' four "
                        "flips (identity, horizontal, vertical, both), also those the model never saw")
    parser.add_argument("--min-component", type=int, default=0, metavar="PX",
                        help="remove connected regions smaller than PX pixels (background class left alone)")
    parser.add_argument("--keep-largest", action="store_true", help="keep only the largest region of each class")
    parser.add_argument("--checkpoint", default="best", choices=["best", "last"],
                        help="weights of each run: the best epoch's by val mIoU (default) or the last epoch's")
    add_precision_option(parser)
    add_compile_options(parser)
    parser.add_argument("--ensemble", nargs="+", default=[], metavar="RUN",
                        help="more run folders (e.g. the other folds of a --folds cross-validation, or other "
                        "seeds) whose class probabilities are averaged with RUN's; it takes every name that "
                        "follows, so give it last")


def inference_options(args: argparse.Namespace) -> Any:
    """The InferenceOptions named by the flags of `add_inference_options`."""
    from seglab.inference.postprocess import PostProcess
    from seglab.inference.predictor import InferenceOptions

    try:
        if args.tta_flips is not None and not args.tta:
            raise ConfigError("--tta-flips chooses the flips of --tta: give --tta as well")
        return InferenceOptions(tile=args.tile, overlap=args.overlap, tta=args.tta, tta_flips=args.tta_flips or "trained",
                                postprocess=PostProcess(args.min_component, args.keep_largest),
                                compile_mode=compile_mode(args))
    except ValueError as err:
        raise ConfigError(str(err)) from None


def compile_mode(args: argparse.Namespace) -> str | None:
    """The torch.compile mode `--compile` and `--compile-mode` ask a predicting command for."""
    if args.compile_mode is not None and not args.compile:
        raise ConfigError("--compile-mode chooses the mode of --compile: give --compile as well")
    return (args.compile_mode or "default") if args.compile else None


def cmd_evaluate(args: argparse.Namespace) -> None:
    from seglab.evaluation.scoring import evaluate_run

    report = evaluate_run(args.run, args.data, split=args.split, out=args.out, device=args.device,
                          options=inference_options(args), checkpoint=args.checkpoint, ensemble=args.ensemble,
                          precision=args.precision, data_path=args.data_path, progress=not args.no_progress)
    print((report.out_dir / "metrics.md").read_text())
    per_volume = ", per_volume.csv" if (report.out_dir / "per_volume.csv").is_file() else ""
    figures = ", confusion.png, gallery.png" if (report.out_dir / "gallery.png").is_file() else ""  # not multi-label
    print(f"written: {report.out_dir}/metrics.json, metrics.md, per_image.csv{per_volume}{figures}")


def cmd_predict(args: argparse.Namespace) -> None:
    from seglab.data import set_max_pixels
    from seglab.data.volumes import is_volume
    from seglab.inference.files import collect_inputs, output_names, predict_files
    from seglab.inference.loading import load_segmenter
    from seglab.inference.volumes import predict_volumes
    from seglab.runs.run_folder import RunFolder

    predictor = load_segmenter([args.run, *args.ensemble], args.device, args.precision, inference_options(args),
                               args.checkpoint)
    set_max_pixels(args.max_pixels)
    files = collect_inputs(args.inputs)
    names = output_names(files)  # inputs sharing a stem keep their folders, so none overwrites another
    volumes = [path for path in files if is_volume(path)]
    images = [path for path in files if path not in volumes]
    if images or not volumes:
        written = predict_files(predictor, images, args.out, save_probs=args.probs, names=names,
                                progress=not args.no_progress)
        masks = "<name>_<class>.png" if predictor.task.name == "multilabel" else "<name>_mask.png"
        print(f"{len(written)} image(s) -> {args.out} ({masks}, <name>_overlay.png"
              f"{', <name>_probs.npy' if args.probs else ''})")
    if volumes:
        # slices are cut across the plane the run was trained on; an exported model does not record it
        exported = Path(args.run).suffix.lower() == ".onnx"
        axis = "axial" if exported else RunFolder.open(args.run).read_config().data.slice_axis
        if args.probs:
            log.warning("--probs: probabilities are written for 2-D images only, not for volumes")
        predict_volumes(predictor, volumes, args.out, axis, names=names, progress=not args.no_progress)
        print(f"{len(volumes)} volume(s) -> {args.out} (<name>_mask.nii.gz on the input's grid, "
              f"<name>_overlay.png of the middle {axis} slice)")


def cmd_report(args: argparse.Namespace) -> None:
    from seglab.evaluation.report import build_report

    path = build_report(args.run, split=args.split, out=args.out, device=args.device, examples=args.examples,
                        data_path=args.data_path)
    print(f"written: {path} (self-contained: open it in a browser or attach it)")


def cmd_export(args: argparse.Namespace) -> None:
    from seglab.export.exporter import export_run

    sizes = [tuple(size) for size in args.check_size] if args.check_size else None
    result = export_run(args.run, args.format, args.out, sizes, args.checkpoint)
    print(f"exported {result.model_path} (+ {result.metadata_path.name}: classes, size, mean/std)")
    print("parity with PyTorch, float32 logits (must be < 1e-4):")
    for check in result.parity:
        height, width = check.size
        print(f"  {height}x{width} batch {check.batch}: max |diff| {check.max_abs_diff:.2e}")


def cmd_serve(args: argparse.Namespace) -> None:
    from seglab.inference.loading import load_segmenter
    from seglab.inference.predictor import InferenceOptions
    from seglab.web.budget import RequestBudget
    from seglab.web.queue import QueueLimits
    from seglab.web.server import serve
    from seglab.web.uploads import UploadLimits

    try:
        limits = UploadLimits(max_bytes=int(args.max_upload_mb * 2**20), max_pixels=args.max_pixels)
        queue = QueueLimits(args.max_concurrent, args.max_queue)
        budget = RequestBudget(args.max_seconds, args.max_request_mb)
    except ValueError as err:
        raise ConfigError(str(err)) from None
    if args.tile is not None and args.tile < 1:
        raise ConfigError(f"--tile must be a positive number of pixels, got {args.tile}")
    # one tile at a time: memory, not speed, is what a service must bound
    segmenter = load_segmenter(args.run, args.device, args.precision, InferenceOptions(
        tile=args.tile, batch_size=1, compile_mode=compile_mode(args)))
    print(f"serving {args.run} on http://{args.host}:{args.port}/ (API docs at /docs; Ctrl+C stops)")
    serve(segmenter, args.host, args.port, limits, name=Path(args.run).resolve().name, queue=queue, budget=budget)


def cmd_sanity(args: argparse.Namespace) -> None:
    from seglab.engine.sanity import sanity_check

    result = sanity_check(build_config(args), steps=args.steps, target=args.target)
    verdict = "PASS" if result.passed else "FAIL"
    print(f"sanity {verdict}: batch mIoU {result.miou:.3f} (target {result.target}) after {result.steps} steps; "
          f"loss {result.first_loss:.4f} -> {result.last_loss:.4f}")
    if not result.passed:
        raise SystemExit(1)


def cmd_lr_find(args: argparse.Namespace) -> None:
    from seglab.engine.lr_finder import find_lr
    from seglab.engine.lr_finder import write_lr_find

    result = find_lr(build_config(args), start=args.start_lr, end=args.end_lr, steps=args.steps)
    write_lr_find(result, Path(args.out))
    print(f"suggested learning rate: {result.suggested:.3g} (inside the longest steady fall of the loss); the loss is lowest at "
          f"{result.minimum:.3g}, and {result.minimum / 10:.3g} is the cautious pick")
    print(f"written: {args.out}/lr_find.png, lr_find.json; train with --lr {result.suggested:.3g} (or --lr auto)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="seglab", description="2D semantic segmentation with U-Nets: train, evaluate, predict.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"seglab {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="generate data, train, evaluate and predict in one go")
    demo.add_argument("--out", default="seglab-demo", help="folder for data, run and predictions")
    demo.add_argument("--epochs", type=int, default=40, metavar="N", help="training epochs (default 40)")
    demo.add_argument("--samples", type=int, default=320, help="number of generated image/mask pairs")
    add_device_option(demo)
    demo.add_argument("--no-progress", action="store_true", help="no progress bars")
    demo.set_defaults(handler=cmd_demo)

    inspect = commands.add_parser("inspect", help="report a dataset's layout, classes and problems")
    inspect.add_argument("data", nargs="?", help="dataset folder (or a pairs manifest file)")
    add_data_options(inspect)
    inspect.set_defaults(handler=cmd_inspect)

    models = commands.add_parser("models", help="list the registered models, or timm encoders (--encoders)")
    models.add_argument("--encoders", nargs="?", const="", metavar="PATTERN",
                        help="list timm encoders that fit a U-Net (--encoder NAME): those matching PATTERN (a "
                        "wildcard such as 'convnext*' or a word; each match is built once, 0.1-0.5 s), or without "
                        "PATTERN the ones seglab's tests cover")
    models.set_defaults(handler=cmd_models)

    train = commands.add_parser("train", help="train a model and write a run folder",
                                description="Train a U-Net on DATA; writes config.yaml, checkpoints/, "
                                "history.csv, curves.png, metrics.json into --out.")
    add_training_options(train)
    train.add_argument("--out", default="runs/latest", metavar="RUN", help="run folder to write (default runs/latest)")
    train.add_argument("--skip-bad", dest="data.skip_bad", action="store_true", default=None,
                       help="leave out pairs with fatal data problems (listed) instead of stopping")
    train.add_argument("--overwrite", action="store_true",
                       help="replace the run already in --out: its checkpoints, history, evaluations, exports and "
                       "report are deleted first (without it, training into a finished run folder is refused)")
    train.add_argument("--resume", metavar="RUN", help="continue RUN after its last complete epoch with model, "
                       "optimizer, schedule and random states restored (flags such as --epochs still apply)")
    train.add_argument("--time-budget", dest="train.time_budget", type=parse_duration, metavar="10m",
                       help="train for this wall-clock time: the epoch count and the schedule's end are planned "
                       "from a measured step and re-planned at every epoch's end from the measured epochs, so the "
                       "run ends within about half an epoch of it with the schedule completed (an explicit --epochs "
                       "stays an upper bound); ends with the best checkpoint")
    train.add_argument("--dry-run", action="store_true",
                       help="measure a few steps, print the expected time per epoch and peak memory, train nothing")
    add_compile_options(train, "train.")
    train.add_argument("--augment-device", dest="data.augment_device", action=argparse.BooleanOptionalAction,
                       help="flip (and crop, for uniform --patch-size crops of same-size images) the batches on "
                       "the training device instead of in the loader workers (default: on CUDA only)")
    train.add_argument("--nproc", type=int, default=1, metavar="N",
                       help="train with N processes (torch DistributedDataParallel via torchrun; "
                       "--batch-size is the global batch). For several nodes run torchrun yourself "
                       "(docs/deployment.md)")
    train.add_argument("--max-restarts", type=int, default=0, metavar="K",
                       help="with --nproc: let torchrun restart failed processes up to K times; a restart "
                       "continues the run from its last complete epoch")
    train.add_argument("--sync-batchnorm", dest="train.sync_batchnorm", action="store_true", default=None,
                       help="distributed training on CUDA: BatchNorm statistics over all processes at every step "
                       "(without it they are averaged over the processes before each validation)")
    train.add_argument("--deterministic", dest="train.deterministic", action="store_true", default=None,
                       help="deterministic kernels and a fixed thread count: identical metrics for the same seed "
                       "(CPU runs already are with --threads N)")
    train.add_argument("--augment", dest="data.augment", choices=PRESETS.names(),
                       help="training augmentation preset (default none); change single transforms with "
                       "--set data.augment_options=... (docs/training.md)")
    train.add_argument("--patch-size", dest="data.patch_size", type=parse_size, metavar="S|HxW",
                       help="train on random crops of this size (validation uses whole images)")
    train.add_argument("--rare-class-crops", dest="data.rare_class_crops", type=float, metavar="P",
                       help="share of crops centred on a pixel of a random class present in the mask (0-1)")
    train.add_argument("--samples-per-image", dest="data.samples_per_image", type=int, metavar="N",
                       help="random training views (patches) of each image per epoch (default 1): more steps "
                       "per epoch for a few large images, so validation and checkpoints are paid less often")
    train.add_argument("--warmup-epochs", dest="train.warmup_epochs", type=int, metavar="N",
                       help="linear learning-rate warmup over the first N epochs")
    train.add_argument("--early-stopping", dest="train.early_stopping_patience", type=int, metavar="N",
                       help="stop when val mIoU has not improved for N epochs")
    train.add_argument("--ema", dest="train.ema_decay", type=float, metavar="DECAY",
                       help="keep an exponential moving average of the weights (decay per step, e.g. 0.999); "
                       "validation scores it and best/last hold it: steadier than the last step's weights")
    train.add_argument("--tune-thresholds", dest="train.tune_thresholds", action="store_true", default=None,
                       help="multi-label: after training, choose each class's sigmoid threshold on the validation "
                       "split (best Dice) and store them in the best checkpoint's model card (default 0.5)")
    train.add_argument("--log", dest="train.loggers", action="append", choices=LOGGERS.names(), metavar="TRACKER",
                       help="also log the run to an experiment tracker (repeatable): tensorboard (event files in "
                       "RUN/tensorboard) or mlflow (a file store in RUN/mlruns, or --mlflow-uri): every history.csv "
                       "column per epoch, the config as hyperparameters, the model card, validation predictions, "
                       "curves.png and the final per-class scores; needs pip install 'seglab[TRACKER]' "
                       "(docs/training.md)")
    train.add_argument("--mlflow-uri", metavar="URI",
                       help="MLflow tracking URI: a server like http://host:5000, sqlite:///mlflow.db (needs "
                       "the full mlflow package), or a folder, e.g. one shared by several runs (default "
                       "RUN/mlruns); implies --log mlflow")
    train.add_argument("--log-images-every", dest="train.log_images_every", type=int, metavar="N",
                       help=f"with --log: validation images with truth and prediction every N epochs, the first "
                       f"and last included (default {DEFAULTS.train.log_images_every}; 0: none)")
    train.set_defaults(handler=cmd_train)

    evaluate = commands.add_parser("evaluate", help="score a run on its test split or on another folder")
    evaluate.add_argument("run", help="run folder written by `seglab train`")
    evaluate.add_argument("data", nargs="?", help="labelled folder to score instead of the run's test split")
    add_split_option(evaluate)
    evaluate.add_argument("--out", help="output folder (default RUN/eval/SPLIT)")
    add_data_path_option(evaluate)
    add_device_option(evaluate)
    add_inference_options(evaluate)
    evaluate.add_argument("--no-progress", action="store_true", help="no progress bar")
    evaluate.set_defaults(handler=cmd_evaluate)

    predict = commands.add_parser("predict", help="write masks and overlays for new images")
    predict.add_argument("run", help="run folder written by `seglab train`, or a model.onnx from `seglab export`")
    predict.add_argument("inputs", nargs="+", help="image files or folders (png, jpg, tif, bmp, gif, npy, npz), NIfTI volumes "
                         "(.nii, .nii.gz) or DICOM series folders: a volume is predicted slice by slice across the "
                         "run's --slice-axis and written as <name>_mask.nii.gz")
    predict.add_argument("--out", default="predictions", help="output folder (default predictions)")
    predict.add_argument("--probs", action="store_true", help="also write per-class probabilities (.npy)")
    add_max_pixels_option(predict, "max_pixels")
    predict.set_defaults(max_pixels=DEFAULTS.data.max_pixels)
    add_device_option(predict)
    add_inference_options(predict)
    predict.add_argument("--no-progress", action="store_true", help="no progress bar")
    predict.set_defaults(handler=cmd_predict)

    report = commands.add_parser("report", help="write RUN/report.html: scores, curves, best and worst predictions",
                                 description="One self-contained HTML page (images embedded) about RUN: config, "
                                 "data, training curves and timing, per-class scores, confusion matrix, the best and "
                                 "worst predictions, environment. Runs the evaluation first when it is missing.")
    report.add_argument("run", help="run folder written by `seglab train`")
    add_split_option(report)
    report.add_argument("--out", help="HTML file to write (default RUN/report.html)")
    add_data_path_option(report)
    report.add_argument("--examples", type=int, default=3, help="best and worst predictions shown (default 3 each)")
    add_device_option(report)
    report.set_defaults(handler=cmd_report)

    sanity = commands.add_parser("sanity", help="check that a model can overfit one batch of DATA")
    add_training_options(sanity)
    sanity.add_argument("--steps", type=int, default=300, help="maximum optimisation steps")
    sanity.add_argument("--target", type=float, default=0.9, help="batch mIoU needed to pass")
    sanity.set_defaults(handler=cmd_sanity)

    lr_find = commands.add_parser("lr-find", help="find a learning rate: the range test on DATA's training split",
                                  description="Train a fresh model for --steps steps with a learning rate rising "
                                  "exponentially from --start-lr to --end-lr (stopping when the loss diverges), plot "
                                  "the smoothed loss against the rate and suggest the rate where it falls fastest. "
                                  "The training options (model, loss, optimizer, batch size, size) are train's.")
    add_training_options(lr_find)
    lr_find.add_argument("--start-lr", type=float, default=1e-7, metavar="LR", help="first rate (default 1e-7)")
    lr_find.add_argument("--end-lr", type=float, default=10.0, metavar="LR", help="last rate (default 10)")
    lr_find.add_argument("--steps", type=int, default=100, metavar="N", help="optimisation steps (default 100)")
    lr_find.add_argument("--out", default="runs/lr-find", metavar="FOLDER",
                         help="folder for lr_find.png and lr_find.json (default runs/lr-find)")
    lr_find.set_defaults(handler=cmd_lr_find)

    export = commands.add_parser("export", help="export a run's model to ONNX or TorchScript, checked against PyTorch",
                                 description="Write RUN's model with dynamic batch and size, plus a JSON of its "
                                 "classes and normalisation, then check the file against PyTorch (max |diff| < 1e-4).")
    export.add_argument("run", help="run folder written by `seglab train`")
    export.add_argument("--format", default="onnx", choices=EXPORT_FORMATS.names(),
                        help="onnx (default; runs without torch in onnxruntime) or torchscript")
    export.add_argument("--out", help="output folder (default RUN/export)")
    export.add_argument("--check-size", action="append", type=parse_size, metavar="S|HxW",
                        help="input size for the parity check (repeatable; default three sizes)")
    export.add_argument("--checkpoint", default="best", choices=["best", "last"],
                        help="the best epoch's weights by val mIoU (default) or the last epoch's")
    export.set_defaults(handler=cmd_export)

    serve = commands.add_parser("serve", help="web page and JSON API that segment uploaded images",
                                description="Serve RUN (a run folder or an exported model.onnx): an upload page "
                                "at /, POST /predict, API docs at /docs. Predictions run on --max-concurrent workers behind a queue of "
                                "--max-queue (503 + Retry-After beyond it); each upload's compute time and memory are "
                                "estimated from its header and the model, timed at startup, and refused with 413 "
                                "over --max-seconds or --max-request-mb; /health answers at once with the queue depth.")
    serve.add_argument("run", help="run folder written by `seglab train`, or a model.onnx from `seglab export`")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    add_device_option(serve)
    add_precision_option(serve)
    add_compile_options(serve)
    serve.add_argument("--max-upload-mb", type=float, default=10.0, help="largest upload in MiB (default 10)")
    serve.add_argument("--max-pixels", type=int, default=4096 * 4096,
                       help="largest image in pixels, H x W (default 4096x4096)")
    serve.add_argument("--max-concurrent", type=int, default=1, metavar="N",
                       help="predictions computed at once (default 1: one prediction already uses every CPU "
                       "core; 2-4 on a GPU)")
    serve.add_argument("--max-queue", type=int, default=16, metavar="M",
                       help="requests that may wait for a prediction (default 16); beyond them the server "
                       "answers 503 with Retry-After at once")
    serve.add_argument("--tile", type=int, default=512, metavar="PX",
                       help="a run's model sees larger images in overlapping PX x PX tiles, one at a time, "
                       "which bounds its memory (default 512)")
    serve.add_argument("--max-seconds", type=float, default=30.0, metavar="S",
                       help="most compute one request may take, estimated from the model (timed at startup) and "
                       "the image size before decoding; larger images get 413 (default 30)")
    serve.add_argument("--max-request-mb", type=float, default=2048.0, metavar="MB",
                       help="most memory one request's full-size outputs (class probabilities, mask, overlay) may "
                       "take, estimated the same way; larger images get 413 (default 2048)")
    serve.set_defaults(handler=cmd_serve)
    return parser


def stop_on_sigterm(signum: int, frame: object) -> None:
    """`kill PID` stops training like Ctrl-C: current weights saved, resumable."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--"]:  # `torchrun -m seglab -- train ...` (see relaunch_with_torchrun); some Pythons pass it on
        argv = argv[1:]
    args = build_parser().parse_args(argv)
    args.argv = argv
    configure_logging(args.verbose)
    tune_allocator()
    previous = signal.signal(signal.SIGTERM, stop_on_sigterm)
    try:
        args.handler(args)
    except SeglabError as err:
        print(f"seglab {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        hint = " (continue with `seglab train --resume RUN`)" if args.command == "train" else ""
        print(f"seglab {args.command}: interrupted{hint}", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0

