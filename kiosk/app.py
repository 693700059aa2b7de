"""The composition root: reads nothing but the config it is given, builds every
service, wires them, starts them in order and stops them in reverse.

    store -> staff -> checkout (recover) -> checkout worker -> scale -> camera/vision
          -> tray watch -> device monitor -> screens

Nothing else constructs services. `KioskApp` is the headless half (no Qt); the
screens are built by `KioskApp.open_window`, which is the only place view models
are made, and closed before the services stop (QML engine first, then view models).

`kiosk demo` runs on the simulated world (`SimWorld`): one virtual tray that the
simulated camera draws and the simulated scale (a real serial driver on a pty)
weighs. With no trained model installed, the tray oracle stands in for the detector.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import cv2

from hardware.camera.frames import Frame
from hardware.camera.health import CheckedSource
from hardware.camera.opencv import OpenCvCamera
from hardware.printer.config import EscPosPrinterConfig
from hardware.printer.driver import EscPosPrinter
from hardware.printer.status import PaperState, PrinterState
from hardware.scale.config import MtSicsConfig, ScaleTiming
from hardware.scale.driver import SerialScale
from hardware.scale.events import ConnectionState, WeightReading
from hardware.scanner.config import SerialScannerConfig
from hardware.scanner.serial_scanner import SerialScanner
from hardware.scanner.symbology import Scan
from hardware.sim.calibration_card import FLAT_CARD, RAISED_CARD
from hardware.sim.camera import SimCameraFault, SimulatedCamera
from hardware.sim.camera_model import default_camera
from hardware.sim.catalog import load_sim_catalog
from hardware.sim.printer import PrinterSimulator
from hardware.sim.scale import ScaleSimulator
from hardware.sim.scanner import ScannerSimulator
from hardware.sim.tray import TRAY_SIZE_MM, TrayError, VirtualTray
from kiosk.catalog_file import load_catalog
from kiosk.checkout_service import CheckoutService
from kiosk.config import ConfigError, KioskConfig
from kiosk.domain.checkout import (
    Checkouts,
    FileHardCase,
    ItemScanned,
    PaymentCancelled,
    PayRequested,
    Phase,
    Policy,
    RecordAbandoned,
    RecordSale,
)
from kiosk.domain.decision import DecisionEngine, DecisionPolicy, ScaleSpec, WeightModel
from kiosk.domain.decision.hard_case import (
    case_record,
    check_at_payment,
    crop_to_tray,
    tray_pixels,
)
from kiosk.models.choice import ORACLE, parse_ref
from kiosk.models.repository import DEFAULT_ROOT, ModelError, ModelRepository
from kiosk.payment.simulated import SimulatedPayments
from kiosk.station.camera_fitting import CameraFitting
from kiosk.station.events import CheckoutWorker
from kiosk.station.model_desk import ModelDesk
from kiosk.station.monitor import DeviceMonitor, DeviceStatus, Diagnostics
from kiosk.station.receipts import E_RECEIPT_URL, ReceiptDesk, printed_receipt
from kiosk.station.sim_world import TrayOracle
from kiosk.station.staff_desk import StaffDesk
from kiosk.station.tray_watch import TrayWatch
from kiosk.store import SalesStore
from kiosk.sync import SyncState, SyncWorker
from kiosk.sync.model_update import ModelFeed
from kiosk.vision.config import VisionConfig
from kiosk.vision.pipeline import HealthState, VisionPipeline
from kiosk.vision.produce_size import ProduceSizer
from kiosk.vision.session import Detector, open_detector

log = logging.getLogger(__name__)

STAFF_BADGE_PREFIX = "STAFF-"
STORE_NAME = "晨光便利 Morning Mart"  # the demo shop; a store's own name belongs in its config
DEMO_STAFF = (("S001", "王芳 Wang Fang", "1234", "supervisor"), ("S002", "Li Lei", "5678", "staff"))

# Tray slots for the simulator panel: where a person would put the next item.
_SLOTS = [(x, y) for y in (95.0, 215.0, 320.0) for x in (95.0, 235.0, 375.0, 510.0)]


class SimWorld:
    """The demo's simulated devices around one virtual tray."""

    def __init__(
        self,
        catalog_path: Path,
        *,
        seed: int = 7,
        size: tuple[int, int] = (960, 540),
        fps: float = 25.0,
        scale_link: Path | None = None,
        printer_link: Path | None = None,
        scanner_link: Path | None = None,
    ) -> None:
        self.sim_catalog = load_sim_catalog(catalog_path)
        self.tray = VirtualTray(self.sim_catalog, seed=seed)
        self.camera_model = default_camera(*size)
        self.camera = SimulatedCamera(
            self.tray, size[0], size[1], fps=fps, seed=seed, camera=self.camera_model
        )
        # a stable name, like /dev/serial/by-id/..., survives the replug of the demo
        self.scale = ScaleSimulator(self.tray, "mtsics", seed=seed, link=scale_link)
        self.printer = PrinterSimulator(link=printer_link, seed=seed)
        self.scanner = ScannerSimulator(link=scanner_link)
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._barcodes = {p.sku: p.barcode for p in self.sim_catalog.products}

    def families(self) -> dict[str, str | None]:
        return {p.sku: p.family for p in self.sim_catalog.products}

    def start(self) -> None:
        self.scale.start()
        self.printer.start()

    def stop(self) -> None:
        self.scanner.close()
        self.printer.stop()
        self.scale.stop()

    def printer_config(self) -> EscPosPrinterConfig:
        return EscPosPrinterConfig(url=self.printer.path, status_timeout_s=0.3)

    def scanner_config(self) -> SerialScannerConfig:
        return SerialScannerConfig(url=self.scanner.path, backoff_initial_s=0.2, backoff_max_s=1.0)

    def scale_config(self) -> MtSicsConfig:
        # A quick reconnect: the demo's "unplug the scale" should recover in a second.
        timing = ScaleTiming(backoff_initial_s=0.2, backoff_max_s=1.0, silence_timeout_s=1.0)
        return MtSicsConfig(url=self.scale.path, timing=timing)

    # ---- what a shopper does (called from the simulator panel's or the script's thread) ----

    def _free_slot(self) -> tuple[float, float]:
        taken = [(i.pose.x_mm, i.pose.y_mm) for i in self.tray.items()]
        for x, y in _SLOTS:
            if all(abs(x - tx) > 60 or abs(y - ty) > 60 for tx, ty in taken):
                return x + self._rng.uniform(-8, 8), y + self._rng.uniform(-8, 8)
        w, h = TRAY_SIZE_MM
        return self._rng.uniform(80, w - 80), self._rng.uniform(80, h - 80)

    def place(
        self,
        sku: str,
        face: str = "top",
        stack: bool = False,
        at: tuple[float, float] | None = None,
        weight_g: float | None = None,
        shift_mm: tuple[float, float] = (0.0, 0.0),
        angle_deg: float | None = None,
    ) -> str:
        """`stack`: on the last item placed, shifted by `shift_mm` from its centre (a
        shift leaves part of the item below in view). Turned by `angle_deg`, or at
        random within ±25°."""
        with self._lock:
            under = None
            if stack:
                items = self.tray.items()
                if items:
                    under = items[-1]
            if under is not None:
                x, y = under.pose.x_mm + shift_mm[0], under.pose.y_mm + shift_mm[1]
            else:
                x, y = at or self._free_slot()
            angle = self._rng.uniform(-25, 25) if angle_deg is None else angle_deg
            try:
                item = self.tray.place(
                    sku,
                    x,
                    y,
                    angle,
                    face=face,
                    on=under.item_id if under else None,
                    weight_g=weight_g,
                )
            except TrayError as err:
                return str(err)
            return f"placed {sku} ({item.weight_g:.0f} g)"

    def remove_last(self) -> str:
        items = self.tray.items()
        if not items:
            return "the tray is empty"
        top = max(items, key=lambda i: (i.base_mm, i.item_id))
        self.tray.remove(top.item_id)
        return f"removed {top.sku}"

    def remove_sku(self, sku: str) -> str:
        for item in reversed(self.tray.items()):
            if item.sku == sku:
                self.tray.remove(item.item_id)
                return f"removed {sku}"
        return f"no {sku} on the tray"

    def spread_out(self) -> str:
        """Move stacked items apart (what the shopper does when asked to)."""
        moved = 0
        for item in self.tray.items():
            if item.resting_on is not None:
                x, y = self._free_slot()
                self.tray.move(item.item_id, x, y, duration_s=0.5)
                moved += 1
        return f"moved {moved} item(s) apart"

    def shuffle(self) -> str:
        for item in self.tray.items():
            x, y = self._free_slot()
            self.tray.move(item.item_id, x, y, duration_s=0.4)
        return "moved the items"

    def clear(self) -> str:
        self.tray.clear()
        return "cleared the tray"

    def wave_hand(self, seconds: float = 1.2) -> str:
        w, h = TRAY_SIZE_MM
        self.tray.hand_enter(w * 0.3, h * 0.9)
        self.tray.hand_move(w * 0.6, h * 0.4, duration_s=seconds)
        time.sleep(seconds)
        self.tray.hand_leave()
        return "a hand passed over the tray"

    def lay_card(self, where: str = "flat") -> str:
        """The fitter's calibration card on the tray: "flat", or "raised" on the block."""
        cards = {"flat": FLAT_CARD, "raised": RAISED_CARD}
        if where not in cards:
            return f"no card position {where!r} (flat or raised)"
        self.camera.card = cards[where]
        return f"the calibration card lies {where} on the tray"

    def take_card_away(self) -> str:
        self.camera.card = None
        return "the calibration card is off the tray"

    def unplug_scale(self) -> str:
        self.scale.unplug()
        return "scale unplugged"

    def replug_scale(self) -> str:
        self.scale.replug()
        return "scale plugged back in"

    def camera_fault(self, fault: str) -> str:
        self.camera.fault = SimCameraFault(fault)
        return f"camera: {fault}"

    def scan(self, sku: str) -> str:
        code = self._barcodes.get(sku, "")
        self.scanner.scan(code, "ean13")
        return f"scanned {code}"

    def scan_badge(self, staff_id: str = "S001") -> str:
        self.scanner.scan(STAFF_BADGE_PREFIX + staff_id, "code128")
        return f"badge {staff_id}"

    def paper(self, state: str) -> str:
        self.printer.paper = state
        return f"printer paper: {state}"


class Maintenance:
    """Staff maintenance actions on the devices (blocking; run from the staff pool)."""

    def __init__(self, app: KioskApp) -> None:
        self.app = app

    def zero_scale(self) -> str:
        if self.app.scale is None:
            return "no scale"
        out = self.app.scale.zero()
        return ("ok: " if out.ok else "failed: ") + out.detail

    def calibrate(self, reference_g: Decimal) -> str:
        reading = self.app.last_weight
        if reading is None or not reading.stable or reading.grams <= 0:
            return "failed: put the reference weight on the tray and wait for a stable reading"
        span = (reference_g / reading.grams).quantize(Decimal("0.00001"))
        if not Decimal("0.9") <= span <= Decimal("1.1"):
            return f"failed: {reading.grams} g read for {reference_g} g is more than 10 % off"
        self.app.watch.span = span
        self.app.save_calibration(span)
        return f"ok: span {span} ({reading.grams} g read as {reference_g} g)"

    def close_lane(self) -> None:
        """Staff took the idle kiosk: nothing on the tray starts a sale meanwhile."""
        self.app.watch.lane_closed = True

    def open_lane(self) -> None:
        """Staff left: the tray as it is now is decided (an item left on it is seen)."""
        if self.app.watch.lane_closed:
            self.app.watch.lane_closed = False
            self.app.redecide()

    def take_card_picture(self, which: str) -> str:
        return self.app.fitting.take(which)

    def calibrate_camera(self) -> str:
        return self.app.fitting.solve()

    def model_releases(self):
        return self.app.models.rows()

    def use_model(self, ref: str) -> str:
        return self.app.models.switch(ref)

    def roll_back_model(self) -> str:
        return self.app.models.roll_back()

    def capture_empty(self) -> str:
        frame = self.app.last_frame
        if frame is None:
            return "failed: no camera frame"
        path = self.app.data_dir / "empty_tray.png"
        cv2.imwrite(str(path), frame.image)
        return f"ok: {path.name} {frame.image.shape[1]}x{frame.image.shape[0]}"


@dataclass
class Timings:
    """When the app became ready (for the cold-start figure)."""

    created: float = field(default_factory=time.perf_counter)
    started: float = 0.0


def _scanner(config, on_scan):
    """The scanner plugin its `type` names (None when the kiosk has none)."""
    if config is None:
        return None
    if config.type == "evdev":
        from hardware.scanner.keyboard import EvdevScanner  # optional extra: evdev

        return EvdevScanner(config.device, on_scan)
    return SerialScanner(config, on_scan)


class KioskApp:
    """Every service of one kiosk, headless. `open_window` adds the screens."""

    def __init__(
        self,
        config: KioskConfig,
        *,
        simulated: bool = True,
        data_dir: Path | None = None,
        camera_size: tuple[int, int] = (960, 540),
        camera_fps: float = 25.0,
        seed: int = 7,
        enrol_demo_staff: bool | None = None,
        use_model: bool | None = None,
    ) -> None:
        self.config = config
        self.simulated = simulated
        # absolute: files are handed to QML as file:// URLs (QR e-receipts, camera shots)
        self.data_dir = Path(data_dir or config.store.data_dir).resolve()
        self.timings = Timings()
        self.language = config.ui.language
        self.last_weight: WeightReading | None = None
        self.last_frame: Frame | None = None
        self._enrol_demo_staff = simulated if enrol_demo_staff is None else enrol_demo_staff
        self._started: list[tuple[str, Callable[[], None]]] = []
        self.window = None

        # ---- build (no threads yet) ----
        self.catalog = load_catalog(config.catalog.path)
        self.store = SalesStore(
            self.data_dir / config.store.database,
            images_dir=self.data_dir / "images",
            max_db_bytes=config.store.max_db_mb * 2**20 if config.store.max_db_mb else None,
        )
        self.staff = StaffDesk(self.store)
        self.sync = (
            SyncWorker(
                config.sync,
                self.store.path,
                self.store.images.root,
                config.device.id,
                heartbeat_source=self._heartbeat,
                model_feed=ModelFeed(
                    config.vision.model,
                    self._repository(config.vision).root,
                    config.sync.model_key,
                    self._on_rollout,
                    self.catalog.skus,
                )
                if config.sync.model_key
                else None,
            )
            if config.sync.enabled
            else None
        )
        self._rollout: str | None = None  # installed by the sync worker, not yet taken
        self.payments = SimulatedPayments(config.payment)
        self.receipts = ReceiptDesk(
            self.data_dir / "receipts",
            store_name=STORE_NAME,
            device_id=config.device.id,
        )
        machine = Checkouts(
            self.catalog,
            Policy(
                max_shopper_attempts=config.checkout.max_shopper_attempts,
                unattended_after_s=config.checkout.unattended_after_s,
            ),
        )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.world: SimWorld | None = None
        if simulated:
            self.world = SimWorld(
                config.catalog.path,
                seed=seed,
                size=camera_size,
                fps=camera_fps,
                scale_link=self.data_dir / "scale-sim",
                printer_link=self.data_dir / "printer-sim",
                scanner_link=self.data_dir / "scanner-sim",
            )
            camera = self.world.camera
            scale_config = self.world.scale_config()
            printer_config = self.world.printer_config()
            scanner_config = self.world.scanner_config()
        else:
            missing = [name for name in ("camera", "scale") if getattr(config, name) is None]
            if missing:
                raise ConfigError(
                    "kiosk run needs the devices in the config: add "
                    + " and ".join(f"[{m}]" for m in missing)
                    + " (see packaging/kiosk.example.toml); `kiosk demo` simulates them"
                )
            camera = OpenCvCamera(config.camera)
            scale_config, printer_config = config.scale, config.printer
            scanner_config = config.scanner
        self.camera = camera
        self.printer = EscPosPrinter(printer_config) if printer_config else None
        if self.printer is not None:
            self.receipts.printer = self._print_on_paper
        self.scanner = _scanner(scanner_config, self._on_scan)
        # (when, the printer's last answer): asked at most every 5 s, by the monitor
        self._printer_status: tuple[float, DeviceStatus | None] = (0.0, None)
        self.vision_config = config.vision
        self.fitting = CameraFitting(
            self.data_dir, lambda: self.last_frame, self._use_camera_calibration
        )
        self.models = ModelDesk(
            self._repository(),
            self.data_dir,
            set(self.catalog.skus),
            open_release=self._open_release,
            serve=self._serve,
            serving=self._serving_ref,
            last_image=lambda: None if self.last_frame is None else self.last_frame.image,
            health=lambda: self.vision.health(),
        )
        self.detector = self._detector(use_model)
        self._load_camera_calibration()
        self.service = CheckoutService(
            machine,
            self.store,
            self.payments,
            device_id=config.device.id,
            model_version=lambda: self.detector.version,
            print_receipt=self.receipts.ready,
        )
        self.checkout_listeners: list[Callable[..., None]] = []
        self._last_phase = Phase.IDLE
        self.service.subscribe(self._on_checkout)
        self.worker = CheckoutWorker(self.service, vet=self._vet)
        self.weights = WeightModel.from_catalog(self.catalog, ScaleSpec())
        self.watch = TrayWatch(
            self._engine(self.detector),
            self.worker.post,
            lambda: self.service.checkout,
            language=lambda: self.language,
        )
        self.watch.span = self.load_calibration()
        self.scale: SerialScale | None = SerialScale(scale_config, self._on_scale_event)
        self.preview_listeners: list[Callable[[Frame], None]] = []
        self.vision = VisionPipeline(
            # a frozen or black picture is a camera fault, not "an empty tray"
            CheckedSource(camera),
            self.detector,
            self.vision_config,
            on_view=self.watch.on_view,
            on_preview=self._on_preview,
            on_outcome=self.watch.on_frame,
            sizer=self._sizer(self.detector),
        )
        self.monitor = DeviceMonitor(
            {"camera": self._camera_status, "scale": self._scale_status},
            self.worker.post,
            self.diagnostics,
        )
        self.badge_listeners: list[Callable[[str], None]] = []
        self.monitor.watchers.append(self._payment_timeout)
        self.monitor.watchers.append(self._model_trial)
        self.watch.settle_listeners.append(self._on_settle_note)
        self._hard_cases = 0
        self._last_settled: tuple[Any, Frame | None] | None = None  # (SettleNote, frame)
        self.maintenance = Maintenance(self)
        self.jobs = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk-jobs")

    # The demo's scripted shoppers expect the product's recognition quality; a model
    # release below it would send them down paths they do not script.
    DEMO_MIN_CACC = 0.97

    def _repository(self, vc: VisionConfig | None = None) -> ModelRepository:
        vc = vc or self.vision_config
        return ModelRepository(Path(vc.repository) if vc.repository else DEFAULT_ROOT)

    def _detector(self, use_model: bool | None):
        """The release staff chose at this kiosk (Models page), while it still proves
        itself; else the newest verified model release when one is installed and it
        reached the product's checkout accuracy (its profile says); the tray oracle
        otherwise. `KIOSK_DEMO_DETECTOR=oracle|model` forces either."""
        vc = self.vision_config
        repo = self._repository()
        forced = os.environ.get("KIOSK_DEMO_DETECTOR", "")
        chosen = self.models.saved() if use_model is None and not forced else None
        if chosen is not None:
            # Staff's choice is the newest word at this kiosk, as a fitter's calibration is.
            try:
                detector = self._open_release(chosen.active, calibrate=False)
            except ModelError as err:
                log.error("staff's model choice %s cannot serve: %s", chosen.active, err)
            else:
                self.detector_note = f"{chosen.active} (chosen by staff at this kiosk)"
                return detector
        if self.world is None:
            # The product: a verified model release, or no start at all.
            try:
                detector = open_detector(vc, known_skus=self.catalog.skus)
            except ModelError as err:
                raise ConfigError(f"no usable model for [vision]: {err}") from None
            self.detector_note = detector.version
            return detector
        oracle = self._oracle()
        if use_model is None:
            use_model = forced != "oracle"
        if not use_model or vc.model not in repo.names():
            self.detector_note = "tray oracle (no model release installed)"
            return oracle
        try:
            release = repo.load(vc.model, vc.version, known_skus=self.catalog.skus)
        except ModelError as err:
            log.error("model %s not usable, the demo uses the tray oracle: %s", vc.model, err)
            self.detector_note = f"tray oracle ({vc.model} not usable: {err})"
            return oracle
        cacc = release.profile.metrics.get("cacc")
        good_enough = isinstance(cacc, int | float) and cacc >= self.DEMO_MIN_CACC
        if not good_enough and forced != "model" and self.simulated:
            self.detector_note = (
                f"tray oracle: {release.ref} reached checkout accuracy {cacc} < "
                f"{self.DEMO_MIN_CACC} (KIOSK_DEMO_DETECTOR=model uses it anyway)"
            )
            return oracle
        self.detector_note = f"{release.ref} (checkout accuracy {cacc})"
        detector = open_detector(vc, release=release)
        if detector.camera is None:
            detector.calibrate(self._fitters_calibration())
        return detector

    # ---- the serving model (staff's Models page: kiosk.station.model_desk) ----

    def _oracle(self) -> TrayOracle:
        return TrayOracle(self.world.tray, self.world.camera_model, self.world.families())

    def _serving_ref(self) -> str:
        return self.detector.version if isinstance(self.detector, Detector) else ORACLE

    def _open_release(self, ref: str, calibrate: bool = True):
        """A warmed-up detector of release `ref` (ModelError when it may not serve),
        measuring with the camera calibration the serving one has."""
        if ref == ORACLE:
            if self.world is None:
                raise ModelError("the tray oracle exists only on the simulated kiosk")
            return self._oracle()
        name, version = parse_ref(ref)
        release = self._repository().load(name, version, known_skus=self.catalog.skus)
        detector = open_detector(self.vision_config, release=release)
        if not calibrate:  # at start-up: the saved calibration is applied after
            if detector.camera is None and self.world is not None:
                detector.calibrate(self._fitters_calibration())
            return detector
        camera = getattr(self.detector, "camera", None)
        if camera is None:
            saved = self.fitting.load(self.camera.resolution)
            camera = saved.camera if saved is not None else None
        if camera is None and self.world is not None:
            camera = self._fitters_calibration()
        if camera is not None:
            detector.calibrate(camera)
        return detector

    def _sizer(self, detector) -> ProduceSizer | None:
        # Only a trained model's boxes: the catalog's size law (`size_weight.looks`) was
        # learned from outlines like theirs; the demo's oracle boxes an item's whole
        # projected body, a third bigger.
        return ProduceSizer.from_catalog(self.catalog) if isinstance(detector, Detector) else None

    def _engine(self, detector) -> DecisionEngine:
        # the serving model brings its own calibration of its scores (the oracle has none)
        profile = getattr(detector, "profile", None)
        policy = DecisionPolicy().calibrated(
            getattr(profile, "vision_sharpness", None), getattr(profile, "missed_per_box", None)
        )
        return DecisionEngine(self.catalog, self.weights, policy)

    def _serve(self, detector) -> None:
        """Put `detector` to work: the decision with its score calibration, the vision
        from the next frame (the staff thread builds the produce sizer's tables first)."""
        sizer = self._sizer(detector)
        camera = getattr(detector, "camera", None)
        if sizer is not None and camera is not None:
            sizer.tables(camera)
        self.watch.engine = self._engine(detector)
        self.vision.use_detector(detector, sizer)
        self.detector = detector
        self.detector_note = f"{self._serving_ref()} (switched to while running)"

    def _on_rollout(self, ref: str) -> None:
        """The sync worker installed the release headquarters rolled out here (sync
        thread): it is taken between sales (`_model_trial`)."""
        self._rollout = ref

    def _model_trial(self) -> None:
        """On the monitor's poll: a rolled-out release starts serving when no sale is
        open; a release that fails on the camera's frames goes back. Both on the jobs
        thread: loading a model blocks, the monitor must not."""
        rollout = self._rollout if self.service.checkout.phase is Phase.IDLE else None
        if rollout is None and not self.models.on_trial:
            return

        def job() -> None:
            if rollout is not None and self._rollout == rollout:
                self._rollout = None
                done = self.models.take_rollout(rollout)
                if done is not None:
                    self.staff.audit(None, "model_rollout", {"result": done})
            done = self.models.check_trial()
            if done is not None:
                self.staff.audit(None, "auto_roll_back_model", {"result": done})

        with contextlib.suppress(RuntimeError):  # shutting down
            self.jobs.submit(job)

    def _use_camera_calibration(self, camera) -> str:
        """Measure with `camera` from the next frame; the size check's state after."""
        calibrate = getattr(self.detector, "calibrate", None)  # the oracle measures nothing
        if calibrate is None:
            return ""
        calibrate(camera)
        vision = getattr(self, "vision", None)  # None while the kiosk is being built
        sizer = vision.sizer if vision is not None else None
        if sizer is not None and camera is not None:
            sizer.tables(camera)  # here, on the staff thread, not on the first fruit's frame
        return self.detector.size_check_state

    def _load_camera_calibration(self) -> None:
        """The calibration a fitter made at this kiosk (maintenance mode) wins over the
        config's and the demo's: it is the newest, and made through this camera."""
        saved = self.fitting.load(self.camera.resolution)
        if saved is not None:
            self._use_camera_calibration(saved.camera)
            made = time.strftime("%Y-%m-%d %H:%M", time.localtime(saved.at))
            log.info("camera calibration made at the kiosk %s used: %s", made, saved.summary)

    def _fitters_calibration(self):
        """The demo kiosk calibrated as a fitter calibrates one: pictures of the card on
        the empty simulated tray and on a 100 mm block, through its camera, read by the
        product's own `kiosk calibrate-camera` code (the world's true pinhole if that
        fails)."""
        from kiosk.vision.camera_calibration import CalibrationError, calibrate_simulated

        cam = self.world.camera_model
        try:
            result = calibrate_simulated(cam)
        except CalibrationError as err:
            log.error("demo camera calibration failed, using the simulator's pinhole: %s", err)
            return cam
        log.info("demo camera calibrated from the card: %.2f px, %.0f mm over the tray",
                 result.error_px, result.camera.position_mm[2])  # fmt: skip
        return result.camera

    # ---- device callbacks (device threads) ----

    def _on_checkout(self, checkout, effects) -> None:
        before, self._last_phase = self._last_phase, checkout.phase
        if before is Phase.OUT_OF_SERVICE and checkout.phase is Phase.PLACING:
            # Back from a fault with the tray still: the camera will not report a new
            # still picture on its own, so decide the tray as it is now.
            self.redecide()
        if self.sync is not None and any(
            isinstance(e, RecordSale | RecordAbandoned) for e in effects
        ):
            self.sync.nudge()
        for e in effects:
            if isinstance(e, FileHardCase):
                self._file_staff_case(e)
        for cb in list(self.checkout_listeners):
            cb(checkout, effects)

    def _payment_timeout(self) -> None:
        """A shopper who walks away from the terminal: give the basket back to review."""
        pending = self.service.checkout.payment
        if (
            self.service.checkout.phase is Phase.PAYING
            and pending is not None
            and time.time() - pending.started_at > self.config.payment.timeout_s
        ):
            log.info("payment %s timed out", pending.attempt_id)
            self.worker.post(PaymentCancelled(time.time()))

    def _on_settle_note(self, note) -> None:
        """Every decision that was not a plain confirmation is a hard case for
        headquarters: the picture, what was seen and weighed, what was decided."""
        frame = self.last_frame
        # kept for a confirmation that staff change later (`_file_staff_case`)
        self._last_settled = (note, frame)
        if not note.decision.hard_case:
            return
        # after the checkout applied the decision, so the case carries its sale id
        self.worker.call(lambda: self.jobs.submit(self._record_hard_case, note, frame))

    def _file_staff_case(self, effect: FileHardCase) -> None:
        """Staff changed a tray the kiosk had confirmed: file that decision, with the
        picture it was made on, as a hard case raised by staff."""
        if self._last_settled is None:
            log.warning("no tray decision to file for %s (%s)", effect.sale_id, effect.raised_by)
            return
        note, frame = self._last_settled
        self.jobs.submit(self._record_hard_case, note, frame, effect.sale_id, effect.raised_by)

    def _record_hard_case(
        self, note, frame: Frame | None, sale_id: str | None = None, raised_by: str = ""
    ) -> None:
        self._hard_cases += 1
        sale_id = sale_id or self.service.checkout.sale_id
        case_id = f"{self.config.device.id}-hc-{int(time.time() * 1000)}-{self._hard_cases}"
        # Only the tray leaves the kiosk: the camera may also see the shopper.
        region = tray_pixels(note.view.frame_size, self.vision_config.tray_region)
        image = None
        if frame is not None:
            try:
                tray = crop_to_tray(frame.image, region)
                ok, jpeg = cv2.imencode(".jpg", tray, [cv2.IMWRITE_JPEG_QUALITY, 90])
                image = jpeg.tobytes() if ok else None
            except ValueError as err:  # a frame of another size than the view's
                log.warning("hard case %s kept without its picture: %s", case_id, err)
        version = note.view.model_version or self.detector.version
        meta = case_record(
            note.decision, note.view, region, note.grams, version, raised_by, note.steps
        )
        self.store.add_hard_case(case_id, sale_id, meta, image).result()

    def _on_scale_event(self, event) -> None:
        if isinstance(event, WeightReading):
            self.last_weight = event
        self.watch.on_scale(event)

    def _on_preview(self, frame: Frame) -> None:
        self.last_frame = frame
        for cb in self.preview_listeners:
            cb(frame)

    def _on_scan(self, scan) -> None:
        if isinstance(scan, Scan):
            self.on_barcode(scan.code)
        else:
            log.info("unreadable scan: %s", scan.reason)

    def _print_on_paper(self, sale, text: str) -> str:
        """The receipt desk's printer: '' when printed, else why not (the screen then
        offers the e-receipt)."""
        receipt = printed_receipt(sale, STORE_NAME, E_RECEIPT_URL)
        outcome = self.printer.print_receipt(receipt)
        return "" if outcome.printed else outcome.detail

    def on_barcode(self, code: str) -> None:
        """The barcode scanner (its own thread): a staff badge or a product."""
        code = code.strip()
        if code.startswith(STAFF_BADGE_PREFIX):
            for cb in self.badge_listeners:
                cb(code)
            return
        product = self.catalog.by_barcode(code)
        if product is None:
            log.info("scanned %r: not a product we sell", code)
            return
        self.worker.post(ItemScanned(time.time(), product.sku))
        self.redecide()

    def _vet(self, event) -> str:
        """The final weight check when the shopper pays (on the checkout thread): the
        tray must still weigh what the basket says. A real mismatch refuses the payment
        and decides the tray again, which brings the shopper back to a corrected
        review. A missing or moving reading does not block: the tray watch already
        sends the checkout back whenever the scale moves."""
        if not isinstance(event, PayRequested):
            return ""
        basket = self.service.checkout.basket
        counts: dict[str, int] = {}
        weighed: list[tuple[str, Decimal]] = []
        for line in basket.active_lines:
            if line.weight_g is not None:
                weighed.append((line.sku, line.weight_g))
            else:
                counts[line.sku] = counts.get(line.sku, 0) + line.quantity
        w = self.last_weight
        measured = self.watch.grams(w) if w is not None and w.stable else None
        check = check_at_payment(self.weights, counts, tuple(weighed), measured)
        if check.ok or check.z is None:
            return ""
        self.watch.redecide()
        return f"the tray weighs {measured} g, the basket {check.expected_g:.0f} g"

    def redecide(self) -> None:
        """After the shopper named or scanned an item: decide the same tray again,
        once the checkout has applied it (the worker runs in order)."""
        self.worker.call(self.watch.redecide)

    # ---- health ----

    def _camera_status(self) -> DeviceStatus:
        h = self.vision.health()
        ok = h.state in (HealthState.RUNNING, HealthState.STARTING)
        return DeviceStatus("camera", ok, f"{h.state.value} {h.last_error}".strip())

    def _scale_status(self) -> DeviceStatus:
        if self.scale is None:
            return DeviceStatus("scale", False, "no scale configured")
        state = self.scale.state
        ident = self.scale.identity
        text = state.value + (f" - {ident.describe()}" if ident else "")
        return DeviceStatus("scale", state is ConnectionState.READY, text)

    def diagnostics(self) -> Diagnostics:
        h = self.vision.health()
        w = self.last_weight
        grams = f"{w.grams} g {'stable' if w.stable else 'moving'}" if w else "-"
        fps = self.camera.fps if h.state is HealthState.RUNNING else 0.0
        return Diagnostics(
            at=time.time(),
            devices=(
                self._camera_status(),
                self._scale_status(),
                self._printer_diag(),
                self._scanner_diag(),
                self._sync_diag(),
            ),
            camera_fps=fps,
            infer_ms=h.infer_ms,
            pipeline_ms=h.pipeline_ms,
            model_version=h.model_version,
            provider=h.provider,
            scale_state=self.scale.state.value if self.scale else "none",
            scale_grams=grams,
            sync_backlog=self.sync.status().backlog if self.sync else self.store.outbox_backlog(),
            frames_skipped=h.frames_skipped,
            size_check=getattr(self.detector, "size_check_state", ""),
        )

    def _scanner_diag(self) -> DeviceStatus:
        if self.scanner is None:
            return DeviceStatus("scanner", True, "none configured (search on screen)")
        state = self.scanner.state.value
        return DeviceStatus("scanner", state == "ready", state)

    def _sync_diag(self) -> DeviceStatus:
        if self.sync is None:
            return DeviceStatus("network", True, "sync off in the config")
        st = self.sync.status()
        text = f"{st.state.value} to {self.config.sync.url}, sent {st.sent}"
        if st.last_error:
            text += f" - {st.last_error}"
        # an unreachable headquarters is not a fault of the checkout: sales wait in the outbox
        return DeviceStatus("network", st.state is not SyncState.RETRYING, text)

    def _heartbeat(self) -> dict:
        """What headquarters learns of this kiosk's health: the keys the protocol's
        Heartbeat names (`kiosk.sync.worker` sends only those). Read on the sync
        thread, so the printer is not asked here: its last answer to the monitor is."""
        h = self.vision.health()
        statuses = [self._camera_status(), self._scale_status(), self._scanner_diag()]
        if self._printer_status[1] is not None:
            statuses.append(self._printer_status[1])
        devices = {
            s.device: ("ok" if s.ok else "fault") + (f" - {s.summary}" if s.summary else "")
            for s in statuses
        }
        if self.printer is None:
            devices["printer"] = "none configured"
        return {
            "model_version": h.model_version,
            "execution_provider": h.provider,
            "devices": {name: text[:200] for name, text in devices.items()},
            "size_check": getattr(self.detector, "size_check_state", "") or None,
        }

    def _printer_diag(self) -> DeviceStatus:
        # asking the printer opens its port: every few seconds is plenty
        if self.printer is None:
            return DeviceStatus("printer", True, "none configured (e-receipts by QR code)")
        at, status = self._printer_status
        if status is None or time.monotonic() - at > 5.0:
            st = self.printer.status()
            ok = st.state is PrinterState.READY and st.paper is not PaperState.OUT
            paper = st.paper.value.replace("_", " ")
            detail = f" - {st.detail}" if st.detail else ""
            status = DeviceStatus("printer", ok, f"{st.state.value}, paper {paper}{detail}")
            self._printer_status = (time.monotonic(), status)
        return status

    # ---- calibration ----

    def _calibration_path(self) -> Path:
        return self.data_dir / "calibration.json"

    def load_calibration(self) -> Decimal:
        try:
            return Decimal(json.loads(self._calibration_path().read_text())["span"])
        except (OSError, ValueError, KeyError):
            return Decimal(1)

    def save_calibration(self, span: Decimal) -> None:
        path = self._calibration_path()
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"span": str(span), "at": time.time()}))
        os.replace(tmp, path)

    # ---- lifecycle ----

    def start(self) -> KioskApp:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._step("store", self.store.start, self.store.close)
        if self._enrol_demo_staff:
            for sid, name, pin, role in DEMO_STAFF:
                self.staff.enrol(sid, name, pin, role, badge=STAFF_BADGE_PREFIX + sid)
        self._step("checkout", self.service.start, self.payments.close)
        self._step("checkout worker", self.worker.start, self.worker.stop)
        if self.world is not None:
            self._step("simulated world", self.world.start, self.world.stop)
        if self.scale is not None:
            self._step("scale", self.scale.start, self.scale.stop)
        if self.scanner is not None:
            self._step("scanner", self.scanner.start, self.scanner.stop)
        self._step("vision", self.vision.start, self.vision.stop)
        self._step("device monitor", self.monitor.start, self.monitor.stop)
        if self.sync is not None:
            self._step("sync", self.sync.start, self.sync.stop)
        self._started.append(("jobs", lambda: self.jobs.shutdown(wait=True)))
        self.timings.started = time.perf_counter()
        return self

    def _step(self, name: str, start: Callable[[], Any], stop: Callable[[], Any]) -> None:
        t0 = time.perf_counter()
        start()
        self._started.append((name, stop))
        log.info("started %s in %.0f ms", name, (time.perf_counter() - t0) * 1000)

    def stop(self) -> None:
        if self.window is not None:
            self.window.close()
            self.window = None
        while self._started:
            name, stop = self._started.pop()
            try:
                stop()
            except Exception:
                log.exception("stopping %s failed", name)

    # ---- the screens ----

    def open_window(self, *, show_simulator: bool = False, visible: bool = True):
        """Builds the view models and the QML window (needs a QGuiApplication)."""
        from kiosk.ui.window import KioskWindow

        self.window = KioskWindow.build(self, show_simulator=show_simulator, visible=visible)
        return self.window

    def print_receipt(self, sale_id: str) -> Future:
        return self.jobs.submit(self.receipts.print, sale_id)

    def receipt_qr(self, sale_id: str) -> Future:
        return self.jobs.submit(self.receipts.qr_code, sale_id)
