"""Cases whose image "volumes" are 2-D colour pictures stored channel-first, read as one slice of
3 or 4 channels: FH-PS-AOP's (PSFHS') `image_mha/03744.mha` is an RGB ultrasound frame saved as a
MetaImage of DimSize 256 256 3, its `label_mha/03744.mha` one 256 x 256 slice. Read as planes,
image and label would be off each other's grid; read as channels they are the pair a MetaImage
of ElementNumberOfChannels = 3 gives. The choice is taken once, over all of a dataset's cases,
and only when every case is alike (`volumes.colour_planes`): a dataset of three-slice scans
with a label per slice is cut as before.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from seglab.data.files.volumes import colour_planes
from seglab.data.layouts.volume_format.cases import Layout
from seglab.errors import DataError

log = logging.getLogger(__name__)


def with_colour_pictures(layout: Layout) -> Layout:
    """`layout` with every case read as one colour slice (`Subject.planes_as_channels`) when each
    is one image file of 3 or 4 planes beside a one-slice label volume of its in-plane size, with
    one log line; else as it is."""
    subjects = layout.subjects
    if not subjects or any(len(s.images) != 1 or s.structures for s in subjects):
        return layout
    try:
        if not all(colour_planes(s.images[0], s.label) for s in subjects):
            return layout
    except DataError:  # a damaged header: reading the case names it
        return layout
    log.info("%d image volumes (e.g. '%s') hold 3 or 4 planes where their label volume holds one slice: each is "
             "read as a 2-D colour picture stored channel-first, its planes the channels", len(subjects),
             subjects[0].images[0])
    layout.subjects = [replace(s, planes_as_channels=True) for s in subjects]
    return layout
