"""The profile of a released model: everything the kiosk must know to run it right.

A model file alone says nothing about colour order, normalisation, letterbox fill or
which class is which SKU; getting any of them wrong gives confident nonsense, not an
error. So every version in the repository carries `profile.json`, validated here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PROFILE_SCHEMA = "kiosk.model-profile/1"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InputProfile(_Strict):
    name: str = Field(description="name of the model's image input")
    width: int = Field(gt=0, le=4096, description="input width in pixels")
    height: int = Field(gt=0, le=4096, description="input height in pixels")
    # float32 NCHW: the kiosk converts the pixels (scale, mean, std below). uint8 NHWC:
    # the model takes the letterboxed bytes as they are and converts them itself, as an
    # NPU deployment does (`models.training.uint8_input`); scale, mean and std then
    # record what the model does inside.
    layout: Literal["NCHW", "NHWC"] = Field("NCHW", description="tensor layout")
    color: Literal["RGB", "BGR"] = Field("RGB", description="channel order the model expects")
    dtype: Literal["float32", "uint8"] = Field("float32", description="element type")
    scale: float = Field(1.0 / 255.0, gt=0, description="pixel value multiplier (0..255 → 0..1)")
    mean: tuple[float, float, float] = Field((0.0, 0.0, 0.0), description="subtracted after scale")
    std: tuple[float, float, float] = Field((1.0, 1.0, 1.0), description="divided after mean")
    letterbox: bool = Field(True, description="aspect-preserving resize with a centred border")
    letterbox_fill: int = Field(114, ge=0, le=255, description="grey level of the border")

    @field_validator("std")
    @classmethod
    def _std_positive(cls, v: tuple[float, float, float]) -> tuple[float, float, float]:
        if any(s <= 0 for s in v):
            raise ValueError("std values must be positive")
        return v

    @model_validator(mode="after")
    def _layout_goes_with_dtype(self) -> InputProfile:
        if (self.dtype, self.layout) not in (("float32", "NCHW"), ("uint8", "NHWC")):
            raise ValueError(f"a {self.dtype} {self.layout} input is not supported "
                             "(float32 NCHW or uint8 NHWC)")  # fmt: skip
        return self


class OutputProfile(_Strict):
    name: str = Field(description="name of the detection output")
    format: Literal["yolov8"] = Field(
        "yolov8",
        description="Ultralytics YOLOv8/YOLO11 export: [1, 4 + classes, anchors], "
        "cx, cy, w, h in input pixels, class scores after sigmoid",
    )
    anchors: int = Field(gt=0, description="number of anchor columns")


class Thresholds(_Strict):
    score: float = Field(0.25, gt=0, lt=1, description="minimum class score of a box")
    iou: float = Field(0.5, gt=0, le=1, description="same-class NMS IoU")
    cross_class_iou: float = Field(0.7, gt=0, le=1, description="look-alike merge IoU; 1 = off")
    topk: int = Field(3, ge=1, le=20, description="class candidates kept per box")
    # Boxes between `doubt` and `score` are reported apart, as boxes the camera
    # half-saw (`TrayView.doubtful`): not read as items, but the decision can ask about
    # them, or take one for an item when the weight demands it.
    doubt: float | None = Field(
        None, gt=0, lt=1, description="lowest score of a doubtful box (below score); none: off"
    )

    @model_validator(mode="after")
    def _doubt_below_score(self) -> Thresholds:
        if self.doubt is not None and self.doubt >= self.score:
            raise ValueError(f"doubt ({self.doubt}) must be below score ({self.score})")
        return self


class TrainingRecord(_Strict):
    """Where the model came from, so a result can be traced and reproduced."""

    recipe: str = Field("", description="training recipe and version")
    command: str = Field("", description="command that reproduces the run")
    seed: int | None = Field(None, description="training seed")
    data: dict[str, object] = Field(
        default_factory=dict, description="scene sets used: split → generator, seed, count"
    )
    epochs: int | None = None
    wall_time_s: float | None = None


class Latency(_Strict):
    infer_ms_p50: float
    infer_ms_p95: float
    machine: str = Field("", description="where it was measured")


class GoldenBox(_Strict):
    sku: str
    score: float = Field(ge=0, le=1)
    box: list[float] = Field(min_length=4, max_length=4, description="x1, y1, x2, y2 (pixels)")


class GoldenProfile(_Strict):
    """What the release detected on one picture where it was made: a kiosk runs the
    picture through it at load, on its own providers (an NPU's kernels and int8
    arithmetic are not the training machine's), and refuses a release that sees
    something else there."""

    file: str = Field("golden.png", description="the picture (lossless: decoded alike anywhere)")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(gt=0)
    detections: list[GoldenBox]
    provider: str = Field("", description="where the detections were computed")
    score_tolerance: float = Field(0.08, ge=0, le=0.5)
    min_iou: float = Field(0.85, gt=0, le=1)


class CropModelProfile(_Strict):
    """A model that classifies square crops of detected boxes, cut from the full
    camera frame (`kiosk.vision.crops`), with the boxes' geometry beside them."""

    file: str = Field("classifier.onnx", description="model file inside the version")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(gt=0)
    crop_size: int = Field(128, gt=8, le=1024, description="square crop side in pixels")
    crop_pad: float = Field(0.08, ge=0, le=1, description="context around the box, share")
    crops_input: str = Field("crops", description="[N, 3, S, S] RGB 0..1, or see crops_dtype")
    # As the detector's input: uint8 NHWC hands the cut patches over as they are.
    crops_dtype: Literal["float32", "uint8"] = Field("float32", description="0..1 or bytes")
    crops_layout: Literal["NCHW", "NHWC"] = Field("NCHW", description="crops tensor layout")
    crops_color: Literal["RGB", "BGR"] = Field("RGB", description="channel order of the crops")
    geometry_input: str = Field(
        "geometry", description="[N, 4] box size and place in the frame (kiosk.vision.crops)"
    )
    output: str = Field("probs", description="[N, classes] softmax probabilities")
    training: TrainingRecord = TrainingRecord()
    metrics: dict[str, object] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _crops_format_supported(self) -> CropModelProfile:
        fmt = (self.crops_dtype, self.crops_layout, self.crops_color)
        if fmt[:2] != ("uint8", "NHWC") and fmt != ("float32", "NCHW", "RGB"):
            raise ValueError(
                f"{' '.join(fmt)} crops are not supported (float32 NCHW RGB, as "
                "kiosk.vision.crops.crops_to_tensor makes them, or uint8 NHWC)"
            )
        return self


class CloseLookProfile(CropModelProfile):
    """An optional third look at look-alikes (`kiosk.vision.refine.close_look_rows`):
    when a box is torn between members of one look-alike family (crisps of two flavours,
    whose packs differ in a word), its crop is cut again at a higher resolution and
    classified by a model trained on those families only. It moves probability between
    the members of the family, never to or from other classes. Its output is
    [N, classes] over all the labels; only the families' columns are read."""

    file: str = Field("close_look.onnx", description="model file inside the version")
    crop_size: int = Field(224, gt=8, le=1024, description="square crop side in pixels")
    groups: list[list[str]] = Field(
        min_length=1, description="the look-alike families it tells apart, as labels"
    )
    trigger: float = Field(
        0.05,
        gt=0,
        lt=1,
        description="a box is looked at when the other members of its best class's "
        "family hold at least this much of its probability",
    )
    first_weight: float = Field(
        0.0,
        ge=0,
        le=2,
        description="within a family: first opinion^w x close look; 0 "
        "lets the close look alone divide the family's probability",
    )

    @field_validator("groups")
    @classmethod
    def _groups_disjoint(cls, v: list[list[str]]) -> list[list[str]]:
        seen: set[str] = set()
        for g in v:
            if len(set(g)) < 2:
                raise ValueError(f"a look-alike family needs two different labels: {g}")
            if seen & set(g):
                raise ValueError(f"labels in two families: {sorted(seen & set(g))}")
            seen |= set(g)
        return v


class ClassifierProfile(CropModelProfile):
    """An optional second stage: one crop per detected box, cut from the full camera
    frame, classified again (`kiosk.vision.refine`). Same labels as the detector."""

    detector_weight: float = Field(
        1.0, ge=0, le=5, description="exponent of the detector's class score in the fusion"
    )
    detector_floor: float = Field(
        0.003, gt=0, lt=1, description="score of a class the detector did not list"
    )
    # A classifier that also learned "not an item" can vet the detector's weak boxes:
    # an item the detector half-saw (a lighter lying on a bag) is kept when the crop
    # clearly shows one, a reflection is dropped (`kiosk.vision.refine.vet_boxes`).
    not_an_item: bool = Field(
        False, description="the classifier's last output is 'not an item' (one past the labels)"
    )
    proposal_score: float | None = Field(
        None, gt=0, lt=1, description="with not_an_item: detector boxes down to this are vetted"
    )
    item_weight: float = Field(
        0.5,
        ge=0,
        le=1,
        description="with not_an_item: a box's confidence is detector score^(1-w) x P(item)^w",
    )
    close_look: CloseLookProfile | None = Field(
        None, description="a higher-resolution look at boxes torn between look-alikes"
    )

    @model_validator(mode="after")
    def _proposals_need_vetting(self) -> ClassifierProfile:
        if self.proposal_score is not None and not self.not_an_item:
            raise ValueError("proposal_score needs a classifier with a 'not an item' output")
        return self


class SizeCheckProfile(_Strict):
    """Size variants of one design told apart by the calibrated camera
    (`kiosk.vision.size_check`): upright cylinders of the same girth and different
    heights (a 330 ml and a 500 ml can). Needs the kiosk's camera calibration; without
    one the classifier's reading stands."""

    sizes_mm: dict[str, tuple[float, float]] = Field(
        description="label -> (diameter, height) in mm of the item standing upright"
    )
    groups: list[list[str]] = Field(min_length=1, description="the size variants, as labels")
    sigma: float = Field(
        0.07, gt=0, lt=1, description="sd of a box side's log-size error (validation)"
    )
    trigger: float = Field(
        0.5, gt=0, le=1, description="a box is checked when its group holds this much"
    )
    max_aspect: float = Field(
        3.0, ge=1, le=10, description="longer boxes are no size variant: not checked"
    )
    on_other: float = Field(
        0.5,
        ge=0,
        le=1,
        description="a box lying more than this on another may stand on that item (its "
        "base unknown): not checked",
    )

    @model_validator(mode="after")
    def _groups_sized(self) -> SizeCheckProfile:
        seen: set[str] = set()
        for g in self.groups:
            if len(set(g)) < 2:
                raise ValueError(f"a size group needs two different labels: {g}")
            if seen & set(g):
                raise ValueError(f"labels in two size groups: {sorted(seen & set(g))}")
            seen |= set(g)
        missing = sorted(seen - set(self.sizes_mm))
        if missing:
            raise ValueError(f"size_check has no size for: {', '.join(missing)}")
        if any(d <= 0 or h <= 0 for d, h in self.sizes_mm.values()):
            raise ValueError("size_check sizes must be positive")
        return self


class ModelProfile(_Strict):
    schema_: Literal["kiosk.model-profile/1"] = Field(PROFILE_SCHEMA, alias="schema")
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    version: int = Field(ge=1)
    description: str = ""
    file: str = Field("model.onnx", description="model file inside the version directory")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(gt=0)
    opset: int = Field(ge=7, description="ONNX opset of the main domain")
    min_onnxruntime: str = Field("1.17", pattern=r"^\d+\.\d+(\.\d+)?$")
    input: InputProfile
    output: OutputProfile
    labels: list[str] = Field(min_length=1, description="class index → SKU id")
    thresholds: Thresholds = Thresholds()
    precision: Literal["fp32", "fp16", "int8"] = "fp32"
    training: TrainingRecord = TrainingRecord()
    metrics: dict[str, object] = Field(default_factory=dict, description="metrics it reached")
    latency: dict[str, Latency] = Field(
        default_factory=dict, description="execution provider → measured latency"
    )
    classifier: ClassifierProfile | None = Field(
        None, description="second-stage crop classifier; absent for a plain YOLO export"
    )
    size_check: SizeCheckProfile | None = Field(
        None, description="size variants told apart by the calibrated camera's geometry"
    )
    golden: GoldenProfile | None = Field(
        None, description="a picture and what the release detects on it, checked at load"
    )
    # The decision engine's trust in this model's class scores (a box's swap to its
    # second candidate costs sharpness x log(score ratio)); a model brings its own.
    vision_sharpness: float | None = Field(
        None,
        gt=0,
        le=10,
        description="decision calibration, chosen on validation with kiosk eval --fusion "
        "--vision-sharpness; absent: the engine's default",
    )
    missed_per_box: float | None = Field(
        None,
        ge=0,
        lt=1,
        description="visible items the model misses per box it reports, measured on "
        "validation by kiosk eval --fusion; absent: the engine's default",
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _labels_unique(self) -> ModelProfile:
        seen: set[str] = set()
        dups = sorted({lab for lab in self.labels if lab in seen or seen.add(lab)})
        if dups:
            raise ValueError(f"labels repeat: {', '.join(dups)}")
        if any(not lab.strip() for lab in self.labels):
            raise ValueError("labels must not be empty strings")
        c = self.classifier
        if c is not None and c.file == self.file:
            raise ValueError("classifier.file must differ from the detector's file")
        if c is not None and c.close_look is not None:
            look = c.close_look
            if look.file in (self.file, c.file):
                raise ValueError("classifier.close_look.file must differ from the other files")
            unknown = sorted({x for g in look.groups for x in g} - set(self.labels))
            if unknown:
                raise ValueError(f"close_look groups name unknown labels: {', '.join(unknown)}")
        if self.golden is not None:
            if self.golden.file in (self.file, c.file if c else None):
                raise ValueError("golden.file must differ from the model files")
            unknown = sorted({b.sku for b in self.golden.detections} - set(self.labels))
            if unknown:
                raise ValueError(f"golden detections name unknown labels: {', '.join(unknown)}")
        if self.size_check is not None:
            unknown = sorted({x for g in self.size_check.groups for x in g} - set(self.labels))
            if unknown:
                raise ValueError(f"size_check groups name unknown labels: {', '.join(unknown)}")
            if c is None:
                raise ValueError("size_check needs a classifier (it divides its probabilities)")
        return self

    @property
    def num_classes(self) -> int:
        return len(self.labels)
