"""The sync client's configuration (the `[sync]` table of the kiosk's config)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

DEMO_TOKEN = "demo-kiosk-token"  # what `hq serve --demo` registers for the demo kiosk


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SyncConfig(BaseModel):
    """How the kiosk reaches headquarters. The defaults sync the demo to `hq serve` on
    this machine (see README); a store deployment sets url, device_token and ca_file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(True, description="Run the sync worker at all.")
    url: str = Field(
        "http://127.0.0.1:8600",
        description="Headquarters base URL. https:// in a store; http:// only to a "
        "loopback address and only with allow_plain_http_loopback.",
    )
    device_token: SecretStr = Field(
        SecretStr(DEMO_TOKEN),
        description="This kiosk's token, from `hq device add DEVICE_ID --store STORE`.",
    )
    ca_file: Path | None = Field(
        None,
        description="PEM file of the CA that signed headquarters' certificate (a store "
        "network's own CA). Unset: the system's trusted CAs.",
    )
    allow_plain_http_loopback: bool = Field(
        True,
        description="Allow http:// when the host is a loopback address (the demo, tests). "
        "Plain HTTP to any other host is always refused.",
    )
    batch_size: int = Field(100, ge=1, le=500, description="Outbox records per upload.")
    interval_s: float = Field(
        2.0, gt=0, le=3600, description="How long to wait before looking again when idle."
    )
    connect_timeout_s: float = Field(3.0, gt=0, le=120, description="TCP/TLS connect timeout.")
    read_timeout_s: float = Field(
        15.0, gt=0, le=600, description="Longest wait for any response bytes."
    )
    backoff_initial_s: float = Field(
        0.5, gt=0, le=600, description="First retry delay cap after a failure."
    )
    backoff_max_s: float = Field(
        60.0, gt=0, le=3600, description="Retry delays never exceed this (full jitter below)."
    )
    heartbeat_interval_s: float = Field(30.0, gt=0, le=3600, description="Heartbeat period.")
    catalog_interval_s: float = Field(
        60.0, gt=0, le=86400, description="How often to ask for a new catalog (ETag)."
    )

    model_key: str = Field(
        "",
        description="Headquarters' Ed25519 public key for model releases, base64 (hq model "
        "keygen prints it); empty: this kiosk takes no model releases from headquarters.",
    )
    model_interval_s: float = Field(
        300.0, gt=0, le=86400, description="How often to ask which model release to run."
    )

    @model_validator(mode="after")
    def _check_transport(self) -> SyncConfig:
        parts = urlsplit(self.url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError(f"url must be https://host[:port], not {self.url!r}")
        if parts.scheme == "http":
            if not is_loopback_host(parts.hostname):
                raise ValueError(
                    f"url {self.url!r} is plain HTTP to a non-loopback host: sales and "
                    "tokens would cross the network unencrypted; use https:// (with "
                    "ca_file for a store CA)"
                )
            if not self.allow_plain_http_loopback:
                raise ValueError(
                    f"url {self.url!r} is plain HTTP; set allow_plain_http_loopback = true "
                    "to allow it to a loopback address"
                )
        if (
            not is_loopback_host(parts.hostname)
            and self.device_token.get_secret_value() == DEMO_TOKEN
        ):
            raise ValueError(
                "device_token is still the demo token: set this kiosk's own token "
                "(hq device add DEVICE_ID --store STORE prints it)"
            )
        if self.backoff_max_s < self.backoff_initial_s:
            raise ValueError("backoff_max_s must be at least backoff_initial_s")
        if self.model_key:
            import base64
            import binascii

            try:
                raw = base64.b64decode(self.model_key, validate=True)
            except (binascii.Error, ValueError):
                raw = b""
            if len(raw) != 32:
                raise ValueError("model_key must be the base64 of a 32-byte Ed25519 public key")
        if self.ca_file is not None and not self.ca_file.is_file():
            raise ValueError(f"ca_file {self.ca_file} does not exist")
        return self
