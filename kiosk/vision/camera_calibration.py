"""The fitter's camera calibration: where the camera hangs over the tray, measured
from pictures of a calibration card (a printed chessboard) lying flat on the tray.

The size check (`kiosk.vision.size_check`) needs it: how big a 330 ml and a 500 ml
can look depends on the camera's height, tilt and focal length, which differ by a few
cm and per cent between kiosks. A fitter lays the card anywhere on the empty tray,
takes a picture, lays it on a block of known height, takes another, and runs
`kiosk calibrate-camera FLAT --raised RAISED --raise-mm 100`; the result is the
kiosk's `[vision.camera_calibration]`.

Why two pictures: a flat card is seen almost straight on (a kiosk's camera tilts ~6
degrees), so one picture pins the scale (focal length over height) but hardly the two
apart: on 48 simulated fittings a lone flat picture pinned the focal length to 2 % in
21 and was refused in 27 (corners 0.3 px off moved it 15 %). The raised card's
picture fixes it: how much bigger the card looks 100 mm nearer the lens says how far
the lens is (45 of 48 fittings within 1 % of the true height, 3 refused because the
raised card left the picture). A fitter who knows the lens gives `focal_per_width`
instead and only the pose is solved.

Only the camera's pose relative to the tray plane matters to the size check, not
where on the tray the card lay: the card's first corner becomes the origin, turned so
that x runs along the picture's rows (as the simulator's tray axes do). A standing
can's predicted size then comes out within 1 % of the true camera's over the whole
picture (`tests/vision/test_camera_calibration.py`; the two cans differ by ~8 %, the
size check's sigma is 4 %).

Pure OpenCV/numpy, no Qt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from hardware.camera.pinhole import CameraModel

# Worst mean distance (px) between the found corners and the solved camera's
# projection of the card that still counts as a calibration: a sharp picture of a
# flat card fits to a few tenths of a pixel; a bent card or a moving camera does not.
MAX_ERROR_PX = 1.0
# Largest relative standard error of a focal length solved from one flat picture that
# is used. A flat card is seen almost straight on, where focal length and height
# trade off (1 % of focal length moves a 500 ml can's predicted size ~0.2 %).
MAX_FOCAL_UNCERTAINTY = 0.02


class CalibrationError(ValueError):
    """Why a picture gives no calibration, in words for the fitter."""


@dataclass(frozen=True, slots=True)
class CalibrationCard:
    """A chessboard: `cols` x `rows` inner corners, squares of `square_mm`."""

    cols: int = 9
    rows: int = 6
    square_mm: float = 25.0

    @classmethod
    def parse(cls, text: str, square_mm: float) -> CalibrationCard:
        """'9x6' (inner corners) and the square size; CalibrationError if not sensible."""
        try:
            cols, rows = (int(v) for v in text.lower().split("x"))
        except ValueError:
            raise CalibrationError(
                f"card {text!r}: give inner corners as COLSxROWS, e.g. 9x6"
            ) from None
        if cols < 3 or rows < 3 or cols == rows:
            # equal sides make the card's orientation ambiguous to the corner finder
            raise CalibrationError(f"card {text!r}: needs at least 3x3 inner corners, not square")
        if not 1.0 <= square_mm <= 200.0:
            raise CalibrationError(f"square size {square_mm} mm is not a printed card's")
        return cls(cols, rows, float(square_mm))

    def object_points(self) -> np.ndarray:
        """(cols*rows, 3) corners on the card, mm, in the order OpenCV finds them."""
        xs, ys = np.meshgrid(np.arange(self.cols), np.arange(self.rows))
        pts = np.column_stack([xs.ravel(), ys.ravel(), np.zeros(xs.size)])
        return (pts * self.square_mm).astype(np.float64)


@dataclass(frozen=True, slots=True)
class Calibration:
    camera: CameraModel
    error_px: float  # mean reprojection error of the card's corners
    focal: str  # how the focal length was found: "given", "solved (±0.3%)", ...
    corners: int
    focal_uncertainty: float | None = None  # relative standard error, when solved alone


def find_card(image: np.ndarray, card: CalibrationCard) -> np.ndarray:
    """(n, 2) corner positions of the card in the picture, sub-pixel; CalibrationError
    naming what to do when the card is not (wholly) seen."""
    if image is None or image.ndim not in (2, 3) or min(image.shape[:2]) < 32:
        raise CalibrationError("the picture is empty or too small")
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    found, corners = cv2.findChessboardCornersSB(
        grey, (card.cols, card.rows), flags=cv2.CALIB_CB_EXHAUSTIVE | cv2.CALIB_CB_ACCURACY
    )
    if not found or corners is None:
        raise CalibrationError(
            f"no {card.cols}x{card.rows} calibration card in the picture: lay the whole card "
            "flat on the empty tray, in the light, and take the picture again"
        )
    return corners.reshape(-1, 2).astype(np.float64)


def solve_camera(
    corners: np.ndarray,
    card: CalibrationCard,
    width: int,
    height: int,
    focal_per_width: float | None = None,
    raised: np.ndarray | None = None,
    raise_mm: float | None = None,
) -> Calibration:
    """The camera that sees the card's corners where they were found. Square pixels,
    principal point at the centre, no lens distortion (the pinhole the size check
    uses). The focal length: given (`focal_per_width`: only the pose is solved), or
    from the card's corners when the card also lay `raise_mm` higher (`raised`: its
    corners then), or from the one picture when that pins it (see
    `MAX_FOCAL_UNCERTAINTY`)."""
    obj = card.object_points()
    img = _corners(corners, obj)
    sd = None
    if focal_per_width is not None:
        focal, how = focal_per_width * width, "given"
    elif raised is not None:
        if not raise_mm or raise_mm <= 0:
            raise CalibrationError("a raised card needs the height it was raised by (mm)")
        focal = _focal_from_two_heights(obj, img, _corners(raised, obj), raise_mm, width, height)
        how = f"from the card raised {raise_mm:g} mm"
        # The flat picture's own loose estimate still catches a wrong block height: a
        # height off by a third moves the focal length as much, far outside it.
        alone, sd = _focal_from_one_picture(obj, img, width, height)
        if abs(focal / alone - 1) > 4 * sd + 0.02:
            raise CalibrationError(
                f"the raised card gives a focal length of {focal / width:.3f} x width, the "
                f"flat one alone {alone / width:.3f} (±{sd:.0%}): was the card raised by "
                f"{raise_mm:g} mm, and lying flat?"
            )
        sd = None
    else:
        focal, sd = _focal_from_one_picture(obj, img, width, height)
        if sd > MAX_FOCAL_UNCERTAINTY:
            raise CalibrationError(
                f"one picture of the flat card leaves the focal length uncertain (±{sd:.0%}): "
                "give the lens's --focal-per-width, or add a picture of the card lying on "
                "a block of known height (--raised PICTURE --raise-mm H)"
            )
        how = f"solved (±{sd:.1%})"
    if not 0.1 * width < focal < 10 * width:
        raise CalibrationError(f"focal length {focal:.0f} px is not a lens's")
    rvec, tvec, _ = _pose(obj, img, focal, width, height)
    camera, to_tray = _camera_model(cv2.Rodrigues(rvec)[0], np.asarray(tvec, float).ravel(),
                                    focal, width, height)  # fmt: skip
    seen = camera.project(obj @ to_tray.T)
    err = float(np.linalg.norm(seen - img, axis=1).mean())
    if err > MAX_ERROR_PX:
        raise CalibrationError(
            f"the card fits the camera only to {err:.1f} px (at most {MAX_ERROR_PX}): is it "
            "lying flat, and was the camera still?"
        )
    return Calibration(camera, err, how, len(obj), sd)


def calibrate(
    image: np.ndarray,
    card: CalibrationCard,
    focal_per_width: float | None = None,
    raised: np.ndarray | None = None,
    raise_mm: float | None = None,
) -> Calibration:
    """Pictures of the card on the tray (and, optionally, raised) → the calibration."""
    h, w = image.shape[:2]
    if raised is not None and raised.shape[:2] != (h, w):
        raise CalibrationError("the two pictures differ in size: take both with this camera")
    raised_corners = None
    if raised is not None:
        try:
            raised_corners = find_card(raised, card)
        except CalibrationError as err:
            raise CalibrationError(f"the raised card's picture: {err}") from None
    return solve_camera(find_card(image, card), card, w, h, focal_per_width,
                        raised_corners, raise_mm)  # fmt: skip


def calibrate_simulated(camera: CameraModel) -> Calibration:
    """What this code reads off the simulator's two card pictures through `camera`
    (`hardware.sim.calibration_card.card_pictures`): the demo kiosk's fitting, and a
    fitted kiosk's camera for `kiosk eval --calibration card`."""
    from hardware.sim.calibration_card import RAISE_MM, card_pictures

    flat, raised = card_pictures(camera)
    return calibrate(flat, CalibrationCard(), raised=raised, raise_mm=RAISE_MM)


def _corners(corners: np.ndarray, obj: np.ndarray) -> np.ndarray:
    img = np.asarray(corners, np.float64).reshape(-1, 2)
    if len(img) != len(obj):
        raise CalibrationError(f"{len(img)} corners found, {len(obj)} on the card")
    return img


def _intrinsics(focal: float, width: int, height: int) -> np.ndarray:
    return np.array([[focal, 0, width / 2], [0, focal, height / 2], [0, 0, 1]], np.float64)


def _pose(
    obj: np.ndarray, img: np.ndarray, focal: float, width: int, height: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """The card's pose for this focal length, and the sum of squared residuals (px²)."""
    k = _intrinsics(focal, width, height)
    ok, rvec, tvec = cv2.solvePnP(obj, img, k, None, flags=cv2.SOLVEPNP_ITERATIVE)
    if not ok:
        raise CalibrationError("the card's corners fit no camera pose")
    proj, _ = cv2.projectPoints(obj, rvec, tvec, k, None)
    return rvec, tvec, float(((proj.reshape(-1, 2) - img) ** 2).sum())


def _height_over_card(
    obj: np.ndarray, img: np.ndarray, focal: float, width: int, height: int
) -> float:
    """The lens's height over the card's plane for this focal length (mm)."""
    rvec, tvec, _ = _pose(obj, img, focal, width, height)
    return abs(float((-cv2.Rodrigues(rvec)[0].T @ np.asarray(tvec).ravel())[2]))


def _focal_from_one_picture(
    obj: np.ndarray, img: np.ndarray, width: int, height: int
) -> tuple[float, float]:
    """The focal length that fits one picture best, and its relative standard error:
    from how fast the fit worsens as the focal length moves off it (the pose re-fitted
    each time) against the corners' own scatter."""
    flags = (
        cv2.CALIB_USE_INTRINSIC_GUESS
        | cv2.CALIB_FIX_PRINCIPAL_POINT
        | cv2.CALIB_FIX_ASPECT_RATIO
        | cv2.CALIB_ZERO_TANGENT_DIST
        | cv2.CALIB_FIX_K1
        | cv2.CALIB_FIX_K2
        | cv2.CALIB_FIX_K3
    )
    k = _intrinsics(float(width), width, height)
    _, k, _, _, _ = cv2.calibrateCamera(
        [obj.astype(np.float32)], [img.astype(np.float32)], (width, height), k, None, flags=flags
    )
    focal = float(k[0, 0])
    step = 0.02 * focal
    ssr = [_pose(obj, img, focal + d, width, height)[2] for d in (-step, 0.0, step)]
    curvature = (ssr[0] + ssr[2] - 2 * ssr[1]) / step**2
    # 2 residuals a corner; 7 unknowns (the pose's 6 and the focal length); a floor on
    # the scatter: no real picture places corners better than 0.05 px
    scatter = max(ssr[1] / max(2 * len(obj) - 7, 1), 0.05**2)
    sd = math.sqrt(2 * scatter / curvature) if curvature > 0 else math.inf
    return focal, sd / focal


def _focal_from_two_heights(
    obj: np.ndarray, flat: np.ndarray, raised: np.ndarray, raise_mm: float, width: int,
    height: int,
) -> float:  # fmt: skip
    """The focal length at which the camera's height over the raised card is `raise_mm`
    less than over the flat one. Each height grows about in proportion to the focal
    length (the card's size in the picture fixes their ratio), so a few secant steps
    find it."""

    def gap(focal: float) -> float:
        h0 = _height_over_card(obj, flat, focal, width, height)
        h1 = _height_over_card(obj, raised, focal, width, height)
        return h0 - h1 - raise_mm

    f0, f1 = 0.8 * width, 1.2 * width
    g0, g1 = gap(f0), gap(f1)
    for _ in range(8):
        if g1 == g0:
            break
        f0, f1 = f1, f1 - g1 * (f1 - f0) / (g1 - g0)
        if not 0.1 * width < f1 < 10 * width:
            break
        g0, g1 = g1, gap(f1)
        if abs(g1) < 1e-3 * raise_mm:
            return f1
    raise CalibrationError(
        "the raised card's picture does not fit the flat one: was it raised by "
        f"{raise_mm:g} mm and lying flat, and the camera untouched?"
    )


def _camera_model(
    rot: np.ndarray, tvec: np.ndarray, focal: float, width: int, height: int
) -> tuple[CameraModel, np.ndarray]:
    """OpenCV's pose of the card (x_cam = R x_card + t) as a `CameraModel`, and the
    3x3 map from card to tray coordinates. The tray frame is the simulator's and the
    size check's: z up towards the camera, x along the picture's rows, y down them
    (towards the shopper), origin at the card's first corner."""
    centre = -rot.T @ tvec  # the lens, in card coordinates
    right, fwd = rot.T[:, 0], rot.T[:, 2]  # the camera's axes, in card coordinates
    up = np.array([0.0, 0.0, 1.0 if centre[2] > 0 else -1.0])
    x = right - up * (right @ up)
    x /= np.linalg.norm(x)
    # image rows run along fwd x right; on the plane that is -(up x x)
    y = -np.cross(up, x)
    to_tray = np.stack([x, y, up])
    lens, fwd_t = to_tray @ centre, to_tray @ fwd
    if fwd_t[2] >= 0:
        raise CalibrationError("the camera does not look down at the card")
    look_at = lens + fwd_t * (-lens[2] / fwd_t[2])
    # the roll is measured from the axes CameraModel builds itself with no roll
    level = CameraModel(width, height, tuple(lens), tuple(look_at), focal / width)
    axes, _ = level._axes()
    r = to_tray @ right
    roll = math.degrees(math.atan2(r @ axes[1], r @ axes[0]))
    camera = CameraModel(width, height, tuple(lens), tuple(look_at), focal / width, roll)
    return camera, to_tray
