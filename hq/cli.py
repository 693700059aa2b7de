"""`hq`: run the headquarters service and administer it.

    hq serve [--data DIR] [--database URL] [--host H] [--port P] [--tls-cert F --tls-key F]
    hq serve --demo                                what `kiosk demo` syncs to by default
    hq device add DEVICE_ID --store STORE_ID       prints the device's token (once)
    hq device rotate-token DEVICE_ID               prints a new token; the old one stops
    hq device list                                 JSON, with each last heartbeat
    hq admin-token add NAME                        prints a token for GET /v1/devices and
                                                   the review page (NAME signs reviews)
    hq catalog publish --store STORE_ID FILE.json
    hq review export --out DIR [--classes FILE]    reviewed hard cases as a training set

The review page is at /review on the running service (sign in with an admin token);
/review/fleet shows every kiosk, what it runs, and the model releases with their rollout,
and changes the rollout as `hq model rollout|halt` do (who changed it, from either, is kept).

The database is SQLite at DIR/hq.sqlite3 unless --database (or HQ_DATABASE_URL) names
another, e.g. postgresql+psycopg://user:pass@host/hq for a fleet. Images go to
DIR/images. DIR defaults to $HQ_DATA_DIR or ./hq-data.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path

from hq.db import HqDatabase, HqStoreError
from hq.review_export import ExportError, export, read_classes

# What the kiosk's default configuration uses (kiosk/config.py, kiosk/sync/config.py).
DEMO_DEVICE = "demo-kiosk-01:demo-kiosk-token"
# The demo's reviewer, to open /review on the demo's headquarters (loopback only).
DEMO_REVIEWER = ("demo-reviewer", "demo-review-token")
DEMO_CATALOG = Path(__file__).resolve().parent.parent / "assets" / "catalog" / "demo.json"


def _shell_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        return "unknown"


def _data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data or os.environ.get("HQ_DATA_DIR") or "hq-data")


def open_database(args: argparse.Namespace) -> HqDatabase:
    url = args.database or os.environ.get("HQ_DATABASE_URL")
    db = HqDatabase(url) if url else HqDatabase.for_path(_data_dir(args) / "hq.sqlite3")
    db.migrate()
    return db


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from hq.app import Limits, create_app
    from hq.images import HqImageStore

    if bool(args.tls_cert) != bool(args.tls_key):
        print("error: --tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    db = open_database(args)
    if args.demo:
        args.demo_device = args.demo_device or DEMO_DEVICE
        if args.demo_catalog is None and DEMO_CATALOG.is_file():
            args.demo_catalog = str(DEMO_CATALOG)
    if args.demo_device:
        device_id, _, token = args.demo_device.partition(":")
        store_id = args.demo_store
        db.set_device_token(device_id, store_id, token)
        if args.demo_catalog:
            _publish(db, store_id, Path(args.demo_catalog))
    if args.demo:
        db.add_admin_token(*DEMO_REVIEWER)
        print(f"hq: review hard cases at /review (demo token: {DEMO_REVIEWER[1]})", flush=True)
    images = HqImageStore(_data_dir(args) / "images")
    limits = Limits(
        max_json_bytes=args.max_json_mb * 1024 * 1024,
        max_image_bytes=args.max_image_mb * 1024 * 1024,
    )
    app = create_app(db, images, limits)
    scheme = "https" if args.tls_cert else "http"
    print(f"hq: serving on {scheme}://{args.host}:{args.port} ({db.engine.url.render_as_string()})")
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        ssl_certfile=args.tls_cert,
        ssl_keyfile=args.tls_key,
        log_level=args.log_level,
        access_log=args.access_log,
    )
    return 0


def _publish(db: HqDatabase, store_id: str, path: Path) -> str:
    body = path.read_bytes()
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise HqStoreError(f"{path} is not valid JSON: {err}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("version"), str):
        raise HqStoreError(f"{path} is not a catalog document (no 'version')")
    if doc.get("store") not in (None, store_id):
        raise HqStoreError(f"{path} is for store {doc.get('store')!r}, not {store_id!r}")
    if not isinstance(doc.get("products"), list) or not doc["products"]:
        raise HqStoreError(f"{path} has no products")
    db.publish_catalog(store_id, doc["version"], body)
    return doc["version"]


def _model(args: argparse.Namespace, db: HqDatabase) -> str:
    from hq import model_releases as mr
    from hq.images import HqImageStore

    if args.action == "keygen":
        return mr.generate_key(args.key)
    if args.action == "publish":
        key = mr.load_key(args.key)
        name, version, files = mr.read_release(args.directory)
        manifest = mr.manifest_bytes(name, version, files)
        store = HqImageStore(_data_dir(args) / "model-files")
        for f in files:
            store.put_file(f.sha256, f.path)
        ref = db.publish_model(name, version, manifest, mr.sign(key, manifest),
                               [f.sha256 for f in files])  # fmt: skip
        return f"published {ref}: {len(files)} files, signed by {mr.public_key_b64(key)}"
    by = f"shell ({_shell_user()})"  # beside the fleet page's signed-in names
    if args.action == "rollout":
        return json.dumps(db.rollout(args.ref, args.percent, by=by))
    if args.action == "halt":
        return json.dumps(db.halt_rollout(args.name, by=by))
    listing = {
        "releases": db.model_releases(),
        "rollouts": db.rollouts(),
        "changes": db.rollout_changes(),
    }
    return json.dumps(listing, indent=2)


def _review(args: argparse.Namespace, db: HqDatabase) -> str:
    from hq.images import HqImageStore

    classes = read_classes(args.classes) if args.classes else None
    summary = export(db, HqImageStore(_data_dir(args) / "images"), args.out, classes)
    left = ", ".join(f"{n} {why}" for why, n in summary["left_out"].items()) or "none"
    return (
        f"{args.out}: {summary['count']} pictures, {summary['items']} labelled items, "
        f"{summary['classes']} classes; of {summary['reviewed']} reviewed, left out: {left}"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hq", description="headquarters reference service")
    parser.add_argument("--data", help="data directory (default $HQ_DATA_DIR or ./hq-data)")
    parser.add_argument("--database", help="SQLAlchemy URL (default SQLite in the data dir)")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8600)
    serve.add_argument("--tls-cert", help="server certificate (PEM) for HTTPS")
    serve.add_argument("--tls-key", help="its private key (PEM)")
    serve.add_argument("--max-json-mb", type=int, default=4)
    serve.add_argument("--max-image-mb", type=int, default=20)
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--access-log", action="store_true")
    serve.add_argument(
        "--demo-device",
        metavar="ID:TOKEN",
        help="register (or re-key) this device with this token at start: for the demo",
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help=f"the demo kiosk's device ({DEMO_DEVICE}) and the demo catalog: what `kiosk "
        "demo` syncs to with its default settings",
    )
    serve.add_argument("--demo-store", default="demo-001")
    serve.add_argument("--demo-catalog", help="publish this catalog for --demo-store at start")

    device = sub.add_parser("device", help="kiosks and their tokens")
    dsub = device.add_subparsers(dest="action", required=True)
    add = dsub.add_parser("add", help="register a device; prints its token once")
    add.add_argument("device_id")
    add.add_argument("--store", required=True)
    rotate = dsub.add_parser("rotate-token", help="issue a new token; the old one stops working")
    rotate.add_argument("device_id")
    dsub.add_parser("list", help="devices with their last heartbeat, as JSON")

    admin = sub.add_parser("admin-token", help="tokens for the admin endpoints")
    asub = admin.add_subparsers(dest="action", required=True)
    aadd = asub.add_parser("add")
    aadd.add_argument("name")

    model = sub.add_parser("model", help="model releases and their gray rollout")
    msub = model.add_subparsers(dest="action", required=True)
    keygen = msub.add_parser("keygen", help="a new signing key; prints the kiosks' model_key")
    keygen.add_argument("key", type=Path, help="where the private key goes (not the server)")
    mpub = msub.add_parser("publish", help="sign and publish a model repository version directory")
    mpub.add_argument("directory", type=Path)
    mpub.add_argument("--key", type=Path, required=True, help="the private signing key")
    roll = msub.add_parser("rollout", help="serve NAME/VERSION to a share of the kiosks")
    roll.add_argument("ref")
    roll.add_argument("--percent", type=int, required=True, help="1-99: a canary; 100: all")
    halt = msub.add_parser("halt", help="take the canary back: every kiosk on the stable one")
    halt.add_argument("name")
    msub.add_parser("list", help="published releases and rollouts, as JSON")

    review = sub.add_parser("review", help="the hard cases people reviewed")
    rsub = review.add_subparsers(dest="action", required=True)
    rexp = rsub.add_parser(
        "export", help="the reviewed cases as a training set (the scene-set layout)"
    )
    rexp.add_argument("--out", type=Path, required=True, help="a new directory")
    rexp.add_argument(
        "--classes",
        type=Path,
        help="classes.txt to label with (the model's own order, e.g. a scene set's); "
        "default: the SKUs reviewed, sorted",
    )

    catalog = sub.add_parser("catalog", help="catalog releases")
    csub = catalog.add_subparsers(dest="action", required=True)
    pub = csub.add_parser("publish", help="make FILE the store's current catalog")
    pub.add_argument("--store", required=True)
    pub.add_argument("file", type=Path)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        db = open_database(args)
        try:
            if args.command == "device" and args.action == "add":
                print(db.add_device(args.device_id, args.store))
            elif args.command == "device" and args.action == "rotate-token":
                print(db.rotate_token(args.device_id))
            elif args.command == "device" and args.action == "list":
                print(json.dumps({"devices": db.devices()}, indent=2, ensure_ascii=False))
            elif args.command == "admin-token":
                print(db.add_admin_token(args.name))
            elif args.command == "model":
                print(_model(args, db))
            elif args.command == "catalog":
                version = _publish(db, args.store, args.file)
                print(f"published catalog {version} for store {args.store}")
            elif args.command == "review":
                print(_review(args, db))
        finally:
            db.close()
    except (HqStoreError, ExportError, OSError, ValueError) as err:  # ValueError: ReleaseError
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
