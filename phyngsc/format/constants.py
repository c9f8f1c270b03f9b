"""Constants of the NGSC 1.x format (see docs/format.md)."""

from __future__ import annotations

FILE_MAGIC = b"\x89NGSC\r\n\x1a"
TRAILER_MAGIC = b"NGSCEND\n"
BLOCK_MAGIC = b"NGSB"
SUBBLOCK_MAGIC = b"NGSS"

MAJOR_VERSION = 1
MINOR_VERSION = 12

FILE_HEADER_SIZE = 16
TRAILER_SIZE = 24
BLOCK_HEADER_SIZE = 32
SUBBLOCK_PREFIX_SIZE = 12

#: Largest order of a seed model (13 in NGSC 1.3-1.5; 14 since 1.6: a 1 GiB table).
MAX_SEED_K = 14

#: Target payload size of a block, in bytes (the paper's 8 MiB).
BLOCK_TARGET = 8 * 1024 * 1024
#: Default input window size in bytes: one sub-block per window.
DEFAULT_WINDOW = 8 * 1024 * 1024
#: Smallest window size accepted.
MIN_WINDOW = 1024

# Stream ids.
SID_TITLES = 0
SID_DNA = 1
SID_QUAL = 2
SID_LENGTHS = 3
SID_LAYOUT = 4
STREAM_NAMES = {SID_TITLES: "titles", SID_DNA: "dna", SID_QUAL: "qual",
                SID_LENGTHS: "lengths", SID_LAYOUT: "layout"}
N_STREAMS = 5

# Codec ids and names: phyngsc.codecs.registry (each codec states its own).

# Writer modes recorded in the footer.
WRITER_SHARED = 0
WRITER_TICKET = 1
WRITER_NAMES = {WRITER_SHARED: "shared", WRITER_TICKET: "ticket"}

# LAYOUT stream: default flags byte and exception flags.
LAYOUT_DEFAULT_CRLF = 1
LAYOUT_DEFAULT_PLUS_TITLE = 2
EXC_PLUS = 1
EXC_SEQL = 2
EXC_QUALL = 4
EXC_EOLS = 8
EXC_NOEOL = 16
