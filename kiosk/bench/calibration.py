"""`kiosk bench calibration --json`: how well the fitter's camera calibration measures
simulated kiosks.

For each of the scene sets' camera rigs and several counters, trays and lights, the
card is laid at a random place and turn on the empty tray, and again on a 100 mm
block; `kiosk.vision.camera_calibration` reads the pictures once with the flat
picture alone and once with both. Reported per way: how many fittings gave a camera,
how many were refused (with a reason for the fitter), and the worst errors of the
camera's height and focal length against the simulator's true pinhole. A wrong camera
(height off by more than `--tolerance`) is the failure that matters: the size check
would then misjudge every can.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter

import numpy as np


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="kiosk bench calibration", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--rigs", type=int, default=8, help="camera rigs (the scene sets have 8)")
    ap.add_argument("--per-rig", type=int, default=6, help="fittings per rig")
    ap.add_argument("--tolerance", type=float, default=0.015, help="height error counted wrong")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    from hardware.sim.art_library import ArtLibrary
    from hardware.sim.calibration_card import RAISE_MM, place_card
    from hardware.sim.catalog import load_sim_catalog
    from hardware.sim.render import SceneLook, TrayRenderer
    from hardware.sim.scenes import rig_camera
    from hardware.sim.tray import VirtualTray
    from kiosk.vision.camera_calibration import CalibrationCard, CalibrationError, calibrate

    catalog = load_sim_catalog()
    art = ArtLibrary(catalog)
    card = CalibrationCard()
    ways = {"one_picture": {}, "two_pictures": {"raise_mm": RAISE_MM}}
    counts = {w: Counter() for w in ways}
    worst = {w: {"height": 0.0, "focal": 0.0} for w in ways}
    reasons = {w: Counter() for w in ways}
    seconds = []
    for rig in range(args.rigs):
        cam = rig_camera(rig, (1280, 720))
        renderer = TrayRenderer(art, cam)
        for k in range(args.per_rig):
            rng = np.random.default_rng(100 * rig + k)
            look = SceneLook.random(rng, k / max(args.per_rig - 1, 1))
            tray = renderer.render(VirtualTray(catalog, seed=k).snapshot(), look, rng).image
            at = (rng.uniform(20, 330), rng.uniform(20, 200))
            turn = rng.uniform(-20, 20)
            flat = place_card(tray, cam, at, turn, seed=k)
            moved = (at[0] + rng.uniform(-20, 20), at[1] + rng.uniform(-20, 20))
            raised = place_card(tray, cam, moved, turn + rng.uniform(-10, 10), seed=k + 50,
                                height_mm=RAISE_MM)  # fmt: skip
            for way, extra in ways.items():
                t0 = time.perf_counter()
                try:
                    got = calibrate(flat, card, raised=raised if extra else None, **extra).camera
                except CalibrationError as err:
                    counts[way]["refused"] += 1
                    reasons[way][str(err).split(":")[0][:60]] += 1
                    continue
                finally:
                    seconds.append(time.perf_counter() - t0)
                dh = abs(got.position_mm[2] / cam.position_mm[2] - 1)
                df = abs(got.focal_per_width / cam.focal_per_width - 1)
                counts[way]["right" if dh <= args.tolerance else "wrong"] += 1
                worst[way]["height"] = max(worst[way]["height"], dh)
                worst[way]["focal"] = max(worst[way]["focal"], df)
    result = {
        "fittings": args.rigs * args.per_rig,
        "tolerance": args.tolerance,
        **{
            way: {
                "right": counts[way]["right"],
                "wrong": counts[way]["wrong"],
                "refused": counts[way]["refused"],
                "worst_height_error": round(worst[way]["height"], 4),
                "worst_focal_error": round(worst[way]["focal"], 4),
                "refusals": dict(reasons[way]),
            }
            for way in ways
        },
        "calibrate_ms_p50": round(float(np.median(seconds)) * 1000, 1),
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
