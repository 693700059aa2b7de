"""Constants and sample records shared by the hq tests (conftest.py holds fixtures)."""

from __future__ import annotations

DEVICE, STORE, TOKEN = "kiosk-1", "store-1", "token-kiosk-1"
OTHER_DEVICE, OTHER_TOKEN = "kiosk-2", "token-kiosk-2"


def a_sale(sale_id: str = "kiosk-1-000001", device_id: str = DEVICE, total: int = 700) -> dict:
    return {
        "kind": "sale",
        "id": sale_id,
        "device_id": device_id,
        "status": "paid",
        "started_at": 1_790_000_000.25,
        "completed_at": 1_790_000_030.5,
        "total": total,
        "currency": "CNY",
        "catalog_version": "2026.11.25-1",
        "model_version": "m-3",
        "hard_case": False,
        "lines": [
            {
                "line_id": 1,
                "sku": "cola-classic-330",
                "name_zh": "晨光可乐 经典 330毫升",
                "name_en": "Morning Cola Classic 330ml",
                "source": "vision",
                "quantity": 2,
                "unit_price": 350,
                "weight_g": None,
                "total": 700,
                "age_restricted": False,
                "approved_by": None,
                "voided": False,
                "void_reason": None,
            }
        ],
        "payment": {
            "attempt_id": f"pay-{sale_id}",
            "method": "sim",
            "amount": total,
            "reference": "r-1",
            "at": 1_790_000_030.5,
        },
    }
