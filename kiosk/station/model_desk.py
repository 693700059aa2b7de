"""The staff's Models page: which installed release serves, switching, rolling back.

A release is switched to only once it has proved itself on this kiosk: its files match
its profile (checksums), its labels are the catalog's, its session loads and warms up on
the configured providers, and it runs on the camera's latest picture without an error.
Until then the serving model goes on serving; the switch itself happens between two
frames (`VisionPipeline.use_detector`), never in the middle of one. The release it
replaced is kept as the one to roll back to, and the choice survives a restart
(`kiosk.models.choice`).

Blocking (hashing, loading, warm-up): the staff pool's work, never the GUI thread's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.models.choice import (
    CHOICE_FILE,
    ORACLE,
    ModelChoice,
    ReleaseRow,
    load_choice,
    release_rows,
    save_choice,
)
from kiosk.models.repository import ModelError, ModelRepository

log = logging.getLogger(__name__)

# A release that fails on more than half of its first frames after a switch is rolled
# back by itself: it loaded and ran on one picture, but not on what the camera shows.
TRIAL_FRAMES = 30


@dataclass(frozen=True, slots=True)
class _Trial:
    ref: str
    previous: str
    processed: int  # the pipeline's counts when the release began to serve
    run_errors: int


class ModelDesk:
    def __init__(
        self,
        repo: ModelRepository,
        data_dir: Path,
        known_skus: set[str],
        *,
        open_release: Callable[[str], Any],  # ref -> a warmed-up detector, or ModelError
        serve: Callable[[Any], None],  # put a detector to work from the next frame
        serving: Callable[[], str],  # the ref serving now
        last_image: Callable[[], np.ndarray | None],
        health: Callable[[], Any],  # the vision pipeline's VisionHealth
    ) -> None:
        self.repo = repo
        self.path = data_dir / CHOICE_FILE
        self.known_skus = known_skus
        self._open = open_release
        self._serve = serve
        self._serving = serving
        self._last_image = last_image
        self._health = health
        self._trial: _Trial | None = None
        self._lock = threading.Lock()  # staff's switch (staff pool) and the trial (jobs)

    def saved(self) -> ModelChoice | None:
        """The staff's last choice; None when there is none or its file is damaged
        (logged: the config's model serves then)."""
        try:
            return load_choice(self.path)
        except ModelError as err:
            log.error("the saved model choice is ignored: %s", err)
            return None

    def rows(self) -> list[ReleaseRow]:
        choice = self.saved()
        serving = self._serving()
        previous = choice.previous if choice is not None and choice.active == serving else None
        return release_rows(self.repo, serving, previous, self.known_skus)

    def switch(self, ref: str, trial: bool = True) -> str:
        """Serve `ref` from the next frame once it proved itself; the answer says what
        happened ("ok: ..." or "failed: ...", the serving model unchanged). `trial`:
        judge it on its first frames (`check_trial`)."""
        with self._lock:
            return self._switch(ref.strip(), trial)

    def _switch(self, ref: str, trial: bool) -> str:
        current = self._serving()
        if ref == current:
            return f"ok: {ref} is already serving"
        try:
            detector = self._open(ref)
            image = self._last_image()
            if image is not None and ref != ORACLE:
                try:
                    detector.detect(image)
                except Exception as err:  # any failure here is the release's, not ours
                    raise ModelError(
                        f"{ref} failed on the camera's picture: {type(err).__name__}: {err}"
                    ) from None
        except ModelError as err:
            log.error("model switch to %s refused: %s", ref, err)
            return f"failed: {err}; {current} goes on serving"
        self._serve(detector)
        before = self.saved()
        save_choice(self.path, ref, current, before.hq if before is not None else None)
        h = self._health()
        on_trial = trial and ref != ORACLE  # the demo's stand-in has nothing to prove
        self._trial = _Trial(ref, current, h.frames_processed, h.run_errors) if on_trial else None
        log.info("model switched: %s -> %s", current, ref)
        return f"ok: {ref} serves from the next picture; {current} kept to roll back to"

    @property
    def on_trial(self) -> bool:
        return self._trial is not None

    def check_trial(self) -> str | None:
        """After a switch, judge the new release on its first `TRIAL_FRAMES` frames:
        when it failed on most, serve the one before again. Returns what was done (for
        the audit log) or None. The device monitor's poll calls it."""
        with self._lock:
            return self._check_trial()

    def _check_trial(self) -> str | None:
        trial = self._trial
        if trial is None:
            return None
        h = self._health()
        if h.model_version != trial.ref:
            self._trial = None  # switched again meanwhile
            return None
        failed = h.run_errors - trial.run_errors
        served = h.frames_processed - trial.processed
        if failed + served < TRIAL_FRAMES:
            return None
        self._trial = None
        if failed <= served:
            log.info("model %s passed its trial: %d of %d frames", trial.ref, served,
                     served + failed)  # fmt: skip
            return None
        why = f"{trial.ref} failed on {failed} of its first {failed + served} frames"
        log.error("%s: rolling back to %s", why, trial.previous)
        # no trial for the one it served before: it is not on trial, the new one was
        return f"{why}; rolled back: {self._switch(trial.previous, trial=False)}"

    def take_rollout(self, ref: str) -> str | None:
        """Headquarters rolled `ref` out to this kiosk (installed by the sync worker):
        serve it, on trial, unless this rollout was acted on before (served, refused,
        or rolled back by staff since). Returns what was done, or None."""
        with self._lock:
            before = self.saved()
            if before is not None and before.hq == ref:
                return None
            done = self._switch(ref, trial=True)
            now = self.saved()
            if now is not None:
                save_choice(self.path, now.active, now.previous, ref)
            else:  # refused before any switch was ever saved
                save_choice(self.path, self._serving(), None, ref)
            return f"rollout {ref}: {done}"

    def roll_back(self) -> str:
        """Back to the release that served before the last switch."""
        choice = self.saved()
        if choice is None or choice.previous is None or choice.active != self._serving():
            return "failed: no earlier release to roll back to"
        return self.switch(choice.previous)
