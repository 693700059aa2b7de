"""The detector: an onnxruntime session plus the pre/post-processing its profile asks for.

onnxruntime quietly falls back to the CPU when a preferred provider cannot load, so
the session reports the provider it really got (`provider`) next to what was asked,
and the kiosk shows it to staff.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import onnxruntime as ort

from hardware.camera.pinhole import CameraModel
from kiosk.domain.tray_view import Candidate, SeenItem
from kiosk.models.profile import ModelProfile
from kiosk.models.repository import ModelError, ModelRelease
from kiosk.vision.config import VisionConfig
from kiosk.vision.postprocess import (
    DecodeParams,
    Detections,
    OutputError,
    check_output,
    decode,
    split_doubtful,
)
from kiosk.vision.preprocess import InputSpec, Letterbox, preprocess_with_canvas
from kiosk.vision.refine import (
    FUSION_TOPK,
    Refiner,
    apply_probabilities,
    fuse_probabilities,
    vet_boxes,
)
from kiosk.vision.size_check import SizeCheck

log = logging.getLogger(__name__)

CPU = "CPUExecutionProvider"


def choose_providers(preferred: Sequence[str], available: Sequence[str] | None = None) -> list[str]:
    """The preferred providers this onnxruntime build has, in preference order, with
    the CPU always last as the safety net."""
    available = list(ort.get_available_providers() if available is None else available)
    chosen = [p for p in preferred if p in available and p != CPU]
    return [*chosen, CPU]


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def input_spec(profile: ModelProfile) -> InputSpec:
    p = profile.input
    return InputSpec(
        width=p.width,
        height=p.height,
        rgb=p.color == "RGB",
        scale=p.scale,
        mean=p.mean,
        std=p.std,
        fill=p.letterbox_fill,
        dtype=p.dtype,
    )


def check_signature(session: ort.InferenceSession, profile: ModelProfile, where: str) -> None:
    """Refuse a model whose inputs/outputs disagree with its profile."""
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if len(inputs) != 1:
        raise ModelError(f"{where}: model has {len(inputs)} inputs, expected one image input")
    p = profile.input
    want_in = [1, p.height, p.width, 3] if p.layout == "NHWC" else [1, 3, p.height, p.width]
    _check_tensor(inputs[0], p.name, want_in, where, "input", p.dtype)
    if not outputs:
        raise ModelError(f"{where}: model has no outputs")
    want_out = [1, 4 + profile.num_classes, profile.output.anchors]
    out = next((o for o in outputs if o.name == profile.output.name), None)
    if out is None:
        names = ", ".join(o.name for o in outputs)
        raise ModelError(f"{where}: no output {profile.output.name!r} (model has: {names})")
    _check_tensor(out, profile.output.name, want_out, where, "output")


def _check_tensor(
    arg: ort.NodeArg, name: str, want: list[int], where: str, kind: str, dtype: str = "float32"
) -> None:
    if arg.name != name:
        raise ModelError(f"{where}: {kind} is named {arg.name!r}, the profile says {name!r}")
    want_type = "tensor(uint8)" if dtype == "uint8" else "tensor(float)"
    if arg.type != want_type:
        raise ModelError(f"{where}: {kind} {name!r} is {arg.type}, the profile says {want_type}")
    shape = list(arg.shape)
    # A symbolic dimension (str or None) accepts the profile's number; a number must equal it.
    ok = len(shape) == len(want) and all(
        not isinstance(d, int) or d == w for d, w in zip(shape, want, strict=True)
    )
    if not ok:
        raise ModelError(f"{where}: {kind} {name!r} has shape {shape}, the profile says {want}")


@dataclass(frozen=True, slots=True)
class FrameResult:
    """What one frame gave, with the time each stage took (seconds)."""

    detections: Detections  # boxes in frame pixels
    items: tuple[SeenItem, ...]
    letterbox: Letterbox
    canvas: np.ndarray  # the letterboxed uint8 image the model saw
    pre_s: float
    run_s: float
    post_s: float
    # the boxes (frame pixels) the release's close look classified again
    looked_at: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.float32))
    # boxes between the profile's doubt and score thresholds (`TrayView.doubtful`)
    doubtful: tuple[SeenItem, ...] = ()


@dataclass(frozen=True, slots=True)
class PreparedFrame:
    """A frame made ready for the model (see `Detector.prepare`)."""

    image: np.ndarray  # the checked BGR frame (the second stage crops from it)
    tensor: np.ndarray  # the model input: the detector's reused buffer, or a view of the canvas
    letterbox: Letterbox
    canvas: np.ndarray
    pre_s: float


SessionFactory = Callable[..., ort.InferenceSession]


class Detector:
    """A loaded, verified, warmed-up model. `detect(image)` is thread-compatible but
    meant for one inference thread."""

    def __init__(
        self,
        release: ModelRelease,
        providers: Sequence[str] = (CPU,),
        threads: int = 0,
        warmup_runs: int = 3,
        params: DecodeParams | None = None,
        spin: bool = False,
        session_factory: SessionFactory = ort.InferenceSession,
    ):
        profile = release.profile
        self.release = release
        self.profile = profile
        where = release.ref
        if _version_tuple(ort.__version__) < _version_tuple(profile.min_onnxruntime):
            raise ModelError(
                f"{where} needs onnxruntime >= {profile.min_onnxruntime}, this is {ort.__version__}"
            )
        self.requested_providers = choose_providers(providers)
        options = ort.SessionOptions()
        options.log_severity_level = 3  # onnxruntime's own warnings go to its logger, not ours
        if threads:
            options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        if not spin:
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session = session_factory(
                str(release.model_path), sess_options=options, providers=self.requested_providers
            )
        except Exception as err:  # onnxruntime raises its own exception zoo
            raise ModelError(
                f"{where}: onnxruntime cannot load {release.model_path.name}: {err}"
            ) from None
        check_signature(self.session, profile, where)
        self.refiner: Refiner | None = None
        if profile.classifier is not None:
            self.refiner = Refiner(release, self.requested_providers, options, session_factory)
        loaded = list(self.session.get_providers())
        self.provider = loaded[0] if loaded else "unknown"
        self.fell_back = self.provider != self.requested_providers[0]
        if self.fell_back:
            log.warning(
                "%s: asked for %s, onnxruntime loaded %s",
                where,
                self.requested_providers[0],
                self.provider,
            )
        self.spec = input_spec(profile)
        # The kiosk's camera calibration, for the size check (`open_detector` sets it
        # from the config; an evaluation of many kiosks' pictures passes one a frame).
        self.camera: CameraModel | None = None
        sc = profile.size_check
        self.size_check: SizeCheck | None = None
        if sc is not None:
            index = {label: i for i, label in enumerate(profile.labels)}
            self.size_check = SizeCheck(
                [[index[x] for x in g] for g in sc.groups],
                {index[k]: v for k, v in sc.sizes_mm.items() if k in index},
                sc.sigma, sc.trigger, sc.max_aspect, sc.on_other,
            )  # fmt: skip
        t = profile.thresholds
        self.params = params or DecodeParams(
            score_threshold=t.score,
            iou_threshold=t.iou,
            cross_class_iou=t.cross_class_iou,
            topk=t.topk,
        )
        self.input_name = profile.input.name
        self.output_name = profile.output.name
        self.labels = list(profile.labels)
        # Each calling thread's model input buffer, reused frame after frame (see
        # `to_tensor`). Per thread, because an evaluation or a bench may call `detect`
        # while the inference thread does.
        self._inputs = threading.local()
        self.warmup_ms: list[float] = []
        blank = np.full((profile.input.height, profile.input.width, 3), 114, np.uint8)
        for _ in range(warmup_runs):
            t0 = time.perf_counter()
            self.detect(blank)
            self.warmup_ms.append((time.perf_counter() - t0) * 1000)

    @property
    def version(self) -> str:
        return self.release.ref

    def calibrate(self, camera: CameraModel | None) -> None:
        """Measure with this camera from now on; its size table is built here (0.2 s),
        not on the first frame that shows a can. May be called from another thread
        than the one detecting (maintenance mode): the table is built before the
        camera is swapped in, so the detecting thread never builds it itself."""
        if camera is not None and self.size_check is not None:
            self.size_check.tables(camera)
        self.camera = camera

    @property
    def size_check_state(self) -> str:
        """For staff: whether the model's size check can run here ("" without one)."""
        if self.size_check is None:
            return ""
        if self.camera is None:
            return "off: the camera is not calibrated (kiosk calibrate-camera)"
        return "on (the camera is calibrated)"

    def run(self, tensor: np.ndarray) -> np.ndarray:
        """The bare `session.run()` on a prepared input."""
        return self.session.run([self.output_name], {self.input_name: tensor})[0]

    def detect(self, image: np.ndarray, camera: CameraModel | None = None) -> FrameResult:
        """One BGR frame → detections in frame pixels and `SeenItem`s with candidates.
        `camera`: the calibration of the camera that took it (default `self.camera`).
        Raises `FrameError` for an unusable frame, `OutputError` for a broken output."""
        return self.detect_prepared(self.prepare(image), camera)

    def prepare(self, image: np.ndarray) -> PreparedFrame:
        """The first half of `detect`: the frame letterboxed and made the model's input.
        The tensor is this thread's reused buffer: hand the result to `detect_prepared`
        before the next `prepare` on the same thread. Raises `FrameError`."""
        t0 = time.perf_counter()
        tensor, geo, canvas = preprocess_with_canvas(image, self.spec, self._input_buffer())
        return PreparedFrame(image, tensor, geo, canvas, time.perf_counter() - t0)

    def detect_prepared(
        self, frame: PreparedFrame, camera: CameraModel | None = None
    ) -> FrameResult:
        """The second half of `detect`: run, decode, refine. Raises `OutputError`."""
        geo = frame.letterbox
        t1 = time.perf_counter()
        raw = self.run(frame.tensor)
        t2 = time.perf_counter()
        threshold = self.params.score_threshold
        # Doubtful boxes only below the operating threshold: a caller that keeps lower
        # boxes itself (an evaluation's precision curve) gets them all as items.
        lowest = min(threshold, self.profile.thresholds.doubt or 1.0)
        params = replace(self.params, score_threshold=lowest) if lowest < threshold else self.params
        if self.refiner is not None:  # the fusion weighs more of the detector's opinion
            params = replace(params, topk=max(params.topk, FUSION_TOPK))
            proposals = self.refiner.profile.proposal_score
            if proposals is not None:  # weaker boxes too: the classifier vets them
                params = replace(params, score_threshold=min(proposals, params.score_threshold))
        dets = decode(check_output(raw, len(self.labels)), params)
        dets = dets.with_boxes(geo.boxes_to_frame(dets.boxes))
        run_s = t2 - t1
        looked_at = np.zeros((0, 4), np.float32)
        if self.refiner is not None and len(dets):
            crops, geometry = self.refiner.crops(frame.image, dets.boxes)
            t_c = time.perf_counter()
            probs = self.refiner.run(crops, geometry)
            run_s += time.perf_counter() - t_c
            c = self.refiner.profile
            if c.not_an_item:
                sure = self.profile.thresholds.score  # also when the caller keeps lower boxes
                dets, probs = vet_boxes(dets, probs, c.item_weight, lowest, sure)
            probs = fuse_probabilities(dets, probs, c.detector_weight, c.detector_floor)
            probs, looked_at, look_s = self.refiner.look_closer(frame.image, dets, probs)
            run_s += look_s
            camera = camera or self.camera
            if self.size_check is not None and camera is not None:
                h, w = frame.image.shape[:2]
                probs, _ = self.size_check(probs, dets.boxes, camera, (w, h))
            dets = apply_probabilities(
                dets, probs, self.params.topk, self.params.candidate_min_score
            )
        doubtful: tuple[SeenItem, ...] = ()
        if lowest < threshold:
            dets, weak = split_doubtful(dets, threshold)
            doubtful = self.seen_items(weak)
        items = self.seen_items(dets)
        t3 = time.perf_counter()
        post_s = t3 - t1 - run_s
        return FrameResult(
            dets, items, geo, frame.canvas, frame.pre_s, run_s, post_s, looked_at, doubtful
        )

    def _input_buffer(self) -> np.ndarray | None:
        spec = self.spec
        if spec.dtype == "uint8" and not spec.rgb:
            return None  # the model takes the canvas itself
        buf = getattr(self._inputs, "tensor", None)
        if buf is None:
            h, w = spec.height, spec.width
            uint8 = spec.dtype == "uint8"
            buf = np.empty(
                (1, h, w, 3) if uint8 else (1, 3, h, w), np.uint8 if uint8 else np.float32
            )
            self._inputs.tensor = buf
        return buf

    def seen_items(self, dets: Detections) -> tuple[SeenItem, ...]:
        labels = self.labels
        items = []
        for box, ids, scores in zip(
            dets.boxes.tolist(), dets.topk_ids.tolist(), dets.topk_scores.tolist(), strict=True
        ):
            cands = tuple(
                Candidate(labels[i], float(s)) for i, s in zip(ids, scores, strict=True) if i >= 0
            )
            items.append(SeenItem(box=tuple(box), candidates=cands))
        return tuple(items)


__all__ = [
    "CPU",
    "Detector",
    "FrameResult",
    "ModelError",
    "OutputError",
    "PreparedFrame",
    "check_signature",
    "choose_providers",
    "input_spec",
    "open_detector",
]


def open_detector(
    config: VisionConfig,
    known_skus: Sequence[str] | None = None,
    release: ModelRelease | None = None,
) -> Detector:
    """The detector the config names, verified against the repository and (when given)
    the catalog's SKUs, loaded on the preferred provider and warmed up. Raises
    `ModelError` with the reason when the model must not serve. A `release` the
    caller already loaded (and so verified) is used as it is."""
    from kiosk.models.repository import DEFAULT_ROOT, ModelRepository

    if release is None:
        repo = ModelRepository(config.repository or DEFAULT_ROOT)
        release = repo.load(config.model, config.version, known_skus)
    detector = Detector(
        release,
        providers=config.providers,
        threads=config.threads,
        warmup_runs=config.warmup_runs,
        spin=config.spin,
    )
    golden = release.profile.golden
    if golden is not None:  # before the config's thresholds and camera: the release's own
        from kiosk.vision.golden import verify_golden

        verify_golden(detector, golden, release.directory / golden.file)
    overrides = {
        k: v
        for k, v in (
            ("score_threshold", config.score_threshold),
            ("iou_threshold", config.iou_threshold),
            ("topk", config.topk),
        )
        if v is not None
    }
    if overrides:
        detector.params = replace(detector.params, **overrides)
    if config.camera_calibration is not None:
        detector.calibrate(CameraModel.from_dict(config.camera_calibration.model_dump()))
    return detector
