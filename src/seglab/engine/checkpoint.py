"""Checkpoints: safetensors weights with a JSON header; written atomically, loaded without pickle.

A checkpoint is self-describing: its metadata holds the `ModelCard` (architecture, classes,
preprocessing), so a model can be rebuilt and used from the file alone.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, IO

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from torch import nn

from seglab.data import ClassSpec
from seglab.engine.resume import TENSOR_PREFIX, TrainingState, stored
from seglab.errors import CheckpointError
from seglab.models import create_model

FORMAT_VERSION = 2  # 2 (2026-12): the card holds every model option, defaults included
_META_KEY = "seglab"
# torch.save writes a zip of pickles (since torch 1.6) or, before, a bare pickle (protocol 2-5)
_PICKLE_STARTS = (b"PK\x03\x04", b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")


@dataclass(frozen=True)
class CardLimits:
    """The largest model a card may describe; far beyond any seglab preset, far below what
    would exhaust a machine. A card is checked against them before any layer is built, so a
    crafted or corrupt card is one clear error at load, not an allocation of tens of GB."""

    max_width: int = 4096  # channels of any layer (widths, decoder_widths)
    max_levels: int = 12  # entries of widths: 11 poolings already need 2048-pixel inputs
    max_size: int = 16384  # pixels per side of card.size
    max_classes: int = 1024
    max_in_channels: int = 256


CARD_LIMITS = CardLimits()


@dataclass(frozen=True)
class ModelCard:
    """Everything needed to rebuild a trained model and feed it like during training."""

    model: str
    options: dict[str, Any]
    in_channels: int
    num_classes: int
    classes: dict[str, Any]  # ClassSpec.to_dict()
    mapping: dict[str, Any]  # MaskMapping.to_dict(): raw mask values -> class indices
    size: tuple[int, int] | None  # (H, W) images were resized to; None = native size
    mean: tuple[float, ...]
    std: tuple[float, ...]
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. encoder weight source
    # transforms of the training augmentation, in order (() for none): the views the network saw,
    # which flip TTA keeps to; None in checkpoints written before seglab recorded them
    augment_transforms: tuple[str, ...] | None = None

    @property
    def class_spec(self) -> ClassSpec:
        return ClassSpec.from_dict(self.classes)

    def check_limits(self, limits: CardLimits = CARD_LIMITS) -> None:
        """Refuse a card describing a model beyond `limits` (see `CardLimits`).

        Raises:
            CheckpointError: naming the value, the limit, and that the card is not trusted.
        """
        problems = []

        def count(name: str, value: Any, largest: int) -> None:
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= largest:
                problems.append(f"{name} {value!r} (expected an integer from 1 to {largest})")

        count("in_channels", self.in_channels, limits.max_in_channels)
        count("num_classes", self.num_classes, limits.max_classes)
        if self.size is not None:
            if len(self.size) != 2:
                problems.append(f"size {list(self.size)!r} (expected [height, width] or null)")
            for side in self.size:
                count("size side", side, limits.max_size)
        for stats in ("mean", "std"):
            if len(getattr(self, stats)) not in (1, self.in_channels):
                problems.append(f"{stats} with {len(getattr(self, stats))} values for {self.in_channels} channels")
        for name, value in self.options.items():
            if name.endswith("widths"):
                if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= limits.max_levels:
                    problems.append(f"option {name} {value!r} (expected a list of 1 to {limits.max_levels} widths)")
                    continue
                for width in value:
                    count(f"option {name} entry", width, limits.max_width)
            elif name == "encoder_weights" and value not in (None, "none"):
                # weights come from the checkpoint; a card must never make loading read a path or the network
                problems.append(f"option encoder_weights {value!r} (a checkpoint holds its weights; expected null)")
        if problems:
            raise CheckpointError(f"model card of '{self.model}' is outside seglab's limits: {'; '.join(problems)}. "
                                  "The file is corrupt or was not written by seglab; refusing to build it")

    def build_model(self) -> nn.Module:
        """A freshly initialised model of this architecture (weights loaded separately)."""
        return create_model(self.model, self.in_channels, self.num_classes, **self.options)

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(asdict(self)))

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> ModelCard:
        """Parse a card (checkpoint header, export JSON) and check it against `CARD_LIMITS`.

        Raises:
            CheckpointError: a missing or malformed field, or a model beyond the limits.
        """
        try:
            size, transforms = values["size"], values.get("augment_transforms")
            card = cls(
                model=values["model"],
                options=dict(values["options"]),
                in_channels=int(values["in_channels"]),
                num_classes=int(values["num_classes"]),
                classes=dict(values["classes"]),
                mapping=dict(values["mapping"]),
                size=tuple(size) if size is not None else None,
                mean=tuple(values["mean"]),
                std=tuple(values["std"]),
                extra=dict(values.get("extra", {})),
                augment_transforms=None if transforms is None else tuple(transforms),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise CheckpointError(f"model card is incomplete or malformed: {err!r}") from None
        card.check_limits()
        return card


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside `path` to write; once written it is synced and renamed onto
    `path`, so readers never see half a file and a failed write keeps the previous version."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
    except OSError as err:
        raise CheckpointError(f"cannot write '{target}': {err.strerror or err}; choose a writable --out folder") from None
    tmp = Path(name)
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise CheckpointError(
            f"cannot write '{target}': {err.strerror or err}; the previous version is kept "
            "(free disk space or choose another --out folder)"
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_write(path: str | Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """A file handle on `atomic_path(path)`."""
    with atomic_path(path) as tmp, open(tmp, mode) as handle:
        yield handle


def save_checkpoint(
    path: str | Path, model: nn.Module, card: ModelCard, training_state: TrainingState | None = None, **info: Any
) -> None:
    """Save weights and metadata (card plus JSON-serialisable `info` such as epoch and score);
    with `training_state`, also what `--resume` needs, in the same atomic file."""
    weights = {k: stored(v) for k, v in model.state_dict().items()}
    write_checkpoint(path, *checkpoint_contents(weights, card, training_state, info))


def checkpoint_contents(
    weights: Mapping[str, torch.Tensor], card: ModelCard, training_state: TrainingState | None,
    info: Mapping[str, Any], copy: bool = False,
) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """The tensors and safetensors metadata of a checkpoint file; `copy` snapshots the
    training state's tensors (optimizer moments), which the next step would change."""
    state = dict(weights)
    meta: dict[str, Any] = {"format_version": FORMAT_VERSION, "card": card.to_dict(), "info": dict(info)}
    if training_state is not None:
        tensors, meta["training_state"] = training_state.to_storage(copy)
        state.update(tensors)
    return state, {_META_KEY: json.dumps(meta)}


def write_checkpoint(path: str | Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> None:
    """Write a checkpoint file atomically, straight from the tensors (no serialised copy in memory)."""
    with atomic_path(path) as tmp:
        try:
            save_file(tensors, tmp, metadata=metadata)
        except SafetensorError as err:  # the writer's I/O errors (a full disk): the previous version is kept
            raise OSError(str(err)) from None


class BackgroundCheckpointWriter:
    """Writes an epoch's checkpoints on one background thread while the next epoch trains.

    The weights and optimizer state are copied first (tens of milliseconds), so training may go
    on; the file writes and fsyncs (about 0.3 s an epoch for unet_resnet18 with its AdamW
    state, and the whole of it while a GPU would wait) happen beside it. An epoch's files are
    complete before the next epoch's are taken, which bounds memory to one snapshot; a failed
    write raises its CheckpointError at the next save or at `close`.
    """

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seglab-checkpoint")
        self._pending: list[Future[None]] = []

    def save_epoch(self, model: nn.Module, card: ModelCard, training_state: TrainingState, info: Mapping[str, Any],
                   last: Path, best: Path | None = None) -> None:
        """Queue `last` (weights and training state) and, when the epoch is the best so far, `best`."""
        self.wait()
        weights = {k: stored(v, copy=True) for k, v in model.state_dict().items()}  # shared by both files
        if best is not None:
            self._submit(best, checkpoint_contents(weights, card, None, info))
        self._submit(last, checkpoint_contents(weights, card, training_state, info, copy=True))

    def _submit(self, path: Path, contents: tuple[dict[str, torch.Tensor], dict[str, str]]) -> None:
        self._pending.append(self._executor.submit(write_checkpoint, path, *contents))

    def wait(self) -> None:
        """Block until every queued file is on disk; raise the first write error."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def close(self) -> None:
        """`wait`, then stop the thread (also when a write failed)."""
        try:
            self.wait()
        finally:
            self._executor.shutdown()


@dataclass(frozen=True)
class Checkpoint:
    """A loaded checkpoint; `path` names the file in errors."""

    state_dict: dict[str, torch.Tensor]
    card: ModelCard
    info: dict[str, Any]
    training_state: TrainingState | None = None
    path: Path | None = None

    def load_model(self, device: torch.device | str = "cpu") -> nn.Module:
        """Rebuild the architecture, load the weights strictly, and switch to eval mode.

        The card's network is first built on the meta device (no memory) and its tensor shapes
        compared with the weights, so a card that does not match its weights (a crafted header
        asking for a model far larger than the file) is refused before anything is allocated.

        Raises:
            CheckpointError: the card names a model seglab cannot build, or the weights do not
                fit it (the first missing, unexpected or differently shaped tensor is named).
        """
        try:
            with torch.device("meta"):
                skeleton = self.card.build_model()
        except (KeyError, TypeError, ValueError) as err:
            raise CheckpointError(f"checkpoint '{self.path}' describes a model seglab cannot build: "
                                  f"{err.args[0] if err.args else err!r}") from None
        mismatch = _first_mismatch(skeleton.state_dict(), self.state_dict)
        if mismatch is not None:
            raise CheckpointError(f"checkpoint '{self.path}' does not fit the model its card describes "
                                  f"({self.card.model}): {mismatch}; the file was altered or mixed from two runs")
        model = self.card.build_model()
        model.load_state_dict(self.state_dict, strict=True)
        return model.to(device).eval()


def _first_mismatch(expected: Mapping[str, torch.Tensor], found: Mapping[str, torch.Tensor]) -> str | None:
    """The first tensor that is missing, unexpected or of another shape, described; None if all fit."""
    for key, tensor in expected.items():
        if key not in found:
            return f"tensor '{key}' is missing"
        if tuple(found[key].shape) != tuple(tensor.shape):
            return f"tensor '{key}' has shape {tuple(found[key].shape)}, the model needs {tuple(tensor.shape)}"
    extra = next((key for key in found if key not in expected), None)
    return None if extra is None else f"tensor '{extra}' is not part of the model"


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Read a checkpoint written by `save_checkpoint`; never unpickles anything.

    Raises:
        CheckpointError: missing file, not a safetensors file, or no seglab metadata.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint '{path}' does not exist")
    with path.open("rb") as file:
        if file.read(4).startswith(_PICKLE_STARTS):
            raise CheckpointError(
                f"'{path}' is a PyTorch pickle checkpoint (torch.save); seglab never unpickles files, because that "
                "can run code: load it in PyTorch yourself if you trust its source, or train a model with "
                "`seglab train` (its checkpoints are safetensors)"
            )
    try:
        with safe_open(str(path), framework="pt") as handle:
            header = handle.metadata() or {}
            state = {key: handle.get_tensor(key) for key in handle.keys()}
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(f"'{path}' is not a readable safetensors checkpoint: {err}") from None
    if _META_KEY not in header:
        raise CheckpointError(f"'{path}' has no seglab metadata; was it written by seglab?")
    try:
        meta = json.loads(header[_META_KEY])
    except (json.JSONDecodeError, RecursionError) as err:
        raise CheckpointError(f"'{path}' has corrupt seglab metadata: {err!r}") from None
    if not isinstance(meta, dict):
        raise CheckpointError(f"'{path}' has corrupt seglab metadata: a JSON {type(meta).__name__}, not an object")
    if meta.get("format_version") == 1:
        meta = _migrate_v1(meta)
    if meta.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(
            f"'{path}' has checkpoint format {meta.get('format_version')}, this seglab reads {FORMAT_VERSION}"
        )
    training = {k: state.pop(k) for k in [k for k in state if k.startswith(TENSOR_PREFIX)]}
    training_state = (
        TrainingState.from_storage(training, meta["training_state"]) if "training_state" in meta else None
    )
    return Checkpoint(
        state_dict=state, card=ModelCard.from_dict(meta.get("card")), info=meta.get("info", {}),
        training_state=training_state, path=path,
    )


def _migrate_v1(meta: dict[str, Any]) -> dict[str, Any]:
    """Format 1 (until 2026-12) stored only the options a user set, so a later change of a
    preset's default would rebuild another architecture. The one default changed since:
    unet_resnet* decoders upsampled bilinearly (+ 1x1 conv) before they switched to nearest."""
    card = dict(meta["card"])
    if str(card.get("model", "")).startswith("unet_resnet"):
        card["options"] = {"upsampling": "bilinear", **card.get("options", {})}
    return {**meta, "card": card, "format_version": 2}
