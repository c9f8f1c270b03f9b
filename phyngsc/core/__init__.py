"""What every layer uses: the kernel wrapper (:mod:`~phyngsc.core.jit`: compile on first
call, or run interpreted) and variable-length integers (:mod:`~phyngsc.core.varint`)."""
