"""`kiosk models`: the kiosk's own model warehouse, listed and filled.

On a terminal the code lives read-only in /opt/kiosk, and so do the releases shipped
with it. Releases headquarters rolls out must land in a repository the kiosk can
write (`[vision] repository`, /var/lib/kiosk/models in the packaged config), and the
kiosk serves from that one repository only. `seed` copies the shipped releases into
it: the newest version of each model (and the config's pinned version), each checked
as the kiosk checks a release before serving it, copied whole or not at all. It
never touches a version already there (versions are immutable), so installing a
newer build adds its releases and leaves the ones rolled out since in place.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from kiosk.models.choice import CHOICE_FILE, load_choice, release_rows
from kiosk.models.repository import DEFAULT_ROOT, ModelError, ModelRepository


@dataclass(frozen=True, slots=True)
class Seeded:
    ref: str
    copied: bool  # False: the version was there already


def seed(
    source: ModelRepository,
    target: ModelRepository,
    names: Iterable[str] = (),
    pinned: Mapping[str, int] | None = None,
    known_skus: Iterable[str] | None = None,
) -> list[Seeded]:
    """Copy the newest release of each model in `names` (every model of `source` when
    empty), and each pinned `name -> version`, from `source` into `target`. ModelError
    names the release that failed its checks; what was copied before it stays."""
    skus = None if known_skus is None else set(known_skus)
    wanted = list(names) or source.names()
    if not wanted:
        raise ModelError(f"no models in {source.root}")
    done = []
    for name in wanted:
        versions = {source.latest(name)}
        if pinned and name in pinned:
            versions.add(pinned[name])
        for version in sorted(versions):
            release = source.load(name, version, skus)
            done.append(Seeded(release.ref, target.adopt(release, skus)))
    return done


def list_models(
    repo: ModelRepository, data_dir: Path, known_skus: set[str], out: Callable[[str], None]
) -> int:
    """Every release in `repo`, fully verified (checksums too), with what it reached and
    whether staff chose it here. 1 when one is refused."""
    try:
        choice = load_choice(data_dir / CHOICE_FILE)
    except ModelError as err:
        out(f"note: {err}")
        choice = None
    rows = release_rows(
        repo, choice.active if choice else "", choice.previous if choice else None, known_skus
    )
    if not rows:
        out(f"no releases in {repo.root}")
        return 1
    bad = 0
    for row in rows:
        problem = row.problem
        if not problem:
            name, _, version = row.ref.rpartition("/")
            try:
                repo.load(name, int(version), known_skus)
            except ModelError as err:
                problem = str(err)
        status = "refused" if problem else row.status
        bad += bool(problem)
        out(f"{row.ref:<26} {status:<9} {problem or row.summary}")
    return 1 if bad else 0


def main_models(
    action: str,
    names: list[str],
    repository: Path | None,
    source: Path | None,
    configured: str,
    pinned: Mapping[str, int],
    data_dir: Path,
    known_skus: set[str],
    out: Callable[[str], None] = print,
) -> int:
    """`kiosk models list|seed`; `configured` is `[vision] repository` ('' = built in)."""
    target = repository or (Path(configured) if configured else None)
    if action == "list":
        return list_models(ModelRepository(target or DEFAULT_ROOT), data_dir, known_skus, out)
    if target is None:
        print(
            "kiosk models seed: which repository? Set [vision] repository in the config "
            "(a directory the kiosk can write, e.g. /var/lib/kiosk/models) or give --repository",
            file=sys.stderr,
        )
        return 2
    src = ModelRepository(source or DEFAULT_ROOT)
    if src.root.resolve() == target.resolve():
        print(f"kiosk models seed: {target} is the source itself", file=sys.stderr)
        return 2
    try:
        target.mkdir(parents=True, exist_ok=True)
        if not os.access(target, os.W_OK):
            raise ModelError(f"{target} is not writable by this user")
        for s in seed(src, ModelRepository(target), names, pinned, known_skus):
            out(f"{s.ref}: {'copied' if s.copied else 'there already'}")
    except (ModelError, OSError) as err:
        print(f"kiosk models seed: {err}", file=sys.stderr)
        return 2
    out(f"{target}: ready")
    return 0
