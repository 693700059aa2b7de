"""Generates the packaging art of every catalog SKU: top-down PNGs at physical size.

Run offline, commit the PNGs:

    .venv/bin/pip install -e '.[art]'          # Pillow, for CJK text
    .venv/bin/python -m hardware.sim.packaging_art --out assets/art

Needs a CJK font (Debian: `apt-get install fonts-noto-cjk`). The kiosk itself never
runs this: the simulated camera only loads the PNGs (see `art_library.py`).

Each SKU gets faces, as seen from straight above at `PX_PER_MM`:
- `top`: the face up as the item rests (catalog size_mm), with a few variants;
- `bottom`: the same item turned over (barcode, small print, a can's dome);
- `side`: an upright can or carton lying on its side (footprint width x height).
Loose produce gets several `top` variants of differently shaped fruit instead.
The output is deterministic for a seed: each drawing takes its own random stream
derived from (seed, sku, face, variant).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from hardware.sim.catalog import DEMO_CATALOG, SimProduct, load_sim_catalog

PX_PER_MM = 3.0
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "assets" / "art"
PRODUCE_VARIANTS = 8
PACKAGE_VARIANTS = 2  # print-run differences: slight hue shifts, crinkles, dents

# How shiny each kind of packaging is: the renderer adds lamp glare in proportion.
GLOSS = {
    "can": 0.9,
    "bottle": 0.8,
    "bag": 0.7,
    "pack": 0.6,
    "cup": 0.4,
    "box": 0.25,
    "carton": 0.3,
    "bar": 0.5,
    "produce": 0.35,
}


# ----------------------------------------------------------------------------- fonts


def _font_file(pattern: str) -> str:
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        out = ""
    return out


class Fonts:
    """CJK-capable fonts via fontconfig; fails loudly rather than drawing tofu boxes."""

    def __init__(self) -> None:
        from PIL import ImageFont

        self._ImageFont = ImageFont
        self.bold = _font_file("Noto Sans CJK SC:style=Bold")
        self.regular = _font_file("Noto Sans CJK SC:style=Regular")
        if "CJK" not in self.bold:
            raise SystemExit(
                "no CJK font found: install fonts-noto-cjk (Debian) to generate the art"
            )
        self._index = {}
        for path in {self.bold, self.regular}:
            self._index[path] = 0
            for i in range(8):
                try:
                    name = ImageFont.truetype(path, 10, index=i).getname()[0]
                except OSError:
                    break
                if name.endswith("CJK SC"):
                    self._index[path] = i
                    break
        self._cache: dict = {}

    def get(self, size: int, bold: bool = True):
        path = self.bold if bold else self.regular
        key = (path, size)
        if key not in self._cache:
            self._cache[key] = self._ImageFont.truetype(path, max(4, size), index=self._index[path])
        return self._cache[key]


# ----------------------------------------------------------------------------- helpers


def _rng(seed: int, *parts: str | int) -> np.random.Generator:
    digest = hashlib.sha256("/".join(str(p) for p in (seed, *parts)).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    return (int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16))


def _mix(a, b, t: float) -> tuple[int, int, int]:
    return tuple(round(x * (1 - t) + y * t) for x, y in zip(a, b, strict=True))


def _luma(c) -> float:
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


def _ink_on(c) -> tuple[int, int, int]:
    """Text colour readable on background c."""
    return (25, 25, 25) if _luma(c) > 150 else (250, 250, 250)


def _jitter_color(c, rng: np.random.Generator, amount: float = 6.0) -> tuple[int, int, int]:
    return tuple(int(np.clip(v + rng.normal(0, amount), 0, 255)) for v in c)


def _smooth_noise(h: int, w: int, rng: np.random.Generator, cell: float) -> np.ndarray:
    """Low-frequency noise in [-1, 1], by upscaling a small random grid."""
    gh, gw = max(2, int(h / cell) + 2), max(2, int(w / cell) + 2)
    grid = rng.uniform(-1, 1, (gh, gw)).astype(np.float32)
    return cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC).clip(-1, 1)


def _split_name(p: SimProduct) -> tuple[str, str, str]:
    """(brand, flavour words, size words) from the Chinese name, e.g. 晨光可乐 / 零度 / 330毫升."""
    parts = p.name_zh.split()
    brand = parts[0]
    size = ""
    rest = parts[1:]
    if rest and any(ch.isdigit() for ch in rest[-1]):
        size = rest[-1]
        rest = rest[:-1]
    return brand, " ".join(rest), size


def _split_en(p: SimProduct) -> tuple[str, str]:
    words = p.name_en.split()
    if len(words) >= 3:
        return " ".join(words[:2]), " ".join(words[2:])
    return p.name_en, ""


# ----------------------------------------------------------------------------- EAN-13

_L = [
    "0001101",
    "0011001",
    "0010011",
    "0111101",
    "0100011",
    "0110001",
    "0101111",
    "0111011",
    "0110111",
    "0001011",
]
_G = [
    "0100111",
    "0110011",
    "0011011",
    "0100001",
    "0011101",
    "0111001",
    "0000101",
    "0010001",
    "0001001",
    "0010111",
]
_R = [
    "1110010",
    "1100110",
    "1101100",
    "1000010",
    "1011100",
    "1001110",
    "1010000",
    "1000100",
    "1001000",
    "1110100",
]
_PARITY = [
    "LLLLLL",
    "LLGLGG",
    "LLGGLG",
    "LLGGGL",
    "LGLLGG",
    "LGGLLG",
    "LGGGLL",
    "LGLGLG",
    "LGLGGL",
    "LGGLGL",
]


def ean13_modules(code: str) -> str:
    """The 95 bar modules of an EAN-13 code (1 = dark), so the stripes are real barcodes."""
    digits = [int(c) for c in code if c.isdigit()][:13]
    if len(digits) < 13:
        digits = (digits + [0] * 13)[:13]
    parity = _PARITY[digits[0]]
    bits = "101"
    for d, par in zip(digits[1:7], parity, strict=True):
        bits += (_L if par == "L" else _G)[d]
    bits += "01010"
    for d in digits[7:13]:
        bits += _R[d]
    return bits + "101"


# ----------------------------------------------------------------------------- the printer


class Printer:
    """Draws the printed graphics of a package onto PIL images."""

    def __init__(self, fonts: Fonts) -> None:
        from PIL import Image, ImageDraw

        self.Image = Image
        self.ImageDraw = ImageDraw
        self.fonts = fonts

    def new(self, w: int, h: int, color=(0, 0, 0, 0)):
        return self.Image.new("RGBA", (max(1, w), max(1, h)), color)

    def text_fit(self, img, box, text: str, fill, bold: bool = True, max_px: int = 400) -> None:
        """Largest font that fits `text` inside box=(x0, y0, x1, y1), centred."""
        if not text:
            return
        x0, y0, x1, y1 = box
        bw, bh = x1 - x0, y1 - y0
        if bw < 4 or bh < 4:
            return
        draw = self.ImageDraw.Draw(img)
        lo, hi = 4, min(max_px, int(bh * 1.4) + 1)
        best = None
        while lo <= hi:
            mid = (lo + hi) // 2
            font = self.fonts.get(mid, bold)
            left, t, r, b = draw.textbbox((0, 0), text, font=font)
            if r - left <= bw and b - t <= bh:
                best = (font, left, t, r, b)
                lo = mid + 1
            else:
                hi = mid - 1
        if best is None:
            return
        font, left, t, r, b = best
        x = x0 + (bw - (r - left)) / 2 - left
        y = y0 + (bh - (b - t)) / 2 - t
        draw.text((x, y), text, font=font, fill=fill)

    def barcode(self, img, box, code: str) -> None:
        x0, y0, x1, y1 = (int(v) for v in box)
        draw = self.ImageDraw.Draw(img)
        draw.rectangle((x0, y0, x1, y1), fill=(255, 255, 255, 255))
        bits = ean13_modules(code)
        pad = (x1 - x0) * 0.06
        mw = (x1 - x0 - 2 * pad) / len(bits)
        text_h = (y1 - y0) * 0.22
        for i, bit in enumerate(bits):
            if bit == "1":
                bx = x0 + pad + i * mw
                guard = i < 3 or 45 <= i < 50 or i >= 92
                by1 = y1 - (text_h * 0.4 if guard else text_h)
                draw.rectangle(
                    (bx, y0 + (y1 - y0) * 0.06, bx + mw * 0.95, by1), fill=(0, 0, 0, 255)
                )
        self.text_fit(img, (x0 + pad, y1 - text_h, x1 - pad, y1), code, (0, 0, 0, 255), bold=False)

    def logo(self, img, center, radius: float, product: SimProduct, rng_key: str) -> None:
        """A brand emblem: the same for a whole family, so look-alikes share it."""
        draw = self.ImageDraw.Draw(img)
        cx, cy = center
        h = int(hashlib.md5(rng_key.encode()).hexdigest(), 16)
        c0, c1 = _rgb(product.colors[0]), _rgb(product.colors[-1])
        ring = (255, 255, 255, 255) if _luma(c0) < 160 else (40, 40, 40, 255)
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=ring)
        r2 = radius * 0.82
        draw.ellipse((cx - r2, cy - r2, cx + r2, cy + r2), fill=(*c0, 255))
        kind = h % 4
        inner = (*_mix(c1, (255, 255, 255), 0.2), 255)
        if kind == 0:  # star
            pts = []
            for k in range(10):
                a = -math.pi / 2 + k * math.pi / 5
                rr = r2 * (0.7 if k % 2 == 0 else 0.3)
                pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
            draw.polygon(pts, fill=inner)
        elif kind == 1:  # sun rays
            for k in range(12):
                a = k * math.pi / 6
                draw.line(
                    (cx, cy, cx + r2 * 0.75 * math.cos(a), cy + r2 * 0.75 * math.sin(a)),
                    fill=inner,
                    width=max(1, int(r2 * 0.12)),
                )
            draw.ellipse(
                (cx - r2 * 0.35, cy - r2 * 0.35, cx + r2 * 0.35, cy + r2 * 0.35), fill=inner
            )
        elif kind == 2:  # leaf
            draw.chord(
                (cx - r2 * 0.6, cy - r2 * 0.7, cx + r2 * 0.6, cy + r2 * 0.7), 200, 340, fill=inner
            )
            draw.chord(
                (cx - r2 * 0.6, cy - r2 * 0.7, cx + r2 * 0.6, cy + r2 * 0.7), 20, 160, fill=inner
            )
        else:  # wave
            for k in range(3):
                yy = cy - r2 * 0.35 + k * r2 * 0.35
                draw.arc(
                    (cx - r2 * 0.7, yy - r2 * 0.2, cx + r2 * 0.7, yy + r2 * 0.2),
                    0,
                    180,
                    fill=inner,
                    width=max(1, int(r2 * 0.12)),
                )

    def hero(self, img, box, product: SimProduct, rng: np.random.Generator) -> None:
        """The picture on the pack: drawn per category so a chips bag shows chips."""
        x0, y0, x1, y1 = box
        w, h = x1 - x0, y1 - y0
        if w < 6 or h < 6:
            return
        draw = self.ImageDraw.Draw(img)
        c1 = _rgb(product.colors[-1])
        cat = product.category
        if cat == "snacks" or product.shape == "bag":
            base = (
                (235, 190, 90) if product.sku.startswith("chips") else _mix(c1, (200, 150, 80), 0.5)
            )
            for _ in range(9):
                cx, cy = x0 + rng.uniform(0.15, 0.85) * w, y0 + rng.uniform(0.2, 0.8) * h
                rx, ry = rng.uniform(0.12, 0.22) * w, rng.uniform(0.08, 0.16) * h
                col = _jitter_color(base, rng, 12)
                draw.ellipse(
                    (cx - rx, cy - ry, cx + rx, cy + ry),
                    fill=(*col, 255),
                    outline=(*_mix(col, (120, 70, 20), 0.5), 255),
                )
                if product.sku.startswith("chips"):
                    for _ in range(3):  # seasoning flecks in the flavour colour
                        fx, fy = cx + rng.uniform(-rx, rx) * 0.6, cy + rng.uniform(-ry, ry) * 0.6
                        fr = max(1.0, w * 0.012)
                        draw.ellipse((fx - fr, fy - fr, fx + fr, fy + fr), fill=(*c1, 255))
        elif cat in ("instant", "food", "fresh"):
            draw.ellipse(
                (x0 + w * 0.1, y0 + h * 0.25, x1 - w * 0.1, y1 - h * 0.05),
                fill=(245, 245, 240, 255),
            )
            draw.ellipse(
                (x0 + w * 0.16, y0 + h * 0.3, x1 - w * 0.16, y1 - h * 0.2),
                fill=(*_mix(c1, (150, 60, 20), 0.4), 255),
            )
            for _ in range(10):
                cx, cy = x0 + rng.uniform(0.25, 0.75) * w, y0 + rng.uniform(0.4, 0.65) * h
                r = w * rng.uniform(0.02, 0.05)
                draw.ellipse(
                    (cx - r, cy - r, cx + r, cy + r),
                    fill=(*_jitter_color((240, 220, 160), rng, 20), 255),
                )
        elif cat in ("drinks", "dairy", "alcohol"):
            for k in range(3):
                yy = y0 + h * (0.3 + 0.2 * k)
                col = _mix(c1, (255, 255, 255), 0.25 * k)
                draw.chord(
                    (x0 - w * 0.2, yy - h * 0.3, x1 + w * 0.2, yy + h * 0.3),
                    0,
                    180,
                    fill=(*col, 255),
                )
            for _ in range(8):
                cx, cy = x0 + rng.uniform(0.1, 0.9) * w, y0 + rng.uniform(0.1, 0.6) * h
                r = min(w, h) * rng.uniform(0.02, 0.06)
                draw.ellipse(
                    (cx - r, cy - r, cx + r, cy + r),
                    outline=(255, 255, 255, 220),
                    width=max(1, int(r * 0.3)),
                )
        else:
            for k in range(4):
                col = _mix(c1, (255, 255, 255), 0.2 * k)
                m = k * 0.1
                draw.rounded_rectangle(
                    (x0 + w * m, y0 + h * m, x1 - w * m, y1 - h * m),
                    radius=min(w, h) * 0.15,
                    outline=(*col, 255),
                    width=max(1, int(min(w, h) * 0.04)),
                )

    def front(self, w: int, h: int, product: SimProduct, rng: np.random.Generator, variant: int):
        """The front print of a package, text upright. Look-alikes differ in the band."""
        bg = _jitter_color(_rgb(product.colors[0]), rng, 3 + 2 * variant)
        band = _rgb(product.colors[-1])
        img = self.new(w, h, (*bg, 255))
        # a soft diagonal tint so flat colour fields don't look like clip-art
        arr = np.asarray(img).astype(np.float32)
        grad = np.linspace(-1, 1, w)[None, :] * 0.5 + np.linspace(-1, 1, h)[:, None] * 0.5
        arr[..., :3] *= (1 + 0.08 * grad)[..., None]
        img = self.Image.fromarray(arr.clip(0, 255).astype(np.uint8), "RGBA")
        draw = self.ImageDraw.Draw(img)
        brand, flavour, size = _split_name(product)
        en_brand, en_rest = _split_en(product)
        ink = (*_ink_on(bg), 255)
        band_ink = (*_ink_on(band), 255)
        key = product.family or product.sku
        if w >= h * 1.5:  # wide label: logo | brand over name | flavour block
            m = h * 0.08
            self.logo(img, (h * 0.5, h * 0.5), h * 0.38, product, key)
            bx0 = h * 0.95
            bx1 = w * 0.72
            self.text_fit(img, (bx0, m, bx1, h * 0.55), brand, ink)
            self.text_fit(img, (bx0, h * 0.58, bx1, h * 0.8), en_brand.upper(), ink)
            self.text_fit(img, (bx0, h * 0.82, bx1, h - m), size or en_rest, ink, bold=False)
            draw.rectangle((w * 0.74, 0, w, h), fill=(*band, 255))
            self.text_fit(
                img, (w * 0.75, h * 0.1, w * 0.99, h * 0.62), flavour or brand[:2], band_ink
            )
            self.text_fit(
                img,
                (w * 0.75, h * 0.66, w * 0.99, h * 0.9),
                en_rest or en_brand,
                band_ink,
                bold=False,
            )
        else:  # rows: logo+brand, hero picture, flavour band, english name
            m = w * 0.06
            r = min(w, h) * 0.11
            self.logo(img, (m + r, m + r), r, product, key)
            self.text_fit(img, (m + 2.2 * r, m, w - m, m + 2 * r), brand, ink)
            self.text_fit(img, (m, m + 2.1 * r, w - m, m + 2.9 * r), en_brand.upper(), ink)
            hero_box = (m, h * 0.36, w - m, h * 0.66)
            self.hero(img, hero_box, product, rng)
            draw.rectangle((0, h * 0.68, w, h * 0.84), fill=(*band, 255))
            self.text_fit(img, (m, h * 0.685, w * 0.62, h * 0.835), flavour or brand, band_ink)
            self.text_fit(
                img, (w * 0.64, h * 0.7, w - m, h * 0.82), en_rest or en_brand, band_ink, bold=False
            )
            self.text_fit(
                img, (m, h * 0.86, w - m, h * 0.96), size or product.name_en, ink, bold=False
            )
        return img

    def back(self, w: int, h: int, product: SimProduct, rng: np.random.Generator):
        """The back: lighter, small print lines, nutrition table, a real EAN-13."""
        bg = _mix(_rgb(product.colors[0]), (250, 250, 245), 0.55)
        img = self.new(w, h, (*bg, 255))
        self.ImageDraw.Draw(img)
        ink = (*_mix(_ink_on(bg), bg, 0.2), 255)
        band = _rgb(product.colors[-1])
        rot = h > w * 1.3
        W, H = (h, w) if rot else (w, h)
        sheet = self.new(W, H, (0, 0, 0, 0))
        d2 = self.ImageDraw.Draw(sheet)
        m = min(W, H) * 0.06
        brand, flavour, _ = _split_name(product)
        self.text_fit(sheet, (m, m, W * 0.6, H * 0.2), f"{brand} {flavour}".strip(), ink)
        d2.rectangle((m, H * 0.22, W * 0.6, H * 0.26), fill=(*band, 255))
        y = H * 0.3
        while y < H * 0.62:  # ingredients: grey lines standing in for small print
            d2.line(
                (m, y, m + (W * 0.55) * rng.uniform(0.6, 1.0), y),
                fill=ink,
                width=max(1, int(H * 0.018)),
            )
            y += H * 0.05
        tx0, ty0, tx1, ty1 = W * 0.64, m, W - m, H * 0.62
        d2.rectangle((tx0, ty0, tx1, ty1), outline=ink, width=max(1, int(H * 0.01)))
        for k in range(1, 6):
            yy = ty0 + (ty1 - ty0) * k / 6
            d2.line((tx0, yy, tx1, yy), fill=ink, width=1)
        self.barcode(sheet, (m, H * 0.68, m + min(W * 0.5, H * 0.9), H - m), product.barcode)
        self.text_fit(sheet, (W * 0.6, H * 0.7, W - m, H * 0.85), product.name_en, ink, bold=False)
        if rot:
            sheet = sheet.rotate(90, expand=True)
        img.alpha_composite(sheet)
        return img


# ----------------------------------------------------------------------------- shading


def _to_np(img) -> np.ndarray:
    return np.asarray(img.convert("RGBA")).astype(np.float32)


def _shade(arr: np.ndarray, factor: np.ndarray) -> np.ndarray:
    arr[..., :3] *= factor[..., None]
    return arr


def _edge_factor(alpha: np.ndarray, width_px: float, depth: float) -> np.ndarray:
    """Darkening towards the silhouette: soft packages curve away from the lamp there."""
    inside = (alpha > 127).astype(np.uint8)
    dist = cv2.distanceTransform(inside, cv2.DIST_L2, 5)
    t = np.clip(dist / max(1.0, width_px), 0, 1)
    return (1 - depth) + depth * np.sqrt(t)


def _add_highlight(arr, mask, strength: float) -> np.ndarray:
    arr[..., :3] += (255 - arr[..., :3]) * (mask * strength)[..., None]
    return arr


def _crinkles(h: int, w: int, rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    """Light caught by the folds of film or foil: broad soft sheens along the folds,
    each with a thin bright crease in it, mostly running across the package."""
    broad = np.zeros((h, w), np.float32)
    sharp = np.zeros((h, w), np.float32)
    for _ in range(n):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        a = rng.uniform(-0.5, 0.5) + (math.pi / 2 if rng.random() < 0.3 else 0)
        length = rng.uniform(0.15, 0.5) * max(h, w)
        dx, dy = math.cos(a) * length / 2, math.sin(a) * length / 2
        # a fold is a gentle curve, not a ruler line
        bend = rng.normal(0, 0.08) * length
        pts = np.array(
            [(x - dx + t * 2 * dx - dy / length * bend * math.sin(t * math.pi),
              y - dy + t * 2 * dy + dx / length * bend * math.sin(t * math.pi))
             for t in np.linspace(0, 1, 9)],
            np.int32,
        )  # fmt: skip
        cv2.polylines(broad, [pts], False, float(rng.uniform(0.3, 0.7)), max(2, int(scale * 5)))
        if rng.random() < 0.5:
            cv2.polylines(
                sharp, [pts], False, float(rng.uniform(0.4, 0.9)), max(1, int(scale * 0.6))
            )
    k = int(scale * 6) | 1
    soft = cv2.GaussianBlur(broad, (k, k), 0)
    return np.clip(soft * 0.7 + cv2.GaussianBlur(sharp, (3, 3), 0) * 0.6, 0, 1)


def _date_code(rng: np.random.Generator) -> str:
    month, day, line = (int(rng.integers(1, n)) for n in (13, 29, 9))
    return f"2026{month:02d}{day:02d} L{line}"


def _finish(arr: np.ndarray) -> np.ndarray:
    return arr.clip(0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------- shapes


class ArtMaker:
    def __init__(self, seed: int) -> None:
        self.fonts = Fonts()
        self.printer = Printer(self.fonts)
        self.seed = seed

    def px(self, mm: float) -> int:
        return max(2, round(mm * PX_PER_MM))

    # -- packages with a printed face -------------------------------------------------

    def printed_face(self, p: SimProduct, w: int, h: int, rng, variant: int, back: bool):
        if back:
            return self.printer.back(w, h, p, rng)
        if h > w * 1.6:  # long packs print along their length
            return self.printer.front(h, w, p, rng, variant).rotate(90, expand=True)
        return self.printer.front(w, h, p, rng, variant)

    def egg_box(self, p, w, h, rng, variant):
        """A clear plastic box of eggs: the eggs show through, a paper band across it."""
        arr = np.zeros((h, w, 4), np.float32)
        arr[..., :3] = (225, 228, 226)
        arr[..., 3] = 110  # clear PET: the tray shows through
        shell = np.array(_rgb(p.colors[0]), np.float32)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        cols, rows = 2, 3
        for i in range(cols):
            for j in range(rows):
                cx, cy = (i + 0.5) * w / cols, (j + 0.5) * h / rows
                rx, ry = w / cols * 0.4, h / rows * 0.42
                d = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2
                egg = d <= 1
                tone = np.array(_jitter_color(tuple(shell), rng, 12), np.float32)
                shade = 0.6 + 0.4 * np.sqrt(np.clip(1 - d, 0, 1))
                arr[egg, :3] = tone * shade[egg, None]
                arr[egg, 3] = 255
        arr = _add_highlight(arr, _crinkles(h, w, rng, 5, self.px(1.2)), 0.6)
        img = self._pil(arr)
        band_h = int(h * 0.22)
        band = self.printer.front(w, band_h, p, rng, variant)
        img.alpha_composite(band, (0, int(h * 0.39)))
        out = _to_np(img)
        out[..., 3] = np.maximum(out[..., 3], 110)
        return _finish(out)

    def box(self, p, w, h, rng, variant, back=False):
        if p.sku.startswith("eggs") and not back:
            return self.egg_box(p, w, h, rng, variant)
        arr = _to_np(self.printed_face(p, w, h, rng, variant, back))
        # folded cardboard edges are slightly darker and the corners a touch rounded
        mask = np.zeros((h, w), np.uint8)
        r = max(2, int(min(w, h) * 0.03))
        cv2.rectangle(mask, (r, 0), (w - 1 - r, h - 1), 255, -1)
        cv2.rectangle(mask, (0, r), (w - 1, h - 1 - r), 255, -1)
        for cx, cy in ((r, r), (w - 1 - r, r), (r, h - 1 - r), (w - 1 - r, h - 1 - r)):
            cv2.circle(mask, (cx, cy), r, 255, -1)
        arr[..., 3] = mask
        arr = _shade(arr, _edge_factor(arr[..., 3], self.px(3), 0.25))
        arr = _add_highlight(arr, _crinkles(h, w, rng, 2, self.px(2)) * 0.25, 0.5)
        return _finish(arr)

    def bar(self, p, w, h, rng, variant, back=False):
        arr = _to_np(self.printed_face(p, w, h, rng, variant, back))
        # crimped foil ends of a chocolate bar wrapper
        crimp = max(2, int(h * 0.06))
        alpha = np.full((h, w), 255, np.float32)
        for y in (range(0, crimp), range(h - crimp, h)):
            for yy in y:
                arr[yy, :, :3] = arr[yy, :, :3] * 0.7 + 60
        teeth = max(2, w // 8)
        for x in range(w):
            if (x // teeth) % 2:
                alpha[:2, x] = 0
                alpha[-2:, x] = 0
        arr[..., 3] = alpha
        arr = _shade(arr, _edge_factor(alpha, self.px(4), 0.35))
        arr = _add_highlight(arr, _crinkles(h, w, rng, 6, self.px(1.5)), 0.45)
        return _finish(arr)

    def bag(self, p, w, h, rng, variant, back=False):
        seal = max(3, int(h * 0.07))
        inner = self.printed_face(p, w, h - 2 * seal, rng, variant, back)
        img = self.printer.new(w, h, (*_rgb(p.colors[0]), 255))
        img.alpha_composite(inner, (0, seal))
        arr = _to_np(img)
        # pillow outline: the filled bag bulges, so its long sides pull inwards at the seals
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        ny = (yy - h / 2) / (h / 2)
        pinch = 0.05 * w * (ny**6)
        wobble = _smooth_noise(h, 1, rng, h / 6)[:, 0] * w * 0.01
        left = pinch + wobble[:, None]
        right = w - pinch + wobble[:, None] * 0.5
        alpha = ((xx >= left) & (xx <= right)).astype(np.float32) * 255
        for x0 in range(0, w, max(2, int(PX_PER_MM * 2.5))):  # serrated seal edges
            alpha[:2, x0 : x0 + int(PX_PER_MM * 1.2)] = 0
            alpha[-2:, x0 : x0 + int(PX_PER_MM * 1.2)] = 0
        arr[..., 3] = alpha
        # seals: ribbed bands at the ends
        for y0, y1 in ((0, seal), (h - seal, h)):
            ribs = 0.85 + 0.15 * np.sin(np.arange(w) * 2 * math.pi / (PX_PER_MM * 1.5))
            arr[y0:y1, :, :3] *= ribs[None, :, None]
        # bulge shading plus the wrinkles near the seals
        bulge = 1 - 0.3 * (np.abs(ny) ** 4) - 0.12 * ((xx - w / 2) / (w / 2)) ** 2
        wr = _smooth_noise(h, w, rng, PX_PER_MM * 10) * (np.abs(ny) ** 2) * 0.15
        arr = _shade(arr, bulge * (1 + wr) * _edge_factor(alpha, self.px(8), 0.3))
        arr = _add_highlight(arr, _crinkles(h, w, rng, 14 + 4 * variant, self.px(2)), 0.55)
        return _finish(arr)

    def pack(self, p, w, h, rng, variant, back=False):
        """Film-wrapped goods: a printed label on a clear wrap over the contents."""
        sku = p.sku
        base = _rgb(p.colors[0])
        img = self.printer.new(w, h, (0, 0, 0, 0))
        draw = self.printer.ImageDraw.Draw(img)
        if sku.startswith("onigiri"):  # triangle rice ball: rice, nori, label
            tri = [(w / 2, h * 0.02), (w * 0.02, h * 0.98), (w * 0.98, h * 0.98)]
            draw.polygon(tri, fill=(245, 245, 238, 255))
            draw.rectangle((w * 0.38, h * 0.45, w * 0.62, h * 0.98), fill=(25, 35, 25, 255))
            label = self.printed_face(p, int(w * 0.6), int(h * 0.3), rng, variant, back)
            img.alpha_composite(label, (int(w * 0.2), int(h * 0.62)))
        elif sku.startswith("sandwich"):
            tri = [(w * 0.02, h * 0.02), (w * 0.98, h * 0.02), (w * 0.02, h * 0.98)]
            draw.polygon(tri, fill=(235, 210, 160, 255))
            draw.polygon(
                [(w * 0.08, h * 0.08), (w * 0.85, h * 0.08), (w * 0.08, h * 0.85)],
                fill=(250, 235, 150, 255),
            )
            label = self.printed_face(p, int(w * 0.55), int(h * 0.32), rng, variant, back)
            img.alpha_composite(label, (int(w * 0.05), int(h * 0.1)))
        elif sku.startswith("battery"):  # blister card
            img = self.printed_face(p, w, h, rng, variant, back)
            if not back:
                draw = self.printer.ImageDraw.Draw(img)
                for k in range(4):
                    x0 = w * (0.12 + 0.19 * k)
                    draw.rounded_rectangle(
                        (x0, h * 0.4, x0 + w * 0.15, h * 0.95),
                        radius=w * 0.03,
                        fill=(212, 172, 13, 255),
                        outline=(30, 30, 30, 255),
                    )
                    draw.rectangle((x0, h * 0.4, x0 + w * 0.15, h * 0.55), fill=(25, 25, 25, 255))
        elif sku.startswith("sausage"):  # a row of sausages under film, label on top
            img = self.printer.new(w, h, (*base, 255))
            draw = self.printer.ImageDraw.Draw(img)
            n = 6
            for k in range(n):
                x0 = w * (0.04 + 0.92 * k / n)
                draw.rounded_rectangle(
                    (x0, h * 0.03, x0 + w * 0.92 / n * 0.9, h * 0.97),
                    radius=w * 0.06,
                    fill=(*_mix(base, (120, 20, 20), 0.3), 255),
                )
            label = self.printed_face(p, int(w * 0.9), int(h * 0.45), rng, variant, back)
            img.alpha_composite(label, (int(w * 0.05), int(h * 0.28)))
        else:  # soft pack (tissues): the whole film is printed
            img = self.printed_face(p, w, h, rng, variant, back)
        arr = _to_np(img)
        arr = _shade(arr, _edge_factor(arr[..., 3], self.px(6), 0.3))
        arr = _add_highlight(arr, _crinkles(h, w, rng, 10, self.px(1.5)), 0.6)
        return _finish(arr)

    # -- round things seen from above --------------------------------------------------

    def can_top(self, p, w, h, rng, variant, back=False):
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        cx, cy = (w - 1) / 2, (h - 1) / 2
        r = np.hypot(xx - cx, yy - cy) / (min(w, h) / 2)
        ang = np.arctan2(yy - cy, xx - cx)
        arr = np.zeros((h, w, 4), np.float32)
        metal = 170 + 40 * np.cos(ang - 0.8) * r + 12 * np.sin(r * 40)
        arr[..., 0] = metal
        arr[..., 1] = metal
        arr[..., 2] = metal + 6
        arr[..., 3] = (r <= 1.0) * 255.0
        band = np.array(_rgb(p.colors[0]), np.float32)
        flav = np.array(_rgb(p.colors[-1]), np.float32)
        # the printed shoulder: the can body's colour shows as a ring around the lid
        ring = (r > 0.86) & (r <= 1.0)
        arr[ring, :3] = band * (0.75 + 0.25 * np.cos(ang[ring] - 0.8))[:, None]
        rim = (r > 0.80) & (r <= 0.86)
        arr[rim, :3] = 215
        groove = (r > 0.74) & (r <= 0.78)
        arr[groove, :3] *= 0.7
        img = self._pil(arr)
        draw = self.printer.ImageDraw.Draw(img)
        R = min(w, h) / 2
        if back:  # the dome: concentric rings and an ink-jet date code
            for k in (0.6, 0.45, 0.3):
                draw.ellipse(
                    (cx - R * k, cy - R * k, cx + R * k, cy + R * k),
                    outline=(120, 120, 125, 255),
                    width=2,
                )
            self.printer.text_fit(
                img,
                (cx - R * 0.5, cy - R * 0.12, cx + R * 0.5, cy + R * 0.12),
                _date_code(rng),
                (40, 40, 40, 255),
                bold=False,
            )
        else:  # pull tab in the flavour colour, the opening score, a printed brand word
            draw.ellipse(
                (cx - R * 0.52, cy - R * 0.68, cx + R * 0.2, cy - R * 0.02),
                outline=(135, 135, 140, 255),
                width=2,
            )
            draw.rounded_rectangle(
                (cx - R * 0.14, cy - R * 0.1, cx + R * 0.14, cy + R * 0.55),
                radius=R * 0.1,
                fill=(*[int(v) for v in flav], 255),
                outline=(90, 90, 95, 255),
                width=2,
            )
            draw.ellipse(
                (cx - R * 0.06, cy + R * 0.32, cx + R * 0.06, cy + R * 0.44), fill=(60, 60, 60, 255)
            )
            brand, flavour, _ = _split_name(p)
            self.printer.text_fit(
                img,
                (cx + R * 0.22, cy - R * 0.25, cx + R * 0.7, cy + R * 0.25),
                flavour or brand[:2],
                (*[int(v) for v in band], 255),
            )
        arr = _to_np(img)
        arr = _add_highlight(arr, self._spot(h, w, 0.32, 0.3, 0.18), 0.7)
        return _finish(arr)

    def can_side(self, p, w, h, rng, variant, back=False):
        """A can lying down: the wrapped label seen across the cylinder."""
        lid = max(2, int(h * 0.05))
        label = self.printed_face(p, w, h - 2 * lid, rng, variant, back)
        img = self.printer.new(w, h, (190, 190, 195, 255))
        img.alpha_composite(label, (0, lid))
        arr = _to_np(img)
        xx = np.linspace(-1, 1, w)
        cyl = 0.55 + 0.45 * np.sqrt(np.clip(1 - xx**2, 0, 1))
        arr = _shade(arr, np.tile(cyl, (h, 1)))
        spec = np.exp(-(((xx + 0.35) / 0.08) ** 2))
        arr = _add_highlight(arr, np.tile(spec, (h, 1)) * 0.8, 0.8)
        arr[..., 3] = 255
        return _finish(arr)

    def cup(self, p, w, h, rng, variant, back=False):
        """A noodle or yogurt cup from above: the printed lid inside the rim."""
        R = min(w, h) / 2
        img = self.printer.new(w, h)
        draw = self.printer.ImageDraw.Draw(img)
        c0 = _rgb(p.colors[0])
        cx, cy = (w - 1) / 2, (h - 1) / 2
        draw.ellipse((0, 0, w - 1, h - 1), fill=(*_mix(c0, (0, 0, 0), 0.15), 255))
        if back:
            draw.ellipse(
                (cx - R * 0.7, cy - R * 0.7, cx + R * 0.7, cy + R * 0.7),
                fill=(*_mix(c0, (255, 255, 255), 0.5), 255),
            )
            self.printer.barcode(
                img, (cx - R * 0.45, cy - R * 0.2, cx + R * 0.45, cy + R * 0.25), p.barcode
            )
        else:
            lid_r = R * 0.9
            side = int(lid_r * 2 / math.sqrt(2))
            face = self.printer.front(side, side, p, rng, variant)
            lid = self.printer.new(int(2 * lid_r), int(2 * lid_r), (*c0, 255))
            lid.alpha_composite(face, ((lid.width - side) // 2, (lid.height - side) // 2))
            mask = self.printer.new(lid.width, lid.height)
            self.printer.ImageDraw.Draw(mask).ellipse(
                (0, 0, lid.width - 1, lid.height - 1), fill=(255, 255, 255, 255)
            )
            lid.putalpha(mask.getchannel("A"))
            img.alpha_composite(lid, (int(cx - lid_r), int(cy - lid_r)))
            # the pull tab of the foil lid
            draw.ellipse(
                (cx + lid_r * 0.75, cy - R * 0.16, cx + R * 1.0, cy + R * 0.16),
                fill=(*c0, 255),
                outline=(220, 220, 220, 255),
            )
        arr = _to_np(img)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        rr = np.hypot(xx - cx, yy - cy) / R
        arr = _shade(arr, 1 - 0.15 * (rr > 0.92))
        arr = _add_highlight(arr, _crinkles(h, w, rng, 4, self.px(1.0)) * (rr < 0.9), 0.4)
        return _finish(arr)

    def carton_top(self, p, w, h, rng, variant, back=False):
        """A standing carton from above: gable top with its cap, or a brick with a straw hole."""
        c0, c1 = _rgb(p.colors[0]), _rgb(p.colors[-1])
        img = self.printer.new(w, h, (*c0, 255))
        draw = self.printer.ImageDraw.Draw(img)
        if back:
            self.printer.barcode(img, (w * 0.1, h * 0.3, w * 0.9, h * 0.7), p.barcode)
        elif h >= 80 * PX_PER_MM:  # gable top: two sloped panels, ridge, screw cap
            draw.rectangle((0, 0, w, h / 2), fill=(*_mix(c0, (255, 255, 255), 0.15), 255))
            draw.rectangle((0, h / 2, w, h), fill=(*_mix(c0, (0, 0, 0), 0.12), 255))
            draw.rectangle((0, h * 0.47, w, h * 0.53), fill=(*_mix(c0, (255, 255, 255), 0.4), 255))
            self.printer.text_fit(
                img, (w * 0.1, h * 0.08, w * 0.9, h * 0.3), _split_name(p)[0], (*_ink_on(c0), 255)
            )
            draw.rectangle((0, h * 0.62, w, h * 0.75), fill=(*c1, 255))
            draw.ellipse(
                (w * 0.3, h * 0.56, w * 0.7, h * 0.56 + w * 0.4),
                fill=(*c1, 255),
                outline=(255, 255, 255, 255),
                width=2,
            )
        else:  # brick: printed top, straw hole
            face = self.printer.front(w, h, p, rng, variant)
            img.alpha_composite(face)
            draw = self.printer.ImageDraw.Draw(img)
            draw.ellipse(
                (w * 0.7, h * 0.05, w * 0.85, h * 0.05 + w * 0.15),
                fill=(230, 230, 225, 255),
                outline=(120, 120, 120, 255),
            )
        arr = _to_np(img)
        arr = _shade(arr, _edge_factor(arr[..., 3], self.px(2), 0.2))
        return _finish(arr)

    def carton_side(self, p, w, h, rng, variant, back=False):
        arr = _to_np(self.printed_face(p, w, h, rng, variant, back))
        arr = _shade(arr, _edge_factor(arr[..., 3], self.px(3), 0.25))
        arr = _add_highlight(arr, _crinkles(h, w, rng, 3, self.px(1.5)) * 0.3, 0.4)
        return _finish(arr)

    def bottle(self, p, w, h, rng, variant, back=False):
        """A bottle lying along y: clear body (semi-transparent), cap, wrapped label."""
        c0, c1 = _rgb(p.colors[0]), _rgb(p.colors[-1])
        glass = p.category == "alcohol"
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        nx = (xx - (w - 1) / 2) / (w / 2)
        t = yy / h  # 0 = cap end
        # silhouette radius along the bottle: cap, neck, shoulder, body
        radius = np.interp(t, [0, 0.07, 0.08, 0.16, 0.27, 1.0], [0.42, 0.42, 0.34, 0.34, 1.0, 1.0])
        radius = radius * (1 - 0.02 * np.sin(t * 60))  # grip ribs of a PET bottle
        inside = np.abs(nx) <= radius
        arr = np.zeros((h, w, 4), np.float32)
        body_tint = np.array(
            (120, 90, 40) if p.sku.startswith("coffee") else (205, 225, 235), np.float32
        )
        if glass:
            body_tint = np.array((225, 235, 228), np.float32)
        across = np.sqrt(np.clip(1 - (nx / np.maximum(radius, 1e-3)) ** 2, 0, 1))
        arr[..., :3] = body_tint * (0.75 + 0.25 * across)[..., None]
        # clear plastic: let the tray show through, stronger at the walls
        clear = (
            0.45 if not (glass or p.sku.startswith("coffee") or p.sku.startswith("tea")) else 0.85
        )
        arr[..., 3] = inside * 255 * (clear + (1 - clear) * (1 - across) ** 0.5)
        if p.sku.startswith("tea") or p.sku.startswith("coffee"):
            arr[..., :3] = (
                np.array(_mix(c0, (60, 30, 10), 0.3), np.float32) * (0.7 + 0.3 * across)[..., None]
            )
        cap = t < 0.075
        arr[cap, :3] = np.array(_mix(c1 if _luma(c1) < 200 else c0, (0, 0, 0), 0.1), np.float32)
        arr[cap, 3] = 255 * inside[cap]
        img = self._pil(arr)
        lw = w
        ly0, ly1 = int(h * 0.38), int(h * 0.78)
        label = self.printed_face(p, lw, ly1 - ly0, rng, variant, back)
        lab = _to_np(label)
        lab = _shade(
            lab,
            np.tile(
                0.6 + 0.4 * np.sqrt(np.clip(1 - np.linspace(-1, 1, lw) ** 2, 0, 1)), (ly1 - ly0, 1)
            ),
        )
        img.alpha_composite(self.printer.Image.fromarray(_finish(lab), "RGBA"), (0, ly0))
        arr = _to_np(img)
        arr[..., 3] *= inside
        # the long specular stripe that makes a bottle look like a bottle
        spec = np.exp(-(((nx + 0.4) / 0.09) ** 2)) * inside
        arr = _add_highlight(arr, spec * 0.9, 0.9)
        arr[..., 3] = np.maximum(arr[..., 3], spec * 220)
        return _finish(arr)

    # -- loose produce -------------------------------------------------------------------

    def produce(self, p, w, h, rng, variant):
        kind = p.sku.split("-")[0]
        return getattr(self, f"_produce_{kind}", self._produce_round)(p, w, h, rng)

    def _blob(self, w, h, rng, roughness: float):
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        nx, ny = (xx - w / 2) / (w / 2), (yy - h / 2) / (h / 2)
        r = np.hypot(nx, ny)
        ang = np.arctan2(ny, nx)
        lobes = np.zeros_like(r)
        for k in range(2, 6):  # a few low harmonics: lumpy, never the same twice
            lobes += rng.normal(0, roughness / k) * np.cos(k * ang + rng.uniform(0, 6.3))
        edge = 0.93 + lobes
        inside = r <= edge
        depth = np.sqrt(np.clip(1 - (r / edge) ** 2, 0, 1))
        return nx, ny, r, ang, inside, depth

    def _produce_apple(self, p, w, h, rng):
        nx, ny, r, ang, inside, depth = self._blob(w, h, rng, 0.05)
        red = np.array(_jitter_color(_rgb(p.colors[0]), rng, 18), np.float32)
        yel = np.array(_rgb(p.colors[-1]), np.float32)
        # Fuji colouring: a broad red blush over yellow-green, finely striped from the
        # stem outwards; stripes are faint near the stem and fade into the blush
        streak = _smooth_noise(1, 720, rng, 3)[0]
        idx = ((ang + math.pi) / (2 * math.pi) * 719).astype(int)
        field = _smooth_noise(h, w, rng, w / 2.2) * 0.55 + _smooth_noise(h, w, rng, w / 6) * 0.2
        blush = np.clip(
            rng.uniform(0.45, 0.85) + field + 0.18 * streak[idx] * np.clip(r * 1.5, 0, 1), 0, 1
        )
        blush = blush * (1 - 0.5 * np.exp(-((r / 0.25) ** 2)))  # paler round the stem
        col = yel[None, None] * (1 - blush[..., None]) + red[None, None] * blush[..., None]
        arr = np.zeros((h, w, 4), np.float32)
        arr[..., :3] = col * (0.45 + 0.55 * depth)[..., None]
        # stem cavity: a darker dimple slightly off the middle, with a stalk
        ox, oy = rng.normal(0, 0.08, 2)
        cav = np.hypot(nx - ox, ny - oy)
        arr[..., :3] *= (1 - 0.45 * np.exp(-((cav / 0.17) ** 2)))[..., None]
        arr[..., :3] += (np.exp(-((cav / 0.1) ** 2)) * 30)[..., None] * np.array([0.6, 0.6, 0.1])
        img = self._pil(np.dstack([arr[..., :3], inside * 255.0]))
        draw = self.printer.ImageDraw.Draw(img)
        sx, sy = w / 2 * (1 + ox), h / 2 * (1 + oy)
        a = rng.uniform(0, 6.3)
        draw.line(
            (sx, sy, sx + math.cos(a) * w * 0.12, sy + math.sin(a) * w * 0.12),
            fill=(90, 60, 30, 255),
            width=max(2, int(w * 0.03)),
        )
        arr = _to_np(img)
        lent = (rng.random((h, w)) > 0.995) * 0.5  # lenticels: the pale freckles of an apple
        arr = _add_highlight(
            arr, cv2.GaussianBlur(lent.astype(np.float32), (3, 3), 0) * inside, 0.8
        )
        arr = _add_highlight(arr, self._spot(h, w, 0.32, 0.3, 0.16) * inside, 0.6)
        return _finish(arr)

    def _produce_orange(self, p, w, h, rng):
        nx, ny, _r, _ang, inside, depth = self._blob(w, h, rng, 0.025)
        base = np.array(_jitter_color(_rgb(p.colors[0]), rng, 10), np.float32)
        peel = rng.random((h, w)).astype(np.float32) - 0.5
        peel = cv2.GaussianBlur(peel, (0, 0), 1.2) * 2.5  # dimpled peel
        arr = np.zeros((h, w, 4), np.float32)
        arr[..., :3] = base * ((0.5 + 0.5 * depth) * (1 + 0.25 * peel))[..., None]
        ox, oy = rng.normal(0, 0.1, 2)
        navel = np.hypot(nx - ox, ny - oy)
        arr[..., :3] *= (1 - 0.35 * np.exp(-((navel / 0.07) ** 2)))[..., None]
        arr[..., 3] = inside * 255
        arr = _add_highlight(arr, self._spot(h, w, 0.3, 0.3, 0.2) * inside, 0.45)
        return _finish(arr)

    def _produce_tomato(self, p, w, h, rng):
        _nx, _ny, r, _ang, inside, depth = self._blob(w, h, rng, 0.06)
        base = np.array(_jitter_color(_rgb(p.colors[0]), rng, 14), np.float32)
        ripe = rng.uniform(0, 0.35)  # some are still orange-ish near the stem
        col = (
            base * (1 - ripe * np.exp(-r * 3)[..., None])
            + np.array([240, 150, 60]) * (ripe * np.exp(-r * 3))[..., None]
        )
        arr = np.zeros((h, w, 4), np.float32)
        arr[..., :3] = col * (0.45 + 0.55 * depth)[..., None]
        arr[..., 3] = inside * 255
        img = self._pil(arr)
        draw = self.printer.ImageDraw.Draw(img)
        green = _jitter_color(_rgb(p.colors[-1]), rng, 10)
        cx, cy = w / 2 + rng.normal(0, w * 0.03), h / 2 + rng.normal(0, h * 0.03)
        a0 = rng.uniform(0, 6.3)
        for _ in range(int(rng.integers(5, 7))):  # sepals: thin, curling, uneven
            a = a0 + rng.uniform(0, 2 * math.pi)
            length = w * rng.uniform(0.13, 0.24)
            curl = rng.normal(0, 0.5)
            pts = []
            for t in np.linspace(0, 1, 7):
                ang_t = a + curl * t * t
                pts.append((cx + length * t * math.cos(ang_t), cy + length * t * math.sin(ang_t)))
            width = max(2, int(w * rng.uniform(0.025, 0.04)))
            draw.line(pts, fill=(*_jitter_color(green, rng, 12), 255), width=width, joint="curve")
        r0 = w * 0.035
        draw.ellipse(
            (cx - r0, cy - r0, cx + r0, cy + r0), fill=(*_mix(green, (60, 80, 20), 0.4), 255)
        )
        arr = _to_np(img)
        arr = _add_highlight(arr, self._spot(h, w, 0.3, 0.28, 0.12) * inside, 0.85)
        return _finish(arr)

    def _produce_potato(self, p, w, h, rng):
        _nx, _ny, _r, _ang, inside, depth = self._blob(w, h, rng, 0.09)
        base = np.array(_jitter_color(_rgb(p.colors[0]), rng, 12), np.float32)
        dirt = np.array(_rgb(p.colors[-1]), np.float32)
        blot = np.clip(
            _smooth_noise(h, w, rng, w / 8) * 0.8 + _smooth_noise(h, w, rng, w / 25) * 0.4, 0, 1
        )
        col = base * (1 - 0.6 * blot[..., None]) + dirt * (0.6 * blot[..., None])
        grain = (rng.random((h, w)).astype(np.float32) - 0.5) * 0.15
        arr = np.zeros((h, w, 4), np.float32)
        arr[..., :3] = col * ((0.5 + 0.5 * depth) * (1 + grain))[..., None]
        arr[..., 3] = inside * 255
        for _ in range(int(rng.integers(3, 8))):  # eyes
            ex, ey = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
            if inside[int(ey), int(ex)]:
                cv2.ellipse(
                    arr,
                    (int(ex), int(ey)),
                    (max(1, int(w * 0.025)), max(1, int(w * 0.012))),
                    float(rng.uniform(0, 180)),
                    0,
                    360,
                    (90, 60, 30, 255),
                    -1,
                )
        return _finish(arr)

    def _produce_banana(self, p, w, h, rng):
        """One banana curving along y; the bounding art is the catalog footprint."""
        yel = np.array(_jitter_color(_rgb(p.colors[0]), rng, 10), np.float32)
        green_tip = rng.uniform(0, 0.6)
        # the catalog footprint is narrow (45 mm): a slim banana with a gentle curve fits
        r_max = w * 0.3
        bend = rng.uniform(0.2, 1.0) * (w - 2 * r_max - 2)
        arr = np.zeros((h, w, 4), np.float32)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        t = yy / (h - 1)
        center = r_max + 1 + bend * 4 * t * (1 - t)
        # thick in the middle, tapering to the stalk and to the blossom end
        thick = r_max * np.clip(np.sin(np.clip(t, 0.0, 1.0) * math.pi) ** 0.5, 0.15, 1)
        d = (xx - center) / thick
        inside = (np.abs(d) <= 1) & (t > 0.02) & (t < 0.99)
        ridge = 1 - 0.25 * np.abs(np.abs(d) - 0.35)  # faceted, not round
        col = (
            yel * (1 - green_tip * np.exp(-((t / 0.15) ** 2)))[..., None]
            + np.array([100, 140, 40]) * (green_tip * np.exp(-((t / 0.15) ** 2)))[..., None]
        )
        # sugar spots: none on a fresh banana, a few freckles on a ripe one
        spots = np.clip(_smooth_noise(h, w, rng, w / 12) - rng.uniform(0.5, 0.95), 0, 1) * 1.5
        col = col * (1 - spots[..., None] * 0.7 * rng.uniform(0, 1) ** 2)
        arr[..., :3] = col * (ridge * (0.55 + 0.45 * np.sqrt(np.clip(1 - d**2, 0, 1))))[..., None]
        stalk = t < 0.08  # the stalk is green-brown, the blossom end a dark nub
        arr[stalk, :3] = arr[stalk, :3] * 0.5 + np.array([60, 70, 30], np.float32) * 0.5
        arr[t > 0.965, :3] = np.array([55, 45, 30], np.float32)
        arr[..., 3] = inside * 255.0
        if rng.random() < 0.5:
            arr = arr[:, ::-1].copy()
        if rng.random() < 0.5:
            arr = arr[::-1].copy()
        return _finish(arr)

    def _produce_round(self, p, w, h, rng):
        return self._produce_orange(p, w, h, rng)

    # -- helpers ------------------------------------------------------------------------

    def _spot(self, h, w, fx: float, fy: float, size: float) -> np.ndarray:
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        return np.exp(-(((xx / w - fx) ** 2 + (yy / h - fy) ** 2) / (size**2)))

    def _pil(self, arr: np.ndarray):
        return self.printer.Image.fromarray(_finish(arr), "RGBA")

    # -- per product ------------------------------------------------------------------

    def faces(self, p: SimProduct) -> dict[str, list[np.ndarray]]:
        """Every face drawing of one product (RGBA, x = width, y = length)."""
        W, L, H = p.size_mm
        w, h = self.px(W), self.px(L)
        out: dict[str, list[np.ndarray]] = {}

        def rng(face: str, v: int) -> np.random.Generator:
            return _rng(self.seed, p.sku, face, v)

        if p.shape == "produce":
            out["top"] = [self.produce(p, w, h, rng("top", v), v) for v in range(PRODUCE_VARIANTS)]
            return out
        painter = {
            "box": self.box,
            "bar": self.bar,
            "bag": self.bag,
            "pack": self.pack,
            "can": self.can_top,
            "cup": self.cup,
            "carton": self.carton_top,
            "bottle": self.bottle,
        }[p.shape]
        out["top"] = [painter(p, w, h, rng("top", v), v) for v in range(PACKAGE_VARIANTS)]
        out["bottom"] = [painter(p, w, h, rng("bottom", 0), 0, back=True)]
        if p.shape == "can":
            out["side"] = [self.can_side(p, w, self.px(H), rng("side", 0), 0)]
        elif p.shape == "carton":
            out["side"] = [self.carton_side(p, w, self.px(H), rng("side", 0), 0)]
        return out


def wall_color(face: np.ndarray) -> tuple[int, int, int]:
    """A representative colour of a package's sides (BGR): the mean of its outer band."""
    alpha = face[..., 3] > 127
    inner = cv2.erode(alpha.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    ring = alpha & ~inner
    if not ring.any():
        ring = alpha
    r, g, b = (int(face[..., c][ring].mean()) for c in range(3))
    return (b, g, r)


def generate(out: Path, seed: int, catalog_path: Path, only: list[str] | None = None) -> dict:
    from PIL import Image

    catalog = load_sim_catalog(catalog_path)
    maker = ArtMaker(seed)
    out.mkdir(parents=True, exist_ok=True)
    index_path = out / "index.json"
    index = {"products": {}}
    if only and index_path.exists():
        index = json.loads(index_path.read_text())
    index.update(
        {
            "px_per_mm": PX_PER_MM,
            "seed": seed,
            "catalog_version": catalog.version,
            "generator": "python -m hardware.sim.packaging_art",
        }
    )
    for p in catalog.products:
        if only and p.sku not in only:
            continue
        faces = maker.faces(p)
        entry = {"shape": p.shape, "gloss": GLOSS[p.shape], "faces": {}}
        sku_dir = out / p.sku
        sku_dir.mkdir(exist_ok=True)
        for old in sku_dir.glob("*.png"):
            old.unlink()
        for face, images in faces.items():
            files = []
            for v, img in enumerate(images):
                name = f"{face}_{v}.png"
                Image.fromarray(img, "RGBA").save(sku_dir / name, optimize=True)
                files.append(f"{p.sku}/{name}")
            entry["faces"][face] = files
        entry["wall_bgr"] = list(wall_color(faces["top"][0]))
        if "side" in faces:
            entry["side_wall_bgr"] = list(wall_color(faces["side"][0]))
        index["products"][p.sku] = entry
        print(f"{p.sku}: {sum(len(v) for v in faces.values())} drawings", file=sys.stderr)
    index_path.write_text(json.dumps(index, indent=1, ensure_ascii=False) + "\n")
    return index


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--catalog", type=Path, default=DEMO_CATALOG)
    ap.add_argument("--only", help="comma-separated SKUs to redraw (keeps the rest)")
    args = ap.parse_args(argv)
    generate(args.out, args.seed, args.catalog, args.only.split(",") if args.only else None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
