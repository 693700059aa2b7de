"""How fast the simulated camera draws: `python -m hardware.sim.bench_camera`.

Renders a busy tray (a `hard` scene basket with a hand sweeping across) unpaced for
`--frames` frames and prints frames per second. Run it pinned to one core
(`taskset -c 0 ...`) to check that the camera leaves the other core for inference.
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np

from hardware.sim.art_library import ArtLibrary
from hardware.sim.camera import SimulatedCamera
from hardware.sim.catalog import load_sim_catalog
from hardware.sim.layout import LEVELS, arrange, choose_skus
from hardware.sim.tray import VirtualTray


def busy_tray(seed: int = 3, items: int = 10) -> VirtualTray:
    catalog = load_sim_catalog()
    tray = VirtualTray(catalog, seed=seed)
    rng = np.random.default_rng(seed)
    level = LEVELS["hard"]
    while True:
        try:
            arrange(tray, choose_skus(catalog, items, rng, level), level, rng)
            return tray
        except ValueError:
            tray.clear()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--threads", type=int, default=1, help="OpenCV threads (default 1)")
    args = ap.parse_args(argv)
    cv2.setNumThreads(args.threads)
    w, h = (int(v) for v in args.size.split("x"))
    tray = busy_tray()
    cam = SimulatedCamera(tray, w, h, fps=30, art=ArtLibrary(tray.catalog), pace=False)
    cam.open()
    for _ in range(5):
        cam.read()

    def rate(label: str) -> None:
        t0 = time.perf_counter()
        for _ in range(args.frames):
            cam.read()
        dt = time.perf_counter() - t0
        print(f"{label:<34} {args.frames / dt:6.1f} fps ({1000 * dt / args.frames:5.1f} ms/frame)")

    print(f"{w}x{h}, {len(tray.items())} items, {args.threads} OpenCV thread(s):")
    rate("still tray")
    tray.hand_enter(50, 380, from_angle_deg=90)
    tray.hand_move(550, 150, duration_s=args.frames / 30)
    rate("hand moving over a still basket")
    # the worst case: an item slides under the moving hand, so nothing can be reused
    item = max(tray.items(), key=lambda i: i.footprint_mm[0] * i.footprint_mm[1])
    tray.hand_move(50, 380, duration_s=args.frames / 30)
    tray.move(item.item_id, 300, 200, duration_s=args.frames / 30)
    rate("item sliding and hand moving")
    cam.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
