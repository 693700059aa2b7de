"""CropNet: the second-stage item classifier (one crop per detected box → SKU).

Why this shape:
- The same operator set as TrayNet (Conv, ReLU, Add, global average pool, Gemm,
  Softmax): what edge NPU compilers take and quantise well.
- A 4x4 stride-4 stem: the crop is 128 px so a flavour word on a pack stays legible,
  but the first layers need not run at full resolution; the stem turns pixels into
  32x32 patches of features in one cheap step (as ConvNeXt/ViT stems do).
- The box geometry (size and place in the frame, `kiosk.vision.crops.box_geometry`)
  joins the pooled features before the classifier layer: a crop is scaled to a fixed
  size, so without it a 500 ml can and a 330 ml can of the same beer would look the
  same; with the place, the net can read perspective (a taller can, off-centre, shows
  more wall).
- Output: softmax probabilities, `[N, classes]`; N is dynamic, so one run classifies
  every box of a frame.
"""

from __future__ import annotations

import torch
from torch import nn

from kiosk.vision.crops import GEOMETRY_FEATURES
from models.training.net import ConvBNReLU, Residual

CROP_SIZE = 128


class CropNet(nn.Module):
    def __init__(self, num_classes: int, width: int = 32, crop_size: int = CROP_SIZE):
        super().__init__()
        c = width
        self.crop_size = crop_size
        self.width = width
        self.features = nn.Sequential(
            ConvBNReLU(3, c, k=4, s=4),  # 128 → 32
            Residual(c),
            ConvBNReLU(c, 2 * c, s=2),  # → 16
            Residual(2 * c),
            ConvBNReLU(2 * c, 4 * c, s=2),  # → 8
            Residual(4 * c),
            ConvBNReLU(4 * c, 8 * c, s=2),  # → 4
            Residual(8 * c),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Sequential(
            nn.Linear(8 * c + GEOMETRY_FEATURES, 4 * c),
            nn.ReLU(inplace=True),
            nn.Dropout(0.1),
            nn.Linear(4 * c, num_classes),
        )

    def forward(self, crops: torch.Tensor, geometry: torch.Tensor) -> torch.Tensor:
        """Logits (N, classes)."""
        f = self.pool(self.features(crops)).flatten(1)
        return self.head(torch.cat([f, geometry], 1))


class CropNetExport(nn.Module):
    """What the ONNX file computes: probabilities, not logits."""

    def __init__(self, net: CropNet):
        super().__init__()
        self.net = net

    def forward(self, crops: torch.Tensor, geometry: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(crops, geometry), dim=1)
