"""Constants of the NGSC 1.0 format (see docs/format.md)."""

from __future__ import annotations

FILE_MAGIC = b"\x89NGSC\r\n\x1a"
TRAILER_MAGIC = b"NGSCEND\n"
BLOCK_MAGIC = b"NGSB"
SUBBLOCK_MAGIC = b"NGSS"

MAJOR_VERSION = 1
MINOR_VERSION = 1

FILE_HEADER_SIZE = 16
TRAILER_SIZE = 24
BLOCK_HEADER_SIZE = 32
SUBBLOCK_PREFIX_SIZE = 12

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

# Codec ids.
CODEC_STORED = 0
CODEC_RC_O1 = 1
CODEC_DNA2 = 2
CODEC_QUAL_O2 = 3
CODEC_TITLE_COL = 4
CODEC_DNA_CM = 5
CODEC_QUAL_CM = 6
CODEC_TITLE_TOK = 7
CODEC_NAMES = {CODEC_STORED: "stored", CODEC_RC_O1: "rc-o1", CODEC_DNA2: "dna2",
               CODEC_QUAL_O2: "qual-o2", CODEC_TITLE_COL: "title-col", CODEC_DNA_CM: "dna-cm",
               CODEC_QUAL_CM: "qual-cm", CODEC_TITLE_TOK: "title-tok"}

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
