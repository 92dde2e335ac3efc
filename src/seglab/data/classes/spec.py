"""`ClassSpec`: what the class indices of a dataset mean, a frozen value in the classes.json shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from seglab.config import check_ignore_index
from seglab.data.classes.colours import default_colours, is_rgb
from seglab.data.classes.names import is_background
from seglab.errors import ConfigError

# "regions" (multi-label classes as sets of mask labels) is read by seglab.data.layouts.multilabel
_KEYS = ("names", "colours", "ignore_index", "background", "regions", "void_colours")


@dataclass(frozen=True)
class ClassSpec:
    """What the class indices of a dataset mean.

    Args:
        names: one name per class index 0..K-1.
        colours: one RGB colour per class; left empty, distinct colours are generated.
        ignore_index: label value excluded from loss and metrics (11 for CamVid void, often 255);
            it need not be a class index.
        background: the class drawn faint in overlays because it fills most pictures; by default
            the class named like background (`is_background`), else none. Training sets it to the
            most common class when no name says so.
        void_colours: colours of colour masks that mark no class (ISPRS's black boundary in its
            eroded ground truth): read as `ignore_index`, 255 unless given.

    Raises:
        ValueError: empty or duplicate names, colours of the wrong count or range, one colour for
            two classes (colour masks could not tell them apart), an ignore label that is no mask value.
    """

    names: tuple[str, ...]
    colours: tuple[tuple[int, int, int], ...] = ()
    ignore_index: int | None = None
    background: int | None = None
    void_colours: tuple[tuple[int, int, int], ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.names, str) or not isinstance(self.names, (list, tuple)):
            raise ValueError(f"'names' must be a list of strings, got {self.names!r}")
        names = tuple(self.names)
        if not names:
            raise ValueError("'names' must list at least one class")
        if not all(isinstance(n, str) and n for n in names):
            raise ValueError(f"every class name must be a non-empty string, got {list(names)}")
        if len(set(names)) != len(names):
            duplicates = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"class names must be unique; repeated: {', '.join(duplicates)}")
        if self.colours:
            colours = tuple(_colour(c) for c in self.colours)
        else:
            colours = default_colours(len(names), names)
        if len(colours) != len(names):
            raise ValueError(f"got {len(colours)} colours for {len(names)} classes; give one per class")
        first = {}
        for name, colour in zip(names, colours):
            if colour in first:
                raise ValueError(f"classes '{first[colour]}' and '{name}' have the same colour {list(colour)}; "
                                 "give each class its own colour")
            first[colour] = name
        try:
            check_ignore_index(self.ignore_index, "'ignore_index'")
        except ConfigError as err:
            raise ValueError(str(err)) from None
        background = self.background
        if background is None:
            background = self.named_background
        elif isinstance(background, bool) or not isinstance(background, int) or not 0 <= background < len(names):
            raise ValueError(f"'background' must be a class index 0-{len(names) - 1} or null, got {background!r}")
        void = tuple(_colour(c) for c in self.void_colours)
        if set(void) & set(colours):
            raise ValueError(f"a void colour is also a class colour: {[list(c) for c in set(void) & set(colours)]}")
        if void and self.ignore_index is None:
            object.__setattr__(self, "ignore_index", 255)  # void pixels need an ignore label
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "colours", colours)
        object.__setattr__(self, "background", background)
        object.__setattr__(self, "void_colours", void)

    @property
    def num_classes(self) -> int:
        """Number of classes K (the ignore label is not a class)."""
        return len(self.names)

    @property
    def named_background(self) -> int | None:
        """The first class named like background (`is_background`), else None: what a name says,
        unlike `background`, which training fills in with the most common class for overlays."""
        return next((i for i, name in enumerate(self.names) if is_background(name)), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form, the same shape as classes.json."""
        return {
            "names": list(self.names),
            "colours": [list(c) for c in self.colours],
            "ignore_index": self.ignore_index,
            "background": self.background,
            **({"void_colours": [list(c) for c in self.void_colours]} if self.void_colours else {}),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ClassSpec:
        """Build from the classes.json shape; "colours", "ignore_index" and "background" are optional.

        Raises:
            ValueError: not a mapping, unknown keys, or bad values.
        """
        if not isinstance(d, dict):
            raise ValueError(f"expected a JSON object with 'names', got {type(d).__name__}")
        unknown = sorted(set(d) - set(_KEYS))
        if unknown:
            raise ValueError(f"unknown keys {unknown}; allowed: {', '.join(_KEYS)}")
        regions = d.get("regions")
        if regions is not None and (not isinstance(regions, dict) or not regions):
            raise ValueError(f"'regions' must map region names to lists of mask labels, got {regions!r}")
        names = d.get("names", list(regions) if regions else None)  # regions name the classes
        if names is None:
            raise ValueError("missing 'names' (a list of class names)")
        colours = d.get("colours") or ()
        if not isinstance(colours, (list, tuple)):
            raise ValueError(f"'colours' must be a list of [r, g, b], got {colours!r}")
        void = d.get("void_colours") or ()
        if not isinstance(void, (list, tuple)):
            raise ValueError(f"'void_colours' must be a list of [r, g, b], got {void!r}")
        return cls(names=names, colours=tuple(colours), ignore_index=d.get("ignore_index"),
                   background=d.get("background"), void_colours=tuple(void))


def _colour(value: Any) -> tuple[int, int, int]:
    if not is_rgb(value):
        raise ValueError(f"a colour must be [r, g, b] with integers 0-255, got {value!r}")
    return (value[0], value[1], value[2])
