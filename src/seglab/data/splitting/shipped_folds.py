"""The cross-validation folds a dataset ships beside its pairs, as groups: OAM-TCD's `validation_fold`
column (0-4, each orthomosaic's tiles in one fold), ChaBuD's `fold` attribute on each sample's HDF5
group. A fold as a group keeps its pairs in one split, and `--folds K`, K the number of shipped
folds, validates on one whole shipped fold per run, as the dataset's own cross-validation does.
"""

from __future__ import annotations

from collections.abc import Mapping

from seglab.data.discovery.naming import words

_FOLD_WORDS = {"fold", "folds", "kfold", "cvfold"}


def names_folds(name: str) -> bool:
    """Whether a column's or an attribute's name says it numbers folds (`fold`, `validation_fold`, `kfold`)."""
    return bool(_FOLD_WORDS & set(words(name)))


def fold_groups(folds: Mapping[str, object], subjects: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """Pair name -> its fold as a group (`fold 3`), for the pairs `folds` gives one (pairs without
    keep their subject); None when there are fewer than two folds, or a subject's pairs lie in two
    of them (the folds would divide a subject, which then groups the pairs instead).

    Args:
        folds: pair name -> the fold the dataset puts it in (an integer or a name).
        subjects: pair name -> the subject (an orthomosaic, a patient) the dataset names, if any.
    """
    named = {name: f"fold {fold}" for name, fold in folds.items() if fold is not None and str(fold).strip()}
    if len(set(named.values())) < 2:
        return None
    held: dict[str, set[str]] = {}
    for name, subject in (subjects or {}).items():
        if name in named:
            held.setdefault(subject, set()).add(named[name])
    if any(len(in_folds) > 1 for in_folds in held.values()):
        return None
    return {**(subjects or {}), **named}
