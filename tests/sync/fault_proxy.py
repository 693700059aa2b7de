"""A fault-injecting HTTP proxy (asyncio, loopback) between the kiosk and headquarters.

It understands just enough HTTP/1.1 to act on one request at a time: it reads the
request head and its Content-Length body, forces `Connection: close` on both sides
(so every request gets its own connection and its own fault), and reads the whole
upstream response before deciding what the client gets.

Faults, chosen at random by weight or scripted one by one:
- LATENCY: the request is delayed, then passes.
- BLACKHOLE: the request is swallowed; the connection stays open and silent until
  the client gives up (its read timeout), then is dropped.
- STALL: the request reaches headquarters, which processes it; the reply is withheld.
- RESET_REQUEST: the connection is reset halfway through the request.
- RESET_RESPONSE: headquarters processed it; the connection is reset halfway
  through the reply.
- TRUNCATE: headquarters processed it; the reply is cut short with a clean close.
- HTTP_500: headquarters processed it; the client gets a 500 instead.
- HTTP_503: the client gets a 503 and headquarters never sees the request.
- TRICKLE: the reply arrives a few bytes at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
from collections import Counter
from collections.abc import Mapping
from enum import StrEnum


class Fault(StrEnum):
    NONE = "none"
    LATENCY = "latency"
    BLACKHOLE = "blackhole"
    STALL = "stall"
    RESET_REQUEST = "reset_request"
    RESET_RESPONSE = "reset_response"
    TRUNCATE = "truncate"
    HTTP_500 = "http_500"
    HTTP_503 = "http_503"
    TRICKLE = "trickle"


ALL_FAULTS = tuple(f for f in Fault if f is not Fault.NONE)


def _canned(status: int, reason: str) -> bytes:
    body = b'{"detail":"injected by the fault proxy"}'
    return (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body


def _with_connection_close(head: bytes) -> bytes:
    lines = head.rstrip(b"\r\n").split(b"\r\n")
    kept = [ln for ln in lines if not ln.lower().startswith(b"connection:")]
    return b"\r\n".join([*kept, b"connection: close"]) + b"\r\n\r\n"


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
        if name.strip().lower() == b"transfer-encoding":
            raise ValueError("chunked request bodies are not supported by the fault proxy")
    return 0


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST, not FIN: what a crashed middlebox or a pulled cable looks like."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FaultProxy:
    def __init__(
        self,
        upstream_port: int,
        *,
        fault_rate: float = 0.0,
        weights: Mapping[Fault, float] | None = None,
        seed: int = 0,
        latency_s: float = 0.05,
        hold_s: float = 1.0,
        trickle_chunk: int = 512,
        trickle_delay_s: float = 0.005,
    ) -> None:
        self.upstream_port = upstream_port
        self.fault_rate = fault_rate
        self.weights = dict(weights or dict.fromkeys(ALL_FAULTS, 1.0))
        self.latency_s = latency_s
        self.hold_s = hold_s  # how long BLACKHOLE/STALL keep the client waiting
        self.trickle_chunk = trickle_chunk
        self.trickle_delay_s = trickle_delay_s
        self.counts: Counter[Fault] = Counter()
        self._rng = random.Random(seed)
        self._script: list[Fault] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._tasks: set[asyncio.Task] = set()
        self.port = 0

    # ---- control (from the test's thread) ----

    def script(self, *faults: Fault) -> None:
        """The next requests get exactly these faults, in order, then random ones."""
        with self._lock:
            self._script.extend(faults)

    def set_fault_rate(self, rate: float) -> None:
        with self._lock:
            self.fault_rate = rate

    def _choose(self) -> Fault:
        with self._lock:
            if self._script:
                fault = self._script.pop(0)
            elif self._rng.random() < self.fault_rate:
                faults = list(self.weights)
                fault = self._rng.choices(faults, [self.weights[f] for f in faults])[0]
            else:
                fault = Fault.NONE
            self.counts[fault] += 1
            return fault

    def start(self) -> FaultProxy:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        self.port = future.result(10)
        return self

    def stop(self) -> None:
        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ---- the proxy ----

    async def _listen(self) -> int:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._one_request(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            if writer.transport.is_closing():
                writer.transport.abort()
            else:
                writer.close()
            self._tasks.discard(task)

    async def _one_request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        head = await reader.readuntil(b"\r\n\r\n")
        fault = self._choose()
        length = _content_length(head)
        if fault is Fault.BLACKHOLE:
            await asyncio.sleep(self.hold_s)
            _reset(writer)
            return
        if fault is Fault.HTTP_503:
            await reader.readexactly(length)
            writer.write(_canned(503, "Service Unavailable"))
            await writer.drain()
            return
        if fault is Fault.LATENCY:
            await asyncio.sleep(self.latency_s)
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        try:
            forwarded = _with_connection_close(head)
            if fault is Fault.RESET_REQUEST and not length:
                forwarded = forwarded[: len(forwarded) // 2]
            up_writer.write(forwarded)
            if fault is Fault.RESET_REQUEST:
                # Cut inside the body, or inside the head when there is no body.
                if length:
                    up_writer.write(await reader.readexactly(max(1, length // 2)))
                await up_writer.drain()
                _reset(up_writer)
                _reset(writer)
                return
            remaining = length
            while remaining:
                chunk = await reader.read(min(remaining, 1 << 16))
                if not chunk:
                    raise ConnectionError("client went away mid-body")
                up_writer.write(chunk)
                await up_writer.drain()
                remaining -= len(chunk)
            response = await up_reader.read()  # upstream closes: Connection: close
        finally:
            up_writer.close()
        await self._answer(fault, response, writer)

    async def _answer(self, fault: Fault, response: bytes, writer: asyncio.StreamWriter):
        head, sep, body = response.partition(b"\r\n\r\n")
        response = _with_connection_close(head + sep) + body
        if fault is Fault.STALL:
            await asyncio.sleep(self.hold_s)
            _reset(writer)
        elif fault is Fault.HTTP_500:
            writer.write(_canned(500, "Internal Server Error"))
        elif fault is Fault.RESET_RESPONSE:
            writer.write(response[: max(1, len(response) // 2)])
            await writer.drain()
            _reset(writer)
        elif fault is Fault.TRUNCATE:
            cut = len(response) - max(1, len(body) // 2) if body else len(response) // 2
            writer.write(response[:cut])
        elif fault is Fault.TRICKLE:
            for i in range(0, len(response), self.trickle_chunk):
                writer.write(response[i : i + self.trickle_chunk])
                await writer.drain()
                await asyncio.sleep(self.trickle_delay_s)
        else:
            writer.write(response)
        if not writer.transport.is_closing():
            await writer.drain()
