"""`kiosk run`: the product on the configured devices."""

from __future__ import annotations

import logging
import signal

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QGuiApplication

from kiosk.config import KioskConfig

log = logging.getLogger(__name__)


def run_kiosk(config: KioskConfig) -> int:
    from kiosk.app import KioskApp

    # Services first: a config or device error is reported before any window exists.
    app = KioskApp(config, simulated=False).start()
    log.info("recognition: %s", app.detector_note)
    try:
        qt = QGuiApplication.instance() or QGuiApplication([])
        # systemd stops the kiosk with SIGTERM: leave Qt's loop so every service stops
        # in order (the store's writer finishes its transaction) instead of dying
        # mid-write.
        signal.signal(signal.SIGTERM, lambda *_: QCoreApplication.quit())
        signal.signal(signal.SIGINT, lambda *_: QCoreApplication.quit())
        wakeup = QTimer()  # lets Python run the signal handlers while Qt waits
        wakeup.timeout.connect(lambda: None)
        wakeup.start(250)
        app.open_window(visible=True)  # full screen when [ui] fullscreen = true
        return int(qt.exec())
    finally:
        app.stop()
