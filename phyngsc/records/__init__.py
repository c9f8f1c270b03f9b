"""In compresso work on decoded streams: statistics, pattern search, FASTA, trimming."""
