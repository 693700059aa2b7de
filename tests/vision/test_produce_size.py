"""Produce sizing: the apparent size of a piece of loose produce, through the camera."""

import math

import numpy as np
import pytest

from hardware.camera.pinhole import CameraModel
from kiosk.domain.tray_view import Candidate, SeenItem, TrayView
from kiosk.vision.produce_size import GIRTH_HEIGHT, ProduceSizer

SIZES = {"apple-fuji": (82.0, 82.0, 75.0), "banana": (45.0, 190.0, 40.0)}
CAMERA = CameraModel()


def outline_box(sku, scale, x, y, heading_deg, camera=CAMERA):
    """The image box of a piece `scale` times nominal lying at (x, y): its girth
    ellipse projected point by point (not through the sizer's tables)."""
    w, length, h = (d * scale for d in SIZES[sku])
    t = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    a = math.radians(heading_deg)
    px, py = w / 2 * np.cos(t), length / 2 * np.sin(t)
    pts = np.column_stack(
        [x + px * math.cos(a) - py * math.sin(a), y + px * math.sin(a) + py * math.cos(a),
         np.full(len(t), GIRTH_HEIGHT * h)]
    )  # fmt: skip
    uv = camera.project(pts)
    return np.concatenate([uv.min(0), uv.max(0)])


@pytest.mark.parametrize(
    ("sku", "scale", "x", "y", "heading"),
    [("apple-fuji", 1.0, 300, 200, 0), ("apple-fuji", 1.12, 120, 90, 0),
     ("banana", 0.9, 420, 300, 35), ("banana", 1.1, 200, 250, 90)],
)  # fmt: skip
def test_the_size_of_a_piece_is_read_from_its_box_wherever_it_lies(sku, scale, x, y, heading):
    sizer = ProduceSizer(SIZES)
    box = outline_box(sku, scale, x, y, heading)
    # a bigger piece's girth is higher too; the sizer places it at the nominal's: ~1 %
    assert sizer.scale(sku, box, CAMERA) == pytest.approx(scale, rel=0.02)


def view_of(*boxes, skus=("apple-fuji",), size=(1280, 720)):
    items = tuple(
        SeenItem(tuple(float(v) for v in b), tuple(Candidate(s, 0.9) for s in skus)) for b in boxes
    )
    return TrayView(items, size, 5, 0.0)


def test_a_clear_piece_is_measured_for_each_produce_candidate_only():
    sizer = ProduceSizer(SIZES)
    view = view_of(outline_box("apple-fuji", 1.05, 300, 200, 0),
                   skus=("apple-fuji", "banana", "cola-classic-330"))  # fmt: skip
    (item,) = sizer.measure(view, CAMERA).items
    assert [s for s, _ in item.sizes] == ["apple-fuji", "banana"]
    assert dict(item.sizes)["apple-fuji"] == pytest.approx(1.05, rel=0.02)


def test_a_covered_piece_or_one_cut_by_the_edge_is_not_measured():
    sizer = ProduceSizer(SIZES)
    a = outline_box("apple-fuji", 1.0, 300, 200, 0)
    b = a + np.array([30, 0, 30, 0])  # another piece lying half on it
    edge = outline_box("apple-fuji", 1.0, 600, 200, 0)
    edge[2] = 1280
    measured = sizer.measure(view_of(a, b, edge), CAMERA)
    assert all(not it.sizes for it in measured.items)
    clear = sizer.measure(view_of(a, a + np.array([300, 0, 300, 0])), CAMERA)
    assert all(it.sizes for it in clear.items)


def test_without_a_calibrated_camera_nothing_is_measured():
    sizer = ProduceSizer(SIZES)
    view = view_of(outline_box("apple-fuji", 1.0, 300, 200, 0))
    assert sizer.measure(view, None) is view


def test_a_half_resolution_frame_is_measured_in_the_calibration_s_pixels():
    sizer = ProduceSizer(SIZES)
    box = outline_box("apple-fuji", 1.1, 300, 200, 0) / 2
    (item,) = sizer.measure(view_of(box, size=(640, 360)), CAMERA).items
    assert dict(item.sizes)["apple-fuji"] == pytest.approx(1.1, rel=0.02)


def test_a_size_that_is_not_a_size_is_refused():
    with pytest.raises(ValueError, match="banana"):
        ProduceSizer({"banana": (45.0, 0.0, 40.0)})
