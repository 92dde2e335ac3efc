"""Predictor: a trained model plus the preprocessing it was trained with, for new images."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seglab.compilation import COMPILE_MODES, begin_step, compile_model, keeps_thread_count
from seglab.data import ClassSpec, read_image, to_tensor
from seglab.data.files import alpha
from seglab.data.loading.mirror_classes import SideSwap
from seglab.data.loading.transforms import prepare_image
from seglab.inference.postprocess import PostProcess
from seglab.inference.tiling import network_stride, predict_tiled
from seglab.inference.tta import FLIPS, TTA_FLIPS, Flips, flip_tta, trained_flips
from seglab.runs.card import ModelCard
from seglab.runs.checkpoint import load_checkpoint
from seglab.runs.input_naming import InputNaming
from seglab.runs.run_folder import RunFolder
from seglab.runtime import Precision, resolve_device, resolve_precision
from seglab.runtime_threads import ThreadTuner, thread_tuner
from seglab.tasks import MultiClass, Task, task_from_extra

log = logging.getLogger(__name__)
SHRINK_TOLD = 2.0  # an input this many times the largest training image along a side is warned of


@dataclass(frozen=True)
class Prediction:
    """Shape: mask (H, W) int64 class indices, probs (K, H, W) float32, at the input's size.

    For a multi-label model the mask holds bit sets (bit k set = class k over its threshold;
    `seglab.labelsets.unpack_numpy`) and probs are per-class sigmoids. The mask is
    post-processed when the Predictor's options ask for it; probs never are.
    """

    mask: np.ndarray
    probs: np.ndarray


class Segmenter(Protocol):
    """What prediction needs from a model: `Predictor`, `EnsemblePredictor` and `OnnxPredictor` all fit."""

    classes: ClassSpec
    task: Task
    naming: InputNaming  # how `seglab predict` lists a folder's inputs: as the run's training named them

    @property
    def card(self) -> ModelCard:
        """The run's model card: its label map (`ModelCard.mapping`) turns class indices back into raw mask values."""
        ...

    @property
    def in_channels(self) -> int:
        """The channels an image is fed with (3 for RGB; a multispectral model's bands)."""
        ...

    @property
    def reads_alpha(self) -> bool:
        """Whether an image is read with its alpha as its last channel, as training read it (`alpha.reads_alpha`)."""
        ...

    @property
    def no_data(self) -> float | None:
        """The pixel value read as no data in every image, as training read it (`ModelCard.no_data`)."""
        ...

    @property
    def channel_files(self) -> tuple[str, ...]:
        """The names of an image's channel files when each is a file of its own (`ModelCard.channel_files`)."""
        ...

    @property
    def modalities(self) -> tuple[str, ...]:
        """The modality of each channel when a volume case's channels are `<case>__<MODALITY>` files
        (`ModelCard.modalities`)."""
        ...

    @property
    def planes_as_channels(self) -> bool | None:
        """Whether training read each image volume as a 2-D colour picture stored channel-first, its
        planes the channels (True), or cut volumes into slices (False); None where the run does not
        record it (`ModelCard.planes_as_channels`)."""
        ...

    @property
    def image_half(self) -> str | None:
        """The half ("left", "right") of a picture holding an image and its mask side by side that
        training read as the image (`ModelCard.image_half`); None: each file was the image."""
        ...

    @property
    def frame(self) -> int | None:
        """The frame training read of band files that each hold a time series of their band
        (`ModelCard.frame`); None: each file was read whole."""
        ...

    def predict(self, image: np.ndarray) -> Prediction: ...


@dataclass(frozen=True)
class InferenceOptions:
    """How a Predictor runs the model and cleans its mask; the defaults predict the whole image once.

    Tiling splits the image the network sees: the native-size image, or for a model trained on
    resized images (`card.size` set) the image resized to that size, where a tile at least that
    large is simply the whole image.

    Attributes:
        tile: sliding-window tile side in pixels; None predicts the whole image at once.
        overlap: overlap of neighbouring tiles as a fraction of the tile, in [0, 1).
        batch_size: tiles per forward pass.
        tta: average the softmax over the image and flipped copies of it (one pass per view).
        tta_flips: "trained": the flips the run's training augmentation showed the network (the
            light preset: horizontal; strong: all four; checkpoints that do not record their
            augmentation: all four); "all": identity, horizontal, vertical and both flips.
        postprocess: connected-component clean-up of the mask (the probabilities are left as is).
        compile_mode: torch.compile the model in this mode (`seglab.compilation.COMPILE_MODES`);
            None runs it eagerly. The first image of each size pays the compile time.
    """

    tile: int | None = None
    overlap: float = 0.25
    batch_size: int = 4
    tta: bool = False
    tta_flips: str = "trained"
    postprocess: PostProcess = field(default_factory=PostProcess)
    compile_mode: str | None = None

    def __post_init__(self) -> None:
        if self.compile_mode is not None and self.compile_mode not in COMPILE_MODES:
            raise ValueError(f"compile_mode must be one of {', '.join(COMPILE_MODES)} or None, got '{self.compile_mode}'")
        if self.tile is not None and self.tile < 1:
            raise ValueError(f"tile must be a positive number of pixels or None, got {self.tile}")
        if not 0 <= self.overlap < 1:
            raise ValueError(f"overlap must be in [0, 1), got {self.overlap}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.tta_flips not in TTA_FLIPS:
            raise ValueError(f"tta_flips must be one of {', '.join(TTA_FLIPS)}, got '{self.tta_flips}'")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> InferenceOptions:
        """Inverse of `to_dict` (as stored in eval metrics.json)."""
        values = dict(values)
        values.setdefault("tta_flips", "all")  # written before tta_flips existed, when TTA averaged all four
        postprocess = PostProcess(**values.pop("postprocess", {}))
        return cls(**values, postprocess=postprocess)

    def describe(self) -> str:
        """One phrase for reports, e.g. "tiles of 512 px, overlap 0.25, flip TTA"."""
        parts = ["whole image" if self.tile is None else f"tiles of {self.tile} px, overlap {self.overlap:g}"]
        if self.tta:
            parts.append("flip TTA (all four flips)" if self.tta_flips == "all" else "flip TTA (flips seen in training)")
        if self.postprocess.min_component:
            parts.append(f"components under {self.postprocess.min_component} px removed")
        if self.postprocess.keep_largest:
            parts.append("largest component per class kept")
        return ", ".join(parts)


class CardModel:
    """What a model that carries its card (`Predictor`, `OnnxPredictor`) is fed: the card's
    channels, channel files and modalities, and images and volumes read from files as training
    read them."""

    card: ModelCard

    @property
    def in_channels(self) -> int:
        return self.card.in_channels

    @property
    def reads_alpha(self) -> bool:
        return alpha.reads_alpha(self.in_channels)

    @property
    def no_data(self) -> float | None:
        return self.card.no_data

    @property
    def channel_files(self) -> tuple[str, ...]:
        return self.card.channel_files

    @property
    def modalities(self) -> tuple[str, ...]:
        return self.card.modalities

    @property
    def planes_as_channels(self) -> bool | None:
        return self.card.planes_as_channels

    @property
    def image_half(self) -> str | None:
        return self.card.image_half

    @property
    def frame(self) -> int | None:
        return self.card.frame

    def predict(self, image: np.ndarray) -> Prediction:
        raise NotImplementedError

    def predict_file(self, path: str | Path) -> Prediction:
        return self.predict(read_image(path, self.reads_alpha, self.no_data, self.frame))


class Predictor(CardModel):
    """Predict masks for arrays or files exactly as the training run preprocessed them.

    A model passed in is moved to `device`, channels_last and eval mode in place, as
    `nn.Module.to` and `eval` do (no copy of its weights is made). `naming` is how its run named
    its inputs: given, or read from `run` when first asked (`from_run`), else that of a run given
    no option.

    Example:
        >>> predictor = Predictor.from_run("runs/demo")  # doctest: +SKIP
        >>> prediction = predictor.predict(image_array)  # doctest: +SKIP
        >>> prediction.mask.shape == image_array.shape[:2]  # doctest: +SKIP
        True
    """

    def __init__(
        self,
        model: nn.Module,
        card: ModelCard,
        device: torch.device | str = "cpu",
        precision: Precision | None = None,
        options: InferenceOptions | None = None,
        naming: InputNaming | None = None,
        run: RunFolder | None = None,
    ) -> None:
        self.device = torch.device(device)
        # channels_last, as in training: as fast or faster on CPU for every network (benchmarks/inference_layout.py)
        self.model = model.to(self.device, memory_format=torch.channels_last).eval()
        self.card = card
        self.run = run  # the run folder it was loaded from, whose naming `naming` reads
        if naming is not None:  # given: it wins over the run folder's
            self.naming = naming
        self.classes: ClassSpec = card.class_spec
        self.task = task_from_extra(card.extra, card.num_classes)  # softmax, or per-class sigmoids with thresholds
        self.precision = precision or resolve_precision("fp32", self.device)
        self.options = options or InferenceOptions()
        mode = self.options.compile_mode
        self.network = compile_model(self.model, mode, self.device) if mode is not None else self.model
        if self.options.tile is not None and card.size is not None and self.options.tile >= max(card.size):
            log.info("this model predicts at its training size %dx%d, which one %d-pixel tile covers: "
                     "tiling changes nothing", *card.size, self.options.tile)
        if not isinstance(self.task, MultiClass) and (self.options.tta or self.options.postprocess.active):
            raise ValueError("flip TTA and post-processing average and clean softmax class masks; a multi-label model "
                             "predicts without them")
        self.flips = self._tta_flips()
        self.sides = SideSwap.from_classes(self.classes.names, self.classes.ignore_index) if self.options.tta else None
        if self.sides is not None and any(len(dims) == 1 for dims in self.flips):
            log.info("flip TTA swaps the side classes of mirrored copies back: %s", self.sides.describe())
        self.threads: ThreadTuner | None = None  # `adapt_threads`: the thread count follows the load
        self.shrink_told = False  # `_tell_shrink` warns once, not once per image of a folder

    @cached_property
    def naming(self) -> InputNaming:
        """How its run named its inputs, which only `seglab predict` and an ensemble's check ask
        for: read from the run folder (config.yaml, all of splits.json) the first time, so that
        loading for serve, evaluate, report or the API parses neither, and a damaged splits.json
        stops none of them."""
        return InputNaming.of_run(self.run) if self.run is not None else InputNaming()

    def _tta_flips(self) -> Flips:
        """The views flip TTA averages (see `InferenceOptions.tta_flips`)."""
        transforms = self.card.augment_transforms
        if not self.options.tta or self.options.tta_flips == "all" or transforms is None:
            return FLIPS
        flips = trained_flips(transforms)
        if len(flips) == 1:
            log.warning("--tta: this model was trained without flips, so TTA predicts the image once; "
                        "--tta-flips all averages in flips it never saw")
        return flips

    @classmethod
    def from_checkpoint(
        cls, path: str | Path, device: torch.device | str = "auto", options: InferenceOptions | None = None,
        precision: Precision | None = None, naming: InputNaming | None = None, run: RunFolder | None = None,
    ) -> Predictor:
        """Load a `.safetensors` checkpoint written by seglab (no pickle is ever read); `precision`
        None is fp32 (exact). `seglab.inference.loading.load_segmenter` resolves both from flags.
        `run`: the run folder it is of, whose naming is read when first asked."""
        checkpoint = load_checkpoint(path)
        target = resolve_device(device)
        return cls(checkpoint.load_model(target), checkpoint.card, target, precision, options, naming, run)

    @classmethod
    def from_run(
        cls, path: str | Path, device: torch.device | str = "auto", checkpoint: str = "best",
        options: InferenceOptions | None = None, precision: Precision | None = None,
    ) -> Predictor:
        """Load the best (or `last`) checkpoint of a run folder, whose input naming is read when
        first asked (`naming`)."""
        run = RunFolder.open(path)
        return cls.from_checkpoint(run.best if checkpoint == "best" else run.last, device, options, precision,
                                   run=run)

    def preprocess(self, image: np.ndarray) -> torch.Tensor:
        """(H, W[, C]) array -> normalised (1, C, h, w) tensor at the training size."""
        image = prepare_image(np.asarray(image), self.card.in_channels, self.card.size)
        return to_tensor(image, self.card.mean, self.card.std)[None].to(self.device)

    @torch.no_grad()
    def predict(self, image: np.ndarray) -> Prediction:
        """Class mask and probabilities at the input's original size, with `options` applied.

        Shape: image (H, W) or (H, W, C) -> mask (H, W), probs (K, H, W).
        """
        height, width = np.asarray(image).shape[:2]
        self._tell_shrink(height, width)
        if self.threads is not None:
            self.threads.begin()
        batch = self.preprocess(image)
        logits = flip_tta(self._logits, batch, self.flips, self.sides) if self.options.tta else self._logits(batch)
        if logits.shape[-2:] != (height, width):
            logits = F.interpolate(logits, size=(height, width), mode="bilinear", align_corners=False)
        probs = self.task.probabilities(logits)[0].cpu().numpy()
        mask = self.task.labels_numpy(probs)
        if self.threads is not None:
            self.threads.tick(work=batch.shape[-2] * batch.shape[-1])  # images differ in size: time per pixel
        if self.options.postprocess.active:
            mask = self.options.postprocess(mask, self.classes)
        return Prediction(mask=mask, probs=probs)

    def _tell_shrink(self, height: int, width: int) -> None:
        """Warn once when a resized model shrinks an input many times larger than its training images
        (card.extra's `largest_side`): a 2000x2000 mosaic predicted by ISBI's planned 384x384 model came
        back as one blur of 'cell', without a word, and --tile only said that tiling changed nothing.
        Inputs the size of the training images are shrunk as they were in training: no word."""
        largest = self.card.extra.get("largest_side")
        if self.card.size is None or largest is None or self.shrink_told or max(height, width) < SHRINK_TOLD * largest:
            return
        self.shrink_told = True
        shrink = max(height / self.card.size[0], width / self.card.size[1])
        log.warning("an input of %dx%d, %.1f times the largest training image (%d px a side), is shrunk %.1f times to "
                    "this model's training size %dx%d and its mask scaled back: detail under about %.0f px is lost; a "
                    "model trained at the images' own size (seglab train DATA --size native) predicts large images "
                    "at full resolution, tile by tile (--tile 512)", height, width, max(height, width) / largest,
                    largest, shrink, *self.card.size, shrink)

    def _logits(self, batch: Tensor) -> Tensor:
        """Whole-image or tiled logits. Shape: (1, C, h, w) -> (1, K, h, w) float32."""
        options = self.options
        if options.tile is None:
            return self._forward(batch)
        tiled = predict_tiled(
            self._forward, batch[0], options.tile, options.overlap, options.batch_size, network_stride(self.model)
        )
        return tiled[None]

    def _forward(self, batch: Tensor) -> Tensor:
        """One forward pass under the predictor's precision. Shape: (B, C, h, w) -> (B, K, h, w)."""
        begin_step(self.options.compile_mode)  # callers use each output before the next pass
        with self.precision.autocast():
            return self.network(batch.contiguous(memory_format=torch.channels_last)).float()


def adapt_threads(segmenter: Segmenter) -> Segmenter:
    """Let a CPU `Predictor`'s compute threads follow the machine's load while it predicts one
    image after another (`seglab evaluate`, `predict`, `serve`); returns `segmenter`. Ensembles
    and ONNX models keep theirs: several models steering one thread count would time each
    other's choices. A model compiled for the CPU keeps the count its kernels were built for."""
    if isinstance(segmenter, Predictor) and segmenter.threads is None:
        compiled = keeps_thread_count(segmenter.options.compile_mode, segmenter.device)
        segmenter.threads = thread_tuner(None, 0, segmenter.device, "prediction", adapt=not compiled)
        if segmenter.threads is not None:
            segmenter.threads.start()
    return segmenter
