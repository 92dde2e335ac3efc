"""Ensembles: one mask from several trained runs, by averaging their class probabilities.

The runs of a K-fold cross-validation (`--folds K --fold i`) or of several seeds each learned
the same task from slightly different data or starting points; their mistakes differ more than
their right answers do, so the mean of their probabilities is usually a little better than any
one of them (nnU-Net predicts with its five fold models this way). Each member predicts at the
image's original size with its own preprocessing, so members trained at different sizes mix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from seglab.data import ClassSpec
from seglab.errors import ConfigError
from seglab.inference.postprocess import PostProcess
from seglab.inference.predictor import InferenceOptions, Prediction, Predictor
from seglab.runs.card import ModelCard
from seglab.runs.input_naming import InputNaming
from seglab.runtime import Precision


class EnsemblePredictor:
    """Mean softmax of several Predictors for the same classes; argmax and post-processing after
    (multi-label members: mean sigmoids, thresholded).

    Example:
        >>> ensemble = EnsemblePredictor.from_runs(["runs/fold0", "runs/fold1"])  # doctest: +SKIP
        >>> ensemble.predict(image_array).mask.shape == image_array.shape[:2]  # doctest: +SKIP
        True
    """

    def __init__(self, members: Sequence[Predictor], postprocess: PostProcess | None = None,
                 names: Sequence[str] = ()) -> None:
        """
        Args:
            names: what each member is called in a refusal (`from_runs`: its run folder); default
                "model 1", "model 2", ...

        Raises:
            ConfigError: no members, members that segment different classes, or that list and
                read inputs differently (`_reading`), naming the two and each setting that differs.
        """
        if not members:
            raise ConfigError("an ensemble needs at least one model")
        first = members[0].classes
        for member in members[1:]:
            if member.classes.names != first.names:
                raise ConfigError(f"cannot ensemble models of different classes: {list(first.names)} "
                                  f"and {list(member.classes.names)}")
            if member.task.name != members[0].task.name:
                raise ConfigError(f"cannot ensemble a {members[0].task.name} model with a {member.task.name} one")
        _refuse_other_readings(members, list(names) or [f"model {i}" for i in range(1, len(members) + 1)])
        self.members = list(members)
        self.classes: ClassSpec = first
        self.postprocess = postprocess or PostProcess()
        self.task = members[0].task  # a multi-label ensemble thresholds the mean sigmoids as its first member
        if self.postprocess.active and self.task.name == "multilabel":
            raise ConfigError("post-processing cleans softmax class masks; a multi-label ensemble predicts without it")

    @classmethod
    def from_runs(
        cls, paths: Sequence[str | Path], device: torch.device | str = "auto", checkpoint: str = "best",
        options: InferenceOptions | None = None, precision: Precision | None = None,
    ) -> EnsemblePredictor:
        """Load each run's best (or `last`) checkpoint. Tiling and TTA apply to every member;
        post-processing once, to the ensemble's mask."""
        options = options or InferenceOptions()
        member_options = replace(options, postprocess=PostProcess())
        members = [Predictor.from_run(path, device=device, checkpoint=checkpoint, options=member_options,
                                      precision=precision) for path in paths]
        return cls(members, options.postprocess, [str(path) for path in paths])

    @property
    def in_channels(self) -> int:
        return self.members[0].in_channels

    @property
    def reads_alpha(self) -> bool:
        return self.members[0].reads_alpha

    @property
    def no_data(self) -> float | None:
        return self.members[0].no_data

    @property
    def channel_files(self) -> tuple[str, ...]:
        return self.members[0].channel_files

    @property
    def modalities(self) -> tuple[str, ...]:
        return self.members[0].modalities

    @property
    def planes_as_channels(self) -> bool | None:
        return self.members[0].planes_as_channels

    @property
    def image_half(self) -> str | None:
        return self.members[0].image_half

    @property
    def frame(self) -> int | None:
        return self.members[0].frame

    @property
    def naming(self) -> InputNaming:
        """The members' naming, one for all (`_refuse_other_readings`)."""
        return self.members[0].naming

    @property
    def card(self) -> ModelCard:
        """The first member's card: what the members share (classes, task, channels) it records for all."""
        return self.members[0].card

    def predict(self, image: np.ndarray) -> Prediction:
        """Shape: image (H, W) or (H, W, C) -> mask (H, W), probs (K, H, W), as `Predictor.predict`."""
        probs = np.mean([member.predict(image).probs for member in self.members], axis=0, dtype=np.float32)
        mask = self.task.labels_numpy(probs)
        if self.postprocess.active:
            mask = self.postprocess(mask, self.classes)
        return Prediction(mask=mask, probs=probs)


def _reading(member: Predictor) -> dict[str, object]:
    """What `seglab predict` lists and reads a folder's inputs by for `member`: its run's naming
    and its card's channel files, modalities, volume planes, channels (which say whether it reads
    alpha, `alpha.reads_alpha`), no-data value (NaN as its name, so that two runs declaring NaN
    agree), image half of side-by-side pictures and frame of band files' time series."""
    no_data = member.no_data
    return {**member.naming.to_dict(), "channel_files": member.channel_files, "modalities": member.modalities,
            "planes_as_channels": member.planes_as_channels, "in_channels": member.in_channels,
            "no_data": "nan" if no_data is not None and no_data != no_data else no_data,
            "image_half": member.image_half, "frame": member.frame}


def _refuse_other_readings(members: Sequence[Predictor], names: Sequence[str]) -> None:
    """Refuse members whose runs named or read their inputs otherwise than the first's: an ensemble
    lists and reads each input once for all its members, so one of them would predict files its
    training never read as images (another run's masks, planes cut across another axis).

    Raises:
        ConfigError: naming the first member, the one that differs, and each setting that does.
    """
    first = _reading(members[0])
    for name, member in zip(names[1:], members[1:]):
        differ = [f"{key} {first[key]!r} in '{names[0]}', {value!r} in '{name}'"
                  for key, value in _reading(member).items() if value != first[key]]
        if differ:
            raise ConfigError(f"cannot ensemble '{names[0]}' and '{name}': their runs named or read their inputs "
                              f"differently ({'; '.join(differ)}), and an ensemble lists a folder's inputs once for "
                              "all its members. Ensemble runs trained with the same data options, or predict with "
                              "each run alone")
