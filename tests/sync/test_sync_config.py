"""The sync configuration refuses unsafe transports; backoff stays within its bounds."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from kiosk.sync import SyncConfig
from kiosk.sync.backoff import Backoff


def test_the_defaults_sync_the_demo_to_a_local_headquarters():
    config = SyncConfig()
    assert config.url == "http://127.0.0.1:8600" and config.enabled


@pytest.mark.parametrize(
    "url", ["https://hq.example.com", "https://10.1.2.3:8443", "http://localhost:8600"]
)
def test_accepted_urls(url):
    assert SyncConfig(url=url, device_token="t0k").url == url


@pytest.mark.parametrize(
    ("values", "phrase"),
    [
        ({"url": "http://hq.example.com"}, "unencrypted"),
        ({"url": "https://hq.example.com"}, "demo token"),
        ({"url": "http://192.168.1.10:8600"}, "unencrypted"),
        ({"url": "http://127.0.0.1:8600", "allow_plain_http_loopback": False}, "allow_plain"),
        ({"url": "ftp://hq"}, "https://"),
        ({"url": "https://hq", "device_token": "t", "ca_file": "/no/ca.pem"}, "does not exist"),
        ({"backoff_initial_s": 10, "backoff_max_s": 1}, "backoff_max_s"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_sise": 10}, "batch_sise"),
    ],
)
def test_refused_settings_name_the_problem(values, phrase):
    with pytest.raises(ValidationError, match=phrase):
        SyncConfig(**values)


def test_the_token_is_not_printed():
    assert "sekrit" not in repr(SyncConfig(device_token="sekrit"))


@given(
    initial=st.floats(0.001, 10),
    factor=st.floats(1, 1000),
    failures=st.integers(0, 200),
    seed=st.integers(0, 2**32),
)
def test_backoff_delays_are_full_jitter_below_a_capped_exponential(initial, factor, failures, seed):
    backoff = Backoff(initial, initial * factor, random.Random(seed))
    for n in range(failures):
        ceiling = min(initial * factor, initial * 2**n)
        assert 0 <= backoff.next_delay() <= ceiling
    assert backoff.ceiling() <= initial * factor
    backoff.reset()
    assert backoff.ceiling() == initial


def test_backoff_spreads_retries_instead_of_lockstep():
    delays = [Backoff(1, 60, random.Random(i)).next_delay() for i in range(200)]
    assert min(delays) < 0.1 and max(delays) > 0.9  # uniform over [0, 1], not all 1
