"""TrayNet: a compact anchor-free detector for tray checkout, built for an edge NPU.

Why this shape (see README.md beside this file for the measurements):
- Only Conv 3x3/1x1, ReLU, Add, Concat, nearest Resize, Sigmoid, Mul/Sub: every
  edge NPU toolchain (RKNN, VSI/Vivante, Hexagon/QNN, Ethos) runs these natively and
  quantizes them to int8 well. No SiLU/Swish (a Sigmoid-Mul pair per activation,
  poorly fused on several NPUs and costly on CPU), no depthwise convolutions (under-use
  NPU MAC arrays and train slowly on a CPU), no attention, no DFL softmax.
- Three levels, strides 8/16/32: the smallest product seen from above (a lighter,
  about 25 x 80 mm) stays above a few cells at stride 8; the largest (a toast bag) fits
  the stride-32 range.
- Box distances are `sigmoid(x) * 8 * stride` from each cell centre: bounded (stable on
  CPU training, int8-friendly) and plain operators.
- The export appends the decode so the output is the Ultralytics YOLOv8 layout:
  `[1, 4 + classes, anchors]` with cx, cy, w, h in input pixels and sigmoid scores.
"""

from __future__ import annotations

import torch
from torch import nn

STRIDES = (8, 16, 32)
REACH = 8.0  # a cell reaches at most REACH strides from its centre in each direction


class ConvBNReLU(nn.Sequential):
    def __init__(self, cin: int, cout: int, k: int = 3, s: int = 1):
        super().__init__(
            nn.Conv2d(cin, cout, k, s, k // 2, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        )


class Residual(nn.Module):
    """Two 3x3 convolutions with an identity shortcut (a ResNet basic block)."""

    def __init__(self, c: int):
        super().__init__()
        self.a = ConvBNReLU(c, c)
        self.b = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(x + self.b(self.a(x)))


class Head(nn.Module):
    """One level's head: a shared 3x3, then separate box and class branches."""

    def __init__(self, c: int, num_classes: int):
        super().__init__()
        self.stem = ConvBNReLU(c, c)
        self.box = nn.Sequential(ConvBNReLU(c, c // 2), nn.Conv2d(c // 2, 4, 1))
        self.cls = nn.Sequential(ConvBNReLU(c, c), nn.Conv2d(c, num_classes, 1))
        prior = 0.01  # the focal-loss prior: a fresh model says "nothing here"
        nn.init.constant_(self.cls[-1].bias, -torch.log(torch.tensor((1 - prior) / prior)).item())
        nn.init.constant_(self.box[-1].bias, -2.0)  # about one stride to each side

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.stem(x)
        return self.box(x), self.cls(x)


class TrayNet(nn.Module):
    def __init__(
        self,
        num_classes: int,
        input_size: tuple[int, int],  # width, height
        widths: tuple[int, ...] = (16, 32, 48, 96, 128),
        neck: int = 48,
        depths: tuple[int, ...] = (0, 1, 1, 1),
    ):
        super().__init__()
        w, h = input_size
        if w % 32 or h % 32:
            raise ValueError(f"input size {w}x{h} must be a multiple of 32")
        self.num_classes = num_classes
        self.input_size = input_size
        self.config = {"widths": list(widths), "neck": neck, "depths": list(depths)}
        c1, c2, c3, c4, c5 = widths

        def stage(cin: int, cout: int, blocks: int) -> nn.Sequential:
            return nn.Sequential(
                ConvBNReLU(cin, cout, 3, 2), *(Residual(cout) for _ in range(blocks))
            )

        self.stem = ConvBNReLU(3, c1, 3, 2)  # /2
        self.stage2 = stage(c1, c2, depths[0])  # /4
        self.stage3 = stage(c2, c3, depths[1])  # /8
        self.stage4 = stage(c3, c4, depths[2])  # /16
        self.stage5 = stage(c4, c5, depths[3])  # /32
        self.lat5 = ConvBNReLU(c5, neck, 1)
        self.lat4 = ConvBNReLU(c4, neck, 1)
        self.lat3 = ConvBNReLU(c3, neck, 1)
        self.up = nn.Upsample(scale_factor=2.0, mode="nearest")
        self.fuse4 = ConvBNReLU(2 * neck, neck)
        self.fuse3 = ConvBNReLU(2 * neck, neck)
        # Bottom-up path: the big-item levels see the fine detail of the small one.
        self.down3 = ConvBNReLU(neck, neck, 3, 2)
        self.pan4 = ConvBNReLU(2 * neck, neck)
        self.down4 = ConvBNReLU(neck, neck, 3, 2)
        self.pan5 = ConvBNReLU(2 * neck, neck)
        self.heads = nn.ModuleList(Head(neck, num_classes) for _ in STRIDES)
        anchors, strides = make_anchors(w, h)
        self.register_buffer("anchors", anchors, persistent=False)  # (N, 2) cell centres
        self.register_buffer("strides", strides, persistent=False)  # (N, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Image batch → (boxes x1, y1, x2, y2 in input pixels (B, N, 4), class logits
        (B, N, C)), cells of all levels concatenated, stride 8 first."""
        c3 = self.stage3(self.stage2(self.stem(x)))
        c4 = self.stage4(c3)
        c5 = self.stage5(c4)
        p5 = self.lat5(c5)
        p4 = self.fuse4(torch.cat([self.up(p5), self.lat4(c4)], 1))
        p3 = self.fuse3(torch.cat([self.up(p4), self.lat3(c3)], 1))
        n4 = self.pan4(torch.cat([self.down3(p3), p4], 1))
        n5 = self.pan5(torch.cat([self.down4(n4), p5], 1))
        regs, logits = [], []
        for head, feat in zip(self.heads, (p3, n4, n5), strict=True):
            r, c = head(feat)
            regs.append(r.flatten(2))
            logits.append(c.flatten(2))
        reg = torch.cat(regs, 2).transpose(1, 2)  # (B, N, 4)
        cls = torch.cat(logits, 2).transpose(1, 2)  # (B, N, C)
        dist = torch.sigmoid(reg) * (self.strides * REACH)
        lt = self.anchors - dist[..., :2]
        rb = self.anchors + dist[..., 2:]
        return torch.cat([lt, rb], -1), cls


class YoloV8Export(nn.Module):
    """The deployable graph: image → [1, 4 + C, N] in the Ultralytics layout."""

    def __init__(self, net: TrayNet):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        boxes, logits = self.net(x)
        xy = (boxes[..., :2] + boxes[..., 2:]) * 0.5
        wh = boxes[..., 2:] - boxes[..., :2]
        return torch.cat([xy, wh, torch.sigmoid(logits)], -1).transpose(1, 2)


def make_anchors(width: int, height: int) -> tuple[torch.Tensor, torch.Tensor]:
    points, strides = [], []
    for s in STRIDES:
        gy, gx = torch.meshgrid(
            torch.arange(height // s, dtype=torch.float32),
            torch.arange(width // s, dtype=torch.float32),
            indexing="ij",
        )
        points.append(torch.stack([gx, gy], -1).reshape(-1, 2) * s + s / 2)
        strides.append(torch.full((points[-1].shape[0], 1), float(s)))
    return torch.cat(points), torch.cat(strides)


def num_anchors(width: int, height: int) -> int:
    return sum((width // s) * (height // s) for s in STRIDES)


@torch.no_grad()
def fuse_batchnorm(model: nn.Module) -> nn.Module:
    """Fold every BatchNorm that follows a Conv into the Conv (in place, eval only):
    the exported graph is Conv+ReLU only, what NPUs fuse best."""
    for name, child in list(model.named_children()):
        if isinstance(child, nn.Sequential):
            setattr(model, name, _fuse_sequential(child))
        else:
            fuse_batchnorm(child)
    return model


def _fuse_sequential(seq: nn.Sequential) -> nn.Sequential:
    layers = list(seq)
    out: list[nn.Module] = []
    i = 0
    while i < len(layers):
        layer = layers[i]
        nxt = layers[i + 1] if i + 1 < len(layers) else None
        if isinstance(layer, nn.Conv2d) and isinstance(nxt, nn.BatchNorm2d):
            out.append(_fold(layer, nxt))
            i += 2
            continue
        if isinstance(layer, nn.Sequential):
            out.append(_fuse_sequential(layer))
        else:
            out.append(fuse_batchnorm(layer))
        i += 1
    return nn.Sequential(*out)


def _fold(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    fused = nn.Conv2d(
        conv.in_channels,
        conv.out_channels,
        conv.kernel_size,
        conv.stride,
        conv.padding,
        bias=True,
    )
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    fused.weight.copy_(conv.weight * scale[:, None, None, None])
    bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
    fused.bias.copy_((bias - bn.running_mean) * scale + bn.bias)
    return fused


@torch.no_grad()
def grow(net: TrayNet, state: dict[str, torch.Tensor]) -> list[str]:
    """Load a trained TrayNet's weights into `net`, whose stages may hold more residual
    blocks than the trained one's; returns the names of the blocks that are new.

    Why: the trained net scores the same on its own training scenes as on held-out
    ones (hard level 0.78 and 0.79): it is short of capacity, not of data. A new block
    starts as the identity (its last BatchNorm's scale is zero, so it adds nothing, and
    its input, a ReLU's output, passes the closing ReLU unchanged): the grown net
    computes exactly what the trained one did, and training goes on from there instead
    of from scratch. Every tensor of `state` must find a place of the same shape.
    """
    own = net.state_dict()
    for name, tensor in state.items():
        if name not in own:
            raise ValueError(f"{name} of the trained net has no place in the grown one")
        if own[name].shape != tensor.shape:
            raise ValueError(
                f"{name}: {tuple(tensor.shape)} in the trained net, "
                f"{tuple(own[name].shape)} in the grown one (only depth may grow)"
            )
    missing = net.load_state_dict(state, strict=False).missing_keys
    new: list[str] = []
    for name, module in net.named_modules():
        if isinstance(module, Residual) and any(k.startswith(name + ".") for k in missing):
            module.b[1].weight.zero_()
            new.append(name)
    stray = [k for k in missing if not any(k.startswith(b + ".") for b in new)]
    if stray:
        raise ValueError(f"the grown net has new weights outside new blocks: {stray[:4]}")
    return new
