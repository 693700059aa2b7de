"""Export a trained TrayNet to ONNX in the Ultralytics YOLOv8 layout, and load it back.

`python -m models.training.export --checkpoint var/train/RUN/best.pt --out model.onnx`

The export folds BatchNorm into the convolutions first, so the graph is Conv, Relu,
Add, Concat, Resize, Sigmoid and a handful of element-wise ops: what NPU compilers
take. `load_onnx_weights` rebuilds the torch model from an exported file (the
train/serve consistency test runs the shipped model through torch that way).
"""

from __future__ import annotations

import argparse
import io
import warnings
from pathlib import Path
from typing import TypeVar

import torch

from models.training.net import TrayNet, YoloV8Export, fuse_batchnorm

M = TypeVar("M", bound=torch.nn.Module)

OPSET = 17
INPUT_NAME = "images"
OUTPUT_NAME = "output0"  # Ultralytics' names, so tools that expect them work


def export_onnx(net: TrayNet, path: Path | None = None, opset: int = OPSET) -> bytes:
    """The deployable ONNX bytes of `net` (a copy is fused; `net` is left as it is)."""
    import copy

    model = YoloV8Export(fuse_batchnorm(copy.deepcopy(net).eval())).eval()
    w, h = net.input_size
    dummy = torch.zeros(1, 3, h, w)
    buf = io.BytesIO()
    with warnings.catch_warnings():
        # The TorchScript exporter announces its own deprecation; it is still the one
        # that needs no extra packages and gives plain, named initializers.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (dummy,),
            buf,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False,
        )
    data = buf.getvalue()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return data


def deploy_model(net: TrayNet) -> YoloV8Export:
    """The fused export module, in torch: what the ONNX file computes."""
    import copy

    return YoloV8Export(fuse_batchnorm(copy.deepcopy(net).eval())).eval()


def load_onnx_weights(path: Path, num_classes: int, input_size: tuple[int, int],
                      **arch: object) -> YoloV8Export:  # fmt: skip
    """A torch `YoloV8Export` carrying the weights of an exported ONNX file."""
    net = TrayNet(num_classes, input_size, **arch)  # type: ignore[arg-type]
    return load_initializers(deploy_model(net), path, "TrayNet")


def load_initializers(deploy: M, path: Path, kind: str) -> M:
    """Fill a fused deploy module with the initializers of the ONNX file exported from
    it (named as its state dict); `ValueError` when the file lacks some of them."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    weights = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    # The exporter shares identical initializers (fresh biases often are) through
    # Identity nodes.
    for node in model.graph.node:
        if node.op_type == "Identity" and node.input[0] in weights:
            weights[node.output[0]] = weights[node.input[0]]
    state = deploy.state_dict()
    missing = [k for k in state if k not in weights]
    if missing:
        raise ValueError(f"{path}: ONNX lacks weights for {missing[:5]} (not a {kind} export?)")
    deploy.load_state_dict({k: torch.from_numpy(weights[k].copy()) for k in state})
    return deploy.eval()


def main(argv: list[str] | None = None) -> int:
    from models.training.train import load_checkpoint_model

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--opset", type=int, default=OPSET)
    args = ap.parse_args(argv)
    net, _ = load_checkpoint_model(args.checkpoint)
    data = export_onnx(net, args.out, args.opset)
    print(f"wrote {args.out} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
