import pytest
from hypothesis import given, strategies as st

from phyngsc.format.bitpack import BitReader, BitWriter, width


def test_msb_first_layout():
    w = BitWriter()
    w.u(0b101, 3)
    w.u(1, 1)
    w.v(5)  # width 3 in 6 bits, then 101
    assert w.getvalue() == bytes([0b1011_0000, 0b1110_1000])


def test_self_sized_zero_costs_six_bits():
    w = BitWriter()
    w.v(0)
    assert w.getvalue() == b"\x00"


@given(st.lists(st.tuples(st.integers(0, 2**63 - 1), st.booleans()), max_size=200))
def test_roundtrip(fields):
    w = BitWriter()
    for value, self_sized in fields:
        if self_sized:
            w.v(value)
        else:
            w.u(value, width(value) + 3)
    r = BitReader(w.getvalue())
    for value, self_sized in fields:
        assert (r.v() if self_sized else r.u(width(value) + 3)) == value
    assert r.bits_left < 8


def test_rejects_values_that_do_not_fit():
    w = BitWriter()
    with pytest.raises(ValueError):
        w.u(8, 3)
    with pytest.raises(ValueError):
        w.v(2**63)
    with pytest.raises(ValueError):
        w.u(-1, 4)


def test_reading_past_the_end():
    r = BitReader(b"\xff")
    assert r.u(7) == 127
    with pytest.raises(EOFError):
        r.u(2)
