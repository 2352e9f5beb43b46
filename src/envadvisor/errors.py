"""The few exceptions that cross module boundaries. The CLI turns each into one line and exit code 2."""

from __future__ import annotations


class EnvAdvisorError(Exception):
    """Base class: a problem the user can fix (bad input, bad data file); never a bug."""


class UsageError(EnvAdvisorError):
    """A command-line value that cannot be used (``--driver banana``)."""


class InputError(EnvAdvisorError):
    """An input file that cannot be read or has the wrong shape (report, environment.yml)."""


class DataFileError(EnvAdvisorError):
    """A malformed rules or glossary file. The message names the file, the entry and the field."""

    def __init__(self, path: str, message: str, *, entry: str | None = None, field: str | None = None):
        where = path
        if entry:
            where += f": {entry}"
        if field:
            where += f": field '{field}'"
        # one line even when a key or value quoted from the file holds a line break
        super().__init__(f"{where}: {message}".replace("\r", "\\r").replace("\n", "\\n"))
        self.path = path
        self.entry = entry
        self.field = field
