"""A word in the file names that tells images of different channel counts apart: S1S2-Water's
`sentinel12_s1_<id>_img.tif` (2 radar bands) beside `sentinel12_s2_<id>_img.tif` (6 optical
bands), each with its own `_msk.tif`, are two sensors' images of one scene, not one dataset a
model can take. The mixed-channels finding then names the `--mask-pattern` reading each sensor.
"""

from __future__ import annotations

import re
from pathlib import Path

from seglab.data.checking.stats import ImageFacts
from seglab.data.discovery.naming import stem, template_rules
from seglab.data.discovery.naming.affixes import strip_affixes
from seglab.data.discovery.naming.mask_patterns import pairs_by
from seglab.data.files.index import Pair

_SEPARATORS = re.compile(r"[_\-. ]")


def naming_route(facts: list[tuple[Pair, ImageFacts]]) -> str:
    """'; the 2-channel images are named with 's1', the 6-channel ones with 's2': read one kind
    with --mask-pattern '...' or '...'', or '' when no word names every image of one count and
    none of the others, or no pattern reads exactly the masks of each."""
    groups: dict[int, list[Pair]] = {}
    for pair, image in facts:
        groups.setdefault(image.channels, []).append(pair)
    if len(groups) < 2:
        return ""
    names = {count: [set(_SEPARATORS.split(stem(p.image).lower())) for p in pairs] for count, pairs in groups.items()}
    said, patterns = [], []
    for count, pairs in sorted(groups.items()):
        others = set().union(*(w for c, ws in names.items() if c != count for w in ws))
        telling = sorted(set.intersection(*names[count]) - others)
        pattern = _pattern(pairs[0], telling[0]) if telling else None
        if pattern is None or not _reads_only(pattern, pairs, [p for c, ps in groups.items() if c != count for p in ps]):
            return ""
        said.append(f"the {count}-channel images with '{telling[0]}'")
        patterns.append(f"'{pattern}'")
    return (f"; {', '.join(said)} in their names (two sensors or renderings of one scene?): read one kind with "
            f"--mask-pattern {' or '.join(patterns)}")


def _pattern(pair: Pair, word: str) -> str | None:
    """A regular expression naming the masks whose image name holds `word` as a word:
    `(.*_s2_.*)_msk\\.tif`, its group the image's name without its affix."""
    key = strip_affixes(stem(pair.image))
    if pair.mask is None or not pair.mask.name.lower().startswith(key):
        return None
    found = re.search(rf"(?:^|(?<=[_\-. ])){re.escape(word)}(?=$|[_\-. ])", key)
    if found is None:
        return None
    left = f".*{re.escape(key[found.start() - 1])}" if found.start() else ""
    right = f"{re.escape(key[found.end()])}.*" if found.end() < len(key) else ""
    return f"({left}{re.escape(word)}{right}){re.escape(pair.mask.name[len(key):])}"


def _reads_only(pattern: str, pairs: list[Pair], others: list[Pair]) -> bool:
    """Whether `pattern` pairs every mask of `pairs` with its image and names no mask of `others`."""
    rules = template_rules(pattern)

    def names(mask: Path | None) -> bool:
        return mask is not None and any(rule.key_of(mask, False) is not None for rule in rules)

    return all(pair.mask is not None and pairs_by(rules, pair.image, pair.mask) for pair in pairs) \
        and not any(names(p.mask) for p in others)
