"""Rewrite an exported ONNX model to take the camera's bytes: uint8 NHWC BGR.

    python -m models.training.uint8_input IN.onnx OUT.onnx [--input images] [--color RGB]

An NPU deployment takes uint8 NHWC input and converts the pixels inside the model
(RKNN and similar compilers fold the scale, mean and std into the first layer). This
does the same for any float32 NCHW image input: the rewritten graph takes the bytes the
kiosk already holds (the letterboxed canvas, the cut crops) and itself does what
`kiosk.vision.preprocess.to_tensor` and `kiosk.vision.crops.crops_to_tensor` do in
numpy: NHWC → NCHW, BGR → the model's colour order, uint8 → float32, × scale, − mean,
÷ std. The rest of the graph is unchanged, and the input keeps its name.

The order is Transpose (on bytes) → channel flip (a Gather over the 3 planes) → Cast
→ Mul (→ Sub, Div). Transposing and flipping move whole values, so any order gives the
same floats; this one is the fastest in onnxruntime (a Gather across the innermost
NHWC axis costs 20 times the whole conversion). The scale is the same float32 constant
`to_tensor` multiplies by, so the model sees bit for bit the tensor the kiosk made
before (`tests/models/test_uint8_input.py` holds outputs to it on real frames).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def _float_nchw_input(graph: onnx.GraphProto, name: str) -> onnx.ValueInfoProto:
    arg = next((i for i in graph.input if i.name == name), None)
    if arg is None:
        raise ValueError(f"the model has no input {name!r} (has {[i.name for i in graph.input]})")
    t = arg.type.tensor_type
    dims = list(t.shape.dim)
    if t.elem_type != TensorProto.FLOAT or len(dims) != 4 or dims[1].dim_value != 3:
        shape = [d.dim_value or d.dim_param for d in dims]
        raise ValueError(f"input {name!r} is not a float32 [N, 3, H, W] image ({shape})")
    return arg


def uint8_input(
    model: onnx.ModelProto,
    input_name: str,
    color: str = "RGB",
    scale: float = 1.0 / 255.0,
    mean: Sequence[float] = (0.0, 0.0, 0.0),
    std: Sequence[float] = (1.0, 1.0, 1.0),
) -> onnx.ModelProto:
    """A copy of `model` whose float32 NCHW input `input_name` (in colour order `color`,
    normalised as `scale`, `mean`, `std` say) becomes uint8 NHWC BGR of the same name."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    graph = out.graph
    old = _float_nchw_input(graph, input_name)
    n, _, h, w = old.type.tensor_type.shape.dim
    inner = f"{input_name}/float_nchw"
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name == input_name:
                node.input[i] = inner

    prefix = f"{input_name}/uint8_input"
    consts = {"scale": np.array(scale, np.float32)}
    steps = [("Transpose", {"perm": [0, 3, 1, 2]})]
    if color == "RGB":
        consts["flip"] = np.array([2, 1, 0], np.int64)
        steps.append(("Gather", {"axis": 1}))
    elif color != "BGR":
        raise ValueError(f"color must be RGB or BGR, got {color!r}")
    steps += [("Cast", {"to": TensorProto.FLOAT}), ("Mul", {})]
    # As `to_tensor`: per-channel constants broadcast over (N, 3, H, W), and no node at
    # all for the identity, so a plain 0..1 model gets nothing but the scale.
    if any(mean):
        consts["mean"] = np.asarray(mean, np.float32).reshape(1, 3, 1, 1)
        steps.append(("Sub", {}))
    if any(s != 1.0 for s in std):
        consts["std"] = np.asarray(std, np.float32).reshape(1, 3, 1, 1)
        steps.append(("Div", {}))
    const_of = {"Gather": "flip", "Mul": "scale", "Sub": "mean", "Div": "std"}

    nodes, cur = [], input_name
    for k, (op, attrs) in enumerate(steps):
        nxt = inner if k == len(steps) - 1 else f"{prefix}/{op}_output"
        ins = [cur] + ([f"{prefix}/{const_of[op]}"] if op in const_of else [])
        nodes.append(helper.make_node(op, ins, [nxt], name=f"{prefix}/{op}", **attrs))
        cur = nxt
    for node in reversed(nodes):
        graph.node.insert(0, node)
    graph.initializer.extend(numpy_helper.from_array(v, f"{prefix}/{k}") for k, v in consts.items())

    new = helper.make_tensor_value_info(input_name, TensorProto.UINT8, None)
    dims = new.type.tensor_type.shape.dim
    for d in (n, h, w):
        dims.add().CopyFrom(d)
    dims.add().dim_value = 3
    position = list(graph.input).index(old)
    graph.input.remove(old)
    graph.input.insert(position, new)
    onnx.checker.check_model(out)
    return out


def rewrite_file(
    src: Path,
    dst: Path,
    input_name: str,
    color: str = "RGB",
    scale: float = 1.0 / 255.0,
    mean: Sequence[float] = (0.0, 0.0, 0.0),
    std: Sequence[float] = (1.0, 1.0, 1.0),
) -> bytes:
    """`uint8_input` from file to file; returns the new model's bytes."""
    model = uint8_input(onnx.load(str(src)), input_name, color, scale, mean, std)
    data = model.SerializeToString()
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(data)
    return data


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    ap.add_argument("--input", default=None, help="the image input (default: the first input)")
    ap.add_argument("--color", default="RGB", choices=["RGB", "BGR"],
                    help="channel order the original model expects")  # fmt: skip
    args = ap.parse_args(argv)
    name = args.input or onnx.load(str(args.src)).graph.input[0].name
    data = rewrite_file(args.src, args.dst, name, args.color)
    print(f"wrote {args.dst} ({len(data)} bytes): {name!r} takes uint8 NHWC BGR")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
