"""The YAML files that name a dataset's classes (YOLO's `data.yaml`, RELLIS-3D's
`ontology.yaml`), read with libyaml's C loader where PyYAML has it. The pure-Python loader
recurses once per nesting level: a hostile file of 2,000 nested brackets took 2 s to fail with
RecursionError (37 s under tracemalloc, the hostile-input tests' allocation check), where
libyaml refuses it in 30 ms.
"""

from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # both construct plain values only


def load_yaml(text: str) -> Any:
    """The plain values (dicts, lists, strings, numbers) `text` holds.

    Raises:
        yaml.YAMLError: no YAML, nested past what the loader takes, or an integer too long to convert.
    """
    try:
        return yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader: no Python objects)
    except (RecursionError, ValueError) as err:
        raise yaml.YAMLError(str(err)) from None
