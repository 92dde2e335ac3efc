"""Checkpoints: safetensors weights with a JSON header; written atomically, loaded without pickle.

A checkpoint is self-describing: its metadata holds the `ModelCard` (architecture, classes,
preprocessing), so a model can be rebuilt and used from the file alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from torch import nn

from seglab.errors import CheckpointError
from seglab.runs.atomic import atomic_path
from seglab.runs.card import ModelCard
from seglab.runs.resume import TENSOR_PREFIX, TrainingState, stored

FORMAT_VERSION = 2  # 2 (2026-12): the card holds every model option, defaults included
_META_KEY = "seglab"
# torch.save writes a zip of pickles (since torch 1.6) or, before, a bare pickle (protocol 2-5)
_PICKLE_STARTS = (b"PK\x03\x04", b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")


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


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The seglab metadata of a checkpoint (card, info, the training state's JSON part), read
    from the file's header without its tensors; never unpickles anything.

    Raises:
        CheckpointError: missing file, not a safetensors file, or no readable seglab metadata.
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
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(f"'{path}' is not a readable safetensors checkpoint: {err}") from None
    if _META_KEY not in header:
        raise CheckpointError(f"'{path}' has no seglab metadata; was it written by seglab?")
    try:
        meta = json.loads(header[_META_KEY])
    except (ValueError, RecursionError) as err:  # ValueError: JSONDecodeError, or a number past int()'s 4,300 digits
        raise CheckpointError(f"'{path}' has corrupt seglab metadata: {err!r}") from None
    if not isinstance(meta, dict):
        raise CheckpointError(f"'{path}' has corrupt seglab metadata: a JSON {type(meta).__name__}, not an object")
    if meta.get("format_version") == 1:
        meta = _migrate_v1(meta)
    if meta.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(
            f"'{path}' has checkpoint format {meta.get('format_version')}, this seglab reads {FORMAT_VERSION}"
        )
    return meta


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Read a checkpoint written by `save_checkpoint`; never unpickles anything.

    Raises:
        CheckpointError: missing file, not a safetensors file, or no seglab metadata.
    """
    path = Path(path)
    meta = read_metadata(path)
    try:
        with safe_open(str(path), framework="pt") as handle:
            state = {key: handle.get_tensor(key) for key in handle.keys()}
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(f"'{path}' is not a readable safetensors checkpoint: {err}") from None
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
