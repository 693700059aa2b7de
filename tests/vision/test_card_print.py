"""The printable calibration card: the SVG, rendered as a printer would (Qt's SVG
renderer, at 8 px per mm), is a card the kiosk's own corner finder reads, with its
squares the size the calibration assumes, and it fits on A4."""

import numpy as np
import pytest

from kiosk.cli import main
from kiosk.vision.camera_calibration import CalibrationCard, find_card
from kiosk.vision.card_print import card_geometry, card_svg

PX_PER_MM = 8.0


def render(svg: str, width_mm: float, height_mm: float) -> np.ndarray:
    from PySide6.QtCore import QByteArray
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    w, h = round(width_mm * PX_PER_MM), round(height_mm * PX_PER_MM)
    image = QImage(w, h, QImage.Format.Format_Grayscale8)
    image.fill(128)  # not white: the card must bring its own paper
    painter = QPainter(image)
    QSvgRenderer(QByteArray(svg.encode())).render(painter)
    painter.end()
    row = image.bytesPerLine()
    return np.frombuffer(image.constBits(), np.uint8).reshape(h, row)[:, :w].copy()


@pytest.mark.parametrize("corners, square_mm", [("9x6", 25.0), ("7x5", 30.0)])
def test_the_printed_card_is_read_with_squares_of_its_size(qapp, corners, square_mm):
    card = CalibrationCard.parse(corners, square_mm)
    width, height, _ = card_geometry(card)
    picture = render(card_svg(card), width, height)
    assert picture.min() < 20 and picture.max() > 235, "black squares on white paper"
    found = find_card(picture, card)
    assert len(found) == card.cols * card.rows
    grid = found.reshape(card.rows, card.cols, 2)
    spacing = np.linalg.norm(np.diff(grid, axis=1), axis=2)
    assert spacing.mean() == pytest.approx(square_mm * PX_PER_MM, rel=0.005)
    # the caption's check bar, under the board, really is 100 mm long
    below = picture[round(found[:, 1].max() + (square_mm + 1) * PX_PER_MM) :]
    dark = below < 60
    bar_row = dark[np.argmax(dark.sum(axis=1))]
    assert bar_row.sum() == pytest.approx(100 * PX_PER_MM, abs=2)


def test_the_default_card_fits_a4_inside_a_printers_edges(tmp_path, capsys):
    out = tmp_path / "card.svg"
    assert main(["calibration-card", "--out", str(out)]) == 0
    width, height, _ = card_geometry(CalibrationCard())
    assert width <= 297 - 2 * 5 and height <= 210 - 2 * 5
    svg = out.read_text()
    assert f'width="{width:g}mm"' in svg and "100 mm long" in svg
    assert "check the 100 mm bar" in capsys.readouterr().out
    assert main(["calibration-card", "--out", str(out), "--card", "6x6"]) == 2
