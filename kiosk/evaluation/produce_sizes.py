"""Learn how loose produce's weight follows its apparent size, from pieces weighed.

    python -m kiosk.evaluation.produce_sizes --scene-dir var/scenes/train-s4-mixed ... [--json]

Each piece of produce the camera can measure (nothing covers it, it lies on the tray,
not cut by the picture's edge: the kiosk's own rule, `ProduceSizer.measure`) gives its
apparent linear size against the catalog's nominal size, and its weight. A heavier
piece is a bigger one: weight = nominal x (size / looks)^3. Per SKU:

    looks   the apparent size of a nominal piece (median of size / (weight/nominal)^(1/3))
    sd      the log spread of weight around that law (3 x the robust spread of the size's
            residual): the shape and density of the pieces, and the measurement

A store learns the same from sales: a piece of one produce alone on the tray is a
weighing with its picture. The result goes into the catalog's `size_weight`. Reads
scene sets' truth (boxes of what is visible, weights), not the test split.

The truth's boxes are tighter than the detector's: the demo catalog carries 1.5 x the
`sd` fitted here on training sets (train-s4-hard/stacked/mixed), the factor chosen on
1,500 validation scenes with `kiosk eval --fusion --scene-dir` (1 x: as many wrong
receipts, twice the honest baskets asked; 2 x: one more wrong receipt).
"""

from __future__ import annotations

import argparse
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from hardware.camera.pinhole import CameraModel
from kiosk.catalog_file import DEMO_CATALOG, load_catalog
from kiosk.domain.catalog import Catalog
from kiosk.domain.tray_view import Candidate, SeenItem, TrayView
from kiosk.vision.produce_size import ProduceSizer

MAD_TO_SD = 1.4826


def samples(
    manifests: Iterable[dict], catalog: Catalog, sizer: ProduceSizer
) -> dict[str, list[tuple[float, float]]]:
    """SKU -> (log apparent size, log of the size its weight implies) per measured piece."""
    out: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for doc in manifests:
        if not doc.get("camera"):
            continue
        camera = CameraModel.from_dict(doc["camera"])
        shown = [it for it in doc["items"] if it.get("visible_box") and not it.get("hidden")]
        if not shown:
            continue
        view = TrayView(
            items=tuple(
                SeenItem(tuple(float(v) for v in it["visible_box"]), (Candidate(it["sku"], 1.0),))
                for it in shown
            ),
            frame_size=(int(doc["size"][0]), int(doc["size"][1])),
            frames=1,
            timestamp=0.0,
        )
        for it, seen in zip(shown, sizer.measure(view, camera).items, strict=True):
            # only what lies on the tray itself, and in full view (a cut outline is small)
            if not seen.sizes or it.get("resting_on") is not None:
                continue
            if it.get("visible_fraction", 1.0) < 0.97:
                continue
            ((sku, scale),) = seen.sizes
            nominal = catalog.get(sku).weight_g
            out[sku].append((math.log(scale), math.log(float(it["weight_g"]) / nominal) / 3))
    return out


def fit(pairs: Sequence[tuple[float, float]]) -> dict:
    a = np.asarray(pairs, np.float64)
    resid = a[:, 0] - a[:, 1]
    bias = float(np.median(resid))
    mad = float(np.median(np.abs(resid - bias)))
    return {"looks": round(math.exp(bias), 4), "sd": round(3 * MAD_TO_SD * mad, 4), "n": len(a)}


def read_manifests(dirs: Sequence[Path]) -> Iterable[dict]:
    for d in dirs:
        for path in sorted((d / "manifests").glob("*.json")):
            yield json.loads(path.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kiosk.evaluation.produce_sizes")
    ap.add_argument("--scene-dir", type=Path, nargs="+", required=True)
    ap.add_argument("--catalog", type=Path, default=DEMO_CATALOG)
    ap.add_argument("--min-pieces", type=int, default=30)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    catalog = load_catalog(args.catalog)
    found = samples(read_manifests(args.scene_dir), catalog, ProduceSizer.from_catalog(catalog))
    result = {sku: fit(p) for sku, p in sorted(found.items()) if len(p) >= args.min_pieces}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for sku, r in result.items():
            print(f"{sku:16s} looks {r['looks']:.3f}  sd {r['sd']:.3f}  ({r['n']} pieces)")
    return 0 if result else 1


if __name__ == "__main__":
    raise SystemExit(main())
