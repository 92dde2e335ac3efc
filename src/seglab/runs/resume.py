"""Training state for exact resumption, stored without pickle.

Optimizer, scheduler and grad-scaler state dicts, RNG states and the loop counters are split
into tensors (saved in the `last` safetensors file beside the weights) and a JSON skeleton (its
metadata), so one atomic file holds a consistent snapshot of the end of an epoch.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from seglab.errors import CheckpointError

TENSOR_PREFIX = "train_state/"


def stored(tensor: Tensor, copy: bool = False) -> Tensor:
    """`tensor` as a checkpoint file holds it: contiguous, on the CPU; with `copy` a copy even
    when it already is, so training cannot change it while a background thread writes it."""
    return tensor.detach().to("cpu", memory_format=torch.contiguous_format, copy=copy)


def flatten(value: Any, tensors: dict[str, Tensor], copy: bool = False) -> Any:
    """Replace tensors by references into `tensors` (copies with `copy`); keep dict key types
    (optimizer ids are ints)."""
    if isinstance(value, Tensor):
        key = f"{TENSOR_PREFIX}{len(tensors)}"
        tensors[key] = stored(value, copy)
        return {"__tensor__": key}
    if isinstance(value, dict):
        return {"__dict__": [[flatten(k, tensors, copy), flatten(v, tensors, copy)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [flatten(v, tensors, copy) for v in value]
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": str(value.dtype)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot store {type(value).__name__} in a training state")


def unflatten(value: Any, tensors: dict[str, Tensor]) -> Any:
    """Inverse of `flatten`."""
    if isinstance(value, dict):
        if "__tensor__" in value:
            return tensors[value["__tensor__"]]
        if "__ndarray__" in value:
            return np.asarray(value["__ndarray__"], dtype=value["dtype"])
        return {unflatten(k, tensors): unflatten(v, tensors) for k, v in value["__dict__"]}
    if isinstance(value, list):
        return [unflatten(v, tensors) for v in value]
    return value


def rng_states() -> dict[str, Any]:
    states: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def set_rng_states(states: dict[str, Any]) -> None:
    version, internal, gauss = states["python"]
    random.setstate((version, tuple(internal), gauss))
    np.random.set_state(tuple(states["numpy"]))
    torch.set_rng_state(states["torch"])
    if "cuda" in states and torch.cuda.is_available():
        # one state per card seen when saved; a machine with fewer cards restores those it has
        torch.cuda.set_rng_state_all(states["cuda"][:torch.cuda.device_count()])


def stored_field(skeleton: Any, name: str) -> Any:
    """One plain field (`epoch`, `config_digest`) of a stored training state's JSON part, read
    without its tensors; None when the state or the field is absent."""
    pairs = skeleton.get("__dict__", []) if isinstance(skeleton, dict) else []
    return next((value for key, value in pairs if key == name), None)


@dataclass
class TrainingState:
    """What the loop needs, beyond the weights, to continue as if never stopped."""

    epoch: int
    history: list[dict[str, float]]
    best_score: float
    best_epoch: int
    optimizer: dict[str, Any]
    scheduler: dict[str, Any] | None
    scaler: dict[str, Any]
    loader_generator: Tensor
    rng: dict[str, Any]
    # with a weight average (--ema) the checkpoint's weights are the average; these are the trained ones
    trained_weights: dict[str, Tensor] | None = None
    averaged_steps: int = 0
    config_digest: str = ""  # `experiment.config_digest` of the config the run started with

    def to_storage(self, copy: bool = False) -> tuple[dict[str, Tensor], dict[str, Any]]:
        """Tensors and a JSON skeleton; `copy` snapshots the tensors (see `stored`)."""
        tensors: dict[str, Tensor] = {}
        skeleton = flatten(self.__dict__, tensors, copy)
        return tensors, skeleton

    @classmethod
    def from_storage(cls, tensors: dict[str, Tensor], skeleton: Any) -> TrainingState:
        try:
            return cls(**unflatten(skeleton, tensors))
        except (KeyError, TypeError, ValueError) as err:
            raise CheckpointError(f"the saved training state is incomplete: {err!r}") from None
