"""The live camera picture: a feed (view model) and the item that paints it.

The capture thread calls `CameraFeed.on_frame`; that shrinks the frame to display
size with OpenCV (numpy work, on the capture thread, no Qt) and only emits. On the
GUI thread the frame is wrapped in a QImage without copying and painted: the GUI
thread's share per frame is one blit.
"""

from __future__ import annotations

import time
from collections import deque

import cv2
import numpy as np
from PySide6.QtCore import Property, QObject, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtQml import QmlElement
from PySide6.QtQuick import QQuickPaintedItem

QML_IMPORT_NAME = "Kiosk"
QML_IMPORT_MAJOR_VERSION = 1

DISPLAY_WIDTH = 1280  # never more pixels than a 15-inch screen's camera panel shows


class CameraFeed(QObject):
    frameChanged = Signal()
    _arrived = Signal(object)  # crosses threads, queued to the GUI thread

    def __init__(self, display_width: int = DISPLAY_WIDTH) -> None:
        super().__init__()
        self.display_width = display_width
        self._image: QImage | None = None
        self._array: np.ndarray | None = None  # keeps the QImage's buffer alive
        self._shown: deque[float] = deque(maxlen=60)
        self.frames_shown = 0  # distinct frames that reached the screen
        self._serial = 0
        self._counted = 0
        self._arrived.connect(self._apply)

    # ---- any thread (the capture thread) ----
    def on_frame(self, frame) -> None:  # hardware.camera.frames.Frame
        image = frame.image
        h, w = image.shape[:2]
        if w > self.display_width:
            size = (self.display_width, round(h * self.display_width / w))
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        self._arrived.emit(np.ascontiguousarray(image))

    # ---- GUI thread ----
    @Slot(object)
    def _apply(self, array: np.ndarray) -> None:
        h, w = array.shape[:2]
        self._array = array
        self._image = QImage(array.data, w, h, array.strides[0], QImage.Format.Format_BGR888)
        self._serial += 1
        self.frameChanged.emit()

    def image(self) -> QImage | None:
        return self._image

    def snapshot(self) -> np.ndarray | None:
        """The last frame shown (BGR), e.g. to keep as the empty-tray reference."""
        return None if self._array is None else self._array.copy()

    def note_painted(self) -> None:
        # two views of one feed (shopper screen, staff camera tab) paint each frame twice
        if self._counted == self._serial:
            return
        self._counted = self._serial
        self._shown.append(time.monotonic())
        self.frames_shown += 1

    def painted_fps(self) -> float:
        if len(self._shown) < 2:
            return 0.0
        span = self._shown[-1] - self._shown[0]
        return (len(self._shown) - 1) / span if span > 0 else 0.0

    def _aspect(self) -> float:
        if self._image is None:
            return 16 / 9
        return self._image.width() / max(1, self._image.height())

    aspect = Property(float, _aspect, notify=frameChanged)


@QmlElement
class CameraFrame(QQuickPaintedItem):
    """Paints the feed's latest frame, letterboxed to fit (QML draws boxes on top)."""

    feedChanged = Signal()
    alignTopChanged = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._feed: CameraFeed | None = None
        self._align_top = False
        self.setFillColor(QColor("#1d2329"))
        self.setOpaquePainting(True)

    def _get_feed(self) -> CameraFeed | None:
        return self._feed

    def _set_feed(self, feed: CameraFeed | None) -> None:
        if feed is self._feed:
            return
        if self._feed is not None:
            self._feed.frameChanged.disconnect(self.update)
        self._feed = feed
        if feed is not None:
            feed.frameChanged.connect(self.update)
        self.feedChanged.emit()
        self.update()

    feed = Property(QObject, _get_feed, _set_feed, notify=feedChanged)

    def _get_align_top(self) -> bool:
        return self._align_top

    def _set_align_top(self, value: bool) -> None:
        if value != self._align_top:
            self._align_top = value
            self.alignTopChanged.emit()
            self.update()

    # top-aligned leaves the space below the picture for guidance, off the tray's image
    alignTop = Property(bool, _get_align_top, _set_align_top, notify=alignTopChanged)

    def paint(self, painter: QPainter) -> None:
        feed = self._feed
        image = feed.image() if feed is not None else None
        if image is None:
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        w, h = self.width(), self.height()
        scale = min(w / image.width(), h / image.height())
        dw, dh = image.width() * scale, image.height() * scale
        top = 0.0 if self._align_top else (h - dh) / 2
        painter.drawImage(QRectF((w - dw) / 2, top, dw, dh), image)
        feed.note_painted()


def fit_rect(item_w: float, item_h: float, aspect: float) -> tuple[float, float, float, float]:
    """Where a frame of `aspect` lands inside an item (x, y, w, h), as `paint` does it."""
    if item_w / max(item_h, 1e-6) > aspect:
        h = item_h
        w = h * aspect
    else:
        w = item_w
        h = w / aspect
    return (item_w - w) / 2, (item_h - h) / 2, w, h


__all__ = ["CameraFeed", "CameraFrame", "Qt", "fit_rect"]
