"""`kiosk demo`: the kiosk on simulated devices, driven by a person or by a script.

With a display it opens the kiosk window beside the simulator panel. Without one
(or with `QT_QPA_PLATFORM=offscreen`) it plays seven scripted shoppers through the real
screens - it taps the buttons a shopper would tap - writes a screenshot of each step
and prints the sales it stored.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtQuick import QQuickItem, QQuickWindow, QSGRendererInterface
from PySide6.QtTest import QTest

from kiosk.config import KioskConfig
from kiosk.domain.money import format_money


class DemoError(RuntimeError):
    """A scripted step did not happen in time; the message says which."""


def headless_requested() -> bool:
    if os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
        return True
    if os.environ.get("KIOSK_DEMO_HEADLESS"):
        return True
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def qt_application(headless: bool) -> QGuiApplication:
    app = QGuiApplication.instance()
    if app is not None:
        return app  # type: ignore[return-value]
    if headless:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        # no GPU offscreen: Qt Quick's software renderer draws and grabs reliably
        QQuickWindow.setGraphicsApi(QSGRendererInterface.GraphicsApi.Software)
    return QGuiApplication(sys.argv[:1])


def spin(seconds: float) -> None:
    """Run the Qt event loop for a while (the demo's pace; tests wait on conditions)."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def wait_until(what: str, cond: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise DemoError(f"timed out after {timeout:.0f} s waiting for: {what}")
        spin(0.02)


class Driver:
    """Taps the screens like a shopper: finds a control by objectName, clicks its centre."""

    def __init__(self, window) -> None:  # kiosk.ui.window.KioskWindow
        self.window = window

    def item(self, name: str) -> QQuickItem | None:
        # Walk the visual tree: delegates of views and repeaters are not QObject
        # children of the window, so findChildren() misses them.
        stack = [self.window.root.contentItem()]
        while stack:
            it = stack.pop()
            if not it.isVisible() or it.opacity() == 0:
                continue
            if it.objectName() == name and it.isEnabled():
                return it
            stack.extend(it.childItems())
        return None

    def tap(self, name: str, timeout: float = 5.0) -> None:
        wait_until(f"a visible {name!r} to tap", lambda: self.item(name) is not None, timeout)
        it = self.item(name)
        assert it is not None
        centre = it.mapToScene(QPointF(it.width() / 2, it.height() / 2))
        QTest.mouseClick(
            self.window.root, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
            QPoint(round(centre.x()), round(centre.y())),
        )  # fmt: skip
        spin(0.05)

    def type_pin(self, digits: str) -> None:
        for d in digits:
            self.tap(f"pin_{d}")
        self.tap("pin_OK")


VARIANTS = (("zh_CN", 1920, 1080), ("en", 1920, 1080), ("zh_CN", 1280, 800), ("en", 1280, 800))
# The screens worth a picture in every language and size (for the README).
KEY_SHOTS = frozenset(
    {
        "welcome", "plain-review", "plain-pay-method", "plain-paying", "plain-paid",
        "lookalike-question", "lookalike-search", "lookalike-receipt-qr", "produce-review",
        "age-assist", "age-wrong-pin", "age-staff-mode", "age-staff-scale",
        "age-staff-camera", "age-staff-diagnostics", "age-staff-history", "age-staff-models",
        "hidden-question",
        "half-seen-review", "fault-out-of-service", "fitter-calibrated",
    }
)  # fmt: skip


@dataclass
class Shots:
    """Screenshots of the steps; with `variants`, the key screens in every language
    and size too (as JPEG, to keep the committed set small)."""

    directory: Path | None
    variants: tuple[tuple[str, int, int], ...] = ()
    taken: list[Path] = field(default_factory=list)
    counter: int = 0

    def take(self, window, name: str) -> None:
        if self.directory is None:
            return
        spin(0.15)  # one more frame of the camera and the animations
        if self.variants:
            if name in KEY_SHOTS:
                self._variants(window, name)
            return
        self.counter += 1
        path = self.directory / f"{self.counter:02d}-{name}.png"
        self.taken.append(window.screenshot(path))

    def _variants(self, window, name: str) -> None:
        language = window.lang.language
        size = window.root.size()
        for lang, w, h in self.variants:
            window.lang.setLanguage(lang)
            window.resize(w, h)
            spin(0.25)
            path = self.directory / f"{name}-{lang}-{w}x{h}.jpg"
            self.taken.append(window.screenshot(path, quality=85))
        window.lang.setLanguage(language)
        window.resize(size.width(), size.height())
        spin(0.1)


# ---------------------------------------------------------------------------- stories


@dataclass
class Context:
    app: object  # kiosk.app.KioskApp
    window: object
    ui: Driver
    shots: Shots
    out: Callable[[str], None]

    @classmethod
    def ready(cls, app, window, shots: Shots, out: Callable[[str], None] = print) -> Context:
        """A context once the camera shows its first frame and the kiosk waits at idle:
        where every scripted shopper starts (the demo and the UI tests)."""
        ctx = cls(app, window, Driver(window), shots, out)
        wait_until("the camera's first frame", lambda: window.camera.frames_shown > 0, 15)
        ctx.wait_phase("idle", timeout=10)
        return ctx

    @property
    def checkout(self):
        return self.window.checkout

    def phase(self) -> str:
        return self.checkout.phase

    def wait_phase(self, *phases: str, timeout: float = 10.0) -> None:
        wait_until(f"the {' or '.join(phases)} screen", lambda: self.phase() in phases, timeout)

    def wait_review(self, timeout: float = 10.0) -> None:
        wait_until(
            "the basket after the tray settled",
            lambda: self.phase() in ("review", "assist") and self.checkout.itemCount > 0,
            timeout,
        )

    def pay_and_leave(self, method: str, receipt: str, tag: str) -> None:
        ui = self.ui
        ui.tap("payButton")
        self.shots.take(self.window, f"{tag}-pay-method")
        ui.tap("payQr" if method == "qr" else "payCard")
        self.wait_phase("paying")
        self.shots.take(self.window, f"{tag}-paying")
        self.wait_phase("receipt")
        self.shots.take(self.window, f"{tag}-paid")
        ui.tap({"print": "receiptPrint", "qr": "receiptQr"}.get(receipt, "receiptNone"))
        if receipt == "qr":
            wait_until("the e-receipt QR code", lambda: self.checkout.qrCode != "")
        self.shots.take(self.window, f"{tag}-receipt-{receipt}")
        ui.tap("receiptDone")
        self.app.world.clear()
        self.wait_phase("idle")


def shopper_plain(c: Context) -> None:
    """A plain basket: a cola and a bag of chips, paid by QR code, printed receipt."""
    c.app.world.place("cola-classic-330")
    c.app.world.place("chips-original-70")
    c.wait_review()
    c.shots.take(c.window, "plain-review")
    c.pay_and_leave("qr", "print", "plain")


def shopper_lookalike(c: Context) -> None:
    """A look-alike: a cola can upside down (no flavour shown); the shopper picks it."""
    c.app.world.place("cola-zero-330", face="bottom")
    c.app.world.place("water-spring-550")
    c.wait_review()

    def named_right() -> bool:  # a model may read the flavour off the can's bottom
        basket = c.app.service.checkout.basket
        return c.checkout.canPay and basket.counts()["cola-zero-330"] == 1

    wait_until(
        "a question about the can (or the can named right)",
        lambda: c.checkout.guidanceKind == "choose" or named_right(),
    )
    if c.checkout.guidanceKind != "choose":
        c.out("    the recognition named the upside-down can itself: no question needed")
        c.shots.take(c.window, "lookalike-named")
        c.pay_and_leave("card", "qr", "lookalike")
        return
    c.shots.take(c.window, "lookalike-question")
    if c.shots.variants:
        c.ui.tap("searchButton")
        for key in "kele":
            c.ui.tap(f"key_{key}")
        c.shots.take(c.window, "lookalike-search")
        c.window.search.setQuery("")
        c.ui.tap("searchBack")
    c.ui.tap("candidate_cola-zero-330")
    wait_until(
        "the question answered",
        lambda: c.checkout.guidanceKind == "" and c.checkout.canPay,
    )
    c.shots.take(c.window, "lookalike-answered")
    c.pay_and_leave("card", "qr", "lookalike")


def shopper_produce(c: Context) -> None:
    """Loose produce: three apples priced by weight, with a toothpaste."""
    for _ in range(3):
        c.app.world.place("apple-fuji")
    c.app.world.place("toothpaste-120")
    c.wait_review()
    wait_until("the apples weighed", lambda: c.checkout.canPay)
    c.shots.take(c.window, "produce-review")
    c.pay_and_leave("qr", "none", "produce")


def shopper_age(c: Context) -> None:
    """Beer: staff scan their badge, enter the PIN (one wrong first), approve the age."""
    c.app.world.place("beer-seabreeze-500")
    c.app.world.place("peanuts-200")
    c.wait_phase("assist")
    wait_until("the basket", lambda: c.checkout.itemCount >= 2)
    c.shots.take(c.window, "age-assist")
    c.app.world.scan_badge("S001")
    wait_until("the PIN pad for S001", lambda: c.window.staff.pendingStaffId == "S001")
    wait_until("the PIN pad", lambda: c.ui.item("pin_1") is not None)
    c.ui.type_pin("9999")
    wait_until("the wrong PIN told", lambda: c.window.staff.message.startswith("wrong"))
    c.shots.take(c.window, "age-wrong-pin")
    c.ui.type_pin("1234")
    wait_until("staff mode", lambda: c.window.staff.loggedIn)
    c.shots.take(c.window, "age-staff-mode")
    if c.shots.variants:
        for tab, shot in (
            (1, "scale"), (2, "camera"), (3, "diagnostics"), (4, "history"), (5, "models")
        ):  # fmt: skip
            c.ui.tap(f"staffTab{tab}")
            spin(0.6)
            c.shots.take(c.window, f"age-staff-{shot}")
        c.ui.tap("staffTab0")
    c.ui.tap("approveAge")
    wait_until("the age approved", lambda: not c.checkout.needsAgeCheck)
    c.ui.tap("staffLeave")
    c.wait_phase("review")
    c.shots.take(c.window, "age-approved")
    c.pay_and_leave("qr", "print", "age")


def shopper_hidden(c: Context) -> None:
    """A hidden item: gum under a bag of chips. The weight gives it away; the shopper
    is asked to spread the items out, and then both are on the receipt."""
    c.app.world.place("gum-mint-40")
    c.app.world.place("chips-tomato-70", stack=True)
    c.wait_review()
    wait_until("a request to move items", lambda: c.checkout.guidanceKind not in ("",))
    c.shots.take(c.window, "hidden-question")
    c.app.world.spread_out()
    wait_until(
        "both items on the list",
        lambda: c.checkout.itemCount == 2 and c.checkout.canPay,
        timeout=15,
    )
    c.shots.take(c.window, "hidden-resolved")
    c.pay_and_leave("card", "print", "hidden")


def shopper_half_seen(c: Context) -> None:
    """A lighter half under a sandwich: the camera half-sees it, the weight says it is
    there. It goes on the list, by the weight's correction or after the shopper shows it."""
    # Placed and weighed the same way every run: a sandwich 2.5 sd light (it happens)
    # leaves the scale no room to tell a 19 g lighter, and the kiosk would rightly not
    # charge what it cannot check.
    c.app.world.place("lighter", at=(150.0, 120.0), angle_deg=0.0, weight_g=19.0)
    c.app.world.place(
        "sandwich-egg", stack=True, shift_mm=(0.0, 70.0), angle_deg=0.0, weight_g=166.0
    )
    c.wait_review()

    def on_the_list() -> bool:
        counts = c.app.service.checkout.basket.counts()
        return c.checkout.canPay and counts["lighter"] == 1 and counts["sandwich-egg"] == 1

    # The tray oracle half-sees the lighter; a model may see it surely, half-see it or
    # miss it (then the weight asks to spread the items out): every way ends on the list.
    wait_until(
        "the lighter on the list, or a request about it",
        lambda: on_the_list() or c.checkout.guidanceKind != "",
    )
    if c.checkout.guidanceKind != "":
        c.shots.take(c.window, "half-seen-question")
        c.app.world.spread_out()
        wait_until("both items on the list", on_the_list, timeout=15)
    c.shots.take(c.window, "half-seen-review")
    c.pay_and_leave("card", "none", "half-seen")


def shopper_fault(c: Context) -> None:
    """A device fault: the scale is unplugged mid-checkout, then plugged back in."""
    c.app.world.place("milk-pure-250")
    c.app.world.place("bread-toast-400")
    c.wait_review()
    c.app.world.unplug_scale()
    c.wait_phase("out_of_service", timeout=15)
    c.shots.take(c.window, "fault-out-of-service")
    c.app.world.replug_scale()
    c.wait_review(timeout=20)
    wait_until("the basket back", lambda: c.checkout.canPay, timeout=15)
    c.shots.take(c.window, "fault-recovered")
    c.pay_and_leave("qr", "none", "fault")


def frames_after(app, seq: int) -> bool:
    """Two camera frames after frame `seq`: the next one may have been drawn before."""
    return app.last_frame is not None and app.last_frame.seq > seq + 1


def fitter_camera(c: Context) -> None:
    """The fitter calibrates the camera in maintenance mode: the card flat on the empty
    tray, then on the 100 mm block, a picture of each, and the calibration, which the
    size check uses from the next frame on."""
    staff = c.window.staff
    c.app.world.scan_badge("S001")
    wait_until("the PIN pad for S001", lambda: staff.pendingStaffId == "S001")
    wait_until("the PIN pad", lambda: c.ui.item("pin_1") is not None)
    c.ui.type_pin("1234")
    wait_until("staff mode", lambda: staff.loggedIn)
    c.ui.tap("staffTab2")
    for where, button in (("flat", "takeCardFlat"), ("raised", "takeCardRaised"), (None, "")):
        seq = c.app.last_frame.seq if c.app.last_frame else 0
        c.app.world.lay_card(where) if where else c.app.world.take_card_away()
        wait_until("the camera's next pictures", lambda s=seq: frames_after(c.app, s))
        if button:
            before = staff.message
            c.ui.tap(button)
            wait_until(f"the {where} picture", lambda b=before: staff.message != b, timeout=15)
            if not staff.message.startswith("ok"):
                raise DemoError(f"the {where} card's picture: {staff.message}")
            if where == "raised":
                c.shots.take(c.window, "fitter-card-raised")
    before = staff.message
    c.ui.tap("calibrateCamera")
    wait_until("the calibration", lambda: staff.message != before, timeout=15)
    c.out(f"    {staff.message}")
    if not staff.message.startswith("ok"):
        raise DemoError(f"camera calibration: {staff.message}")
    c.shots.take(c.window, "fitter-calibrated")
    c.ui.tap("staffLeave")
    c.wait_phase("idle")


STORIES: tuple[tuple[str, Callable[[Context], None]], ...] = (
    ("A plain basket, paid by QR code", shopper_plain),
    ("A look-alike can: the shopper picks the flavour", shopper_lookalike),
    ("Loose produce by weight", shopper_produce),
    ("An age-restricted item approved by staff", shopper_age),
    ("A hidden item found by the weight", shopper_hidden),
    ("A half-seen item the weight confirms", shopper_half_seen),
    ("The scale unplugged and plugged back in", shopper_fault),
    ("The fitter calibrates the camera (maintenance mode)", fitter_camera),
)


def run_stories(
    app,
    window,
    *,
    shots_dir: Path | None,
    out: Callable[[str], None] = print,
    stories=STORIES,
    variants: tuple[tuple[str, int, int], ...] = (),
) -> list[Path]:
    shots = Shots(shots_dir, variants)
    ctx = Context.ready(app, window, shots, out)
    shots.take(window, "welcome")
    for n, (title, story) in enumerate(stories, 1):
        out(f"=== {n}. {title}")
        t0 = time.monotonic()
        story(ctx)
        out(f"    done in {time.monotonic() - t0:.1f} s")
    return shots.taken


def run_demo(config: KioskConfig, out: Callable[[str], None] = print) -> int:
    """`kiosk demo`: interactive with a display, the scripted shoppers without."""
    from kiosk.app import KioskApp

    headless = headless_requested()
    qt = qt_application(headless)
    # headquarters may well not run beside the demo: one line at the end, not a retry log
    sync_log = logging.getLogger("kiosk.sync")
    if sync_log.getEffectiveLevel() >= logging.WARNING:
        sync_log.setLevel(logging.ERROR)
    data_dir = config.store.data_dir / "demo"
    shutil.rmtree(data_dir, ignore_errors=True)
    app = KioskApp(config, data_dir=data_dir).start()
    out(f"Recognition: {app.detector_note}")
    try:
        window = app.open_window(show_simulator=not headless, visible=True)
        if not headless:
            screen = qt.primaryScreen().availableGeometry()
            window.resize(min(screen.width(), 1920 + 440), min(screen.height(), 1080))
            out("The kiosk is open. Use the simulator panel on the right to play the shopper.")
            out("Staff: press and hold the store name for 2 s; staff S001, PIN 1234.")
            return int(qt.exec())
        shots_dir = Path(os.environ.get("KIOSK_DEMO_SHOTS", data_dir / "screenshots"))
        shutil.rmtree(shots_dir, ignore_errors=True)
        window.resize(1920, 1080)
        run_stories(app, window, shots_dir=shots_dir, out=out)
        printed = app.world.printer.receipts
        out(f"\n=== The printer (simulated, ESC/POS decoded) printed {len(printed)} receipts")
        if printed:
            out(printed[0].text)
        out(f"\n=== Screenshots of every step: {shots_dir}")
        out(f"=== Stored in {app.store.path}")
        for row in reversed(app.store.recent_sales()):
            out(f"  {row['id']}  {row['status']:<9} {format_money(row['total']):>9}")
        out(f"  outbox rows waiting for headquarters: {app.store.outbox_backlog()}")
        if app.sync is not None:
            st = app.sync.status()
            out(
                f"  sync to {config.sync.url}: {st.state.value}, {st.sent} sent"
                + ("" if st.sent else " (start `hq serve --demo` to watch them arrive)")
            )
        return 0
    except DemoError as err:
        out(f"demo stopped: {err}")
        if app.window is not None:
            out(f"the screen at that moment: {app.window.screenshot(data_dir / 'failed.png')}")
        return 1
    finally:
        app.stop()
        QCoreApplication.processEvents()


def main(argv: list[str] | None = None) -> int:
    """`python -m kiosk.ui.demo` (what `kiosk demo` will call once the CLI points here);
    `--screenshots DIR`: the key screens in both languages at 1920x1080 and 1280x800."""
    import argparse

    from kiosk.app import KioskApp
    from kiosk.config import load_config

    parser = argparse.ArgumentParser(prog="python -m kiosk.ui.demo")
    parser.add_argument("--screenshots", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.screenshots is None:
        return run_demo(load_config())
    qt_application(headless=True)
    config = load_config(environ={**os.environ, "KIOSK__SYNC__ENABLED": "false"})
    data_dir = Path(tempfile.mkdtemp(prefix="kiosk-shots-"))
    app = KioskApp(config, data_dir=data_dir).start()
    try:
        window = app.open_window(visible=True)
        window.resize(1920, 1080)
        args.screenshots.mkdir(parents=True, exist_ok=True)
        taken = run_stories(app, window, shots_dir=args.screenshots, variants=VARIANTS)
        print(f"{len(taken)} screenshots in {args.screenshots}")
        return 0
    finally:
        app.stop()


if __name__ == "__main__":
    sys.exit(main())
