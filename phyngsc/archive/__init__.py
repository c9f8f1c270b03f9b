"""Reading archives, without MPI: the reader (footer, index, random access), decoding of
sub-blocks with errors that name their place, records and mates, quality encoding."""

from .decode import (SubBlockText, decode_checked, decode_streams_of, decode_text,
                     record_starts_of, subblock_error)
from .quality import QualityEncoding, guess_encoding, quality_encoding
from .reader import Archive, ArchiveSummary, Record, open_archive

__all__ = ["Archive", "ArchiveSummary", "Record", "open_archive", "SubBlockText",
           "decode_checked", "decode_streams_of", "decode_text", "record_starts_of",
           "subblock_error", "QualityEncoding", "guess_encoding", "quality_encoding"]
