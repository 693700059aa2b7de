"""The fitter's camera calibration at the kiosk, from maintenance mode.

The same two pictures `kiosk calibrate-camera` reads (the card flat on the empty
tray, then on the block), taken through the kiosk's own camera: each picture is kept
only when the card is wholly found in it, so the fitter learns at once that a picture
must be taken again, not after both. The calibration is written to the kiosk's data
directory and handed to the running detector, so the size check runs from the next
frame on, without editing the config or restarting.

A kiosk's own calibration wins over `[vision.camera_calibration]` in the config: it is
newer and was made through this very camera. It is refused at start when the camera's
picture has changed shape since (another camera, or a cropped mode): the fitter
calibrates again. Another resolution of the same shape is fine: the size check scales
its boxes to the calibration's pixels.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from pydantic import ValidationError

from hardware.camera.frames import Frame
from hardware.camera.pinhole import CameraModel
from kiosk.vision.camera_calibration import (
    Calibration,
    CalibrationCard,
    CalibrationError,
    calibrate,
    find_card,
)
from kiosk.vision.config import CameraCalibration

log = logging.getLogger(__name__)

CALIBRATION_FILE = "camera_calibration.json"
PICTURES_DIR = "camera_fitting"  # the card pictures, kept for a later look
PICTURES = ("flat", "raised")
CARD = CalibrationCard()  # the fitter kit's card: 9x6 inner corners, 25 mm squares
BLOCK_MM = 100.0  # the fitter kit's block (hardware.sim.calibration_card.RAISE_MM too)


@dataclass(frozen=True, slots=True)
class SavedCalibration:
    camera: CameraModel
    at: float  # when it was made (epoch seconds)
    summary: str  # what the fitter was told


class CameraFitting:
    """Takes the card pictures and solves the camera (blocking: run it off the GUI
    thread). Every answer is one line for the staff panel, "ok: ..." or "failed: ..."."""

    def __init__(
        self,
        data_dir: Path,
        latest_frame: Callable[[], Frame | None],
        apply: Callable[[CameraModel], str],  # -> what it changed, for the fitter
        card: CalibrationCard = CARD,
        block_mm: float = BLOCK_MM,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.data_dir = Path(data_dir)
        self._latest_frame = latest_frame
        self._apply = apply
        self.card = card
        self.block_mm = block_mm
        self._clock = clock
        self._pictures: dict[str, np.ndarray] = {}

    @property
    def path(self) -> Path:
        return self.data_dir / CALIBRATION_FILE

    def take(self, which: str) -> str:
        """The camera's latest picture as the `which` ("flat" or "raised") card picture."""
        if which not in PICTURES:
            return f"failed: no card picture {which!r} (flat or raised)"
        frame = self._latest_frame()
        if frame is None:
            return "failed: no camera picture yet"
        try:
            corners = find_card(frame.image, self.card)
        except CalibrationError as err:
            return f"failed: {err}"
        self._pictures[which] = frame.image.copy()
        folder = self.data_dir / PICTURES_DIR
        folder.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / f"card-{which}.png"), frame.image)
        then = (
            "now lay it on the block and take the second picture"
            if which == "flat"
            else "now calibrate"
        )
        return f"ok: the card is in the {which} picture ({len(corners)} corners); {then}"

    def solve(self) -> str:
        """The camera from the two pictures taken: saved, and applied to the detector.
        Both are needed: one flat picture seldom pins the focal length (see
        `kiosk.vision.camera_calibration`), and the fitter kit has the block."""
        flat, raised = self._pictures.get("flat"), self._pictures.get("raised")
        if flat is None:
            return "failed: take the picture of the card lying flat first"
        if raised is None:
            return "failed: take the picture of the card on the block too"
        try:
            result = calibrate(flat, self.card, raised=raised, raise_mm=self.block_mm)
        except CalibrationError as err:
            return f"failed: {err}"
        summary = _summary(result)
        self._save(result, summary)
        effect = self._apply(result.camera)
        log.info("camera calibrated at the kiosk: %s", summary)
        return f"ok: {summary}" + (f"; size check {effect}" if effect else "")

    def _save(self, result: Calibration, summary: str) -> None:
        cam = result.camera
        record = {
            **CameraCalibration(
                width=cam.width,
                height=cam.height,
                position_mm=tuple(round(v, 2) for v in cam.position_mm),
                look_at_mm=tuple(round(v, 2) for v in cam.look_at_mm),
                focal_per_width=round(cam.focal_per_width, 6),
                roll_deg=round(cam.roll_deg, 3),
            ).model_dump(),
            "at": self._clock(),
            "summary": summary,
        }
        self.data_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, indent=1))
        os.replace(tmp, self.path)  # a power cut leaves the old calibration or the new

    def load(self, resolution: tuple[int, int]) -> SavedCalibration | None:
        """This kiosk's saved calibration, when there is one for a camera picture of
        `resolution`'s shape ((0, 0): not known yet); None (and a logged reason)
        otherwise. Never raises."""
        try:
            raw = json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as err:
            log.error("camera calibration %s unreadable, not used: %s", self.path, err)
            return None
        if not isinstance(raw, dict):
            log.error("camera calibration %s is not a calibration, not used", self.path)
            return None
        at, summary = raw.pop("at", 0.0), raw.pop("summary", "")
        try:
            cal = CameraCalibration(**raw)
        except (ValidationError, TypeError) as err:
            log.error("camera calibration %s invalid, not used: %s", self.path, err)
            return None
        w, h = resolution
        if w and h and abs(cal.width / cal.height - w / h) > 0.01:
            log.error(
                "camera calibration %s was made at %dx%d, the camera gives %dx%d: not used "
                "(calibrate the camera again in maintenance mode)",
                self.path, cal.width, cal.height, w, h,
            )  # fmt: skip
            return None
        at = float(at) if isinstance(at, int | float) else 0.0
        return SavedCalibration(CameraModel.from_dict(cal.model_dump()), at, str(summary))


def _summary(result: Calibration) -> str:
    cam = result.camera
    return (
        f"camera {cam.position_mm[2]:.0f} mm over the tray, focal length "
        f"{cam.focal_per_width:.3f} x width ({result.focal}), card fit {result.error_px:.2f} px"
    )
