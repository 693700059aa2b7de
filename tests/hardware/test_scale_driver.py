"""The serial scale driver against the scale simulator, over real pseudo-terminals."""

from __future__ import annotations

import os
import threading
import time
from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from hardware.scale.config import ScaleConfig, StabilityConfig
from hardware.scale.driver import SerialScale
from hardware.scale.events import (
    ConnectionChanged,
    ConnectionState,
    ScaleFaulted,
    WeightReading,
)
from hardware.scale.frames import FaultKind
from hardware.sim.scale import ScaleSimulator
from hardware.sim.scale_load import PlatformLoad

from .conftest import FAST, WINDOW, Recorder, wait_for

PROTOCOLS = ["mtsics", "nci", "toledo8217"]
CONFIG = TypeAdapter(ScaleConfig)


def make_config(protocol: str, url: str, **overrides) -> ScaleConfig:
    raw = {"type": protocol, "url": url, "timing": FAST, "stability": WINDOW, **overrides}
    return CONFIG.validate_python(raw)


class Rig:
    """A load, a simulator on a pty behind a by-id style symlink, and a running driver."""

    def __init__(self, tmp_path, protocol: str, grams: float = 0.0, sim_options=None, **config):
        self.load = PlatformLoad(grams)
        self.sim = ScaleSimulator(
            self.load, protocol, link=tmp_path / f"usb-scale-{protocol}", **(sim_options or {})
        ).start()
        self.events = Recorder()
        self.driver = SerialScale(make_config(protocol, self.sim.path, **config), self.events)

    def __enter__(self):
        self.driver.start()
        return self

    def __exit__(self, *exc):
        self.driver.stop()
        self.sim.stop()

    def ready(self, timeout: float = 5.0) -> None:
        wait_for(lambda: self.driver.state is ConnectionState.READY, timeout, "READY")

    def stable_at(self, grams: float, timeout: float = 5.0) -> WeightReading:
        def found():
            for event in reversed(self.events.snapshot()):
                if isinstance(event, WeightReading) and event.stable:
                    return event if abs(event.grams - Decimal(repr(grams))) <= 2 else None
            return None

        return wait_for(found, timeout, f"a stable reading of {grams} g")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_reads_what_is_on_the_tray(tmp_path, protocol):
    with Rig(tmp_path, protocol, grams=250.0) as rig:
        rig.ready()
        assert rig.stable_at(250.0).device_stable
        rig.load.put(1730.0)
        reading = rig.stable_at(1730.0)
        assert isinstance(reading.grams, Decimal)
        ready = [e for e in rig.events.of(ConnectionChanged) if e.state is ConnectionState.READY]
        assert ready[0].identity is not None and ready[0].identity.protocol == protocol


def test_mtsics_identifies_the_device(tmp_path):
    with Rig(tmp_path, "mtsics") as rig:
        rig.ready()
        assert rig.driver.identity.model == "SIMSCALE-15 15000 g"
        assert rig.driver.identity.serial_number == "0123456789"


@pytest.mark.parametrize(
    "quirks", [{"echo": True}, {"si_head": "SI"}, {"width": 3}, {"echo": True, "si_head": "SI"}]
)
def test_mtsics_device_quirks(tmp_path, quirks):
    with Rig(tmp_path, "mtsics", grams=42.0, sim_options=quirks) as rig:
        rig.stable_at(42.0)
        assert rig.driver.zero().ok


def test_mtsics_streaming_mode(tmp_path):
    with Rig(tmp_path, "mtsics", grams=80.0, stream=True) as rig:
        rig.stable_at(80.0)
        rig.load.put(300.0)
        rig.stable_at(300.0)
        outcome = rig.driver.tare()  # ends the stream; the driver must restart it
        assert outcome.ok and outcome.tare_g == Decimal("300.00")
        rig.events.clear()
        rig.stable_at(0.0)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_zero_checks_the_reply(tmp_path, protocol):
    with Rig(tmp_path, protocol, grams=0.0) as rig:
        rig.ready()
        rig.load.put(100.0)  # a small dead load: within the zero range
        rig.stable_at(100.0)
        assert rig.driver.zero().ok
        rig.stable_at(0.0)


def test_zero_refused_outside_range_is_reported(tmp_path):
    with Rig(tmp_path, "mtsics", grams=5000.0) as rig:
        rig.stable_at(5000.0)
        outcome = rig.driver.zero()
        assert not outcome.ok and "zero range" in outcome.detail


def test_commands_a_protocol_lacks_are_refused_clearly(tmp_path):
    with Rig(tmp_path, "nci") as rig:
        rig.ready()
        outcome = rig.driver.clear_tare()
        assert not outcome.ok and "nci" in outcome.detail


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_garbage_and_partial_frames_never_become_weights(tmp_path, protocol):
    with Rig(tmp_path, protocol, grams=500.0) as rig:
        rig.stable_at(500.0)
        for _ in range(5):
            rig.sim.send_garbage(40)
            wait_for(lambda: not rig.sim.faults_pending, 2.0, "garbage sent")
            rig.sim.cut_next_reply()
            wait_for(lambda: not rig.sim.faults_pending, 2.0, "partial frame sent")
        rig.events.clear()
        rig.stable_at(500.0)
        weights = {e.grams for e in rig.events.of(WeightReading)}
        assert all(abs(g - 500) <= 2 for g in weights), weights
        assert rig.driver.state is ConnectionState.READY


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_overload_is_reported_once_and_clears(tmp_path, protocol):
    with Rig(tmp_path, protocol, grams=200.0) as rig:
        rig.stable_at(200.0)
        rig.sim.switches.overload = True
        wait_for(lambda: rig.events.of(ScaleFaulted), 2.0, "an overload fault")
        before = len(rig.events.of(ScaleFaulted))
        polls = rig.sim.requests
        wait_for(lambda: rig.sim.requests > polls + 5, 2.0, "more polls")
        faults = rig.events.of(ScaleFaulted)
        assert faults[0].kind is FaultKind.OVERLOAD and len(faults) == before == 1
        rig.sim.switches.overload = False
        rig.events.clear()
        rig.stable_at(200.0)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_stable_flag_on_a_moving_load_is_not_trusted(tmp_path, protocol):
    def stable_values(span_s: float) -> set[Decimal]:
        window = StabilityConfig(span_s=span_s, tolerance_g=Decimal(2))
        with Rig(tmp_path, protocol, stability=window) as rig:
            rig.sim.switches.early_stable = True
            rig.stable_at(0.0)
            rig.events.clear()
            rig.load.put(800.0)
            rig.stable_at(800.0)
            return {e.grams for e in rig.events.of(WeightReading) if e.stable}

    # Without the app-side window the settling bounce is taken for a weight...
    assert any(abs(g - 800) > 4 for g in stable_values(0.0))
    # ...with it, only the settled weight is.
    assert all(abs(g - 800) <= 4 for g in stable_values(0.15))


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_unplug_and_replug_as_another_tty(tmp_path, protocol):
    with Rig(tmp_path, protocol, grams=321.0) as rig:
        rig.stable_at(321.0)
        first_tty = rig.sim.port.name
        rig.sim.unplug()
        wait_for(lambda: rig.driver.state is ConnectionState.ERROR, 2.0, "ERROR after unplug")
        rig.load.put(654.0)
        rig.sim.replug()
        assert rig.sim.port.name != first_tty
        rig.ready()
        rig.stable_at(654.0)
        assert rig.driver.reconnects >= 1


def test_replug_is_noticed_at_once_whatever_the_backoff(tmp_path):
    patient = FAST.model_copy(update={"backoff_initial_s": 1.0, "backoff_max_s": 5.0})
    with Rig(tmp_path, "nci", grams=100.0, timing=patient) as rig:
        rig.stable_at(100.0)
        rig.sim.unplug()
        errors = lambda: [  # noqa: E731
            e for e in rig.events.of(ConnectionChanged) if e.state is ConnectionState.ERROR
        ]
        wait_for(lambda: len(errors()) >= 2, 5.0, "a failed reopen: the backoff is running")
        rig.sim.replug()
        started = time.monotonic()
        rig.ready(timeout=0.9)  # well inside the 2 s wait the backoff is in
        assert time.monotonic() - started < 0.9


def test_unplug_during_a_command(tmp_path):
    # A slow firmware keeps the zero command in flight long enough to pull the cable.
    slow = FAST.model_copy(update={"reply_timeout_s": 0.8, "silence_timeout_s": 2.0})
    with Rig(tmp_path, "mtsics", sim_options={"response_delay_s": 0.3}, timing=slow) as rig:
        rig.ready()
        result = {}
        worker = threading.Thread(target=lambda: result.setdefault("zero", rig.driver.zero()))
        worker.start()
        wait_for(lambda: "Z" in rig.sim.device.received, 2.0, "the zero command on the wire")
        rig.sim.unplug()
        worker.join(3.0)
        assert not result["zero"].ok
        rig.sim.replug()
        rig.ready()
        assert rig.driver.zero().ok


def test_silence_closes_and_reconnects_without_leaking(tmp_path):
    """Ten minutes of silence at the default timing (0.5 s reply timeout, 5 s backoff
    cap) is about 110 reconnect cycles; with test timing the same cycles take seconds.
    The line is not paced here (pace=False) so that a cycle costs only its timeouts."""
    brisk = FAST.model_copy(
        update={"reply_timeout_s": 0.03, "backoff_initial_s": 0.01, "backoff_max_s": 0.01}
    )
    with Rig(tmp_path, "nci", grams=90.0, timing=brisk, sim_options={"pace": False}) as rig:
        rig.stable_at(90.0)
        threads_before = threading.active_count()
        fds_before = len(os.listdir("/proc/self/fd"))
        rig.sim.silent = True
        wait_for(lambda: rig.driver.state is ConnectionState.ERROR, 2.0, "ERROR on silence")

        def errors():
            return [e for e in rig.events.of(ConnectionChanged) if e.state is ConnectionState.ERROR]

        wait_for(lambda: len(errors()) >= 110, 20.0, "110 reconnect attempts")
        assert threading.active_count() == threads_before
        assert len(os.listdir("/proc/self/fd")) <= fds_before
        assert "no reply from the scale at 9600 7E1" in errors()[-1].detail
        rig.sim.silent = False
        rig.events.clear()
        rig.stable_at(90.0)
    assert not [t for t in threading.enumerate() if t.name.startswith("scale ")]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_wrong_baud_rate_gives_a_clear_message(tmp_path, protocol):
    with Rig(tmp_path, protocol, baudrate=19200) as rig:
        wait_for(lambda: rig.driver.state is ConnectionState.ERROR, 3.0, "ERROR")
        detail = rig.events.of(ConnectionChanged)[-1].detail
        wait_for(lambda: "check the baud rate" in rig.events.of(ConnectionChanged)[-1].detail)
        assert "no reply from the scale at 19200" in detail
        assert not rig.events.of(WeightReading)


def test_port_that_does_not_exist(tmp_path, recorder: Recorder):
    driver = SerialScale(make_config("mtsics", str(tmp_path / "nothing")), recorder)
    driver.start()
    try:
        wait_for(lambda: len(recorder.of(ConnectionChanged)) >= 4, 3.0, "retries")
        assert "cannot open" in recorder.of(ConnectionChanged)[-1].detail
        assert not driver.zero().ok
    finally:
        driver.stop()
    assert driver.state is ConnectionState.DISCONNECTED


def test_a_failing_event_handler_does_not_kill_the_driver(tmp_path):
    load = PlatformLoad(10.0)
    seen = []

    def handler(event):
        seen.append(event)
        raise RuntimeError("consumer bug")

    with ScaleSimulator(load, "toledo8217", link=tmp_path / "s") as sim:
        driver = SerialScale(make_config("toledo8217", sim.path), handler)
        driver.start()
        try:
            wait_for(lambda: sum(isinstance(e, WeightReading) for e in seen) > 5, 3.0)
        finally:
            driver.stop()


def test_config_rejects_unknown_keys_and_types():
    with pytest.raises(ValidationError, match="extra"):
        CONFIG.validate_python({"type": "nci", "url": "/dev/x", "baud": 9600})
    with pytest.raises(ValidationError):
        CONFIG.validate_python({"type": "hx711", "url": "/dev/x"})
    mt = CONFIG.validate_python({"type": "mtsics", "url": "/dev/x"})
    assert mt.line_settings == "9600 8N1"
    assert CONFIG.validate_python({"type": "nci", "url": "/dev/x"}).line_settings == "9600 7E1"


def test_weighs_the_virtual_tray(tmp_path):
    """The simulated scale and the simulated camera share one world: the VirtualTray."""
    from hardware.sim.catalog import load_sim_catalog
    from hardware.sim.tray import VirtualTray

    tray = VirtualTray(load_sim_catalog(), seed=3)
    with ScaleSimulator(tray, "mtsics", link=tmp_path / "scale") as sim:
        events = Recorder()
        driver = SerialScale(make_config("mtsics", sim.path), events)
        driver.start()
        try:

            def stable_near(grams: float):
                def check():
                    readings = [e for e in events.snapshot() if isinstance(e, WeightReading)]
                    last = readings[-1] if readings else None
                    return last and last.stable and abs(float(last.grams) - grams) <= 2

                return check

            wait_for(stable_near(0.0), 5.0, "empty tray")
            cola = tray.place("cola-classic-330", 200, 150)
            tray.place("apple-fuji", 400, 250)
            wait_for(stable_near(tray.true_weight_g()), 5.0, "cola and apple")
            tray.remove(cola.item_id)
            wait_for(stable_near(tray.true_weight_g()), 5.0, "apple alone")
        finally:
            driver.stop()


def test_simulated_drift_is_tracked_near_zero_but_not_under_load():
    """Physics check: a legal-for-trade scale follows drift at zero (automatic zero
    tracking) but never under a load, where it would eat into the shopper's weight."""
    from hardware.sim.scale_physics import LoadCell, ScalePhysics

    now = [0.0]
    cell = LoadCell(noise_g=0.0, drift_g_per_min=3.0)
    empty = ScalePhysics(PlatformLoad(0.0), cell, clock=lambda: now[0])
    loaded = ScalePhysics(PlatformLoad(500.0), cell, clock=lambda: now[0])
    for _ in range(600):  # ten minutes, sampled every second
        now[0] += 1.0
        empty_reading, loaded_reading = empty.sample().grams, loaded.sample().grams
    assert empty_reading == 0
    assert loaded_reading == 530  # 3 g/min for 10 min, uncorrected
