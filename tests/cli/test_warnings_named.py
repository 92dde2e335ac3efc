"""Decoders' warnings name the file being read: pydicom, nibabel and pyshp warn through Python's
warnings, which name the decoder's source line (`pydicom/valuerep.py:440: UserWarning: Invalid
value for VR UI`), so among thousands of files the user could not tell which one was meant."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from seglab.cli.log_setup import SHOWN_PER_KIND, configure_logging
from seglab.data.files.read_errors import decode
from seglab.data.files.volumes import is_volume
from tests.data.test_dicom_images import dicom


def test_a_dicom_header_warning_names_its_file(tmp_path, capsys):
    with warnings.catch_warnings():  # pydicom warns when the UID is set, as when it is read
        warnings.simplefilter("ignore")
        for i in range(2):
            dicom(tmp_path / "scans" / f"x{i}.dcm", np.zeros((4, 4), np.uint16), series=f"1.2.3.abc{i}")
    configure_logging(verbose=False)
    assert not is_volume(tmp_path / "scans" / "x0.dcm")  # reads each file's SeriesInstanceUID
    err = capsys.readouterr().err
    for i in range(2):
        assert f"warning: '{tmp_path / 'scans' / f'x{i}.dcm'}': Invalid value for VR UI: '1.2.3.abc{i}'" in err
    assert "valuerep.py" not in err


@pytest.mark.parametrize("verbose", [False, True])
def test_a_warning_of_one_kind_is_shown_for_the_first_files_then_with_verbose(tmp_path, capsys, recwarn, verbose):
    paths = [tmp_path / f"{i}.png" for i in range(SHOWN_PER_KIND + 3)]

    def reader(path: Path) -> np.ndarray:
        warnings.warn(f"odd header in entry {path.stem}", UserWarning, stacklevel=1)
        return np.ones(1)

    configure_logging(verbose)
    for path in paths:
        path.write_bytes(b"x")
        decode(path, "image", reader)
    lines = [line for line in capsys.readouterr().err.splitlines() if "odd header" in line]
    assert len(lines) == (len(paths) if verbose else SHOWN_PER_KIND)
    assert lines[0] == f"warning: '{paths[0]}': odd header in entry 0"
    assert lines[SHOWN_PER_KIND - 1].endswith("(further warnings like this are shown with -v)")
    warnings.warn("not while reading", UserWarning, stacklevel=1)  # other warnings go where they went
    assert [str(w.message) for w in recwarn] == ["not while reading"]
