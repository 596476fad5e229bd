"""Small typed errors. Each message says what is wrong and how to fix it; the CLI prints it as is."""

from __future__ import annotations


class TracersError(Exception):
    """Base of every error tracers raises on purpose. The CLI maps it to exit code 1."""

    exit_code = 1


class AddressError(TracersError, ValueError):
    """An address, transaction hash, chain or asset that does not validate."""


class StoreError(TracersError):
    """The store cannot be opened or is in an unexpected state."""


class ImportFileError(TracersError):
    """An input file (ethereum-etl export, TagPack, reports CSV) that cannot be read as a whole."""


class TagFileError(ImportFileError):
    """A TagPack or tag CSV with bad tags: every problem found, each naming file, tag and field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(
            f"{len(problems)} problem(s); nothing of this file was imported:\n{shown}{more}"
        )


class CaseError(TracersError):
    """A case that does not exist, or already exists."""


class OutputError(TracersError):
    """An --out path tracers will not write: a folder where a file goes, a file that exists without
    --force, a link, a pipe, a missing or read-only parent folder."""


class SourceError(TracersError):
    """A live source refused or failed for good (bad key, unknown chain, an error answer)."""


class TransientSourceError(SourceError):
    """A failure worth retrying: 429, 5xx, a timeout, a truncated body. `retry_after` in seconds."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after
