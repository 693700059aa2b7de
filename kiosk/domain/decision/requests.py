"""What the kiosk asks of the shopper, tied to boxes on the camera image, and why staff
are called. Texts are bilingual; the UI draws `boxes` on the image."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

Box = tuple[float, float, float, float]


class RequestKind(StrEnum):
    CHOOSE = "choose"  # this box is one of these SKUs: pick it or scan it
    CHECK_ITEM = "check_item"  # this box may not be an item for sale: take it away if so
    SHOW_ITEM = "show_item"  # the camera half-saw an item here: move it apart to show it
    SEPARATE = "separate"  # something may hide under these boxes: move them apart
    SPREAD_OUT = "spread_out"  # weight and image disagree: spread the items
    SCAN = "scan"  # this box is not a product we know: scan its barcode
    WEIGH_SEPARATELY = "weigh_separately"  # two loose produce: one at a time
    PLACE_ON_TRAY = "place_on_tray"  # seen but not weighed: rest them fully on the tray
    BRING_INTO_VIEW = "bring_into_view"  # weighed but not seen: move to the camera's view


class StaffReason(StrEnum):
    SCALE_OFFLINE = "scale_offline"  # no stable weight: the basket cannot be checked
    SCALE_FAULT = "scale_fault"  # a reading that cannot be a load (negative, overload)
    NO_ITEM_WEIGHT = "no_item_weight"  # an SKU without a known weight: cannot check
    WEIGHT_FAR_OFF = "weight_far_off"  # far outside every hypothesis
    UNRESOLVED = "unresolved"  # the shopper could not fix it after N attempts


@dataclass(frozen=True, slots=True)
class Named:
    sku: str
    name_en: str
    name_zh: str

    def name(self, language: str) -> str:
        return self.name_zh if language.startswith("zh") else self.name_en


@dataclass(frozen=True, slots=True)
class Request:
    kind: RequestKind
    boxes: tuple[int, ...] = ()  # indices into the TrayView's items
    box_coords: tuple[Box, ...] = ()  # the same boxes in frame pixels, for drawing
    skus: tuple[Named, ...] = ()
    grams: float | None = None  # the unexplained weight, when there is one

    def text(self, language: str = "en") -> str:
        zh = language.startswith("zh")
        names = [s.name(language) for s in self.skus]
        if self.kind is RequestKind.CHOOSE:
            options = ("还是" if zh else " or ").join(names)
            if zh:
                return f"这是{options}？请在屏幕上选择或扫描条码。"
            return f"Is this {options}? Pick it on the screen or scan its barcode."
        if self.kind is RequestKind.SHOW_ITEM and names:
            what = ("还是" if zh else " or ").join(names)
            if zh:
                return f"摄像头看不清这里的商品（{what}？）：请把它与其他商品分开摆放。"
            return (
                f"The camera cannot see this item clearly ({what}?): "
                "please move it apart from the others."
            )
        if self.kind is RequestKind.WEIGH_SEPARATELY:
            both = ("和" if zh else " and ").join(names)
            if zh:
                return f"请分开称{both}：先拿走其中一种。"
            return f"Please weigh {both} one at a time: take one of them off the tray."
        return _FIXED[self.kind][1 if zh else 0]

    def to_dict(self) -> dict:
        return {
            "kind": self.kind.value,
            "boxes": list(self.boxes),
            "skus": [s.sku for s in self.skus],
            "grams": None if self.grams is None else round(self.grams, 1),
        }


_FIXED: dict[RequestKind, tuple[str, str]] = {
    RequestKind.CHECK_ITEM: (
        "Is this an item you are buying? Please take away anything that is not.",
        "这是您要购买的商品吗？请拿走不购买的物品。",
    ),
    RequestKind.SHOW_ITEM: (
        "The camera cannot see this item clearly: please move it apart from the others.",
        "摄像头看不清这件商品：请把它与其他商品分开摆放。",
    ),
    RequestKind.SEPARATE: (
        "Something may be hidden under these items: please move them apart.",
        "这些商品下面可能压着其他商品：请把它们分开摆放。",
    ),
    RequestKind.SPREAD_OUT: (
        "The weight does not match what the camera sees: please spread the items out.",
        "重量与识别结果不符：请把商品分开摆放。",
    ),
    RequestKind.SCAN: (
        "This item is not recognised: please scan its barcode.",
        "无法识别此商品：请扫描条码。",
    ),
    RequestKind.PLACE_ON_TRAY: (
        "The scale does not feel these items: please rest them fully on the tray.",
        "秤上没有感应到这些商品：请把商品完整地放在托盘上。",
    ),
    RequestKind.BRING_INTO_VIEW: (
        "Something on the tray is out of the camera's view: move it to the middle.",
        "托盘上有摄像头看不到的物品：请移到托盘中间。",
    ),
}

STAFF_TEXT: dict[StaffReason, tuple[str, str]] = {
    StaffReason.SCALE_OFFLINE: (
        "The scale is not available: staff will check the basket.",
        "电子秤暂不可用：请等待工作人员核对商品。",
    ),
    StaffReason.SCALE_FAULT: (
        "The scale reading is not valid: staff will check the scale.",
        "电子秤读数异常：请等待工作人员检查。",
    ),
    StaffReason.NO_ITEM_WEIGHT: (
        "An item has no known weight: staff will check the basket.",
        "有商品缺少重量信息：请等待工作人员核对。",
    ),
    StaffReason.WEIGHT_FAR_OFF: (
        "The weight is far from what the camera sees: staff will help.",
        "重量与识别结果相差太大：请等待工作人员协助。",
    ),
    StaffReason.UNRESOLVED: (
        "We could not sort this out: staff will help.",
        "未能解决问题：请等待工作人员协助。",
    ),
}
