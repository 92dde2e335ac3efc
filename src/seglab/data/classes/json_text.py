"""The JSON of the files a dataset ships (manifests, annotation exports, class tables), read as
`json.loads` reads it but for one thing: an object that repeats a key is a corrupt export (two
writers of one object, a hand edit pasted twice), of which `json.loads` would silently keep the
last value; `json_value` refuses it, naming the key and where it is repeated. Here, at the bottom
of the data stage, so that every reader of such files shares it.
"""

from __future__ import annotations

import json
from json import decoder, scanner
from typing import Any


class RepeatedKeyError(json.JSONDecodeError):
    """An object of a JSON text repeats `key`; its line and column are where it is repeated. A
    `ValueError`, so that every reader's handling of JSON that cannot be read names the file."""

    def __init__(self, key: str, text: str, position: int) -> None:
        super().__init__(f"Repeated key {key!r} in one object (a corrupt export, of which JSON readers keep the "
                         "last value alone: export it again, or keep one of its values)", text, position)
        self.key = key


class _Repeated(Exception):
    """An object repeats `key` (the C parser's hook tells no key: ""), at `position` of the text."""

    def __init__(self, key: str = "", position: int = 0) -> None:
        super().__init__(key)
        self.key, self.position = key, position


def json_value(text: str) -> Any:
    """`json.loads(text)`, an object that repeats a key refused.

    Raises:
        RepeatedKeyError: an object repeats a key, naming it, its line and its column.
        ValueError: no JSON (`json.JSONDecodeError`), or a number past int()'s 4,300 digits.
        RecursionError: nesting past the parser's depth.
    """
    try:
        return json.loads(text, object_pairs_hook=_unrepeated)
    except _Repeated:
        repeated = _first_repeat(text)
    raise RepeatedKeyError(repeated.key, text, repeated.position)


def _unrepeated(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) < len(pairs):
        raise _Repeated
    return value


def _first_repeat(text: str) -> _Repeated:
    """The first key of `text` an object repeats, and where: the C parser tells no position, so the
    text is parsed again, on this path alone, by the pure-Python one, each object's values' starts
    kept (`json.decoder.JSONObject` scans each value once, in order).

    Raises:
        RecursionError: nesting past the depth the pure-Python parser reaches.
    """
    reader = json.JSONDecoder()

    def parse_object(s_and_end: tuple[str, int], strict: bool, scan_once: Any, *_: Any) -> tuple[dict, int]:
        starts: list[int] = []

        def scan_value(s: str, at: int) -> tuple[Any, int]:
            starts.append(at)
            return scan_once(s, at)

        pairs, end = decoder.JSONObject(s_and_end, strict, scan_value, None, list, reader.memo)
        seen: set[str] = set()
        for (key, _), start in zip(pairs, starts):
            if key in seen:
                raise _Repeated(key, _key_start(s_and_end[0], key, start))
            seen.add(key)
        return dict(pairs), end

    reader.parse_object = parse_object  # type: ignore[method-assign]
    reader.scan_once = scanner.py_make_scanner(reader)
    try:
        reader.decode(text)
    except _Repeated as repeated:
        return repeated
    raise AssertionError("the pure-Python parser found no key repeated where the C parser's hook did")


def _key_start(text: str, key: str, value_start: int) -> int:
    """Where the key whose value starts at `value_start` opens its quote: the nearest quote before
    it from which the key reads whole (a key may hold escaped quotes)."""
    closing = text.rindex('"', 0, value_start)
    opening = closing
    while True:
        opening = text.rindex('"', 0, opening)
        try:
            if decoder.scanstring(text, opening + 1) == (key, closing + 1):
                return opening
        except ValueError:  # no string runs from this quote
            continue
