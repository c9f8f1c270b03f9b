"""FASTQ text: record scanning and validation, splitting into streams and back (pure)."""
