"""Draws a tray snapshot as the camera sees it, and says exactly what is visible where.

Fast by construction: the backdrop (counter and tray) is warped once per look and
camera; each item is one perspective warp of its pre-drawn art into a small patch,
its side walls a few filled polygons; lighting, shadows and noise are whole-frame
uint8 operations. The same pass fills an id map, from which labels are measured, so
labels always describe what was drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from hardware.sim.art_library import RIGID_SHAPES, ArtLibrary, ProductArt
from hardware.sim.camera_model import CameraModel
from hardware.sim.hand_art import HAND_PPM, hand_sprite
from hardware.sim.surfaces import COUNTERS, TRAY_GLOSS, TRAYS, world_surface, world_to_texture
from hardware.sim.tray import Hand, ItemView, TraySnapshot

HAND_ID = 255
# An item is "hidden" (no label line) when less than this share of it can be seen:
# a sliver of a package is not something a person, or a detector, can name.
MIN_VISIBLE_FRACTION = 0.12
MIN_VISIBLE_PX = 60


@dataclass(frozen=True, slots=True)
class SceneLook:
    """Everything about a picture that is not the items: surfaces, light, the sensor."""

    counter: int = 0
    tray: int = 0
    light_dir_deg: float = 120.0  # direction shadows fall, image degrees
    shadow_strength: float = 0.45
    exposure: float = 1.0
    warmth: float = 0.0  # -1 cool daylight .. +1 warm tungsten
    vignette: float = 0.25
    gradient: float = 0.12  # a window or lamp to one side
    glare_xy: tuple[float, float] = (0.62, 0.35)  # lamp reflection, fraction of the frame
    glare_strength: float = 0.6
    glare_size: float = 0.10
    noise_sigma: float = 2.5
    blur_sigma: float = 0.6
    seed: int = 0

    @staticmethod
    def random(rng: np.random.Generator, difficulty: float = 0.5) -> SceneLook:
        """A plausible shop: harder scenes get harsher light, more glare and noise."""
        d = float(np.clip(difficulty, 0, 1))
        return SceneLook(
            counter=int(rng.integers(COUNTERS)),
            tray=int(rng.integers(TRAYS)),
            light_dir_deg=float(rng.uniform(0, 360)),
            shadow_strength=float(rng.uniform(0.35, 0.5 + 0.15 * d)),
            exposure=float(rng.uniform(0.85 - 0.1 * d, 1.12 + 0.05 * d)),
            warmth=float(rng.uniform(-0.6, 0.8)),
            vignette=float(rng.uniform(0.1, 0.35)),
            gradient=float(rng.uniform(0.0, 0.15 + 0.15 * d)),
            glare_xy=(float(rng.uniform(0.15, 0.85)), float(rng.uniform(0.15, 0.85))),
            glare_strength=float(rng.uniform(0.2, 0.5 + 0.5 * d)),
            glare_size=float(rng.uniform(0.06, 0.14)),
            noise_sigma=float(rng.uniform(1.5, 2.5 + 3 * d)),
            blur_sigma=float(rng.uniform(0.3, 0.8 + 0.6 * d)),
            seed=int(rng.integers(1 << 31)),
        )


@dataclass(frozen=True, slots=True)
class ItemRender:
    """What the picture shows of one item. Boxes are pixels (x0, y0, x1, y1)."""

    item_id: int
    sku: str
    weight_g: float
    full_box: tuple[float, float, float, float] | None  # the whole item, as if nothing covered it
    visible_box: tuple[int, int, int, int] | None  # only the pixels that can be seen
    full_px: int  # the whole item's area, including any part beyond the frame
    visible_px: int
    stacked: bool
    in_frame: float = 1.0  # share of the item inside the picture

    @property
    def visible_fraction(self) -> float:
        """What share of the item the picture shows (covers and the frame edge both cut)."""
        return self.visible_px / self.full_px if self.full_px else 0.0

    @property
    def occlusion(self) -> float:
        """Share of the in-frame part that other items or a hand cover."""
        inside = self.full_px * self.in_frame
        return max(0.0, 1.0 - self.visible_px / inside) if inside else 1.0

    @property
    def hidden(self) -> bool:
        return self.visible_fraction < MIN_VISIBLE_FRACTION or self.visible_px < MIN_VISIBLE_PX


@dataclass(frozen=True, slots=True)
class RenderResult:
    image: np.ndarray  # BGR uint8
    items: tuple[ItemRender, ...]
    id_map: np.ndarray = field(repr=False)  # per pixel: 0 tray, k item index + 1, 255 hand


# ----------------------------------------------------------------------------- renderer

_NOISE_SIGMA = 40.0
_SHAKES = ((0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (-0.7, -0.7))
_NOISE_BANKS: dict[tuple[int, int, int], list[np.ndarray]] = {}


def _noise_bank(width: int, height: int, frames: int) -> list[np.ndarray]:
    """Sensor-noise frames (int8, sigma 40, clipped at about 3 sigma) shared by every
    renderer of that size: drawing 2.7 M normals per frame would cost more than the
    whole render, and cycling a few patterns (at a random strength) is invisible to a
    detector."""
    key = (width, height, frames)
    bank = _NOISE_BANKS.get(key)
    if bank is None:
        rng = np.random.default_rng(12345)
        bank = [
            np.clip(rng.normal(0, _NOISE_SIGMA, (height, width, 3)), -127, 127).astype(np.int8)
            for _ in range(frames)
        ]
        _NOISE_BANKS[key] = bank
    return bank


@dataclass
class _Backdrop:
    image: np.ndarray
    light: np.ndarray  # uint8 BGR, 128 = unchanged
    glare: tuple[int, int, np.ndarray]  # x0, y0, uint8 intensity patch


def _remember(cache: dict, key, value, limit: int) -> None:
    """Insert into a small cache, dropping the oldest entry when full."""
    if len(cache) >= limit:
        cache.pop(next(iter(cache)))
    cache[key] = value


class TrayRenderer:
    """Renders TraySnapshots for one camera. Not thread-safe: one per thread/process."""

    def __init__(
        self,
        art: ArtLibrary,
        camera: CameraModel,
        noise_frames: int = 6,
        cache_frames: bool = False,
    ) -> None:
        """`cache_frames` keeps the last few drawings of the items, for a live camera
        whose tray is mostly still: then only the hand, light and noise are redrawn."""
        self.art = art
        self.camera = camera
        top_scale = camera.px_per_mm(120.0)
        self.products: dict[str, ProductArt] = art.at_scale(top_scale * 1.1)
        self._backdrops: dict[tuple, _Backdrop] = {}
        self._surfaces: dict[tuple, np.ndarray] = {}
        self._hulls: dict[tuple, np.ndarray] = {}
        self._cache: dict | None = {} if cache_frames else None
        self._hands: dict[int, np.ndarray] = {}
        self._h0 = camera.plane_homography(0.0)
        self._h0_quarter = np.diag([0.25, 0.25, 1.0]) @ self._h0
        self._nadir = camera.ground_point()
        self._shake = np.eye(3)
        self._grain = 0
        self._noise = _noise_bank(camera.width, camera.height, noise_frames)

    # -- the parts that depend only on the look -------------------------------------

    def backdrop(self, look: SceneLook) -> _Backdrop:
        """The empty counter and tray under this look's light (cached, a few at a time)."""
        key = (
            look.counter,
            look.tray,
            look.light_dir_deg,
            look.exposure,
            look.warmth,
            look.vignette,
            look.gradient,
            look.glare_xy,
            look.glare_size,
            look.glare_strength,
        )
        bd = self._backdrops.get(key)
        if bd is None:
            tex_key = (look.counter, look.tray)
            img = self._surfaces.get(tex_key)
            if img is None:
                H = self._h0 @ np.linalg.inv(world_to_texture())
                img = cv2.warpPerspective(
                    world_surface(look.counter, look.tray),
                    H,
                    (self.camera.width, self.camera.height),
                    flags=cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_REFLECT,
                )
                _remember(self._surfaces, tex_key, img, 6)
            bd = _Backdrop(img, self._light_map(look), self._glare_patch(look))
            _remember(self._backdrops, key, bd, 4)
        return bd

    def _light_map(self, look: SceneLook) -> np.ndarray:
        cam = self.camera
        h, w = cam.height // 8, cam.width // 8
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        nx, ny = xx / w * 2 - 1, yy / h * 2 - 1
        a = math.radians(look.light_dir_deg)
        # brighter towards the lamp: opposite to where shadows fall
        grad = 1 - look.gradient * (nx * math.cos(a) + ny * math.sin(a))
        vig = 1 - look.vignette * (nx**2 * 0.6 + ny**2 * 0.8) / 1.4
        gain = look.exposure * grad * vig
        warm = np.array([1 - 0.08 * look.warmth, 1.0, 1 + 0.08 * look.warmth], np.float32)
        light = gain[..., None] * warm * 128
        light = cv2.resize(light, (cam.width, cam.height), interpolation=cv2.INTER_LINEAR)
        return np.clip(light, 0, 255).astype(np.uint8)

    def _glare_patch(self, look: SceneLook) -> tuple[int, int, np.ndarray]:
        cam = self.camera
        r = max(4, int(look.glare_size * cam.width))
        cx, cy = int(look.glare_xy[0] * cam.width), int(look.glare_xy[1] * cam.height)
        x0, y0 = max(0, cx - 2 * r), max(0, cy - 2 * r)
        x1, y1 = min(cam.width, cx + 2 * r), min(cam.height, cy + 2 * r)
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        d2 = ((xx - cx) / r) ** 2 + ((yy - cy) / (r * 0.6)) ** 2
        blob = np.exp(-d2 * 1.5) * look.glare_strength * 255
        return x0, y0, np.clip(blob, 0, 255).astype(np.uint8)

    # -- one picture --------------------------------------------------------------------

    def render(
        self,
        snap: TraySnapshot,
        look: SceneLook,
        rng: np.random.Generator,
        exposure_s: float = 1 / 60,
        jitter_px: float = 0.0,
        noise: bool = True,
        measure: bool = True,
    ) -> RenderResult:
        """Draw `snap`. `measure=False` skips the label measurements (a live camera
        needs only the picture)."""
        cam = self.camera
        bd = self.backdrop(look)
        # camera shake: the kiosk's arm vibrates by a fraction of a pixel; moving what
        # is drawn on the (featureless) tray is indistinguishable and costs nothing.
        # A live camera shakes between a few fixed offsets, so still trays hit the cache.
        if jitter_px <= 0:
            dx, dy = 0.0, 0.0
        elif self._cache is not None:
            dx, dy = _SHAKES[int(rng.integers(len(_SHAKES)))]
            dx, dy = dx * jitter_px, dy * jitter_px
        else:
            dx, dy = rng.normal(0, jitter_px, 2)
        self._shake = np.array([[1, 0, dx], [0, 1, dy], [0, 0, 1]], float)
        views = sorted(snap.items, key=self._draw_order)
        key = None
        if self._cache is not None:
            key = (tuple(views), dx, dy, exposure_s, look.counter, look.tray,
                   look.light_dir_deg, look.shadow_strength)  # fmt: skip
        hit = self._cache.get(key) if key is not None else None
        if hit is not None:
            frame, id_map = hit[0].copy(), hit[1].copy()
            renders, gloss = hit[2], hit[3]
        else:
            frame, id_map, renders, gloss = self._draw_items(bd, views, look, exposure_s)
            if key is not None:
                _remember(self._cache, key, (frame.copy(), id_map.copy(), renders, gloss), 8)
        if snap.hand is not None:
            self._shadows(frame, [], look, snap.hand)
            self._draw_hand(frame, id_map, snap.hand, snap.hand_velocity_mm_s, exposure_s)
        # light: one saturating multiply; 128 in the map means "as drawn"
        frame = cv2.multiply(frame, bd.light, scale=1 / 128)
        # lamp glare: strong on shiny film and cans, faint on cardboard and skin
        gx, gy, blob = bd.glare
        gh, gw = blob.shape
        roi = frame[gy : gy + gh, gx : gx + gw]
        shine = (gloss * 255).astype(np.uint8)[id_map[gy : gy + gh, gx : gx + gw]]
        add = cv2.multiply(blob, shine, scale=1 / 255)
        roi[:] = cv2.add(roi, cv2.merge([add, add, add]))
        if look.blur_sigma > 0.2:
            frame = cv2.GaussianBlur(
                frame, (3, 3) if look.blur_sigma < 0.8 else (5, 5), look.blur_sigma
            )
        if noise and look.noise_sigma > 0:
            n = len(self._noise)
            if self._cache is not None:
                # a live camera never shows the same grain twice in a row, so that
                # consecutive frames of a still tray always differ
                self._grain = (self._grain + 1 + int(rng.integers(n - 1))) % n
            else:  # a scene's picture depends on its random stream alone
                self._grain = int(rng.integers(n))
            grain = self._noise[self._grain]
            frame = cv2.addWeighted(
                frame, 1.0, grain, look.noise_sigma / _NOISE_SIGMA, 0.0, dtype=cv2.CV_8U
            )
        if not measure:
            return RenderResult(frame, (), id_map)
        counts = cv2.calcHist([id_map], [0], None, [256], [0, 256]).ravel().astype(int)
        items = []
        for view, idx, full_px, full_box, share in renders:
            vis_px = int(counts[idx])
            vis_box = None
            if vis_px and full_box is not None:
                x0, y0, x1, y1 = (int(v) for v in full_box)
                x0, y0 = max(0, x0 - 2), max(0, y0 - 2)
                sub = id_map[y0 : min(cam.height, y1 + 3), x0 : min(cam.width, x1 + 3)] == idx
                bx, by, bw, bh = cv2.boundingRect(sub.astype(np.uint8))
                if bw and bh:
                    vis_box = (x0 + bx, y0 + by, x0 + bx + bw, y0 + by + bh)
            it = view.item
            items.append(
                ItemRender(
                    it.item_id,
                    it.sku,
                    it.weight_g,
                    full_box,
                    vis_box,
                    full_px,
                    vis_px,
                    it.stacked,
                    round(share, 4),
                )
            )
        return RenderResult(frame, tuple(items), id_map)

    def _draw_items(self, bd: _Backdrop, views, look: SceneLook, exposure_s: float):
        cam = self.camera
        frame = bd.image.copy()
        id_map = np.zeros((cam.height, cam.width), np.uint8)
        ground = [v for v in views if not v.item.stacked]
        self._shadows(frame, ground, look)
        gloss = np.zeros(256, np.float32)
        gloss[0] = TRAY_GLOSS[look.tray % len(TRAY_GLOSS)]
        gloss[HAND_ID] = 0.12
        renders = []
        for view in views:
            if view.item.stacked and view is next(v for v in views if v.item.stacked):
                # items lying on others shade what they lie on, so their shadows are
                # drawn once everything under them is in the picture
                self._shadows(frame, [v for v in views if v.item.stacked], look)
            idx = len(renders) + 1
            full_px, full_box, share = self._draw_item(frame, id_map, view, idx, exposure_s)
            gloss[idx] = self.products[view.item.sku].gloss
            renders.append((view, idx, full_px, full_box, share))
        return frame, id_map, renders, gloss

    def _draw_order(self, view: ItemView) -> tuple[float, float]:
        # bottom of a stack first; among equals, far from the camera's foot first, since
        # tall items lean outwards in the picture over their outer neighbours
        d = math.hypot(view.pose.x_mm - self._nadir[0], view.pose.y_mm - self._nadir[1])
        return (view.item.base_mm, -d)

    # -- geometry of one item ----------------------------------------------------------

    def _item_geometry(self, view: ItemView):
        item = view.item
        pa = self.products[item.sku]
        faces = pa.faces.get(item.face) or pa.faces["top"]
        fa = faces[item.variant % len(faces)]
        w_mm, l_mm = item.footprint_mm
        shape = pa.product.shape
        rigid = shape in RIGID_SHAPES and not (shape == "can" and item.face == "side")
        if rigid:
            z_face = item.top_mm
        elif shape == "bag":
            z_face = item.base_mm + item.height_mm * 0.8
        else:  # round things: the silhouette is their widest girth
            z_face = item.base_mm + item.height_mm * 0.55
        th = math.radians(-view.pose.angle_deg)
        c, s = math.cos(th), math.sin(th)
        ih, iw = fa.image.shape[:2]
        local = np.array([[w_mm / iw, 0, -w_mm / 2], [0, l_mm / ih, -l_mm / 2], [0, 0, 1]])
        place = np.array([[c, -s, view.pose.x_mm], [s, c, view.pose.y_mm], [0, 0, 1]])
        return pa, fa, rigid, z_face, place, local

    def _unit_hull(self, item) -> np.ndarray:
        """Convex hull of the drawing's silhouette, in units of its width and length."""
        key = (item.sku, item.face, item.variant)
        hull = self._hulls.get(key)
        if hull is None:
            pa = self.products[item.sku]
            faces = pa.faces.get(item.face) or pa.faces["top"]
            fa = faces[item.variant % len(faces)]
            ih, iw = fa.image.shape[:2]
            unit = fa.outline_mm * fa.px_per_mm / np.array([iw, ih])
            hull = cv2.convexHull(unit.astype(np.float32))[:, 0, :].astype(float)
            self._hulls[key] = hull
        return hull

    def _outline_world(self, view: ItemView, n: int = 20) -> np.ndarray:
        """The item's footprint outline in tray mm (for walls and shadows)."""
        item = view.item
        pa = self.products[item.sku]
        shape = pa.product.shape
        w, ln = item.footprint_mm
        if shape in ("can", "cup") and item.face != "side":
            t = np.linspace(0, 2 * math.pi, n, endpoint=False)
            pts = np.stack([np.cos(t) * w / 2, np.sin(t) * ln / 2], 1)
        else:  # the drawing's own silhouette: a rice-ball triangle, a banana's curve
            pts = self._unit_hull(item) * np.array([w, ln])
        th = math.radians(-view.pose.angle_deg)
        c, s = math.cos(th), math.sin(th)
        rot = np.array([[c, -s], [s, c]])
        return pts @ rot.T + np.array([view.pose.x_mm, view.pose.y_mm])

    def _shadows(self, frame: np.ndarray, views, look: SceneLook, hand: Hand | None = None) -> None:
        """Darken `frame` under and beside `views` (and a hand), light from `look`.

        Drawn at quarter resolution and blurred: shadows under diffuse shop light are
        soft, and the blur hides the coarse polygons.
        """
        cam = self.camera
        h4, w4 = cam.height // 4, cam.width // 4
        soft = np.zeros((h4, w4), np.float32)
        contact = np.zeros((h4, w4), np.float32)
        a = math.radians(look.light_dir_deg)
        dirv = np.array([math.cos(a), math.sin(a)])
        for view in views:
            outline = self._outline_world(view, 16)
            lift = view.item.height_mm * 0.8
            base = self._shake @ self.camera.plane_homography(view.item.base_mm)
            base_q = np.diag([0.25, 0.25, 1.0]) @ base
            for k, amount in ((0.0, 0.5), (0.35, 0.35), (0.7, 0.25), (1.0, 0.2)):
                pts = self._project_pts(outline + dirv * lift * k, base_q)
                cv2.fillConvexPoly(soft, (pts * 16).astype(np.int32), amount, cv2.LINE_8, 4)
            centre = np.array([view.pose.x_mm, view.pose.y_mm])
            d = outline - centre
            # a halo a few millimetres past the foot: the ambient occlusion that outlines
            # every object under diffuse shop light
            under = centre + d * (1 + 5.0 / np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1))
            pts = self._project_pts(under, base_q)
            cv2.fillConvexPoly(contact, (pts * 16).astype(np.int32), 1.0, cv2.LINE_8, 4)
        if hand is not None:
            # the arm is high above the tray: a wide, very soft shadow displaced by the light
            tip = np.array([hand.x_mm, hand.y_mm]) + dirv * hand.height_mm * 0.6
            back = math.radians(hand.from_angle_deg)
            arm = tip + np.array([math.cos(back), math.sin(back)]) * 900
            p = self._project_pts(np.array([tip, arm]), self._h0_quarter).astype(np.int32)
            cv2.line(soft, tuple(p[0]), tuple(p[1]), 0.45, max(2, int(cam.width / 4 * 0.06)))
        soft = np.minimum(soft, 1.0)
        blur_s = max(1.0, cam.width / 4 / 90)
        shade = 1 - look.shadow_strength * cv2.GaussianBlur(soft, (0, 0), blur_s * 1.3)
        # ambient occlusion where an item meets what it stands on
        shade -= 0.6 * look.shadow_strength * cv2.GaussianBlur(contact, (0, 0), blur_s * 0.6)
        shade = np.clip(shade * 255, 0, 255).astype(np.uint8)
        shade = cv2.resize(shade, (cam.width, cam.height), interpolation=cv2.INTER_LINEAR)
        cv2.multiply(frame, cv2.merge([shade, shade, shade]), frame, scale=1 / 255)

    @staticmethod
    def _project_pts(pts: np.ndarray, H: np.ndarray) -> np.ndarray:
        p = np.column_stack([pts, np.ones(len(pts))]) @ H.T
        return p[:, :2] / p[:, 2:3]

    def _draw_item(self, frame, id_map, view: ItemView, idx: int, exposure_s: float):
        cam = self.camera
        pa, fa, rigid, z_face, place, local = self._item_geometry(view)
        item = view.item
        H_face = self._shake @ cam.plane_homography(z_face) @ place @ local
        ih, iw = fa.image.shape[:2]
        corners = self._project_pts(np.array([[0, 0], [iw, 0], [iw, ih], [0, ih]], float), H_face)
        walls = []
        if rigid and item.height_mm >= 6:
            walls = self._walls(view, pa)
        shake = self._shake[:2, 2]
        walls = [(q + shake, c) for q, c in walls]
        pts = [corners] + [q for q, _ in walls]
        allpts = np.vstack(pts)
        blur_len, blur_ang = self._blur(
            view.pose.x_mm, view.pose.y_mm, z_face, view.velocity_mm_s, exposure_s
        )
        m = int(blur_len) + 2
        x0, y0 = np.floor(allpts.min(0)).astype(int) - m
        x1, y1 = np.ceil(allpts.max(0)).astype(int) + m
        full_box = (
            float(allpts[:, 0].min()),
            float(allpts[:, 1].min()),
            float(allpts[:, 0].max()),
            float(allpts[:, 1].max()),
        )
        x0c, y0c, x1c, y1c = max(x0, 0), max(y0, 0), min(x1, cam.width), min(y1, cam.height)
        if x1c <= x0c or y1c <= y0c:
            return 0, None, 0.0
        rw, rh = x1c - x0c, y1c - y0c
        shift = np.array([[1, 0, -x0c], [0, 1, -y0c], [0, 0, 1]], float)
        patch = np.zeros((rh, rw, 4), np.uint8)
        for quad, color in walls:
            q = ((quad - [x0c, y0c]) * 16).astype(np.int32)
            cv2.fillConvexPoly(patch, q, (*color, 255), cv2.LINE_AA, shift=4)
        warped = cv2.warpPerspective(
            fa.image,
            shift @ H_face,
            (rw, rh),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=(0, 0, 0, 0),
        )
        if walls:
            # walls are opaque, so straight and premultiplied colour agree inside them
            _composite(patch, warped, keep_alpha=True)
        else:
            patch = warped
        # this physical item's own small difference in colour (print run, ripeness)
        look_rng = np.random.default_rng(item.look_seed)
        spread = 0.10 if pa.product.shape == "produce" else 0.03
        g = 1 + look_rng.normal(0, spread, 3)
        patch = cv2.multiply(patch, (float(g[0]), float(g[1]), float(g[2]), 1.0))
        if blur_len >= 1.5:
            patch = cv2.filter2D(patch, -1, _line_kernel(blur_len, blur_ang))
        _composite(frame[y0c:y1c, x0c:x1c], patch)
        solid = patch[..., 3] > 127
        id_map[y0c:y1c, x0c:x1c][solid] = idx
        full_px = int(solid.sum())
        share = 1.0
        if x0 < 0 or y0 < 0 or x1 > cam.width or y1 > cam.height:
            # partly out of the picture: count the part beyond the frame as not visible,
            # so an item mostly outside the frame is not labelled from a sliver
            share = _in_frame_share(allpts, cam)
            full_px = round(full_px / max(share, 1e-3))
        return full_px, full_box, share

    def _walls(self, view: ItemView, pa: ProductArt):
        """The item's sides as coloured quads, back-facing ones first."""
        item = view.item
        shape = pa.product.shape
        top = self._outline_world(view, 24)
        centre = np.array([view.pose.x_mm, view.pose.y_mm])
        # cups taper towards the foot
        foot = centre + (top - centre) * 0.8 if shape == "cup" else top
        n = len(top)
        nxt = np.roll(np.arange(n), -1)
        mid = (top + top[nxt]) / 2
        normal = mid - centre
        normal /= np.linalg.norm(normal, axis=1, keepdims=True) + 1e-9
        facing = np.einsum("ij,ij->i", normal, self._nadir - mid) > 0
        bright = 0.62 + 0.3 * np.clip(normal @ np.array([-0.5, -0.7]), 0, None)
        quads, colors = [], []
        for z0f, z1f, color in pa.wall_bands:
            z0 = item.base_mm + item.height_mm * z0f
            z1 = item.base_mm + item.height_mm * z1f
            a0 = foot + (top - foot) * z0f
            a1 = foot + (top - foot) * z1f
            q = np.stack(
                [
                    np.column_stack([a0, np.full(n, z0)]),
                    np.column_stack([a0[nxt], np.full(n, z0)]),
                    np.column_stack([a1[nxt], np.full(n, z1)]),
                    np.column_stack([a1, np.full(n, z1)]),
                ],
                1,
            )
            quads.append(q)
            colors.append(np.clip(np.array(color)[None, :] * bright[:, None], 0, 255))
        q = np.concatenate(quads)  # (bands * n, 4, 3)
        col = np.concatenate(colors)
        face = np.tile(facing, len(pa.wall_bands))
        proj = self.camera.project(q.reshape(-1, 3)).reshape(-1, 4, 2)
        order = np.argsort(face, kind="stable")  # back-facing (False) first
        return [(proj[i], tuple(int(c) for c in col[i])) for i in order]

    def _blur(self, x, y, z, vel, exposure_s) -> tuple[float, float]:
        if abs(vel[0]) + abs(vel[1]) < 1e-6:
            return 0.0, 0.0
        p = self.camera.project(
            np.array([[x, y, z], [x + vel[0] * exposure_s, y + vel[1] * exposure_s, z]])
        )
        d = p[1] - p[0]
        return float(np.hypot(*d)), float(math.degrees(math.atan2(d[1], d[0])))

    def _draw_hand(self, frame, id_map, hand: Hand, vel, exposure_s: float) -> None:
        cam = self.camera
        sprite = self._hands.get(hand.skin)
        if sprite is None:
            sprite = self._hands[hand.skin] = hand_sprite(hand.skin)
        th = math.radians(hand.from_angle_deg)
        c, s = math.cos(th), math.sin(th)
        cy = sprite.shape[0] / 2
        local = np.array([[1 / HAND_PPM, 0, 0], [0, 1 / HAND_PPM, -cy / HAND_PPM], [0, 0, 1]])
        place = np.array([[c, -s, hand.x_mm], [s, c, hand.y_mm], [0, 0, 1]])
        H = self._shake @ cam.plane_homography(hand.height_mm) @ place @ local
        sh, sw = sprite.shape[:2]
        corners = self._project_pts(np.array([[0, 0], [sw, 0], [sw, sh], [0, sh]], float), H)
        blur_len, blur_ang = self._blur(hand.x_mm, hand.y_mm, hand.height_mm, vel, exposure_s)
        m = int(blur_len) + 2
        x0, y0 = np.floor(corners.min(0)).astype(int) - m
        x1, y1 = np.ceil(corners.max(0)).astype(int) + m
        x0, y0 = max(0, x0), max(0, y0)
        x1, y1 = min(cam.width, x1), min(cam.height, y1)
        if x1 <= x0 or y1 <= y0:
            return
        shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], float)
        warped = cv2.warpPerspective(
            sprite,
            shift @ H,
            (x1 - x0, y1 - y0),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=(0, 0, 0, 0),
        )
        patch = warped
        if blur_len >= 1.5:
            patch = cv2.filter2D(patch, -1, _line_kernel(blur_len, blur_ang))
        _composite(frame[y0:y1, x0:x1], patch)
        id_map[y0:y1, x0:x1][patch[..., 3] > 127] = HAND_ID


def _in_frame_share(points: np.ndarray, cam: CameraModel) -> float:
    """Share of the convex outline of `points` that lies inside the frame."""
    hull = cv2.convexHull(points.astype(np.float32))
    total = cv2.contourArea(hull)
    if total <= 0:
        return 1.0
    frame = np.array([[0, 0], [cam.width, 0], [cam.width, cam.height], [0, cam.height]], np.float32)
    inside, _ = cv2.intersectConvexConvex(hull, frame)
    return min(1.0, float(inside) / total)


def _composite(dst: np.ndarray, src: np.ndarray, keep_alpha: bool = False) -> None:
    """dst = src + dst * (1 - src.alpha), in place; src is premultiplied BGRA uint8."""
    inv = 255 - src[..., 3]
    if keep_alpha:
        a = np.maximum(dst[..., 3], src[..., 3])
        inv4 = cv2.merge([inv, inv, inv, inv])
        dst[:] = cv2.add(cv2.multiply(dst, inv4, scale=1 / 255), src)
        dst[..., 3] = a
        return
    inv3 = cv2.merge([inv, inv, inv])
    dst[:] = cv2.add(cv2.multiply(dst, inv3, scale=1 / 255), src[..., :3])


def _line_kernel(length: float, angle_deg: float) -> np.ndarray:
    n = math.ceil(length) | 1
    k = np.zeros((n, n), np.float32)
    c = n // 2
    a = math.radians(angle_deg)
    dx, dy = math.cos(a) * length / 2, math.sin(a) * length / 2
    cv2.line(
        k,
        (round(c - dx), round(c - dy)),
        (round(c + dx), round(c + dy)),
        1.0,
        1,
        cv2.LINE_AA,
    )
    return k / max(k.sum(), 1e-6)
