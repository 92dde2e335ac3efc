from __future__ import annotations

from seglab.data import ClassSpec
from seglab.reports.summary import averaging_note


def test_the_averaging_note_calls_only_a_background_class_background():
    camvid = averaging_note(ClassSpec(("Sky", "Building", "Road")))
    assert "over all 3 classes (Sky, Building, Road);" in camvid and "background" not in camvid
    mri = averaging_note(ClassSpec(("white matter", "gray matter", "background"), ignore_index=255))
    assert "(white matter, gray matter, background), background included;" in mri
    assert "Pixels labelled 255 (ignore) are excluded" in mri
