"""The "video-tracings" format: videos with a table of outlines traced on some of their frames,
as EchoNet-Dynamic (10,030 apical-4-chamber echocardiograms) and EchoNet-Pediatric ship them:

    Videos/0X100009310A3BD7FC.avi
    FileList.csv        FileName,EF,...,Split          (FileName without .avi in v1.0; Split TRAIN/VAL/TEST)
    VolumeTracings.csv  FileName,X1,Y1,X2,Y2,Frame     (FileName with .avi)

Each traced frame is a pair: the frame, decoded once into the cache as a PNG
(`files.video_frames`), and a mask painted from its outline, 0 background and 1 the left
ventricle, both written beside each other, so that every later stage reads plain pairs. The table
gives a frame's outline as EchoNet's reader rasterises it: with X1,Y1,X2,Y2 its first row is the
long axis and the others chords across the ventricle, the outline down their first ends and back up
their second (x = X1[1:] + reversed X2[1:]); with X,Y (EchoNet-Pediatric) its rows are the outline's
points in order. Corners are rounded to pixels and the inside and edge filled as scikit-image's
`draw.polygon` fills it (`painted_masks.closed_polygon`). A frame number that is no number
(Pediatric's `No Systolic`) traces nothing.

The split is the one FileList.csv's Split column names (TRAIN, VAL, TEST), when it names those
(Pediatric's ten folds 0..9 do not); the traced frames of one video are one group, so they never
straddle two splits. Videos without tracings are left out, in one log line. A folder of several
such datasets (Pediatric's A4C/ and PSAX/) is refused, naming the folder to pass.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from seglab.data.annotations.painted_masks import closed_polygon
from seglab.data.classes import ClassSpec, refuse_unnamed, tool_classes
from seglab.data.classes.mapping import IdentityMapping
from seglab.data.classes.text_files import open_regular
from seglab.data.discovery.naming import folder_split, usable_splits
from seglab.data.files.folder_listing import entries, matching, subfolders
from seglab.data.files.delimiters import repeated_column, table_delimiter
from seglab.data.files.file_threads import on_threads
from seglab.data.files.file_version import file_version
from seglab.data.files.index import DatasetIndex, Pair, Problem, natural_key
from seglab.data.files.io import write_mask_png
from seglab.data.files.staging import cache_folder, staged_folder
from seglab.data.files.video_frames import is_video, pyav, read_frames
from seglab.data.layouts.formats import FORMATS, FindingFormat
from seglab.errors import DataError

log = logging.getLogger(__name__)

CACHE_VERSION = 1  # part of every key: bump when what is written changes
TRACED = "left_ventricle"  # what EchoNet's tracers outline: the left ventricle's cavity
_CHORDS = ("X1", "Y1", "X2", "Y2")  # EchoNet-Dynamic: the long axis, then chords across
_POINTS = ("X", "Y")  # EchoNet-Pediatric: the outline's points
_NAME, _FRAME, _SPLIT = "FileName", "Frame", "Split"
_MANIFEST = "frames.json"  # written last: a folder without it was never completed

Outline = list[tuple[float, float]]
Headers = dict[Path, list[str]]  # a CSV file -> its column names
Table = tuple[Path, tuple[str, ...]]  # a tracing table and its point columns (`_CHORDS` or `_POINTS`)


@dataclass(frozen=True)
class _Traced:
    """One video's traced frames (frame number -> outline) and its file (None: not found)."""

    name: str
    video: Path | None
    frames: dict[int, Outline]


@FORMATS.register("video-tracings")
class VideoTracingsFormat(FindingFormat[tuple[list[Table], Headers]]):
    """Videos with a table of outlines traced on some frames; see the module docstring."""

    layout = ("videos with a table of outlines traced on some of their frames (EchoNet-Dynamic, EchoNet-Pediatric): "
              "Videos/<name>.avi + VolumeTracings.csv (FileName,X1,Y1,X2,Y2,Frame or FileName,X,Y,Frame) + "
              "FileList.csv (FileName,...,Split); needs pip install 'seglab[video]'")
    priority = 5  # before every layout of image files: its frames are no files until decoded

    def find(self, root: Path) -> tuple[list[Table], Headers]:
        """`_tracing_tables` of `root`: detect runs on every DATA, index reads the same headers."""
        return _tracing_tables(root) if root.is_dir() else ([], {})

    def detect(self, root: Path) -> bool:
        return bool(self.found(root)[0])

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        tables, headers = self.found(root)
        if len(tables) > 1:
            listed = ", ".join(str(t.parent) for t, _ in tables)
            raise DataError(f"'{root}' holds {len(tables)} tracing tables ({listed}), a dataset each; pass one "
                            f"folder as DATA (e.g. {tables[0][0].parent})")
        table, kind = tables[0]
        traced, untraced, unnumbered = _read_tracings(table, kind, _videos(table.parent))
        spec, value = tool_classes([TRACED], None, f"tracing table '{table}'", False, classes)
        refuse_unnamed([TRACED], value, spec, f"the outlines of '{table}' trace",
                       f": name it in classes.json ({', '.join(spec.names)} -> background, {TRACED})")
        folder, rows, failed = _unpacked(table, traced, value[TRACED], spec.colours,
                                         cache_folder(self.options.cache_dir, "video-tracings"), root.name)
        listing, splits = _file_list_splits(table.parent, headers)
        if not usable_splits(splits.get(video) for _, video, _, _ in rows):
            splits = {}
        pairs = sorted((Pair(name, folder / image, folder / mask, splits.get(video), group=video)
                        for name, video, image, mask in rows), key=lambda p: natural_key(p.name))
        problems = [Problem(table, f"traces {len(t.frames)} frames of video '{t.name}', which is neither in "
                            f"'{table.parent}' nor in a folder just below it", "mask-without-image")
                    for t in traced if t.video is None]
        problems += [Problem(Path(video), text, code) for video, text, code in failed]
        line = (f"{len(pairs)} traced frames of {len({p.group for p in pairs})} videos, decoded with their "
                f"outlines from '{table.name}' painted as {TRACED} into '{folder}'"
                + (f"; splits from the {_SPLIT} column of '{listing.name}'" if splits and listing else "")
                + (f"; videos without tracings left out: {len(untraced)} (e.g. {untraced[0]})" if untraced else "")
                + (f"; {unnumbered} rows without a frame number ({_FRAME} not a number) left out" if unnumbered else ""))
        log.info("%s: %s", root, line)
        return DatasetIndex(root, "video-tracings", pairs, [], spec, IdentityMapping(), problems, pairing=[line])


def _table_header(path: Path) -> list[str]:
    """A CSV file's column names, from its first line ([] when it cannot be read)."""
    try:
        with open_regular(path, "r", encoding="utf-8-sig", errors="replace") as file:
            first = file.readline()
    except OSError:
        return []
    return [cell.strip() for cell in next(csv.reader([first], delimiter=table_delimiter(path, first)), [])]


def _traces(columns: list[str]) -> tuple[str, ...] | None:
    """The point columns of a tracing table's header (`_CHORDS` or `_POINTS`), None for another table."""
    if _NAME not in columns or _FRAME not in columns:
        return None
    return next((kind for kind in (_CHORDS, _POINTS) if set(kind) <= set(columns)), None)


def _tracing_tables(root: Path) -> tuple[list[Table], Headers]:
    """The tracing tables at `root`'s top, else in the folders just below it (Pediatric's A4C/ and PSAX/),
    each with its point columns (`_traces`); and the headers of the CSV files of the folders they are in."""
    for folders in ([root], [p for p in subfolders(root) if not p.name.startswith(".")]):
        headers = {p: _table_header(p) for folder in folders for p in sorted(matching(folder, "*.csv"))}
        found = [(p, kind) for p, columns in headers.items() if (kind := _traces(columns)) is not None]
        if found:
            return found, headers
    return [], {}


def _videos(folder: Path) -> dict[str, Path]:
    """The videos in `folder` and the folders just below it (`Videos/`), by stem."""
    found = [p for p in (*entries(folder), *(f for d in subfolders(folder) for f in entries(d)))
             if is_video(p) and p.is_file() and not p.name.startswith(".")]
    return {p.stem: p for p in sorted(found)}


def _rows(path: Path) -> list[dict[str, str]]:
    """A table's rows as column -> cell.

    Raises:
        DataError: a table that cannot be read, or that names a column read here twice (two
            `Frame` columns, of which a row kept the last silently), naming it and them.
    """
    try:
        with open_regular(path, "r", encoding="utf-8-sig", newline="") as file:
            first = file.readline()
            file.seek(0)
            reader = csv.DictReader(file, delimiter=table_delimiter(path, first))
            repeated = repeated_column(reader.fieldnames or [], (_NAME, _FRAME, _SPLIT, *_CHORDS, *_POINTS))
            if repeated is not None:
                raise DataError(f"table '{path}' has {len(repeated)} columns read as its {repeated[0].strip()}: "
                                f"{', '.join(repr(name) for name in repeated)}; rename or remove all but one")
            return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise DataError(f"table '{path}' cannot be read: {err}") from None


def _video_name(cell: str) -> str:
    """A FileName cell as a video's stem: EchoNet's FileList v1.0 names videos without `.avi`."""
    return Path(cell).stem if is_video(Path(cell)) else cell


def _read_tracings(table: Path, kind: tuple[str, ...], videos: dict[str, Path]) -> tuple[list[_Traced], list[str], int]:
    """Each traced video with its frames' outlines (`kind`: the table's point columns), the videos
    without tracings, and the rows whose frame is no number.

    Raises:
        DataError: a table that cannot be read, or a point that is no number, naming the row.
    """
    points: dict[str, dict[int, list[tuple[float, ...]]]] = {}
    unnumbered = 0
    for line, row in enumerate(_rows(table), start=2):
        if not row.get(_FRAME, "").isdecimal():
            unnumbered += 1
            continue
        try:
            values = tuple(float(row[column]) for column in kind)
        except (KeyError, ValueError):
            values = (math.nan,)
        if not all(map(math.isfinite, values)):
            raise DataError(f"tracing table '{table}' line {line}: {', '.join(kind)} must be numbers, got "
                            f"{', '.join(repr(row.get(c)) for c in kind)}")
        points.setdefault(_video_name(row[_NAME]), {}).setdefault(int(row[_FRAME]), []).append(values)
    traced = [_Traced(name, videos.get(name), {frame: _outline(given, kind) for frame, given in frames.items()})
              for name, frames in sorted(points.items())]
    return traced, [name for name in videos if name not in points], unnumbered


def _outline(rows: list[tuple[float, ...]], kind: tuple[str, ...]) -> Outline:
    """A frame's outline from its rows, as EchoNet's reader draws it: chords' first ends down and
    their second ends back up, the long axis (row 1) left out; or the points as given."""
    if kind == _POINTS:
        return [(x, y) for x, y in rows]
    chords = rows[1:]
    return [(x1, y1) for x1, y1, _, _ in chords] + [(x2, y2) for _, _, x2, y2 in reversed(chords)]


def _file_list_splits(folder: Path, headers: Headers) -> tuple[Path | None, dict[str, str | None]]:
    """The table in `folder` with FileName and Split columns (FileList.csv) by the `headers` read
    already, and each video's split by it: train, val or test, None for another value (Pediatric's folds)."""
    for path, columns in headers.items():
        if path.parent == folder and {_NAME, _SPLIT} <= set(columns):
            return path, {_video_name(row[_NAME]): folder_split(row[_SPLIT]) for row in _rows(path)}
    return None, {}


def _unpacked(table: Path, traced: list[_Traced], label: int, colours: tuple[tuple[int, int, int], ...], cache: Path,
              dataset: str) -> tuple[Path, list[tuple[str, str, str, str]], list[tuple[str, str, str]]]:
    """The cache folder (named for the `dataset`) of the traced frames and their masks, written now
    or by an earlier call for the same table and videos; its rows (pair name, video, frame file,
    mask file) and what could not be written (video, why, problem code).

    Raises:
        DataError: PyAV missing (`video_frames.pyav`).
    """
    found = [t for t in traced if t.video is not None]
    facts = [CACHE_VERSION, label, [list(c) for c in colours], file_version(table),
             [file_version(t.video) for t in found if t.video is not None]]
    folder = cache / f"{dataset}-{hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:20]}"
    if not (folder / _MANIFEST).is_file():
        pyav(f"the videos traced in '{table}'")  # before the one-by-one reads, which pass damaged videos over
        log.info("decoding the %d traced frames of %d videos into '%s' (once)",
                 sum(len(t.frames) for t in found), len(found), folder)
        with staged_folder(folder) as partial:
            for sub in ("frames", "masks"):
                (partial / sub).mkdir()
            written = on_threads(lambda t: _written(t, label, colours, partial), found)
            manifest = {"rows": [row for rows, _ in written for row in rows],
                        "failed": [fail for _, fails in written for fail in fails]}
            (partial / _MANIFEST).write_text(json.dumps(manifest))
    manifest = json.loads((folder / _MANIFEST).read_text())
    return folder, [tuple(r) for r in manifest["rows"]], [tuple(f) for f in manifest["failed"]]


def _written(traced: _Traced, label: int, colours: tuple[tuple[int, int, int], ...], folder: Path
             ) -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str, str]]]:
    """One video's traced frames and their masks written under `folder`: their rows, and what
    could not be written (a damaged video, a frame past its end)."""
    assert traced.video is not None  # `_unpacked` writes the videos found
    try:
        frames = read_frames(traced.video, traced.frames)
    except DataError as err:
        return [], [(str(traced.video), str(err), "unreadable")]
    rows, failed = [], []
    for number, outline in sorted(traced.frames.items()):
        if number not in frames:
            failed.append((str(traced.video), f"frame {number} is traced, but the video ends before it",
                           "mask-without-image"))
            continue
        name = f"{traced.name}_{number:04d}"
        picture = frames[number]
        Image.fromarray(picture).save(folder / "frames" / f"{name}.png")
        corners = [(float(np.rint(x)), float(np.rint(y))) for x, y in outline]
        mask = closed_polygon(corners, *picture.shape[:2]).astype(np.uint8) * label
        write_mask_png(folder / "masks" / f"{name}.png", mask, colours)
        rows.append((name, traced.name, f"frames/{name}.png", f"masks/{name}.png"))
    return rows, failed
