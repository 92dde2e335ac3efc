"""Experiment configuration: frozen dataclasses, loaded from YAML and command-line overrides.

A run folder stores the resolved config (`config.yaml`), so any run can be repeated from it.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

import yaml

from seglab.errors import ConfigError

# 16384 x 16384: an RGB image of it is 768 MB decoded and 3 GB as float32, about what one training
# process on a workstation can hold; larger files are tiled beforehand or the limit raised
DEFAULT_MAX_PIXELS = 2**28
# an ignore label is a mask value: 16-bit masks (signed or not) hold every sane one, torch's -100 included
IGNORE_INDEX_RANGE = (-32768, 65535)


@dataclass(frozen=True)
class DataConfig:
    path: str | None = None  # dataset folder or pairs manifest (.csv/.tsv/.json/.jsonl); None only for `seglab demo`
    format: str = "auto"  # auto | oxford-pet | npy-pairs | class-folders | folder-pairs | manifest | rle-table | synthetic | volumes
    size: tuple[int, int] | None = None  # (H, W) to resize to; None keeps native size
    split: tuple[float, float, float] = (0.7, 0.2, 0.1)  # train/val/test fractions
    split_mode: str = "random"  # random | blocks (contiguous runs of the sorted names) | groups
    classes_file: str | None = None  # classes.json overriding names/colours/ignore_index
    images: str | None = None  # image folder (under path, or a folder name at any level); default: found
    masks: str | None = None  # mask folder, likewise; picks one when two folders could hold the masks
    mask_pattern: str | None = None  # mask name from the image stem: '{stem}_mask.png' or a regex with a group
    merge_masks: bool = False  # an image's several masks (objects, lesions) read as one: their union
    resize_masks: bool = False  # masks that are their images at another resolution (same aspect): read at their size
    ignore_index: int | None = None  # label excluded from loss and metrics
    label_map: dict[int, int | str] | None = None  # raw mask value -> class or "ignore", e.g. {255: 1, 3: ignore}
    instance_masks: bool = False  # mask values number objects: every non-zero value is the class `object`
    fill_outlines: bool = False  # masks drawn as closed outlines (HC18's head ellipse): read with each one filled
    unmasked_background: bool = False  # images without a mask are defect-free (MVTec AD's good/): all background
    rle_order: str = "auto"  # run-length tables (Kaggle): pixel order auto | column | row (docs/data.md)
    alpha: str = "auto"  # images' alpha channel: auto (a channel when it holds data, MFNet's thermal) | channel | drop
    mask_alpha: bool = False  # masks read by their alpha (opaque = class 1); unasked where their RGB holds no label
    no_data: float | None = None  # pixel value that is no data in every image (Kelp Wanted's -32768), as GDAL_NODATA
    # band files read from each chip folder (B02, B03, ...) or sample (<sample>_R.png, ...), or an HDF5 file's sample datasets stacked (pre_fire,
    # post_fire), in order; None: all
    bands: tuple[str, ...] | None = None
    frame: int | None = None  # band files each a time series (Contrails' band_08.npy): the frame read; None: the middle
    side_by_side: str | None = None  # left | right: the image's half of pictures of an image and its mask (pix2pix)
    label_field: str | None = None  # vector labels (GeoJSON, GeoPackage): the attribute naming a feature's class;
    # a COCO file of several levels of categories: the level's field (category_id_1)
    num_workers: int = 0  # DataLoader workers; 0 = load in the training process
    cache: str = "auto"  # decoded samples: auto (memory if under half the free RAM, else disk) | memory | disk | none
    cache_dir: str | None = None  # disk cache folder; None = $XDG_CACHE_HOME/seglab (~/.cache/seglab)
    skip_bad: bool = False  # leave out pairs with fatal data problems instead of stopping
    augment: str = "none"  # training augmentation preset: none | light | strong (docs/training.md)
    augment_options: dict[str, Any] = field(default_factory=dict)  # per transform, e.g. {rotate: {degrees: 30}}
    patch_size: tuple[int, int] | None = None  # (H, W) random training crops; validation keeps whole images
    rare_class_crops: float = 0.0  # share of crops centred on a pixel of a random class present in the mask
    samples_per_image: int = 1  # random training views (patches) of each image per epoch
    augment_device: bool | None = None  # flips and uniform patch crops on the training device; None: on CUDA only
    group_pattern: str | None = None  # split_mode groups: regex whose first group names a pair's group
    split_file: str | None = None  # JSON {"train": [names], "val": [...], "test": [...]}, e.g. a run's splits.json
    folds: int | None = None  # k-fold cross-validation over the units of split_mode: val = fold `fold`, test empty
    fold: int = 0  # with folds: the validation fold, 0 <= fold < folds
    slice_axis: str = "axial"  # volumes: the plane slices are cut in: axial | coronal | sagittal (RAS axes)
    empty_slices: float = 1.0  # volumes: share of label-free slices kept (seeded per subject); 1 keeps all
    task: str = "auto"  # auto | multiclass | multilabel (one sigmoid per class; docs/multilabel.md)
    max_pixels: int = DEFAULT_MAX_PIXELS  # largest file read, in decoded pixels (volumes: voxels); docs/limits.md

    def __post_init__(self) -> None:
        check_ignore_index(self.ignore_index, "data.ignore_index")
        if isinstance(self.max_pixels, bool) or not isinstance(self.max_pixels, int) or self.max_pixels < 1:
            raise ConfigError(f"data.max_pixels must be a positive integer, got {self.max_pixels!r}")
        if self.no_data is not None and (isinstance(self.no_data, bool) or not isinstance(self.no_data, (int, float))):
            raise ConfigError(f"data.no_data must be a pixel value (e.g. -32768), or null; got {self.no_data!r}")


def check_ignore_index(value: object, where: str) -> None:
    """Refuse an ignore label that is no integer mask value in `IGNORE_INDEX_RANGE` (None is fine).

    Raises:
        ConfigError: naming `where` (the option or file) and the allowed range.
    """
    low, high = IGNORE_INDEX_RANGE
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high):
        raise ConfigError(f"{where} must be an integer mask value from {low} to {high} (e.g. 255), or null; "
                          f"got {value!r}")


@dataclass(frozen=True)
class ModelConfig:
    name: str = "unet"  # a key of `seglab models`
    options: dict[str, Any] = field(default_factory=dict)  # keyword arguments of that model


@dataclass(frozen=True)
class LossConfig:
    name: str = "ce_dice"  # ce | dice | ce_dice | focal | focal_dice | tversky | lovasz | ce_lovasz | bce_dice
    class_weights: tuple[float, ...] | str | None = None  # weight per class, or "auto" (median frequency, train split)


DEFAULT_EPOCHS = 20  # train.epochs when neither it nor a time budget is given


@dataclass(frozen=True)
class TrainConfig:
    epochs: int | None = None  # passes over the training split; None: 20, or what time_budget fits
    batch_size: int = 8
    lr: float | str = 1e-3  # peak learning rate, or "auto": the learning-rate range test picks it
    optimizer: str = "adamw"  # adam | adamw
    weight_decay: float = 1e-4
    schedule: str = "cosine"  # constant | cosine | onecycle
    grad_clip: float | None = 1.0  # max gradient norm; None turns clipping off
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    precision: str = "auto"  # auto | fp32 | bf16 | fp16
    threads: int | None = None  # compute threads; None = one per core (less one per DataLoader worker on CPU)
    progress: bool = True  # progress bars (switched off when output is not a terminal)
    freeze_encoder_epochs: int = 0  # pretrained encoders: train only the decoder for this many epochs
    encoder_lr_scale: float = 1.0  # pretrained encoders: encoder lr = lr * this (e.g. 0.1)
    deterministic: bool = False  # deterministic kernels (bit-identical reruns on GPU too, slower)
    sync_batchnorm: bool = False  # distributed training: BatchNorm statistics over all processes
    time_budget: float | None = None  # seconds of training; epochs (at most `epochs`) re-planned to fit it
    compile: bool = False  # torch.compile the model before DDP; validation uses it too (pays off on long runs)
    compile_mode: str = "default"  # with compile: default | reduce-overhead (CUDA graphs) | max-autotune
    warmup_epochs: int = 0  # linear learning-rate warmup before the schedule (onecycle: its rising phase)
    early_stopping_patience: int | None = None  # stop after this many epochs without a better val_miou
    tune_thresholds: bool = False  # multi-label: choose per-class thresholds on val after training (model card)
    ema_decay: float | None = None  # average the weights with this decay per step (e.g. 0.999); scored and saved
    # experiment trackers: names (tensorboard, mlflow) or {name: mlflow, options: {tracking_uri: ...}}
    loggers: tuple[str | dict[str, Any], ...] = ()
    log_images_every: int = 5  # loggers: a few validation predictions every N epochs (and the first, last); 0: none


@dataclass(frozen=True)
class ExperimentConfig:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


def to_dict(config: Any) -> dict[str, Any]:
    """A plain dict (tuples as lists) fit for YAML and JSON."""

    def plain(value: Any) -> Any:
        if is_dataclass(value):
            return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
        if isinstance(value, (tuple, list)):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    return plain(config)


def from_dict(cls: type, values: dict[str, Any], where: str = "") -> Any:
    """Build dataclass `cls` from a nested dict, rejecting unknown keys and wrong types."""
    if not isinstance(values, dict):
        raise ConfigError(f"config section '{where or cls.__name__}' must be a mapping")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        path = f"{where}.{key}" if where else key
        if key not in known:
            if not isinstance(key, str):  # YAML's `?` or `1: x` makes a key of None or a number
                raise ConfigError(f"config key {key!r} in '{where or 'the top level'}' is not a name")
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(f"unknown config key '{path}'{hint}; known: {', '.join(sorted(known))}")
        kwargs[key] = _coerce(hints[key], value, path)
    return cls(**kwargs)


def _coerce(hint: Any, value: Any, path: str) -> Any:
    """Check `value` against a type hint, converting lists to tuples where the hint says so."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if is_dataclass(hint):
        return from_dict(hint, value or {}, path)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for option in (a for a in args if a is not type(None)):
            try:
                return _coerce(option, value, path)
            except ConfigError as err:
                errors.append(str(err))
        raise ConfigError(errors[0])
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"config '{path}' must be a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(args[0], v, path) for v in value)
        if len(value) != len(args):
            raise ConfigError(f"config '{path}' needs {len(args)} values, got {list(value)}")
        return tuple(_coerce(a, v, path) for a, v in zip(args, value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"config '{path}' must be a mapping, got {value!r}")
        return dict(value)
    if hint is Any:
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (int, float, str, bool):
        if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
            raise ConfigError(f"config '{path}' must be {hint.__name__}, got {value!r}")
        return value
    raise ConfigError(f"config '{path}': unsupported type {hint}")  # pragma: no cover


def load(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> ExperimentConfig:
    """Read a YAML file (optional) and apply dotted overrides such as {"train.epochs": 5}.

    Raises:
        ConfigError: unknown keys, wrong types, unreadable file.
    """
    values: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file '{path}' does not exist") from None
        except (OSError, UnicodeDecodeError) as err:
            raise ConfigError(f"config file '{path}' cannot be read: {err}") from None
        except yaml.YAMLError as err:
            raise ConfigError(f"config file '{path}' is not valid YAML: {err}") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"config file '{path}' must hold a mapping at the top level")
        values = loaded or {}
    for dotted, value in (overrides or {}).items():
        section, _, key = dotted.partition(".")
        if not key:
            raise ConfigError(f"override '{dotted}' must look like section.key")
        values.setdefault(section, {})
        if not isinstance(values[section], dict):
            raise ConfigError(f"config section '{section}' must be a mapping")
        values[section][key] = value
    return from_dict(ExperimentConfig, values)


def save(config: ExperimentConfig, path: str | Path) -> None:
    """Write the resolved config as YAML (readable by `load`), its folder made if missing
    (`seglab plan DATA --save-config runs/plan.yaml` before any run made `runs/`).

    Raises:
        ConfigError: the file cannot be written, naming it and why.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # names as written (UTF-8), not \uXXXX escapes; a lone surrogate of a file name stays escaped
        target.write_text(yaml.safe_dump(to_dict(config), sort_keys=False, allow_unicode=True), encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"cannot write the config '{target}': {err.strerror or err}") from None


__all__ = [
    "DataConfig",
    "ModelConfig",
    "LossConfig",
    "TrainConfig",
    "ExperimentConfig",
    "load",
    "save",
    "to_dict",
    "from_dict",
]
