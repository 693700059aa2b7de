"""Configuration of the recognition pipeline (a section of the kiosk's root config)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

# NPU/GPU providers first, CPU last. onnxruntime only offers the ones its build has;
# the session takes the first available and the kiosk reports what really loaded.
DEFAULT_PROVIDERS = (
    "QNNExecutionProvider",  # Qualcomm NPU
    "VSINPUExecutionProvider",  # VeriSilicon NPU (NXP i.MX 8M Plus, Amlogic)
    "NnapiExecutionProvider",  # Android NN API
    "ACLExecutionProvider",  # Arm Compute Library
    "OpenVINOExecutionProvider",
    "CUDAExecutionProvider",
    "CPUExecutionProvider",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StabilityConfig(_Strict):
    """When is the tray still? Judged from frame differences on the tray region."""

    width: int = Field(
        112,
        ge=16,
        le=1024,
        description="frames are shrunk by a whole factor to about this width, then blurred and "
        "compared (a whole factor keeps the shrink an exact, cheap average)",
    )
    pixel_delta: int = Field(
        18,
        ge=1,
        le=255,
        description="grey-level change of a pixel that counts as motion; above sensor noise",
    )
    moving_fraction: float = Field(
        0.004,
        gt=0,
        lt=1,
        description="share of changed pixels above which the tray is moving",
    )
    still_frames: int = Field(
        3, ge=1, description="consecutive quiet frames before the tray counts as still"
    )


class VotingConfig(_Strict):
    """How still frames are aggregated into one `TrayView`."""

    frames: int = Field(3, ge=1, le=30, description="still frames voted into one result")
    min_votes: int | None = Field(
        None, ge=1, description="frames that must see a box for it to count; None = majority"
    )
    match_iou: float = Field(0.5, gt=0, lt=1, description="IoU that makes two frames' boxes one")

    @model_validator(mode="after")
    def _votes_fit(self) -> VotingConfig:
        if self.min_votes is not None and self.min_votes > self.frames:
            raise ValueError(f"min_votes ({self.min_votes}) exceeds frames ({self.frames})")
        return self

    @property
    def required_votes(self) -> int:
        return self.min_votes if self.min_votes is not None else self.frames // 2 + 1


class CameraCalibration(_Strict):
    """Where this kiosk's camera hangs over the tray: a pinhole
    (`hardware.camera.pinhole.CameraModel`), tray coordinates in mm from the tray's
    corner. The size check (`kiosk.vision.size_check`) measures items with it; without
    it the kiosk trusts the classifier on size variants."""

    width: int = Field(gt=0, description="image width the calibration was made at")
    height: int = Field(gt=0, description="image height the calibration was made at")
    position_mm: tuple[float, float, float] = Field(description="the lens, over the tray")
    look_at_mm: tuple[float, float, float] = Field(description="the point the camera aims at")
    focal_per_width: float = Field(gt=0, le=10, description="focal length over image width")
    roll_deg: float = Field(0.0, ge=-45, le=45)

    @model_validator(mode="after")
    def _above(self) -> CameraCalibration:
        if self.position_mm[2] <= self.look_at_mm[2]:
            raise ValueError("the camera must hang above the point it looks at")
        return self


class VisionConfig(_Strict):
    model: str = Field("tray-detector", description="model name in the repository")
    version: int | None = Field(None, ge=1, description="model version; None = the newest")
    repository: str = Field("", description="model repository directory; empty = the built-in")
    providers: tuple[str, ...] = Field(
        DEFAULT_PROVIDERS, min_length=1, description="execution providers, preferred first"
    )
    threads: int = Field(
        0, ge=0, le=64, description="onnxruntime intra-op threads; 0 = onnxruntime decides"
    )
    warmup_runs: int = Field(3, ge=0, le=100, description="inferences on a blank frame at load")
    spin: bool = Field(
        False,
        description="let onnxruntime's threads spin-wait between runs: slightly faster runs, "
        "but on a 2-core kiosk they then compete with capture, pre/post-processing and the UI",
    )
    score_threshold: float | None = Field(
        None, gt=0, lt=1, description="override of the profile's score threshold"
    )
    iou_threshold: float | None = Field(
        None, gt=0, le=1, description="override of the profile's NMS IoU"
    )
    topk: int | None = Field(None, ge=1, le=20, description="override: class candidates per box")
    tray_region: tuple[float, float, float, float] = Field(
        (0.0, 0.0, 1.0, 1.0),
        description="x1, y1, x2, y2 of the tray as fractions of the frame; motion is judged here",
    )
    stability: StabilityConfig = StabilityConfig()
    voting: VotingConfig = VotingConfig()
    camera_calibration: CameraCalibration | None = Field(
        None, description="the camera's pinhole over the tray; enables the size check"
    )

    @model_validator(mode="after")
    def _region_valid(self) -> VisionConfig:
        x1, y1, x2, y2 = self.tray_region
        if not (0 <= x1 < x2 <= 1 and 0 <= y1 < y2 <= 1):
            raise ValueError(
                f"tray_region must be 0 <= x1 < x2 <= 1, 0 <= y1 < y2 <= 1: {x1, y1, x2, y2}"
            )
        return self
