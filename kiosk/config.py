"""The kiosk's configuration: validated models, one TOML file, environment overrides.

Defaults run the demo with no file at all. Every error names the key by its path and
what was expected, e.g. `store.max_db_mb: Input should be greater than 0`.

Environment overrides use `KIOSK__SECTION__KEY=value` (double underscores between
levels); the value is read as a TOML value when it parses as one (numbers, booleans,
quoted strings, arrays) and as a plain string otherwise.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hardware.camera.config import OpenCvCameraConfig
from hardware.printer.config import PrinterConfig
from hardware.scale.config import ScaleConfig
from hardware.scanner.config import ScannerConfig
from kiosk.catalog_file import DEMO_CATALOG
from kiosk.sync.config import SyncConfig
from kiosk.vision.config import VisionConfig

ENV_PREFIX = "KIOSK__"


class ConfigError(ValueError):
    """A configuration that must not start the kiosk; the message names each bad key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeviceConfig(_Section):
    id: str = Field(
        "demo-kiosk-01",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$",
        description="This terminal's id; prefixes its sale numbers.",
    )
    store_id: str = Field("demo-001", min_length=1, description="The shop this kiosk is in.")


class StoreConfig(_Section):
    data_dir: Path = Field(Path("var"), description="Database, images and logs live here.")
    database: str = Field("kiosk.sqlite", description="File name under data_dir.")
    max_db_mb: int | None = Field(None, gt=0, description="Refuse writes beyond this size.")

    @property
    def database_path(self) -> Path:
        return self.data_dir / self.database

    @property
    def images_dir(self) -> Path:
        return self.data_dir / "images"


class CatalogConfig(_Section):
    path: Path = Field(DEMO_CATALOG, description="Catalog document used until HQ sends one.")


class CheckoutConfig(_Section):
    max_shopper_attempts: int = Field(
        2, ge=0, le=10, description="'Ask the shopper' rounds before staff."
    )
    unattended_after_s: float = Field(300.0, gt=0, description="Idle basket -> call staff.")


class SimulatedPaymentConfig(_Section):
    type: Literal["simulated"] = "simulated"
    approve_after_s: float = Field(1.5, ge=0, le=60, description="Simulated customer delay.")
    decline_amounts: list[int] = Field(
        default_factory=list, description="Totals (fen) the simulator declines."
    )
    timeout_s: float = Field(60.0, gt=0, description="Give up waiting for the customer.")


PaymentConfig = SimulatedPaymentConfig  # real providers join as a discriminated union


class UiConfig(_Section):
    language: Literal["zh_CN", "en"] = "zh_CN"
    fullscreen: bool = False


class KioskConfig(_Section):
    device: DeviceConfig = DeviceConfig()
    store: StoreConfig = StoreConfig()
    catalog: CatalogConfig = CatalogConfig()
    checkout: CheckoutConfig = CheckoutConfig()
    payment: PaymentConfig = Field(default_factory=SimulatedPaymentConfig)
    ui: UiConfig = UiConfig()
    sync: SyncConfig = SyncConfig()
    vision: VisionConfig = VisionConfig()
    # The devices of `kiosk run` (each a plugin chosen by its `type` key). The demo
    # simulates all four and ignores these; `kiosk run` needs at least camera and scale.
    camera: OpenCvCameraConfig | None = None
    scale: ScaleConfig | None = None
    printer: PrinterConfig | None = None  # none: receipts as QR e-receipts only
    scanner: ScannerConfig | None = None


def _env_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def apply_env(doc: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    doc = {k: (dict(v) if isinstance(v, dict) else v) for k, v in doc.items()}
    for name, raw in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX):
            continue
        path = [p.lower() for p in name[len(ENV_PREFIX) :].split("__") if p]
        if not path:
            continue
        node = doc
        for key in path[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = {}
                node[key] = child
            node = child
        node[path[-1]] = _env_value(raw)
    return doc


def _describe(err: ValidationError, source: str) -> str:
    lines = []
    for e in err.errors():
        path = ".".join(str(p) for p in e["loc"]) or "(top level)"
        got = e.get("input")
        shown = "" if isinstance(got, dict) else f" (got {got!r})"
        lines.append(f"  {path}: {e['msg']}{shown}")
    return f"invalid configuration in {source}:\n" + "\n".join(lines)


def parse_config(doc: Mapping[str, Any], source: str = "config") -> KioskConfig:
    try:
        return KioskConfig.model_validate(doc)
    except ValidationError as err:
        raise ConfigError(_describe(err, source)) from None


def load_config(
    path: Path | str | None = None, environ: Mapping[str, str] | None = None
) -> KioskConfig:
    """The config file (if any) with the environment's overrides on top."""
    doc: dict[str, Any] = {}
    source = "defaults"
    if path is not None:
        path = Path(path)
        source = str(path)
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as err:
            raise ConfigError(f"cannot read {path}: {err.strerror}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise ConfigError(f"{path} is not valid TOML: {err}") from None
    env = os.environ if environ is None else environ
    if any(k.startswith(ENV_PREFIX) for k in env):
        source += " + KIOSK__ environment"
    return parse_config(apply_env(doc, env), source)
