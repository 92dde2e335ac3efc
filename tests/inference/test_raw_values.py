"""`seglab predict --write-values raw`: class indices back to the raw values the run was trained from."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from seglab.data.classes.mapping import LabelMapping, OffsetMapping
from seglab.errors import ConfigError
from seglab.inference.raw_values import raw_values
from seglab.inference.volumes import predict_volumes

from .test_volume_predict import Threshold  # type: ignore[import-not-found]


def test_a_label_map_gives_each_class_its_raw_value() -> None:
    """MM-WHS: 205 ... 850 were read as classes 1 ... 7; background 0 stays 0."""
    mmwhs = LabelMapping(values=tuple(zip((205, 420, 500, 550, 600, 820, 850), range(1, 8))))
    assert raw_values(mmwhs.to_dict(), 8).tolist() == [0, 205, 420, 500, 550, 600, 820, 850]
    assert raw_values(OffsetMapping(offset=1).to_dict(), 3).tolist() == [1, 2, 3]


def test_a_class_read_from_two_values_or_from_colours_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"class 1 was read from several raw mask values \(3, 4\)"):
        raw_values(LabelMapping(values=((3, 1), (4, 1))).to_dict(), 2)
    with pytest.raises(ConfigError, match="'colour' mapping"):
        raw_values({"kind": "colour", "colours": []}, 2)


def test_a_label_volume_holds_the_raw_values(tmp_path: Path) -> None:
    box = np.zeros((12, 10, 4), bool)
    box[2:5, 3:6, 1] = True
    nib.save(nib.Nifti1Image(np.where(box, 200.0, 20.0), np.eye(4)), tmp_path / "ct.nii.gz")
    values = raw_values(LabelMapping(values=((850, 1),)).to_dict(), 2)
    [written] = predict_volumes(Threshold(), [tmp_path / "ct.nii.gz"], tmp_path / "out", values=values)
    assert np.array_equal(np.asarray(nib.load(written.mask).dataobj), np.where(box, 850, 0))
