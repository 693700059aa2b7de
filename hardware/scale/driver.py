"""The serial scale driver: one thread that owns the port, polls, and reconnects.

The read loop stays short; parsing lives in the protocol modules, stability in
`stability.py`. Any I/O error, or no readable frame for `silence_timeout_s`, discards
the connection; the next cycle reopens it after a capped, doubling wait and identifies
the device again. Nothing here is a mock: simulators sit behind a real pty.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

from ..connection import Backoff, pause_before_reopen
from .config import ScaleConfig
from .events import (
    CommandOutcome,
    ConnectionChanged,
    ConnectionState,
    ScaleEvent,
    ScaleFaulted,
    ScaleIdentity,
    ScaleMotion,
    WeightReading,
)
from .frames import Ack, Fault, Motion, Parsed, Unreadable, Weight
from .link import LinkLost, NoReply, ScaleLink
from .protocol import ScaleProtocol, protocol_for
from .stability import StabilityWindow

log = logging.getLogger(__name__)


class _Silent(Exception):
    pass


class SerialScale:
    """Polls the scale on its own thread and reports typed events through `on_event`.

    `on_event` runs on the scale thread: hand the event over, don't block in it.
    """

    def __init__(
        self,
        config: ScaleConfig,
        on_event: Callable[[ScaleEvent], None],
        *,
        protocol: ScaleProtocol | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.config = config
        self.protocol = protocol or protocol_for(config)
        self._on_event = on_event
        self._clock = clock
        self._window = StabilityWindow(config.stability.span_s, config.stability.tolerance_g)
        self._commands: queue.Queue[tuple[str, Future[CommandOutcome]]] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = ConnectionState.DISCONNECTED
        self._identity: ScaleIdentity | None = None
        self._last_fault: Fault | None = None
        self.reconnects = 0

    # -- public, any thread -------------------------------------------------------------

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def identity(self) -> ScaleIdentity | None:
        return self._identity

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("scale driver already started")
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"scale {self.config.url}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("scale thread did not stop within %.1f s", timeout)
            self._thread = None

    def zero(self, timeout: float = 5.0) -> CommandOutcome:
        return self._command(self.protocol.zero, "zero", timeout)

    def tare(self, timeout: float = 5.0) -> CommandOutcome:
        return self._command(self.protocol.tare, "tare", timeout)

    def clear_tare(self, timeout: float = 5.0) -> CommandOutcome:
        return self._command(self.protocol.clear_tare, "clear tare", timeout)

    def _command(self, command: str | None, what: str, timeout: float) -> CommandOutcome:
        if command is None:
            return CommandOutcome(what, False, f"{self.protocol.name} scales have no {what}")
        if self._state is not ConnectionState.READY:
            return CommandOutcome(command, False, f"scale not ready ({self._state.value})")
        future: Future[CommandOutcome] = Future()
        self._commands.put((command, future))
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            return CommandOutcome(command, False, f"{what} not answered within {timeout} s")

    # -- the scale thread ---------------------------------------------------------------

    def _run(self) -> None:
        timing = self.config.timing
        backoff = Backoff(timing.backoff_initial_s, timing.backoff_max_s)
        while not self._stop.is_set():
            self._set_state(ConnectionState.CONNECTING, f"opening {self.config.url}")
            link: ScaleLink | None = None
            try:
                link = ScaleLink.open(self.config, self.protocol)
                identity = link.identify(timing.reply_timeout_s)
                if self.protocol.stream is not None:
                    link.send(self.protocol.stream)
            except Exception as exc:
                if not isinstance(exc, LinkLost | NoReply):
                    log.exception("scale connect failed unexpectedly; retrying")
                if link is not None:
                    link.close()
                self._set_state(ConnectionState.ERROR, str(exc))
                self._fail_pending(str(exc))
                self._pause(backoff.next())
                continue
            self._identity = identity
            self._window.reset()
            self._last_fault = None
            self._set_state(ConnectionState.READY, identity.describe(), identity)
            # A cable that was just pulled is rarely back within a millisecond, but
            # after a good connection the first retry comes soon.
            backoff.reset()
            try:
                self._serve(link)
            except Exception as exc:
                if not isinstance(exc, LinkLost | _Silent):
                    # Unforeseen (a driver bug, an odd OS error): the scale must not go
                    # dark until a restart, so log it and treat it as a lost link.
                    log.exception("scale loop failed; reconnecting")
                self.reconnects += 1
                self._set_state(ConnectionState.ERROR, str(exc))
                self._fail_pending(str(exc))
                self._pause(backoff.next())
            finally:
                link.close()
        self._fail_pending("scale driver stopped")
        self._set_state(ConnectionState.DISCONNECTED, "stopped")

    def _pause(self, seconds: float) -> None:
        pause_before_reopen(self._stop, self.config.url, seconds)

    def _serve(self, link: ScaleLink) -> None:
        timing = self.config.timing
        last_heard = self._clock()
        while not self._stop.is_set():
            if self._run_pending(link):
                last_heard = self._clock()
            if self.protocol.stream is not None:
                frames = link.read_frames()
            else:
                try:
                    reply, frames = link.exchange(self.protocol.weigh, timing.reply_timeout_s)
                    frames = [*frames, reply]
                except NoReply:
                    frames = []
            for parsed in frames:
                if not isinstance(parsed, Unreadable):
                    last_heard = self._clock()
                self._report(parsed)
            silent_for = self._clock() - last_heard
            if silent_for > timing.silence_timeout_s:
                raise _Silent(
                    f"no readable frame for {silent_for:.1f} s at {self.config.line_settings}"
                    f" on {self.config.url}; reconnecting"
                )
            if self.protocol.stream is None:
                self._stop.wait(timing.poll_interval_s)

    def _run_pending(self, link: ScaleLink) -> bool:
        heard = False
        while True:
            try:
                command, future = self._commands.get_nowait()
            except queue.Empty:
                return heard
            if not future.set_running_or_notify_cancel():
                continue
            try:
                reply, _ = link.exchange(command, self.config.timing.reply_timeout_s)
            except NoReply as exc:
                future.set_result(CommandOutcome(command, False, str(exc)))
                continue
            except LinkLost as exc:
                future.set_result(CommandOutcome(command, False, f"connection lost: {exc}"))
                raise
            heard = True
            future.set_result(_outcome(command, reply))
            if self.protocol.stream is not None:
                link.send(self.protocol.stream)  # any command ends an SIR stream

    def _report(self, parsed: Parsed) -> None:
        now = self._clock()
        if isinstance(parsed, Weight):
            self._last_fault = None
            stable = self._window.observe(parsed.grams, parsed.stable, now)
            self._emit(WeightReading(parsed.grams, stable, parsed.stable, now))
        elif isinstance(parsed, Motion):
            self._last_fault = None
            self._window.reset()
            self._emit(ScaleMotion(now))
        elif isinstance(parsed, Fault):
            self._window.reset()
            if parsed != self._last_fault:
                self._last_fault = parsed
                self._emit(ScaleFaulted(parsed.kind, parsed.detail, now))

    def _fail_pending(self, reason: str) -> None:
        while True:
            try:
                command, future = self._commands.get_nowait()
            except queue.Empty:
                return
            if future.set_running_or_notify_cancel():
                future.set_result(CommandOutcome(command, False, reason))

    def _set_state(
        self, state: ConnectionState, detail: str, identity: ScaleIdentity | None = None
    ) -> None:
        if state is self._state and state is not ConnectionState.ERROR:
            return
        self._state = state
        self._emit(ConnectionChanged(state, detail, self._clock(), identity))

    def _emit(self, event: ScaleEvent) -> None:
        try:
            self._on_event(event)
        except Exception:
            # A bug in a consumer must not kill the only thread that reads the scale.
            log.exception("scale event handler failed on %r", event)


def _outcome(command: str, reply: Parsed) -> CommandOutcome:
    if isinstance(reply, Ack):
        return CommandOutcome(command, True, "done", reply.grams)
    if isinstance(reply, Fault):
        return CommandOutcome(command, False, reply.detail)
    if isinstance(reply, Motion):
        return CommandOutcome(command, False, "the scale is in motion: not done")
    return CommandOutcome(command, False, f"unexpected reply {reply!r}")
