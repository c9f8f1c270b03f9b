"""Stream codecs: pure Numba kernels over numpy uint8 arrays.

Encoders write at most ``len(out)`` bytes and return the number written, or -1 when
``out`` is too small: ``enc(src, out) -> n``, and for the models that follow reads
``enc(src, lengths, out, ...) -> n`` (DNA_CM with its order, reverse-complement flag and
increment; QUAL_CM with its variant). Decoders fill ``out``, whose length is the
decoded length recorded in the sub-block header or any prefix of it: ``dec(src, out)
-> status`` or ``dec(src, lengths, out, ...) -> status``. They never read or write
outside their arrays, even on corrupted input (a non-zero status, or wrong bytes that
the CRC check then rejects). :func:`registry.encode_stream` and
:func:`registry.decode_stream` dispatch on the codec id.
"""
