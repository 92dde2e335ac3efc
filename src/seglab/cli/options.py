"""The flags several commands share, and the readers that turn them back into library objects.

A group (`add_training_options`, `add_inference_options`, ...) is added to each command that
takes it, so one flag reads the same everywhere; `build_config` and `inference_options` are the
only places that read those flags back.

The choices that come from modules built on torch (losses, optimizers, precisions, ...) are
imported by the group that lists them, so `seglab --help` and a command that needs no torch
(`seglab inspect`) start without loading it: `seglab.cli.build_parser` adds the arguments of the
command given only.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from seglab import config as config_io
from seglab.cli.values import (NATIVE_SIZE, parse_assignment, parse_bands, parse_class_weights, parse_duration,
                               parse_label_map, parse_lr, parse_size, parse_training_size)
from seglab.errors import ConfigError

DEFAULTS = config_io.ExperimentConfig()  # the defaults --help quotes


def add_data_options(parser: argparse.ArgumentParser) -> None:
    from seglab.data.layouts.formats import FORMATS
    from seglab.data.annotations.rle_masks import RLE_ORDERS
    from seglab.data.files.alpha import ALPHA_READINGS
    from seglab.data.files.halves import HALVES

    parser.add_argument("--format", dest="data.format", metavar="LAYOUT", help="dataset layout: auto (default), "
                        f"{', '.join(FORMATS.names())}")
    parser.add_argument("--images", dest="data.images", metavar="DIR",
                        help="the image folder, when the search does not find it: a path (under DATA, or as given) "
                        "or a folder name looked for at any level; DATA may be left out with --images and --masks; "
                        "or a file-name pattern ('rgb_rawlight.png', '*-transparent-rgb-img.jpg') picking among the "
                        "images of each folder that holds such files, when several share each mask")
    parser.add_argument("--masks", dest="data.masks", metavar="DIR",
                        help="the mask folder, likewise, or a pattern such as '*_lesion' (one per case folder); "
                        "picks one when two folders could hold the masks (e.g. labels beside a field-of-view mask "
                        "folder), the GeoJSON labels (SpaceNet 7's labels_match_pix) or the COCO annotation set "
                        "(USIS10K's multi_class_annotations beside foreground_annotations); a volume's file name or "
                        "pattern names the label volume of each case folder (KiTS21's aggregated_MAJ_seg.nii.gz), a stack's "
                        "name the label stack of an image stack (ToothFairy's gt_alpha beside gt_sparse)")
    parser.add_argument("--mask-pattern", dest="data.mask_pattern", metavar="PATTERN",
                        help="how a mask is named after its image: a template like '{stem}_mask.png' (with a "
                        "folder part for a folder per image: '{stem}.labels/labels_semantic.png') or a regular "
                        r"expression whose first group is the image stem, like '(.+)_manual1\.gif'; the stem may "
                        "also be the image's name without its affix or less its first or last word "
                        "('mask_{stem}.png' for bus_0001.png ~ mask_0001.png) or less an image word and number "
                        "last, several images to a mask ('{stem}_mask.png' for 000_image_0.png ... 000_image_5.png ~ "
                        "000_mask.png), and a group that is a number the "
                        r"image's last number ('mask(\d+)\.png' for frame_007.png ~ mask7.png)")
    parser.add_argument("--merge-masks", dest="data.merge_masks", action="store_true", default=None,
                        help="read an image's several masks as one, their union: numbered masks "
                        "('a_mask.png' + 'a_mask_1.png', BUSI) or one mask file per object in a folder of its "
                        "own beside the image (the 2018 Data Science Bowl's <id>/images/ + <id>/masks/)")
    parser.add_argument("--manifest", metavar="FILE",
                        help="a .csv/.tsv/.json/.jsonl file listing the pairs (columns image, mask, optional split and "
                        "group; --images and --masks name other columns; paths relative to the file), or a SageMaker "
                        "Ground Truth output.manifest, instead of DATA")
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
    parser.add_argument("--instance-masks", dest="data.instance_masks", action="store_true", default=None,
                        help="the mask values number objects (1, 2, 3, ... per image: Cellpose, the Cell Tracking "
                        "Challenge): read every object as one class, 'object', on background 0")
    parser.add_argument("--fill-outlines", dest="data.fill_outlines", action="store_true", default=None,
                        help="the masks draw each object's outline, a closed line around it (HC18's head ellipse, "
                        "contour exports): read them filled, the background each line encloses given its class; "
                        "inspect warns of such masks (outline-masks; docs/encodings.md)")
    parser.add_argument("--unmasked-background", dest="data.unmasked_background", action="store_true", default=None,
                        help="images without a mask are defect-free samples (MVTec AD's good/, DAGM's unlabelled "
                        "images): read each as all background (mask value 0) instead of leaving it out; covers images "
                        "beside paired ones, folders named good/, OK/, Normal/, and a *neg* folder beside a *pos* one "
                        "(docs/data.md)")
    parser.add_argument("--alpha", dest="data.alpha", choices=ALPHA_READINGS,
                        help="the images' alpha channel: channel (read as their last channel: MFNet's thermal band "
                        "in RGBA PNGs, a band GDAL declared alpha), drop, or auto (default): a channel when an "
                        "image's alpha holds data (many values), dropped when it is transparency (docs/data.md)")
    parser.add_argument("--resize-masks", dest="data.resize_masks", action="store_true", default=None,
                        help="the masks are their images at another resolution, the same aspect ratio on both sides "
                        "(Rico's 1440x2560 semantic annotations for 1080x1920 screenshots): read each mask resized to "
                        "its image's size, nearest neighbour, every pixel a label; the files stay as they are "
                        "(docs/data.md)")
    parser.add_argument("--mask-alpha", dest="data.mask_alpha", action="store_true", default=None,
                        help="read each mask by its alpha channel: opaque pixels (alpha 128 of 255 and up) class 1, "
                        "transparent ones class 0, whatever its RGB holds; chosen unasked for RGBA masks whose RGB "
                        "holds no label (one colour: a layer exported from Photoshop; a photo: a cut-out) "
                        "(docs/encodings.md)")
    parser.add_argument("--nodata", dest="data.no_data", type=float, metavar="VALUE",
                        help="pixels holding VALUE are no data in every image (Kelp Wanted's -32768, a Landsat "
                        "product's 0), as a GeoTIFF's GDAL_NODATA tag declares it: left out of the mean/std and fed "
                        "as the channel's mean; the run records it for evaluate and predict (docs/encodings.md)")
    parser.add_argument("--bands", dest="data.bands", type=parse_bands, metavar="B1,B2,...",
                        help="chip folders of band files (AgriFieldNet's <chip>/B01.tif ... B12.tif, Cloud Cover's "
                        "<chip>/B02.tif ... B08.tif) or a sample's band files (WeedsGalore's <sample>_R.png ... "
                        "_RE.png): the bands read as each image's channels, in this order, e.g. "
                        "B02,B03,B04,B08; default every band most chips hold, in band order; the run records them "
                        "for evaluate and predict; or the datasets of an HDF5 file's sample groups stacked likewise, "
                        "from the groups holding them all (ChaBuD's pre_fire,post_fire) (docs/data.md)")
    parser.add_argument("--frame", dest="data.frame", type=int, metavar="N",
                        help="chip folders whose band files each hold a time series of their band (Contrails' "
                        "<record>/band_08.npy ... band_16.npy, H x W x 8): the frame read, counted from 0; default the "
                        "middle one (Contrails' labelled frame 4); the run records it for predict (docs/data.md)")
    parser.add_argument("--side-by-side", dest="data.side_by_side", choices=HALVES,
                        help="each picture holds an image and its mask side by side, twice as wide as high (pix2pix's "
                        "datasets: Kaggle's Cityscapes Image Pairs, facades): the half holding the image; default "
                        "told from the pictures where their halves show it (docs/data.md)")
    parser.add_argument("--rle-order", dest="data.rle_order", choices=RLE_ORDERS,
                        help="run-length tables (Kaggle's CSV masks): how pixels are numbered, column (top to "
                        "bottom, then left to right: Airbus, Severstal, TGS) or row (Carvana, Sartorius, "
                        "UW-Madison); auto (default) tells them apart on non-square images (docs/data.md)")
    parser.add_argument("--label-field", dest="data.label_field", metavar="NAME",
                        help="vector labels (GeoJSON, GeoPackage): the attribute that names each feature's class, "
                        "e.g. landuse; default a class, label or category attribute, else the folder's or layer's "
                        "name; a COCO file of several levels of categories (DENTEX's category_id_1 ... "
                        "category_id_3): the level read, default the last (docs/data.md)")
    parser.add_argument("--task", dest="data.task", choices=["auto", "multiclass", "multilabel"],
                        help="multiclass: one class per pixel (softmax; class folders are the classes of one mask, "
                        "background 0); multilabel: overlapping classes, one sigmoid "
                        "per class; auto (default): multilabel for masks/<class>/ folders or classes.json regions "
                        "(docs/multilabel.md)")
    parser.add_argument("--multilabel", dest="data.task", action="store_const", const="multilabel",
                        help="--task multilabel: also reads C x H x W or H x W x C masks as one channel per class, "
                        "and an image's masks of several namings (a_attribute_globules.png, a_attribute_streaks.png) "
                        "as one class each")
    add_max_pixels_option(parser, "data.max_pixels")


def add_max_pixels_option(parser: argparse.ArgumentParser, dest: str) -> None:
    parser.add_argument("--max-pixels", dest=dest, type=int, metavar="N",
                        help=f"largest file read, in decoded pixels (volumes: voxels), checked from its header "
                        f"before decoding (default {DEFAULTS.data.max_pixels:,} = 16384x16384; docs/limits.md)")


def add_training_options(parser: argparse.ArgumentParser) -> None:
    from seglab.data.loading.cache import CACHE_MODES
    from seglab.data.splitting.splits import SPLIT_MODES
    from seglab.engine.optimizers import OPTIMIZERS, SCHEDULES
    from seglab.losses import LOSSES
    from seglab.runtime import PRECISIONS

    parser.add_argument("data", nargs="?", help="dataset folder (format auto-detected)")
    parser.add_argument("--config", metavar="YAML", help="experiment config file (e.g. a run's config.yaml); the "
                        "flags below override it")
    add_data_options(parser)
    parser.add_argument("--size", dest="data.size", type=parse_training_size, metavar="S|HxW|native",
                        help="resize images to this size (masks use nearest), or native: each image at its own size, "
                        "so that predict shrinks no larger image and --tile predicts it at full resolution; planned "
                        "from the budget and the thinnest class, without the plan native size")
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
                        help=f"model name from `seglab models` (planned: unet or unet_small; without the plan "
                        f"{DEFAULTS.model.name})")
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
                        help=f"images (or patches) per optimizer step (planned: 8, 16 for patches; without the plan "
                        f"{train.batch_size})")
    parser.add_argument("--lr", dest="train.lr", type=parse_lr, metavar="LR|auto",
                        help=f"peak learning rate (planned per network; without the plan {train.lr:g}); auto: run the learning-rate range test "
                        "first (as `seglab lr-find`) and train at its suggestion, kept in RUN/lr_find.png")
    parser.add_argument("--optimizer", dest="train.optimizer", choices=sorted(OPTIMIZERS),
                        help=f"default {train.optimizer}")
    parser.add_argument("--schedule", dest="train.schedule", choices=SCHEDULES,
                        help=f"learning rate per step (planned: onecycle; without the plan {train.schedule}): cosine "
                        "decays from --lr to 1%% of it; onecycle rises for 30%% of the run, then falls; constant "
                        "stays at --lr")
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
    if args.manifest is not None:
        if args.data is not None:
            raise ConfigError(f"give either DATA ('{args.data}') or --manifest ('{args.manifest}'), not both")
        return str(args.manifest)
    images, masks = getattr(args, "data.images"), getattr(args, "data.masks")
    if args.data is None and images is not None and masks is not None:
        return os.path.commonpath([os.path.abspath(images), os.path.abspath(masks)])
    return args.data


def user_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The config values the flags set: --set, then the named flags (the most specific wins)."""
    overrides: dict[str, Any] = dict(args.set)
    for key, value in vars(args).items():
        if "." in key and value is not None:
            overrides[key] = value
    if overrides.get("data.size") == NATIVE_SIZE:
        overrides["data.size"] = None
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
    return overrides


def build_config(args: argparse.Namespace, planned: dict[str, Any] | None = None) -> config_io.ExperimentConfig:
    """YAML file, then a plan's values (`planned`), then --set, then the named flags.

    Raises:
        UnknownNameError: a model name no model is registered under, before any data is read (a typo
            in --model was refused only after the planner had scanned the dataset: a minute on CamVid).
    """
    from seglab.models import MODELS

    cfg = config_io.load(args.config, {**(planned or {}), **user_overrides(args)})
    MODELS.get(cfg.model.name)
    return cfg


def add_recipe_options(parser: argparse.ArgumentParser) -> None:
    """The training flags `seglab plan` chooses (besides model, size, batch size, lr and loss)."""
    from seglab.data.loading.augment_presets import PRESETS

    parser.add_argument("--time-budget", dest="train.time_budget", type=parse_duration, metavar="10m",
                        help="train for this wall-clock time: the epoch count and the schedule's end are planned "
                        "from a measured step and re-planned at every epoch's end from the measured epochs, so the "
                        "run ends within about half an epoch of it with the schedule completed (an explicit --epochs "
                        "stays an upper bound); ends with the best checkpoint. The plan is sized to it (default "
                        "15 min on a CPU, 10 on a GPU; docs/auto.md)")
    parser.add_argument("--augment", dest="data.augment", choices=PRESETS.names(),
                        help="training augmentation preset (planned: light, or none for images in register; "
                        "without the plan none); change single transforms with --set data.augment_options=... "
                        "(docs/training.md)")
    parser.add_argument("--patch-size", dest="data.patch_size", type=parse_size, metavar="S|HxW",
                        help="train on random crops of this size (validation uses whole images)")
    parser.add_argument("--rare-class-crops", dest="data.rare_class_crops", type=float, metavar="P",
                        help="share of crops centred on a pixel of a random class present in the mask (0-1)")
    parser.add_argument("--samples-per-image", dest="data.samples_per_image", type=int, metavar="N",
                        help="random training views (patches) of each image per epoch (default 1): more steps "
                        "per epoch for a few large images, so validation and checkpoints are paid less often")


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
    from seglab.runtime import PRECISIONS

    parser.add_argument("--precision", default="fp32", choices=PRECISIONS,
                        help="fp32 (default: exact), or autocast for speed: auto (bf16 on CUDA and on CPUs with "
                        "native bf16, else fp32), bf16, fp16 (CUDA only); masks may differ at class borders")


def add_compile_options(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    """`--compile` and `--compile-mode`, for training (`prefix` "train.") and prediction."""
    from seglab.compilation import COMPILE_MODES

    parser.add_argument("--compile", dest=f"{prefix}compile", action="store_true", default=None,
                        help="torch.compile the model: a one-time compile (seconds to a minute; cached on disk "
                        "for later runs) for faster steps; on CPU it needs a C++ compiler (g++) and keeps the thread count (compiled "
                        "kernels are built for it)")
    parser.add_argument("--compile-mode", dest=f"{prefix}compile_mode", choices=COMPILE_MODES,
                        help="with --compile: default, reduce-overhead (CUDA graphs: no launch overhead, best for "
                        "small images on a GPU) or max-autotune (longest compile, tuned kernels)")


def add_inference_options(parser: argparse.ArgumentParser) -> None:
    from seglab.inference.tta import TTA_FLIPS

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
