"""What devices does this terminal have? For `kiosk doctor` and the staff screen.

`find_devices()` lists serial ports (scales, scanners, printers), cameras and
keyboard-like input devices (keyboard-wedge scanners), each with its stable by-id
name when udev made one: that is the name to put in the config, because
`/dev/ttyUSB0` becomes `/dev/ttyUSB1` after a replug into another socket.
`probe_scale()` and `probe_printer()` ask one configured device how it is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from serial.tools import list_ports

from .printer.config import EscPosPrinterConfig
from .scale.config import ScaleConfig


class DeviceKind(Enum):
    SERIAL = "serial"
    VIDEO = "video"
    INPUT = "input"


@dataclass(frozen=True, slots=True)
class DeviceFinding:
    kind: DeviceKind
    path: str  # the device node
    stable_path: str  # /dev/serial/by-id/..., /dev/v4l/by-id/..., or "" when udev made none
    description: str
    accessible: bool  # this user may open it read-write
    detail: str = ""


def _by_id(directory: Path) -> dict[str, str]:
    """Device node -> by-id link."""
    links: dict[str, str] = {}
    if directory.is_dir():
        for link in sorted(directory.iterdir()):
            try:
                links.setdefault(str(link.resolve(strict=True)), str(link))
            except OSError:
                continue  # a dangling link: the device just left
    return links


def _access(path: str) -> tuple[bool, str]:
    ok = os.access(path, os.R_OK | os.W_OK)
    return ok, "" if ok else "no read-write access: add the kiosk user to the dialout/video group"


def _sys_name(sys_root: Path, subsystem: str, node: str) -> str:
    try:
        return (sys_root / "class" / subsystem / Path(node).name / "name").read_text().strip()
    except OSError:
        return ""


def find_devices(dev: Path = Path("/dev"), sys_root: Path = Path("/sys")) -> list[DeviceFinding]:
    findings: list[DeviceFinding] = []

    serial_ids = _by_id(dev / "serial" / "by-id")
    described: dict[str, str] = {}
    if dev == Path("/dev"):
        for port in list_ports.comports():
            described[port.device] = port.description if port.description != "n/a" else ""
    nodes = set(serial_ids) | set(described)
    nodes |= {str(p) for pattern in ("ttyUSB*", "ttyACM*") for p in dev.glob(pattern)}
    for node in sorted(nodes):
        ok, detail = _access(node)
        findings.append(
            DeviceFinding(
                DeviceKind.SERIAL,
                node,
                serial_ids.get(node, ""),
                described.get(node, ""),
                ok,
                detail,
            )
        )

    video_ids = _by_id(dev / "v4l" / "by-id")
    for node in sorted({*map(str, dev.glob("video*")), *video_ids}):
        ok, detail = _access(node)
        name = _sys_name(sys_root, "video4linux", node)
        findings.append(
            DeviceFinding(DeviceKind.VIDEO, node, video_ids.get(node, ""), name, ok, detail)
        )

    input_ids = _by_id(dev / "input" / "by-id")
    for node, link in sorted(input_ids.items()):
        if not link.endswith("-event-kbd"):
            continue  # mice, joysticks: not scanners
        ok, detail = _access(node)
        name = Path(link).name.removesuffix("-event-kbd")
        findings.append(DeviceFinding(DeviceKind.INPUT, node, link, name, ok, detail))
    return findings


@dataclass(frozen=True, slots=True)
class ProbeResult:
    ok: bool
    detail: str


def probe_scale(config: ScaleConfig) -> ProbeResult:
    """Open the configured scale once and identify it (not while the driver runs:
    the port is opened exclusively)."""
    from .scale.link import LinkLost, NoReply, ScaleLink
    from .scale.protocol import protocol_for

    try:
        link = ScaleLink.open(config, protocol_for(config))
    except LinkLost as exc:
        return ProbeResult(False, str(exc))
    try:
        identity = link.identify(config.timing.reply_timeout_s)
        return ProbeResult(True, f"{identity.describe()} at {config.line_settings}")
    except (NoReply, LinkLost) as exc:
        return ProbeResult(False, str(exc))
    finally:
        link.close()


def probe_printer(config: EscPosPrinterConfig) -> ProbeResult:
    from .printer.driver import EscPosPrinter

    status = EscPosPrinter(config).status()
    detail = f" - {status.detail}" if status.detail else ""
    return ProbeResult(
        status.can_print, f"{status.state.value}, paper {status.paper.value}{detail}"
    )


def main() -> int:
    """`python -m hardware.diagnostics`: the devices this terminal has, for an installer."""
    findings = find_devices()
    if not findings:
        print("no serial ports, cameras or keyboard-like devices found")
    for f in findings:
        name = f.stable_path or f.path
        access = "ok" if f.accessible else f.detail
        print(f"{f.kind.value:7s} {name}  ({f.path}) {f.description}  access: {access}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
