"""MSB-first bit packing used by the footer and the sub-block headers.

Two field kinds exist (docs/format.md, *Bit packing*): ``u(n)``, an unsigned
integer in exactly ``n`` bits, and ``v``, a self-sized integer (6-bit width,
then the value).
"""

from __future__ import annotations

VBITS_WIDTH = 6
MAX_V = (1 << 63) - 1


class BitWriter:
    """Accumulates fields MSB-first; :meth:`getvalue` pads to a whole byte."""

    __slots__ = ("_acc", "_nbits", "_out")

    def __init__(self) -> None:
        self._acc = 0
        self._nbits = 0
        self._out = bytearray()

    def u(self, value: int, nbits: int) -> None:
        """Write ``value`` (0 <= value < 2**nbits) in exactly ``nbits`` bits."""
        if nbits == 0:
            if value:
                raise ValueError(f"value {value} does not fit in 0 bits")
            return
        if value < 0 or value >> nbits:
            raise ValueError(f"value {value} does not fit in {nbits} bits")
        self._acc = (self._acc << nbits) | value
        self._nbits += nbits
        if self._nbits >= 64:
            full = self._nbits // 8
            rest = self._nbits - full * 8
            self._out += (self._acc >> rest).to_bytes(full, "big")
            self._acc &= (1 << rest) - 1
            self._nbits = rest

    def v(self, value: int) -> None:
        """Write a self-sized value (0 <= value <= 2**63 - 1)."""
        if value < 0 or value > MAX_V:
            raise ValueError(f"value {value} out of range for a self-sized field")
        w = value.bit_length()
        self.u(w, VBITS_WIDTH)
        self.u(value, w)

    def raw(self, data: bytes) -> None:
        """Write bytes as 8-bit fields (in one step: a footer's quality model is tens of
        kilobytes)."""
        if data:
            self.u(int.from_bytes(data, "big"), 8 * len(data))

    def getvalue(self) -> bytes:
        """The packed bytes, the last byte padded with zero bits."""
        out = bytearray(self._out)
        if self._nbits:
            pad = (-self._nbits) % 8
            out += (self._acc << pad).to_bytes((self._nbits + pad) // 8, "big")
        return bytes(out)


class BitReader:
    """Reads fields written by :class:`BitWriter`; raises ``EOFError`` past the end."""

    __slots__ = ("_data", "_total", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = bytes(data)
        self._total = len(data) * 8
        self._pos = 0

    def u(self, nbits: int) -> int:
        """Read ``nbits`` bits; cost is proportional to ``nbits``, not to the region."""
        if nbits == 0:
            return 0
        start, end = self._pos, self._pos + nbits
        if end > self._total:
            raise EOFError("bit-packed region ends early")
        first, last = start >> 3, (end + 7) >> 3
        chunk = int.from_bytes(self._data[first:last], "big")
        val = (chunk >> (last * 8 - end)) & ((1 << nbits) - 1)
        self._pos = end
        return val

    def v(self) -> int:
        return self.u(self.u(VBITS_WIDTH))

    def raw(self, n: int) -> bytes:
        """``n`` 8-bit fields as bytes (read in one step)."""
        return self.u(8 * n).to_bytes(n, "big") if n else b""

    @property
    def bits_left(self) -> int:
        return self._total - self._pos


def width(value: int) -> int:
    """Bits needed for ``value`` (0 needs 0 bits)."""
    return int(value).bit_length()
