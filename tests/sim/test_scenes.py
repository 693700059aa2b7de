import json

import numpy as np
import pytest

from hardware.sim import scenes
from hardware.sim.layout import LEVELS, SceneDoesNotFit, arrange
from hardware.sim.scenes import SceneMaker, manifest, write_set, yolo_lines
from hardware.sim.tray import VirtualTray


@pytest.fixture(scope="module")
def maker(sim_catalog, art):
    return SceneMaker(sim_catalog, art, (320, 180))


def test_a_scene_is_a_pure_function_of_seed_split_and_index(maker):
    a = maker.make(5, "train", 3)
    b = maker.make(5, "train", 3)
    assert np.array_equal(a.render.image, b.render.image)
    assert manifest(a) == manifest(b)


def test_splits_draw_disjoint_scenes_from_the_same_seed(maker):
    train = {json.dumps(manifest(maker.make(1, "train", i))["items"]) for i in range(4)}
    val = {json.dumps(manifest(maker.make(1, "val", i))["items"]) for i in range(4)}
    assert not train & val
    assert maker.make(1, "val", 0).scene_id == "val-1-000000"


@pytest.mark.parametrize("level", ["easy", "medium", "hard"])
def test_levels_keep_their_item_counts(maker, level):
    for i in range(3):
        sc = maker.make(11, "test", i, level)
        lv = LEVELS[level]
        assert lv.min_items <= len(sc.render.items) <= lv.max_items
        assert sc.level == level


def test_written_set_has_images_labels_manifests_and_description(tmp_path, sim_catalog):
    desc = write_set(tmp_path, count=3, seed=2, split="val", level="hard", size=(320, 180))
    classes = (tmp_path / "classes.txt").read_text().split()
    assert classes == sim_catalog.skus()
    assert desc["count"] == 3 and desc["split"] == "val" and desc["size"] == [320, 180]
    assert (
        json.loads((tmp_path / "dataset.json").read_text())["catalog_version"]
        == sim_catalog.version
    )
    for i in range(3):
        sid = f"val-2-{i:06d}"
        assert (tmp_path / "images" / f"{sid}.jpg").stat().st_size > 1000
        m = json.loads((tmp_path / "manifests" / f"{sid}.json").read_text())
        lines = (tmp_path / "labels" / f"{sid}.txt").read_text().splitlines()
        visible = [it for it in m["items"] if not it["hidden"]]
        assert len(lines) == len(visible)
        for line, it in zip(lines, visible, strict=True):
            cls, cx, cy, w, h = line.split()
            assert classes[int(cls)] == it["sku"]
            assert all(0 <= float(v) <= 1 for v in (cx, cy, w, h))
            x0, _y0, x1, _y1 = it["visible_box"]
            assert float(cx) == pytest.approx((x0 + x1) / 2 / 320, abs=1e-5)
            assert float(w) == pytest.approx((x1 - x0) / 320, abs=1e-5)
        assert sum(m["skus"].values()) == len(m["items"])
        assert m["total_weight_g"] == pytest.approx(
            sum(it["weight_g"] for it in m["items"]), abs=0.1
        )


def test_each_manifest_names_the_camera_that_took_the_picture(tmp_path):
    # The kiosk's size check needs the camera's calibration: an evaluation of many
    # kiosks' pictures hands each picture's own to the detector.
    from hardware.camera.pinhole import CameraModel
    from kiosk.vision.scenes import iter_scenes

    write_set(tmp_path, count=4, seed=3, split="val", level="easy", size=(320, 180))
    cams = [s.camera() for s in iter_scenes(tmp_path)]
    assert all(isinstance(c, CameraModel) and (c.width, c.height) == (320, 180) for c in cams)
    assert len({c.position_mm for c in cams}) > 1  # scenes come from several rigs
    assert json.loads((tmp_path / "dataset.json").read_text())["format"] == scenes.FORMAT_VERSION


def test_hidden_items_stay_in_the_manifest_without_a_label(maker, sim_catalog):
    # hard scenes sometimes hide a small item under a bag; find one deterministically
    for i in range(200):
        sc = maker.make(0, "train", i, "hard")
        if any(r.hidden for r in sc.render.items):
            break
    else:
        pytest.fail("no hidden item in 200 hard scenes")
    m = manifest(sc)
    classes = {s: k for k, s in enumerate(sim_catalog.skus())}
    assert len(yolo_lines(sc, classes)) == sum(not it["hidden"] for it in m["items"])
    assert any(it["hidden"] for it in m["items"])


def test_a_basket_that_cannot_fit_says_so(sim_catalog):
    tray = VirtualTray(sim_catalog)
    with pytest.raises(SceneDoesNotFit, match="bread-toast-400"):
        arrange(tray, ["bread-toast-400"] * 9, LEVELS["easy"], np.random.default_rng(0), tries=50)


def test_easy_scenes_keep_items_apart(maker):
    for i in range(5):
        sc = maker.make(3, "train", i, "easy")
        assert all(r.occlusion < 0.05 for r in sc.render.items)
        assert not any(t.stacked for t in sc.tray_items)


def test_cli_writes_a_contact_sheet(tmp_path, capsys):
    out = tmp_path / "sheet.png"
    assert (
        scenes.main(["--count", "2", "--seed", "4", "--size", "320x180", "--sheet", str(out)]) == 0
    )
    assert out.stat().st_size > 10_000
    assert "contact sheet of 2 scenes" in capsys.readouterr().out


def test_cli_rejects_a_bad_size(capsys):
    with pytest.raises(SystemExit):
        scenes.main(["--size", "huge", "--out", "x"])
    assert "1280x720" in capsys.readouterr().err


def test_cli_says_when_a_requested_basket_cannot_fit(tmp_path, capsys):
    basket = ",".join(["bread-toast-400"] * 8)
    rc = scenes.main(["--basket", basket, "--level", "easy", "--size", "320x180", "--count", "1",
                      "--sheet", str(tmp_path / "s.png")])  # fmt: skip
    assert rc == 2
    assert "cannot fit bread-toast-400" in capsys.readouterr().err
    assert not (tmp_path / "s.png").exists()


def test_a_requested_basket_is_laid_out_exactly(maker):
    sc = maker.make(0, "test", 0, "medium", basket=["cola-zero-330", "cola-classic-330", "banana"])
    assert sorted(r.sku for r in sc.render.items) == ["banana", "cola-classic-330", "cola-zero-330"]


def test_workers_do_not_change_the_set(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    write_set(one, count=3, seed=8, split="train", size=(320, 180), workers=1)
    write_set(two, count=3, seed=8, split="train", size=(320, 180), workers=2)
    for sub in ("labels", "manifests"):
        for f in sorted((one / sub).iterdir()):
            assert f.read_bytes() == (two / sub / f.name).read_bytes(), f.name
