"""Change-detection runs predict each scene's two dates together, as training read them: OSCD's
scene folders of date folders (`<city>/imgs_1_rect/`, `imgs_2_rect/`, beside `imgs_1/`, `imgs_2/`
and `pair/`) and Hi-UCD's year folders, each with a folder below it (`image/2017/9/`, `2018/9/`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tifffile
from PIL import Image

from seglab.cli import main
from seglab.data.files.io import read_image
from seglab.inference.files import channel_images, collect_inputs, output_names
from seglab.inference.loading import load_segmenter

from ..data.test_multichannel import TINY, oscd, year_folders  # type: ignore[import-not-found]

BANDS = ("B02", "B03", "B04", "B08")


def _scenes_of_their_own(images: Path) -> None:
    """`oscd`'s cities, every band of one value, made each a scene of its own (no duplicates to refuse)."""
    rng = np.random.default_rng(0)
    for band in sorted(images.glob("*/imgs_*_rect/*.tif")):
        tifffile.imwrite(band, rng.integers(500, 3000, (16, 16)).astype(np.uint16))


def test_a_run_of_scene_folders_predicts_each_scene_of_its_dates_as_it_trained(tmp_path: Path) -> None:
    """OSCD trained with --bands B02,B03,B04,B08 on `imgs_1_rect/` and `imgs_2_rect/`: `predict RUN
    <city>` and `predict RUN <folder of cities>` were refused ('lacks its channel file(s) 2_b02 ...'),
    `imgs_1/`, whose native-resolution bands are named alike, taken for date 1 too. Now each city is
    one image of the dates training read, named by the city."""
    oscd(tmp_path / "oscd", train=("aguasclaras", "bercy", "bordeaux", "nantes"), test=("paris", "rio"))
    images = tmp_path / "oscd" / "Onera Satellite Change Detection dataset - Images"
    _scenes_of_their_own(images)
    run = tmp_path / "run"
    assert main(["train", str(tmp_path / "oscd"), "--bands", ",".join(BANDS), "--out", str(run), *TINY]) == 0
    predictor = load_segmenter([str(run)], "cpu")
    for given, cities in (([images / "paris"], ["paris"]), ([images], ["aguasclaras", "bercy", "bordeaux", "nantes",
                                                                         "paris", "rio"])):
        out = tmp_path / "pred" / given[0].name
        assert main(["predict", str(run), *map(str, given), "--out", str(out), "--no-progress"]) == 0
        assert sorted(p.name for p in out.glob("*_mask.png")) == [f"{city}_mask.png" for city in cities]
        for city in cities:
            dates = read_image([images / city / f"imgs_{date}_rect" / f"{band}.tif" for date in (1, 2) for band in BANDS])
            np.testing.assert_array_equal(np.asarray(Image.open(out / f"{city}_mask.png")),
                                          predictor.predict(dates).mask)


def test_a_run_of_the_dates_product_files_predicts_another_scene(tmp_path: Path) -> None:
    """OSCD trained with --images 'imgs_?' (the bands as shipped, `<product>_B02.tif`, the product
    name a scene's date and tile) recorded its channels by the product too
    (`1_s2a_oper_..._20151001t010000_a00_b02`), so no other scene's files matched: 'lacks its
    channel file(s)'. The channels are each date's band (`1_b02`), and a test scene is predicted
    from its own products' files, not from `imgs_1_rect/` and `imgs_2_rect/`, whose bands are named
    alike, its other bands left out, its outputs named by the scene."""
    oscd(tmp_path / "oscd", train=("aguasclaras", "bercy", "bordeaux", "nantes"), test=("paris", "rio"))
    images = tmp_path / "oscd" / "Onera Satellite Change Detection dataset - Images"
    rng = np.random.default_rng(0)
    for k, city in enumerate(sorted(p for p in images.iterdir() if p.is_dir())):  # each date a product, as shipped
        products = (f"S2A_OPER_MSI_L1C_TL_SGS__20151{k}01T010000_A0{k}_T23KPQ", f"T23KPQ_20181{k}15T131241")
        for band in sorted(city.glob("imgs_?/*.tif")):
            product = products[int(band.parent.name[-1]) - 1]
            pixels = rng.integers(500, 3000, tifffile.imread(band).shape).astype(np.uint16)
            band.unlink()
            tifffile.imwrite(band.with_name(f"{product}_{band.stem.rsplit('_', 1)[1]}.tif"), pixels)
    run = tmp_path / "run"
    assert main(["train", str(tmp_path / "oscd"), "--images", "imgs_?", "--bands", ",".join(BANDS), "--out", str(run),
                 *TINY]) == 0
    predictor = load_segmenter([str(run)], "cpu")
    assert predictor.channel_files == tuple(f"{date}_{band.lower()}" for date in (1, 2) for band in BANDS)
    native = tuple(next((images / "rio" / f"imgs_{date}").glob(f"*_{band}.tif")) for date in (1, 2) for band in BANDS)
    files = collect_inputs([images / "rio"], predictor.channel_files, images=predictor.naming.images)
    assert channel_images(files, predictor.channel_files) == {native[0]: native}
    out = tmp_path / "pred"
    assert main(["predict", str(run), str(images / "rio"), "--out", str(out), "--no-progress"]) == 0
    np.testing.assert_array_equal(np.asarray(Image.open(out / "rio_mask.png")),
                                  predictor.predict(read_image(list(native))).mask)


def test_a_scene_folder_gives_the_reading_of_its_dates_the_run_was_trained_on(tmp_path: Path) -> None:
    """Of a city's three readings of its dates, a run of `--images pair` (channels `img1`, `img2`)
    reads its previews, named by the city (not `pair`), and a run of both dates' bands their
    `imgs_?_rect/` files, the other bands left out."""
    oscd(tmp_path, train=("bercy",), test=("paris",))
    images = tmp_path / "Onera Satellite Change Detection dataset - Images"
    pictures = ("img1", "img2")
    files = collect_inputs([images], pictures)
    assert list(channel_images(files, pictures).values()) == [
        (images / city / "pair" / "img1.png", images / city / "pair" / "img2.png") for city in ("bercy", "paris")]
    assert sorted(output_names(files, pictures).values()) == ["bercy", "paris"]
    dated = tuple(f"{date}_{band.lower()}" for date in (1, 2) for band in BANDS)
    files = collect_inputs([images / "paris"], dated)
    assert channel_images(files, dated) == {images / "paris" / "imgs_1_rect" / "B02.tif": tuple(
        images / "paris" / f"imgs_{date}_rect" / f"{band}.tif" for date in (1, 2) for band in BANDS)}
    assert list(output_names(files, dated).values()) == ["paris"]


def test_year_folders_each_with_a_folder_below_are_predicted_as_one_image_of_both_years(tmp_path: Path) -> None:
    """Hi-UCD trained on `image/2017/9/` and `image/2018/9/` (channels `2017`, `2018`): predicting its
    `test/` or `test/image/` was refused ('holds no images itself'), and its two year folders given
    together were two 3-channel images ('the model expects 6'): years were read as nnU-Net's channel
    numbers, and a year named no channel file a folder below it. Each scene is one image, 2017's
    channels first; a split's change masks of `mask/2017_2018/9/` are no date of either year."""
    root = tmp_path / "Hi-UCD_mini"
    year_folders(root, {"train": 3, "val": 2, "test": 2})
    run = tmp_path / "run"
    assert main(["train", str(root), "--out", str(run), *TINY]) == 0
    predictor = load_segmenter([str(run)], "cpu")
    assert predictor.channel_files == ("2017", "2018")
    image = root / "test" / "image"
    for given in ([root / "test"], [image], [image / "2017" / "9", image / "2018" / "9"]):
        out = tmp_path / "pred" / str(len(given)) / given[0].name
        assert main(["predict", str(run), *map(str, given), "--out", str(out), "--no-progress"]) == 0
        assert sorted(p.name for p in out.glob("*_mask.png")) == ["20_31_mask.png", "21_32_mask.png"]
        for name in ("20_31", "21_32"):
            years = read_image([image / year / "9" / f"{name}.png" for year in ("2017", "2018")])
            np.testing.assert_array_equal(np.asarray(Image.open(out / f"{name}_mask.png")), predictor.predict(years).mask)
    labelled = collect_inputs([root / "train"], predictor.channel_files)
    assert len(channel_images(labelled, predictor.channel_files)) == 3 and all("mask" not in p.parts for p in labelled)
