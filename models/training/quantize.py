"""int8 QDQ static quantization of an exported TrayNet, calibrated on real scenes.

    python -m models.training.quantize --onnx var/train/run1/model.onnx \\
        --calibration var/scenes/val-s1 --out var/train/run1/model.int8.onnx

QDQ (QuantizeLinear/DequantizeLinear pairs around each Conv) is the format NPU
compilers and onnxruntime's int8 kernels take. Activations are calibrated with
per-tensor ranges (min/max by default) over letterboxed validation images (through the kiosk's own
pre-processing); weights are per-channel. The detection head's last convolutions and
the decode stay in float (see `int8_nodes`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import onnx
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process

from kiosk.vision.preprocess import InputSpec, preprocess
from kiosk.vision.scenes import iter_scenes


class SceneReader(CalibrationDataReader):
    def __init__(self, data: Path, spec: InputSpec, input_name: str, count: int):
        self.items = []
        for scene in iter_scenes(data, count):
            tensor, _ = preprocess(scene.read_image(), spec)
            self.items.append({input_name: tensor})
        self._it = iter(self.items)

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._it, None)

    def rewind(self) -> None:
        self._it = iter(self.items)


BODY = ("/net/stem", "/net/stage", "/net/lat", "/net/up", "/net/fuse", "/net/down", "/net/pan",
        "/net/heads")  # fmt: skip


def int8_nodes(model: onnx.ModelProto) -> list[str]:
    """The nodes to run in int8: backbone, neck and heads, except the last conv of every
    head branch (box distances and class logits lose most to rounding, and they are a
    tiny share of the compute) and everything after the heads: the decode concatenates
    pixel coordinates with 0..1 scores, which no single int8 scale can hold."""
    produced_by = {out: node for node in model.graph.node for out in node.output}
    keep = []
    for node in model.graph.node:
        if node.op_type == "Conv":
            last = any(f"heads.{i}.{b}.1.weight" in node.input[1] for i in range(3)
                       for b in ("box", "cls"))  # fmt: skip
            if not last:
                keep.append(node.name)
            continue
        body_op = node.op_type in ("Add", "Resize") and node.name.startswith(BODY)
        neck_concat = node.op_type == "Concat" and all(
            i in produced_by and produced_by[i].op_type in ("Relu", "Resize") for i in node.input
        )
        if body_op or neck_concat:
            keep.append(node.name)
    return keep


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--onnx", type=Path, required=True)
    ap.add_argument("--calibration", type=Path, required=True, help="scene set (not test)")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--method", choices=["minmax", "percentile", "entropy"], default="minmax")
    args = ap.parse_args(argv)
    method = {
        "minmax": CalibrationMethod.MinMax,
        "percentile": CalibrationMethod.Percentile,
        "entropy": CalibrationMethod.Entropy,
    }[args.method]

    model = onnx.load(str(args.onnx))
    inp = model.graph.input[0]
    dims = [d.dim_value for d in inp.type.tensor_type.shape.dim]
    spec = InputSpec(width=dims[3], height=dims[2])
    pre = args.out.with_suffix(".pre.onnx")
    quant_pre_process(str(args.onnx), str(pre), skip_symbolic_shape=True)
    reader = SceneReader(args.calibration, spec, inp.name, args.count)
    quantize_static(
        str(pre),
        str(args.out),
        reader,
        quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        per_channel=True,
        calibrate_method=method,
        nodes_to_quantize=int8_nodes(onnx.load(str(pre))),
        op_types_to_quantize=["Conv", "Add", "Concat", "Resize"],
        extra_options={"CalibPercentile": 99.99},
    )
    pre.unlink(missing_ok=True)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
