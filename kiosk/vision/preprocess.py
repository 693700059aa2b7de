"""Frame → model input: letterbox, colour order, layout, normalisation.

Pure functions over numpy arrays. The training recipe letterboxes its images with
the same `letterbox` so that the kiosk and training-time evaluation see the same
pixels; a test holds them to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Smallest frame worth running: below this a camera is misconfigured, not "far away".
MIN_FRAME_SIDE = 16


class FrameError(ValueError):
    """A frame the pipeline cannot use (wrong dtype, channels, size); says what it got."""


@dataclass(frozen=True, slots=True)
class Letterbox:
    """How a frame was fitted into the model input: scaled by `scale`, then shifted
    by (`pad_x`, `pad_y`). Inverts boxes back to frame pixels."""

    scale: float
    pad_x: int
    pad_y: int
    frame_w: int
    frame_h: int
    input_w: int
    input_h: int

    def content(self, canvas: np.ndarray) -> np.ndarray:
        """The part of a letterboxed canvas that shows the frame (no border)."""
        new_w, new_h = _resized_size(
            self.frame_w, self.frame_h, self.scale, self.input_w, self.input_h
        )
        return canvas[self.pad_y : self.pad_y + new_h, self.pad_x : self.pad_x + new_w]

    def boxes_to_frame(self, boxes: np.ndarray) -> np.ndarray:
        """x1, y1, x2, y2 in input pixels → frame pixels, clipped to the frame."""
        # Whole rows at once against per-column offsets and limits, in the boxes' own
        # dtype as before: a handful of numpy calls instead of a dozen strided ones.
        offset = np.array([self.pad_x, self.pad_y] * 2, boxes.dtype)
        out = ((boxes - offset) / self.scale).astype(np.float32, copy=False)
        limit = np.array([self.frame_w, self.frame_h] * 2, np.float32)
        return np.minimum(np.maximum(out, 0.0, out=out), limit, out=out)

    def boxes_to_input(self, boxes: np.ndarray) -> np.ndarray:
        """x1, y1, x2, y2 in frame pixels → input pixels (for training labels)."""
        out = np.empty_like(boxes, dtype=np.float32)
        out[:, 0::2] = boxes[:, 0::2] * self.scale + self.pad_x
        out[:, 1::2] = boxes[:, 1::2] * self.scale + self.pad_y
        return out


def check_frame(image: object) -> np.ndarray:
    """The frame as an 8-bit BGR array, or `FrameError` saying what is wrong.

    A grey or BGRA frame is refused rather than converted: it means a camera set up
    wrongly, and silently converting it would cost accuracy nobody sees.
    """
    if not isinstance(image, np.ndarray):
        raise FrameError(f"frame must be a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise FrameError(f"frame must be 8-bit (uint8), got {image.dtype} {image.shape}")
    if image.ndim != 3 or image.shape[2] != 3:
        raise FrameError(f"frame must be BGR with shape (height, width, 3), got {image.shape}")
    h, w = image.shape[:2]
    if min(h, w) < MIN_FRAME_SIDE:
        raise FrameError(f"frame {w}x{h} is too small (at least {MIN_FRAME_SIDE} px a side)")
    return image


def _resized_size(w: int, h: int, scale: float, input_w: int, input_h: int) -> tuple[int, int]:
    return min(input_w, max(1, round(w * scale))), min(input_h, max(1, round(h * scale)))


def letterbox_geometry(frame_w: int, frame_h: int, input_w: int, input_h: int) -> Letterbox:
    scale = min(input_w / frame_w, input_h / frame_h)
    new_w, new_h = _resized_size(frame_w, frame_h, scale, input_w, input_h)
    return Letterbox(
        scale=scale,
        pad_x=(input_w - new_w) // 2,
        pad_y=(input_h - new_h) // 2,
        frame_w=frame_w,
        frame_h=frame_h,
        input_w=input_w,
        input_h=input_h,
    )


def letterbox(
    image: np.ndarray, input_w: int, input_h: int, fill: int = 114
) -> tuple[np.ndarray, Letterbox]:
    """Fit `image` (H, W, C uint8) into (input_h, input_w) keeping its aspect ratio;
    the border is `fill` (Ultralytics' grey 114 by default). Returns the uint8 canvas."""
    h, w = image.shape[:2]
    geo = letterbox_geometry(w, h, input_w, input_h)
    new_w, new_h = _resized_size(w, h, geo.scale, input_w, input_h)
    if (new_w, new_h) == (w, h) == (input_w, input_h):
        return np.ascontiguousarray(image), geo
    # The resize writes straight into the canvas and only the bars are filled: every
    # canvas byte is written once, instead of a grey fill, a resized copy and a paste.
    canvas = np.empty((input_h, input_w, image.shape[2]), np.uint8)
    x0, y0, x1, y1 = geo.pad_x, geo.pad_y, geo.pad_x + new_w, geo.pad_y + new_h
    content = canvas[y0:y1, x0:x1]
    if (new_w, new_h) == (w, h):
        content[...] = image
    else:
        resized = cv2.resize(image, (new_w, new_h), dst=content, interpolation=cv2.INTER_LINEAR)
        if resized is not content:  # OpenCV silently allocates when it cannot use `dst`
            content[...] = resized
    canvas[:y0] = fill
    canvas[y1:] = fill
    canvas[y0:y1, :x0] = fill
    canvas[y0:y1, x1:] = fill
    return canvas, geo


def to_tensor(
    canvas: np.ndarray,
    rgb: bool = True,
    scale: float = 1.0 / 255.0,
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0),
    std: tuple[float, float, float] = (1.0, 1.0, 1.0),
    out: np.ndarray | None = None,
) -> np.ndarray:
    """uint8 BGR (H, W, 3) canvas → float32 (1, 3, H, W), channels RGB when `rgb`.

    Written into `out` when given (float32 (1, 3, H, W), contiguous), else into a new
    array; onnxruntime takes it without another copy. No temporaries: the bytes are
    cast straight into the planes, then scaled in place. A caller that converts every
    frame keeps one `out`: a fresh buffer of this size can cost page faults every
    frame (temporary planes did: 85 a frame, half this function's time when measured)."""
    h, w = canvas.shape[:2]
    if out is None:
        out = np.empty((1, 3, h, w), np.float32)
    elif out.shape != (1, 3, h, w) or out.dtype != np.float32 or not out.flags.c_contiguous:
        raise ValueError(
            f"out must be a contiguous float32 (1, 3, {h}, {w}) array, got {out.dtype} {out.shape}"
        )
    planes = canvas.transpose(2, 0, 1)
    np.copyto(out[0], planes[::-1] if rgb else planes, casting="unsafe")
    out *= np.float32(scale)
    if any(mean) or any(s != 1.0 for s in std):
        for i in range(3):
            out[0, i] -= np.float32(mean[i])
            out[0, i] /= np.float32(std[i])
    return out


@dataclass(frozen=True, slots=True)
class InputSpec:
    """What the model wants (from its profile): size, colour order, normalisation."""

    width: int
    height: int
    rgb: bool = True
    scale: float = 1.0 / 255.0
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)
    fill: int = 114
    # "uint8": the model takes the canvas's bytes (N, H, W, 3) and converts them itself;
    # scale, mean and std are then the model's business.
    dtype: str = "float32"


def canvas_to_input(
    canvas: np.ndarray, spec: InputSpec, out: np.ndarray | None = None
) -> np.ndarray:
    """The model input for a letterboxed uint8 BGR canvas: float32 (1, 3, H, W) made by
    `to_tensor`, or for a uint8 model the canvas itself as (1, H, W, 3), a view without
    a copy (BGR), or its channels swapped into `out` (RGB)."""
    if spec.dtype != "uint8":
        return to_tensor(canvas, spec.rgb, spec.scale, spec.mean, spec.std, out)
    if not spec.rgb:
        return canvas[None]
    if out is None:
        out = np.empty((1, *canvas.shape), np.uint8)
    dst = out[0]
    swapped = cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB, dst=dst)
    if swapped is not dst:  # OpenCV silently allocates when it cannot use `dst`
        dst[...] = swapped
    return out


def preprocess(image: np.ndarray, spec: InputSpec) -> tuple[np.ndarray, Letterbox]:
    """A checked BGR frame → (model input tensor, its letterbox)."""
    tensor, geo, _ = preprocess_with_canvas(image, spec)
    return tensor, geo


def preprocess_with_canvas(
    image: np.ndarray, spec: InputSpec, out: np.ndarray | None = None
) -> tuple[np.ndarray, Letterbox, np.ndarray]:
    """As `preprocess`, also returning the uint8 canvas (motion is judged on it: a
    small image already, so no second resize of the full frame). The tensor is written
    into `out` when given (see `canvas_to_input`)."""
    canvas, geo = letterbox(check_frame(image), spec.width, spec.height, spec.fill)
    return canvas_to_input(canvas, spec, out), geo, canvas
