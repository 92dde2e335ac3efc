"""Figures and colour helpers: shapes, values and axes counts, without a display."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from seglab.reports.plots import (
    best_epoch,
    colorize,
    overlay,
    plot_confusion,
    plot_gallery,
    plot_history,
    save_figure,
)

COLOURS = [(0, 0, 0), (255, 0, 0), (0, 0, 255)]
NAMES = ["background", "cat", "dog"]
MASK = np.array([[0, 1], [2, 255]])


def test_colorize_paints_classes_and_blacks_out_ignore_and_unknown() -> None:
    rgb = colorize(np.array([[0, 1], [2, 255], [7, -1]]), COLOURS, ignore_index=255)
    assert rgb.shape == (3, 2, 3) and rgb.dtype == np.uint8
    assert rgb[0, 1].tolist() == [255, 0, 0]
    assert rgb[1, 0].tolist() == [0, 0, 255]
    assert rgb[1, 1].tolist() == [0, 0, 0]
    assert rgb[2].tolist() == [[0, 0, 0], [0, 0, 0]]


def test_overlay_blends_labelled_pixels_only() -> None:
    image = np.full((2, 2, 3), 100, dtype=np.uint8)
    out = overlay(image, MASK, COLOURS, alpha=0.5, ignore_index=255)
    assert out.shape == (2, 2, 3) and out.dtype == np.uint8
    assert out[0, 0].tolist() == [50, 50, 50]  # halfway to black
    assert out[0, 1].tolist() == [178, 50, 50]  # (100 + 255) / 2 = 177.5, rounded to even
    assert out[1, 1].tolist() == [100, 100, 100]  # ignored: image unchanged


@pytest.mark.parametrize(
    "image",
    [np.full((2, 2), 0.5), np.full((2, 2, 1), 128, dtype=np.uint8), np.full((2, 2, 4), 128, dtype=np.uint8)],
)
def test_overlay_accepts_grey_float_and_rgba(image: np.ndarray) -> None:
    out = overlay(image, MASK, COLOURS, alpha=0.0, ignore_index=255)
    assert out.shape == (2, 2, 3)
    assert (out == 128).all()


def test_overlay_rejects_size_mismatch_and_bad_dtype() -> None:
    with pytest.raises(ValueError, match="image is 3x2 but mask is 2x2"):
        overlay(np.zeros((3, 2), dtype=np.uint8), MASK, COLOURS)
    with pytest.raises(ValueError, match="uint8 or float"):
        overlay(np.zeros((2, 2), dtype=np.uint16), MASK, COLOURS)


def test_plot_history_has_loss_and_miou_panels_and_tolerates_missing_keys() -> None:
    history = [
        {"epoch": 1, "train_loss": 1.0, "train_miou": 0.1},
        {"epoch": 2, "train_loss": 0.5, "val_loss": 0.7, "train_miou": 0.3, "val_miou": 0.2},
    ]
    fig = plot_history(history)
    assert isinstance(fig, Figure)
    loss_ax, miou_ax = fig.axes
    assert [line.get_label() for line in loss_ax.lines] == ["best epoch 2", "train_loss", "val_loss"]
    assert list(loss_ax.lines[2].get_xdata()) == [2]
    assert len(miou_ax.lines) == 3
    assert len(plot_history([]).axes) == 2


def test_plot_history_marks_the_best_epoch_with_whole_epoch_ticks() -> None:
    history = [{"epoch": e, "train_loss": 1 / e, "val_miou": v} for e, v in ((1, 0.2), (2, 0.6), (3, 0.5))]
    assert best_epoch(history) == 2 and best_epoch([{"epoch": 1}]) is None
    fig = plot_history(history)
    fig.canvas.draw()
    for ax in fig.axes:
        assert list(ax.lines[0].get_xdata()) == [2, 2]  # the dashed marker
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert ticks and all(float(t).is_integer() for t in ticks)


def test_plot_gallery_rows_carry_their_titles() -> None:
    rng = np.random.default_rng(0)
    images = [rng.random((4, 4)) for _ in range(2)]
    masks = [np.zeros((4, 4), int)] * 2
    fig = plot_gallery(images, masks, masks, COLOURS, ["a", "b", "c"], titles=["x.png mIoU 0.50", "y.png mIoU 0.90"])
    titles = [ax.get_title() for ax in fig.axes[::3]]
    assert titles == ["image: x.png mIoU 0.50", "y.png mIoU 0.90"]
    with pytest.raises(ValueError, match="1 titles for 2 images"):
        plot_gallery(images, masks, masks, COLOURS, ["a", "b", "c"], titles=["only one"])


def test_a_gallery_titled_with_a_file_name_not_utf8_is_drawn_with_the_name_escaped(tmp_path: Path) -> None:
    """`b"\\xff3.png"` is held as a lone surrogate, which Matplotlib's fonts refused (TypeError):
    `seglab evaluate` stopped at gallery.png, `seglab report` at its examples."""
    masks, name = [np.zeros((2, 2), np.int64)], os.fsdecode(b"\xff3.png")
    fig = plot_gallery([np.zeros((2, 2))], masks, masks, COLOURS, NAMES, titles=[f"{name}  mIoU 1"])
    save_figure(fig, tmp_path / "gallery.png")
    assert fig.axes[0].get_title() == "image: \\udcff3.png  mIoU 1"


def test_plot_confusion_normalises_rows_and_annotates() -> None:
    matrix = np.array([[3, 1, 0], [1, 5, 0], [0, 0, 0]])
    fig = plot_confusion(matrix, NAMES)
    heatmap_ax = fig.axes[0]
    assert len(fig.axes) == 2  # heat map and colour bar
    values = heatmap_ax.images[0].get_array()
    assert np.allclose(values.sum(axis=1), [1, 1, 0])  # an empty row stays 0
    assert len(heatmap_ax.texts) == 9
    assert heatmap_ax.texts[0].get_text() == "0.75"
    raw = plot_confusion(matrix, NAMES, normalize=False).axes[0]
    assert raw.texts[4].get_text() == "5"


CJK_NAMES = ["背景", "建筑", "道路", "水体"]  # PaddleSeg / AI Studio datasets' background, building, road, water


def test_class_names_no_font_draws_are_labelled_by_id_with_one_log_line_not_a_warning_a_glyph(tmp_path, caplog):
    """DejaVu Sans has no CJK glyphs: the confusion matrix and the gallery's legend showed empty
    boxes, and a "Glyph ... missing" warning for each character flooded the terminal. They show
    the names where an installed font draws them, else the class ids, which one log line names
    (once a process: no other test draws these names)."""
    masks = [np.zeros((2, 2), np.int64)]
    with warnings.catch_warnings(record=True) as caught, caplog.at_level("WARNING", logger="seglab"):
        warnings.simplefilter("always")
        for _ in range(2):
            confusion = plot_confusion(np.eye(4), CJK_NAMES)
            save_figure(confusion, tmp_path / "confusion.png")
            gallery = plot_gallery([np.zeros((2, 2))], masks, masks, COLOURS + [(9, 9, 9)], CJK_NAMES)
            save_figure(gallery, tmp_path / "gallery.png")
    assert not [w for w in caught if "Glyph" in str(w.message)]
    ticks = [t.get_text() for t in confusion.axes[0].get_xticklabels()]
    legend = [t.get_text() for t in gallery.legends[0].get_texts()]
    assert ticks == legend and ticks in (CJK_NAMES, ["0", "1", "2", "3"])
    said = [r.getMessage() for r in caplog.records if "no installed font draws" in r.getMessage()]
    assert len(said) == (ticks != CJK_NAMES) and all("(0 背景, 1 建筑, 2 道路, 3 水体)" in s for s in said)


def test_a_character_matplotlib_s_font_lacks_is_drawn_in_an_installed_font_that_has_it(tmp_path) -> None:
    """U+2312 (an arc) is not in DejaVu Sans but in fonts Matplotlib ships (STIXGeneral, DejaVu
    Sans Mono): listed after the default family, one draws the name, as Noto Sans CJK draws 背景
    where installed."""
    from matplotlib import rcParams

    from seglab.reports.fonts import class_labels

    labels, families = class_labels(["\u2312 arc", "road"])
    assert labels == ["\u2312 arc", "road"] and len(families) > len(rcParams["font.family"])
    fig = plot_confusion(np.eye(2), labels)
    assert fig.axes[0].get_xticklabels()[0].get_fontfamily() == families
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        save_figure(fig, tmp_path / "confusion.png")


def test_plot_confusion_skips_annotations_for_many_classes() -> None:
    names = [str(k) for k in range(13)]
    assert not plot_confusion(np.eye(13, dtype=int), names).axes[0].texts
    with pytest.raises(ValueError, match="3 class names"):
        plot_confusion(np.eye(2), NAMES)


def test_plot_gallery_has_three_panels_per_sample_and_a_legend() -> None:
    images = [np.random.default_rng(0).random((8, 10)), np.zeros((8, 10, 3), dtype=np.uint8)]
    truths = [np.zeros((8, 10), dtype=int), None]
    preds = [np.ones((8, 10), dtype=int), np.full((8, 10), 2)]
    fig = plot_gallery(images, truths, preds, COLOURS, NAMES, ignore_index=255)
    assert len(fig.axes) == 6
    assert fig.axes[4].texts[0].get_text() == "no label"
    assert [t.get_text() for t in fig.legends[0].get_texts()] == NAMES


def test_plot_gallery_rejects_unequal_lengths() -> None:
    with pytest.raises(ValueError, match="got 1, 0, 1"):
        plot_gallery([np.zeros((2, 2))], [], [MASK], COLOURS, NAMES)


def test_save_figure_writes_png_without_pyplot_figures(tmp_path: Path) -> None:
    open_before = plt.get_fignums()
    path = tmp_path / "history.png"
    save_figure(plot_history([{"epoch": 1, "train_loss": 1.0}]), path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plt.get_fignums() == open_before


def test_gallery_with_errors_marks_wrong_pixels_and_their_share():
    """Run.show_results' rows: a fourth panel with the wrong pixels in the error red, titled
    with their share of the counted (not ignored) pixels: here 1 wrong of 3 counted."""
    from seglab.data.classes import ERROR_COLOUR
    from seglab.reports.plots import error_map

    image = np.full((2, 2), 200, np.uint8)
    truth = np.array([[0, 1], [1, 255]])
    pred = np.array([[0, 0], [1, 0]])
    fig = plot_gallery([image], [truth], [pred], COLOURS, NAMES, ignore_index=255, errors=True)
    assert len(fig.axes) == 4
    assert fig.axes[3].get_title() == "error 33.3%"
    rgb = error_map(image, truth, pred, ignore_index=255)
    assert tuple(rgb[0, 1]) == ERROR_COLOUR and tuple(rgb[1, 1]) != ERROR_COLOUR  # ignored: never wrong
    assert tuple(rgb[0, 0]) == (100, 100, 100)  # right: the image, dimmed
