"""Talk to a scale by hand, for installers and support.

    python -m hardware.scale read --url /dev/serial/by-id/usb-... --protocol mtsics --json
    python -m hardware.scale zero --url ... --protocol nci
    python -m hardware.scale identify --url ... --protocol toledo8217

Works with any device speaking the protocol, not only our simulator.
Exit status: 0 done, 2 the scale answered with a fault, 3 no usable reply.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from pydantic import TypeAdapter, ValidationError

from .config import ScaleConfig
from .frames import Fault, Motion, Weight
from .link import LinkLost, NoReply, ScaleLink
from .protocol import protocol_for
from .stability import StabilityWindow

_CONFIG = TypeAdapter(ScaleConfig)


def _config(args: argparse.Namespace):
    raw: dict = {"type": args.protocol, "url": args.url}
    for key in ("baudrate", "bytesize", "parity", "stopbits"):
        if getattr(args, key) is not None:
            raw[key] = getattr(args, key)
    raw["timing"] = {"reply_timeout_s": args.reply_timeout}
    return _CONFIG.validate_python(raw)


def _print(args: argparse.Namespace, payload: dict, text: str) -> None:
    print(json.dumps(payload) if args.json else text)


def _read(link: ScaleLink, config, args) -> int:
    window = StabilityWindow(config.stability.span_s, config.stability.tolerance_g)
    deadline = time.monotonic() + args.timeout
    device = link.identify(config.timing.reply_timeout_s).describe()
    last = None
    while time.monotonic() < deadline:
        try:
            reply, _ = link.exchange(link.protocol.weigh, config.timing.reply_timeout_s)
        except NoReply:
            continue
        if isinstance(reply, Weight):
            last = reply
            if window.observe(reply.grams, reply.stable, time.monotonic()):
                payload = {"grams": str(reply.grams), "stable": True, "device": device}
                _print(args, payload, f"{reply.grams} g stable ({device})")
                return 0
        elif isinstance(reply, Fault):
            window.reset()
            last = reply
        elif isinstance(reply, Motion):
            window.reset()
        time.sleep(config.timing.poll_interval_s)
    if isinstance(last, Fault):
        payload = {"fault": last.kind.value, "detail": last.detail, "device": device}
        _print(args, payload, f"fault: {last.kind.value}: {last.detail} ({device})")
        return 2
    detail = f"no stable weight within {args.timeout} s"
    if last is not None:
        detail += f" (last {last.grams} g, moving)"
    _print(args, {"fault": "not_stable", "detail": detail, "device": device}, detail)
    return 2


def _zero(link: ScaleLink, config, args) -> int:
    device = link.identify(config.timing.reply_timeout_s).describe()
    command = link.protocol.zero
    reply, _ = link.exchange(command, max(config.timing.reply_timeout_s, 3.0))
    if isinstance(reply, Fault):
        payload = {"zeroed": False, "detail": reply.detail, "device": device}
        _print(args, payload, f"zero refused: {reply.detail} ({device})")
        return 2
    if isinstance(reply, Motion):
        _print(args, {"zeroed": False, "detail": "in motion", "device": device}, "in motion")
        return 2
    _print(args, {"zeroed": True, "device": device}, f"zeroed ({device})")
    return 0


def _identify(link: ScaleLink, config, args) -> int:
    identity = link.identify(config.timing.reply_timeout_s)
    payload = {
        "protocol": identity.protocol,
        "model": identity.model,
        "serial_number": identity.serial_number,
        "url": identity.url,
        "line": config.line_settings,
    }
    _print(args, payload, f"{identity.describe()} at {config.line_settings}")
    return 0


ACTIONS = {"read": _read, "zero": _zero, "identify": _identify}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hardware.scale", description=__doc__.split("\n")[0]
    )
    parser.add_argument("action", choices=sorted(ACTIONS))
    parser.add_argument("--url", required=True, help="pyserial URL, e.g. /dev/serial/by-id/...")
    parser.add_argument("--protocol", choices=["mtsics", "nci", "toledo8217"], required=True)
    parser.add_argument("--baudrate", type=int)
    parser.add_argument("--bytesize", type=int, choices=[7, 8])
    parser.add_argument("--parity", choices=["N", "E", "O"])
    parser.add_argument("--stopbits", type=int, choices=[1, 2])
    parser.add_argument("--timeout", type=float, default=10.0, help="overall seconds (read)")
    parser.add_argument("--reply-timeout", type=float, default=1.0, help="seconds per reply")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args(argv)
    try:
        config = _config(args)
    except ValidationError as exc:
        print(f"bad settings: {exc}", file=sys.stderr)
        return 64
    try:
        link = ScaleLink.open(config, protocol_for(config))
    except LinkLost as exc:
        _print(args, {"fault": "no_port", "detail": str(exc)}, str(exc))
        return 3
    try:
        return ACTIONS[args.action](link, config, args)
    except (NoReply, LinkLost) as exc:
        _print(args, {"fault": "no_reply", "detail": str(exc)}, str(exc))
        return 3
    finally:
        link.close()
