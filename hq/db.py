"""Headquarters storage: one data layer over SQLite (default) and PostgreSQL (a fleet).

SQLAlchemy Core is used for what differs between the two (drivers, pooling, URLs);
the SQL itself is the portable subset both speak (`ON CONFLICT ... DO NOTHING`,
`DOUBLE PRECISION`, `BIGINT`), so there is one code path to test.

Idempotency rests on the primary key: a record is inserted with `ON CONFLICT DO
NOTHING` and then read back, so two concurrent uploads of the same key (a kiosk
retrying while its first attempt is still being processed) store it once, and the
loser compares bodies like any later retry.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import Engine

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema. Append only: a shipped migration is never edited.
    """
    CREATE TABLE devices (
        device_id         TEXT PRIMARY KEY,
        store_id          TEXT NOT NULL,
        token_sha256      TEXT NOT NULL UNIQUE,
        created_at        DOUBLE PRECISION NOT NULL,
        settings          TEXT NOT NULL DEFAULT '{}',
        last_heartbeat_at DOUBLE PRECISION,
        last_heartbeat    TEXT
    );
    CREATE TABLE admin_tokens (
        name         TEXT PRIMARY KEY,
        token_sha256 TEXT NOT NULL UNIQUE,
        created_at   DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE sales (
        id           TEXT PRIMARY KEY,
        device_id    TEXT NOT NULL,
        status       TEXT NOT NULL,
        total        BIGINT NOT NULL,
        currency     TEXT NOT NULL,
        completed_at DOUBLE PRECISION NOT NULL,
        body_sha256  TEXT NOT NULL,
        body         TEXT NOT NULL,
        received_at  DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX sales_device_completed ON sales (device_id, completed_at);
    CREATE TABLE refunds (
        id          TEXT PRIMARY KEY,
        device_id   TEXT NOT NULL,
        amount      BIGINT NOT NULL,
        body_sha256 TEXT NOT NULL,
        body        TEXT NOT NULL,
        received_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE hard_cases (
        id           TEXT PRIMARY KEY,
        device_id    TEXT NOT NULL,
        sale_id      TEXT,
        image_sha256 TEXT,
        body_sha256  TEXT NOT NULL,
        body         TEXT NOT NULL,
        received_at  DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE images (
        sha256      TEXT PRIMARY KEY,
        size        BIGINT NOT NULL,
        device_id   TEXT NOT NULL,
        received_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE catalogs (
        store_id     TEXT NOT NULL,
        version      TEXT NOT NULL,
        sha256       TEXT NOT NULL,
        body         TEXT NOT NULL,
        published_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (store_id, version)
    );
    """,
    # 2: model releases (signed manifests; files by sha256) and their gray rollout
    """
    CREATE TABLE model_releases (
        ref          TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        version      INTEGER NOT NULL,
        manifest     TEXT NOT NULL,
        signature    TEXT NOT NULL,
        published_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE model_files (
        sha256 TEXT NOT NULL,
        ref    TEXT NOT NULL,
        PRIMARY KEY (sha256, ref)
    );
    CREATE TABLE model_rollouts (
        name       TEXT PRIMARY KEY,
        stable     TEXT,
        canary     TEXT,
        percent    INTEGER NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL
    );
    """,
    # 3: people's reviews of the hard cases (hq.review): what was really on the tray
    """
    CREATE TABLE reviews (
        case_id     TEXT PRIMARY KEY,
        outcome     TEXT NOT NULL,
        boxes       TEXT NOT NULL,
        missed      TEXT NOT NULL,
        reviewer    TEXT NOT NULL,
        note        TEXT NOT NULL,
        reviewed_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX hard_cases_received ON hard_cases (received_at);
    """,
    # 4: who changed a model's rollout, and when (the fleet page and `hq model` both)
    """
    CREATE TABLE rollout_changes (
        changed_at DOUBLE PRECISION NOT NULL,
        changed_by TEXT NOT NULL,
        name       TEXT NOT NULL,
        action     TEXT NOT NULL,
        ref        TEXT,
        percent    INTEGER NOT NULL
    );
    CREATE INDEX rollout_changes_at ON rollout_changes (changed_at);
    """,
    # 5: each sale's model release and whether it was a hard case, as columns, so the
    # fleet page can compare a canary with the stable release (filled in for the sales
    # already there by _fill_sale_release)
    """
    ALTER TABLE sales ADD COLUMN model_version TEXT;
    ALTER TABLE sales ADD COLUMN hard_case INTEGER;
    CREATE INDEX sales_model_completed ON sales (model_version, completed_at);
    """,
)

RECORD_TABLES = ("sales", "refunds", "hard_cases")


class HqStoreError(RuntimeError):
    """The data layer cannot do what was asked; the message says why."""


def canonical_json(value: Any) -> str:
    """The form whose sha256 is a record's identity: sorted keys, no spaces, ASCII.

    ASCII (\\u escapes) also keeps lone surrogates and NULs out of the database,
    which PostgreSQL's TEXT refuses.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class Device:
    device_id: str
    store_id: str


@dataclass(frozen=True, slots=True)
class Record:
    """One upload ready to store: its key, canonical body, and indexed columns."""

    key: str
    body: str
    columns: dict[str, Any]

    @property
    def body_sha256(self) -> str:
        return hashlib.sha256(self.body.encode("ascii")).hexdigest()


@dataclass(frozen=True, slots=True)
class Verdict:
    key: str
    status: int  # 201 stored now, 200 same body stored before, 409 different body
    received_at: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Catalog:
    store_id: str
    version: str
    sha256: str
    body: bytes


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _fill_sale_release(conn: Connection) -> None:
    """Migration 5's new columns for the sales stored before it, read from their bodies
    (in Python: SQLite and PostgreSQL spell JSON access differently)."""
    rows = conn.execute(text("SELECT id, body FROM sales WHERE model_version IS NULL")).fetchall()
    for key, body in rows:
        sale = json.loads(body)
        conn.execute(
            text("UPDATE sales SET model_version = :m, hard_case = :h WHERE id = :k"),
            {
                "m": str(sale.get("model_version", "")),
                "h": int(bool(sale.get("hard_case"))),
                "k": key,
            },
        )


class HqDatabase:
    """Every read and write headquarters does, for either backend."""

    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        self.url = url
        self._clock = clock
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = _sqlite_engine(url)
        else:
            self.engine = create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True)

    @classmethod
    def for_path(cls, path: Path) -> HqDatabase:
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls(f"sqlite:///{path}")

    def close(self) -> None:
        self.engine.dispose()

    # ---- transactions ----

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect().execution_options(hq_read=True) as conn, conn.begin():
            yield conn

    def migrate(self) -> int:
        with self._write() as conn:
            conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS hq_schema (version INTEGER NOT NULL)")
            row = conn.exec_driver_sql("SELECT MAX(version) FROM hq_schema").fetchone()
            version = row[0] or 0
            if version > len(MIGRATIONS):
                raise HqStoreError(
                    f"the database has schema version {version}, newer than this hq "
                    f"knows ({len(MIGRATIONS)}): upgrade hq"
                )
            for number in range(version + 1, len(MIGRATIONS) + 1):
                for statement in _statements(MIGRATIONS[number - 1]):
                    conn.exec_driver_sql(statement)
                if number == 5:
                    _fill_sale_release(conn)
                conn.execute(text("INSERT INTO hq_schema (version) VALUES (:v)"), {"v": number})
        return len(MIGRATIONS)

    # ---- devices and tokens ----

    def add_device(self, device_id: str, store_id: str) -> str:
        """Register a device and return its token (shown once; only its hash is kept)."""
        token = new_token()
        with self._write() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM devices WHERE device_id = :d"), {"d": device_id}
            ).fetchone()
            if exists:
                raise HqStoreError(
                    f"device {device_id!r} already exists; use `hq device rotate-token` "
                    "to issue it a new token"
                )
            conn.execute(
                text(
                    "INSERT INTO devices (device_id, store_id, token_sha256, created_at)"
                    " VALUES (:d, :s, :t, :now)"
                ),
                {"d": device_id, "s": store_id, "t": token_digest(token), "now": self._clock()},
            )
        return token

    def rotate_token(self, device_id: str) -> str:
        token = new_token()
        with self._write() as conn:
            cur = conn.execute(
                text("UPDATE devices SET token_sha256 = :t WHERE device_id = :d"),
                {"t": token_digest(token), "d": device_id},
            )
            if cur.rowcount != 1:
                raise HqStoreError(f"no device {device_id!r}")
        return token

    def set_device_token(self, device_id: str, store_id: str, token: str) -> None:
        """Register a device with a token chosen by the operator (demo, tests)."""
        with self._write() as conn:
            conn.execute(
                text(
                    "INSERT INTO devices (device_id, store_id, token_sha256, created_at)"
                    " VALUES (:d, :s, :t, :now) ON CONFLICT (device_id) DO UPDATE"
                    " SET store_id = excluded.store_id, token_sha256 = excluded.token_sha256"
                ),
                {"d": device_id, "s": store_id, "t": token_digest(token), "now": self._clock()},
            )

    def add_admin_token(self, name: str, token: str | None = None) -> str:
        """Issue (or re-issue) NAME's admin token; `token` chosen by the operator is for
        the demo only."""
        token = token or new_token()
        with self._write() as conn:
            conn.execute(
                text(
                    "INSERT INTO admin_tokens (name, token_sha256, created_at)"
                    " VALUES (:n, :t, :now) ON CONFLICT (name) DO UPDATE"
                    " SET token_sha256 = excluded.token_sha256"
                ),
                {"n": name, "t": token_digest(token), "now": self._clock()},
            )
        return token

    def device_for_token(self, token: str) -> Device | None:
        with self._read() as conn:
            row = conn.execute(
                text("SELECT device_id, store_id FROM devices WHERE token_sha256 = :t"),
                {"t": token_digest(token)},
            ).fetchone()
        return Device(row[0], row[1]) if row else None

    def is_admin_token(self, token: str) -> bool:
        with self._read() as conn:
            row = conn.execute(
                text("SELECT 1 FROM admin_tokens WHERE token_sha256 = :t"),
                {"t": token_digest(token)},
            ).fetchone()
        return row is not None

    def admin_name(self, token: str) -> str | None:
        """Whose admin token this is (a reviewer signs reviews with it), or None."""
        with self._read() as conn:
            row = conn.execute(
                text("SELECT name FROM admin_tokens WHERE token_sha256 = :t"),
                {"t": token_digest(token)},
            ).fetchone()
        return row[0] if row else None

    def device_settings(self, device_id: str) -> dict[str, Any]:
        with self._read() as conn:
            row = conn.execute(
                text("SELECT settings FROM devices WHERE device_id = :d"), {"d": device_id}
            ).fetchone()
        return json.loads(row[0]) if row else {}

    def set_device_settings(self, device_id: str, settings: dict[str, Any]) -> None:
        with self._write() as conn:
            cur = conn.execute(
                text("UPDATE devices SET settings = :s WHERE device_id = :d"),
                {"s": canonical_json(settings), "d": device_id},
            )
            if cur.rowcount != 1:
                raise HqStoreError(f"no device {device_id!r}")

    def record_heartbeat(self, device_id: str, body: dict[str, Any]) -> float:
        now = self._clock()
        with self._write() as conn:
            conn.execute(
                text(
                    "UPDATE devices SET last_heartbeat_at = :now, last_heartbeat = :b"
                    " WHERE device_id = :d"
                ),
                {"now": now, "b": canonical_json(body), "d": device_id},
            )
        return now

    def devices(self) -> list[dict[str, Any]]:
        with self._read() as conn:
            rows = conn.execute(
                text(
                    "SELECT device_id, store_id, created_at, last_heartbeat_at, last_heartbeat"
                    " FROM devices ORDER BY device_id"
                )
            ).fetchall()
        return [
            {
                "device_id": r[0],
                "store_id": r[1],
                "created_at": r[2],
                "last_heartbeat_at": r[3],
                "last_heartbeat": json.loads(r[4]) if r[4] else None,
            }
            for r in rows
        ]

    # ---- idempotent records ----

    def put_records(self, table: str, device_id: str, records: Sequence[Record]) -> list[Verdict]:
        """Store each record once by key; a verdict per record, in the order given."""
        if table not in RECORD_TABLES:
            raise ValueError(table)
        if not records:
            return []
        now = self._clock()
        keys = list(dict.fromkeys(r.key for r in records))
        with self._write() as conn:
            before = self._stored(conn, table, keys)
            fresh: dict[str, Record] = {}
            for r in records:
                if r.key not in before and r.key not in fresh:
                    fresh[r.key] = r
            inserted: set[str] = set()
            after: dict[str, tuple[str, float]] = {}
            if fresh:
                inserted = self._insert_new(conn, table, device_id, list(fresh.values()), now)
                # A concurrent upload of the same key may have won: read what it stored.
                lost = [k for k in fresh if k not in inserted]
                after = self._stored(conn, table, lost) if lost else {}
        verdicts = []
        answered: set[str] = set()
        for r in records:
            if r.key in inserted and r.key not in answered:
                answered.add(r.key)
                verdicts.append(Verdict(r.key, 201, now))
                continue
            if r.key in inserted:
                sha, at = fresh[r.key].body_sha256, now
            else:
                sha, at = before.get(r.key) or after[r.key]
            if sha == r.body_sha256:
                verdicts.append(Verdict(r.key, 200, at))
            else:
                verdicts.append(
                    Verdict(
                        r.key,
                        409,
                        at,
                        f"{r.key} was already received with a different body "
                        f"(stored sha256 {sha[:12]}…, this one {r.body_sha256[:12]}…); "
                        "the first one is kept: resolve it at headquarters",
                    )
                )
        return verdicts

    @staticmethod
    def _insert_new(
        conn: Connection, table: str, device_id: str, records: list[Record], now: float
    ) -> set[str]:
        """One multi-row INSERT; RETURNING says which keys this transaction stored."""
        cols = ["id", "device_id", "body_sha256", "body", "received_at", *records[0].columns]
        inserted: set[str] = set()
        for start in range(0, len(records), 200):
            chunk = records[start : start + 200]
            params: dict[str, Any] = {}
            rows = []
            for i, r in enumerate(chunk):
                values = {
                    "id": r.key,
                    "device_id": device_id,
                    "body_sha256": r.body_sha256,
                    "body": r.body,
                    "received_at": now,
                    **r.columns,
                }
                rows.append("(" + ", ".join(f":{c}_{i}" for c in cols) + ")")
                params.update({f"{c}_{i}": values[c] for c in cols})
            result = conn.execute(
                text(
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES {', '.join(rows)}"
                    " ON CONFLICT (id) DO NOTHING RETURNING id"
                ),
                params,
            )
            inserted.update(row[0] for row in result)
        return inserted

    @staticmethod
    def _stored(conn: Connection, table: str, keys: list[str]) -> dict[str, tuple[str, float]]:
        out: dict[str, tuple[str, float]] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            params = {f"k{j}": k for j, k in enumerate(chunk)}
            rows = conn.execute(
                text(
                    f"SELECT id, body_sha256, received_at FROM {table}"
                    f" WHERE id IN ({', '.join(':' + p for p in params)})"
                ),
                params,
            ).fetchall()
            out.update({r[0]: (r[1], r[2]) for r in rows})
        return out

    def record(self, table: str, key: str) -> dict[str, Any] | None:
        if table not in RECORD_TABLES:
            raise ValueError(table)
        with self._read() as conn:
            row = conn.execute(
                text(f"SELECT body, device_id, received_at FROM {table} WHERE id = :k"),
                {"k": key},
            ).fetchone()
        if row is None:
            return None
        return {"body": json.loads(row[0]), "device_id": row[1], "received_at": row[2]}

    def count(self, table: str) -> int:
        if table not in (*RECORD_TABLES, "images", "devices", "catalogs"):
            raise ValueError(table)
        with self._read() as conn:
            return conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar_one()

    def keys(self, table: str) -> list[str]:
        if table not in RECORD_TABLES:
            raise ValueError(table)
        with self._read() as conn:
            return [r[0] for r in conn.exec_driver_sql(f"SELECT id FROM {table} ORDER BY id")]

    # ---- images ----

    def add_image(self, sha256: str, size: int, device_id: str) -> bool:
        """Record a stored image file; False when it was recorded before."""
        with self._write() as conn:
            row = conn.execute(
                text(
                    "INSERT INTO images (sha256, size, device_id, received_at)"
                    " VALUES (:s, :n, :d, :now) ON CONFLICT (sha256) DO NOTHING RETURNING sha256"
                ),
                {"s": sha256, "n": size, "d": device_id, "now": self._clock()},
            ).fetchone()
        return row is not None

    def has_image(self, sha256: str) -> bool:
        with self._read() as conn:
            row = conn.execute(
                text("SELECT 1 FROM images WHERE sha256 = :s"), {"s": sha256}
            ).fetchone()
        return row is not None

    # ---- catalogs ----

    def publish_catalog(self, store_id: str, version: str, body: bytes) -> str:
        sha = hashlib.sha256(body).hexdigest()
        with self._write() as conn:
            row = conn.execute(
                text("SELECT sha256 FROM catalogs WHERE store_id = :s AND version = :v"),
                {"s": store_id, "v": version},
            ).fetchone()
            if row and row[0] != sha:
                raise HqStoreError(
                    f"catalog version {version!r} of store {store_id!r} was already published "
                    "with different contents: give the new one a new version"
                )
            conn.execute(
                text(
                    "INSERT INTO catalogs (store_id, version, sha256, body, published_at)"
                    " VALUES (:s, :v, :h, :b, :now) ON CONFLICT (store_id, version)"
                    " DO UPDATE SET published_at = excluded.published_at"
                ),
                {
                    "s": store_id,
                    "v": version,
                    "h": sha,
                    "b": body.decode("utf-8"),
                    "now": self._clock(),
                },
            )
        return sha

    def current_catalog(self, store_id: str) -> Catalog | None:
        with self._read() as conn:
            row = conn.execute(
                text(
                    "SELECT version, sha256, body FROM catalogs WHERE store_id = :s"
                    " ORDER BY published_at DESC, version DESC LIMIT 1"
                ),
                {"s": store_id},
            ).fetchone()
        return Catalog(store_id, row[0], row[1], row[2].encode("utf-8")) if row else None

    # ---- model releases and their rollout (hq.model_releases) ----

    def publish_model(
        self, name: str, version: int, manifest: bytes, signature: str, shas: list[str]
    ) -> str:
        """Record a release (its files already in the file store). Publishing the same
        manifest again is a no-op; another one under the same version is refused."""
        ref = f"{name}/{version}"
        body = manifest.decode("utf-8")
        with self._write() as conn:
            row = conn.execute(
                text("SELECT manifest FROM model_releases WHERE ref = :r"), {"r": ref}
            ).fetchone()
            if row is not None:
                if row[0] != body:
                    raise HqStoreError(
                        f"{ref} was already published with other files: versions are "
                        "immutable, publish a new version"
                    )
                return ref
            conn.execute(
                text(
                    "INSERT INTO model_releases (ref, name, version, manifest, signature,"
                    " published_at) VALUES (:r, :n, :v, :m, :s, :now)"
                ),
                {
                    "r": ref,
                    "n": name,
                    "v": version,
                    "m": body,
                    "s": signature,
                    "now": self._clock(),
                },
            )
            for sha in sorted(set(shas)):
                conn.execute(
                    text("INSERT INTO model_files (sha256, ref) VALUES (:h, :r)"),
                    {"h": sha, "r": ref},
                )
        return ref

    def rollout(self, ref: str, percent: int, by: str = "cli") -> dict[str, Any]:
        """Serve `ref` to `percent` % of the kiosks (its canary); 100 makes it the
        release of every kiosk (stable) and ends the canary. `by` (who: a signed-in
        name, or "shell (user)" from `hq model`) is kept with the change."""
        if not 1 <= percent <= 100:
            raise HqStoreError(f"a rollout is to 1-100 % of the kiosks, not {percent}")
        with self._write() as conn:
            row = conn.execute(
                text("SELECT name FROM model_releases WHERE ref = :r"), {"r": ref}
            ).fetchone()
            if row is None:
                raise HqStoreError(f"{ref} is not published (hq model publish DIR)")
            name = row[0]
            current = conn.execute(
                text("SELECT stable FROM model_rollouts WHERE name = :n"), {"n": name}
            ).fetchone()
            stable = current[0] if current else None
            if percent == 100:
                stable, canary, percent = ref, None, 0
            else:
                canary = ref
            conn.execute(
                text(
                    "INSERT INTO model_rollouts (name, stable, canary, percent, updated_at)"
                    " VALUES (:n, :s, :c, :p, :now) ON CONFLICT (name) DO UPDATE SET"
                    " stable = excluded.stable, canary = excluded.canary,"
                    " percent = excluded.percent, updated_at = excluded.updated_at"
                ),
                {"n": name, "s": stable, "c": canary, "p": percent, "now": self._clock()},
            )
            self._log_rollout(conn, by, name, "rollout", ref, 100 if canary is None else percent)
        return self.rollouts()[name]

    def halt_rollout(self, name: str, by: str = "cli") -> dict[str, Any]:
        """Take the canary back: every kiosk is served the stable release again."""
        with self._write() as conn:
            row = conn.execute(
                text("SELECT canary FROM model_rollouts WHERE name = :n"), {"n": name}
            ).fetchone()
            if row is None:
                raise HqStoreError(f"model {name!r} has no rollout")
            if row[0] is None:
                raise HqStoreError(f"model {name!r} has no canary to halt")
            conn.execute(
                text(
                    "UPDATE model_rollouts SET canary = NULL, percent = 0, updated_at = :now"
                    " WHERE name = :n"
                ),
                {"n": name, "now": self._clock()},
            )
            self._log_rollout(conn, by, name, "halt", row[0], 0)
        return self.rollouts()[name]

    def _log_rollout(
        self, conn: Connection, by: str, name: str, action: str, ref: str | None, percent: int
    ) -> None:
        conn.execute(
            text(
                "INSERT INTO rollout_changes (changed_at, changed_by, name, action, ref, percent)"
                " VALUES (:now, :by, :n, :a, :r, :p)"
            ),
            {"now": self._clock(), "by": by, "n": name, "a": action, "r": ref, "p": percent},
        )

    def rollout_changes(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest changes to any model's rollout, newest first."""
        with self._read() as conn:
            rows = conn.execute(
                text(
                    "SELECT changed_at, changed_by, name, action, ref, percent"
                    " FROM rollout_changes ORDER BY changed_at DESC LIMIT :l"
                ),
                {"l": limit},
            ).fetchall()
        keys = ("changed_at", "changed_by", "name", "action", "ref", "percent")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def release_outcomes(self, since: float) -> dict[str, dict[str, int]]:
        """Per model release, the sales completed since `since`: how many, how many were
        hard cases (the kiosk corrected, asked or called staff), how many abandoned."""
        with self._read() as conn:
            rows = conn.execute(
                text(
                    "SELECT model_version, COUNT(*),"
                    " SUM(CASE WHEN hard_case = 1 THEN 1 ELSE 0 END),"
                    " SUM(CASE WHEN status = 'abandoned' THEN 1 ELSE 0 END)"
                    " FROM sales WHERE completed_at >= :since AND model_version IS NOT NULL"
                    " GROUP BY model_version"
                ),
                {"since": since},
            ).fetchall()
        return {
            r[0]: {"sales": int(r[1]), "hard_cases": int(r[2] or 0), "abandoned": int(r[3] or 0)}
            for r in rows
        }

    def rollouts(self) -> dict[str, dict[str, Any]]:
        with self._read() as conn:
            rows = conn.execute(
                text("SELECT name, stable, canary, percent, updated_at FROM model_rollouts")
            ).fetchall()
        return {
            r[0]: {"stable": r[1], "canary": r[2], "percent": r[3], "updated_at": r[4]}
            for r in rows
        }

    def model_releases(self) -> list[dict[str, Any]]:
        with self._read() as conn:
            rows = conn.execute(
                text("SELECT ref, published_at FROM model_releases ORDER BY name, version")
            ).fetchall()
        return [{"ref": r[0], "published_at": r[1]} for r in rows]

    def model_for_device(self, name: str, cohort: int) -> dict[str, Any] | None:
        """The release a kiosk of this `cohort` (0-99) runs of model `name`, with its
        manifest and signature; None when none is rolled out to it."""
        with self._read() as conn:
            row = conn.execute(
                text("SELECT stable, canary, percent FROM model_rollouts WHERE name = :n"),
                {"n": name},
            ).fetchone()
            if row is None:
                return None
            stable, canary, percent = row
            ref, track = (canary, "canary") if canary and cohort < percent else (stable, "stable")
            if ref is None:
                return None
            release = conn.execute(
                text("SELECT manifest, signature FROM model_releases WHERE ref = :r"), {"r": ref}
            ).fetchone()
        return {"ref": ref, "track": track, "manifest": release[0], "signature": release[1]}

    def is_model_file(self, sha256: str) -> bool:
        with self._read() as conn:
            row = conn.execute(
                text("SELECT 1 FROM model_files WHERE sha256 = :h"), {"h": sha256}
            ).fetchone()
        return row is not None

    # ---- reviews of hard cases (hq.review) ----

    def review_counts(self) -> dict[str, int]:
        with self._read() as conn:
            total = conn.exec_driver_sql("SELECT COUNT(*) FROM hard_cases").scalar_one()
            done = conn.exec_driver_sql(
                "SELECT COUNT(*) FROM reviews r JOIN hard_cases h ON h.id = r.case_id"
            ).scalar_one()
        return {"pending": total - done, "reviewed": done, "all": total}

    def hard_cases(self, status: str = "pending", limit: int = 50, offset: int = 0) -> list[dict]:
        """Hard cases newest first: "pending" (not reviewed yet), "reviewed" or "all";
        each with its record's body and its review (None when pending)."""
        where = {"pending": "r.case_id IS NULL", "reviewed": "r.case_id IS NOT NULL"}.get(
            status, "1 = 1"
        )
        with self._read() as conn:
            rows = conn.execute(
                text(
                    "SELECT h.id, h.device_id, h.received_at, h.body, d.store_id,"
                    " r.outcome, r.boxes, r.missed, r.reviewer, r.note, r.reviewed_at"
                    " FROM hard_cases h LEFT JOIN reviews r ON r.case_id = h.id"
                    " LEFT JOIN devices d ON d.device_id = h.device_id"
                    f" WHERE {where} ORDER BY h.received_at DESC, h.id LIMIT :n OFFSET :o"
                ),
                {"n": limit, "o": offset},
            ).fetchall()
        return [_case_row(r) for r in rows]

    def hard_case(self, case_id: str) -> dict | None:
        with self._read() as conn:
            row = conn.execute(
                text(
                    "SELECT h.id, h.device_id, h.received_at, h.body, d.store_id,"
                    " r.outcome, r.boxes, r.missed, r.reviewer, r.note, r.reviewed_at"
                    " FROM hard_cases h LEFT JOIN reviews r ON r.case_id = h.id"
                    " LEFT JOIN devices d ON d.device_id = h.device_id WHERE h.id = :k"
                ),
                {"k": case_id},
            ).fetchone()
        return _case_row(row) if row else None

    def save_review(
        self,
        case_id: str,
        outcome: str,
        boxes: list[str],
        missed: dict[str, int],
        reviewer: str,
        note: str,
    ) -> None:
        """Record (or replace: a second look may correct the first) a case's review."""
        values = {
            "k": case_id,
            "o": outcome,
            "b": json.dumps(boxes),
            "m": json.dumps(missed, sort_keys=True),
            "r": reviewer,
            "n": note,
            "now": self._clock(),
        }
        with self._write() as conn:
            if conn.execute(text("SELECT 1 FROM hard_cases WHERE id = :k"), values).fetchone():
                conn.execute(
                    text(
                        "INSERT INTO reviews (case_id, outcome, boxes, missed, reviewer, note,"
                        " reviewed_at) VALUES (:k, :o, :b, :m, :r, :n, :now)"
                        " ON CONFLICT (case_id) DO UPDATE SET outcome = excluded.outcome,"
                        " boxes = excluded.boxes, missed = excluded.missed,"
                        " reviewer = excluded.reviewer, note = excluded.note,"
                        " reviewed_at = excluded.reviewed_at"
                    ),
                    values,
                )
            else:
                raise HqStoreError(f"no hard case {case_id!r}")


def _case_row(r: Any) -> dict:
    review = None
    if r[5] is not None:
        review = {
            "outcome": r[5],
            "boxes": json.loads(r[6]),
            "missed": json.loads(r[7]),
            "reviewer": r[8],
            "note": r[9],
            "reviewed_at": r[10],
        }
    return {
        "id": r[0],
        "device_id": r[1],
        "received_at": r[2],
        "body": json.loads(r[3]),
        "store_id": r[4],
        "review": review,
    }


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, pool_size=8, max_overflow=8, pool_timeout=30)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from the driver: writes must BEGIN IMMEDIATE, or two
        # writers that both read first deadlock on the upgrade and one fails at once.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout = 30000")
        cur.execute("PRAGMA journal_mode = WAL")
        # FULL: an upload is acknowledged only once it is on disk; the kiosk deletes
        # nothing on an acknowledgement, but it stops resending.
        cur.execute("PRAGMA synchronous = FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("hq_read"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
