"""What the simulated scale weighs: anything with a true weight, such as the
`VirtualTray`. A change subscription, when offered, times each change exactly."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Load(Protocol):
    def true_weight_g(self) -> float: ...


@runtime_checkable
class ObservableLoad(Load, Protocol):
    def subscribe(self, callback: Callable[[Any], None]) -> Callable[[], None]: ...


@dataclass(frozen=True, slots=True)
class LoadChanged:
    grams: float


class PlatformLoad:
    """A bare platform with a settable load: for tests and the by-hand simulator."""

    def __init__(self, grams: float = 0.0):
        self._grams = grams
        self._lock = threading.Lock()
        self._subscribers: list[Callable[[Any], None]] = []

    def true_weight_g(self) -> float:
        return self._grams

    def put(self, grams: float) -> None:
        with self._lock:
            self._grams = grams
            subscribers = list(self._subscribers)
        for callback in subscribers:
            callback(LoadChanged(grams))

    def subscribe(self, callback: Callable[[Any], None]) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe
