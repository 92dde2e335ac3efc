"""A warning where one mask encoding is read across images from several sources that a shipped
table names: PANDA's `train.csv` (`image_id,data_provider,...`) says which centre made each slide's
mask, and Radboud's masks number stroma, benign epithelium and Gleason 3, 4 and 5 (1 to 5) where
Karolinska's number benign tissue and cancer (1 and 2): read alike, class 2 is benign epithelium in
one half of the set and cancer in the other. seglab has no per-source label map for label masks
(SA-Med2D-20M's per-source namings are of a mask file per class), so it says so and gives the route.
"""

from __future__ import annotations

from collections import Counter

from seglab.data.files.index import DatasetIndex, Problem
from seglab.data.splitting.subject_tables import find_source_table


def mixed_sources_problem(index: DatasetIndex) -> Problem | None:
    """The `mixed-sources` warning for `index`'s masks of more than two classes, or of more than two
    values where the classes are still to be told from them, when a table gives its pairs two or
    more sources (`find_source_table`); None otherwise, binary masks among them: 0 and 1 (or 0 and
    255) mean the same in any source's masks."""
    classes = index.classes.num_classes if index.classes is not None else len(index.mask_values)
    if not index.pairs or classes <= 2:
        return None
    table = find_source_table(index.pairs, index.root)
    if table is None:
        return None
    counts = Counter(table.subjects.values())
    sources = ", ".join(f"{source} ({n})" for source, n in counts.most_common())
    first = counts.most_common(1)[0][0]
    message = (f"'{table.path.name}' names {len(counts)} sources of the pairs in its {table.column} column ({sources}), "
               f"and their masks are read with one encoding ({index.mapping.describe()}): if the sources number their "
               f"classes apart, a value means one class in some masks and another in the rest. Train on one source: list its pairs (image,mask columns, e.g. the "
               f"{counts[first]} of {first}) in a CSV and pass that file as DATA; or rewrite one source's masks onto "
               "the other's classes in a copy")
    return Problem(table.path, message, "mixed-sources")
