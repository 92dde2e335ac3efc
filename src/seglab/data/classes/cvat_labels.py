"""Names of label-mask values from a CVAT for images 1.1 export of any file name, told by its
content (`<annotations>` holding `<version>`): AI Hub's sidewalk set ships `Surface_1/Surface_1.xml`
beside the frames and `Surface_1/MASK/`, grey masks rendered from it, the labels of its `<meta>`
numbered from 1 in its order (0 the background, as CVAT's "Segmentation mask" export numbers them).
Only `<meta>` is read, streamed with expat as the cvat format reads the shapes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from seglab.data.classes.names import is_background
from seglab.data.classes.text_files import file_head
from seglab.data.classes.value_names import ValueNames
from seglab.errors import DataError

CVAT_SIGNS = ("<annotations>", "<version>")  # what the head of a CVAT for images export holds


def is_cvat_xml(path: Path) -> bool:
    """Whether a file's head is a CVAT for images export's (False for a file that cannot be read)."""
    head = file_head(path)
    return all(sign in head for sign in CVAT_SIGNS)


def value_names_from_cvat_xml(path: Path) -> ValueNames | None:
    """Names of mask values from a CVAT export's `<meta>` labels (the module docstring): value
    i + 1 for its label i, from 0 where the first label is a background; named only where the
    masks hold no value past them (`ValueNames.needs_every_value`). None for any other XML, so
    that any file beside the data can be tried.

    Raises:
        DataError: a CVAT export that is not well-formed XML, naming it.
    """
    if path.suffix.lower() != ".xml" or not is_cvat_xml(path):
        return None
    labels: list[str] = []
    try:
        for _, element in ElementTree.iterparse(path, events=("end",)):
            if element.tag == "label" and (name := (element.findtext("name") or "").strip()):
                labels.append(name)
            elif element.tag == "meta":
                break
    except (ElementTree.ParseError, OSError) as err:
        raise DataError(f"CVAT file '{path}' cannot be read as XML: {err}") from None
    labels = list(dict.fromkeys(labels))  # a project's labels, repeated in each of its tasks
    if not labels:
        return None
    named = labels if is_background(labels[0]) else ["background", *labels]
    return ValueNames(path, dict(enumerate(named)), needs_every_value=True)
