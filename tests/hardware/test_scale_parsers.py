"""The three scale protocols, byte by byte, and fuzzed: no input raises, and no input
yields a weight whose digits were not in the bytes."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.scale import mtsics, nci
from hardware.scale.frames import (
    Ack,
    Echo,
    Fault,
    FaultKind,
    Identity,
    Motion,
    Unreadable,
    Weight,
    decimal_or_none,
)
from hardware.scale.protocol import MtSics, Nci, Toledo8217Protocol

TOLEDO = Toledo8217Protocol("kg", 3)

# -- MT-SICS ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"S S     100.00 g\r", Weight(Decimal("100.00"), True)),
        (b"S D      12.5 kg\r", Weight(Decimal("12500.0"), False)),
        (b"S S -0.50 g", Weight(Decimal("-0.50"), True)),  # bare LF emulator, no padding
        (b"SI S   7.00 g\r", Weight(Decimal("7.00"), True)),  # some answer SI with SI
        (b"S  S\t 250 mg\r", Weight(Decimal("0.250"), True)),
        (b"S I\r", Fault(FaultKind.BUSY, "busy: command not executable now", "S")),
        (b"S +\r", Fault(FaultKind.OVERLOAD, "overload", "S")),
        (b"S -\r", Fault(FaultKind.UNDERLOAD, "underload", "S")),
        (b"Z A\r", Ack("Z")),
        (b"T S     50.00 g\r", Ack("T", Decimal("50.00"))),
        (b"TAC A\r", Ack("TAC")),
        (b'I2 A "PB3002-S/FACT 3100.0 g"\r', Identity("I2", "PB3002-S/FACT 3100.0 g")),
        (b'I2 A "PG5002-S" "5100.00 g"\r', Identity("I2", "PG5002-S 5100.00 g")),
        (b'I4 A "1126493049"\r', Identity("I4", "1126493049")),
    ],
)
def test_mtsics_golden_replies(line, expected):
    assert mtsics.parse_reply(line) == expected


@pytest.mark.parametrize("code", [b"ES", b"ET", b"EL"])
def test_mtsics_error_replies_are_rejections(code):
    reply = mtsics.parse_reply(code + b"\r")
    assert isinstance(reply, Fault) and reply.kind is FaultKind.COMMAND_REJECTED


@pytest.mark.parametrize(
    "line",
    [
        b"S S     100.00 lb\r",  # unit a grocery kiosk does not take
        b"S S     100,00 g\r",  # decimal comma
        b"S S     1e3 g\r",
        b"S S     NaN g\r",
        b"S X     100.00 g\r",
        b"S S     100.00\r",  # unit cut off: a partial frame
        b"S S     10S S     100.00 g\r",  # two frames run together
        b"S S   \xff100.00 g\r",
        b"",
        b"Q A\r",
    ],
)
def test_mtsics_malformed_lines_never_become_weights(line):
    assert isinstance(mtsics.parse_reply(line), Unreadable)


def test_mtsics_echo_is_recognised_and_not_an_answer():
    echo = mtsics.parse_reply(b"SI\r", sent="SI")
    assert echo == Echo("SI")
    assert not mtsics.answers(echo, "SI")


def test_mtsics_answers_match_their_command():
    weight = Weight(Decimal(1), True)
    assert mtsics.answers(weight, "SI") and not mtsics.answers(weight, "Z")
    assert mtsics.answers(Ack("Z"), "Z") and not mtsics.answers(Ack("Z"), "T")
    assert mtsics.answers(Identity("I4", "x"), "@")
    # A stream line `S +` must not be taken for the reply to a zero command.
    assert not mtsics.answers(Fault(FaultKind.OVERLOAD, "overload", "S"), "Z")
    assert mtsics.answers(Fault(FaultKind.COMMAND_REJECTED, "syntax"), "Z")


# -- NCI -------------------------------------------------------------------------------

OK = bytes([0x30, 0x30])


@pytest.mark.parametrize(
    ("frame", "sent", "expected"),
    [
        (b"\n  1.234kg\r\n" + OK + b"\r", "W", Weight(Decimal("1234.000"), True)),
        (b"\n_0500g_\r\n" + OK + b"\r", "W", Weight(Decimal("500"), True)),
        (b"\n0.500kg\r\n10\r", "W", Weight(Decimal("500.000"), False)),
        (b"\n10\r", "W", Motion()),
        (b"\n" + OK + b"\r", "Z", Ack("Z")),
        (b"\n" + OK + b"\r", "S", Ack("S")),
        (b"\n02\r", "W", Fault(FaultKind.OVERLOAD, "over capacity")),
        (b"\n01\r", "W", Fault(FaultKind.UNDERLOAD, "under capacity")),
        (b"\n0p8\r", "W", Fault(FaultKind.NOT_ZEROED, "power-up zero outside the capture range")),
        (
            b"\n?\r",
            "X",
            Fault(FaultKind.COMMAND_REJECTED, "the scale did not recognise the command"),
        ),
    ],
)
def test_nci_golden_frames(frame, sent, expected):
    assert nci.parse_reply(frame, sent) == expected


def test_nci_status_encoder_matches_parser():
    assert nci.status_bytes() == OK
    frame = b"\n" + nci.status_bytes(initial_zero_error=True) + b"\r"
    assert nci.parse_reply(frame, "W").kind is FaultKind.NOT_ZEROED


def test_nci_hardware_fault_bits():
    ram = bytes([0x34, 0x30])
    assert nci.parse_reply(b"\n1.000kg\r\n" + ram + b"\r", "W").kind is FaultKind.DEVICE_ERROR


def test_nci_unit_other_than_metric_is_a_clear_fault():
    reply = nci.parse_reply(b"\n  2.20lb\r\n" + OK + b"\r", "W")
    assert isinstance(reply, Fault) and "kg" in reply.detail


@pytest.mark.parametrize(
    "frame",
    [
        b"\n1.234kg\r\n\x01\x02\r",  # status without its fixed bits: line noise
        b"\n1.234kg\r\n0\r",  # one status byte
        b"\n1.234kg\r\n0p\r",  # says "byte follows" and none does
        b"\n1.234kg\r\n" + OK,  # CR missing
        b"1.234kg\r\n" + OK + b"\r",  # LF missing
        b"\n1.2.3kg\r\n" + OK + b"\r",
        b"\n12\n1.234kg\r\n" + OK + b"\r",  # a partial frame glued to a whole one
        b"\n1.234\r\n" + OK + b"\r",  # no unit
        b"\n1.2\xb34kg\r\n" + OK + b"\r",
    ],
)
def test_nci_malformed_frames_never_become_weights(frame):
    assert isinstance(nci.parse_reply(frame, "W"), Unreadable)


# -- Toledo 8217 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "sent", "expected"),
    [
        (b"\x0201234", "W", Weight(Decimal("1234.000"), True)),
        (b"\x021.234", "W", Weight(Decimal("1234.000"), True)),
        (b"\x02?a", "W", Motion()),
        (b"\x02?\x01", "W", Motion()),  # firmware that leaves bits 5 and 6 clear
        (b"\x02?b", "W", Fault(FaultKind.OVERLOAD, "over capacity")),
        (b"\x02?d", "W", Fault(FaultKind.UNDERLOAD, "under zero")),
        (b"\x02?h", "W", Fault(FaultKind.NOT_ZEROED, "outside the zero capture range")),
        (b"\x02?p", "Z", Ack("Z")),  # center of zero after zeroing
    ],
)
def test_toledo8217_golden_frames(frame, sent, expected):
    assert TOLEDO.parse_reply(frame, sent) == expected


def test_toledo8217_unit_settings():
    assert Toledo8217Protocol("g", 0).parse_reply(b"\x0201234", "W") == Weight(Decimal(1234), True)
    assert Toledo8217Protocol("kg", 2).parse_reply(b"\x0201234", "W").grams == Decimal("12340")
    assert TOLEDO.encode_weight(Decimal(1234)) == b"\x0201234\r"


@pytest.mark.parametrize(
    "frame", [b"\x0212a45", b"\x02?", b"\x02?ab", b"\x02123", b"0123", b"\x02-1234"]
)
def test_toledo8217_malformed_frames(frame):
    assert isinstance(TOLEDO.parse_reply(frame, "W"), Unreadable)


# -- framing: a frame split at every position reads the same ----------------------------

STREAMS = {
    "mtsics": (MtSics(), b"S S     100.00 g\r\nS D  12.50 g\r\nZ A\r\n", "SI"),
    "nci": (Nci(), b"\n  1.234kg\r\n00\r\x03\n10\r\x03", "W"),
    "toledo8217": (TOLEDO, b"\x0201234\r\x02?a\r", "W"),
}


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_split_at_every_position_changes_nothing(name):
    protocol, stream, sent = STREAMS[name]
    whole = [protocol.parse_reply(f, sent) for f in protocol.framer().feed(stream)]
    assert len(whole) >= 2 and not any(isinstance(p, Unreadable) for p in whole)
    for cut in range(1, len(stream)):
        framer = protocol.framer()
        frames = framer.feed(stream[:cut]) + framer.feed(stream[cut:])
        assert [protocol.parse_reply(f, sent) for f in frames] == whole, cut


@given(st.data())
@settings(max_examples=150, deadline=None)
def test_split_into_random_pieces_changes_nothing(data):
    name = data.draw(st.sampled_from(sorted(STREAMS)))
    protocol, stream, _ = STREAMS[name]
    cuts = sorted(data.draw(st.sets(st.integers(1, len(stream) - 1), max_size=8)))
    framer = protocol.framer()
    frames = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        frames += framer.feed(stream[start:end])
    assert frames == protocol.framer().feed(stream)


# -- fuzz: nothing raises, no weight that was not sent ----------------------------------

NUMBER = re.compile(rb"[+-]?[0-9]+(?:\.[0-9]+)?")


def _numbers_in(raw: bytes) -> set[Decimal]:
    return {Decimal(m.decode()) for m in NUMBER.findall(raw)}


def _sent(weight: Weight, raw: bytes, units: tuple[Decimal, ...]) -> bool:
    """The weight's value is one of the numbers in the bytes, in some metric unit.

    For the 8217 the digits carry implied decimals, so 1 g is the digit string 1 too.
    """
    return any(weight.grams == n * u for n in _numbers_in(raw) for u in units)


PROTOCOLS = {
    "mtsics": (MtSics(), (Decimal(1), Decimal(1000), Decimal("0.001"))),
    "nci": (Nci(), (Decimal(1), Decimal(1000), Decimal("0.001"))),
    "toledo8217": (TOLEDO, (Decimal(1), Decimal(1000))),
}

# Bytes that matter to the parsers, so that hypothesis reaches the deep branches.
ALPHABET = st.sampled_from(list(b'SDIZTA +-.0123456789gk\r\n\x02\x03?`abp"I2L')) | st.integers(
    0, 255
)


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
@given(
    raw=st.lists(ALPHABET, max_size=40).map(bytes),
    sent=st.sampled_from(["W", "SI", "Z", "S", None]),
)
@settings(max_examples=400, deadline=None)
def test_fuzz_parse_never_raises_nor_invents_a_weight(name, raw, sent):
    protocol, units = PROTOCOLS[name]
    for frame in [raw, *protocol.framer().feed(raw)]:
        parsed = protocol.parse_reply(frame, sent)
        if isinstance(parsed, Weight):
            assert _sent(parsed, frame, units), (frame, parsed)


@pytest.mark.parametrize("name", sorted(STREAMS))
@given(data=st.data())
@settings(max_examples=200, deadline=None)
def test_fuzz_mutated_valid_frames(name, data):
    """One byte changed, dropped or inserted in a valid stream: still no invented weight."""
    protocol, stream, sent = STREAMS[name]
    units = PROTOCOLS[name][1]
    pos = data.draw(st.integers(0, len(stream) - 1))
    byte = data.draw(st.integers(0, 255))
    op = data.draw(st.sampled_from(["replace", "drop", "insert"]))
    mutated = {
        "replace": stream[:pos] + bytes([byte]) + stream[pos + 1 :],
        "drop": stream[:pos] + stream[pos + 1 :],
        "insert": stream[:pos] + bytes([byte]) + stream[pos:],
    }[op]
    for frame in protocol.framer().feed(mutated):
        parsed = protocol.parse_reply(frame, sent)
        if isinstance(parsed, Weight):
            assert _sent(parsed, frame, units)


@given(st.text(max_size=20))
def test_decimal_or_none_is_strict(token):
    value = decimal_or_none(token)
    if value is not None:
        assert NUMBER.fullmatch(token.encode("utf-8", "replace"))
