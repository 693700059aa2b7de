"""Barcode scanners: the pure line parser (fuzzed), the keyboard-wedge key decoder,
and the serial scanner against its simulator over a pty."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.connection import ConnectionState
from hardware.scanner.config import SerialScannerConfig
from hardware.scanner.keyboard import KEY_DOWN, KEY_UP, KeyDecoder
from hardware.scanner.serial_scanner import ScanLines, SerialScanner
from hardware.scanner.symbology import (
    Scan,
    Symbology,
    UnreadableScan,
    gs1_check_digit_ok,
    parse_scan,
)
from hardware.sim.scanner import ScannerSimulator

from .conftest import Recorder, wait_for


@pytest.mark.parametrize(
    ("line", "code", "symbology"),
    [
        (b"]E06901234567892", "6901234567892", Symbology.EAN_13),
        (b"]E496385074", "96385074", Symbology.EAN_8),
        (b"]C0ABC-123", "ABC-123", Symbology.CODE_128),
        (b"]C1" + b"0106901234567892\x1d10LOT7", "0106901234567892\x1d10LOT7", Symbology.GS1_128),
        (b"]Q1https://r.example/x", "https://r.example/x", Symbology.QR),
        (b"6901234567892", "6901234567892", Symbology.EAN_13),  # no AIM: check digit says EAN
        (b"036000291452", "036000291452", Symbology.UPC_A),
        (b"6901234567890", "6901234567890", Symbology.UNKNOWN),  # wrong check digit
        (b"HELLO", "HELLO", Symbology.UNKNOWN),
    ],
)
def test_parse_scan(line, code, symbology):
    scan = parse_scan(line, "s", 1.0)
    assert scan == Scan(code, symbology, "s", 1.0)


@pytest.mark.parametrize(
    "line", [b"]E06901234567890", b"", b"]E0", b"69012\x0034567892", b"\xff\xfe"]
)
def test_unreadable_scans(line):
    assert isinstance(parse_scan(line), UnreadableScan)


def test_check_digit():
    assert gs1_check_digit_ok("6901234567892") and gs1_check_digit_ok("96385074")
    assert not gs1_check_digit_ok("6901234567891") and not gs1_check_digit_ok("١٢")


@given(st.binary(max_size=40))
def test_fuzz_parse_scan(raw):
    result = parse_scan(raw)
    if isinstance(result, Scan):
        assert result.code.encode("ascii") in raw
        if result.symbology in (Symbology.EAN_13, Symbology.EAN_8, Symbology.UPC_A):
            assert gs1_check_digit_ok(result.code)


@given(st.lists(st.binary(min_size=1, max_size=12), max_size=8))
def test_scan_lines_split_anywhere(chunks):
    whole = b"".join(chunks)
    lines = ScanLines()
    pieces = [line for chunk in chunks for line in lines.feed(chunk)]
    assert pieces == ScanLines().feed(whole)
    assert all(b"\r" not in p and b"\n" not in p and p for p in pieces)


def test_key_decoder_shift_repeat_and_enter():
    decoder = KeyDecoder()
    events = [(42, KEY_DOWN), (30, KEY_DOWN), (30, KEY_UP), (42, KEY_UP), (2, KEY_DOWN), (2, 2)]
    events += [(11, KEY_DOWN), (82, KEY_DOWN), (28, KEY_DOWN)]
    out = [decoder.key(code, value) for code, value in events]
    assert out[-1] == b"A100" and all(o is None for o in out[:-1])


@pytest.fixture
def scanner_rig(tmp_path):
    sim = ScannerSimulator(link=tmp_path / "usb-scanner")
    scans, states = Recorder(), Recorder()
    config = SerialScannerConfig(url=sim.path, backoff_initial_s=0.02, backoff_max_s=0.1)
    scanner = SerialScanner(config, scans, lambda state, detail: states((state, detail)))
    scanner.start()
    wait_for(lambda: scanner.state is ConnectionState.READY, 3.0, "scanner READY")
    yield sim, scanner, scans
    scanner.stop()
    sim.close()


def test_serial_scans_arrive_typed(scanner_rig):
    sim, _, scans = scanner_rig
    sim.scan("6901234567892", "ean13")
    sim.scan("https://r.example/x", "qr")
    wait_for(lambda: len(scans.snapshot()) == 2, 3.0, "two scans")
    first, second = scans.snapshot()
    assert (first.code, first.symbology) == ("6901234567892", Symbology.EAN_13)
    assert second.symbology is Symbology.QR


def test_noise_and_cut_lines_do_not_become_products(scanner_rig):
    sim, _, scans = scanner_rig
    sim.send_noise(50)
    sim.send_raw(b"\r]E069012")  # a scan cut short: it glues onto the next one...
    sim.scan("96385074", "ean8")  # ...which is then refused as a whole (check digit)
    sim.scan("6901234567892", "ean13")  # the shopper scans again
    wait_for(
        lambda: any(isinstance(s, Scan) and s.code == "6901234567892" for s in scans.snapshot())
    )
    known = [
        s.code
        for s in scans.snapshot()
        if isinstance(s, Scan) and s.symbology is not Symbology.UNKNOWN
    ]
    assert known == ["6901234567892"]


def test_serial_scanner_survives_replug(scanner_rig):
    sim, scanner, scans = scanner_rig
    sim.unplug()
    wait_for(lambda: scanner.state is ConnectionState.ERROR, 3.0, "ERROR")
    sim.replug()
    wait_for(lambda: scanner.state is ConnectionState.READY, 3.0, "READY again")
    sim.scan("6901234567892")
    wait_for(lambda: scans.snapshot(), 3.0, "a scan after replug")


class FakeEvdev:
    """Stands in for the optional `evdev` package (no /dev/uinput here): one device
    whose events come through a pipe, so the scanner's select() loop runs for real."""

    class ecodes:
        EV_KEY = 1

    def __init__(self):
        import os

        self.read_fd, self.write_fd = os.pipe()
        self.events: list = []
        self.grabbed = 0
        self.opens = 0
        self.gone = False

    def type_code(self, code: str) -> None:
        import os
        from types import SimpleNamespace

        digits = {str(d): 2 + (d - 1) % 10 for d in range(1, 11)}
        digits["0"] = 11
        for char in code:
            self.events.append(SimpleNamespace(type=1, code=digits[char], value=1))
            self.events.append(SimpleNamespace(type=1, code=digits[char], value=0))
        self.events.append(SimpleNamespace(type=1, code=28, value=1))
        os.write(self.write_fd, b"x")

    def InputDevice(self, path):  # evdev's name for it
        if self.gone:
            raise OSError(19, "No such device")
        self.opens += 1
        fake = self

        class Device:
            name = "Fake Scanner"
            fd = fake.read_fd

            def grab(self):
                fake.grabbed += 1

            def read(self):
                import os

                os.read(fake.read_fd, 1)
                if fake.gone:
                    raise OSError(19, "No such device")
                events, fake.events[:] = list(fake.events), []
                return events

            def close(self):
                pass

        return Device()


def test_evdev_scanner_grabs_and_reads(monkeypatch):
    import os
    import sys

    from hardware.scanner.keyboard import EvdevScanner

    fake = FakeEvdev()
    monkeypatch.setitem(sys.modules, "evdev", fake)
    scans, states = Recorder(), Recorder()
    scanner = EvdevScanner(
        "/dev/input/by-id/usb-fake-event-kbd", scans, lambda s, d: states(s), backoff=None
    )
    scanner.start()
    try:
        wait_for(lambda: ConnectionState.READY in states.snapshot(), 3.0, "READY")
        assert fake.grabbed == 1
        fake.type_code("6901234567892")
        wait_for(lambda: scans.snapshot(), 3.0, "a scan")
        assert scans.snapshot()[0].symbology is Symbology.EAN_13
        fake.gone = True  # unplugged: the next read fails, reopening fails until it is back
        os.write(fake.write_fd, b"x")
        wait_for(lambda: ConnectionState.ERROR in states.snapshot(), 3.0, "ERROR")
        fake.gone = False
        wait_for(lambda: fake.opens >= 2, 5.0, "reopened")
    finally:
        scanner.stop()
        os.close(fake.read_fd)
        os.close(fake.write_fd)
