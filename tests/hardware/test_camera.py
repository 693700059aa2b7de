"""The OpenCV camera on real video files (the same VideoCapture path as a device),
and the frozen/black checks on any frame source."""

from __future__ import annotations

import shutil

import cv2
import numpy as np
import pytest

from hardware.camera.config import OpenCvCameraConfig
from hardware.camera.frames import CameraFault, Frame, FrameSource
from hardware.camera.health import CheckedSource, HealthLimits, ImageHealth
from hardware.camera.opencv import OpenCvCamera, describe_source
from hardware.connection import ConnectionState

from .conftest import wait_for

W, H, FPS = 96, 64, 50.0


def write_video(path, frames: int, kind: str) -> str:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (W, H))
    assert writer.isOpened()
    rng = np.random.default_rng(0)
    still = rng.integers(60, 200, (H, W, 3), dtype=np.uint8)
    for i in range(frames):
        if kind == "live":
            image = np.roll(still, i * 3, axis=1)
            cv2.putText(image, str(i), (5, 40), cv2.FONT_HERSHEY_SIMPLEX, 1, (255, 255, 255), 2)
        elif kind == "still":
            image = still
        else:  # black, with the small offset real sensors have
            image = np.full((H, W, 3), 4, np.uint8)
        writer.write(image)
    writer.release()
    return str(path)


def camera(source: str, **options) -> OpenCvCamera:
    config = OpenCvCameraConfig(
        source=source,
        loop_file=True,
        frozen_after_s=0.3,
        black_after_s=0.2,
        backoff_initial_s=0.05,
        backoff_max_s=0.2,
        **options,
    )
    return OpenCvCamera(config)


def test_describe_source():
    assert describe_source("0") == (0, cv2.CAP_V4L2, False)
    assert describe_source("/dev/v4l/by-id/usb-cam-video-index0")[1] == cv2.CAP_V4L2
    assert describe_source("v4l2src ! videoconvert ! appsink")[1] == cv2.CAP_GSTREAMER
    assert describe_source("rtsp://10.0.0.5/stream")[1] == cv2.CAP_FFMPEG
    assert describe_source("tray.mp4")[2] is True


def test_reads_a_live_stream(tmp_path):
    cam = camera(write_video(tmp_path / "live.avi", 30, "live"))
    assert isinstance(cam, FrameSource)
    cam.open()
    try:
        frames = [cam.read(2.0) for _ in range(40)]  # loops past the end of the file
        assert all(isinstance(f, Frame) and f.image.shape == (H, W, 3) for f in frames)
        seqs = [f.seq for f in frames]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        assert cam.resolution == (W, H)
        assert 30 < cam.fps < 70  # paced at the file's 50 fps, measured
    finally:
        cam.close()
    assert cam.state is ConnectionState.DISCONNECTED


def test_frozen_stream_raises_and_reopens(tmp_path):
    cam = camera(write_video(tmp_path / "still.avi", 10, "still"))
    cam.open()
    try:
        cam.read(2.0)  # a still picture is fine for a moment...

        def faulted():
            try:
                cam.read(0.5)
            except CameraFault as fault:
                return str(fault)
            return None

        assert "frozen" in wait_for(faulted, 5.0, "a frozen fault")  # ...not for long
        wait_for(lambda: cam.reconnects >= 1, 5.0, "a reopen after freezing")
    finally:
        cam.close()


def test_black_image_raises(tmp_path):
    cam = camera(write_video(tmp_path / "black.avi", 10, "black"))
    cam.open()
    try:

        def faulted():
            try:
                cam.read(0.5)
            except CameraFault as fault:
                return str(fault)
            return None

        assert "black" in wait_for(faulted, 5.0, "a black fault")
    finally:
        cam.close()


def test_missing_camera_faults_then_recovers_when_it_appears(tmp_path):
    path = tmp_path / "cam.avi"
    cam = camera(str(path))
    cam.open()
    try:
        with pytest.raises(CameraFault, match="cannot open"):
            cam.read(0.3)
        shutil.move(write_video(tmp_path / "made.avi", 20, "live"), path)  # plugged in
        wait_for(lambda: cam.state is ConnectionState.READY, 5.0, "READY")
        assert cam.read(2.0).image.shape == (H, W, 3)
    finally:
        cam.close()


def test_file_that_ends_without_loop_is_a_fault(tmp_path):
    config = OpenCvCameraConfig(source=write_video(tmp_path / "short.avi", 3, "live"))
    cam = OpenCvCamera(config)
    cam.open()
    try:
        wait_for(lambda: cam.state is ConnectionState.ERROR, 5.0, "ERROR at the end")
        assert "end of the video file" in cam._error
    finally:
        cam.close()


class StubSource:
    """A frame source that replays given images (the simulated camera's faults look so)."""

    def __init__(self, images):
        self.images, self.t, self.seq = list(images), 0.0, 0

    def open(self):
        pass

    def read(self, timeout=1.0):
        self.t += 0.1
        self.seq += 1
        return Frame(self.images.pop(0), self.t, self.seq)

    def close(self):
        pass

    resolution = (W, H)
    fps = 10.0


def test_checked_source_wraps_any_camera():
    rng = np.random.default_rng(1)
    live = [rng.integers(0, 255, (H, W, 3), dtype=np.uint8) for _ in range(5)]
    frozen = [live[-1]] * 5
    checked = CheckedSource(StubSource(live + frozen), HealthLimits(frozen_after_s=0.25))
    results = []
    for _ in range(10):
        try:
            checked.read()
            results.append("ok")
        except CameraFault as fault:
            results.append(str(fault).split(":")[0])
    assert results == ["ok"] * 8 + ["frozen"] * 2


def test_a_dark_moment_is_not_yet_a_fault():
    health = ImageHealth(HealthLimits(black_after_s=1.0))
    dark = np.zeros((H, W, 3), np.uint8)
    bright = np.full((H, W, 3), 128, np.uint8)
    assert health.check(dark, 0.0) is None and health.check(dark + 1, 0.5) is None
    assert health.check(bright, 0.6) is None  # the shopper's hand moved away
    assert health.check(dark, 0.7) is None and health.check(dark + 1, 1.8) is not None
