"""The on-device model repository: `<root>/<name>/<version>/{model.onnx, profile.json}`.

Versions are numbered and immutable: `publish` refuses to overwrite one, and `load`
refuses a version whose file does not match its profile (size, sha256) or whose
profile is malformed, naming the file and what disagreed. Running the model and
checking its input/output signature against the profile is `kiosk.vision.session`'s.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from kiosk.models.profile import ModelProfile

PROFILE_FILE = "profile.json"
# Copies being made into a repository stage here, invisible to `names` (a dot directory).
SEEDING = ".seeding"
DEFAULT_ROOT = Path(__file__).resolve().parent.parent.parent / "models" / "repository"


class ModelError(RuntimeError):
    """A model that must not serve; the message says which file and what is wrong."""


@dataclass(frozen=True, slots=True)
class ModelRelease:
    """One verified version: its profile and the path of its model file."""

    profile: ModelProfile
    directory: Path

    @property
    def model_path(self) -> Path:
        return self.directory / self.profile.file

    @property
    def classifier_path(self) -> Path | None:
        c = self.profile.classifier
        return None if c is None else self.directory / c.file

    @property
    def close_look_path(self) -> Path | None:
        c = self.profile.classifier
        look = None if c is None else c.close_look
        return None if look is None else self.directory / look.file

    @property
    def ref(self) -> str:
        return f"{self.profile.name}/{self.profile.version}"

    @property
    def files(self) -> list[str]:
        """Every file of the release, its profile included."""
        p = self.profile
        c = p.classifier
        look = None if c is None else c.close_look
        named = (p.file, c and c.file, look and look.file, p.golden and p.golden.file)
        return [PROFILE_FILE, *(f for f in named if f)]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _validation_message(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(document)"
        parts.append(f"{loc}: {e['msg']}")
    return "; ".join(parts)


def read_profile(path: Path) -> ModelProfile:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ModelError(f"cannot read {path}: {err.strerror}") from None
    try:
        doc = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ModelError(f"{path} is not valid JSON: {err}") from None
    try:
        return ModelProfile.model_validate(doc)
    except ValidationError as err:
        raise ModelError(f"{path}: {_validation_message(err)}") from None


def _verify_file(path: Path, size_bytes: int, sha256: str, where: str) -> None:
    """A file the profile names must be exactly the file it describes."""
    try:
        size = path.stat().st_size
    except OSError as err:
        raise ModelError(f"{where}: cannot read {path.name}: {err.strerror}") from None
    if size != size_bytes:
        raise ModelError(
            f"{where}: {path.name} is {size} bytes, the profile says "
            f"{size_bytes}: the file is truncated or replaced"
        )
    digest = sha256_file(path)
    if digest != sha256:
        raise ModelError(
            f"{where}: {path.name} sha256 {digest[:12]}… does not match the "
            f"profile's {sha256[:12]}…: the file is corrupt or replaced"
        )


class ModelRepository:
    def __init__(self, root: Path | str = DEFAULT_ROOT):
        self.root = Path(root)

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        # a dot directory is not a model: downloads stage there (kiosk.sync.model_update)
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and p.name[0] != ".")

    def versions(self, name: str) -> list[int]:
        base = self.root / name
        if not base.is_dir():
            return []
        return sorted(int(p.name) for p in base.iterdir() if p.is_dir() and p.name.isdigit())

    def latest(self, name: str) -> int:
        versions = self.versions(name)
        if not versions:
            raise ModelError(f"no versions of model {name!r} in {self.root}")
        return versions[-1]

    def load(
        self, name: str, version: int | None = None, known_skus: Iterable[str] | None = None
    ) -> ModelRelease:
        """The verified release `name/version` (the newest when `version` is None).

        `known_skus`: when given (the catalog's SKUs), a label the catalog does not
        know is refused: the kiosk could not price what the model says it sees.
        """
        version = self.latest(name) if version is None else version
        directory = self.root / name / str(version)
        if not directory.is_dir():
            raise ModelError(f"model {name}/{version} not found in {self.root}")
        profile = read_profile(directory / PROFILE_FILE)
        where = f"{name}/{version}"
        if (profile.name, profile.version) != (name, version):
            raise ModelError(
                f"{where}: profile says it is {profile.name}/{profile.version}; "
                "a version directory must hold its own profile"
            )
        _verify_file(directory / profile.file, profile.size_bytes, profile.sha256, where)
        if profile.classifier is not None:
            c = profile.classifier
            _verify_file(directory / c.file, c.size_bytes, c.sha256, where)
            if c.close_look is not None:
                look = c.close_look
                _verify_file(directory / look.file, look.size_bytes, look.sha256, where)
        if profile.golden is not None:
            g = profile.golden
            _verify_file(directory / g.file, g.size_bytes, g.sha256, where)
        if known_skus is not None:
            unknown = sorted(set(profile.labels) - set(known_skus))
            if unknown:
                raise ModelError(
                    f"{where}: labels not in the catalog: {', '.join(unknown[:10])}"
                    + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
                )
        return ModelRelease(profile=profile, directory=directory)

    def publish(
        self,
        model_file: Path,
        profile: ModelProfile,
        classifier_file: Path | None = None,
        close_look_file: Path | None = None,
        golden_file: Path | None = None,
    ) -> ModelRelease:
        """Add a new version. The profile's sha256 and size must describe `model_file`
        (and `classifier_file`, `close_look_file` when the profile has those stages); an
        existing version is never overwritten (versions are immutable)."""
        if (classifier_file is None) != (profile.classifier is None):
            raise ModelError("a classifier file goes with a profile classifier section, and only")
        look = profile.classifier.close_look if profile.classifier else None
        if (close_look_file is None) != (look is None):
            raise ModelError("a close-look file goes with a profile close_look section, and only")
        if (golden_file is None) != (profile.golden is None):
            raise ModelError("a golden picture goes with a profile golden section, and only")
        if golden_file and profile.golden and sha256_file(golden_file) != profile.golden.sha256:
            raise ModelError(f"{golden_file}: sha256 does not match the published profile")
        if close_look_file and look and sha256_file(close_look_file) != look.sha256:
            raise ModelError(f"{close_look_file}: sha256 does not match the published profile")
        directory = self.root / profile.name / str(profile.version)
        if directory.exists():
            raise ModelError(f"{profile.name}/{profile.version} exists; versions are immutable")
        if sha256_file(model_file) != profile.sha256:
            raise ModelError(f"{model_file}: sha256 does not match the profile being published")
        c = profile.classifier
        if classifier_file and c and sha256_file(classifier_file) != c.sha256:
            raise ModelError(f"{classifier_file}: sha256 does not match the published profile")
        staging = directory.with_name(f".{profile.version}.staging")
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        shutil.copyfile(model_file, staging / profile.file)
        if classifier_file is not None and profile.classifier is not None:
            shutil.copyfile(classifier_file, staging / profile.classifier.file)
        if close_look_file is not None and look is not None:
            shutil.copyfile(close_look_file, staging / look.file)
        if golden_file is not None and profile.golden is not None:
            shutil.copyfile(golden_file, staging / profile.golden.file)
        (staging / PROFILE_FILE).write_text(
            json.dumps(profile.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False)
            + "\n",
            encoding="utf-8",
        )
        os.replace(staging, directory)  # appears whole or not at all
        return self.load(profile.name, profile.version)

    def adopt(self, release: ModelRelease, known_skus: Iterable[str] | None = None) -> bool:
        """Copy `release` (verified, from another repository) into this one; False when
        the version is here already (and verifies). The copy is checked as `load`
        checks and flushed to disk before it is renamed into place, so a power cut
        leaves the version whole or absent, never half there."""
        name, version = release.profile.name, release.profile.version
        final = self.root / name / str(version)
        if final.exists():
            here = self.load(name, version, known_skus)
            if here.profile.sha256 != release.profile.sha256:
                raise ModelError(
                    f"{release.ref} here is another model than the one in "
                    f"{release.directory.parent.parent}: a version names one model only"
                )
            return False
        staging = self.root / SEEDING / name / str(version)
        if staging.exists():
            shutil.rmtree(staging)  # an earlier copy cut short
        staging.mkdir(parents=True)
        for file in release.files:
            with (release.directory / file).open("rb") as src, (staging / file).open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
                dst.flush()
                os.fsync(dst.fileno())
        ModelRepository(self.root / SEEDING).load(name, version, known_skus)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, final)
        _fsync_dir(final.parent)  # the rename itself survives a power cut
        for empty in (staging.parent, staging.parent.parent):
            try:
                empty.rmdir()  # tidy: only when nothing else is being copied
            except OSError:
                break
        return True


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
