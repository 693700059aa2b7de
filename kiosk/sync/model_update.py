"""Model releases from headquarters: verified, downloaded, installed whole or not at all.

Headquarters rolls a release out to this kiosk (`hq model rollout`); the sync worker
then

1. verifies the manifest's Ed25519 signature over the exact bytes received against
   the key in the kiosk's config (`[sync] model_key`): a release nobody at the
   retailer signed never gets further, whatever the server says;
2. downloads each file into `<repository>/.downloads/<name>/<version>/`, checking
   its size and sha256 against the manifest as it arrives; a file already there
   whole is kept, so a network that drops mid-release resumes where it stopped; a
   file an installed release already has (the same sha256: a new detector beside
   the same second stage, or the int8 twin of a release) is copied from it instead
   of downloaded, since a store's line is slow and releases are mostly unchanged;
3. loads the staged release with the kiosk's own repository checks (profile,
   checksums, labels the catalog knows), and only then renames it into
   `<repository>/<name>/<version>/`: the repository never shows a half release.

Whether it then serves is the Models desk's call (`kiosk.station.model_desk`): it
proves itself on the kiosk, switches between frames, and rolls back if it fails.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.models.repository import ModelError, ModelRepository, sha256_file

MANIFEST_SCHEMA = "kiosk.model-release/1"
DOWNLOADS = ".downloads"
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SHA = re.compile(r"^[0-9a-f]{64}$")
MAX_FILE_BYTES = 512 * 1024 * 1024


class ModelUpdateError(ModelError):
    """A release from headquarters that must not be installed; the message says why."""


@dataclass(frozen=True, slots=True)
class ManifestFile:
    name: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class ReleaseManifest:
    name: str
    version: int
    files: tuple[ManifestFile, ...]

    @property
    def ref(self) -> str:
        return f"{self.name}/{self.version}"


def public_key(b64: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(b64, validate=True))
    except ValueError as err:
        raise ModelUpdateError(f"the configured model_key is not an Ed25519 key: {err}") from None


def verify_manifest(manifest: str, signature_b64: str, key: Ed25519PublicKey) -> ReleaseManifest:
    """The release the manifest describes, once its signature holds; ModelUpdateError
    for a bad signature or a manifest that is not a release's."""
    raw = manifest.encode("utf-8")
    try:
        key.verify(base64.b64decode(signature_b64, validate=True), raw)
    except (InvalidSignature, ValueError):
        raise ModelUpdateError(
            "the release's signature does not match the configured model_key: not installed"
        ) from None
    try:
        doc = json.loads(raw)
        if doc.get("schema") != MANIFEST_SCHEMA:
            raise ValueError(f"schema {doc.get('schema')!r}")
        files = tuple(
            ManifestFile(str(f["name"]), str(f["sha256"]), int(f["size"])) for f in doc["files"]
        )
        release = ReleaseManifest(str(doc["name"]), int(doc["version"]), files)
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise ModelUpdateError(f"the signed manifest is malformed: {err}") from None
    names = [f.name for f in files]
    if not _FILE_NAME.match(release.name) or release.version < 1:
        raise ModelUpdateError(f"the manifest names no model release: {release.ref!r}")
    bad = [f.name for f in files if not (_FILE_NAME.match(f.name) and _SHA.match(f.sha256))]
    if bad or len(set(names)) != len(names) or "profile.json" not in names:
        raise ModelUpdateError(f"the manifest's files are not a release's: {names[:8]}")
    if any(not 0 < f.size <= MAX_FILE_BYTES for f in files):
        raise ModelUpdateError("the manifest lists an empty or oversized file")
    return release


@dataclass(frozen=True, slots=True)
class Installed:
    """What `install` did: whether the release is new here, and how its files came."""

    new: bool
    fetched: int = 0  # files downloaded from headquarters
    reused: int = 0  # files copied from releases already installed

    def __str__(self) -> str:
        if not self.new:
            return "present"
        if not self.reused:
            return "installed"
        return f"installed ({self.reused} of {self.fetched + self.reused} files already here)"


def _whole(path: Path, f: ManifestFile) -> bool:
    return path.is_file() and path.stat().st_size == f.size and sha256_file(path) == f.sha256


def _copy_local(root: Path, f: ManifestFile, dest: Path) -> bool:
    """Copy into `dest` a file of an installed release with `f`'s content, if there is
    one. Only same-named files of the same size are hashed: the candidates are few."""
    for candidate in root.glob(f"*/*/{f.name}"):
        if candidate.parts[-3].startswith(".") or not candidate.is_file():
            continue  # .downloads: staged, not installed
        if candidate.stat().st_size != f.size or sha256_file(candidate) != f.sha256:
            continue
        shutil.copyfile(candidate, dest)
        return _whole(dest, f)  # checked again: a copy is a copy, not a proof
    return False


def install(
    root: Path,
    release: ReleaseManifest,
    fetch: Callable[[str, Path, int], None],
    known_skus: Iterable[str] | None = None,
) -> Installed:
    """Install `release` into the repository at `root` (`Installed.new` False when it
    was there already). `fetch(sha256, dest, size)` downloads one file (raising on
    failure: what arrived whole stays for the next attempt). ModelUpdateError when the
    release, though signed, is not one this kiosk may serve (the repository's checks)."""
    repo = ModelRepository(root)
    final = root / release.name / str(release.version)
    if final.exists():
        repo.load(release.name, release.version, known_skus)  # what is there is whole
        return Installed(new=False)
    staged = root / DOWNLOADS / release.name / str(release.version)
    staged.mkdir(parents=True, exist_ok=True)
    wanted = {f.name for f in release.files}
    for stray in staged.iterdir():  # an earlier manifest's leftovers
        if stray.name not in wanted:
            stray.unlink() if stray.is_file() else shutil.rmtree(stray)
    fetched = reused = 0
    for f in release.files:
        dest = staged / f.name
        if _whole(dest, f):
            continue  # downloaded before the connection dropped
        part = dest.with_name(dest.name + ".part")
        if _copy_local(root, f, part):
            reused += 1
        else:
            fetch(f.sha256, part, f.size)
            if not _whole(part, f):
                part.unlink(missing_ok=True)
                raise ModelUpdateError(f"{release.ref}: {f.name} arrived altered")
            fetched += 1
        os.replace(part, dest)
    try:
        ModelRepository(root / DOWNLOADS).load(release.name, release.version, known_skus)
    except ModelError as err:
        shutil.rmtree(staged, ignore_errors=True)  # signed but unusable: not retried as is
        raise ModelUpdateError(f"{release.ref} from headquarters is not usable: {err}") from None
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, final)
    return Installed(True, fetched, reused)


class ModelFeed:
    """The sync worker's side: ask headquarters which release of the serving model this
    kiosk should run, install it, and hand it to `on_installed` (the kiosk decides when
    it serves). Each release is acted on once: a refused one is not fetched again, a
    download that broke off is resumed on the next check."""

    def __init__(
        self,
        name: str,
        root: Path,
        key_b64: str,
        on_installed: Callable[[str], None],
        known_skus: Iterable[str] | None = None,
    ) -> None:
        self.name = name
        self.root = root
        self.key = public_key(key_b64)
        self.on_installed = on_installed
        self.known_skus = None if known_skus is None else set(known_skus)
        self._done: str | None = None  # the release last acted on
        self.state = ""  # for the heartbeat: the assignment and what became of it

    def check(self, client) -> None:  # client: kiosk.sync.client.HqClient
        doc = client.model_release(self.name)
        if doc is None:
            self.state = f"no release of {self.name} rolled out to this kiosk"
            return
        ref, track = doc["ref"], doc.get("track", "")
        if ref == self._done:
            return
        try:
            release = verify_manifest(doc["manifest"], doc["signature"], self.key)
            if release.ref != ref:
                raise ModelUpdateError(f"the signed manifest is {release.ref}, not {ref}")
            self.state = f"{ref} ({track}): downloading"
            installed = install(self.root, release, client.download, self.known_skus)
        except ModelUpdateError as err:
            self._done = ref
            self.state = f"{ref} ({track}) refused: {err}"[:300]
            raise
        self._done = ref
        self.state = f"{ref} ({track}): {installed}"
        self.on_installed(ref)
