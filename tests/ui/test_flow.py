"""Scripted shoppers through the real screens on the simulated world: the taps a
shopper and staff make, from idle to receipt. Qt warnings fail these tests."""

import json

import cv2
import numpy as np

from kiosk.ui import demo
from kiosk.ui.demo import Context, Shots, wait_until


def context(app) -> Context:
    return Context.ready(app, app.window, Shots(None), lambda s: None)


def test_a_plain_basket_from_idle_to_receipt_in_both_languages(kiosk_app):
    app = kiosk_app
    c = context(app)
    app.window.lang.setLanguage("en")
    app.window.resize(1280, 800)
    app.world.place("cola-classic-330")
    app.world.place("chips-original-70")
    c.wait_review()
    assert c.checkout.total == "¥10.00" and c.checkout.canPay
    # the search sheet opens and closes without a trace
    c.ui.tap("searchButton")
    c.ui.tap("key_k")
    c.ui.tap("key_e")
    wait_until("search results", lambda: app.window.search.results.rowCount() > 0)
    # the shopper names the can on the tray: it stays one cola, now a line they can edit
    c.ui.tap("result_cola-classic-330")
    wait_until(
        "the named cola on the list",
        lambda: any(r.source == "manual" for r in c.checkout.basket.rows()),
    )
    wait_until("the tray decided again", lambda: c.checkout.canPay)
    assert c.checkout.itemCount == 2
    app.window.lang.setLanguage("zh_CN")
    c.pay_and_leave("qr", "print", "plain")
    sales = app.store.recent_sales()
    assert [s["status"] for s in sales] == ["paid"]
    assert sales[0]["total"] == 1000
    receipt = (app.data_dir / "receipts" / f"{sales[0]['id']}.txt").read_text()
    assert "晨光可乐" in receipt


def test_age_check_with_a_locked_out_pin_then_staff_approval(kiosk_app):
    app = kiosk_app
    c = context(app)
    app.world.place("beer-seabreeze-500")
    c.wait_phase("assist")
    assert c.checkout.needsAgeCheck and not c.checkout.canPay
    # S002 guesses three times: locked out, audited
    app.window.staff.openPad()
    wait_until("the PIN pad", lambda: c.ui.item("pin_1") is not None)
    for d in "002":
        c.ui.tap(f"pin_{d}")
    c.ui.tap("pin_OK")
    for attempt in range(3):
        c.ui.type_pin("1111")
        expected = "locked" if attempt == 2 else f"wrong:{2 - attempt}"
        wait_until(expected, lambda e=expected: app.window.staff.message == e)
    c.ui.type_pin("5678")  # the right PIN, but locked
    wait_until("the locked attempt logged", lambda: _audit(app)[0]["detail"]["result"] == "locked")
    assert not app.window.staff.loggedIn
    app.window.staff.logout()
    # S001 with the badge
    app.world.scan_badge("S001")
    wait_until("the badge read", lambda: app.window.staff.pendingStaffId == "S001")
    c.ui.type_pin("1234")
    wait_until("staff mode", lambda: app.window.staff.loggedIn)
    for tab in range(5):
        c.ui.tap(f"staffTab{tab}")
    c.ui.tap("staffTab0")
    c.ui.tap("approveAge")
    wait_until("approved", lambda: not c.checkout.needsAgeCheck)
    c.ui.tap("staffLeave")
    c.wait_phase("review")
    c.pay_and_leave("card", "qr", "age")
    actions = [(a["staff_id"], a["action"]) for a in reversed(_audit(app))]
    assert ("S002", "login") in actions and ("S001", "approve_age") in actions
    sale = app.store.sale(app.store.recent_sales()[0]["id"])
    assert sale["lines"][0]["approved_by"] == "S001"


def test_the_scale_unplugged_takes_the_kiosk_out_of_service_and_back(kiosk_app):
    c = context(kiosk_app)
    demo.shopper_fault(c)
    assert kiosk_app.store.recent_sales()[0]["status"] == "paid"


def _audit(app):
    rows = app.staff.recent_audit(50)
    for r in rows:
        r["detail"] = json.loads(r["detail"])
    return rows


def test_no_paper_in_the_printer_gives_the_shopper_an_e_receipt(kiosk_app):
    app = kiosk_app
    c = context(app)
    app.world.paper("out")
    app.world.place("water-spring-550")
    c.wait_review()
    c.ui.tap("payButton")
    c.ui.tap("payCard")
    c.wait_phase("receipt")
    c.ui.tap("receiptPrint")
    wait_until("the e-receipt instead", lambda: c.checkout.qrCode != "", timeout=10)
    assert c.checkout.receiptChoice == "qr" and "paper" in c.checkout.notice
    assert app.world.printer.receipts == []
    app.world.paper("ok")
    c.ui.tap("receiptDone")
    app.world.clear()
    c.wait_phase("idle")


def test_a_receipt_reaches_the_printer_as_esc_pos(kiosk_app):
    app = kiosk_app
    c = context(app)
    app.world.place("apple-fuji")
    c.wait_review()
    wait_until("payable", lambda: c.checkout.canPay)
    c.pay_and_leave("qr", "print", "apple")
    (printed,) = app.world.printer.wait_for_receipts(1, timeout=5)
    assert "Fuji Apple" in printed.text and printed.cut
    assert printed.qr_codes and printed.qr_codes[0].endswith(app.store.recent_sales()[0]["id"])


def test_a_covered_camera_pauses_the_kiosk_until_it_sees_again(kiosk_app):
    app = kiosk_app
    c = context(app)
    app.world.camera_fault("black")
    c.wait_phase("out_of_service", timeout=15)
    assert "camera" in c.checkout.faults
    app.world.camera_fault("none")
    c.wait_phase("idle", timeout=15)


def test_staff_maintenance_zero_calibrate_and_empty_tray_reference_are_audited(kiosk_app):
    app = kiosk_app
    c = context(app)
    staff = app.window.staff
    staff.login("S001", "1234")
    wait_until("staff mode", lambda: staff.loggedIn)
    c.ui.tap("staffTab1")
    c.ui.tap("zeroScale")
    wait_until("zeroed", lambda: staff.message.startswith("ok"), timeout=10)
    c.ui.tap("staffTab2")
    c.ui.tap("captureEmpty")
    wait_until("reference saved", lambda: "empty_tray.png" in staff.message, timeout=10)
    assert (app.data_dir / "empty_tray.png").stat().st_size > 10_000
    # a 500 g reference weight that the scale reads as 500 g: span 1
    app.world.place("bread-toast-400", weight_g=500)
    wait_until(
        "a stable 500 g",
        lambda: (
            app.last_weight is not None
            and app.last_weight.stable
            and abs(app.last_weight.grams - 500) < 3
        ),
        timeout=10,
    )
    c.ui.tap("staffTab1")
    c.ui.tap("calibrate500")
    wait_until("calibrated", lambda: staff.message.startswith("ok: span"), timeout=10)
    assert abs(app.watch.span - 1) < 0.01
    actions = [a["action"] for a in _audit(app)]
    assert {"zero_scale", "empty_tray_reference", "calibrate_scale"} <= set(actions)
    # the reference weight on the idle kiosk started no sale while staff had it ...
    assert c.phase() == "idle" and app.store.recent_sales() == []
    c.ui.tap("staffLeave")
    # ... and once staff leave, what is left on the tray is seen
    c.wait_phase("review", "placing", timeout=10)


def test_staff_serve_another_model_release_and_roll_it_back(kiosk_app):
    app = kiosk_app
    c = context(app)
    staff = app.window.staff
    staff.login("S001", "1234")
    wait_until("staff mode", lambda: staff.loggedIn)
    c.ui.tap("staffTab5")
    wait_until("the releases listed", lambda: staff.modelsModel.rowCount() > 0, timeout=10)
    assert app.vision.detector.version == "tray-oracle"
    c.ui.tap("serve_tray-detector/10")
    wait_until("switched", lambda: staff.message.startswith("ok: tray-detector/10"), timeout=30)
    assert app.vision.detector.version == "tray-detector/10"
    # the list now shows it serving, and its button is gone
    wait_until("listed as serving", lambda: c.ui.item("serve_tray-detector/10") is None)
    c.ui.tap("rollBackModel")
    wait_until("rolled back", lambda: staff.message.startswith("ok: oracle"), timeout=30)
    assert app.vision.detector.version == "tray-oracle"
    actions = [(a["action"], a["detail"]["result"][:2]) for a in reversed(_audit(app))]
    assert ("use_model", "ok") in actions and ("roll_back_model", "ok") in actions
    c.ui.tap("staffLeave")


def test_help_then_staff_void_a_line_override_and_cancel(kiosk_app):
    app = kiosk_app
    c = context(app)
    app.world.place("cola-classic-330")
    app.world.place("peanuts-200")
    c.wait_review()
    c.ui.tap("helpButton")
    c.wait_phase("assist")
    staff = app.window.staff
    staff.login("S002", "5678")
    wait_until("staff mode", lambda: staff.loggedIn)
    cola = next(r for r in c.checkout.basket.rows() if r.sku == "cola-classic-330")
    c.ui.tap(f"void_{cola.lineId}")
    wait_until("the cola voided", lambda: c.checkout.itemCount == 1)
    staff.override("Items checked by staff")
    c.wait_phase("review")
    c.checkout.callHelp()
    c.wait_phase("assist")
    c.ui.tap("cancelSale")
    c.wait_phase("idle", "placing", "review")
    sales = app.store.recent_sales()
    assert [s["status"] for s in sales] == ["abandoned"]
    actions = [(a["staff_id"], a["action"]) for a in _audit(app)]
    assert {("S002", "void_line"), ("S002", "override"), ("S002", "cancel_sale")} <= set(actions)
    # the camera and the scale had agreed on the cola: staff voiding it makes the tray a
    # hard case for headquarters, once (the override and the cancel are the same tray)
    wait_until("the staff's case filed", lambda: app.store.query("SELECT * FROM hard_cases"))
    (case,) = app.store.query("SELECT * FROM hard_cases")
    meta = json.loads(case["meta"])
    assert meta["raised_by"].startswith("staff S002 voided cola-classic-330")
    assert meta["decision"]["verdict"] == "confirmed" and case["image_sha256"]
    assert case["sale_id"] == sales[0]["id"]


def test_a_look_alike_question_is_kept_as_a_hard_case_with_its_tray_picture(kiosk_factory):
    # the camera sees more than the tray (the shopper, too): only the tray is kept
    app = kiosk_factory(KIOSK__VISION__TRAY_REGION="[0.05, 0.0, 0.95, 1.0]")
    c = context(app)
    demo.shopper_lookalike(c)
    rows = app.store.query("SELECT * FROM hard_cases")
    assert rows, "the look-alike question was not kept"
    meta = json.loads(rows[0]["meta"])
    assert meta["decision"]["verdict"] == "ask" and rows[0]["image_sha256"]
    sha = rows[0]["image_sha256"]
    jpeg = (app.store.images.root / sha[:2] / sha).read_bytes()
    picture = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    w, h = meta["frame_size"]
    x1, y1, x2, y2 = meta["tray_region"]
    assert (x1, y1, x2, y2) == (round(0.05 * w), 0, round(0.95 * w), h)
    assert picture.shape[:2] == (y2 - y1, x2 - x1)
    # the boxes are the picture's: each item lies inside it
    for seen in meta["seen"]:
        bx1, by1, bx2, by2 = seen["box"]
        assert 0 <= bx1 < bx2 <= x2 - x1 and 0 <= by1 < by2 <= y2 - y1
    assert rows[0]["sale_id"] == app.store.recent_sales()[0]["id"]
    assert app.store.query("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'hard_case'")[0]["n"]


def test_a_half_seen_lighter_reaches_the_review_page_as_the_box_it_was_taken_for(kiosk_app):
    from hq.review import case_view

    app = kiosk_app
    c = context(app)
    demo.shopper_half_seen(c)
    rows = app.store.query("SELECT * FROM hard_cases")
    assert rows, "the weight's correction was not kept as a hard case"
    meta = json.loads(rows[0]["meta"])
    assert meta["decision"]["verdict"] == "corrected" and meta["doubtful"]
    # the weight steps the scale saw as the tray filled are kept with it (the story puts
    # both down within one settling of the scale: one step of both)
    assert 180 <= sum(meta["weight_steps_g"]) <= 190
    # headquarters reads the case as the kiosk sent it (sync forwards the outbox payload)
    payload = json.loads(
        app.store.query("SELECT payload FROM outbox WHERE kind = 'hard_case'")[0]["payload"]
    )
    view = case_view({"id": payload["id"], "device_id": "k", "received_at": 0.0, "body": payload})
    half = [b for b in view.boxes if b.doubtful]
    assert [b.taken_for for b in half] == ["lighter"] and half[0].guess == "lighter"
    assert view.decided == {"lighter": 1, "sandwich-egg": 1}


def test_a_payment_nobody_completes_times_out_back_to_the_basket(kiosk_factory):
    app = kiosk_factory(KIOSK__PAYMENT__APPROVE_AFTER_S="30", KIOSK__PAYMENT__TIMEOUT_S="1.0")
    c = context(app)
    app.world.place("water-spring-550")
    c.wait_review()
    c.ui.tap("payButton")
    c.ui.tap("payQr")
    c.wait_phase("paying")
    c.wait_phase("review", timeout=10)
    assert c.checkout.canPay and app.store.recent_sales() == []


def test_the_simulator_panel_puts_a_tapped_product_on_the_tray(kiosk_app):
    app = kiosk_app
    app.window.close()
    app.open_window(show_simulator=True, visible=True)
    app.window.resize(1920 + 440, 1080)
    c = context(app)
    c.ui.tap("sim_cola-classic-330")
    c.wait_review()
    assert [i.sku for i in app.world.tray.items()] == ["cola-classic-330"]
    assert c.checkout.total == "¥3.50"


def test_payment_is_refused_when_the_tray_no_longer_weighs_the_basket(kiosk_app, monkeypatch):
    """The final weight check at payment: something slipped onto the tray unseen."""
    from decimal import Decimal

    from kiosk.domain.checkout import PayRequested, Rejected

    app = kiosk_app
    c = context(app)
    app.world.place("cola-classic-330")
    c.wait_review()
    wait_until("the basket payable", lambda: c.checkout.canPay)
    assert app._vet(PayRequested(0, "qr")) == ""  # the tray weighs what the basket says
    honest = app.watch.grams(app.last_weight)
    # From now on the scale reads 250 g more, as if an item had been added unseen.
    monkeypatch.setattr(app.watch, "grams", lambda reading: honest + Decimal(250))
    t = app.worker.post(PayRequested(0, "qr")).result(10)
    assert isinstance(t.effects[0], Rejected) and "the tray weighs" in t.effects[0].why
    assert app.service.checkout.phase.value != "paying"
    # ...and the tray is decided again with the new weight: the shopper is asked.
    wait_until("a question about the tray", lambda: c.checkout.guidanceKind != "")


def test_a_relative_data_dir_is_made_absolute(tmp_path, monkeypatch, qapp):
    """The default data_dir is "var": its files go to QML as file:// URLs (the QR
    e-receipt), which a relative path cannot be."""
    from kiosk.app import KioskApp
    from kiosk.config import load_config

    monkeypatch.chdir(tmp_path)
    config = load_config(environ={"KIOSK__SYNC__ENABLED": "false"})
    assert not config.store.data_dir.is_absolute()
    app = KioskApp(config, use_model=False)
    try:
        assert app.data_dir == tmp_path / "var"
        assert (app.data_dir / "receipts" / "x.png").as_uri().startswith("file:///")
    finally:
        app.stop()


def test_the_fitter_calibrates_the_camera_from_the_staff_panel(kiosk_app):
    """Card flat, card on the block, calibrate: each step answered on the camera page,
    a picture without the card refused at once, the calibration saved and audited."""
    app = kiosk_app
    c = context(app)
    staff = app.window.staff
    staff.login("S001", "1234")
    wait_until("staff mode", lambda: staff.loggedIn)
    c.ui.tap("staffTab2")

    def tap_and_wait(button: str, what: str):
        before = staff.message
        c.ui.tap(button)
        wait_until(what, lambda: staff.message != before and not staff.busy, timeout=15)
        return staff.message

    def show(where: str | None):
        app.world.lay_card(where) if where else app.world.take_card_away()
        seq = app.last_frame.seq
        wait_until("a new picture", lambda: demo.frames_after(app, seq))

    assert tap_and_wait("takeCardFlat", "no card").startswith(
        "failed: no 9x6 calibration card in the picture"
    )
    show("flat")
    assert tap_and_wait("takeCardFlat", "flat").startswith("ok: the card is in the flat picture")
    show("raised")
    assert tap_and_wait("takeCardRaised", "raised").startswith("ok: the card is in the raised")
    show(None)
    answer = tap_and_wait("calibrateCamera", "calibrated")
    assert answer.startswith("ok: camera"), answer
    assert c.ui.item("cameraAnswer").property("text") == answer  # shown in full on the page
    saved = json.loads((app.data_dir / "camera_calibration.json").read_text())
    true_height = app.world.camera_model.position_mm[2]
    assert abs(saved["position_mm"][2] / true_height - 1) < 0.015
    actions = [a["action"] for a in _audit(app)]
    assert {"camera_card_flat", "camera_card_raised", "calibrate_camera"} <= set(actions)
    c.ui.tap("staffLeave")
