"""What a basket should weigh, and how sure we can be of it.

The tolerance of a basket is not one fixed number: it follows from the spread of
each item's weight (from the catalog, later refined from sales history) and from
the scale (display resolution, repeatability noise, zero drift since the last
zeroing, span error growing with the load). All of it is combined as independent
Gaussian errors, so a basket of ten cans gets a wider tolerance than a single
lighter, and a weight check is a z-score, not a guess.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from kiosk.domain.catalog import Catalog, SizeWeight

# A stable reading below this is the scale's own drift around zero, not a load.
_SQRT_12 = math.sqrt(12.0)


@dataclass(frozen=True, slots=True)
class ScaleSpec:
    """The scale as the decision sees it (all grams).

    resolution_g: the display division `d` (2 g or 5 g on retail scales); rounding
      to it is a uniform error of ±d/2, i.e. a standard deviation of d/√12.
    noise_sd_g: repeatability of a stable reading of the same load.
    zero_drift_g: the largest zero drift expected between automatic zeroings; treated
      as a uniform error of ±zero_drift_g.
    span_error: relative calibration error (0.001 = 0.1 % of the load).
    capacity_g: the scale's maximum; a reading above it is not a weight.
    """

    resolution_g: float = 2.0
    noise_sd_g: float = 1.0
    zero_drift_g: float = 2.0
    span_error: float = 0.0005
    capacity_g: float = 15_000.0

    def __post_init__(self) -> None:
        for name in ("resolution_g", "noise_sd_g", "zero_drift_g", "span_error"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"ScaleSpec.{name} must be a finite number >= 0, got {value}")
        if not math.isfinite(self.capacity_g) or self.capacity_g <= 0:
            raise ValueError(f"ScaleSpec.capacity_g must be > 0, got {self.capacity_g}")

    def variance(self, load_g: float) -> float:
        """Variance of the reading of a load known exactly."""
        return (
            (self.resolution_g / _SQRT_12) ** 2
            + self.noise_sd_g**2
            + self.zero_drift_g**2 / 3.0
            + (self.span_error * max(load_g, 0.0)) ** 2
        )

    @property
    def empty_tolerance_g(self) -> float:
        """Largest reading that still means "nothing on the tray" (4 sigma of an empty scale)."""
        return 4.0 * math.sqrt(self.variance(0.0)) + self.resolution_g


@dataclass(frozen=True, slots=True)
class ItemWeight:
    """One item's weight: mean and standard deviation across items of the SKU."""

    mean_g: float
    sd_g: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.mean_g) and self.mean_g > 0):
            raise ValueError(f"an item weight must be > 0 g, got {self.mean_g}")
        if not (math.isfinite(self.sd_g) and self.sd_g >= 0):
            raise ValueError(f"a weight spread must be >= 0 g, got {self.sd_g}")


@dataclass(frozen=True, slots=True)
class Expected:
    """What a hypothesised tray should read on the scale."""

    mean_g: float
    sd_g: float

    def z(self, measured_g: float) -> float:
        return (measured_g - self.mean_g) / self.sd_g

    def nll(self, measured_g: float) -> float:
        """Negative log-likelihood of the reading (up to a constant shared by all)."""
        z = self.z(measured_g)
        return 0.5 * z * z + math.log(self.sd_g)


@dataclass(frozen=True, slots=True)
class WeightModel:
    """Item weights (catalog nominal, possibly refined) and the scale."""

    items: Mapping[str, ItemWeight]
    scale: ScaleSpec = ScaleSpec()
    # Floor of any item's spread: catalogs write 0 for "we never measured it".
    min_item_sd_g: float = 0.5
    # Unexplained systematic error of the catalog's nominal values, relative.
    nominal_error: float = 0.002
    # Loose produce whose weight follows its apparent size (`piece`), per SKU.
    sizes: Mapping[str, SizeWeight] = field(default_factory=dict)
    _items: Mapping[str, ItemWeight] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_items", MappingProxyType(dict(self.items)))
        object.__setattr__(self, "sizes", MappingProxyType(dict(self.sizes)))

    @classmethod
    def from_catalog(
        cls,
        catalog: Catalog,
        scale: ScaleSpec | None = None,
        learned: Mapping[str, ItemWeight] | None = None,
    ) -> WeightModel:
        """Nominal weights from the catalog; `learned` (from sales history) wins per SKU."""
        items = {p.sku: ItemWeight(p.weight_g, p.weight_sd_g) for p in catalog}
        items.update(learned or {})
        sizes = {p.sku: p.size_weight for p in catalog if p.size_weight is not None}
        return cls(items=items, scale=scale or ScaleSpec(), sizes=sizes)

    def item(self, sku: str) -> ItemWeight | None:
        """None when the SKU has no known weight: such a basket cannot be checked."""
        return self._items.get(sku)

    def item_sd(self, sku: str) -> float:
        return self.weight_sd(self._items[sku])

    def weight_sd(self, w: ItemWeight) -> float:
        return math.hypot(max(w.sd_g, self.min_item_sd_g), self.nominal_error * w.mean_g)

    def piece(self, sku: str, scale: float) -> ItemWeight | None:
        """One piece of loose produce whose apparent size the camera measured (`scale`:
        linear, against the SKU's nominal size): its weight, the catalog's spread and
        the size's reading combined (log-normal, precision-weighted). None when the
        SKU's weight does not follow its size here, or the scale is not a size."""
        sw = self.sizes.get(sku)
        prior = self._items.get(sku)
        if sw is None or prior is None or not (math.isfinite(scale) and scale > 0):
            return None
        cv = max(prior.sd_g, self.min_item_sd_g) / prior.mean_g
        log_prior = math.log(prior.mean_g)
        log_seen = log_prior + 3.0 * math.log(scale / sw.looks)  # weight follows volume
        precision = 1.0 / cv**2 + 1.0 / sw.sd**2
        log_mean = (log_prior / cv**2 + log_seen / sw.sd**2) / precision
        mean = math.exp(log_mean)
        return ItemWeight(mean, mean * math.sqrt(1.0 / precision))

    def expected(
        self, counts: Mapping[str, int], pieces: Iterable[tuple[str, ItemWeight]] = ()
    ) -> Expected:
        """The reading expected for `counts` items (KeyError for an SKU without weight).
        `pieces`: items among `counts` whose own weight is known better than the
        catalog's (produce the camera measured, `piece`); each stands in for one."""
        mean = 0.0
        var = 0.0
        for sku, n in counts.items():
            if n <= 0:
                continue
            w = self._items[sku]
            mean += n * w.mean_g
            var += n * self.item_sd(sku) ** 2
        for sku, w in pieces:
            mean += w.mean_g - self._items[sku].mean_g
            var += self.weight_sd(w) ** 2 - self.item_sd(sku) ** 2
        var += self.scale.variance(mean)
        return Expected(mean, math.sqrt(var))


def refine_item_weight(
    prior: ItemWeight, samples_g: Iterable[float], prior_n: int = 5
) -> ItemWeight:
    """Blend the catalog's nominal weight with single-item weighings from sales history.

    The catalog counts as `prior_n` observations (a normal-inverse-gamma style blend),
    so a handful of odd weighings cannot move a SKU far, while a few hundred do.
    """
    xs = [float(s) for s in samples_g if math.isfinite(float(s)) and float(s) > 0]
    if not xs:
        return prior
    n = len(xs)
    mean_x = sum(xs) / n
    ss = sum((x - mean_x) ** 2 for x in xs)
    total = prior_n + n
    mean = (prior_n * prior.mean_g + n * mean_x) / total
    var = (
        prior_n * prior.sd_g**2 + ss + prior_n * n / total * (mean_x - prior.mean_g) ** 2
    ) / total
    return ItemWeight(mean, math.sqrt(var))


def grams(value: Decimal | float | int) -> float:
    """A scale reading as a float for the statistics (money never uses this)."""
    return float(value)
