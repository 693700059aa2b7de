"""`find_devices()` on a made-up /dev tree (with a real pty behind a by-id link), and
the one-shot probes against simulators."""

from __future__ import annotations

from pathlib import Path

from hardware.diagnostics import DeviceKind, find_devices, probe_printer, probe_scale
from hardware.printer.config import EscPosPrinterConfig
from hardware.scale.config import MtSicsConfig
from hardware.sim.printer import PrinterSimulator
from hardware.sim.scale import ScaleSimulator
from hardware.sim.scale_load import PlatformLoad


def test_find_devices_reports_stable_names(tmp_path):
    dev, sys_root = tmp_path / "dev", tmp_path / "sys"
    (dev / "serial" / "by-id").mkdir(parents=True)
    (dev / "v4l" / "by-id").mkdir(parents=True)
    (dev / "input" / "by-id").mkdir(parents=True)
    (dev / "ttyUSB0").touch()
    (dev / "serial" / "by-id" / "usb-Mettler_Toledo-if00-port0").symlink_to(dev / "ttyUSB0")
    (dev / "serial" / "by-id" / "usb-gone-if00").symlink_to(dev / "ttyUSB9")  # dangling
    (dev / "video0").touch()
    (dev / "v4l" / "by-id" / "usb-Cam-video-index0").symlink_to(dev / "video0")
    (sys_root / "class" / "video4linux" / "video0").mkdir(parents=True)
    (sys_root / "class" / "video4linux" / "video0" / "name").write_text("Tray Cam\n")
    (dev / "event3").touch()
    (dev / "input" / "by-id" / "usb-Honeywell_Scanner-event-kbd").symlink_to(dev / "event3")
    (dev / "input" / "by-id" / "usb-Logitech_Mouse-event-mouse").symlink_to(dev / "event3")

    found = {(f.kind, f.path): f for f in find_devices(dev, sys_root)}
    serial = found[(DeviceKind.SERIAL, str(dev / "ttyUSB0"))]
    assert serial.stable_path.endswith("usb-Mettler_Toledo-if00-port0") and serial.accessible
    video = found[(DeviceKind.VIDEO, str(dev / "video0"))]
    assert video.description == "Tray Cam" and video.stable_path.endswith("video-index0")
    scanners = [f for f in found.values() if f.kind is DeviceKind.INPUT]
    assert [s.description for s in scanners] == ["usb-Honeywell_Scanner"]
    assert len(found) == 3


def test_find_devices_on_this_machine_does_not_raise():
    for finding in find_devices():
        assert Path(finding.path).is_absolute()


def test_probes(tmp_path):
    with ScaleSimulator(PlatformLoad(0), "mtsics", link=tmp_path / "scale") as sim:
        result = probe_scale(MtSicsConfig(url=sim.path))
        assert result.ok and "SIMSCALE" in result.detail
    assert not probe_scale(MtSicsConfig(url=str(tmp_path / "none"))).ok
    with PrinterSimulator(link=tmp_path / "printer") as printer:
        printer.paper = "near_end"
        result = probe_printer(EscPosPrinterConfig(url=printer.path, status_timeout_s=0.2))
        assert result.ok and "near_end" in result.detail
