"""Which model release serves at this kiosk, as staff chose it, and what it may choose.

The repository holds every installed release, immutable (`kiosk.models.repository`);
the config names a model and, optionally, a version. When a store's staff switch the
serving release in maintenance mode (say, back to the one before a release that reads
their shelf's products worse), the choice is kept here so that a restart serves the
same, and the release it replaced is kept as the one to roll back to.

The file is written whole or not at all (a temporary file, then a rename); a choice
file that cannot be read is reported and ignored: the config's model serves then.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kiosk.models.profile import Latency
from kiosk.models.repository import ModelError, ModelRepository, read_profile

CHOICE_FILE = "model_choice.json"
# The simulated kiosk's stand-in detector: a choice like any release's, so staff can
# roll back to it in the demo.
ORACLE = "oracle"


def parse_ref(ref: str) -> tuple[str, int]:
    """ "tray-detector/10" -> ("tray-detector", 10); a clear error for anything else."""
    name, sep, version = ref.strip().rpartition("/")
    if not sep or not name or not version.isdigit() or int(version) < 1:
        raise ModelError(f"{ref!r} is not a model release (name/version, e.g. tray-detector/10)")
    return name, int(version)


@dataclass(frozen=True, slots=True)
class ModelChoice:
    active: str  # "name/version", or ORACLE
    previous: str | None  # what served before: the release to roll back to
    at: float  # when (epoch seconds)
    # the release headquarters last rolled out here, once acted on (served or refused):
    # a staff roll back is not undone by the same rollout after a restart
    hq: str | None = None


def load_choice(path: Path) -> ModelChoice | None:
    """The saved choice; None when there is none. A damaged file raises ModelError."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as err:
        raise ModelError(f"cannot read {path}: {err.strerror}") from None
    try:
        doc = json.loads(raw)
        choice = ModelChoice(
            str(doc["active"]), doc.get("previous"), float(doc["at"]), doc.get("hq")
        )
    except (ValueError, KeyError, TypeError) as err:
        raise ModelError(f"{path} is damaged ({type(err).__name__}: {err})") from None
    if choice.active != ORACLE:
        parse_ref(choice.active)
    return choice


def save_choice(
    path: Path, active: str, previous: str | None, hq: str | None = None
) -> ModelChoice:
    choice = ModelChoice(active, previous, time.time(), hq)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(asdict(choice), f)
        f.flush()
        os.fsync(f.fileno())  # a power cut leaves the old choice or the new, never half
    os.replace(tmp, path)
    return choice


@dataclass(frozen=True, slots=True)
class ReleaseRow:
    """One installed release as the staff's Models page lists it."""

    ref: str
    status: str  # "active", "previous", "available", or "refused"
    summary: str  # what it reached: checkout accuracy, hard level, latency, precision
    problem: str = ""  # why it may not serve (refused only)


def _summary(metrics: dict[str, Any], latency: dict[str, Latency], precision: str) -> str:
    parts = []
    cacc = metrics.get("cacc")
    if isinstance(cacc, int | float):
        parts.append(f"accuracy {cacc:.3f}")
    hard = (metrics.get("cacc_by_level") or {}).get("hard")
    if isinstance(hard, int | float):
        parts.append(f"hard {hard:.3f}")
    ms = [v.infer_ms_p50 for v in latency.values()]
    if ms:
        parts.append(f"{min(ms):.1f} ms")
    parts.append(precision)
    return " · ".join(parts)


def release_rows(
    repo: ModelRepository, active: str, previous: str | None, known_skus: set[str]
) -> list[ReleaseRow]:
    """Every installed release of every model, newest first within a model. Only the
    profiles are read (the files' checksums are verified when a release is chosen), so
    listing stays quick; a profile that does not validate, or whose labels the catalog
    does not know, is listed as refused with the reason."""
    rows = []
    for name in repo.names():
        for version in reversed(repo.versions(name)):
            ref = f"{name}/{version}"
            status = "active" if ref == active else "previous" if ref == previous else "available"
            try:
                p = read_profile(repo.root / name / str(version) / "profile.json")
            except ModelError as err:
                rows.append(ReleaseRow(ref, "refused", "", str(err)))
                continue
            unknown = sorted(set(p.labels) - known_skus)
            problem = f"labels not in the catalog: {', '.join(unknown[:3])}" if unknown else ""
            rows.append(
                ReleaseRow(
                    ref,
                    "refused" if problem else status,
                    _summary(p.metrics, p.latency, p.precision),
                    problem,
                )
            )
    return rows
