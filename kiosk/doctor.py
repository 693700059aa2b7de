"""`kiosk doctor`: what is wrong with this terminal and how to fix it.

Each check returns a finding with a fix; nothing here changes the system.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kiosk.catalog_file import load_catalog
from kiosk.config import KioskConfig
from kiosk.domain.catalog import CatalogError
from kiosk.store.database import StoreError, check_health, connect, outbox_backlog


@dataclass(frozen=True)
class Finding:
    ok: bool
    what: str
    detail: str
    fix: str = ""
    warning: bool = False  # worth knowing, does not stop the kiosk


def _python() -> Iterator[Finding]:
    ok = sys.version_info >= (3, 11)
    yield Finding(ok, "python", sys.version.split()[0], "install Python 3.11 or newer")
    for module, why in (
        ("numpy", "arrays"),
        ("cv2", "camera capture"),
        ("onnxruntime", "recognition"),
        ("serial", "scale and scanner"),
        ("sqlite_utils", "sales store"),
        ("PySide6", "touch screen"),
    ):
        found = importlib.util.find_spec(module) is not None
        yield Finding(
            found,
            f"package {module}",
            why if found else "missing",
            "./run.sh demo installs it (or pip install -e .)",
        )


def _runtime() -> Iterator[Finding]:
    try:
        import onnxruntime as ort

        providers = ort.get_available_providers()
        yield Finding(True, "onnxruntime", f"{ort.__version__}; providers {', '.join(providers)}")
    except Exception as err:  # a broken wheel raises all kinds of things
        yield Finding(False, "onnxruntime", f"cannot load: {err}", "reinstall onnxruntime")
    # Qt loads its platform plugin's shared libraries lazily: try it in a child.
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    probe = "from PySide6.QtGui import QGuiApplication; QGuiApplication([])"
    try:
        r = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=30
        )
        ok = r.returncode == 0
        detail = "Qt starts (offscreen)" if ok else (r.stderr.strip().splitlines() or ["?"])[-1]
    except (OSError, subprocess.TimeoutExpired) as err:
        ok, detail = False, str(err)
    yield Finding(ok, "qt", detail, "install the Debian packages listed in run.sh (DEB_PACKAGES)")
    fc = shutil.which("fc-list")
    zh = (
        subprocess.run([fc, ":lang=zh", "family"], capture_output=True, text=True).stdout
        if fc
        else ""
    )
    yield Finding(
        bool(zh.strip()),
        "CJK font",
        zh.strip().splitlines()[0]
        if zh.strip()
        else "no Chinese font: Chinese text shows as boxes",
        "apt-get install fonts-noto-cjk",
        warning=True,
    )


def _data(config: KioskConfig) -> Iterator[Finding]:
    try:
        catalog = load_catalog(config.catalog.path)
        yield Finding(
            True,
            "catalog",
            f"{config.catalog.path.name} {catalog.version}, {len(catalog)} products",
        )
    except CatalogError as err:
        yield Finding(False, "catalog", str(err), "fix the file or point catalog.path elsewhere")
    data_dir = config.store.data_dir
    probe_dir = data_dir if data_dir.exists() else data_dir.parent
    writable = os.access(probe_dir if probe_dir != Path("") else Path("."), os.W_OK)
    yield Finding(
        writable, "data directory", str(data_dir.resolve()), "make it writable by the kiosk user"
    )
    if writable:
        free = shutil.disk_usage(probe_dir if probe_dir != Path("") else ".").free / 2**20
        yield Finding(
            free > 200,
            "free disk",
            f"{free:.0f} MiB",
            "free space: a full disk refuses sales",
            warning=free > 50,
        )
    db = config.store.database_path
    if not db.exists():
        yield Finding(True, "database", f"{db} (will be created)")
    else:
        try:
            conn = connect(db, readonly=True)
            try:
                check_health(conn, db)
                n = conn.execute("SELECT COUNT(*) FROM sales").fetchone()[0]
                backlog = outbox_backlog(conn)[0]
            finally:
                conn.close()
            yield Finding(True, "database", f"{db}: {n} sales, {backlog} waiting to sync")
        except (StoreError, Exception) as err:
            yield Finding(False, "database", str(err), "see the message; kiosk db check")
    yield from _models(config)


def _models(config: KioskConfig) -> Iterator[Finding]:
    """The release the config names, verified in the repository the kiosk serves from;
    and, when headquarters rolls out releases, that the repository takes them."""
    from kiosk.models.repository import DEFAULT_ROOT, ModelError, ModelRepository

    vc = config.vision
    root = Path(vc.repository) if vc.repository else DEFAULT_ROOT
    try:
        release = ModelRepository(root).load(vc.model, vc.version)
        yield Finding(True, "model", f"{release.ref} in {root} (checksums verified)")
    except ModelError as err:
        fix = (
            "kiosk models seed (copies the releases shipped with the code into it)"
            if vc.repository
            else "reinstall: the releases shipped with the code are damaged"
        )
        yield Finding(False, "model", str(err), fix)
    if config.sync.enabled and config.sync.model_key:
        where = root if root.exists() else root.parent
        ok = bool(vc.repository) and os.access(where, os.W_OK)
        yield Finding(
            ok,
            "model updates",
            f"releases from headquarters install into {root}"
            if ok
            else f"{root} is not writable: releases headquarters rolls out cannot install",
            "set [vision] repository to a directory the kiosk user can write "
            "(/var/lib/kiosk/models), then kiosk models seed",
            warning=True,
        )


def _devices() -> Iterator[Finding]:
    from hardware.diagnostics import find_devices

    groups = {"serial": "dialout", "video": "video", "input": "input"}
    found = find_devices()
    if not found:
        yield Finding(
            True,
            "devices",
            "no serial ports, cameras or scanners found (fine for the demo, which simulates them)",
            warning=True,
        )
    for d in found:
        kind = getattr(d.kind, "value", str(d.kind))
        where = d.stable_path or d.path
        detail = f"{where} {d.description} {d.detail}".strip()
        yield Finding(
            d.accessible,
            f"{kind} device",
            detail,
            f"add the kiosk user to the '{groups.get(kind, kind)}' group",
        )


CHECKS: tuple[Callable[..., Iterator[Finding]], ...] = (_python, _runtime, _data, _devices)


def run_doctor(config: KioskConfig, out: Callable[[str], None] = print) -> int:
    failed = 0
    for check in CHECKS:
        findings = check(config) if check is _data else check()
        for f in findings:
            mark = "ok  " if f.ok else ("warn" if f.warning else "FAIL")
            failed += not f.ok and not f.warning
            out(f"[{mark}] {f.what:<16} {f.detail}")
            if not f.ok and f.fix:
                out(f"       fix: {f.fix}")
    out("all good" if not failed else f"{failed} problem(s) found")
    return 1 if failed else 0
