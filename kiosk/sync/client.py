"""The kiosk's HTTP client for the headquarters protocol (hq/openapi.yaml).

Every call has a connect and a read timeout, and a whole-response deadline on top
(a server that trickles one byte per second never trips a per-read timeout). Every
failure is sorted into what the worker must do about it:

- `Transient`: no verdict was received (timeout, reset, 5xx, 429, garbage): retry
  the same records later; headquarters' idempotency makes the retry safe.
- `AuthRefused`: 401/403 for the whole request: the token or device id is wrong;
  nothing is refused for good, staff must fix the configuration; keep retrying slowly.
- `RequestRejected`: any other 4xx for the whole request. Also retried (records
  are only ever given up on by a per-record verdict), but reported loudly.
- A per-record verdict (`ItemVerdict`) with 409/422/403 is final for that record.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from kiosk.sync.config import SyncConfig

MAX_RESPONSE_BYTES = 32 * 1024 * 1024
_CHUNK = 64 * 1024


class SyncError(Exception):
    """A call to headquarters did not give a usable answer."""


class Transient(SyncError):
    pass


class AuthRefused(SyncError):
    pass


class RequestRejected(SyncError):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"headquarters refused the request ({status}): {detail}")
        self.status = status


class BatchTooLarge(RequestRejected):
    pass


@dataclass(frozen=True, slots=True)
class ItemVerdict:
    key: str
    status: int
    detail: str = ""

    @property
    def accepted(self) -> bool:
        return self.status in (200, 201)


@dataclass(frozen=True, slots=True)
class CatalogDocument:
    body: bytes
    etag: str  # without quotes: the sha256 of the body
    version: str


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    headers: requests.structures.CaseInsensitiveDict
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise Transient(f"headquarters sent a reply that is not JSON ({err})") from None

    def detail(self) -> str:
        try:
            doc = json.loads(self.body)
            return str(doc.get("detail", doc)) if isinstance(doc, dict) else str(doc)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return self.body[:200].decode("utf-8", "replace") or "(no body)"


class HqClient:
    def __init__(self, config: SyncConfig, session: requests.Session | None = None) -> None:
        self.config = config
        self.base = config.url.rstrip("/")
        self.session = session or requests.Session()
        # Passed on every request, not set on the session: requests lets the
        # REQUESTS_CA_BUNDLE environment variable override a session's `verify`.
        self._verify: str | bool = str(config.ca_file) if config.ca_file else True
        self.session.headers.update(
            {
                "Authorization": f"Bearer {config.device_token.get_secret_value()}",
                "User-Agent": "checkout-kiosk-sync/1",
            }
        )
        self._timeout = (config.connect_timeout_s, config.read_timeout_s)
        self._deadline_s = config.connect_timeout_s + 2 * config.read_timeout_s

    def close(self) -> None:
        self.session.close()

    # ---- transport ----

    def _call(self, method: str, path: str, **kw: Any) -> _Reply:
        started = time.monotonic()
        try:
            with self.session.request(
                method,
                self.base + path,
                timeout=self._timeout,
                verify=self._verify,
                stream=True,
                **kw,
            ) as resp:
                chunks, size = [], 0
                for chunk in resp.iter_content(_CHUNK):
                    size += len(chunk)
                    if size > MAX_RESPONSE_BYTES:
                        raise Transient(f"{method} {path}: the reply is larger than expected")
                    if time.monotonic() - started > self._deadline_s:
                        raise Transient(
                            f"{method} {path}: the reply took longer than {self._deadline_s:.0f} s"
                        )
                    chunks.append(chunk)
                reply = _Reply(resp.status_code, resp.headers, b"".join(chunks))
        except requests.exceptions.SSLError as err:
            raise Transient(f"TLS failed talking to {self.base}: {_short(err)}") from None
        except requests.RequestException as err:
            raise Transient(f"{method} {path}: {type(err).__name__}: {_short(err)}") from None
        return self._sort(method, path, reply)

    @staticmethod
    def _sort(method: str, path: str, reply: _Reply) -> _Reply:
        status = reply.status
        if status < 400 or (status == 409 and path.startswith("/v1/hard-cases/")):
            return reply
        if status == 422 and path.startswith(("/v1/hard-cases/", "/v1/images/")):
            return reply  # a verdict on that one record, not on the request
        if status in (401, 403):
            raise AuthRefused(
                f"headquarters refused this kiosk's credentials ({status}): {reply.detail()}"
            )
        if status == 413:
            raise BatchTooLarge(status, reply.detail())
        if status in (408, 425, 429) or status >= 500:
            raise Transient(f"{method} {path}: headquarters answered {status}: {reply.detail()}")
        raise RequestRejected(status, reply.detail())

    # ---- calls ----

    def upload_batch(self, kind: str, keys: list[str], payloads: list[str]) -> list[ItemVerdict]:
        """POST /v1/sales/batch or /v1/refunds/batch; `payloads` are JSON texts, sent as
        they are stored so the body headquarters hashes is the one the kiosk committed."""
        field = {"sale": "sales", "refund": "refunds"}[kind]
        body = ('{"' + field + '":[' + ",".join(payloads) + "]}").encode("utf-8")
        reply = self._call(
            "POST",
            f"/v1/{field}/batch",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        doc = reply.json()
        results = doc.get("results") if isinstance(doc, dict) else None
        if not isinstance(results, list) or len(results) != len(keys):
            raise Transient(
                f"headquarters answered {len(results) if isinstance(results, list) else 'no'} "
                f"results for {len(keys)} {field}"
            )
        verdicts = []
        for key, r in zip(keys, results, strict=True):
            if (
                not isinstance(r, dict)
                or r.get("id") != key
                or not isinstance(r.get("status"), int)
            ):
                raise Transient(f"headquarters' verdict for {key} is malformed: {r!r:.200}")
            verdicts.append(ItemVerdict(key, r["status"], str(r.get("detail", ""))))
        return verdicts

    def put_image(self, sha256: str, path: Path) -> ItemVerdict:
        """Stream the file (never read whole); 201/200 stored, 422 the bytes are wrong."""
        with open(path, "rb") as f:
            reply = self._call(
                "PUT",
                f"/v1/images/{sha256}",
                data=f,
                headers={"Content-Type": "application/octet-stream"},
            )
        return ItemVerdict(sha256, reply.status, reply.detail() if reply.status >= 400 else "")

    def put_hard_case(self, case_id: str, payload: str) -> ItemVerdict:
        reply = self._call(
            "PUT",
            f"/v1/hard-cases/{quote(case_id, safe='')}",
            data=payload.encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        return ItemVerdict(case_id, reply.status, reply.detail() if reply.status >= 400 else "")

    def heartbeat(self, body: dict[str, Any]) -> float:
        reply = self._call("POST", "/v1/heartbeat", json=body)
        doc = reply.json()
        if not isinstance(doc, dict) or not isinstance(doc.get("server_time"), int | float):
            raise Transient("headquarters' heartbeat reply has no server_time")
        return float(doc["server_time"])

    def settings(self) -> dict[str, Any]:
        doc = self._call("GET", "/v1/device/settings").json()
        if not isinstance(doc, dict) or not isinstance(doc.get("store_id"), str):
            raise Transient("headquarters' settings reply has no store_id")
        return doc

    def catalog(self, store_id: str, etag: str | None) -> CatalogDocument | None:
        """The store's catalog, or None when the one named by `etag` is still current."""
        headers = {"If-None-Match": f'"{etag}"'} if etag else {}
        reply = self._call("GET", f"/v1/stores/{quote(store_id, safe='')}/catalog", headers=headers)
        if reply.status == 304:
            return None
        if reply.status != 200:
            raise Transient(f"catalog fetch answered {reply.status}")
        tag = reply.headers.get("ETag", "").strip().removeprefix("W/").strip('"')
        return CatalogDocument(reply.body, tag, reply.headers.get("X-Catalog-Version", ""))

    def model_release(self, name: str) -> dict[str, Any] | None:
        """The release of model `name` rolled out to this kiosk (its manifest and
        signature, unverified: `kiosk.sync.model_update` checks them), or None."""
        try:
            reply = self._call("GET", "/v1/device/model-release", params={"name": name})
        except RequestRejected as err:
            if err.status == 404:
                return None
            raise
        doc = reply.json()
        if not isinstance(doc, dict) or not all(
            isinstance(doc.get(k), str) for k in ("ref", "manifest", "signature")
        ):
            raise Transient("headquarters' model release reply is malformed")
        return doc

    def download(self, sha256: str, dest: Path, size: int) -> None:
        """GET /v1/model-files/{sha256} streamed into `dest`; raises Transient (dest
        removed) unless exactly `size` bytes hashing to `sha256` arrived. The deadline
        grows with the size: at least 200 kB/s."""
        import hashlib

        deadline = self._deadline_s + size / 200_000
        started = time.monotonic()
        digest, got = hashlib.sha256(), 0
        path = f"/v1/model-files/{sha256}"
        try:
            with self.session.get(
                self.base + path, timeout=self._timeout, verify=self._verify, stream=True
            ) as resp:
                if resp.status_code != 200:
                    body = resp.raw.read(2000, decode_content=True)
                    self._sort("GET", path, _Reply(resp.status_code, resp.headers, body))
                    raise Transient(f"GET {path} answered {resp.status_code}")
                with dest.open("wb") as f:
                    for chunk in resp.iter_content(_CHUNK):
                        got += len(chunk)
                        if got > size:
                            raise Transient(f"{path}: more than the manifest's {size} bytes")
                        if time.monotonic() - started > deadline:
                            raise Transient(f"{path}: took longer than {deadline:.0f} s")
                        digest.update(chunk)
                        f.write(chunk)
                    f.flush()
                    os.fsync(f.fileno())
            if got != size or digest.hexdigest() != sha256:
                raise Transient(
                    f"{path}: {got} bytes hashing to {digest.hexdigest()[:12]}…, not the "
                    f"manifest's {size} bytes (the download broke off or was altered)"
                )
        except requests.RequestException as err:
            dest.unlink(missing_ok=True)
            raise Transient(f"GET {path}: {type(err).__name__}: {_short(err)}") from None
        except BaseException:
            dest.unlink(missing_ok=True)
            raise


def _short(err: BaseException) -> str:
    text = str(err)
    return text if len(text) <= 300 else text[:300] + "…"
