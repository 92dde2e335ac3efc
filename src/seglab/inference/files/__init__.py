"""Predict a list of files and folders and write masks, overlays and probabilities.

One job a module: `inputs` (the files to predict from the paths named, `collect_inputs`), with
`folder_inputs` (what one folder gives), `subfolder_inputs` (a folder per channel or modality) and
`missing_inputs` (why a folder gives nothing); `output_naming` (each input's files and output
name) and `writing` (predicting them and writing the outputs: `predict_files`). The names other
stages use are imported from here.
"""

from __future__ import annotations

from seglab.inference.files.inputs import collect_inputs
from seglab.inference.files.output_naming import channel_images, output_names
from seglab.inference.files.writing import (
    WrittenPrediction,
    display_image,
    predict_files,
    write_overlay,
    write_prediction,
)

__all__ = [
    "WrittenPrediction",
    "channel_images",
    "collect_inputs",
    "display_image",
    "output_names",
    "predict_files",
    "write_overlay",
    "write_prediction",
]
