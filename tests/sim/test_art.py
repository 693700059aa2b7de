import json

import numpy as np
import pytest

from hardware.sim.art_library import DEFAULT_ART_DIR, ArtLibrary, MissingArtError
from hardware.sim.packaging_art import ean13_modules


def test_every_sku_has_art_at_its_physical_size(sim_catalog):
    index = json.loads((DEFAULT_ART_DIR / "index.json").read_text())
    ppm = index["px_per_mm"]
    assert index["catalog_version"] == sim_catalog.version
    lib = ArtLibrary(sim_catalog)
    arts = lib.at_scale(ppm)
    for p in sim_catalog.products:
        top = arts[p.sku].faces["top"][0].image
        assert top.shape[1] == pytest.approx(p.size_mm[0] * ppm, abs=2), p.sku
        assert top.shape[0] == pytest.approx(p.size_mm[1] * ppm, abs=2), p.sku
        assert (top[..., 3] > 0).mean() > 0.3, f"{p.sku} art is mostly empty"


def test_look_alikes_share_a_shape_but_not_the_print(sim_catalog, art):
    arts = art.at_scale(2.0)
    a = arts["chips-original-70"].faces["top"][0].image.astype(int)
    b = arts["chips-cucumber-70"].faces["top"][0].image.astype(int)
    assert a.shape == b.shape
    differs = np.abs(a - b).max(axis=2) > 40
    # the same bag: most of the picture matches, the flavour band and word do not
    assert 0.03 < differs.mean() < 0.5


def test_produce_has_several_different_drawings(art):
    apples = art.at_scale(2.0)["apple-fuji"].faces["top"]
    assert len(apples) >= 4
    assert np.abs(apples[0].image.astype(int) - apples[1].image.astype(int)).mean() > 5


def test_a_sku_without_art_is_named(tmp_path, sim_catalog):
    index = json.loads((DEFAULT_ART_DIR / "index.json").read_text())
    del index["products"]["cola-zero-330"]
    (tmp_path / "index.json").write_text(json.dumps(index))
    with pytest.raises(MissingArtError, match="cola-zero-330"):
        ArtLibrary(sim_catalog, tmp_path)


def test_a_missing_drawing_is_named(tmp_path, sim_catalog):
    (tmp_path / "index.json").write_text((DEFAULT_ART_DIR / "index.json").read_text())
    with pytest.raises(MissingArtError, match="cola-classic-330"):
        ArtLibrary(sim_catalog, tmp_path).at_scale(2.0)


def test_barcodes_are_real_ean13():
    bits = ean13_modules("6901234000016")
    assert len(bits) == 95
    assert bits.startswith("101") and bits.endswith("101") and bits[45:50] == "01010"
    # the right half is the complement of the left-odd code: R(1) = 1100110
    assert bits[50:57] == "1110010"  # digit 0 (the 8th digit of 6901234000016)
