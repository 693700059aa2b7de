"""The headquarters HTTP service (Starlette on uvicorn), as hq/openapi.yaml describes it.

Starlette rather than FastAPI: the contract is the hand-written OpenAPI document, not
one generated from the handlers, and what the handlers need beyond routing (bodies
streamed to disk with a size cap, per-record verdicts inside a 200) is plain code
either way; Starlette is FastAPI's own core without the generation layer.

Database calls are blocking (SQLAlchemy), so handlers run them in the thread pool;
the event loop only parses, streams and answers.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from hq import PROTOCOL_VERSION
from hq.db import Device, HqDatabase, Record, canonical_json
from hq.images import SHA256_RE, HqImageStore, ImageRejected, ImageTooLarge
from hq.model_releases import cohort
from hq.records import HardCaseIn, HeartbeatIn, RefundIn, SaleIn, describe
from hq.review_web import ReviewPages

log = logging.getLogger("hq")

OPENAPI_PATH = Path(__file__).with_name("openapi.yaml")
MODEL_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
MAX_BATCH = 500


@dataclass(frozen=True)
class Limits:
    max_json_bytes: int = 4 * 1024 * 1024
    max_image_bytes: int = 20 * 1024 * 1024


class ApiError(HTTPException):
    def __init__(self, status: int, detail: str, errors: list[dict[str, str]] | None = None):
        super().__init__(status, detail)
        self.errors = errors


def _error(status: int, detail: str, errors: list[dict[str, str]] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"detail": detail}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


class HqService:
    def __init__(
        self, db: HqDatabase, images: HqImageStore, limits: Limits, model_files: HqImageStore
    ) -> None:
        self.db = db
        self.images = images
        self.limits = limits
        self.model_files = model_files

    # ---- request plumbing ----

    def _bearer(self, request: Request) -> str:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "missing 'Authorization: Bearer <token>' header")
        return token.strip()

    async def _device(self, request: Request) -> Device:
        token = self._bearer(request)
        device = await run_in_threadpool(self.db.device_for_token, token)
        if device is None:
            raise ApiError(
                401,
                "unknown device token: issue one with `hq device add DEVICE_ID --store STORE`",
            )
        return device

    async def _body(self, request: Request, limit: int) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None:
            try:
                declared_n = int(declared)
            except ValueError:
                raise ApiError(400, "Content-Length is not a number") from None
            if declared_n > limit:
                raise ApiError(413, f"the body is {declared_n} bytes; the limit is {limit}")
        chunks, size = [], 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise ApiError(413, f"the body is larger than the limit of {limit} bytes")
                chunks.append(chunk)
        except ClientDisconnect:
            raise ApiError(400, "the client went away before the body was complete") from None
        return b"".join(chunks)

    async def _json(self, request: Request) -> Any:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise ApiError(415, f"the body must be application/json, not {ctype or 'unset'!r}")
        raw = await self._body(request, self.limits.max_json_bytes)
        try:
            return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except UnicodeDecodeError as err:
            raise ApiError(400, f"the body is not UTF-8: {err}") from None
        except ValueError as err:  # JSONDecodeError is a ValueError
            raise ApiError(400, f"the body is not valid JSON: {err}") from None

    # ---- endpoints ----

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "protocol": PROTOCOL_VERSION})

    async def upload_sales(self, request: Request) -> Response:
        return await self._batch(request, "sales", "sales", SaleIn, "id", self._sale_columns)

    async def upload_refunds(self, request: Request) -> Response:
        return await self._batch(
            request, "refunds", "refunds", RefundIn, "attempt_id", self._refund_columns
        )

    @staticmethod
    def _sale_columns(sale: SaleIn) -> dict[str, Any]:
        return {
            "status": sale.status,
            "total": sale.total,
            "currency": sale.currency,
            "completed_at": sale.completed_at,
            "model_version": sale.model_version,
            "hard_case": int(sale.hard_case),
        }

    @staticmethod
    def _refund_columns(refund: RefundIn) -> dict[str, Any]:
        return {"amount": refund.amount}

    async def _batch(self, request, field, table, model, key_field, columns) -> Response:
        device = await self._device(request)
        doc = await self._json(request)
        if not isinstance(doc, dict) or set(doc) != {field}:
            raise ApiError(422, f"the body must be an object with exactly one key, {field!r}")
        items = doc[field]
        if not isinstance(items, list) or not items:
            raise ApiError(422, f"{field!r} must be a non-empty array")
        if len(items) > MAX_BATCH:
            raise ApiError(413, f"{len(items)} records in one batch; send at most {MAX_BATCH}")
        results: list[dict[str, Any] | None] = [None] * len(items)
        records: list[Record] = []
        positions: list[int] = []
        for i, item in enumerate(items):
            key = item.get(key_field) if isinstance(item, dict) else None
            key = key if isinstance(key, str) else ""
            try:
                parsed = model.model_validate(item)
            except ValidationError as err:
                problems = describe(err)
                results[i] = {
                    "id": key,
                    "status": 422,
                    "detail": f"{field}[{i}] is invalid: "
                    + "; ".join(f"{p['loc']}: {p['msg']}" for p in problems[:5]),
                }
                continue
            owner = getattr(parsed, "device_id", device.device_id)
            if owner != device.device_id:
                results[i] = {
                    "id": key,
                    "status": 403,
                    "detail": f"{key} belongs to device {owner!r}, but the token is "
                    f"{device.device_id!r}'s: check the kiosk's device id",
                }
                continue
            records.append(Record(key, canonical_json(item), columns(parsed)))
            positions.append(i)
        verdicts = await run_in_threadpool(self.db.put_records, table, device.device_id, records)
        for i, v in zip(positions, verdicts, strict=True):
            result: dict[str, Any] = {"id": v.key, "status": v.status, "received_at": v.received_at}
            if v.detail:
                result["detail"] = v.detail
            results[i] = result
        return JSONResponse({"results": results})

    async def upload_image(self, request: Request) -> Response:
        device = await self._device(request)
        sha = request.path_params["sha256"]
        if not SHA256_RE.match(sha):
            raise ApiError(422, "the path must name the image by its lower-case sha256 hex digest")
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.limits.max_image_bytes:
            raise ApiError(
                413, f"the image is {declared} bytes; the limit is {self.limits.max_image_bytes}"
            )
        # Even a known image is received and hashed again: a 200 must mean "these very
        # bytes are stored", not "something by that name is".
        try:
            size = await self.images.put_stream(sha, request.stream(), self.limits.max_image_bytes)
        except ImageTooLarge as err:
            raise ApiError(413, str(err)) from None
        except ImageRejected as err:
            raise ApiError(422, str(err)) from None
        except ClientDisconnect:
            raise ApiError(400, "the client went away before the image was complete") from None
        created = await run_in_threadpool(self.db.add_image, sha, size, device.device_id)
        return JSONResponse({"sha256": sha, "size": size}, status_code=201 if created else 200)

    async def upload_hard_case(self, request: Request) -> Response:
        device = await self._device(request)
        case_id = request.path_params["id"]
        doc = await self._json(request)
        try:
            case = HardCaseIn.model_validate(doc)
        except ValidationError as err:
            raise ApiError(422, "the hard case is invalid", describe(err)) from None
        if case.id != case_id:
            raise ApiError(422, f"the path names hard case {case_id!r} but the body {case.id!r}")
        if case.image_sha256 is not None and not (
            await run_in_threadpool(self.db.has_image, case.image_sha256)
            and self.images.has(case.image_sha256)
        ):
            raise ApiError(
                422,
                f"image {case.image_sha256} has not been uploaded: "
                f"PUT /v1/images/{case.image_sha256} first",
            )
        record = Record(
            case.id,
            canonical_json(doc),
            {"sale_id": case.sale_id, "image_sha256": case.image_sha256},
        )
        (verdict,) = await run_in_threadpool(
            self.db.put_records, "hard_cases", device.device_id, [record]
        )
        body: dict[str, Any] = {
            "id": verdict.key,
            "status": verdict.status,
            "received_at": verdict.received_at,
        }
        if verdict.status == 409:
            raise ApiError(409, verdict.detail)
        return JSONResponse(body, status_code=verdict.status)

    async def heartbeat(self, request: Request) -> Response:
        device = await self._device(request)
        doc = await self._json(request)
        try:
            beat = HeartbeatIn.model_validate(doc)
        except ValidationError as err:
            raise ApiError(422, "the heartbeat is invalid", describe(err)) from None
        if beat.device_id != device.device_id:
            raise ApiError(
                403,
                f"the heartbeat is from {beat.device_id!r} but the token is "
                f"{device.device_id!r}'s: check the kiosk's device id",
            )
        now = await run_in_threadpool(self.db.record_heartbeat, device.device_id, doc)
        return JSONResponse({"server_time": now})

    async def device_settings(self, request: Request) -> Response:
        device = await self._device(request)
        settings = await run_in_threadpool(self.db.device_settings, device.device_id)
        return JSONResponse(
            {"device_id": device.device_id, "store_id": device.store_id, "settings": settings}
        )

    async def store_catalog(self, request: Request) -> Response:
        device = await self._device(request)
        store_id = request.path_params["store_id"]
        if store_id != device.store_id:
            raise ApiError(
                403,
                f"device {device.device_id!r} belongs to store {device.store_id!r}, "
                f"not {store_id!r}",
            )
        catalog = await run_in_threadpool(self.db.current_catalog, store_id)
        if catalog is None:
            raise ApiError(404, f"no catalog published for store {store_id!r} (hq catalog publish)")
        etag = f'"{catalog.sha256}"'
        headers = {"ETag": etag, "X-Catalog-Version": catalog.version}
        wanted = request.headers.get("if-none-match", "")
        if etag in [t.strip().removeprefix("W/") for t in wanted.split(",")] or wanted == "*":
            return Response(status_code=304, headers=headers)
        return Response(catalog.body, media_type="application/json", headers=headers)

    async def device_model_release(self, request: Request) -> Response:
        device = await self._device(request)
        name = request.query_params.get("name", "")
        if not MODEL_NAME_RE.match(name):
            raise ApiError(422, "name: the model's name, e.g. ?name=tray-detector")
        release = await run_in_threadpool(
            self.db.model_for_device, name, cohort(device.device_id, name)
        )
        if release is None:
            raise ApiError(404, f"no release of {name!r} is rolled out to this device")
        return JSONResponse(release)

    async def model_file(self, request: Request) -> Response:
        await self._device(request)
        sha = request.path_params["sha256"]
        if not SHA256_RE.match(sha):
            raise ApiError(422, "sha256: 64 lower-case hex digits")
        if not await run_in_threadpool(self.db.is_model_file, sha) or not self.model_files.has(sha):
            raise ApiError(404, f"no published model file {sha}")
        return FileResponse(self.model_files.path(sha), media_type="application/octet-stream")

    async def list_devices(self, request: Request) -> Response:
        token = self._bearer(request)
        if not await run_in_threadpool(self.db.is_admin_token, token):
            if await run_in_threadpool(self.db.device_for_token, token):
                raise ApiError(403, "the device listing needs an admin token, not a device's")
            raise ApiError(401, "unknown token: issue an admin token with `hq admin-token add`")
        return JSONResponse({"devices": await run_in_threadpool(self.db.devices)})

    async def openapi(self, request: Request) -> Response:
        return Response(OPENAPI_PATH.read_bytes(), media_type="application/yaml")


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _error(exc.status_code, str(exc.detail), getattr(exc, "errors", None))


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _error(500, "internal error at headquarters; the request may be retried")


def create_app(
    db: HqDatabase,
    images: HqImageStore,
    limits: Limits | None = None,
    model_files: HqImageStore | None = None,
) -> Starlette:
    files = model_files or HqImageStore(images.root.parent / "model-files")
    service = HqService(db, images, limits or Limits(), files)
    routes = [
        Route("/v1/health", service.health, methods=["GET"]),
        Route("/v1/sales/batch", service.upload_sales, methods=["POST"]),
        Route("/v1/refunds/batch", service.upload_refunds, methods=["POST"]),
        Route("/v1/images/{sha256}", service.upload_image, methods=["PUT"]),
        Route("/v1/hard-cases/{id}", service.upload_hard_case, methods=["PUT"]),
        Route("/v1/heartbeat", service.heartbeat, methods=["POST"]),
        Route("/v1/device/settings", service.device_settings, methods=["GET"]),
        Route("/v1/stores/{store_id}/catalog", service.store_catalog, methods=["GET"]),
        Route("/v1/device/model-release", service.device_model_release, methods=["GET"]),
        Route("/v1/model-files/{sha256}", service.model_file, methods=["GET"]),
        Route("/v1/devices", service.list_devices, methods=["GET"]),
        Route("/openapi.yaml", service.openapi, methods=["GET"]),
        # people's pages (HTML, signed in with an admin token): not part of the device API
        *ReviewPages(db, images).routes(),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _api_error, Exception: _server_error},
    )
    app.state.service = service
    return app
