"""Stream codecs: pure Numba kernels over numpy uint8 arrays.

Every encoder has the signature ``enc(src, out) -> n`` and writes at most
``len(out)`` bytes, returning the number written or -1 when ``out`` is too
small. Every decoder has ``dec(src, out) -> status`` and fills ``out``, whose
length is the decoded length recorded in the sub-block header; it never reads
or writes outside its arrays, even on corrupted input (it returns a non-zero
status or wrong bytes that the CRC check then rejects).
"""
