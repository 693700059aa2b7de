"""The layers only look down: no Qt below kiosk.ui, hardware never imports kiosk."""

import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _modules(package: str) -> list[str]:
    path = ROOT / package.replace(".", "/")
    names = [package]
    for info in pkgutil.walk_packages([str(path)], prefix=package + "."):
        if ".ui" not in info.name and not info.name.endswith("__main__"):
            names.append(info.name)
    return names


def _loaded_after_import(modules: list[str]) -> set[str]:
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "print('\\n'.join(sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


def test_domain_store_and_services_do_not_load_qt():
    mods = []
    for pkg in (
        "kiosk.domain",
        "kiosk.store",
        "kiosk.payment",
        "kiosk.vision",
        "kiosk.sync",
        "kiosk.models",
    ):
        if (ROOT / pkg.replace(".", "/")).exists():
            mods += _modules(pkg)
    mods += ["kiosk.checkout_service", "kiosk.config", "kiosk.cli"]
    loaded = _loaded_after_import(mods)
    assert "kiosk.domain.checkout" in loaded  # the probe really imported them
    assert not {m for m in loaded if m.startswith("PySide6")}


def test_domain_is_pure():
    loaded = _loaded_after_import(_modules("kiosk.domain"))
    # (socket is not listed: pydantic imports it at start-up without using it)
    forbidden = {"sqlite3", "serial", "requests", "onnxruntime", "cv2", "PySide6", "sqlite_utils"}
    assert not forbidden & {m.split(".")[0] for m in loaded}


def test_hardware_never_imports_kiosk_or_qt():
    loaded = _loaded_after_import(_modules("hardware"))
    assert "hardware.camera.frames" in loaded
    assert not {m for m in loaded if m == "kiosk" or m.startswith(("kiosk.", "PySide6"))}
