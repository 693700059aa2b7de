"""A picture of a decoded receipt, as a thermal printer would lay it out on 80 mm
paper (576 dots): for eyeballing the layout and for reading the QR code back."""

from __future__ import annotations

import unicodedata

import cv2
import numpy as np

from .printer_decode import PrintedReceipt

DOTS = 576  # 80 mm at 203 dpi
CELL_W, CELL_H = 12, 24  # font A
_CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def _line_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _draw_text(canvas: np.ndarray, text: str, x: int, y: int, scale: int) -> None:
    try:  # Pillow and a CJK font when the machine has them (the demo images do)
        from PIL import Image, ImageDraw, ImageFont

        font = ImageFont.truetype(_CJK_FONT, 22 * scale)
        image = Image.fromarray(canvas)
        ImageDraw.Draw(image).text((x, y), text, fill=0, font=font)
        canvas[:] = np.asarray(image)
    except (ImportError, OSError):
        ascii_text = "".join(c if ord(c) < 128 else "?" for c in text)
        cv2.putText(canvas, ascii_text, (x, y + 20 * scale), cv2.FONT_HERSHEY_PLAIN, 1.3 * scale, 0)


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
        block = np.full((h + 4, DOTS), 255, np.uint8)
        w = _line_width(line.text) * CELL_W * line.width
        x = {"left": 0, "center": (DOTS - w) // 2, "right": DOTS - w}[line.align]
        if line.text:
            _draw_text(block, line.text, max(0, x), 0, line.height)
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
