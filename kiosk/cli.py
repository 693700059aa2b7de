"""The `kiosk` command."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from pathlib import Path

from kiosk.config import ConfigError, KioskConfig, load_config
from kiosk.store import StoreError

# `kiosk bench NAME` and `kiosk eval` hand their remaining arguments to these.
EVAL_VISION = "kiosk.vision.evaluate"
EVAL_FUSION = "kiosk.evaluation.fusion"


def _config(args: argparse.Namespace) -> KioskConfig:
    return load_config(args.config)


def _cmd_demo(args: argparse.Namespace) -> int:
    # Imported here: only the UI commands load Qt.
    from kiosk.ui.demo import run_demo

    return run_demo(_config(args))


def _cmd_run(args: argparse.Namespace) -> int:
    """The product on the configured devices, full screen on the terminal."""
    from kiosk.ui.run import run_kiosk

    return run_kiosk(_config(args))


def _cmd_doctor(args: argparse.Namespace) -> int:
    from kiosk.doctor import run_doctor

    return run_doctor(_config(args))


def _cmd_db(args: argparse.Namespace) -> int:
    from kiosk.store.tools import check_database, export_sales

    config = _config(args)
    path = args.database or config.store.database_path
    if args.action == "check":
        return check_database(path)
    return export_sales(path, args.out)


def _cmd_config(args: argparse.Namespace) -> int:
    config = load_config(args.file)
    print(f"{args.file}: ok")
    if args.show:
        print(json.dumps(config.model_dump(mode="json"), indent=2, ensure_ascii=False))
    return 0


def _cmd_models(args: argparse.Namespace) -> int:
    from kiosk.catalog_file import load_catalog
    from kiosk.models.seed import main_models

    config = _config(args)
    vc = config.vision
    return main_models(
        args.action,
        args.names,
        args.repository,
        args.source,
        vc.repository,
        {vc.model: vc.version} if vc.version is not None else {},
        config.store.data_dir,
        set(load_catalog(config.catalog.path).skus),
    )


def _cmd_calibration_card(args: argparse.Namespace) -> int:
    from kiosk.vision.camera_calibration import CalibrationCard, CalibrationError
    from kiosk.vision.card_print import card_geometry, card_svg

    try:
        card = CalibrationCard.parse(args.card, args.square_mm)
    except CalibrationError as err:
        print(f"kiosk calibration-card: {err}", file=sys.stderr)
        return 2
    args.out.write_text(card_svg(card))
    width, height, _ = card_geometry(card)
    print(f"{args.out}: {width:g} x {height:g} mm; print at 100 % and check the 100 mm bar")
    return 0


def _cmd_calibrate_camera(args: argparse.Namespace) -> int:
    """A picture of the calibration card on the tray → `[vision.camera_calibration]`."""
    import cv2

    from kiosk.vision.camera_calibration import CalibrationCard, CalibrationError, calibrate

    def read(path: Path):
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise CalibrationError(f"{path}: not a picture OpenCV can read")
        return image

    try:
        card = CalibrationCard.parse(args.card, args.square_mm)
        raised = read(args.raised) if args.raised else None
        result = calibrate(read(args.picture), card, args.focal_per_width, raised, args.raise_mm)
    except CalibrationError as err:
        print(f"kiosk calibrate-camera: {err}", file=sys.stderr)
        return 2
    cam = result.camera
    # a TOML section to paste into the kiosk's config (one decimal of a mm is plenty)
    lines = [
        "[vision.camera_calibration]",
        f"width = {cam.width}",
        f"height = {cam.height}",
        "position_mm = [{:.1f}, {:.1f}, {:.1f}]".format(*cam.position_mm),
        "look_at_mm = [{:.1f}, {:.1f}, {:.1f}]".format(*cam.look_at_mm),
        f"focal_per_width = {cam.focal_per_width:.5f}",
        f"roll_deg = {cam.roll_deg:.2f}",
    ]
    print(
        f"# {result.corners} corners fit to {result.error_px:.2f} px; focal length "
        f"{result.focal}; "
        f"camera {cam.position_mm[2]:.0f} mm over the tray",
        *lines,
        sep="\n",
    )
    return 0


def _dispatch(module: str, argv: list[str]) -> int:
    return int(importlib.import_module(module).main(argv) or 0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="AI self-checkout kiosk")
    parser.add_argument("--config", type=Path, default=None, help="TOML config file")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the kiosk on the configured devices").set_defaults(fn=_cmd_run)
    sub.add_parser("demo", help="run the demo on simulated devices").set_defaults(fn=_cmd_demo)
    sub.add_parser("doctor", help="check this terminal and say how to fix it").set_defaults(
        fn=_cmd_doctor
    )
    db = sub.add_parser("db", help="the sales database")
    db.add_argument("action", choices=["check", "export"])
    db.add_argument("--database", type=Path, default=None, help="default: from the config")
    db.add_argument("--out", type=Path, default=None, help="export file (default stdout)")
    db.set_defaults(fn=_cmd_db)
    cfg = sub.add_parser("config", help="configuration files")
    cfg.add_argument("action", choices=["check"])
    cfg.add_argument("file", type=Path)
    cfg.add_argument("--show", action="store_true", help="print the effective config")
    cfg.set_defaults(fn=_cmd_config)
    models = sub.add_parser("models", help="the kiosk's model repository (its warehouse)")
    models_sub = models.add_subparsers(dest="action", required=True)
    listing = models_sub.add_parser("list", help="every release, verified, and what it reached")
    seeding = models_sub.add_parser(
        "seed",
        help="copy the releases shipped with the code into the kiosk's own repository "
        "(the newest of each model and the config's pinned version; never over one there)",
    )
    seeding.add_argument("names", nargs="*", help="these models (default: every one)")
    seeding.add_argument(
        "--from",
        dest="source",
        type=Path,
        default=None,
        help="seed from this repository (default: the releases shipped with the code)",
    )
    for p in (listing, seeding):
        p.add_argument("--repository", type=Path, default=None, help="default: [vision] repository")
        p.set_defaults(fn=_cmd_models)
    listing.set_defaults(names=[], source=None)
    cal = sub.add_parser(
        "calibrate-camera",
        help="measure where the camera hangs from a picture of the calibration card on "
        "the tray; prints the [vision.camera_calibration] section (the size check needs it)",
    )
    cal.add_argument("picture", type=Path, help="the card lying flat on the empty tray")
    cal.add_argument("--card", default="9x6", help="inner corners, COLSxROWS (default 9x6)")
    cal.add_argument("--square-mm", type=float, default=25.0, help="square size (default 25)")
    cal.add_argument(
        "--focal-per-width",
        type=float,
        default=None,
        help="the lens's focal length over the image width, if known (else solved)",
    )
    cal.add_argument(
        "--raised",
        type=Path,
        default=None,
        help="a second picture, the card lying on a block --raise-mm high (pins the focal length)",
    )
    cal.add_argument("--raise-mm", type=float, default=None, help="the block's height")
    cal.set_defaults(fn=_cmd_calibrate_camera)
    card = sub.add_parser(
        "calibration-card",
        help="the calibration card to print (SVG in mm) for calibrate-camera and the "
        "staff panel's camera calibration",
    )
    card.add_argument("--out", type=Path, required=True, help="SVG file to write")
    card.add_argument("--card", default="9x6", help="inner corners, COLSxROWS (default 9x6)")
    card.add_argument("--square-mm", type=float, default=25.0, help="square size (default 25)")
    card.set_defaults(fn=_cmd_calibration_card)
    bench = sub.add_parser("bench", help="benchmarks, printed as JSON")
    bench.add_argument("name", help="store | vision | sync | ui | calibration")
    bench.add_argument("rest", nargs=argparse.REMAINDER)
    bench.set_defaults(fn=lambda a: _dispatch(f"kiosk.bench.{a.name}", a.rest))
    ev = sub.add_parser(
        "eval",
        help="the shipped model's accuracy on held-out scenes (--fusion: with the weight "
        "decision; --fusion --detector simulated: the engine alone)",
    )
    ev.add_argument("rest", nargs=argparse.REMAINDER)
    ev.set_defaults(
        fn=lambda a: _dispatch(
            EVAL_FUSION if "--fusion" in a.rest else EVAL_VISION,
            [x for x in a.rest if x != "--fusion"],
        )
    )
    return parser


def _split_passthrough(argv: list[str]) -> tuple[list[str], list[str]]:
    """`kiosk [--config F] [-v] bench NAME ARGS...` / `... eval ARGS...`: ARGS belong to
    the command's own parser, untouched and in order (argparse would reorder them)."""
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        i += 2 if argv[i] == "--config" else 1
    if i < len(argv) and argv[i] in ("bench", "eval"):
        keep = 2 if argv[i] == "bench" and i + 1 < len(argv) else 1
        return argv[: i + keep], argv[i + keep :]
    return argv, []


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv, passthrough = _split_passthrough(list(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    if args.command in ("bench", "eval"):
        args.rest = list(args.rest) + passthrough
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.fn(args)
    except (ConfigError, StoreError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `kiosk db export | head`: the reader left, not an error
        sys.stderr.close()
        return 0
    except ModuleNotFoundError as err:
        if args.command in ("bench", "eval"):
            print(f"error: {err.name} is not available yet", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
