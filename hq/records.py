"""What headquarters accepts, as validation models mirroring hq/openapi.yaml.

Validated strictly (no "1" for 1), but unknown fields are allowed and kept in the
stored body: a newer kiosk adding a field must never have its sales refused by an
older server. The stored body is the record as sent, not as parsed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

# Printable ASCII without spaces: an idempotency key goes into a primary key column
# and into log lines, where control characters and look-alike Unicode do harm.
KEY_PATTERN = r"^[!-~]+$"
Key = Annotated[str, Field(min_length=1, max_length=200, pattern=KEY_PATTERN)]
Fen = Annotated[int, Field(ge=-100_000_000_000, le=100_000_000_000)]
Timestamp = Annotated[float, Field(ge=0, le=100_000_000_000, allow_inf_nan=False)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
ShortText = Annotated[str, Field(max_length=100)]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class SaleLineIn(_Open):
    line_id: int = Field(ge=0, le=100_000)
    sku: str = Field(min_length=1, max_length=200)
    name_zh: str = Field(default="", max_length=500)
    name_en: str = Field(default="", max_length=500)
    source: str = Field(default="", max_length=50)
    quantity: int = Field(ge=1, le=100_000)
    unit_price: Fen
    weight_g: str | None = Field(default=None, max_length=20)
    total: Fen
    age_restricted: bool = False
    approved_by: str | None = Field(default=None, max_length=200)
    voided: bool = False
    void_reason: str | None = Field(default=None, max_length=1000)


class PaymentIn(_Open):
    attempt_id: str = Field(min_length=1, max_length=200)
    method: str = Field(max_length=100)
    amount: Fen
    reference: str = Field(max_length=500)
    at: Timestamp


class SaleIn(_Open):
    kind: Literal["sale"] = "sale"
    id: Key
    device_id: str = Field(min_length=1, max_length=100)
    status: Literal["paid", "abandoned"]
    started_at: Timestamp
    completed_at: Timestamp
    total: Fen
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    catalog_version: ShortText
    model_version: ShortText
    hard_case: bool = False
    note: str = Field(default="", max_length=2000)
    lines: list[SaleLineIn] = Field(max_length=1000)
    payment: PaymentIn | None = None


class RefundIn(_Open):
    kind: Literal["refund"] = "refund"
    attempt_id: Key
    amount: Fen
    reference: str = Field(max_length=500)
    why: str = Field(max_length=2000)
    at: Timestamp


class HardCaseIn(_Open):
    kind: Literal["hard_case"] = "hard_case"
    id: Key
    sale_id: str | None = Field(default=None, max_length=200, pattern=KEY_PATTERN)
    image_sha256: Sha256 | None = None
    created_at: Timestamp
    meta: dict[str, Any]


class HeartbeatIn(_Open):
    device_id: str = Field(min_length=1, max_length=100)
    app_version: ShortText
    model_version: str | None = Field(default=None, max_length=100)
    execution_provider: str | None = Field(default=None, max_length=100)
    size_check: str | None = Field(default=None, max_length=200)
    model_update: str | None = Field(default=None, max_length=300)
    devices: dict[str, Annotated[str, Field(max_length=200)]] = Field(
        default_factory=dict, max_length=50
    )
    backlog: int = Field(default=0, ge=0)
    refused: int = Field(default=0, ge=0)
    last_error: str | None = Field(default=None, max_length=2000)
    clock: Timestamp


def describe(err: ValidationError) -> list[dict[str, str]]:
    """Field-level problems, each with its path, for the Error body."""
    return [
        {"loc": ".".join(str(p) for p in e["loc"]) or "(body)", "msg": e["msg"]}
        for e in err.errors(include_url=False)
    ]
