"""One module per codec, each defining ``SPEC`` (a :class:`~phyngsc.codecs.spec.CodecSpec`)
and its ``encode``/``decode`` kernels with the uniform signatures. The registry lists
them; the encoded forms are in docs/format.md (*Codecs*)."""
