"""List models for QML: each a QAbstractListModel with an IntEnum of roles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    Property,
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QRectF,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QFont, QFontMetricsF

from kiosk.ui.label_layout import Rect, place_labels


class _RowsModel(QAbstractListModel):
    """Rows are frozen dataclasses; a change of identity resets, a same-shaped change
    updates in place (so a ListView keeps its scroll position while quantities move)."""

    Roles: type[IntEnum]
    countChanged = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def roleNames(self) -> dict[int, QByteArray]:
        return {r.value: QByteArray(r.name.encode()) for r in self.Roles}

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        try:
            name = self.Roles(role).name
        except ValueError:
            return None
        return getattr(self._rows[index.row()], name)

    def rows(self) -> list[Any]:
        return list(self._rows)

    def key(self, row: Any) -> Any:
        return row

    def set_rows(self, rows: Sequence[Any]) -> None:
        rows = list(rows)
        if rows == self._rows:
            return
        if [self.key(r) for r in rows] == [self.key(r) for r in self._rows]:
            changed = [i for i, (a, b) in enumerate(zip(rows, self._rows, strict=True)) if a != b]
            self._rows = rows
            for i in changed:
                idx = self.index(i, 0)
                self.dataChanged.emit(idx, idx, [])
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()
        self.countChanged.emit()


@dataclass(frozen=True, slots=True)
class BasketRow:
    lineId: int
    sku: str
    name: str
    quantity: int
    unitPrice: str
    weight: str  # "412 g" for produce, "" otherwise
    lineTotal: str
    source: str
    needsAge: bool
    approved: bool
    voided: bool
    picture: str
    editable: bool  # the shopper may change the quantity (scanned or picked lines)


class BasketModel(_RowsModel):
    class Roles(IntEnum):
        lineId = Qt.ItemDataRole.UserRole + 1
        sku = Qt.ItemDataRole.UserRole + 2
        name = Qt.ItemDataRole.UserRole + 3
        quantity = Qt.ItemDataRole.UserRole + 4
        unitPrice = Qt.ItemDataRole.UserRole + 5
        weight = Qt.ItemDataRole.UserRole + 6
        lineTotal = Qt.ItemDataRole.UserRole + 7
        source = Qt.ItemDataRole.UserRole + 8
        needsAge = Qt.ItemDataRole.UserRole + 9
        approved = Qt.ItemDataRole.UserRole + 10
        voided = Qt.ItemDataRole.UserRole + 11
        picture = Qt.ItemDataRole.UserRole + 12
        editable = Qt.ItemDataRole.UserRole + 13

    def key(self, row: BasketRow) -> Any:
        return row.lineId


@dataclass(frozen=True, slots=True)
class BoxRow:
    """A box over the camera image, in fractions of the frame (0..1)."""

    bx: float
    by: float
    bw: float
    bh: float
    label: str
    kind: str  # "ok", "ask" (guidance points here), "live" (while placing)


class BoxModel(_RowsModel):
    class Roles(IntEnum):
        bx = Qt.ItemDataRole.UserRole + 1
        by = Qt.ItemDataRole.UserRole + 2
        bw = Qt.ItemDataRole.UserRole + 3
        bh = Qt.ItemDataRole.UserRole + 4
        label = Qt.ItemDataRole.UserRole + 5
        kind = Qt.ItemDataRole.UserRole + 6

    # The name tags' shape at a scale of 1 (CameraPanel.qml multiplies by its `u`).
    TAG_PAD_X = 10.0
    TAG_PAD_Y = 4.0
    TAG_MAX_WIDTH = 420.0
    TAG_GAP = 4.0

    versionChanged = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._version = 0

    def set_rows(self, rows: Sequence[Any]) -> None:
        before = self._rows
        super().set_rows(rows)
        if self._rows is not before:
            self._version += 1
            self.versionChanged.emit()

    def _get_version(self) -> int:
        return self._version

    # bumps on every change of the boxes: a QML binding that calls labelPlaces reads
    # it, so that the tags are placed again when the boxes change
    version = Property(int, _get_version, notify=versionChanged)

    def _get_asking(self) -> bool:
        return any(r.kind == "ask" for r in self._rows)

    # a box needs the shopper's answer: CameraPanel runs the one pulse that box and
    # its tag share (they sit in different layers, so the tag cannot inherit it)
    asking = Property(bool, _get_asking, notify=versionChanged)

    @Slot(float, float, QFont, float, result="QVariantList")
    def labelPlaces(self, width: float, height: float, font: QFont, u: float) -> list[QRectF]:
        """Each box's name tag (x, y, w, h) in a picture `width` x `height` pixels,
        measured in `font`; zero-sized for a box without a name."""
        metrics = QFontMetricsF(font)
        boxes, sizes = [], []
        for r in self._rows:
            boxes.append(Rect(r.bx * width, r.by * height, r.bw * width, r.bh * height))
            if not r.label:
                sizes.append((0.0, 0.0))
                continue
            # ceil: Qt Quick lays text out on whole pixels; a tag a fraction short elides
            text_w = float(int(metrics.horizontalAdvance(r.label)) + 1)
            sizes.append(
                (
                    min(text_w + 2 * self.TAG_PAD_X * u, self.TAG_MAX_WIDTH * u),
                    metrics.height() + 2 * self.TAG_PAD_Y * u,
                )
            )
        tags = place_labels(boxes, sizes, width, height, self.TAG_GAP * u)
        return [QRectF(t.x, t.y, t.w, t.h) for t in tags]


@dataclass(frozen=True, slots=True)
class ProductRow:
    sku: str
    name: str
    otherName: str  # the name in the other language, smaller
    price: str
    picture: str
    byWeight: bool
    ageRestricted: bool


class ProductModel(_RowsModel):
    class Roles(IntEnum):
        sku = Qt.ItemDataRole.UserRole + 1
        name = Qt.ItemDataRole.UserRole + 2
        otherName = Qt.ItemDataRole.UserRole + 3
        price = Qt.ItemDataRole.UserRole + 4
        picture = Qt.ItemDataRole.UserRole + 5
        byWeight = Qt.ItemDataRole.UserRole + 6
        ageRestricted = Qt.ItemDataRole.UserRole + 7

    def key(self, row: ProductRow) -> Any:
        return row.sku


@dataclass(frozen=True, slots=True)
class InfoRow:
    """One line of a staff screen: diagnostics, history, audit."""

    label: str
    value: str
    level: str  # "ok", "warn", "fault", ""
    detail: str = ""


class InfoModel(_RowsModel):
    class Roles(IntEnum):
        label = Qt.ItemDataRole.UserRole + 1
        value = Qt.ItemDataRole.UserRole + 2
        level = Qt.ItemDataRole.UserRole + 3
        detail = Qt.ItemDataRole.UserRole + 4
