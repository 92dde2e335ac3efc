"""Videos with outlines traced on some frames, as EchoNet-Dynamic ships them: `Videos/<name>.avi`,
`FileList.csv` (FileName, ..., Split) and `VolumeTracings.csv` (FileName, X1, Y1, X2, Y2, Frame:
per traced frame the long axis, then chords across the left ventricle); and EchoNet-Pediatric's
point lists (FileName, X, Y, Frame). Before, the videos were refused: "a format seglab does not
read". The videos are tiny real AVIs written by PyAV."""

from __future__ import annotations

import csv
import importlib.util
import logging
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask
from seglab.errors import DataError

needs_av = pytest.mark.skipif(importlib.util.find_spec("av") is None,
                              reason="videos need the 'video' extra (PyAV): pip install 'seglab[video]'")
H, W, FRAMES = 24, 32, 6
TRACED = (1, 4)  # each video's ED and ES frames
LEFT, RIGHT, TOP = 8, 20, 4  # the chords' ends: the outline is the box LEFT..RIGHT x TOP..bottom


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def frame_picture(video: int, frame: int) -> np.ndarray:
    """A grey frame stored as RGB, its value telling the video and the frame."""
    return np.full((H, W, 3), 10 * video + 30 * frame, np.uint8)


def write_avi(path: Path, video: int, frames: int = FRAMES) -> None:
    """A lossless AVI (PNG frames), so the decoded frames are the written ones."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("png", rate=50)
        stream.width, stream.height, stream.pix_fmt = W, H, "rgb24"
        for frame in range(frames):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame_picture(video, frame), format="rgb24")))
        container.mux(stream.encode())


def bottom(frame: int) -> int:
    """The traced box's last row: the ventricle is smaller at ES."""
    return 16 if frame == TRACED[0] else 12


def chords(frame: int) -> list[tuple[float, float, float, float]]:
    """EchoNet's rows of one frame: the long axis, then chords across from TOP to `bottom`, their
    ends a tenth of a pixel off the box's columns, which rounding puts back."""
    axis = [((LEFT + RIGHT) / 2, TOP, (LEFT + RIGHT) / 2, bottom(frame))]
    return axis + [(LEFT + 0.1, y, RIGHT - 0.1, y) for y in range(TOP, bottom(frame) + 1, 2)]


def box(frame: int) -> np.ndarray:
    """The mask EchoNet's reader draws for `chords`: the box, edges included (skimage.draw.polygon)."""
    mask = np.zeros((H, W), np.uint8)
    mask[TOP:bottom(frame) + 1, LEFT:RIGHT + 1] = 1
    return mask


def echonet(root: Path, splits: tuple[str, ...] = ("TRAIN", "TRAIN", "VAL", "TEST"), untraced: int = 1,
            with_suffix: bool = False, write_videos: bool = True) -> list[str]:
    """EchoNet-Dynamic's layout: the videos of `splits`, each traced on `TRACED` but the last
    `untraced` ones; FileList names them without `.avi` (v1.0) unless `with_suffix`."""
    names = [f"0X{k:02d}A1B2C3D4E5F6" for k in range(len(splits))]
    for k, name in enumerate(names):
        if write_videos:
            write_avi(root / "Videos" / f"{name}.avi", k)
        else:
            (root / "Videos").mkdir(parents=True, exist_ok=True)
            (root / "Videos" / f"{name}.avi").write_bytes(b"RIFF")
    with (root / "FileList.csv").open("w", newline="") as file:
        table = csv.writer(file)
        table.writerow(["FileName", "EF", "ESV", "EDV", "FrameHeight", "FrameWidth", "FPS", "NumberOfFrames", "Split"])
        for name, split in zip(names, splits):
            table.writerow([f"{name}.avi" if with_suffix else name, 55.0, 30.0, 70.0, H, W, 50, FRAMES, split])
    with (root / "VolumeTracings.csv").open("w", newline="") as file:
        table = csv.writer(file)
        table.writerow(["FileName", "X1", "Y1", "X2", "Y2", "Frame"])
        for name in names[:len(names) - untraced]:
            for frame in TRACED:
                table.writerows([f"{name}.avi", *row, frame] for row in chords(frame))
    return names


@needs_av
def test_echonet_dynamic_traced_frames_are_pairs_of_frame_and_left_ventricle(tmp_path: Path, caplog) -> None:
    names = echonet(tmp_path / "EchoNet-Dynamic")
    with caplog.at_level(logging.INFO):
        index = discover(tmp_path / "EchoNet-Dynamic")
    assert index.format == "video-tracings"
    assert index.classes is not None and index.classes.names == ("background", "left_ventricle")
    assert [p.name for p in index.pairs] == [f"{name}_{frame:04d}" for name in names[:3] for frame in TRACED]
    assert [p.split for p in index.pairs] == ["train"] * 4 + ["val"] * 2
    assert [p.group for p in index.pairs] == [name for name in names[:3] for _ in TRACED]
    for pair in index.pairs:
        video, frame = names.index(pair.group), int(pair.name.rsplit("_", 1)[1])
        np.testing.assert_array_equal(np.asarray(Image.open(pair.image)), frame_picture(video, frame))
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), box(frame))
    assert index.problems == []
    said = [r.getMessage() for r in caplog.records if "without tracings" in r.getMessage()]
    assert len(said) == 1 and f"1 (e.g. {names[3]})" in said[0]


@needs_av
def test_file_list_names_with_suffix_and_the_cache_is_read_again(tmp_path: Path) -> None:
    echonet(tmp_path / "echo", splits=("TRAIN", "TRAIN", "TEST"), untraced=0, with_suffix=True)
    first = discover(tmp_path / "echo")
    again = discover(tmp_path / "echo")
    assert [p.split for p in first.pairs] == ["train"] * 4 + ["test"] * 2
    assert [(p.image, p.mask) for p in again.pairs] == [(p.image, p.mask) for p in first.pairs]


@needs_av
def test_pediatric_point_lists_and_folds_give_outlines_and_no_split(tmp_path: Path) -> None:
    """EchoNet-Pediatric: X,Y points in order, `No Systolic` for an untraced frame, ten folds as Split."""
    root = tmp_path / "A4C"
    write_avi(root / "Videos" / "CR32a7555-CR32a7582-000039.avi", 0)
    write_avi(root / "Videos" / "CR32a7555-CR32a7582-000040.avi", 1)
    (root / "FileList.csv").write_text("FileName,EF,Sex,Age,Weight,Height,Split\n"
                                       "CR32a7555-CR32a7582-000039.avi,60,F,3,14,95,0\n"
                                       "CR32a7555-CR32a7582-000040.avi,58,M,5,18,108,7\n")
    corners = [(LEFT, TOP), (RIGHT, TOP), (RIGHT, 16), (LEFT, 16)]
    rows = [f"CR32a7555-CR32a7582-0000{n}.avi,{x},{y},{TRACED[0]}" for n in (39, 40) for x, y in corners]
    (root / "VolumeTracings.csv").write_text("FileName,X,Y,Frame\n" + "\n".join(rows)
                                             + "\nCR32a7555-CR32a7582-000040.avi,0,0,No Systolic\n")
    index = discover(root)
    assert [p.name for p in index.pairs] == [f"CR32a7555-CR32a7582-0000{n}_{TRACED[0]:04d}" for n in (39, 40)]
    assert all(p.split is None for p in index.pairs)
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), box(TRACED[0]))
    assert "1 rows without a frame number" in index.pairing[0]


@needs_av
def test_a_frame_past_the_end_and_a_damaged_video_are_findings(tmp_path: Path) -> None:
    names = echonet(tmp_path / "echo", splits=("TRAIN", "TRAIN", "VAL"), untraced=0)
    write_avi(tmp_path / "echo" / "Videos" / f"{names[0]}.avi", 0, frames=3)  # frame 4 is traced
    (tmp_path / "echo" / "Videos" / f"{names[1]}.avi").write_bytes(b"RIFF\0\0\0\0AVI junk")
    index = discover(tmp_path / "echo")
    assert [p.name for p in index.pairs] == [f"{names[0]}_0001", f"{names[2]}_0001", f"{names[2]}_0004"]
    codes = {(Path(p.path).name, p.code) for p in index.problems}
    assert codes == {(f"{names[0]}.avi", "mask-without-image"), (f"{names[1]}.avi", "unreadable")}


@needs_av
def test_a_folder_of_two_such_datasets_is_refused_naming_each(tmp_path: Path) -> None:
    for view in ("A4C", "PSAX"):
        echonet(tmp_path / "pediatric" / view, splits=("TRAIN", "VAL"), untraced=0)
    with pytest.raises(DataError, match=r"2 tracing tables .*pass one folder as DATA"):
        discover(tmp_path / "pediatric")


def test_without_pyav_the_refusal_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    echonet(tmp_path / "echo", write_videos=False)
    monkeypatch.setitem(sys.modules, "av", None)  # `import av` raises ImportError
    with pytest.raises(DataError, match=r"needs PyAV .*pip install 'seglab\[video\]'"):
        discover(tmp_path / "echo")


def test_videos_without_a_tracing_table_name_the_layout_that_reads_them(tmp_path: Path) -> None:
    (tmp_path / "clips" / "Videos").mkdir(parents=True)
    for k in range(3):
        (tmp_path / "clips" / "Videos" / f"0X0{k}.avi").write_bytes(b"RIFF")
    with pytest.raises(DataError, match=r"Videos/: 3 '\.avi' files, videos: the video-tracings layout reads"):
        discover(tmp_path / "clips")


def test_a_tracing_table_naming_a_column_twice_is_refused_naming_both(tmp_path: Path) -> None:
    """A second `Frame` column (copied in a spreadsheet): csv.DictReader kept its cells silently,
    so each outline was drawn on that column's frame, not the first's."""
    echonet(tmp_path / "echo", write_videos=False)
    table = tmp_path / "echo" / "VolumeTracings.csv"
    header, *rows = table.read_text().splitlines()
    table.write_text("\n".join([f"{header},Frame ", *(f"{row},0" for row in rows)]) + "\n")
    with pytest.raises(DataError, match=r"VolumeTracings.csv' has 2 columns read as its Frame: 'Frame', 'Frame '; "
                                        r"rename or remove all but one"):
        discover(tmp_path / "echo")
