from __future__ import annotations

import torch

from seglab.data import ClassSpec
from seglab.metrics import ConfusionMatrix
from seglab.reports.summary import averaging_note, never_predicted, scores_markdown


def test_the_averaging_note_calls_only_a_background_class_background():
    camvid = averaging_note(ClassSpec(("Sky", "Building", "Road")))
    assert "over all 3 classes (Sky, Building, Road);" in camvid and "background" not in camvid
    mri = averaging_note(ClassSpec(("white matter", "gray matter", "background"), ignore_index=255))
    assert "(white matter, gray matter, background), background included;" in mri
    assert "Pixels labelled 255 (ignore) are excluded" in mri


def test_a_class_never_predicted_is_named_in_the_table():
    classes = ClassSpec(("membrane", "cell"))
    confusion = ConfusionMatrix(2, None)
    truth = torch.tensor([[0, 1, 1, 1]])
    confusion.update(torch.ones_like(truth), truth)  # everything called "cell"
    scores = confusion.compute()
    assert "never predicted: membrane (1 true pixels)" in never_predicted(scores, classes)
    assert "**Warning: never predicted: membrane" in scores_markdown(scores, classes)
    confusion.update(truth, truth)
    assert never_predicted(confusion.compute(), classes) is None
