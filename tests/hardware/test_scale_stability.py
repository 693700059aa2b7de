"""The app-side stability window on its own: readings are trusted only when the scale
says stable and they agree over the whole span, also when frames pause."""

from __future__ import annotations

from decimal import Decimal

from hardware.scale.stability import StabilityWindow


def feed(window: StabilityWindow, readings) -> list[bool]:
    return [window.observe(Decimal(str(g)), True, at) for at, g in readings]


def test_readings_that_agree_over_the_span_are_trusted():
    window = StabilityWindow(0.15, Decimal(2))
    trusted = feed(window, [(0.00, 800), (0.05, 801), (0.10, 800), (0.15, 799), (0.20, 800)])
    assert trusted == [False, False, False, True, True]


def test_a_bounce_is_not_trusted_however_long_the_scale_calls_it_stable():
    window = StabilityWindow(0.15, Decimal(2))
    assert not any(feed(window, [(0.00 + 0.05 * i, 800 + (-1) ** i * 20) for i in range(10)]))


def test_one_reading_after_a_pause_does_not_pass_alone():
    # The scale flags "stable" while the load still rocks; then the reader pauses (a busy
    # CPU) and the next frame, still a bounce, arrives after more than the span.
    window = StabilityWindow(0.15, Decimal(2))
    assert not any(feed(window, [(0.00, 830), (0.03, 770), (0.06, 815)]))
    assert feed(window, [(0.40, 790)]) == [False]  # it must agree with what came before
    # the settled weight is trusted once it has held for the span
    settled = feed(window, [(0.45, 800), (0.50, 800), (0.55, 800), (0.60, 800), (0.65, 800)])
    assert settled[0] is False and settled[-1] is True


def test_not_stable_on_the_scale_starts_the_span_again():
    window = StabilityWindow(0.15, Decimal(2))
    feed(window, [(0.00, 800), (0.10, 800)])
    assert window.observe(Decimal(800), False, 0.15) is False
    assert feed(window, [(0.20, 800), (0.30, 800), (0.36, 800)]) == [False, False, True]
