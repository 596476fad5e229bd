"""What a flow run prints on the console when the command line runs it.

A flow or task that fails with an error tracers raised on purpose (a TracersError: a refused key,
a source that fails for good) has its message printed once by the CLI, as `error: ...` with the
fix. Prefect would also log it with a Python traceback on the console; `tracers_errors_quiet`
keeps those records off the console handlers only: the Prefect API (and so the UI) still gets
them whole, traceback included. Any other exception is a bug and still shows its traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from prefect.logging.handlers import PrefectConsoleHandler

from tracers.errors import TracersError

RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")


class _TracersErrorsOff(logging.Filter):
    """Drops the flow- and task-run records that carry a TracersError."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(RUN_LOGGERS) or not record.exc_info:
            return True
        return not isinstance(record.exc_info[1], TracersError)


@contextmanager
def tracers_errors_quiet() -> Iterator[None]:
    """While inside, Prefect's console handlers leave out run records of TracersErrors."""
    quiet = _TracersErrorsOff()
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, PrefectConsoleHandler)]
    for handler in handlers:
        handler.addFilter(quiet)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(quiet)
