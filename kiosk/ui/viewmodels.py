"""View models: what the screens show, and the slots the screens call.

Threads: every `on_*` method may be called from a worker (the checkout worker, the
camera's inference thread, the scale thread, the device monitor). Each one only
emits a private signal; the view model lives on the GUI thread, so the connected
slot runs there (a queued connection) and is the only code that changes state the
screens see. Slots called by QML never block: events go to the checkout worker,
slow staff work to a thread pool, and results come back the same queued way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Property, QObject, QTimer, Signal, Slot

from hardware.scale.events import ConnectionChanged, ScaleFaulted, WeightReading
from kiosk.domain.basket import LineSource
from kiosk.domain.catalog import Catalog, Product
from kiosk.domain.checkout import (
    Checkout,
    CompletedSale,
    Effect,
    Event,
    HelpRequested,
    ItemPicked,
    LineVoided,
    PaymentCancelled,
    PayRequested,
    Phase,
    QuantityChanged,
    ReceiptDone,
    Rejected,
    StaffAction,
    StaffResolved,
)
from kiosk.domain.decision import Decision, RequestKind
from kiosk.domain.money import format_money
from kiosk.domain.staff import LoginStatus
from kiosk.domain.tray_view import TrayView
from kiosk.ui.listmodels import (
    BasketModel,
    BasketRow,
    BoxModel,
    BoxRow,
    InfoModel,
    InfoRow,
    ProductModel,
    ProductRow,
)

log = logging.getLogger(__name__)

ART_DIR = Path(__file__).resolve().parents[2] / "assets" / "art"


def picture_url(sku: str) -> str:
    path = ART_DIR / sku / "top_0.png"
    return path.as_uri() if path.exists() else ""


def _zh(language: str) -> bool:
    return language.startswith("zh")


def product_row(p: Product, language: str) -> ProductRow:
    zh = _zh(language)
    price = format_money(p.price) + ("/kg" if p.sold_by_weight else "")
    return ProductRow(
        sku=p.sku,
        name=p.name_zh if zh else p.name_en,
        otherName=p.name_en if zh else p.name_zh,
        price=price,
        picture=picture_url(p.sku),
        byWeight=p.sold_by_weight,
        ageRestricted=p.age_restricted,
    )


def review_boxes(
    view: TrayView, decision: Decision, catalog: Catalog, language: str
) -> list[BoxRow]:
    """The boxes drawn over the review picture: each item the camera read, by name,
    and a "?" on every box a request is about. A box the camera only half-saw
    (`TrayView.doubtful`) shows when asked about, or by name when the weight's
    correction took it for that item."""
    w, h = view.frame_size
    asked: set[int] = set()
    for r in decision.requests:
        asked.update(r.boxes)
    taken = dict(decision.half_seen)
    rows = []
    for i in range(len(view.items) + len(view.doubtful)):
        if i >= len(view.items) and i not in asked and i not in taken:
            continue
        item = view.seen(i)
        x1, y1, x2, y2 = item.box
        sku = taken.get(i) or item.best.sku
        if i in asked:
            label, kind = "?", "ask"
        else:
            label, kind = (catalog.get(sku).name(language) if sku in catalog else "?"), "ok"
        rows.append(BoxRow(x1 / w, y1 / h, (x2 - x1) / w, (y2 - y1) / h, label, kind))
    return rows


class LanguageViewModel(QObject):
    """The language of the screens; switching retranslates QML and product names."""

    languageChanged = Signal()

    def __init__(self, language: str, switch: Callable[[str], None]) -> None:
        super().__init__()
        self._language = language
        self._switch = switch
        self.listeners: list[Callable[[str], None]] = []

    def _get(self) -> str:
        return self._language

    language = Property(str, _get, notify=languageChanged)

    @Slot(str)
    def setLanguage(self, language: str) -> None:
        if language not in ("zh_CN", "en") or language == self._language:
            return
        self._language = language
        self._switch(language)
        for cb in self.listeners:
            cb(language)
        self.languageChanged.emit()


class CheckoutViewModel(QObject):
    """The shopper's screens: phase, basket, guidance on the camera image, payment."""

    changed = Signal()
    guidanceChanged = Signal()
    scaleChanged = Signal()
    noticeChanged = Signal()
    receiptChanged = Signal()
    basketShown = Signal()  # a tray decision reached the screen (for measurements)

    _checkout_arrived = Signal(object, object)
    _settle_arrived = Signal(object)
    _live_arrived = Signal(object)
    _scale_arrived = Signal(object)
    _receipt_arrived = Signal(object, str)
    _qr_arrived = Signal(str, str)
    _printed = Signal(str, str)  # (sale id, '' or why it did not print)

    def __init__(
        self,
        catalog: Catalog,
        post: Callable[[Event], object],
        *,
        redecide: Callable[[], object] = lambda: None,
        receipt_print: Callable[[str], Future | None] = lambda sale_id: None,
        receipt_qr: Callable[[str], Future | None] = lambda sale_id: None,
        language: str = "zh_CN",
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.catalog = catalog
        self._post = post
        self._redecide = redecide
        self._receipt_print = receipt_print
        self._receipt_qr = receipt_qr
        self._clock = clock
        self._monotonic = monotonic
        self._language = language
        self._checkout = Checkout()
        self._note = None  # the last SettleNote
        self._pending_settle: float | None = None  # stable_at of a decision not yet shown
        self.stable_to_basket_ms: list[float] = []
        self._scale_text = "—"
        self._scale_stable = False
        self._scale_ok = False
        self._notice = ""
        self._receipt_text = ""
        self._qr_url = ""
        self._receipt_choice = ""
        self.basket = BasketModel(self)
        self.boxes = BoxModel(self)
        self.candidates = ProductModel(self)
        self._guidance = ("", "")  # (kind, text)
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.setInterval(6000)
        self._notice_timer.timeout.connect(self._clear_notice)
        self._checkout_arrived.connect(self._apply_checkout)
        self._settle_arrived.connect(self._apply_settle)
        self._live_arrived.connect(self._apply_live)
        self._scale_arrived.connect(self._apply_scale)
        self._receipt_arrived.connect(self._apply_receipt)
        self._qr_arrived.connect(self._apply_qr)
        self._printed.connect(self._apply_printed)

    # ---- from workers: only emit ------------------------------------------------

    def on_checkout(self, checkout: Checkout, effects: tuple[Effect, ...]) -> None:
        self._checkout_arrived.emit(checkout, effects)

    def on_settle(self, note) -> None:  # kiosk.station.tray_watch.SettleNote
        self._settle_arrived.emit(note)

    def on_live(self, live) -> None:  # kiosk.station.tray_watch.LiveTray
        self._live_arrived.emit(live)

    def on_scale(self, event) -> None:
        self._scale_arrived.emit(event)

    def on_receipt(self, sale: CompletedSale, text: str) -> None:
        self._receipt_arrived.emit(sale, text)

    # ---- GUI thread ---------------------------------------------------------------

    @Slot(object, object)
    def _apply_checkout(self, checkout: Checkout, effects: tuple[Effect, ...]) -> None:
        before = self._checkout
        self._checkout = checkout
        if checkout.basket != before.basket or checkout.phase != before.phase:
            self._refresh_basket()
        if self._pending_settle is not None and checkout.phase is not Phase.PLACING:
            self.stable_to_basket_ms.append((self._monotonic() - self._pending_settle) * 1000)
            self._pending_settle = None
            self.basketShown.emit()
        if checkout.phase is not before.phase:
            if checkout.phase in (Phase.IDLE, Phase.PLACING):
                self._note = None
                self._set_guidance("", "")
                self.candidates.set_rows([])
            if checkout.phase is Phase.IDLE:
                self.boxes.set_rows([])
                self._receipt_text = self._qr_url = self._receipt_choice = ""
                self.receiptChanged.emit()
        if checkout.phase is Phase.REVIEW and not checkout.problem and self._guidance[0]:
            self._set_guidance("", "")
            self.candidates.set_rows([])
            self._refresh_boxes()
        for effect in effects:
            if isinstance(effect, Rejected) and effect.event in (
                "PayRequested",
                "QuantityChanged",
                "ItemPicked",
                "LineVoided",
            ):
                self._show_notice(effect.why)
        self.changed.emit()

    @Slot(object)
    def _apply_settle(self, note) -> None:
        self._note = note
        self._pending_settle = note.stable_at
        requests = note.decision.requests
        if requests:
            r = requests[0]
            self._set_guidance(r.kind.value, r.text(self._language))
            if r.kind is RequestKind.CHOOSE:
                self.candidates.set_rows(
                    [product_row(self.catalog.get(s.sku), self._language) for s in r.skus]
                )
            else:
                self.candidates.set_rows([])
        elif note.decision.staff_reason is not None:
            self._set_guidance("staff", note.decision.message(self._language))
            self.candidates.set_rows([])
        else:
            self._set_guidance("", "")
            self.candidates.set_rows([])
        self._refresh_boxes()

    @Slot(object)
    def _apply_live(self, live) -> None:
        if self._checkout.phase not in (Phase.PLACING, Phase.IDLE) or self._note is not None:
            return
        w, h = live.frame_size
        self.boxes.set_rows(
            [
                BoxRow(
                    it.box[0] / w,
                    it.box[1] / h,
                    (it.box[2] - it.box[0]) / w,
                    (it.box[3] - it.box[1]) / h,
                    "",
                    "live",
                )
                for it in live.items
            ]
        )

    @Slot(object)
    def _apply_scale(self, event) -> None:
        if isinstance(event, WeightReading):
            text = (
                f"{event.grams:.0f} g"
                if abs(event.grams) < 1000
                else f"{event.grams / 1000:.3f} kg"
            )
            state = (text, event.stable, True)
        elif isinstance(event, ConnectionChanged):
            state = ("—", False, event.state.value == "ready")
        elif isinstance(event, ScaleFaulted):
            state = ("—", False, False)
        else:
            state = (self._scale_text, False, self._scale_ok)
        if state != (self._scale_text, self._scale_stable, self._scale_ok):
            self._scale_text, self._scale_stable, self._scale_ok = state
            self.scaleChanged.emit()

    @Slot(object, str)
    def _apply_receipt(self, sale: CompletedSale, text: str) -> None:
        self._receipt_text = text
        self.receiptChanged.emit()

    @Slot(str, str)
    def _apply_qr(self, sale_id: str, url: str) -> None:
        if self._checkout.sale_id == sale_id or (
            self._checkout.paid is not None and self._checkout.paid.sale_id == sale_id
        ):
            self._qr_url = url
            self.receiptChanged.emit()

    def _refresh_basket(self) -> None:
        zh = _zh(self._language)
        rows = []
        for line in self._checkout.basket.lines:
            if line.voided:
                continue
            weight = ""
            unit = format_money(line.unit_price)
            if line.weight_g is not None:
                weight = f"{line.weight_g.quantize(Decimal(1))} g"
                unit += "/kg"
            rows.append(
                BasketRow(
                    lineId=line.line_id,
                    sku=line.sku,
                    name=line.name_zh if zh else line.name_en,
                    quantity=line.quantity,
                    unitPrice=unit,
                    weight=weight,
                    lineTotal=format_money(line.total),
                    source=line.source.value,
                    needsAge=line.needs_age_check,
                    approved=line.age_restricted and line.approved_by is not None,
                    voided=line.voided,
                    picture=picture_url(line.sku),
                    editable=line.source in (LineSource.BARCODE, LineSource.MANUAL),
                )
            )
        self.basket.set_rows(rows)

    def _refresh_boxes(self) -> None:
        note = self._note
        if note is None:
            self.boxes.set_rows([])
            return
        self.boxes.set_rows(review_boxes(note.view, note.decision, self.catalog, self._language))

    def _set_guidance(self, kind: str, text: str) -> None:
        if (kind, text) != self._guidance:
            self._guidance = (kind, text)
            self.guidanceChanged.emit()

    def _show_notice(self, text: str) -> None:
        self._notice = text
        self._notice_timer.start()
        self.noticeChanged.emit()

    @Slot()
    def _clear_notice(self) -> None:
        self._notice = ""
        self.noticeChanged.emit()

    def set_language(self, language: str) -> None:
        """GUI thread (from LanguageViewModel)."""
        self._language = language
        self._refresh_basket()
        self._refresh_boxes()
        if self._note is not None:
            self._apply_settle_texts()
        self.changed.emit()

    def _apply_settle_texts(self) -> None:
        note = self._note
        requests = note.decision.requests
        if requests:
            self._set_guidance(requests[0].kind.value, requests[0].text(self._language))
            if requests[0].kind is RequestKind.CHOOSE:
                self.candidates.set_rows(
                    [product_row(self.catalog.get(s.sku), self._language) for s in requests[0].skus]
                )
        elif note.decision.staff_reason is not None:
            self._set_guidance("staff", note.decision.message(self._language))

    # ---- properties ---------------------------------------------------------------

    def _phase(self) -> str:
        return self._checkout.phase.value

    def _total(self) -> str:
        return format_money(self._checkout.basket.total)

    def _item_count(self) -> int:
        return self._checkout.basket.item_count

    def _can_pay(self) -> bool:
        return self._checkout.can_pay

    def _problem(self) -> str:
        return self._guidance[1] or self._checkout.problem

    def _assist_reason(self) -> str:
        r = self._checkout.assist_reason
        return r.value if r else ""

    def _faults(self) -> str:
        return ", ".join(device for device, _ in self._checkout.faults)

    def _fault_detail(self) -> str:
        return "; ".join(f"{d}: {t}" for d, t in self._checkout.faults)

    def _sale_id(self) -> str:
        c = self._checkout
        return (c.paid.sale_id if c.paid else c.sale_id) or ""

    def _payment_amount(self) -> str:
        p = self._checkout.payment
        return format_money(p.amount if p else self._checkout.basket.total)

    def _payment_method(self) -> str:
        p = self._checkout.payment
        return p.method if p else ""

    def _needs_age(self) -> bool:
        return self._checkout.basket.needs_age_check

    def _tray_empty(self) -> bool:
        return self._checkout.tray_empty

    def _receipt_done(self) -> bool:
        return self._checkout.receipt_done

    def _paid_total(self) -> str:
        p = self._checkout.paid
        return format_money(p.total) if p else ""

    phase = Property(str, _phase, notify=changed)
    total = Property(str, _total, notify=changed)
    itemCount = Property(int, _item_count, notify=changed)
    canPay = Property(bool, _can_pay, notify=changed)
    assistReason = Property(str, _assist_reason, notify=changed)
    faults = Property(str, _faults, notify=changed)
    faultDetail = Property(str, _fault_detail, notify=changed)
    saleId = Property(str, _sale_id, notify=changed)
    paymentAmount = Property(str, _payment_amount, notify=changed)
    paymentMethod = Property(str, _payment_method, notify=changed)
    needsAgeCheck = Property(bool, _needs_age, notify=changed)
    trayEmpty = Property(bool, _tray_empty, notify=changed)
    receiptDone = Property(bool, _receipt_done, notify=changed)
    paidTotal = Property(str, _paid_total, notify=changed)

    def _guidance_kind(self) -> str:
        return self._guidance[0]

    guidanceKind = Property(str, _guidance_kind, notify=guidanceChanged)
    problem = Property(str, _problem, notify=guidanceChanged)

    def _get_scale_text(self) -> str:
        return self._scale_text

    def _get_scale_stable(self) -> bool:
        return self._scale_stable

    def _get_scale_ok(self) -> bool:
        return self._scale_ok

    scaleText = Property(str, _get_scale_text, notify=scaleChanged)
    scaleStable = Property(bool, _get_scale_stable, notify=scaleChanged)
    scaleOk = Property(bool, _get_scale_ok, notify=scaleChanged)

    def _get_notice(self) -> str:
        return self._notice

    notice = Property(str, _get_notice, notify=noticeChanged)

    def _get_receipt_text(self) -> str:
        return self._receipt_text

    def _get_qr(self) -> str:
        return self._qr_url

    def _get_choice(self) -> str:
        return self._receipt_choice

    receiptText = Property(str, _get_receipt_text, notify=receiptChanged)
    qrCode = Property(str, _get_qr, notify=receiptChanged)
    receiptChoice = Property(str, _get_choice, notify=receiptChanged)

    def _basket(self) -> QObject:
        return self.basket

    def _boxes(self) -> QObject:
        return self.boxes

    def _candidates(self) -> QObject:
        return self.candidates

    basketModel = Property(QObject, _basket, constant=True)
    boxModel = Property(QObject, _boxes, constant=True)
    candidateModel = Property(QObject, _candidates, constant=True)

    @property
    def checkout(self) -> Checkout:
        return self._checkout

    # ---- slots for the screens -------------------------------------------------------

    @Slot(str)
    def pay(self, method: str) -> None:
        self._post(PayRequested(self._clock(), method))

    @Slot()
    def cancelPayment(self) -> None:
        self._post(PaymentCancelled(self._clock()))

    @Slot()
    def callHelp(self) -> None:
        self._post(HelpRequested(self._clock()))

    @Slot(str)
    def pick(self, sku: str) -> None:
        """The shopper names an item: a candidate on the image, or a search result."""
        if sku not in self.catalog:
            return
        self._post(ItemPicked(self._clock(), sku))
        self._redecide()

    @Slot(int, int)
    def setQuantity(self, line_id: int, quantity: int) -> None:
        if quantity <= 0:
            self._post(LineVoided(self._clock(), line_id, "removed by the shopper"))
        else:
            self._post(QuantityChanged(self._clock(), line_id, quantity))
        self._redecide()

    @Slot(str)
    def chooseReceipt(self, choice: str) -> None:
        sale_id = self._sale_id()
        if not sale_id or choice not in ("print", "qr", "none"):
            return
        self._receipt_choice = choice
        self.receiptChanged.emit()
        if choice == "print":
            fut = self._receipt_print(sale_id)
            if fut is not None:
                fut.add_done_callback(
                    lambda f, s=sale_id: self._printed.emit(
                        s, str(f.exception()) if f.exception() else (f.result() or "")
                    )
                )
        elif choice == "qr":
            fut = self._receipt_qr(sale_id)
            if fut is not None:
                fut.add_done_callback(
                    lambda f, s=sale_id: self._qr_arrived.emit(
                        s, f.result().as_uri() if not f.exception() and f.result() else ""
                    )
                )

    @Slot(str, str)
    def _apply_printed(self, sale_id: str, problem: str) -> None:
        if not problem or sale_id != self._sale_id():
            return
        # no paper, cover open, printer gone: the shopper still gets a receipt
        self._show_notice(problem)
        self.chooseReceipt("qr")

    @Slot()
    def finishReceipt(self) -> None:
        self._post(ReceiptDone(self._clock()))

    def event_post(self, event: Event) -> None:
        """For the demo's scripted shopper and the staff screen."""
        self._post(event)


class SearchViewModel(QObject):
    """The product search with the on-screen keyboard: pinyin, Chinese or English."""

    changed = Signal()

    def __init__(self, catalog: Catalog, language: str = "zh_CN") -> None:
        super().__init__()
        self.catalog = catalog
        self._language = language
        self._query = ""
        self.results = ProductModel(self)
        self._browse()

    def _browse(self) -> None:
        # an empty search shows what cannot be recognised well: loose produce first
        products = sorted(self.catalog, key=lambda p: (not p.sold_by_weight, p.category, p.sku))
        self.results.set_rows([product_row(p, self._language) for p in products[:24]])

    def set_language(self, language: str) -> None:
        self._language = language
        self.setQuery(self._query, force=True)

    def _get_query(self) -> str:
        return self._query

    query = Property(str, _get_query, notify=changed)

    def _results(self) -> QObject:
        return self.results

    resultModel = Property(QObject, _results, constant=True)

    @Slot(str)
    def setQuery(self, text: str, force: bool = False) -> None:
        text = text[:24]
        if text == self._query and not force:
            return
        self._query = text
        if text.strip():
            found = self.catalog.search(text, limit=24)
            self.results.set_rows([product_row(p, self._language) for p in found])
        else:
            self._browse()
        self.changed.emit()

    @Slot(str)
    def type(self, key: str) -> None:
        if key == "⌫":
            self.setQuery(self._query[:-1])
        elif key == "clear":
            self.setQuery("")
        else:
            self.setQuery(self._query + key)


class StaffViewModel(QObject):
    """Staff mode: PIN login with lockout, approvals, voids, overrides, maintenance.

    Every action runs on the staff pool (it blocks on the store and hashes PINs) and
    is written to the audit log with the staff id; results come back queued."""

    changed = Signal()
    _done = Signal(str, object)  # (what, result) from the pool
    _badge = Signal(str)

    def __init__(
        self,
        desk,  # kiosk.station.staff_desk.StaffDesk
        post: Callable[[Event], object],
        checkout: Callable[[], Checkout],
        *,
        maintenance: Any = None,  # kiosk.app.Maintenance: scale, empty tray, camera calibration
        history: Callable[[], list[dict[str, Any]]] = list,
        clock: Callable[[], float] = time.time,
        idle_logout_s: float = 120.0,
    ) -> None:
        super().__init__()
        self.desk = desk
        self._post = post
        self._checkout = checkout
        self._maintenance = maintenance
        self._history = history
        self._clock = clock
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="staff")
        self._open = False  # the PIN pad or the staff panel is showing
        self._staff_id = ""
        self._staff_name = ""
        self._pending_id = ""  # badge scanned, waiting for the PIN
        self._message = ""
        self._locked_until = 0.0
        self._busy = False
        self.history = InfoModel(self)
        self.audit = InfoModel(self)
        self.models = InfoModel(self)  # the installed model releases
        self._done.connect(self._apply)
        self._badge.connect(self.badgeScanned)
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(int(idle_logout_s * 1000))
        self._idle.timeout.connect(self.logout)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    # ---- plumbing ----
    def _run(self, what: str, fn: Callable[[], Any]) -> None:
        self._busy = True
        self.changed.emit()
        fut = self._pool.submit(fn)
        fut.add_done_callback(lambda f: self._done.emit(what, f))

    @Slot(str, object)
    def _apply(self, what: str, fut: Future) -> None:
        self._busy = False
        err = fut.exception()
        if err is not None:
            log.error("staff action %s failed: %s", what, err)
            self._message = f"{what}: {err}"
            self.changed.emit()
            return
        result = fut.result()
        if what == "login":
            self._after_login(result)
        elif what == "history":
            self.history.set_rows(result[0])
            self.audit.set_rows(result[1])
        elif what == "models":
            self.models.set_rows(result)
        elif what == "badge":
            if result.startswith("badge:"):
                self._pending_id = result.removeprefix("badge:")
                self._message = ""
            else:
                self._message = "unknown"
        elif isinstance(result, str):
            self._message = result
        if what in ("use_model", "roll_back_model"):
            self.refreshModels()  # which one serves, and which is kept to roll back to
        self.changed.emit()

    def _after_login(self, result) -> None:
        status = result.status
        if status is LoginStatus.OK:
            if self._maintenance is not None and self._checkout().phase is Phase.IDLE:
                self._maintenance.close_lane()  # maintenance, not a sale: see TrayWatch
            self._staff_id = result.member.staff_id
            self._staff_name = result.member.name
            self._message = ""
            self._pending_id = ""
            self._idle.start()
            self.refreshHistory()
        elif status in (LoginStatus.LOCKED, LoginStatus.LOCKED_NOW):
            self._locked_until = result.locked_until
            self._message = "locked"
        elif status is LoginStatus.WRONG_PIN:
            self._message = f"wrong:{result.attempts_left}"
        else:
            self._message = "unknown"

    def _audit(self, action: str, detail: dict[str, Any]) -> None:
        self.desk.audit(self._staff_id, action, detail)

    # ---- properties ----
    def _get_open(self) -> bool:
        return self._open

    def _get_logged_in(self) -> bool:
        return bool(self._staff_id)

    def _get_staff(self) -> str:
        return f"{self._staff_name} ({self._staff_id})" if self._staff_id else ""

    def _get_message(self) -> str:
        return self._message

    def _get_locked_s(self) -> int:
        return max(0, int(self._locked_until - self._clock() + 0.999))

    def _get_pending(self) -> str:
        return self._pending_id

    def _get_busy(self) -> bool:
        return self._busy

    open = Property(bool, _get_open, notify=changed)
    loggedIn = Property(bool, _get_logged_in, notify=changed)
    staff = Property(str, _get_staff, notify=changed)
    message = Property(str, _get_message, notify=changed)
    lockedSeconds = Property(int, _get_locked_s, notify=changed)
    pendingStaffId = Property(str, _get_pending, notify=changed)
    busy = Property(bool, _get_busy, notify=changed)

    def _h(self) -> QObject:
        return self.history

    def _a(self) -> QObject:
        return self.audit

    def _m(self) -> QObject:
        return self.models

    historyModel = Property(QObject, _h, constant=True)
    auditModel = Property(QObject, _a, constant=True)
    modelsModel = Property(QObject, _m, constant=True)

    # ---- slots ----
    @Slot()
    def openPad(self) -> None:
        """The hidden long-press."""
        self._open = True
        self._message = ""
        self.changed.emit()

    def on_badge(self, code: str) -> None:
        """A staff badge was scanned (scanner thread: hop first)."""
        self._badge.emit(code)

    @Slot(str)
    def badgeScanned(self, code: str) -> None:
        def find() -> str:
            member = self.desk.by_badge(code)
            return f"badge:{member.staff_id}" if member else "unknown"

        self._open = True
        self._run("badge", find)

    @Slot(str, str)
    def login(self, staff_id: str, pin: str) -> None:
        if self._busy:
            return
        self._run("login", lambda: self.desk.login(staff_id, pin))

    @Slot()
    def logout(self) -> None:
        if self._staff_id:
            sid = self._staff_id
            self._pool.submit(self.desk.audit, sid, "logout", {})
            if self._maintenance is not None:
                self._maintenance.open_lane()
        self._staff_id = self._staff_name = self._message = self._pending_id = ""
        self._open = False
        self._idle.stop()
        self.changed.emit()

    def _staff_event(self, action: StaffAction, reason: str = "") -> None:
        if not self._staff_id:
            return
        self._idle.start()
        sid = self._staff_id
        sale = self._checkout().sale_id
        self._post(StaffResolved(self._clock(), sid, action, reason))
        self._run(
            action.value,
            lambda: self._audit(action.value, {"sale_id": sale, "reason": reason}) or "",
        )

    @Slot()
    def approveAge(self) -> None:
        self._staff_event(StaffAction.APPROVE_AGE)

    @Slot(str)
    def override(self, reason: str) -> None:
        if not reason.strip():
            self._message = "reason"
            self.changed.emit()
            return
        self._staff_event(StaffAction.OVERRIDE, reason.strip())

    @Slot(str)
    def cancelSale(self, reason: str) -> None:
        self._staff_event(StaffAction.CANCEL_SALE, reason.strip() or "cancelled by staff")

    @Slot()
    def resume(self) -> None:
        self._staff_event(StaffAction.RESUME)

    @Slot(int, str)
    def voidLine(self, line_id: int, reason: str) -> None:
        if not self._staff_id:
            return
        sid, sale = self._staff_id, self._checkout().sale_id
        reason = reason.strip() or "voided by staff"
        self._post(LineVoided(self._clock(), line_id, reason, sid))
        self._run(
            "void_line",
            lambda: (
                self._audit("void_line", {"sale_id": sale, "line_id": line_id, "reason": reason})
                or ""
            ),
        )

    @Slot()
    def zeroScale(self) -> None:
        self._maintain("zero_scale", lambda m: m.zero_scale())

    @Slot(float)
    def calibrate(self, reference_g: float) -> None:
        self._maintain("calibrate_scale", lambda m: m.calibrate(Decimal(str(reference_g))))

    @Slot()
    def captureEmptyTray(self) -> None:
        self._maintain("empty_tray_reference", lambda m: m.capture_empty())

    @Slot(str)
    def takeCardPicture(self, which: str) -> None:
        self._maintain(f"camera_card_{which}", lambda m: m.take_card_picture(which))

    @Slot()
    def calibrateCamera(self) -> None:
        self._maintain("calibrate_camera", lambda m: m.calibrate_camera())

    def _maintain(self, action: str, fn: Callable[[Any], str]) -> None:
        if not self._staff_id or self._maintenance is None:
            return
        self._idle.start()
        m = self._maintenance

        def job() -> str:
            result = fn(m)
            self._audit(action, {"result": result})
            return result

        self._run(action, job)

    @Slot(str)
    def useModel(self, ref: str) -> None:
        self._maintain("use_model", lambda m: m.use_model(ref))

    @Slot()
    def rollBackModel(self) -> None:
        self._maintain("roll_back_model", lambda m: m.roll_back_model())

    @Slot()
    def refreshModels(self) -> None:
        if not self._staff_id or self._maintenance is None:
            return
        m = self._maintenance
        level = {"active": "ok", "previous": "warn", "refused": "fault"}

        def job() -> list[InfoRow]:
            return [
                InfoRow(r.ref, r.status, level.get(r.status, ""), r.problem or r.summary)
                for r in m.model_releases()
            ]

        self._run("models", job)

    @Slot()
    def refreshHistory(self) -> None:
        def job():
            sales = [
                InfoRow(
                    r["id"],
                    format_money(r["total"]),
                    "warn" if r["hard_case"] else ("ok" if r["status"] == "paid" else ""),
                    time.strftime("%m-%d %H:%M", time.localtime(r["completed_at"] or 0))
                    + f"  {r['status']}",
                )
                for r in self._history()
            ]
            audit = [
                InfoRow(
                    time.strftime("%H:%M:%S", time.localtime(r["at"])),
                    f"{r['action']}",
                    "",
                    f"{r['staff_id'] or '-'}  {r['detail']}",
                )
                for r in self.desk.recent_audit(30)
            ]
            return sales, audit

        self._run("history", job)


class DiagnosticsViewModel(QObject):
    """Device health for staff, from the device monitor (thread hop as everywhere)."""

    changed = Signal()
    _arrived = Signal(object)

    def __init__(
        self,
        preview_fps: Callable[[], float] = lambda: 0.0,
        tray_region: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0),
    ) -> None:
        super().__init__()
        self._preview_fps = preview_fps
        self._tray_region = list(tray_region)
        self.rows = InfoModel(self)
        self._summary = ""
        self._arrived.connect(self._apply)

    def on_diagnostics(self, diag) -> None:  # kiosk.station.monitor.Diagnostics
        self._arrived.emit(diag)

    @Slot(object)
    def _apply(self, d) -> None:
        rows = [InfoRow(s.device, s.summary, "ok" if s.ok else "fault") for s in d.devices]
        rows += [
            InfoRow("camera fps", f"{d.camera_fps:.1f}", "ok" if d.camera_fps >= 20 else "warn"),
            InfoRow("preview fps", f"{self._preview_fps():.1f}", ""),
            InfoRow("inference", f"{d.infer_ms:.1f} ms (pipeline {d.pipeline_ms:.1f} ms)", ""),
            InfoRow("model", d.model_version, ""),
            InfoRow("execution provider", d.provider, ""),
            *(
                [
                    InfoRow(
                        "size check",
                        d.size_check,
                        "ok" if d.size_check.startswith("on") else "warn",
                    )
                ]
                if d.size_check
                else []
            ),
            InfoRow("scale", f"{d.scale_state}  {d.scale_grams}", ""),
            InfoRow("frames skipped", str(d.frames_skipped), ""),
            InfoRow("sync backlog", str(d.sync_backlog), "ok" if d.sync_backlog < 100 else "warn"),
        ]
        self.rows.set_rows(rows)
        self.changed.emit()

    def _rows(self) -> QObject:
        return self.rows

    def _region(self) -> list:
        return self._tray_region

    rowModel = Property(QObject, _rows, constant=True)
    trayRegion = Property(list, _region, constant=True)  # x1, y1, x2, y2 fractions


class SimulatorViewModel(QObject):
    """The demo's simulator panel: a person plays the shopper on the virtual tray."""

    changed = Signal()
    _done = Signal(str)

    def __init__(self, world, catalog: Catalog, language: str = "zh_CN") -> None:
        super().__init__()
        self.world = world  # kiosk.app.SimWorld
        self.catalog = catalog
        self.products = ProductModel(self)
        self._status = ""
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sim-panel")
        self._done.connect(self._apply)
        self.set_language(language)

    def set_language(self, language: str) -> None:
        self.products.set_rows([product_row(p, language) for p in self.catalog])

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _do(self, fn: Callable[[], str]) -> None:
        fut = self._pool.submit(fn)
        fut.add_done_callback(
            lambda f: self._done.emit(str(f.exception()) if f.exception() else f.result())
        )

    @Slot(str)
    def _apply(self, status: str) -> None:
        self._status = status
        self.changed.emit()

    def _get_status(self) -> str:
        return self._status

    status = Property(str, _get_status, notify=changed)

    def _p(self) -> QObject:
        return self.products

    productModel = Property(QObject, _p, constant=True)

    @Slot(str)
    def place(self, sku: str) -> None:
        self._do(lambda: self.world.place(sku))

    @Slot(str)
    def placeBottomUp(self, sku: str) -> None:
        self._do(lambda: self.world.place(sku, face="bottom"))

    @Slot(str)
    def stack(self, sku: str) -> None:
        self._do(lambda: self.world.place(sku, stack=True))

    @Slot()
    def removeLast(self) -> None:
        self._do(self.world.remove_last)

    @Slot()
    def shuffle(self) -> None:
        self._do(self.world.shuffle)

    @Slot()
    def clear(self) -> None:
        self._do(self.world.clear)

    @Slot()
    def hand(self) -> None:
        self._do(self.world.wave_hand)

    @Slot()
    def unplugScale(self) -> None:
        self._do(self.world.unplug_scale)

    @Slot(str)
    def layCard(self, where: str) -> None:
        self._do(lambda: self.world.lay_card(where))

    @Slot()
    def takeCardAway(self) -> None:
        self._do(self.world.take_card_away)

    @Slot()
    def replugScale(self) -> None:
        self._do(self.world.replug_scale)

    @Slot(str)
    def scan(self, sku: str) -> None:
        self._do(lambda: self.world.scan(sku))

    @Slot(str)
    def paper(self, state: str) -> None:
        self._do(lambda: self.world.paper(state))

    @Slot(str)
    def cameraFault(self, fault: str) -> None:
        self._do(lambda: self.world.camera_fault(fault))

    @Slot()
    def staffBadge(self) -> None:
        self._do(self.world.scan_badge)
