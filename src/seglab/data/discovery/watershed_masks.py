"""PixelAnnotationTool's masks (abreheret's labeller, which CholecSeg8k was drawn with): beside each
image it saves `<stem>_mask.png`, the ids of the user's strokes (sparse, 0 where none was drawn),
`<stem>_watershed_mask.png`, the ids the watershed grew from them over the whole image (the
annotation to train on), and `<stem>_color_mask.png`, the watershed ids in the labels' colours."""

from __future__ import annotations

from pathlib import Path

_STROKES, _WATERSHED, _COLOURS = "_mask.", "_watershed_mask.", "_color_mask."


def watershed_namings(namings: dict[str, list[Path]]) -> tuple[str, ...] | None:
    """Of rival mask namings (`--mask-pattern` template -> masks), the watershed one when the other
    is its strokes (`{stem}_watershed_mask.png` beside `{stem}_mask.png`) and the colour rendering
    lies beside the watershed masks (`{stem}_color_mask.png`): the three files PixelAnnotationTool
    saves; else None."""
    watershed = [t for t in namings if _WATERSHED in t]
    if len(namings) != 2 or len(watershed) != 1 or watershed[0].replace(_WATERSHED, _STROKES) not in namings:
        return None
    first = namings[watershed[0]][0]
    return tuple(watershed) if first.with_name(first.name.replace(_WATERSHED, _COLOURS)).is_file() else None
