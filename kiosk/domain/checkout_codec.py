"""The in-progress checkout as plain JSON-able data, so a restart resumes it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kiosk.domain.basket import Basket, BasketLine, LineSource
from kiosk.domain.checkout import (
    AssistReason,
    Checkout,
    CompletedSale,
    PaymentRecord,
    PendingPayment,
    Phase,
)

FORMAT = 1


def line_to_dict(line: BasketLine) -> dict[str, Any]:
    return {
        "line_id": line.line_id,
        "sku": line.sku,
        "name_zh": line.name_zh,
        "name_en": line.name_en,
        "source": line.source.value,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "weight_g": None if line.weight_g is None else str(line.weight_g),
        "total": line.total,
        "age_restricted": line.age_restricted,
        "approved_by": line.approved_by,
        "voided": line.voided,
        "void_reason": line.void_reason,
    }


def line_from_dict(d: dict[str, Any]) -> BasketLine:
    return BasketLine(
        line_id=d["line_id"],
        sku=d["sku"],
        name_zh=d["name_zh"],
        name_en=d["name_en"],
        source=LineSource(d["source"]),
        quantity=d["quantity"],
        unit_price=d["unit_price"],
        weight_g=None if d["weight_g"] is None else Decimal(d["weight_g"]),
        total=d["total"],
        age_restricted=d["age_restricted"],
        approved_by=d["approved_by"],
        voided=d["voided"],
        void_reason=d["void_reason"],
    )


def payment_to_dict(p: PaymentRecord) -> dict[str, Any]:
    return {
        "attempt_id": p.attempt_id,
        "method": p.method,
        "amount": p.amount,
        "reference": p.reference,
        "at": p.at,
    }


def sale_to_dict(s: CompletedSale) -> dict[str, Any]:
    return {
        "sale_id": s.sale_id,
        "lines": [line_to_dict(x) for x in s.lines],
        "total": s.total,
        "payment": payment_to_dict(s.payment),
        "started_at": s.started_at,
        "paid_at": s.paid_at,
        "hard_case": s.hard_case,
    }


def sale_from_dict(d: dict[str, Any]) -> CompletedSale:
    return CompletedSale(
        sale_id=d["sale_id"],
        lines=tuple(line_from_dict(x) for x in d["lines"]),
        total=d["total"],
        payment=PaymentRecord(**d["payment"]),
        started_at=d["started_at"],
        paid_at=d["paid_at"],
        hard_case=d["hard_case"],
    )


def checkout_to_dict(c: Checkout) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "device_id": c.device_id,
        "sale_prefix": c.sale_prefix,
        "phase": c.phase.value,
        "sale_seq": c.sale_seq,
        "sale_id": c.sale_id,
        "started_at": c.started_at,
        "last_activity": c.last_activity,
        "basket": {
            "lines": [line_to_dict(x) for x in c.basket.lines],
            "next_line_id": c.basket.next_line_id,
        },
        "problem": c.problem,
        "shopper_attempts": c.shopper_attempts,
        "assist_reason": c.assist_reason.value if c.assist_reason else None,
        "payment": None
        if c.payment is None
        else {
            "attempt_id": c.payment.attempt_id,
            "amount": c.payment.amount,
            "method": c.payment.method,
            "started_at": c.payment.started_at,
        },
        "payment_attempts": c.payment_attempts,
        "paid": None if c.paid is None else sale_to_dict(c.paid),
        "receipt_done": c.receipt_done,
        "tray_empty": c.tray_empty,
        "faults": [list(f) for f in c.faults],
        "resume_phase": c.resume_phase.value if c.resume_phase else None,
        "hard_case": c.hard_case,
        "recent_payments": list(c.recent_payments),
        "tray_unfiled": c.tray_unfiled,
    }


def checkout_from_dict(d: dict[str, Any]) -> Checkout:
    if d.get("format") != FORMAT:
        raise ValueError(f"unknown checkout format {d.get('format')!r}")
    b = d["basket"]
    return Checkout(
        device_id=d["device_id"],
        sale_prefix=d.get("sale_prefix", ""),
        phase=Phase(d["phase"]),
        sale_seq=d["sale_seq"],
        sale_id=d["sale_id"],
        started_at=d["started_at"],
        last_activity=d["last_activity"],
        basket=Basket(tuple(line_from_dict(x) for x in b["lines"]), b["next_line_id"]),
        problem=d["problem"],
        shopper_attempts=d["shopper_attempts"],
        assist_reason=AssistReason(d["assist_reason"]) if d["assist_reason"] else None,
        payment=None if d["payment"] is None else PendingPayment(**d["payment"]),
        payment_attempts=d["payment_attempts"],
        paid=None if d["paid"] is None else sale_from_dict(d["paid"]),
        receipt_done=d["receipt_done"],
        tray_empty=d["tray_empty"],
        faults=tuple((f[0], f[1]) for f in d["faults"]),
        resume_phase=Phase(d["resume_phase"]) if d["resume_phase"] else None,
        hard_case=d["hard_case"],
        recent_payments=tuple(d["recent_payments"]),
        tray_unfiled=d.get("tray_unfiled", False),  # snapshots before it: nothing to file
    )
