"""OpenCV camera configuration (the simulated camera has its own, next to it)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class OpenCvCameraConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["opencv"] = "opencv"
    source: str = Field(
        description="Device index ('0'), /dev/v4l/by-id/... (stable across replugs),"
        " rtsp://..., a video file, or a GStreamer pipeline ending in appsink."
    )
    backend: Literal["auto", "v4l2", "gstreamer", "ffmpeg"] = "auto"
    width: int | None = Field(None, gt=0, description="Requested; the actual is reported.")
    height: int | None = Field(None, gt=0)
    fps: float | None = Field(None, gt=0)
    loop_file: bool = Field(False, description="Video files: start again at the end.")
    frozen_after_s: float = Field(2.0, gt=0)
    black_mean_below: float = Field(16.0, ge=0)
    black_after_s: float = Field(1.0, ge=0)
    backoff_initial_s: float = Field(0.5, gt=0)
    backoff_max_s: float = Field(5.0, gt=0)
