"""The UI's plumbing stays below Qt: only kiosk.ui imports PySide6."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_station_staff_rules_and_the_composition_root_do_not_load_qt():
    code = (
        "import sys\n"
        "import kiosk.app, kiosk.domain.staff, kiosk.bench.ui\n"
        "import kiosk.station.events, kiosk.station.monitor, kiosk.station.receipts\n"
        "import kiosk.station.sim_world, kiosk.station.staff_desk, kiosk.station.tray_watch\n"
        "print(sorted(m for m in sys.modules if m.startswith('PySide6')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_every_screen_text_has_its_chinese_and_the_qm_files_are_built():
    import xml.etree.ElementTree as ET

    i18n = ROOT / "kiosk" / "ui" / "i18n"
    tree = ET.parse(i18n / "kiosk_zh_CN.ts")
    unfinished = [
        m.findtext("source")
        for m in tree.iter("message")
        if m.find("translation").get("type") in ("unfinished", "vanished", "obsolete")
    ]
    assert unfinished == []
    qml = ROOT / "kiosk" / "ui" / "qml"
    sources = {m.findtext("source") for m in tree.iter("message")}
    for path in qml.glob("*.qml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if 'qsTr("' in line:
                text = line.split('qsTr("', 1)[1].split('"', 1)[0]
                assert text.replace("\\'", "'") in sources, f"{path.name}: {text!r} not in the .ts"
    for lang in ("zh_CN", "en"):
        qm = i18n / f"kiosk_{lang}.qm"
        assert qm.stat().st_mtime >= (i18n / f"kiosk_{lang}.ts").stat().st_mtime - 1
