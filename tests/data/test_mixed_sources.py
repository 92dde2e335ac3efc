"""Masks of several sources read with one encoding: PANDA's radboud and karolinska number their
classes apart, and nothing said so."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from seglab.data import discover

from .test_layout_corpus import photo, save  # type: ignore[import-not-found]

SIZE = (12, 16)


def panda(root: Path, providers: tuple[str, ...], top: dict[str, int]) -> None:
    """PANDA's train_images/<id>.png + train_label_masks/<id>_mask.png and train.csv
    (`image_id,data_provider,isup_grade,gleason_score`), each provider's masks up to its `top` value."""
    rows = ["image_id,data_provider,isup_grade,gleason_score"]
    for i in range(8):
        image_id, provider = f"{i:032x}", providers[i % len(providers)]
        mask = np.zeros(SIZE, np.uint8)
        mask[2:10, 2:14] = 1
        mask[4:8, 4:8 + i % 3] = top[provider]
        save(root / "train_images" / f"{image_id}.png", photo(i, SIZE))
        save(root / "train_label_masks" / f"{image_id}_mask.png", mask)
        rows.append(f"{image_id},{provider},1,3+3")
    (root / "train.csv").write_text("\n".join(rows) + "\n")


def test_a_provider_column_of_several_values_warns_that_one_encoding_reads_them_all(tmp_path: Path) -> None:
    panda(tmp_path, ("radboud", "karolinska"), {"radboud": 5, "karolinska": 2})
    index = discover(tmp_path)
    [warning] = [p for p in index.problems if p.code == "mixed-sources"]
    assert warning.path == tmp_path / "train.csv"
    assert "names 2 sources of the pairs in its data_provider column (radboud (4), karolinska (4))" in warning.message
    assert "pass that file as DATA" in warning.message


@pytest.mark.parametrize("providers, top", [(("radboud",), {"radboud": 5}),  # one source
                                            (("radboud", "karolinska"), {"radboud": 1, "karolinska": 1})])  # 0/1
def test_one_source_or_binary_masks_give_no_warning(tmp_path: Path, providers: tuple[str, ...],
                                                    top: dict[str, int]) -> None:
    panda(tmp_path, providers, top)
    assert not [p for p in discover(tmp_path).problems if p.code == "mixed-sources"]
