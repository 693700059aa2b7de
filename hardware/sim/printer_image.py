"""A picture of a decoded receipt, as a thermal printer would lay it out on 80 mm
paper (576 dots): for eyeballing the layout and for reading the QR code back."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import cv2
import numpy as np

from .printer_decode import PrintedReceipt

DOTS = 576  # 80 mm at 203 dpi
CELL_W, CELL_H = 12, 24  # font A
_CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def _cells(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _line_width(text: str) -> int:
    return sum(_cells(c) for c in text)


@lru_cache(maxsize=4096)
def _glyph(char: str) -> np.ndarray:
    """One character in its fixed cell (12x24, or 24x24 for CJK), like the printer's ROM."""
    cell_w = CELL_W * _cells(char)
    try:  # Pillow and a CJK font when the machine has them (the demo images do)
        from PIL import Image, ImageDraw, ImageFont

        font = ImageFont.truetype(_CJK_FONT, 19)
        image = Image.new("L", (cell_w * 2, CELL_H), 255)
        ImageDraw.Draw(image).text((0, -1), char, fill=0, font=font)
        ink = np.asarray(image)
        used = int(font.getlength(char)) or cell_w
        if used > cell_w:  # a wide Latin glyph (m, W) is squeezed into its cell
            return cv2.resize(ink[:, :used], (cell_w, CELL_H), interpolation=cv2.INTER_AREA)
        return ink[:, :cell_w].copy()
    except (ImportError, OSError):
        cell = np.full((CELL_H, cell_w), 255, np.uint8)
        shown = char if ord(char) < 128 else "?"
        cv2.putText(cell, shown, (1, 18), cv2.FONT_HERSHEY_PLAIN, 1.2, 0)
        return cell


def _draw_text(canvas: np.ndarray, text: str, x: int, width: int, height: int) -> None:
    for char in text:
        glyph = _glyph(char)
        if width > 1 or height > 1:
            glyph = cv2.resize(glyph, None, fx=width, fy=height, interpolation=cv2.INTER_NEAREST)
        h, w = glyph.shape
        if x + w > canvas.shape[1]:
            return  # past the paper's edge, as on the printer
        canvas[:h, x : x + w] = np.minimum(canvas[:h, x : x + w], glyph)
        x += w


def _qr_image(payload: str, module: int = 6) -> np.ndarray:
    code = cv2.QRCodeEncoder.create().encode(payload)
    code = cv2.copyMakeBorder(code, 4, 4, 4, 4, cv2.BORDER_CONSTANT, value=255)
    return cv2.resize(code, None, fx=module, fy=module, interpolation=cv2.INTER_NEAREST)


def render_image(receipt: PrintedReceipt, qr_after_line: str | None = None) -> np.ndarray:
    """Grayscale uint8, white paper. QR codes go after the line `qr_after_line` (or last)."""
    blocks: list[np.ndarray] = []
    qr_codes = list(receipt.qr_codes)
    for line in receipt.lines:
        h = CELL_H * line.height
        block = np.full((h + 2, DOTS), 255, np.uint8)
        w = _line_width(line.text) * CELL_W * line.width
        x = {"left": 0, "center": (DOTS - w) // 2, "right": DOTS - w}[line.align]
        if line.text:
            _draw_text(block, line.text, max(0, x), line.width, line.height)
        blocks.append(block)
        if qr_codes and qr_after_line is not None and line.text == qr_after_line:
            blocks.append(_centered(_qr_image(qr_codes.pop(0))))
    blocks += [_centered(_qr_image(p)) for p in qr_codes]
    return np.vstack(blocks) if blocks else np.full((CELL_H, DOTS), 255, np.uint8)


def _centered(image: np.ndarray) -> np.ndarray:
    image = image[:, :DOTS]
    pad = (DOTS - image.shape[1]) // 2
    return cv2.copyMakeBorder(
        image, 8, 8, pad, DOTS - image.shape[1] - pad, cv2.BORDER_CONSTANT, value=255
    )
