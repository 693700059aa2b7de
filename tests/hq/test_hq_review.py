"""People at headquarters review hard cases on a web page (signed in with an admin
token), and the reviewed cases export as a training set the recipe reads."""

from __future__ import annotations

import hashlib
import json
import re
import time

import cv2
import numpy as np
import pytest
from hq_helpers import STORE, a_sale

from hq.cli import main as hq_main
from hq.review_export import ExportError, export
from kiosk.catalog_file import DEMO_CATALOG
from kiosk.vision.scenes import load_scenes

PICTURE = (640, 400)  # the tray crop the kiosk kept


def _picture() -> bytes:
    image = np.full((PICTURE[1], PICTURE[0], 3), 90, np.uint8)
    cv2.rectangle(image, (100, 80), (180, 240), (30, 30, 200), -1)  # a red can
    cv2.rectangle(image, (300, 150), (460, 260), (40, 180, 220), -1)  # a bag of crisps
    ok, jpeg = cv2.imencode(".jpg", image)
    assert ok
    return jpeg.tobytes()


def _case(case_id: str, sha: str, verdict: str = "ask") -> dict:
    """A hard case as the kiosk's sync worker sends it (kiosk.app._record_hard_case)."""
    return {
        "id": case_id,
        "sale_id": f"sale-{case_id}",
        "image_sha256": sha,
        "created_at": 1_790_000_000.0,
        "meta": {
            "decision": {
                "verdict": verdict,
                "reason": "ambiguous",
                "counts": {"chips-original-70": 1, "cola-classic-330": 1, "lighter": 1},
                "weighed": [],
                "measured_g": "420.0",
                "requests": [
                    {
                        "kind": "choose",
                        "boxes": [0],
                        "skus": ["cola-classic-330", "cola-zero-330"],
                        "grams": None,
                    }
                ],
                "half_seen": [[2, "lighter"]],  # box 3, the doubtful one, taken for a lighter
            },
            "seen": [
                {
                    "box": [100.0, 80.0, 180.0, 240.0],
                    "candidates": [["cola-classic-330", 0.55], ["cola-zero-330", 0.41]],
                },
                {"box": [300.0, 150.0, 460.0, 260.0], "candidates": [["chips-original-70", 0.9]]},
            ],
            "doubtful": [{"box": [440.0, 240.0, 500.0, 270.0], "candidates": [["lighter", 0.31]]}],
            "frame_size": [1280, 720],
            "tray_region": [320, 160, 320 + PICTURE[0], 160 + PICTURE[1]],
            "weight_g": "420.0",
            "model_version": "tray-detector/10",
        },
    }


@pytest.fixture
def cases(service):
    """Two hard cases from a kiosk, with their picture; the store's catalog published."""
    image = _picture()
    sha = hashlib.sha256(image).hexdigest()
    assert service.call("PUT", f"/v1/images/{sha}", data=image).status_code == 201
    for case_id in ("hc-1", "hc-2"):
        r = service.call("PUT", f"/v1/hard-cases/{case_id}", json=_case(case_id, sha))
        assert r.status_code == 201
    service.db.publish_catalog(STORE, "v1", DEMO_CATALOG.read_bytes())
    # hc-1's sale has reached headquarters; hc-2's not yet
    r = service.call("POST", "/v1/sales/batch", json={"sales": [a_sale("sale-hc-1")]})
    assert r.status_code == 200, r.text
    return sha


def _sign_in(service, name: str = "mei") -> str:
    token = service.db.add_admin_token(name)
    r = service.http.post(
        service.url + "/review/login?next=/review", data={"token": token}, allow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/review"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/review" in cookie
    return token


def test_the_review_pages_need_an_admin_sign_in(service, cases):
    r = service.http.get(service.url + "/review", allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/review/login")
    assert service.http.get(service.url + f"/review/images/{cases}").status_code == 401
    # a device's token is not a reviewer's
    r = service.http.post(service.url + "/review/login", data={"token": "token-kiosk-1"})
    assert r.status_code == 401 and "unknown token" in r.text
    _sign_in(service)
    page = service.http.get(service.url + "/review")
    assert page.status_code == 200 and "signed in as mei" in page.text
    assert "To review (2)" in page.text and "hc-1" in page.text and "tray-detector/10" in page.text
    picture = service.http.get(service.url + f"/review/images/{cases}")
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"
    service.http.post(service.url + "/review/logout")
    assert service.http.get(service.url + "/review", allow_redirects=False).status_code == 303


def test_a_case_shows_the_tray_with_the_cameras_boxes_and_what_the_kiosk_decided(service, cases):
    _sign_in(service)
    page = service.http.get(service.url + "/review/cases/hc-1").text
    assert f'href="/review/images/{cases}"' in page
    assert f'viewBox="0 0 {PICTURE[0]} {PICTURE[1]}"' in page  # boxes in the picture's pixels
    assert page.count("<rect ") == 6  # each box and its number tag
    assert page.count("stroke-dasharray") == 1 and "half-seen" in page  # the doubtful box
    # names from the store's catalog, the camera's scores, the question the kiosk asked
    assert "Morning Cola Classic 330ml" in page and "0.55" in page and "0.41" in page
    assert "choose — box 1; Morning Cola Classic 330ml or Morning Cola Zero 330ml" in page
    assert 'name="box_0"' in page and 'name="box_2"' in page and 'name="box_3"' not in page
    # what the kiosk made of each box is preselected: the camera's best guess, and the
    # doubtful box as the lighter the decision took it for
    assert re.search(r'<option value="cola-classic-330" selected>', page)
    assert re.search(r'<option value="lighter" selected>', page)
    # what the shopper finally paid for, beside what the kiosk decided
    assert "The sale (paid, 7.00 CNY): 2 × Morning Cola Classic 330ml" in page
    later = service.http.get(service.url + "/review/cases/hc-2").text
    assert "Sale sale-hc-2 has not reached headquarters yet" in later


def test_a_confirmation_staff_changed_shows_who_raised_it(service, cases):
    """A tray the kiosk confirmed and staff then fixed: the page says so, in the list
    and on the case, and escapes what staff typed."""
    body = _case("hc-3", cases, verdict="confirmed")
    body["meta"]["raised_by"] = "staff S002 voided cola-classic-330: <b>shopper had none</b>"
    body["meta"]["weight_steps_g"] = [19.2, 352.0, 88.5]
    body["meta"]["decision"]["notes"] = ["a weight step no item seen explains: lighter"]
    assert service.call("PUT", "/v1/hard-cases/hc-3", json=body).status_code == 201
    _sign_in(service)
    listed = service.http.get(service.url + "/review").text
    assert "raised by staff S002 voided cola-classic-330" in listed
    page = service.http.get(service.url + "/review/cases/hc-3").text
    assert "Raised by staff:</b> staff S002 voided cola-classic-330" in page
    assert "&lt;b&gt;shopper had none&lt;/b&gt;" in page and "<b>shopper had none" not in page
    # what the scale saw as the tray filled, and what the decision made of it
    assert "Weight steps as the tray filled: 19 g, 352 g, 88 g" in page
    assert "a weight step no item seen explains: lighter" in page
    assert "Raised by staff" not in service.http.get(service.url + "/review/cases/hc-1").text


def test_a_review_is_saved_signed_and_leads_to_the_next_case(service, cases):
    _sign_in(service, "mei")
    form = {
        "box_0": "cola-zero-330",  # the camera's second guess was right
        "box_1": "chips-original-70",
        "box_2": "lighter",
        "missed_sku_0": "gum-mint-40",  # under the crisps
        "missed_n_0": "1",
        "note": "a gum under the bag <script>alert(1)</script>",
    }
    r = service.http.post(service.url + "/review/cases/hc-1", data=form, allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/review/cases/hc-2"
    saved = service.db.hard_case("hc-1")["review"]
    assert saved["outcome"] == "corrected" and saved["reviewer"] == "mei"
    assert saved["boxes"] == ["cola-zero-330", "chips-original-70", "lighter"]
    assert saved["missed"] == {"gum-mint-40": 1}
    page = service.http.get(service.url + "/review/cases/hc-1").text
    assert "<script>alert" not in page and "&lt;script&gt;" in page  # escaped
    assert "Reviewed by <b>mei</b>" in page and 'value="gum-mint-40"' in page
    # the kiosk was right about the second case; with nothing left, back to the list
    right = {"box_0": "cola-classic-330", "box_1": "chips-original-70", "box_2": "lighter"}
    r = service.http.post(service.url + "/review/cases/hc-2", data=right, allow_redirects=False)
    assert r.headers["location"] == "/review?status=reviewed"
    assert service.db.hard_case("hc-2")["review"]["outcome"] == "right"
    assert "Nothing left to review" in service.http.get(service.url + "/review").text


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"box_0": "cola-zero-330", "box_2": ""}, "box_1: missing"),
        ({"box_0": "nope", "box_1": "", "box_2": ""}, "box 1: nope is not in the store"),
        (
            {
                "box_0": "",
                "box_1": "",
                "box_2": "",
                "missed_sku_0": "gum-mint-40",
                "missed_n_0": "0",
            },
            "1 to 50",
        ),
        ({"box_0": "", "box_1": "", "box_2": "", "missed_sku_0": "../etc"}, "is not a SKU"),
    ],
)
def test_a_bad_review_form_is_refused_naming_the_field_and_nothing_is_saved(
    service, cases, form, message
):
    _sign_in(service)
    r = service.http.post(service.url + "/review/cases/hc-1", data=form)
    assert r.status_code == 400 and "Not saved" in r.text and message in r.text
    assert service.db.hard_case("hc-1")["review"] is None


def test_a_review_posted_from_another_site_is_refused(service, cases):
    _sign_in(service)
    form = {"box_0": "", "box_1": "", "box_2": ""}
    r = service.http.post(
        service.url + "/review/cases/hc-1", data=form, headers={"Origin": "https://evil.example"}
    )
    assert r.status_code == 403 and service.db.hard_case("hc-1")["review"] is None


def test_reviewed_cases_export_as_a_training_set_the_recipe_reads(service, cases, tmp_path):
    _sign_in(service)
    # the crisps box was a shadow; the half-seen box a lighter indeed
    complete = {"box_0": "cola-zero-330", "box_1": "", "box_2": "lighter"}
    service.http.post(service.url + "/review/cases/hc-1", data=complete)
    missed = {"box_0": "cola-classic-330", "box_1": "chips-original-70", "box_2": "",
              "missed_sku_0": "lighter"}  # fmt: skip
    service.http.post(service.url + "/review/cases/hc-2", data=missed)
    classes = [line for line in DEMO_CATALOG.read_text().split('"sku": "')[1:]]
    classes = [c.split('"')[0] for c in classes]
    out = tmp_path / "reviewed"
    summary = export(service.db, service.images, out, classes)
    # hc-2 has an item no box covers: it cannot be labelled, so it is left out
    assert summary["count"] == 1 and summary["left_out"] == {"an item without a box": 1}
    labels, scenes = load_scenes(out)
    assert labels == classes and [s.scene_id for s in scenes] == ["hc-1"]
    (scene,) = scenes
    # the shadow unlabelled; boxes in the picture's pixels
    assert [labels[c] for c in scene.class_ids] == ["cola-zero-330", "lighter"]
    np.testing.assert_allclose(
        scene.boxes_xyxy(*PICTURE), [[100, 80, 180, 240], [440, 240, 500, 270]], atol=0.01
    )
    assert scene.read_image().shape[:2] == (PICTURE[1], PICTURE[0])
    assert scene.manifest["review"]["outcome"] == "corrected"
    assert scene.manifest["source"]["model_version"] == "tray-detector/10"
    with pytest.raises(ExportError, match="exists"):
        export(service.db, service.images, out, classes)


def test_hq_review_export_on_the_command_line(service, cases, tmp_path, capsys, monkeypatch):
    _sign_in(service)
    nothing = {"box_0": "", "box_1": "", "box_2": ""}
    service.http.post(service.url + "/review/cases/hc-1", data=nothing)
    # the CLI opens the same database and image store as the running service
    monkeypatch.setenv("HQ_DATABASE_URL", service.db.url)
    data = service.images.root.parent
    out = tmp_path / "set"
    assert hq_main(["--data", str(data), "review", "export", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "1 pictures, 0 labelled items" in printed and "left out: none" in printed
    assert json.loads((out / "dataset.json").read_text())["reviewed"] == 1


def test_the_fleet_page_shows_what_each_kiosk_runs_and_the_rollout(service):
    beat = {
        "device_id": "kiosk-1",
        "app_version": "0.1.0",
        "model_version": "tray-detector/11",
        "execution_provider": "CPUExecutionProvider",
        "model_update": "tray-detector/11 installed",
        "backlog": 3,
        "clock": 1_790_000_000.0,
    }
    assert service.call("POST", "/v1/heartbeat", json=beat).status_code == 200
    for version in (10, 11):
        ref = service.db.publish_model("tray-detector", version, b"{}", "sig", [])
        service.db.rollout(ref, 100 if version == 10 else 20)
    _sign_in(service)
    page = service.http.get(service.url + "/review/fleet").text
    # the canary at 20 %, over the stable release
    assert re.search(
        r"<td>tray-detector</td><td>tray-detector/10</td><td>tray-detector/11</td>", page
    )
    assert "20 % of kiosks" in page
    release = page[page.index("<td>tray-detector/11</td><td>") :].split("</tr>")[0]
    assert "1 kiosk(s)" in release, release
    row = page[page.index("<td>kiosk-1</td>") :].split("</tr>")[0]
    assert "tray-detector/11 installed" in row and "CPUExecutionProvider" in row, row
    # the other kiosk never reported: flagged silent
    row = page[page.index("<td>kiosk-2</td>") :].split("</tr>")[0]
    assert "never" in row and "silent" in row


def test_an_engineer_rolls_a_release_out_from_the_fleet_page_and_halts_it(service):
    for version in (10, 11):
        service.db.publish_model("tray-detector", version, b"{}", "sig", [])
    service.db.rollout("tray-detector/10", 100)  # from the shell: stable everywhere
    fleet = service.url + "/review/fleet"
    # signed out: nothing changes
    r = service.http.post(
        fleet,
        data={"action": "rollout", "ref": "tray-detector/11", "percent": "20"},
        allow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/review/login")
    assert service.db.rollouts()["tray-detector"]["canary"] is None

    _sign_in(service, "li")
    # another site cannot roll a model out in a signed-in engineer's name
    r = service.http.post(
        fleet,
        data={"action": "rollout", "ref": "tray-detector/11", "percent": "20"},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 403 and service.db.rollouts()["tray-detector"]["canary"] is None
    # a share out of range, or a release never published, is refused with the reason
    for form, reason in (
        ({"action": "rollout", "ref": "tray-detector/11", "percent": "0"}, "1-100 %"),
        ({"action": "rollout", "ref": "tray-detector/11", "percent": "ten"}, "whole number"),
        ({"action": "rollout", "ref": "tray-detector/12", "percent": "20"}, "not published"),
    ):
        r = service.http.post(fleet, data=form)
        assert r.status_code == 400 and reason in r.text, r.text
        assert "Not changed" in r.text
    assert service.db.rollouts()["tray-detector"]["canary"] is None

    # the canary: 20 % of the kiosks get /11, the same ones every time
    r = service.http.post(
        fleet,
        data={"action": "rollout", "ref": "tray-detector/11", "percent": "20"},
        allow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/review/fleet"
    rollout = service.db.rollouts()["tray-detector"]
    assert (rollout["stable"], rollout["canary"], rollout["percent"]) == (
        "tray-detector/10",
        "tray-detector/11",
        20,
    )
    served = [service.db.model_for_device("tray-detector", c)["ref"] for c in range(100)]
    assert served.count("tray-detector/11") == 20
    page = service.http.get(fleet).text
    assert "Halt the canary" in page
    published = page[page.index("Published releases") :]
    stable_row = published[published.index("<td>tray-detector/10</td>") :].split("</tr>")[0]
    assert "stable" in stable_row and "<form" not in stable_row  # not a canary of itself
    canary_row = published[published.index("<td>tray-detector/11</td>") :].split("</tr>")[0]
    assert 'value="20"' in canary_row and "Change the share" in canary_row
    changes = page[page.index("Latest changes") :]
    assert re.search(
        r"<td>li</td><td>tray-detector</td>\s*<td>tray-detector/11 to 20 % \(canary\)", changes
    )
    assert "<td>cli</td>" in changes  # the shell's change is there too, by "cli"

    # something looks wrong on the canary kiosks: halt it; every kiosk back on /10
    r = service.http.post(fleet, data={"action": "halt", "name": "tray-detector"})
    assert r.status_code == 200 and "Halt the canary" not in r.text  # followed to the page
    assert service.db.rollouts()["tray-detector"]["canary"] is None
    assert {service.db.model_for_device("tray-detector", c)["ref"] for c in range(100)} == {
        "tray-detector/10"
    }
    assert "canary tray-detector/11 halted" in r.text
    r = service.http.post(fleet, data={"action": "halt", "name": "tray-detector"})  # twice
    assert r.status_code == 400 and "no canary to halt" in r.text


def test_the_fleet_page_compares_the_releases_on_their_sales(service):
    """A canary that asks shoppers more often than the stable release shows beside it."""
    sales = []
    for n, (model, hard, status) in enumerate(
        [("tray-detector/10", False, "paid")] * 6
        + [("tray-detector/10", True, "paid")] * 2
        + [("tray-detector/11", True, "paid")] * 2
        + [("tray-detector/11", False, "abandoned")]
        + [("tray-detector/11", False, "paid")]
    ):
        sale = a_sale(f"kiosk-1-{n:06d}")
        sale.update(model_version=model, hard_case=hard, status=status)
        sale["completed_at"] = time.time() - 3600
        sales.append(sale)
    old = a_sale("kiosk-1-999999")  # a month ago: not in the week's comparison
    old.update(model_version="tray-detector/9", completed_at=time.time() - 30 * 86400)
    sales.append(old)
    r = service.call("POST", "/v1/sales/batch", json={"sales": sales})
    assert r.status_code == 200 and all(x["status"] == 201 for x in r.json()["results"])
    _sign_in(service)
    page = service.http.get(service.url + "/review/fleet").text
    table = page[page.index("How each release does") :].split("</table>")[0]
    rows = {
        m[0]: m[1:]
        for m in re.findall(
            r"<tr><td>([^<]+)</td><td>(\d+)</td><td>(\d+)</td>\s*<td>([^<]+)</td><td>([^<]+)</td>"
            r"<td>([^<]+)</td>",
            table,
        )
    }
    # with each share, the range it may really be in: 2 of 8 says little yet
    assert rows["tray-detector/10"] == ("0", "8", "2 (25.0 %)", "7–59 %", "0 (0.0 %)")
    assert rows["tray-detector/11"] == ("0", "4", "2 (50.0 %)", "15–85 %", "1 (25.0 %)")
    assert "tray-detector/9" not in rows


def test_a_canary_is_called_worse_only_when_the_sales_show_it():
    from hq.review_web import release_outcome_rows, wilson

    lo, hi = wilson(2, 8)
    assert round(lo, 3) == 0.071 and round(hi, 3) == 0.591
    assert wilson(0, 0) == (0.0, 1.0)
    rollouts = {"tray-detector": {"stable": "tray-detector/10", "canary": "tray-detector/11"}}

    def against(canary: tuple[int, int], stable: tuple[int, int]) -> str:
        outcomes = {
            "tray-detector/10": {"sales": stable[0], "hard_cases": stable[1], "abandoned": 0},
            "tray-detector/11": {"sales": canary[0], "hard_cases": canary[1], "abandoned": 0},
        }
        rows = {r["ref"]: r for r in release_outcome_rows(outcomes, {}, rollouts)}
        assert rows["tray-detector/10"]["against_stable"] == ""  # the stable one itself
        return rows["tray-detector/11"]["against_stable"]

    # twice the stable release's rate on 4 sales is not yet a difference; on 400 it is
    assert against((4, 2), (8, 2)) == "no clear difference from tray-detector/10 yet"
    assert against((400, 140), (4000, 700)) == "more hard cases than tray-detector/10"
    assert against((400, 20), (4000, 700)) == "fewer hard cases than tray-detector/10"
    assert against((0, 0), (4000, 700)) == "not enough sales beside tray-detector/10 yet"


def test_migration_5_reads_the_release_of_the_sales_stored_before_it(tmp_path, monkeypatch):
    import hq.db as hq_db

    monkeypatch.setattr(hq_db, "MIGRATIONS", hq_db.MIGRATIONS[:4])
    db = hq_db.HqDatabase.for_path(tmp_path / "hq.sqlite3")
    assert db.migrate() == 4
    sale = a_sale()
    sale.update(model_version="tray-detector/10", hard_case=True)
    with db._write() as conn:  # a sale as hq stored it before migration 5
        conn.exec_driver_sql(
            "INSERT INTO sales (id, device_id, status, total, currency, completed_at,"
            " body_sha256, body, received_at) VALUES (?, ?, 'paid', 700, 'CNY', ?, 'x', ?, 0)",
            (sale["id"], sale["device_id"], sale["completed_at"], json.dumps(sale)),
        )
    monkeypatch.undo()
    assert db.migrate() == 5
    assert db.release_outcomes(0) == {
        "tray-detector/10": {"sales": 1, "hard_cases": 1, "abandoned": 0}
    }
    db.close()
