"""Hard-case images as files named by their sha256, checked on every read."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from kiosk.store.database import StoreError


class ImageCorruptError(StoreError):
    pass


class ImageStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store durably and return the digest. Idempotent: same bytes, same file."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        # rename is atomic: a reader sees no file or the whole file, never half.
        os.replace(tmp, target)
        return digest

    def get(self, sha256: str) -> bytes:
        try:
            data = self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise ImageCorruptError(f"hard-case image {sha256} is missing") from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ImageCorruptError(f"hard-case image {sha256} does not match its checksum")
        return data
