"""Model releases for the fleet: signed manifests, files by sha256, gray rollout.

A release engineer publishes a model repository version directory
(`models/repository/<name>/<version>/`, as `models.training.ship` writes it) with
`hq model publish DIR --key KEY`: every file is stored by its sha256 and listed in a
manifest, and the manifest's bytes are signed with the engineer's Ed25519 key. The
key never needs to be on the web server: only the signature is stored with the
manifest, and kiosks hold the public half (`[sync] model_key`). A kiosk verifies the
signature over the exact bytes it received, then each file against the manifest.

Rollout per model name: a *stable* release for every kiosk, and at most one *canary*
release for a share of them (`hq model rollout REF --percent P`; 100 makes it the
stable one; `hq model halt NAME` takes the canary back, and its kiosks return to the
stable release). Which kiosks form the share is a stable hash of device and model, so
a growing percentage only adds kiosks, and a kiosk does not flap between releases.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

MANIFEST_SCHEMA = "kiosk.model-release/1"
PROFILE_FILE = "profile.json"


class ReleaseError(ValueError):
    """The directory is not a release that can be published; the message says why."""


@dataclass(frozen=True, slots=True)
class ReleaseFile:
    name: str
    sha256: str
    size: int
    path: Path


def generate_key(path: Path) -> str:
    """Write a new private signing key (PEM, owner-only) to `path`; return the public
    key as base64, for the kiosks' config."""
    if path.exists():
        raise ReleaseError(f"{path} exists: a signing key is never overwritten")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return public_key_b64(key)


def load_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as err:
        raise ReleaseError(f"cannot read the signing key {path}: {err}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ReleaseError(f"{path} is not an Ed25519 key")
    return key


def public_key_b64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def verify(manifest: bytes, signature_b64: str, public_b64: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64, validate=True))
        key.verify(base64.b64decode(signature_b64, validate=True), manifest)
    except (InvalidSignature, ValueError):
        return False
    return True


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_release(directory: Path) -> tuple[str, int, list[ReleaseFile]]:
    """(name, version, files) of a release directory; its profile names it."""
    try:
        profile = json.loads((directory / PROFILE_FILE).read_text(encoding="utf-8"))
        name, version = str(profile["name"]), int(profile["version"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ReleaseError(f"{directory}: no readable {PROFILE_FILE} with a name and version "
                           f"({type(err).__name__}: {err})") from None  # fmt: skip
    if directory.name != str(version):
        raise ReleaseError(f"{directory}: its profile says version {version}")
    files = [
        ReleaseFile(p.name, _sha256(p), p.stat().st_size, p)
        for p in sorted(directory.iterdir())
        if p.is_file() and not p.name.startswith(".")
    ]
    return name, version, files


def manifest_bytes(name: str, version: int, files: list[ReleaseFile]) -> bytes:
    doc = {
        "schema": MANIFEST_SCHEMA,
        "name": name,
        "version": version,
        "files": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in files],
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign(key: Ed25519PrivateKey, manifest: bytes) -> str:
    return base64.b64encode(key.sign(manifest)).decode("ascii")


def cohort(device_id: str, name: str) -> int:
    """0-99: a kiosk is in a canary of P % when its cohort is below P."""
    digest = hashlib.sha256(f"{name}\0{device_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100
