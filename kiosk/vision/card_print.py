"""The fitter kit's calibration card, to print: an SVG sized in millimetres.

    kiosk calibration-card --out card.svg [--card 9x6 --square-mm 25]

A chessboard of (cols + 1) x (rows + 1) squares with a white margin (the corner finder
needs light paper around the squares), and in the bottom margin a 100 mm bar to check
the print with a ruler (printers and "fit to page" scale silently, and the calibration
takes the squares' size as given) and what the card is. 9x6 at 25 mm is 275 x 200 mm:
A4 landscape, inside the edges most printers leave blank.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from kiosk.vision.camera_calibration import CalibrationCard

MARGIN_SQUARES = 0.5  # white paper around the squares
CHECK_BAR_MM = 100.0


def card_geometry(card: CalibrationCard) -> tuple[float, float, float]:
    """(paper width, paper height, margin) in mm."""
    margin = MARGIN_SQUARES * card.square_mm
    width = (card.cols + 1) * card.square_mm + 2 * margin
    height = (card.rows + 1) * card.square_mm + 2 * margin
    return width, height, margin


def dark_squares(card: CalibrationCard) -> list[tuple[float, float]]:
    """Top-left corners (mm) of the dark squares; the top-left square is dark."""
    _, _, margin = card_geometry(card)
    sq = card.square_mm
    return [
        (margin + i * sq, margin + j * sq)
        for j in range(card.rows + 1)
        for i in range(card.cols + 1)
        if (i + j) % 2 == 0
    ]


def card_svg(card: CalibrationCard) -> str:
    width, height, margin = card_geometry(card)
    sq = card.square_mm
    board_bottom = margin + (card.rows + 1) * sq
    bar_y = board_bottom + 0.2 * margin  # the caption lies in the bottom margin
    text_y = board_bottom + 0.7 * margin
    squares = "\n".join(
        f'  <rect x="{x:g}" y="{y:g}" width="{sq:g}" height="{sq:g}" fill="#000"/>'
        for x, y in dark_squares(card)
    )
    words = escape(
        f"Kiosk calibration card {card.cols}x{card.rows}, {sq:g} mm squares. Print at 100 %: "
        f"the bar is {CHECK_BAR_MM:g} mm long. Keep the card flat."
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}mm" height="{height:g}mm" \
viewBox="0 0 {width:g} {height:g}">
  <rect x="0" y="0" width="{width:g}" height="{height:g}" fill="#fff"/>
{squares}
  <rect id="check-bar" x="{margin:g}" y="{bar_y:g}" width="{CHECK_BAR_MM:g}" height="0.8" \
fill="#000"/>
  <text x="{margin:g}" y="{text_y:g}" font-family="sans-serif" font-size="3">{words}</text>
</svg>
"""
