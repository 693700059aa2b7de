import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.decision import ItemWeight, ScaleSpec, WeightModel, refine_item_weight


def test_scale_variance_adds_its_parts():
    spec = ScaleSpec(resolution_g=2, noise_sd_g=1, zero_drift_g=3, span_error=0.001)
    expected = (2 / math.sqrt(12)) ** 2 + 1 + 3**2 / 3 + (0.001 * 1000) ** 2
    assert math.isclose(spec.variance(1000), expected)


@pytest.mark.parametrize("field", ["resolution_g", "noise_sd_g", "zero_drift_g", "span_error"])
def test_scale_spec_refuses_nonsense(field):
    with pytest.raises(ValueError, match=field):
        ScaleSpec(**{field: -1.0})
    with pytest.raises(ValueError, match=field):
        ScaleSpec(**{field: float("nan")})


def test_item_weight_refuses_nonsense():
    with pytest.raises(ValueError):
        ItemWeight(0, 1)
    with pytest.raises(ValueError):
        ItemWeight(10, -1)


def test_basket_tolerance_follows_its_items(catalog):
    model = WeightModel.from_catalog(catalog)
    one = model.expected({"cola-classic-330": 1})
    ten = model.expected({"cola-classic-330": 10})
    eggs = model.expected({"eggs-6": 1})
    assert one.mean_g == 345 and ten.mean_g == 3450
    assert one.sd_g < ten.sd_g < 10 * one.sd_g  # spreads add in quadrature
    assert eggs.sd_g > one.sd_g  # eggs vary more than cans
    assert model.item("no-such") is None


def test_learned_weights_override_the_catalog(catalog):
    learned = {"cola-classic-330": ItemWeight(350.0, 1.0)}
    model = WeightModel.from_catalog(catalog, learned=learned)
    assert model.expected({"cola-classic-330": 1}).mean_g == 350.0


@given(st.lists(st.floats(300, 400), min_size=1, max_size=300))
def test_refined_weight_lies_between_prior_and_samples(samples):
    prior = ItemWeight(345.0, 3.0)
    post = refine_item_weight(prior, samples)
    mean = sum(samples) / len(samples)
    lo, hi = sorted((prior.mean_g, mean))
    assert lo - 1e-6 <= post.mean_g <= hi + 1e-6
    assert post.sd_g >= 0


def test_many_samples_win_over_the_catalog():
    post = refine_item_weight(ItemWeight(345.0, 3.0), [352.0] * 500)
    assert abs(post.mean_g - 352.0) < 0.1
    assert refine_item_weight(ItemWeight(345.0, 3.0), []) == ItemWeight(345.0, 3.0)
