"""Hard-case images (and model files) on the filesystem, named by the sha256 of their bytes.

An upload is streamed into a temporary file while it is hashed; it becomes visible
under its name only by an atomic rename after the digest matched, so a reader never
sees a partial or wrong image, and a failed upload leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class ImageRejected(ValueError):
    """The upload is not the image it claims to be; nothing was stored."""


class ImageTooLarge(ValueError):
    pass


class HqImageStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / "tmp"
        self._tmp.mkdir(parents=True, exist_ok=True)
        for stale in self._tmp.iterdir():  # left by a crash mid-upload
            stale.unlink(missing_ok=True)

    def path(self, sha256: str) -> Path:
        if not SHA256_RE.match(sha256):
            raise ValueError(f"not a lower-case sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    async def put_stream(self, sha256: str, chunks: AsyncIterator[bytes], max_bytes: int) -> int:
        """Store the streamed bytes as `sha256`; return the size. Raise before storing
        anything if the bytes are too many or hash to something else."""
        target = self.path(sha256)
        tmp = self._tmp / f"{sha256}.{uuid.uuid4().hex}"
        digest = hashlib.sha256()
        size = 0
        try:
            with open(tmp, "wb") as f:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise ImageTooLarge(
                            f"the image is larger than the {max_bytes} bytes this server accepts"
                        )
                    digest.update(chunk)
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            actual = digest.hexdigest()
            if actual != sha256:
                raise ImageRejected(
                    f"the uploaded bytes ({size} bytes) hash to {actual}, not {sha256}: "
                    "the image is corrupt or the name is wrong; nothing was stored"
                )
            if size == 0:
                raise ImageRejected("the image is empty; nothing was stored")
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
            return size
        finally:
            tmp.unlink(missing_ok=True)

    def put_file(self, sha256: str, source: Path) -> int:
        """Store a local file as `sha256` (hashed while copied, renamed into place)."""
        if self.has(sha256):
            return self.path(sha256).stat().st_size

        async def chunks() -> AsyncIterator[bytes]:
            with source.open("rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    yield chunk

        import asyncio

        return asyncio.run(self.put_stream(sha256, chunks(), max_bytes=1 << 40))

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()
