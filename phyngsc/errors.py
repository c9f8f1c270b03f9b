"""Exception classes of phyngsc.

Every error a user can cause carries enough context to be reported as a single
line: the file, and where it applies the line number (1-based), the record
number (1-based) and the byte offset (0-based) in that file.  ``cli.py`` maps
:class:`DataError` and :class:`OutputError` (the environment: disk full, read-only)
to exit status 1 and :class:`UsageError` to exit status 2.
"""

from __future__ import annotations


class PhyngscError(Exception):
    """Base class of every error phyngsc reports to a user."""

    exit_status = 1

    def one_line(self) -> str:
        """The message as printed by the command-line tool (no newline)."""
        return " ".join(str(self).split("\n"))


class UsageError(PhyngscError):
    """The command was called wrongly (bad option, refused environment)."""

    exit_status = 2


class DataError(PhyngscError):
    """Input data (FASTQ or NGSC archive) is missing, malformed or corrupted."""

    exit_status = 1


class InputFileError(DataError):
    """A file cannot be opened or read."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")

    def __reduce__(self):  # errors travel between MPI ranks by pickle
        return (type(self), (self.path, self.reason))


def open_input(path: str):
    """``open(path, "rb")``, with the usual failures as one-line :class:`InputFileError`."""
    try:
        return open(path, "rb")  # noqa: SIM115 - the caller closes it
    except FileNotFoundError:
        raise InputFileError(path, "no such file") from None
    except IsADirectoryError:
        raise InputFileError(path, "is a directory") from None
    except PermissionError:
        raise InputFileError(path, "permission denied") from None


class OutputError(PhyngscError):
    """An output cannot be written in full: disk full, quota, read-only file system,
    permission denied, a closed pipe. The environment's fault, not a bug: exit status 1.

    Attributes:
        path: the output as the user named it (never a temporary name).
        reason: the operating system's reason, e.g. ``"No space left on device"``.
        errno: the error number when known (``errno.ENOSPC``...), else ``None``.
    """

    exit_status = 1

    def __init__(self, path: str, reason: str, errno: int | None = None) -> None:
        self.path = path
        self.reason = reason
        self.errno = errno
        super().__init__(f"{path}: cannot write: {reason}")

    def __reduce__(self):
        return (type(self), (self.path, self.reason, self.errno))

    @classmethod
    def from_os(cls, path: str, exc: BaseException) -> "OutputError":
        """The error for an ``OSError`` (or anything carrying ``errno``) raised while
        writing ``path``."""
        import os
        code = getattr(exc, "errno", None)
        if isinstance(code, int) and code > 0:
            return cls(path, os.strerror(code), code)
        return cls(path, str(exc) or type(exc).__name__)


class FastqFormatError(DataError):
    """A FASTQ file is malformed.

    Attributes:
        path: the FASTQ file.
        offset: byte offset (0-based) of the first offending byte.
        line: line number (1-based) of that byte, or ``None`` if not yet known.
        record: record number (1-based) or ``None`` if not known.
        reason: what is wrong, e.g. ``"quality length 71 != sequence length 72"``.
    """

    def __init__(self, path: str, offset: int, reason: str,
                 line: int | None = None, record: int | None = None) -> None:
        self.path = path
        self.offset = int(offset)
        self.reason = reason
        self.line = line
        self.record = record
        super().__init__(self._format())

    def __reduce__(self):
        return (type(self), (self.path, self.offset, self.reason, self.line, self.record))

    def _format(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.record is not None:
            where.append(f"record {self.record}")
        where.append(f"byte offset {self.offset}")
        return f"{self.path}: {', '.join(where)}: {self.reason}"

    def located(self, line: int | None, record: int | None) -> "FastqFormatError":
        """A copy with line and record numbers filled in."""
        return FastqFormatError(self.path, self.offset, self.reason, line, record)


class ArchiveError(DataError):
    """An NGSC archive is truncated, corrupted or of an unknown version.

    Attributes:
        path: the archive.
        reason: what is wrong.
        block: index of the block in file order (0-based) or ``None``.
        subblock: index of the sub-block in FASTQ order (0-based) or ``None``.
        offset: byte offset in the archive, or ``None``.
    """

    def __init__(self, path: str, reason: str, block: int | None = None,
                 subblock: int | None = None, offset: int | None = None) -> None:
        self.path = path
        self.reason = reason
        self.block = block
        self.subblock = subblock
        self.offset = offset
        where = []
        if block is not None:
            where.append(f"block {block}")
        if subblock is not None:
            where.append(f"sub-block {subblock}")
        if offset is not None:
            where.append(f"byte offset {offset}")
        prefix = f"{path}: " + (", ".join(where) + ": " if where else "")
        super().__init__(prefix + reason)

    def __reduce__(self):
        return (type(self), (self.path, self.reason, self.block, self.subblock, self.offset))
