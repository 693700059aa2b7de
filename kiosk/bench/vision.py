"""`kiosk bench vision`: how fast the recognition pipeline is, in one process.

    kiosk bench vision --json

1. Bare model latency: `session.run()` alone on a prepared input, in a tight loop
   (`infer_ms_p50`, `infer_ms_p95`). With a second-stage classifier that is the
   detector's run plus the classifier's run on the boxes of the same frame.
2. The live pipeline: a camera thread replays rendered tray scenes at the camera's
   frame rate into the latest-frame box and a preview consumer, while the inference
   thread letterboxes, runs, decodes, judges motion and votes. Per frame it times the
   whole cost (`pipeline_ms_p50`: from the frame leaving the box to the result handed
   on) and the `run()` inside it; `overhead_ratio` is their ratio of medians.
   `preview_fps` counts the frames the preview consumer received while inference ran.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import threading
import time
from pathlib import Path

import numpy as np

from hardware.camera.frames import Frame
from kiosk.models.repository import DEFAULT_ROOT, ModelError, ModelRepository
from kiosk.vision.config import VisionConfig
from kiosk.vision.pipeline import FrameOutcome, VisionPipeline
from kiosk.vision.preprocess import preprocess
from kiosk.vision.session import Detector


class ReplayCamera:
    """A frame source that shows each of `images` for `hold_s` seconds at `fps`,
    paced by the clock like a real camera (it never runs ahead)."""

    def __init__(self, images: list[np.ndarray], fps: float = 30.0, hold_s: float = 1.0):
        if not images:
            raise ValueError("ReplayCamera needs at least one image")
        self.images = images
        self._fps = fps
        self.hold_frames = max(1, round(hold_s * fps))
        self.seq = 0
        self._next = 0.0

    def open(self) -> None:
        self._next = time.monotonic()

    def close(self) -> None:
        pass

    def read(self, timeout: float = 1.0) -> Frame:
        delay = self._next - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self._next = max(self._next + 1.0 / self._fps, time.monotonic() - 1.0 / self._fps)
        image = self.images[(self.seq // self.hold_frames) % len(self.images)]
        self.seq += 1
        return Frame(image, time.monotonic(), self.seq)

    @property
    def resolution(self) -> tuple[int, int]:
        h, w = self.images[0].shape[:2]
        return (w, h)

    @property
    def fps(self) -> float:
        return self._fps


def scene_images(
    count: int, seed: int, size: tuple[int, int], data: Path | None
) -> list[np.ndarray]:
    if data is not None:
        from kiosk.vision.scenes import iter_scenes

        return [s.read_image() for s in iter_scenes(data, count)]
    from hardware.sim.art_library import ArtLibrary
    from hardware.sim.catalog import load_sim_catalog
    from hardware.sim.scenes import SceneMaker

    catalog = load_sim_catalog()
    maker = SceneMaker(catalog, ArtLibrary(catalog), size)
    return [maker.make(seed, "test", i).render.image for i in range(count)]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def bare_latency(detector: Detector, image: np.ndarray, runs: int) -> dict[str, list[float]]:
    """Bare `run()` times: the detector's, and with a second stage the classifier's on
    this image's boxes (and the close look's on the boxes it looks at: `classifier`
    holds both); `model` is their sum per frame (what `infer_ms_*` report)."""
    tensor, _ = preprocess(image, detector.spec)
    refiner = detector.refiner
    crops = sizes = None
    look = looks = None
    if refiner is not None:
        result = detector.detect(image)
        crops, sizes = refiner.crops(image, result.detections.boxes)
        if refiner.close_look is not None and len(result.looked_at):
            look = refiner.close_look
            looks = look.crops(image, result.looked_at)

    def second_stage() -> None:
        refiner.run(crops, sizes)
        if look is not None:
            look.run(*looks)

    for _ in range(5):
        detector.run(tensor)
        if refiner is not None:
            second_stage()
    times: dict[str, list[float]] = {"model": [], "detector": [], "classifier": []}
    for _ in range(runs):
        t0 = time.perf_counter()
        detector.run(tensor)
        t1 = time.perf_counter()
        if refiner is not None:
            second_stage()
        t2 = time.perf_counter()
        times["detector"].append((t1 - t0) * 1000)
        times["classifier"].append((t2 - t1) * 1000)
        times["model"].append((t2 - t0) * 1000)
    return times


def live(detector: Detector, images: list[np.ndarray], fps: float, seconds: float,
         config: VisionConfig, settle_s: float = 1.0) -> dict[str, object]:  # fmt: skip
    # Each frame's times (ms), not its FrameOutcome: an outcome holds the frame's 344 KB
    # canvas, and keeping every one alive made each new canvas land on never-touched
    # memory, so the measured frames paid page faults (about 0.2 ms of pre-processing
    # a frame) that the kiosk, which drops its outcomes, never pays.
    times: list[tuple[float, float | None, float | None, float | None]] = []
    views = []
    previews = [0]
    lock = threading.Lock()

    def on_preview(_frame: Frame) -> None:
        with lock:
            previews[0] += 1

    def on_outcome(o: FrameOutcome) -> None:
        r = o.result
        if r is None:
            times.append((o.pipeline_s * 1000, None, None, None))
        else:
            times.append((o.pipeline_s * 1000, r.run_s * 1000, r.pre_s * 1000, r.post_s * 1000))

    pipe = VisionPipeline(
        ReplayCamera(images, fps=fps, hold_s=1.0),
        detector,
        config,
        on_view=views.append,
        on_preview=on_preview,
        on_outcome=on_outcome,
    )
    pipe.start()
    time.sleep(settle_s)  # let the threads settle before counting
    with lock:
        previews[0] = 0
    first = len(times)
    t0 = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - t0
    with lock:
        delivered = previews[0]
    measured = times[first:]
    health = pipe.health()
    pipe.stop()
    pipe_ms, run_ms, pre_ms, post_ms = (
        [t[i] for t in measured if t[i] is not None] for i in range(4)
    )
    return {
        "pipeline_ms_p50": percentile(pipe_ms, 50),
        "pipeline_ms_p95": percentile(pipe_ms, 95),
        "run_in_pipeline_ms_p50": percentile(run_ms, 50),
        "pre_ms_p50": percentile(pre_ms, 50),
        "post_ms_p50": percentile(post_ms, 50),
        "overhead_ratio": percentile(pipe_ms, 50) / percentile(run_ms, 50) if run_ms else None,
        "preview_fps": delivered / elapsed,
        "inference_fps": len(measured) / elapsed,
        "frames_skipped": health.frames_skipped,
        "frame_errors": health.frame_errors,
        "tray_views": len(views),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="kiosk bench vision", description=__doc__.splitlines()[0])
    ap.add_argument("--repository", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--model", default=VisionConfig().model)
    ap.add_argument("--version", type=int, default=None)
    ap.add_argument("--providers", default="", help="comma-separated preference (default: config)")
    ap.add_argument("--threads", type=int, default=0, help="onnxruntime threads (0 = auto)")
    ap.add_argument("--spin", action="store_true", help="let onnxruntime threads spin-wait")
    ap.add_argument("--runs", type=int, default=200, help="bare run() timings")
    ap.add_argument("--seconds", type=float, default=10.0, help="live pipeline duration")
    ap.add_argument("--fps", type=float, default=30.0, help="camera frame rate")
    ap.add_argument("--scenes", type=int, default=6, help="scenes the camera replays")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--size", default="1280x720", help="camera resolution WxH")
    ap.add_argument("--data", type=Path, help="replay images of this scene set instead")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    config = VisionConfig()
    providers = [p for p in args.providers.split(",") if p] or list(config.providers)
    try:
        release = ModelRepository(args.repository).load(args.model, args.version)
        detector = Detector(
            release, providers=providers, threads=args.threads, warmup_runs=5, spin=args.spin
        )
    except ModelError as err:
        print(f"kiosk bench vision: {err}", file=sys.stderr)
        return 2
    w, h = (int(v) for v in args.size.lower().split("x"))
    images = scene_images(args.scenes, args.seed, (w, h), args.data)
    from hardware.sim.camera_model import default_camera

    # calibrated as a fitted kiosk is, so the size check costs what it costs there
    detector.calibrate(default_camera(w, h))
    bare = bare_latency(detector, images[0], args.runs)
    result = {
        "model": detector.version,
        "provider": detector.provider,
        "requested_providers": detector.requested_providers,
        "infer_ms_p50": percentile(bare["model"], 50),
        "infer_ms_p95": percentile(bare["model"], 95),
        "detector_ms_p50": percentile(bare["detector"], 50),
        "classifier_ms_p50": percentile(bare["classifier"], 50) if detector.refiner else None,
        **live(detector, images, args.fps, args.seconds, config),
        "camera": f"{w}x{h}@{args.fps:g}",
        "size_check": detector.profile.size_check is not None,
        "threads": args.threads or "auto",
        "spin": args.spin,
        "input": f"{detector.spec.width}x{detector.spec.height}",
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
    }
    result = {k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:24s} {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
