"""The detector session, the latest-frame box and the inference thread."""

import logging
import threading
import time

import numpy as np
import onnxruntime as ort
import pytest

from hardware.camera.frames import CameraFault, Frame
from kiosk.models import ModelError, ModelRepository
from kiosk.vision.config import StabilityConfig, VisionConfig, VotingConfig
from kiosk.vision.pipeline import HealthState, LatestFrame, VisionPipeline
from kiosk.vision.preprocess import preprocess
from kiosk.vision.session import CPU, Detector, choose_providers
from tests.vision.tiny_models import constant_detector, profile_for, write_release, yolo_output

LABELS = ["cola-classic-330", "cola-lemon-330", "chips-original-70"]


def wait_for(cond, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.005)
    return False


@pytest.fixture
def release(tmp_path):
    # Input 320x256; a box centred (160, 128) of 80x40 input pixels, classic 0.9, lemon 0.4.
    out = yolo_output([(160, 128, 80, 40)], [[0.9, 0.4, 0.0]], anchors=8)
    data = constant_detector(out, 320, 256)
    write_release(tmp_path, data, profile_for(data, LABELS, 320, 256, anchors=8))
    return ModelRepository(tmp_path).load("tiny", 1)


def test_detector_maps_boxes_to_the_frame_and_names_skus(release):
    det = Detector(release, warmup_runs=2)
    assert det.provider == CPU and not det.fell_back and len(det.warmup_ms) == 2
    frame = np.zeros((720, 1280, 3), np.uint8)  # scale 0.25, pad_y = (256 - 180) / 2 = 38
    res = det.detect(frame)
    assert np.allclose(
        res.detections.boxes[0], [(120) / 0.25, (108 - 38) / 0.25, 200 / 0.25, (148 - 38) / 0.25]
    )
    (it,) = res.items
    assert [c.sku for c in it.candidates] == ["cola-classic-330", "cola-lemon-330"]
    assert it.best.score == pytest.approx(0.9)
    assert res.run_s > 0 and res.pre_s > 0 and res.post_s > 0


def test_the_model_input_is_one_reused_buffer_per_thread_holding_the_plain_tensor(release):
    det = Detector(release, warmup_runs=0)
    rng = np.random.default_rng(0)
    a, b = (rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8) for _ in range(2))
    want_a, want_b = preprocess(a, det.spec)[0], preprocess(b, det.spec)[0]
    first = det.prepare(a)
    assert np.array_equal(first.tensor, want_a)
    second = det.prepare(b)
    assert second.tensor is first.tensor and np.array_equal(second.tensor, want_b)
    # Another thread (an evaluation while the pipeline runs) gets a buffer of its own.
    elsewhere = []
    worker = threading.Thread(target=lambda: elsewhere.append(det.prepare(a).tensor))
    worker.start()
    worker.join()
    assert elsewhere[0] is not second.tensor and np.array_equal(elsewhere[0], want_a)
    assert np.array_equal(second.tensor, want_b)
    # `detect` is the two halves in one call.
    whole, halves = det.detect(b), det.detect_prepared(det.prepare(b))
    assert np.array_equal(whole.canvas, halves.canvas) and whole.items == halves.items


def test_provider_preference_keeps_available_order_and_cpu_last():
    avail = ["CPUExecutionProvider", "OpenVINOExecutionProvider", "QNNExecutionProvider"]
    got = choose_providers(["QNNExecutionProvider", "CUDAExecutionProvider",
                            "OpenVINOExecutionProvider"], avail)  # fmt: skip
    assert got == ["QNNExecutionProvider", "OpenVINOExecutionProvider", CPU]
    assert choose_providers(["NoSuchExecutionProvider"], avail) == [CPU]


def test_unknown_providers_fall_back_to_the_cpu_without_fuss(release):
    det = Detector(release, providers=["NoSuchExecutionProvider", CPU], warmup_runs=0)
    assert det.requested_providers == [CPU] and det.provider == CPU and not det.fell_back


def test_a_silent_fallback_is_detected_and_reported(release, monkeypatch, caplog):
    # onnxruntime claims the NPU provider exists but the session ends up on the CPU
    # (driver missing, unsupported graph): the kiosk must notice and say so.
    monkeypatch.setattr(ort, "get_available_providers", lambda: ["QNNExecutionProvider", CPU])
    asked = []

    def factory(path, sess_options, providers):
        asked.append(list(providers))
        return ort.InferenceSession(path, sess_options, providers=[CPU])

    with caplog.at_level(logging.WARNING, logger="kiosk.vision.session"):
        det = Detector(release, providers=["QNNExecutionProvider", CPU], warmup_runs=0,
                       session_factory=factory)  # fmt: skip
    assert asked == [["QNNExecutionProvider", CPU]]
    assert det.provider == CPU and det.fell_back
    assert "asked for QNNExecutionProvider, onnxruntime loaded CPUExecutionProvider" in caplog.text


def test_latest_frame_box_keeps_only_the_newest_and_counts_skips():
    box = LatestFrame()
    assert box.take(0.01) is None
    for i in range(5):
        box.put(Frame(np.zeros((2, 2, 3), np.uint8), float(i), i))
    assert box.take(0.01).seq == 4
    assert box.skipped == 4 and box.put_count == 5
    assert box.take(0.01) is None  # nothing newer
    got = []
    t = threading.Thread(target=lambda: got.append(box.take(5.0)))
    t.start()
    box.put(Frame(np.zeros((2, 2, 3), np.uint8), 9.0, 9))
    t.join(5)
    assert got[0].seq == 9


class ScriptedCamera:
    """A frame source that plays a script: frames, faults, then repeats the last frame."""

    def __init__(self, script, fps=200.0):
        self.script = list(script)
        self.period = 1.0 / fps
        self.seq = 0
        self.opened = self.closed = False
        self._last = None

    def open(self):
        self.opened = True

    def close(self):
        self.closed = True

    def read(self, timeout=1.0):
        time.sleep(self.period)
        item = self.script.pop(0) if self.script else self._last
        if isinstance(item, Exception):
            raise item
        self._last = item
        self.seq += 1
        return Frame(item, time.monotonic(), self.seq)

    @property
    def resolution(self):
        return (640, 360)

    @property
    def fps(self):
        return 1.0 / self.period


def still_tray(seed=0):
    img = np.full((360, 640, 3), 150, np.uint8)
    img[100:200, 200:300] = (40, 60, 200)
    return img


FAST = VisionConfig(
    stability=StabilityConfig(still_frames=2), voting=VotingConfig(frames=3), warmup_runs=0
)


def test_pipeline_survives_bad_input_and_publishes_one_view_per_still_period(release):
    hand = still_tray()
    hand[50:300, 100:500] = 20
    bad_frames = [
        np.zeros((360, 640), np.uint8),  # grey camera
        np.zeros((360, 640, 3), np.uint16),  # 16-bit
        np.zeros((4, 4, 3), np.uint8),  # nonsense size
    ]
    script = [CameraFault("usb reset"), *bad_frames, hand, still_tray(), RuntimeError("driver bug")]
    views, previews = [], []
    pipe = VisionPipeline(
        ScriptedCamera(script), Detector(release, warmup_runs=0), FAST,
        on_view=views.append, on_preview=lambda f: previews.append(f.seq),
    )  # fmt: skip
    pipe.start()
    try:
        assert wait_for(lambda: views)
        time.sleep(0.1)  # the tray stays still: no second view for the same still period
        health = pipe.health()
    finally:
        pipe.stop()
    assert len(views) == 1
    (view,) = views
    assert view.frames == 3 and view.model_version == "tiny/1" and view.frame_size == (640, 360)
    assert [it.best.sku for it in view.items] == ["cola-classic-330"]
    assert view.items[0].votes == 3
    assert health.state is HealthState.RUNNING and health.tray == "still"
    assert health.frame_errors == 3 and health.camera_errors == 2
    assert "bad frame" in health.last_error or "camera" in health.last_error
    assert health.provider == CPU and health.frames_processed >= 5
    after = pipe.health()
    assert after.state is HealthState.STOPPED
    assert len(previews) == after.frames_captured  # every captured frame reached the preview


def test_health_degrades_when_every_frame_fails_and_reports_a_silent_camera(release):
    pipe = VisionPipeline(
        ScriptedCamera([np.zeros((360, 640), np.uint8)]), Detector(release, warmup_runs=0), FAST
    )
    pipe.start()
    try:
        assert wait_for(lambda: pipe.health().frame_errors >= 20)
        assert pipe.health().state is HealthState.DEGRADED
        assert "BGR" in pipe.health().last_error
    finally:
        pipe.stop()

    silent = ScriptedCamera([CameraFault("gone")] * 10_000)
    clock = [0.0]
    pipe = VisionPipeline(silent, Detector(release, warmup_runs=0), FAST, clock=lambda: clock[0])
    pipe.start()
    try:
        assert wait_for(lambda: pipe.health().camera_errors >= 2)
        clock[0] = 100.0
        assert pipe.health().state is HealthState.NO_FRAMES
    finally:
        pipe.stop()


def test_moving_tray_gives_no_view_until_it_settles(release):
    det = Detector(release, warmup_runs=0)
    pipe = VisionPipeline(ScriptedCamera([]), det, FAST)
    rng = np.random.default_rng(0)
    views = []
    pipe.on_view = views.append
    for i in range(12):  # something moves every frame
        img = still_tray()
        img[:, (i * 40) % 600 : (i * 40) % 600 + 40] = rng.integers(0, 255)
        pipe.process(Frame(img, float(i), i))
    assert not views and pipe.health().tray == "moving"
    for i in range(12, 20):
        pipe.process(Frame(still_tray(), float(i), i))
    assert len(views) == 1 and views[0].timestamp == 16.0  # 1 + 2 quiet + 3 voted frames


def test_a_broken_consumer_does_not_stop_the_pipeline(release):
    def explode(_):
        raise RuntimeError("ui bug")

    pipe = VisionPipeline(ScriptedCamera([]), Detector(release, warmup_runs=0), FAST,
                          on_view=explode, on_outcome=explode)  # fmt: skip
    for i in range(8):
        assert pipe.process(Frame(still_tray(), float(i), i)) is not None
    assert pipe.health().frame_errors == 0


def test_open_detector_applies_the_config(release, tmp_path):
    from kiosk.vision.session import open_detector

    cfg = VisionConfig(repository=str(release.directory.parent.parent), model="tiny",
                       score_threshold=0.95, topk=1, warmup_runs=1)  # fmt: skip
    det = open_detector(cfg, known_skus=LABELS)
    assert det.version == "tiny/1" and len(det.warmup_ms) == 1
    assert det.params.score_threshold == 0.95 and det.params.topk == 1
    assert det.detect(np.zeros((256, 320, 3), np.uint8)).items == ()  # 0.9 < 0.95
    with pytest.raises(ModelError, match="not in the catalog"):
        open_detector(cfg, known_skus=["banana"])


def test_a_detector_stand_in_must_keep_up_with_the_pipeline_contract(release):
    from kiosk.vision.pipeline import FrameDetector

    class OldStandIn:  # what the demo's oracle was before the pipeline split detect()
        version, provider = "old", "none"

        def detect(self, image):
            raise AssertionError("never called")

    with pytest.raises(TypeError, match="OldStandIn is not a FrameDetector"):
        VisionPipeline(None, OldStandIn())  # type: ignore[arg-type]
    assert isinstance(Detector(release, warmup_runs=0), FrameDetector)


def test_the_demo_tray_oracle_is_a_frame_detector():
    from hardware.sim.camera_model import default_camera
    from hardware.sim.catalog import load_sim_catalog
    from hardware.sim.tray import VirtualTray
    from kiosk.station.sim_world import TrayOracle
    from kiosk.vision.pipeline import FrameDetector

    oracle = TrayOracle(VirtualTray(load_sim_catalog()), default_camera(1280, 720), {})
    assert isinstance(oracle, FrameDetector)
    frame = np.zeros((720, 1280, 3), np.uint8)
    assert oracle.detect_prepared(oracle.prepare(frame)).items == ()  # an empty tray


def test_the_pipeline_sizes_produce_on_the_voted_view_once_the_camera_is_calibrated(release):
    from hardware.camera.pinhole import CameraModel
    from kiosk.vision.produce_size import ProduceSizer

    # the tiny model names its one box cola; measured here as if it were a fruit
    sizer = ProduceSizer({"cola-classic-330": (80.0, 80.0, 70.0)})
    for camera in (None, CameraModel(width=640, height=360)):
        views = []
        det = Detector(release, warmup_runs=0)
        det.calibrate(camera)
        pipe = VisionPipeline(
            ScriptedCamera([still_tray()]), det, FAST, on_view=views.append, sizer=sizer
        )
        pipe.start()
        try:
            assert wait_for(lambda: views)  # noqa: B023
        finally:
            pipe.stop()
        (item,) = views[0].items
        if camera is None:
            assert item.sizes == ()
        else:
            ((sku, scale),) = item.sizes
            assert sku == "cola-classic-330" and 0.2 < scale < 5


class Gated:
    """A detector whose run waits for a go (a frame in flight), under its own version."""

    def __init__(self, inner, version):
        self.inner, self.version = inner, version
        self.provider, self.params = inner.provider, inner.params
        self.running, self.go = threading.Event(), threading.Event()
        self.go.set()

    def prepare(self, image):
        return self.inner.prepare(image)

    def detect_prepared(self, frame):
        self.running.set()
        assert self.go.wait(5)
        return self.inner.detect_prepared(frame)


def test_a_model_switch_waits_for_the_frame_in_flight_and_then_votes_afresh(release):
    old, new = Gated(Detector(release, warmup_runs=0), "tiny/1"), Gated(Detector(release), "tiny/2")
    views = []
    pipe = VisionPipeline(ScriptedCamera([]), old, FAST, on_view=views.append)
    seq = iter(range(1, 100))

    def frame():
        return Frame(still_tray(), time.monotonic(), next(seq))

    while not views:
        pipe.process(frame())
    assert views[-1].model_version == "tiny/1"
    pipe.process(frame())  # the tray stays: mid-way through the old model's still period

    old.go.clear()
    old.running.clear()
    in_flight = threading.Thread(target=pipe.process, args=(frame(),))
    in_flight.start()
    assert old.running.wait(5)
    switch = threading.Thread(target=pipe.use_detector, args=(new, None))
    switch.start()
    switch.join(0.2)
    assert switch.is_alive()  # not in the middle of a frame
    old.go.set()
    in_flight.join(5)
    switch.join(5)
    assert pipe.detector is new

    before = len(views)
    steps = 0
    while len(views) == before:
        pipe.process(frame())
        steps += 1
    # the same still tray is judged again, by the new model alone, from a fresh start
    assert views[-1].model_version == "tiny/2" and views[-1].frames == 3
    assert steps >= FAST.voting.frames
