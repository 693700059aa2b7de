"""The headquarters service over HTTP, on both storage backends (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import pytest
from hq_helpers import DEVICE, OTHER_DEVICE, OTHER_TOKEN, STORE, a_sale

from hq.db import HqStoreError

DEMO_CATALOG = Path(__file__).resolve().parents[2] / "assets" / "catalog" / "demo.json"


def post_sales(service, sales, token=None, **kw):
    kwargs = {"json": {"sales": sales}} if "data" not in kw else {}
    if token is not None:
        kwargs["token"] = token
    return service.call("POST", "/v1/sales/batch", **kwargs, **kw)


def test_health_needs_no_token(service):
    r = service.call("GET", "/v1/health", token=None)
    assert r.status_code == 200 and r.json() == {"status": "ok", "protocol": "1.1.0"}


def test_a_sale_is_stored_once_and_a_retry_gets_the_stored_result(service):
    first = post_sales(service, [a_sale()])
    assert first.status_code == 200
    (verdict,) = first.json()["results"]
    assert verdict["id"] == "kiosk-1-000001" and verdict["status"] == 201
    again = post_sales(service, [a_sale()])
    (repeat,) = again.json()["results"]
    assert repeat["status"] == 200 and repeat["received_at"] == verdict["received_at"]
    assert service.db.count("sales") == 1
    assert service.db.record("sales", "kiosk-1-000001")["body"] == a_sale()


def test_the_same_key_with_another_body_is_refused_and_the_first_is_kept(service):
    post_sales(service, [a_sale(total=700)])
    r = post_sales(service, [a_sale(total=1)])
    (verdict,) = r.json()["results"]
    assert verdict["status"] == 409
    assert "different body" in verdict["detail"] and "kiosk-1-000001" in verdict["detail"]
    assert service.db.record("sales", "kiosk-1-000001")["body"]["total"] == 700


def test_key_order_and_whitespace_do_not_make_a_different_body(service):
    post_sales(service, [a_sale()])
    reordered = json.dumps({"sales": [dict(reversed(list(a_sale().items())))]}, indent=3)
    r = post_sales(service, None, data=reordered, headers={"Content-Type": "application/json"})
    assert r.json()["results"][0]["status"] == 200


def test_a_batch_gets_one_verdict_per_record_in_order(service):
    post_sales(service, [a_sale("kiosk-1-000002", total=5)])
    bad = a_sale("kiosk-1-000003")
    bad["total"] = "700"  # a string, not fen
    foreign = a_sale("kiosk-2-000001", device_id=OTHER_DEVICE)
    batch = [a_sale("kiosk-1-000001"), a_sale("kiosk-1-000002", total=6), bad, foreign]
    results = post_sales(service, batch).json()["results"]
    assert [(r["id"], r["status"]) for r in results] == [
        ("kiosk-1-000001", 201),
        ("kiosk-1-000002", 409),
        ("kiosk-1-000003", 422),
        ("kiosk-2-000001", 403),
    ]
    assert "total" in results[2]["detail"]
    assert "kiosk-2" in results[3]["detail"]
    assert service.db.keys("sales") == ["kiosk-1-000001", "kiosk-1-000002"]


def test_the_same_key_twice_in_one_batch_is_stored_once(service):
    results = post_sales(service, [a_sale(), a_sale(), a_sale(total=3)]).json()["results"]
    assert [r["status"] for r in results] == [201, 200, 409]
    assert service.db.count("sales") == 1


def test_concurrent_uploads_of_the_same_sales_store_each_once(service):
    """A kiosk that timed out retries while its first request is still being processed."""
    sales = [a_sale(f"kiosk-1-{i:06d}") for i in range(1, 41)]
    verdicts: list[list[int]] = []
    lock = threading.Lock()

    def upload():
        statuses = [r["status"] for r in post_sales(service, sales).json()["results"]]
        with lock:
            verdicts.append(statuses)

    threads = [threading.Thread(target=upload) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(verdicts) == 6
    for i in range(40):
        column = sorted(v[i] for v in verdicts)
        assert column == [200] * 5 + [201], column  # exactly one upload stored each sale
    assert service.db.count("sales") == 40


def test_refunds_are_idempotent_by_attempt_id(service):
    refund = {"attempt_id": "pay-1", "amount": 350, "reference": "r", "why": "void", "at": 1.5}
    r1 = service.call("POST", "/v1/refunds/batch", json={"refunds": [refund]})
    r2 = service.call("POST", "/v1/refunds/batch", json={"refunds": [refund]})
    r3 = service.call("POST", "/v1/refunds/batch", json={"refunds": [{**refund, "amount": 1}]})
    statuses = [r.json()["results"][0]["status"] for r in (r1, r2, r3)]
    assert statuses == [201, 200, 409]
    assert service.db.count("refunds") == 1


# ---- hard cases and images ----


def test_a_hard_case_with_its_image(service):
    image = b"\xff\xd8\xff" + bytes(range(256)) * 40
    sha = hashlib.sha256(image).hexdigest()
    r = service.call("PUT", f"/v1/images/{sha}", data=image)
    assert r.status_code == 201 and r.json() == {"sha256": sha, "size": len(image)}
    assert service.call("PUT", f"/v1/images/{sha}", data=image).status_code == 200
    case = {"id": "hc-1", "sale_id": None, "image_sha256": sha, "created_at": 5.0, "meta": {}}
    assert service.call("PUT", "/v1/hard-cases/hc-1", json=case).status_code == 201
    assert service.call("PUT", "/v1/hard-cases/hc-1", json=case).status_code == 200
    changed = {**case, "meta": {"verdict": "other"}}
    r = service.call("PUT", "/v1/hard-cases/hc-1", json=changed)
    assert r.status_code == 409 and "different body" in r.json()["detail"]
    assert service.images.read(sha) == image
    assert service.db.record("hard_cases", "hc-1")["body"] == case


def test_an_image_that_does_not_match_its_sha256_is_refused_and_not_stored(service):
    image = b"the real image bytes"
    claimed = hashlib.sha256(b"something else").hexdigest()
    r = service.call("PUT", f"/v1/images/{claimed}", data=image)
    assert r.status_code == 422
    assert claimed in r.json()["detail"] and "nothing was stored" in r.json()["detail"]
    assert not service.images.has(claimed) and service.db.count("images") == 0
    assert list((service.images.root / "tmp").iterdir()) == []
    # Nor may different bytes pass under the name of an image already stored.
    real = hashlib.sha256(image).hexdigest()
    assert service.call("PUT", f"/v1/images/{real}", data=image).status_code == 201
    assert service.call("PUT", f"/v1/images/{real}", data=b"other bytes").status_code == 422
    assert service.images.read(real) == image


def test_a_hard_case_naming_an_image_never_uploaded_is_refused(service):
    sha = "ab" * 32
    case = {"id": "hc-2", "image_sha256": sha, "created_at": 1.0, "meta": {}}
    r = service.call("PUT", "/v1/hard-cases/hc-2", json=case)
    assert r.status_code == 422 and f"PUT /v1/images/{sha}" in r.json()["detail"]
    assert service.db.count("hard_cases") == 0


def test_a_hard_case_whose_path_and_body_disagree_is_refused(service):
    case = {"id": "hc-3", "created_at": 1.0, "meta": {}}
    r = service.call("PUT", "/v1/hard-cases/hc-4", json=case)
    assert r.status_code == 422 and "hc-4" in r.json()["detail"]
    assert service.db.count("hard_cases") == 0


# ---- bad input: a clear 4xx and nothing stored ----


@pytest.mark.parametrize(
    ("token", "status", "phrase"),
    [(None, 401, "Authorization"), ("not-a-token", 401, "unknown device token")],
)
def test_a_wrong_or_missing_token_is_refused(service, token, status, phrase):
    r = service.call("POST", "/v1/sales/batch", token=token, json={"sales": [a_sale()]})
    assert r.status_code == status and phrase in r.json()["detail"]
    assert service.db.count("sales") == 0


def test_an_oversized_body_is_refused(service):
    big = a_sale()
    big["note"] = "x" * 300_000
    r = post_sales(service, [big])
    assert r.status_code == 413 and "limit" in r.json()["detail"]
    image = b"\0" * 300_000
    r = service.call("PUT", f"/v1/images/{hashlib.sha256(image).hexdigest()}", data=image)
    assert r.status_code == 413
    assert service.db.count("sales") == 0 and service.db.count("images") == 0


def test_an_oversized_body_without_content_length_is_cut_off(service):
    def chunks():
        yield b'{"sales": ['
        for _ in range(400):
            yield json.dumps(a_sale()).encode() + b","
        yield b"]}"

    r = service.call(
        "POST", "/v1/sales/batch", data=chunks(), headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413
    assert service.db.count("sales") == 0


def test_too_many_records_in_one_batch_is_refused(service):
    small = [{**a_sale(f"kiosk-1-{i}"), "lines": []} for i in range(501)]
    r = post_sales(service, small)
    assert r.status_code == 413 and "at most 500" in r.json()["detail"]
    assert service.db.count("sales") == 0


@pytest.mark.parametrize(
    ("body", "ctype", "status", "phrase"),
    [
        (b'{"sales": [', "application/json", 400, "not valid JSON"),
        (b"\xff\xfe", "application/json", 400, "not UTF-8"),
        (b'{"sales": [{"total": NaN}]}', "application/json", 400, "NaN"),
        (b'{"sales": []}', "application/json", 422, "non-empty"),
        (b'{"sale": []}', "application/json", 422, "exactly one key"),
        (b"[]", "application/json", 422, "exactly one key"),
        (b'{"sales": []}', "text/plain", 415, "application/json"),
    ],
)
def test_malformed_bodies_are_refused_clearly(service, body, ctype, status, phrase):
    r = post_sales(service, None, data=body, headers={"Content-Type": ctype})
    assert r.status_code == status, r.text
    assert phrase in r.json()["detail"]
    assert service.db.count("sales") == 0


def test_an_unknown_device_and_a_device_posing_as_another_are_refused(service):
    beat = {"device_id": OTHER_DEVICE, "app_version": "0.1.0", "clock": 1.0}
    r = service.call("POST", "/v1/heartbeat", json=beat)  # kiosk-1's token
    assert r.status_code == 403 and "kiosk-2" in r.json()["detail"]
    r = service.call("POST", "/v1/heartbeat", token="token-of-nobody", json=beat)
    assert r.status_code == 401
    assert all(d["last_heartbeat"] is None for d in service.db.devices())


# ---- heartbeat, listing, settings, catalog ----


def test_heartbeats_show_in_the_admin_device_listing(service):
    beat = {
        "device_id": DEVICE,
        "app_version": "0.1.0",
        "model_version": "m-3",
        "execution_provider": "CPUExecutionProvider",
        "devices": {"scale": "ok", "camera": "frozen"},
        "backlog": 12,
        "clock": 1_790_000_000.0,
    }
    r = service.call("POST", "/v1/heartbeat", json=beat)
    assert r.status_code == 200 and r.json()["server_time"] > 0
    assert service.call("GET", "/v1/devices").status_code == 403  # a device token
    admin = service.db.add_admin_token("ops")
    listing = service.call("GET", "/v1/devices", token=admin).json()["devices"]
    mine = next(d for d in listing if d["device_id"] == DEVICE)
    assert mine["store_id"] == STORE and mine["last_heartbeat"] == beat
    assert mine["last_heartbeat_at"] == pytest.approx(r.json()["server_time"])
    assert [d["device_id"] for d in listing] == sorted(d["device_id"] for d in listing)


def test_device_settings_name_the_store(service):
    service.db.set_device_settings(DEVICE, {"note": "front counter"})
    r = service.call("GET", "/v1/device/settings")
    settings = {"note": "front counter"}
    assert r.json() == {"device_id": DEVICE, "store_id": STORE, "settings": settings}


def test_the_catalog_with_etag_and_if_none_match(service):
    path = f"/v1/stores/{STORE}/catalog"
    assert service.call("GET", path).status_code == 404
    body = DEMO_CATALOG.read_bytes()
    service.db.publish_catalog(STORE, "v1", body)
    r = service.call("GET", path)
    assert r.status_code == 200 and r.content == body
    assert r.headers["ETag"] == f'"{hashlib.sha256(body).hexdigest()}"'
    assert r.headers["X-Catalog-Version"] == "v1"
    r304 = service.call("GET", path, headers={"If-None-Match": r.headers["ETag"]})
    assert r304.status_code == 304 and r304.content == b""
    version = json.loads(body)["version"]
    newer = body.replace(f'"version": "{version}"'.encode(), b'"version": "v2"')
    assert newer != body
    service.db.publish_catalog(STORE, "v2", newer)
    r2 = service.call("GET", path, headers={"If-None-Match": r.headers["ETag"]})
    assert r2.status_code == 200 and r2.headers["X-Catalog-Version"] == "v2"
    # Another store's catalog is not this device's business.
    assert service.call("GET", path, token=OTHER_TOKEN).status_code == 403


def test_a_published_catalog_version_cannot_change_its_contents(database):
    database.publish_catalog(STORE, "v1", b'{"version": "v1"}')
    with pytest.raises(HqStoreError, match="new version"):
        database.publish_catalog(STORE, "v1", b'{"version": "v1", "x": 1}')


def test_unknown_paths_and_methods_answer_json_errors(service):
    r = service.call("GET", "/v1/nothing-here")
    assert r.status_code == 404 and "detail" in r.json()
    r = service.call("DELETE", "/v1/sales/batch")
    assert r.status_code == 405 and "detail" in r.json()
