"""The checkout worker: one thread that feeds events to the checkout service.

`CheckoutService.handle` blocks for a durable commit, so nothing that must stay
responsive (the GUI thread, the camera, the scale) calls it directly: they post
here and return at once. One thread keeps the events in the order they were posted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from kiosk.checkout_service import CheckoutService
from kiosk.domain.checkout import Event, Rejected, Transition

log = logging.getLogger(__name__)


class CheckoutWorker:
    def __init__(self, service: CheckoutService, vet: Callable[[Event], str] | None = None) -> None:
        self.service = service
        # `vet(event)` runs on this thread just before the event is handled and may
        # refuse it with a reason (e.g. the weight check at payment); '' lets it pass.
        self.vet = vet
        self._pool: ThreadPoolExecutor | None = None
        self._closed = False

    def start(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checkout")

    def post(self, event: Event) -> Future[Transition] | None:
        """Queue `event`; never blocks. None once stopped (events after shutdown drop)."""
        if self._pool is None or self._closed:
            log.info("dropped %s: the checkout worker is stopped", type(event).__name__)
            return None
        return self._pool.submit(self._handle, event)

    def call(self, fn: Callable[[], object]) -> Future | None:
        """Run `fn` in order with the events (e.g. a read that must see them applied)."""
        if self._pool is None or self._closed:
            return None
        return self._pool.submit(fn)

    def _handle(self, event: Event) -> Transition:
        try:
            why = self.vet(event) if self.vet else ""
            if why:
                log.warning("%s refused: %s", type(event).__name__, why)
                return Transition(self.service.checkout, (Rejected(type(event).__name__, why),))
            return self.service.handle(event)
        except Exception:
            log.exception("the checkout failed to handle %s", type(event).__name__)
            raise

    def stop(self) -> None:
        self._closed = True
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=False)
            self._pool = None
