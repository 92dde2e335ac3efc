"""Flag values: the argparse `type=` functions that turn text into sizes, durations and mappings.

Each raises `argparse.ArgumentTypeError`, so argparse names the flag, and exits 2, before any
command runs.
"""

from __future__ import annotations

import argparse
from typing import Any

import yaml


def parse_size(text: str) -> list[int]:
    """'256' -> [256, 256]; '360x480' -> [360, 480] (height x width)."""
    try:
        parts = [int(p) for p in text.lower().split("x")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 256 or 360x480 (HxW), got '{text}'") from None
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2 or min(parts) < 1:
        raise argparse.ArgumentTypeError(f"size must look like 256 or 360x480 (HxW), got '{text}'")
    return parts


NATIVE_SIZE = "native"


def parse_training_size(text: str) -> list[int] | str:
    """--size: a size as `parse_size` reads it, or 'native' (NATIVE_SIZE): every image at its own
    size, which the planner would otherwise trade for time (data.size null)."""
    return NATIVE_SIZE if text.lower() == NATIVE_SIZE else parse_size(text)


def parse_duration(text: str) -> float:
    """'90s', '10m', '1.5h' or plain seconds -> seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    number, unit = (text[:-1], text[-1]) if text[-1:].lower() in units else (text, "s")
    try:
        seconds = float(number) * units[unit.lower()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"duration must look like 90s, 10m or 1.5h, got '{text}'") from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"duration must be positive, got '{text}'")
    return seconds


def parse_assignment(text: str) -> tuple[str, Any]:
    """'train.epochs=5' -> ('train.epochs', 5); the value is read as YAML (numbers, lists, null)."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got '{text}'")
    try:
        return key.strip(), yaml.safe_load(value)
    except yaml.YAMLError as err:
        raise argparse.ArgumentTypeError(f"the value of '{text}' is not YAML (quote strings whole: "
                                         f"KEY='a b'): {str(err).splitlines()[0]}") from None


def parse_lr(text: str) -> float | str:
    """'3e-3' -> 0.003; 'auto' -> 'auto' (the learning-rate range test picks it)."""
    if text == "auto":
        return text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"learning rate must be a number like 3e-3, or auto; got '{text}'") from None


def parse_class_weights(text: str) -> str | list[float]:
    """'auto' -> 'auto'; '1,5,20' -> [1.0, 5.0, 20.0] (one weight per class)."""
    if text == "auto":
        return text
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"class weights are 'auto' or numbers like 1,5,20; got '{text}'") from None


def parse_bands(text: str) -> list[str]:
    """'B02,B03,B04,B08' -> ['B02', 'B03', 'B04', 'B08']: the band files of a chip folder to read."""
    bands = [part.strip() for part in text.split(",")]
    if not all(bands):
        raise argparse.ArgumentTypeError(f"bands are band names like B02,B03,B04,B08; got '{text}'")
    return bands


def parse_label_map(text: str) -> dict[int, int | str]:
    """'255:1,3:ignore' -> {255: 1, 3: 'ignore'}: raw mask value -> class index or ignore."""
    mapped: dict[int, int | str] = {}
    for part in text.split(","):
        raw, _, label = (s.strip() for s in part.partition(":"))
        try:
            mapped[int(raw)] = label if label == "ignore" else int(label)
        except ValueError:
            raise argparse.ArgumentTypeError(f"label map entries look like 255:1 or 3:ignore, got '{part}'") from None
    return mapped
