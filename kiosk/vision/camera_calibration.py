"""The fitter's camera calibration: where the camera hangs over the tray, measured
from one picture of a calibration card (a printed chessboard) lying flat on the tray.

The size check (`kiosk.vision.size_check`) needs it: how big a 330 ml and a 500 ml
can look depends on the camera's height, tilt and focal length, which differ by a few
cm and per cent between kiosks. A fitter lays the card anywhere on the empty tray and
runs `kiosk calibrate-camera PICTURE`; the result is the kiosk's
`[vision.camera_calibration]`.

Only the camera's pose relative to the tray plane matters to the size check, not where
on the tray the card lay: the card's corner becomes the origin, turned so that the
card's x axis runs along the picture's rows (as the simulator's tray axes do).

A card lying flat is seen almost straight on (a kiosk's camera tilts ~6 degrees), so
one picture pins the scale (focal length over height) better than the two apart: a
fitter who knows the lens gives `focal_per_width` and only the pose is solved. On the
simulator's kiosks the focal length and height came out within 0.8 % when solved, and
a standing can's predicted size within 0.6 % over the whole picture (the two cans
differ by about 8 %; the size check's sigma is 4 %): `tests/vision/test_camera_calibration.py`.

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
    focal_solved: bool  # False: the focal length was given, only the pose solved
    corners: int


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
) -> Calibration:
    """The camera that sees the card's corners where they were found. Square pixels,
    principal point at the centre, no lens distortion (the pinhole the size check
    uses). `focal_per_width` given: only the pose is solved."""
    obj = card.object_points()
    img = np.asarray(corners, np.float64).reshape(-1, 2)
    if len(img) != len(obj):
        raise CalibrationError(f"{len(img)} corners found, {len(obj)} on the card")
    f0 = (focal_per_width or 1.0) * width
    k = np.array([[f0, 0, width / 2], [0, f0, height / 2], [0, 0, 1]], np.float64)
    if focal_per_width is None:
        flags = (
            cv2.CALIB_USE_INTRINSIC_GUESS
            | cv2.CALIB_FIX_PRINCIPAL_POINT
            | cv2.CALIB_FIX_ASPECT_RATIO
            | cv2.CALIB_ZERO_TANGENT_DIST
            | cv2.CALIB_FIX_K1
            | cv2.CALIB_FIX_K2
            | cv2.CALIB_FIX_K3
        )
        _, k, _, rvecs, tvecs = cv2.calibrateCamera(
            [obj.astype(np.float32)], [img.astype(np.float32)], (width, height), k, None,
            flags=flags,
        )  # fmt: skip
        rvec, tvec = rvecs[0], tvecs[0]
    else:
        ok, rvec, tvec = cv2.solvePnP(obj, img, k, None, flags=cv2.SOLVEPNP_ITERATIVE)
        if not ok:
            raise CalibrationError("the card's corners fit no camera pose")
    focal = float(k[0, 0])
    if not 0.1 * width < focal < 10 * width:
        raise CalibrationError(f"solved focal length {focal:.0f} px is not a lens's")
    camera, to_tray = _camera_model(cv2.Rodrigues(rvec)[0], np.asarray(tvec, float).ravel(),
                                    focal, width, height)  # fmt: skip
    seen = camera.project(obj @ to_tray.T)
    err = float(np.linalg.norm(seen - img, axis=1).mean())
    if err > MAX_ERROR_PX:
        raise CalibrationError(
            f"the card fits the camera only to {err:.1f} px (at most {MAX_ERROR_PX}): is it "
            "lying flat, and was the camera still?"
        )
    return Calibration(camera, err, focal_per_width is None, len(obj))


def calibrate(
    image: np.ndarray, card: CalibrationCard, focal_per_width: float | None = None
) -> Calibration:
    """One picture of the card on the tray → the camera's calibration."""
    h, w = image.shape[:2]
    return solve_camera(find_card(image, card), card, w, h, focal_per_width)


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
    level = CameraModel(width, height, tuple(lens), tuple(look_at), focal / width)
    axes, _ = level._axes()
    r = to_tray @ right
    roll = math.degrees(math.atan2(r @ axes[1], r @ axes[0]))
    camera = CameraModel(width, height, tuple(lens), tuple(look_at), focal / width, roll)
    return camera, to_tray
