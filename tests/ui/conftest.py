"""Qt for the UI tests: offscreen, software Qt Quick, and any Qt warning fails the test
(a QML binding to a missing property, a failed initial property, a type error)."""

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtQuick import QQuickWindow, QSGRendererInterface

# Before the QApplication exists: no GPU offscreen, so Qt Quick draws in software.
QQuickWindow.setGraphicsApi(QSGRendererInterface.GraphicsApi.Software)


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))


@pytest.fixture
def kiosk_factory(tmp_path, qapp):
    """Builds the whole kiosk on the simulated world, with its window (not shown)."""
    from kiosk.app import KioskApp
    from kiosk.config import load_config

    apps = []

    def make(**env: str) -> KioskApp:
        config = load_config(
            environ={
                "KIOSK__STORE__DATA_DIR": str(tmp_path),
                "KIOSK__PAYMENT__APPROVE_AFTER_S": "0.3",
                # never upload test sales to a headquarters someone runs on this machine
                "KIOSK__SYNC__ENABLED": "false",
                **env,
            }
        )
        # the tray oracle, not a model that may get installed meanwhile: these test the screens
        app = KioskApp(config, data_dir=tmp_path / f"kiosk{len(apps)}", use_model=False)
        apps.append(app)
        app.start()
        app.open_window(show_simulator=False, visible=True)
        app.window.resize(1920, 1080)
        return app

    yield make
    for app in reversed(apps):
        app.stop()


@pytest.fixture
def kiosk_app(kiosk_factory):
    return kiosk_factory()
