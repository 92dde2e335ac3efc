"""Integer arrays out of a pickled .npy file (Cellpose's `_seg.npy`: `np.save` of a dict, a 0-d
object array), read without running the pickle's code.

Why this is safe: a pickle runs code only by calling what it names by module and attribute
(GLOBAL and STACK_GLOBAL, and the extension registry, all looked up through `find_class`);
everything else it builds itself: dicts, lists, tuples, sets, strings, bytes and numbers.
`_ArraysUnpickler.find_class` admits numpy's array, dtype and scalar reconstruction alone, and
for them gives `_Stub`, which records its arguments and runs nothing; any other name (`os.system`,
`builtins.eval`) is refused before it is looked up. No numpy code sees the file's bytes until the
one array asked for, checked (an integer dtype of the plain kinds, its dimensions, the pixel budget,
exactly its shape's bytes), is made an array with `np.frombuffer`. Memory stays about the file's
size: pickle's opcodes copy nothing, and the other arrays (Cellpose's flows) are never built.
"""

from __future__ import annotations

import math
import pickle
import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from seglab.data.classes.text_files import open_regular
from seglab.data.files.npy_files import array_layout
from seglab.data.files.pixel_budget import within_budget
from seglab.data.files.read_errors import DECODE_ERRORS, Unusable

# how pickle reports damaged data: its own error, or whatever an opcode met (BUILD on a tuple: AttributeError)
_DAMAGED = (pickle.UnpicklingError, AttributeError, *DECODE_ERRORS)
# what numpy's pickles name: arrays (`_reconstruct(ndarray, ...)` then their state), dtypes and
# scalars; numpy 2 writes `numpy._core`, numpy 1 `numpy.core`
_NUMPY_NAMES = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
                ("numpy", "ndarray"), ("numpy", "dtype")}
_INTEGER_DTYPE = re.compile(r"[iu][1248]")  # a dtype's pickled name: int8 .. uint64, no fields


@dataclass
class _Stub:
    """What a numpy reconstruction was called with (`name`, `args`) and the state pickle's BUILD
    gave it, in place of the object numpy would make."""

    name: str
    args: tuple
    state: object = None

    def __setstate__(self, state: object) -> None:
        self.state = state


def _stub(name: str, *args: object) -> _Stub:
    return _Stub(name, args)


class _ArraysUnpickler(pickle.Unpickler):
    """An unpickler that admits only `_NUMPY_NAMES`, as stand-ins (see the module docstring)."""

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in _NUMPY_NAMES:
            raise Unusable(f"is a pickle that names '{module}.{name}', which seglab does not load: it admits numpy "
                           "arrays, dicts, lists, strings and numbers only, so that no code in a file runs",
                           "unsafe-pickle")
        return partial(_stub, name)


def pickled_dict(path: Path) -> dict:
    """The dict a .npy file holds pickled (a 0-d object array), its arrays as stand-ins for
    `integer_array`.

    Raises:
        Unusable: not a pickled dict (`bad-dtype`), a pickle that names anything but numpy's
            reconstruction (`unsafe-pickle`, nothing of it run), or a damaged one (`unreadable`).
        ValueError, OSError, ...: a damaged header (`read_errors.DECODE_ERRORS`).
    """
    with open_regular(path) as file:
        shape, _, dtype = array_layout(file)  # the pickle follows the header
        if dtype is None or not dtype.hasobject or shape != ():
            raise Unusable(f"holds an array of shape {shape} and dtype {dtype}, not a pickled dict", "bad-dtype")
        try:
            top = _ArraysUnpickler(file).load()
        except _DAMAGED as err:
            raise Unusable(f"holds a damaged pickle ({err})", "unreadable") from None
    held = top.state[4] if _is_array(top) and isinstance(top.state[4], list) and len(top.state[4]) == 1 else None
    if not held or not isinstance(held[0], dict):
        raise Unusable("holds a pickled object that is no dict", "bad-dtype")
    return held[0]


def integer_array(value: object, what: str, ndim: int) -> np.ndarray:
    """An array of `ndim` dimensions from a stand-in of `pickled_dict`, checked before it is made.

    Raises:
        Unusable: no array, one of another dtype than plain integers or of other dimensions, more
            pixels than the budget, or bytes that are not its shape's (`bad-dtype`).
    """
    if not _is_array(value):
        raise Unusable(f"holds no '{what}' array", "bad-dtype")
    _, shape, dtype, fortran, raw = value.state  # type: ignore[union-attr,misc]
    if not (isinstance(dtype, _Stub) and dtype.args and isinstance(dtype.args[0], str)
            and _INTEGER_DTYPE.fullmatch(dtype.args[0])):
        raise Unusable(f"holds a '{what}' array of dtype {dtype.args[0] if isinstance(dtype, _Stub) else dtype!r}; "
                       "expected integers", "bad-dtype")
    order = dtype.state[1] if isinstance(dtype.state, tuple) and len(dtype.state) > 1 else "|"
    kind = np.dtype(dtype.args[0]).newbyteorder(order if order in "<>" else "=")
    if not isinstance(shape, tuple) or len(shape) != ndim or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise Unusable(f"holds a '{what}' array of shape {shape!r}; expected {ndim} dimensions", "bad-dtype")
    within_budget(shape)
    if not isinstance(raw, bytes) or len(raw) != math.prod(shape) * kind.itemsize:
        raise Unusable(f"holds a '{what}' array whose data is not its {'x'.join(map(str, shape))} {kind} values",
                       "bad-dtype")
    return np.frombuffer(raw, kind).reshape(shape, order="F" if fortran else "C")


def _is_array(value: object) -> bool:
    """Whether a stand-in is an array with numpy's state (version, shape, dtype, Fortran order, data)."""
    return (isinstance(value, _Stub) and value.name == "_reconstruct" and isinstance(value.state, tuple)
            and len(value.state) == 5)
