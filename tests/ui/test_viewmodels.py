"""View models on their own: rows, language, the thread hop, staff login."""

import threading
import time
from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest
from PySide6.QtCore import QThread

from hardware.camera.frames import Frame
from kiosk.domain.basket import Basket, LineSource
from kiosk.domain.checkout import (
    Checkout,
    ItemPicked,
    PayRequested,
    Phase,
    Rejected,
    StaffAction,
    StaffResolved,
)
from kiosk.domain.staff import LockoutPolicy, StaffMember, attempt_login, hash_pin
from kiosk.ui.camera import CameraFeed
from kiosk.ui.listmodels import BasketModel
from kiosk.ui.viewmodels import CheckoutViewModel, SearchViewModel, StaffViewModel


def basket(catalog) -> Basket:
    b = Basket().with_tray(
        {"cola-classic-330": 2},
        [(catalog.get("apple-fuji"), Decimal("412"))],
        {"cola-classic-330": catalog.get("cola-classic-330")},
    )
    return b.add_item(catalog.get("toothpaste-120"), LineSource.BARCODE)


def rows(model):
    return [
        {name: model.data(model.index(i, 0), role) for role, name in _roles(model).items()}
        for i in range(model.rowCount())
    ]


def _roles(model):
    return {r: bytes(n).decode() for r, n in model.roleNames().items()}


def test_basket_rows_show_quantity_unit_price_weight_and_line_total(qtbot, catalog):
    posted = []
    vm = CheckoutViewModel(catalog, posted.append, language="en")
    vm.on_checkout(Checkout(phase=Phase.REVIEW, sale_id="k-1", basket=basket(catalog)), ())
    qtbot.waitUntil(lambda: vm.basket.rowCount() == 3, timeout=2000)
    by_sku = {r["sku"]: r for r in rows(vm.basket)}
    assert by_sku["cola-classic-330"]["quantity"] == 2
    assert by_sku["cola-classic-330"]["lineTotal"] == "¥7.00"
    assert by_sku["apple-fuji"]["weight"] == "412 g"
    assert by_sku["apple-fuji"]["unitPrice"] == "¥12.80/kg"
    assert by_sku["apple-fuji"]["lineTotal"] == "¥5.27"
    assert by_sku["toothpaste-120"]["editable"] and not by_sku["cola-classic-330"]["editable"]
    assert vm.total == "¥28.17" and vm.itemCount == 4 and vm.canPay
    vm.set_language("zh_CN")
    assert {r["name"] for r in rows(vm.basket)} >= {"红富士苹果"}


def test_a_quantity_change_updates_the_row_in_place(qtbot, catalog):
    model = BasketModel()
    vm = CheckoutViewModel(catalog, lambda e: None, language="en")
    vm.basket = model
    b = basket(catalog)
    vm.on_checkout(Checkout(phase=Phase.REVIEW, basket=b), ())
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=2000)
    line = next(ln for ln in b.lines if ln.source is LineSource.BARCODE)
    with (
        qtbot.waitSignal(model.dataChanged, timeout=2000),
        qtbot.assertNotEmitted(model.modelReset, wait=50),
    ):
        vm.on_checkout(Checkout(phase=Phase.REVIEW, basket=b.set_quantity(line.line_id, 3)), ())
    assert next(r for r in rows(model) if r["sku"] == "toothpaste-120")["quantity"] == 3


def test_updates_from_a_worker_thread_are_applied_on_the_gui_thread(qtbot, catalog):
    vm = CheckoutViewModel(catalog, lambda e: None, language="en")
    seen = []
    vm.changed.connect(lambda: seen.append((QThread.currentThread(), vm.phase)))
    gui = QThread.currentThread()
    done = threading.Event()

    def worker():
        vm.on_checkout(Checkout(phase=Phase.PLACING, sale_id="k-1"), ())
        # the worker only emitted: nothing changed yet on the screen's side
        done.set()

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert done.is_set() and vm.phase == "idle" and not seen
    qtbot.waitUntil(lambda: bool(seen), timeout=2000)
    assert seen == [(gui, "placing")]


def test_slots_post_events_and_rejections_become_a_notice(qtbot, catalog):
    posted = []
    vm = CheckoutViewModel(catalog, posted.append, language="en")
    vm.pay("qr")
    vm.pick("cola-zero-330")
    vm.pick("no-such-sku")
    assert [type(e) for e in posted] == [PayRequested, ItemPicked]
    vm.on_checkout(Checkout(phase=Phase.REVIEW), (Rejected("PayRequested", "the basket is empty"),))
    qtbot.waitUntil(lambda: vm.notice == "the basket is empty", timeout=2000)


def test_search_finds_by_pinyin_initials_chinese_and_english(qtbot, catalog):
    vm = SearchViewModel(catalog, "zh_CN")
    for query in ("kele", "cgkl", "可乐", "cola"):
        vm.setQuery(query)
        skus = [r.sku for r in vm.results.rows()]
        assert "cola-classic-330" in skus, query
    vm.setQuery("")
    vm.type("p")
    vm.type("i")
    assert vm.query == "pi"
    vm.type("⌫")
    assert vm.query == "p"


def test_camera_frames_cross_to_the_gui_thread_shrunk_for_display(qtbot):
    feed = CameraFeed(display_width=640)
    image = np.zeros((720, 1280, 3), np.uint8)
    with qtbot.waitSignal(feed.frameChanged, timeout=2000):
        threading.Thread(target=feed.on_frame, args=(Frame(image, time.monotonic(), 1),)).start()
    assert (feed.image().width(), feed.image().height()) == (640, 360)


class FakeDesk:
    """The staff desk's rules without a database."""

    def __init__(self):
        self.members = {"S001": StaffMember("S001", "Wang", "staff", hash_pin("1234", "s"), "s")}
        self.audits = []
        self.clock = 1000.0

    def login(self, staff_id, pin):
        result = attempt_login(self.members.get(staff_id), pin, self.clock, LockoutPolicy())
        if result.member is not None:
            self.members[staff_id] = result.member
        self.audits.append((staff_id, "login", result.status.value))
        return result

    def by_badge(self, code):
        return None

    def audit(self, staff_id, action, detail):
        self.audits.append((staff_id, action, detail))

    def recent_audit(self, limit=50):
        return []


@pytest.fixture
def staff_vm(qtbot):
    desk = FakeDesk()
    posted = []
    vm = StaffViewModel(
        desk, posted.append, lambda: Checkout(sale_id="k-7"), history=list, clock=lambda: desk.clock
    )
    yield vm, desk, posted
    vm.close()


def test_staff_lockout_then_login_and_an_audited_approval(qtbot, staff_vm):
    vm, desk, posted = staff_vm
    vm.openPad()
    for left in (2, 1):
        vm.login("S001", "0000")
        qtbot.waitUntil(lambda left=left: vm.message == f"wrong:{left}", timeout=3000)
    vm.login("S001", "0000")
    qtbot.waitUntil(lambda: vm.message == "locked", timeout=3000)
    assert vm.lockedSeconds > 0 and not vm.loggedIn
    vm.login("S001", "1234")  # locked: the right PIN does not help
    qtbot.waitUntil(lambda: desk.audits[-1][2] == "locked", timeout=3000)
    assert not vm.loggedIn
    desk.members["S001"] = replace(desk.members["S001"], locked_until=0.0)
    vm.login("S001", "1234")
    qtbot.waitUntil(lambda: vm.loggedIn, timeout=3000)
    vm.approveAge()
    qtbot.waitUntil(lambda: desk.audits[-1][1] == "approve_age", timeout=3000)
    assert posted and isinstance(posted[-1], StaffResolved)
    assert posted[-1].staff_id == "S001" and posted[-1].action is StaffAction.APPROVE_AGE
    assert desk.audits[-1] == ("S001", "approve_age", {"sale_id": "k-7", "reason": ""})
    vm.override("   ")  # an override needs a reason
    assert vm.message == "reason" and len(posted) == 1
    vm.logout()
    assert not vm.loggedIn and not vm.open


def test_review_shows_a_half_seen_box_only_when_the_shopper_is_asked_about_it(catalog):
    from kiosk.domain.decision import DecisionEngine, WeightModel
    from kiosk.ui.viewmodels import review_boxes
    from tests.decision.trays import nominal, row, seen

    engine = DecisionEngine(catalog, WeightModel.from_catalog(catalog))
    skus = ["sandwich-egg", "onigiri-tuna", "sausage-ham-240", "cola-classic-330"]
    lighter = seen(catalog, "lighter", 200, 350, 0.6, votes=3)
    view = replace(row(catalog, skus), doubtful=(lighter,))
    # the weight has no room for the lighter: the half-seen box is not drawn
    quiet = review_boxes(view, engine.decide(view, nominal(catalog, skus)), catalog, "en")
    assert [r.kind for r in quiet] == ["ok"] * 4
    assert quiet[0].label == catalog.get(skus[0]).name("en")
    # the scale holds 19 g more: the question points at the half-seen lighter
    asked = engine.decide(view, nominal(catalog, [*skus, "lighter"]))
    rows = review_boxes(view, asked, catalog, "en")
    assert [r.kind for r in rows] == ["ok"] * 4 + ["ask"] and rows[-1].label == "?"
    w, h = view.frame_size
    assert rows[-1].bx == pytest.approx(lighter.box[0] / w)
    assert rows[-1].by == pytest.approx(lighter.box[1] / h)


def test_review_names_a_half_seen_box_the_weight_put_on_the_list(catalog):
    from kiosk.domain.checkout import Verdict
    from kiosk.domain.decision import DecisionEngine, WeightModel
    from kiosk.ui.viewmodels import review_boxes
    from tests.decision.trays import nominal, row, seen

    engine = DecisionEngine(catalog, WeightModel.from_catalog(catalog))
    view = replace(
        row(catalog, ["sandwich-egg"]), doubtful=(seen(catalog, "lighter", 60, 10, 0.3),)
    )
    d = engine.decide(view, nominal(catalog, ["sandwich-egg", "lighter"]))
    assert d.verdict is Verdict.CORRECTED and d.half_seen == ((1, "lighter"),)
    rows = review_boxes(view, d, catalog, "zh_CN")
    assert [(r.label, r.kind) for r in rows] == [
        (catalog.get("sandwich-egg").name("zh_CN"), "ok"),
        (catalog.get("lighter").name("zh_CN"), "ok"),
    ]
