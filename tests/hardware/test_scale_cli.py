"""`python -m hardware.scale read|zero|identify` against simulators on ptys."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hardware.scale.cli import main
from hardware.sim.scale import ScaleSimulator
from hardware.sim.scale_load import PlatformLoad


@pytest.fixture
def sim(request, tmp_path):
    protocol, options = request.param
    with ScaleSimulator(PlatformLoad(1234.0), protocol, link=tmp_path / "scale", **options) as s:
        yield protocol, s


ALL = [("mtsics", {}), ("nci", {}), ("toledo8217", {}), ("mtsics", {"echo": True, "si_head": "SI"})]


@pytest.mark.parametrize("sim", ALL, indirect=True)
def test_read_prints_one_stable_reading(sim, capsys):
    protocol, s = sim
    # a generous reply timeout: the simulator shares two busy cores with the suite
    argv = ["read", "--url", s.path, "--protocol", protocol, "--json", "--reply-timeout", "3"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert float(out["grams"]) == 1234.0 and out["stable"] is True and s.path in out["device"]


@pytest.mark.parametrize("sim", [("mtsics", {})], indirect=True)
def test_identify_and_zero(sim, capsys):
    protocol, s = sim
    assert main(["identify", "--url", s.path, "--protocol", protocol, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["serial_number"] == "0123456789"
    # 1234 g is far outside the zero range: the refusal is reported, not hidden.
    assert main(["zero", "--url", s.path, "--protocol", protocol, "--json"]) == 2
    assert "zero range" in json.loads(capsys.readouterr().out)["detail"]


@pytest.mark.parametrize("sim", [("nci", {})], indirect=True)
def test_overload_is_a_clear_fault(sim, capsys):
    protocol, s = sim
    s.switches.overload = True
    code = main(["read", "--url", s.path, "--protocol", protocol, "--json", "--timeout", "0.5"])
    assert code == 2 and json.loads(capsys.readouterr().out)["fault"] == "overload"


@pytest.mark.parametrize("sim", [("nci", {})], indirect=True)
def test_wrong_baud_rate_message(sim, capsys):
    protocol, s = sim
    args = ["read", "--url", s.path, "--protocol", protocol, "--baudrate", "4800"]
    assert main([*args, "--reply-timeout", "0.2"]) == 3
    out = capsys.readouterr().out
    assert "no reply from the scale at 4800 7E1" in out and "check the baud rate" in out


def test_missing_port(tmp_path, capsys):
    assert main(["read", "--url", str(tmp_path / "none"), "--protocol", "nci"]) == 3
    assert "cannot open" in capsys.readouterr().out


@pytest.mark.parametrize("sim", [("toledo8217", {})], indirect=True)
def test_runs_as_a_module(sim):
    protocol, s = sim
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hardware.scale",
            "read",
            "--url",
            s.path,
            "--protocol",
            protocol,
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert json.loads(done.stdout)["grams"] == "1234.000"
