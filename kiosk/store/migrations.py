"""Numbered schema migrations. The schema version is SQLite's `user_version`.

Append only: a migration that has shipped is never edited, because kiosks in the
field have already run it. Each runs in one transaction with its version bump.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema.
    """
    CREATE TABLE catalog_versions (
        version      TEXT PRIMARY KEY,
        sha256       TEXT NOT NULL,
        body         TEXT NOT NULL,
        received_at  REAL NOT NULL,
        activated_at REAL
    );
    CREATE TABLE sales (
        id              TEXT PRIMARY KEY,
        device_id       TEXT NOT NULL,
        seq             INTEGER NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('paid', 'abandoned')),
        started_at      REAL NOT NULL,
        completed_at    REAL NOT NULL,
        total           INTEGER NOT NULL,
        currency        TEXT NOT NULL,
        catalog_version TEXT NOT NULL,
        model_version   TEXT NOT NULL,
        hard_case       INTEGER NOT NULL DEFAULT 0,
        note            TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX sales_completed ON sales (completed_at);
    CREATE TABLE sale_lines (
        sale_id        TEXT NOT NULL REFERENCES sales (id),
        line_id        INTEGER NOT NULL,
        sku            TEXT NOT NULL,
        name_zh        TEXT NOT NULL,
        name_en        TEXT NOT NULL,
        source         TEXT NOT NULL,
        quantity       INTEGER NOT NULL CHECK (quantity > 0),
        unit_price     INTEGER NOT NULL,
        weight_g       TEXT,
        total          INTEGER NOT NULL,
        age_restricted INTEGER NOT NULL,
        approved_by    TEXT,
        voided         INTEGER NOT NULL,
        void_reason    TEXT,
        PRIMARY KEY (sale_id, line_id)
    );
    CREATE TABLE payments (
        attempt_id TEXT PRIMARY KEY,
        sale_id    TEXT NOT NULL REFERENCES sales (id),
        method     TEXT NOT NULL,
        amount     INTEGER NOT NULL,
        reference  TEXT NOT NULL,
        at         REAL NOT NULL
    );
    CREATE TABLE refunds (
        attempt_id TEXT PRIMARY KEY,
        amount     INTEGER NOT NULL,
        reference  TEXT NOT NULL,
        why        TEXT NOT NULL,
        at         REAL NOT NULL,
        done_at    REAL
    );
    CREATE TABLE checkout_state (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        body       TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE hard_cases (
        id           TEXT PRIMARY KEY,
        sale_id      TEXT,
        created_at   REAL NOT NULL,
        image_sha256 TEXT,
        meta         TEXT NOT NULL
    );
    CREATE TABLE outbox (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        kind       TEXT NOT NULL,
        ref        TEXT NOT NULL,
        payload    TEXT NOT NULL,
        created_at REAL NOT NULL,
        attempts   INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        sent_at    REAL,
        UNIQUE (kind, ref)
    );
    CREATE INDEX outbox_pending ON outbox (seq) WHERE sent_at IS NULL;
    CREATE TABLE staff (
        id              TEXT PRIMARY KEY,
        name            TEXT NOT NULL,
        role            TEXT NOT NULL,
        pin_hash        TEXT NOT NULL,
        pin_salt        TEXT NOT NULL,
        badge           TEXT UNIQUE,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until    REAL NOT NULL DEFAULT 0,
        active          INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE audit_log (
        seq      INTEGER PRIMARY KEY AUTOINCREMENT,
        at       REAL NOT NULL,
        staff_id TEXT,
        action   TEXT NOT NULL,
        detail   TEXT NOT NULL
    );
    -- The audit log is evidence: rows are never changed or removed.
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    """,
    # 2: a refused outbox row (headquarters' final "no" for that record) gets its own
    # timestamp instead of a prefix in last_error; staff list them, sync skips them.
    """
    ALTER TABLE outbox ADD COLUMN refused_at REAL;
    UPDATE outbox SET refused_at = created_at,
                      last_error = substr(last_error, length('refused: ') + 1)
        WHERE sent_at IS NULL AND last_error LIKE 'refused: %';
    """,
    # 3: this database's own id (random, made once when the database is created),
    # part of every sale id so a reset database cannot reuse one headquarters holds.
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO meta (key, value) VALUES ('instance', lower(hex(randomblob(3))));
    """,
)

LATEST = len(MIGRATIONS)
