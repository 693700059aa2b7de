"""The kiosk window: view models wired to the services, QML loaded with them as
required properties, translations, screenshots. Built only by `kiosk.app`.

Closing order matters: the QML engine goes first (it binds to the view models),
then the view models' own pools, then - back in `KioskApp.stop` - the services.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QTranslator, QUrl
from PySide6.QtGui import QFont, QGuiApplication, QImage
from PySide6.QtQml import QQmlApplicationEngine
from PySide6.QtQuick import QQuickWindow

import kiosk.ui.camera  # noqa: F401  (registers the CameraFrame QML type)
from kiosk.ui.camera import CameraFeed
from kiosk.ui.viewmodels import (
    CheckoutViewModel,
    DiagnosticsViewModel,
    LanguageViewModel,
    SearchViewModel,
    SimulatorViewModel,
    StaffViewModel,
)

if TYPE_CHECKING:
    from kiosk.app import KioskApp

log = logging.getLogger(__name__)

QML_DIR = Path(__file__).resolve().parent / "qml"
I18N_DIR = Path(__file__).resolve().parent / "i18n"
FONT = "Noto Sans CJK SC"


class QmlLoadError(RuntimeError):
    """The QML did not load; the message carries Qt's warnings."""


class Translations:
    """Qt's translation system: English source strings, `kiosk_zh_CN.qm` for Chinese."""

    def __init__(self, app: QCoreApplication) -> None:
        self.app = app
        self.engine: QQmlApplicationEngine | None = None
        self._translator: QTranslator | None = None

    def switch(self, language: str) -> None:
        if self._translator is not None:
            self.app.removeTranslator(self._translator)
            self._translator = None
        # English is the source language; its file only carries the plural forms.
        t = QTranslator(self.app)
        if t.load(str(I18N_DIR / f"kiosk_{language}.qm")):
            self.app.installTranslator(t)
            self._translator = t
        else:
            log.warning("no translation for %s in %s", language, I18N_DIR)
        if self.engine is not None:
            self.engine.retranslate()


class KioskWindow:
    def __init__(self) -> None:
        self.engine: QQmlApplicationEngine | None = None
        self.root: QQuickWindow | None = None
        self.view_models: list[QObject] = []
        self.warnings: list[str] = []

    @classmethod
    def build(cls, app: KioskApp, *, show_simulator: bool, visible: bool) -> KioskWindow:
        qt = QGuiApplication.instance()
        if qt is None:
            raise RuntimeError("create the QGuiApplication before opening the window")
        QGuiApplication.setFont(QFont(FONT, 12))
        w = cls()
        w.translations = Translations(qt)

        # ---- view models, wired to the services ----
        post = app.worker.post
        checkout = CheckoutViewModel(
            app.catalog,
            post,
            redecide=app.redecide,
            receipt_print=app.print_receipt,
            receipt_qr=app.receipt_qr,
            language=app.language,
        )
        camera = CameraFeed()
        search = SearchViewModel(app.catalog, app.language)
        staff = StaffViewModel(
            app.staff,
            post,
            lambda: app.service.checkout,
            maintenance=app.maintenance,
            history=app.store.recent_sales,
        )
        diagnostics = DiagnosticsViewModel(camera.painted_fps, app.vision_config.tray_region)
        simulator = (
            SimulatorViewModel(app.world, app.catalog, app.language) if show_simulator else None
        )

        def switch(language: str) -> None:
            app.language = language
            w.translations.switch(language)

        lang = LanguageViewModel(app.language, switch)
        lang.listeners += [checkout.set_language, search.set_language]
        if simulator is not None:
            lang.listeners.append(simulator.set_language)

        app.checkout_listeners.append(checkout.on_checkout)
        app.watch.settle_listeners.append(checkout.on_settle)
        app.watch.live_listeners.append(checkout.on_live)
        app.watch.weight_listeners.append(checkout.on_scale)
        app.receipts.listeners.append(checkout.on_receipt)
        app.preview_listeners.append(camera.on_frame)
        app.monitor.listeners.append(diagnostics.on_diagnostics)
        app.badge_listeners.append(staff.on_badge)
        # the next shopper finds the kiosk in its own language again
        default_language = app.config.ui.language

        last_phase = [checkout.phase]

        def back_to_default() -> None:
            # on the way into idle only: a shopper may choose a language on the welcome
            before, last_phase[0] = last_phase[0], checkout.phase
            if before != "idle" and checkout.phase == "idle":
                lang.setLanguage(default_language)

        checkout.changed.connect(back_to_default)
        # the screen starts from the checkout as it is now (it may be a resumed sale)
        checkout.on_checkout(app.service.checkout, ())

        w.checkout, w.camera, w.search, w.staff = checkout, camera, search, staff
        w.diagnostics, w.simulator, w.lang = diagnostics, simulator, lang
        w.view_models = [
            x for x in (checkout, camera, search, staff, diagnostics, simulator, lang) if x
        ]
        w._unhook = lambda: _unhook(app, w)

        # ---- the QML ----
        w.translations.switch(app.language)
        engine = QQmlApplicationEngine()
        w.translations.engine = engine
        engine.warnings.connect(lambda ws: w.warnings.extend(x.toString() for x in ws))
        props = {
            "checkout": checkout,
            "camera": camera,
            "search": search,
            "staff": staff,
            "diagnostics": diagnostics,
            "lang": lang,
            "showSimulator": simulator is not None,
        }
        if simulator is not None:
            props["simulator"] = simulator
        engine.setInitialProperties(props)
        engine.load(QUrl.fromLocalFile(str(QML_DIR / "Main.qml")))
        roots = engine.rootObjects()
        if not roots:
            raise QmlLoadError("the kiosk screens did not load:\n" + "\n".join(w.warnings))
        w.engine = engine
        w.root = roots[0]
        if app.config.ui.fullscreen and visible:
            w.root.showFullScreen()
        elif visible:
            w.root.show()
        return w

    def resize(self, width: int, height: int) -> None:
        assert self.root is not None
        self.root.resize(width, height)

    def grab(self) -> QImage:
        assert self.root is not None
        return self.root.grabWindow()

    def screenshot(self, path: Path, quality: int = -1) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not self.grab().save(str(path), None, quality):
            raise OSError(f"could not write {path}")
        return path

    def close(self) -> None:
        """The engine first (QML binds to the view models), then the view models."""
        self._unhook()
        if self.engine is not None:
            if self.root is not None:
                self.root.close()
            self.root = None
            self.translations.engine = None
            engine, self.engine = self.engine, None
            # Python owns the engine: dropping the last reference deletes it now, with
            # its QML objects, while the view models they bind to still exist.
            del engine
        for vm in self.view_models:
            close = getattr(vm, "close", None)
            if close is not None:
                close()
        self.view_models = []


def _unhook(app: KioskApp, w: KioskWindow) -> None:
    """Stop the services from calling into view models that are about to go."""
    for listeners, cb in (
        (app.checkout_listeners, w.checkout.on_checkout),
        (app.watch.settle_listeners, w.checkout.on_settle),
        (app.watch.live_listeners, w.checkout.on_live),
        (app.watch.weight_listeners, w.checkout.on_scale),
        (app.receipts.listeners, w.checkout.on_receipt),
        (app.preview_listeners, w.camera.on_frame),
        (app.monitor.listeners, w.diagnostics.on_diagnostics),
        (app.badge_listeners, w.staff.on_badge),
    ):
        if cb in listeners:
            listeners.remove(cb)
