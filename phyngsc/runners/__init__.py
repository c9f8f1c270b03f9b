"""The parallel layer: the only code that talks MPI (through ``comm.py``)."""
