"""OnnxPredictor: run an exported ONNX model with onnxruntime and NumPy, the way `Predictor` runs a run folder.

It reads `model.onnx` and the `model.json` beside it (classes, in_channels, size, mean/std) and
applies the same preprocessing rules through `seglab.export.preprocess`; torch does no work here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seglab.data import ClassSpec, read_image
from seglab.engine.checkpoint import ModelCard
from seglab.errors import CheckpointError
from seglab.export.metadata import read_metadata
from seglab.export.onnx import onnx_session
from seglab.export.preprocess import prepare_image, probabilities
from seglab.inference.predictor import Prediction


class OnnxPredictor:
    """Predict masks with an exported ONNX model; same interface as `Predictor`.

    Example:
        >>> predictor = OnnxPredictor.from_file("runs/demo/export/model.onnx")  # doctest: +SKIP
        >>> predictor.predict(image_array).mask.shape == image_array.shape[:2]  # doctest: +SKIP
        True
    """

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        metadata = read_metadata(path)
        if metadata.format != "onnx":
            raise CheckpointError(f"'{path}' was exported as {metadata.format}, not onnx")
        self.path = path
        self.card: ModelCard = metadata.card
        self.classes: ClassSpec = metadata.card.class_spec
        self.min_size = metadata.min_size
        self._session = onnx_session(path)
        self._input = metadata.input_name
        self._output = metadata.output_name

    @classmethod
    def from_file(cls, path: str | Path) -> OnnxPredictor:
        """Load `model.onnx`; `model.json` must lie beside it.

        Raises:
            CheckpointError: either file missing or unreadable.
            SeglabError: onnxruntime is not installed.
        """
        return cls(path)

    def predict(self, image: np.ndarray) -> Prediction:
        """Class mask and probabilities at the input's original size.

        Shape: image (H, W) or (H, W, C) -> mask (H, W), probs (K, H, W).

        Raises:
            ValueError: the image is smaller than the network accepts (native-size models).
            DataError: the channel count cannot be matched to the model's.
        """
        image = np.asarray(image)
        height, width = image.shape[:2]
        batch = prepare_image(image, self.card.in_channels, self.card.size, self.card.mean, self.card.std)
        if min(batch.shape[-2:]) < self.min_size:
            raise ValueError(
                f"input {batch.shape[-2]}x{batch.shape[-1]} is too small: this model needs H and W of "
                f"at least {self.min_size}; pad or resize the image"
            )
        logits = self._session.run([self._output], {self._input: batch})[0][0]
        probs = probabilities(logits, (height, width))
        return Prediction(mask=probs.argmax(0), probs=probs)

    def predict_file(self, path: str | Path) -> Prediction:
        return self.predict(read_image(path))
