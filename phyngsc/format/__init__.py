"""NGSC v1 on-disk format: pure functions and data classes, no MPI, no I/O.

``docs/format.md`` is the specification this package implements.
"""
