"""Serve tracers' flows from one long-running process, registered with a Prefect server.

An analyst starts `tracers-trace-case` or `tracers-trace-wallet` from the Prefect UI (a form with
typed, described parameters); `tracers-monitor` runs `monitor_clusters` on its cron schedule.

    tracers --db /data/tracers.duckdb serve --cron "*/30 * * * *" --source explorer

Needs a Prefect server (`prefect server start`, then PREFECT_API_URL): schedules do not run on the
temporary server a lone flow call starts. The same deployments for a work pool: prefect.yaml.

Source URLs and API keys stay in this process's environment (TRACERS_RPC_URL_<CHAIN>,
TRACERS_EXPLORER_URL, TRACERS_ETHERSCAN_KEY, TRACERS_TRON_URL, TRACERS_TRONGRID_KEY), which the
flow runs inherit; they are never made deployment parameters, which the Prefect UI shows. Webhooks
belong to monitors (`tracers monitor add --webhook`), in the store, for the same reason.
"""

from __future__ import annotations

from pathlib import Path

from prefect import serve as prefect_serve
from prefect.client.schemas.schedules import CronSchedule
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.settings import get_current_settings

from flows.monitor import monitor_clusters
from flows.trace import trace_case, trace_wallet
from tracers import settings
from tracers.domain import SourceKind
from tracers.errors import TracersError
from tracers.sources.factory import spec_from_options

TRACE_CASE = "tracers-trace-case"
TRACE_WALLET = "tracers-trace-wallet"
MONITOR = "tracers-monitor"
DEFAULT_CRON = "*/5 * * * *"  # how often to look; each monitor's own cron says when its case is due
SOURCES = tuple(kind.value for kind in SourceKind)
TAGS = ["tracers"]


class ServeError(TracersError, ValueError):
    """A schedule, source or Prefect server that `serve` cannot work with."""


def deployments(db: str | Path, cron: str = DEFAULT_CRON, source: str = "store",
                chain: str = "ethereum", runner: str = "threads") -> list[RunnerDeployment]:
    """The three deployments; their parameters default to this store, source, chain and fetch
    runner (threads, or dask: TRACERS_DASK_ADDRESS of this process names the cluster); the analyst
    can change any of them in the run form."""
    schedule = _schedule(cron)
    _check_source(source, chain)
    if runner not in settings.RUNNERS:
        raise ServeError(f"--runner {runner!r}: use one of {', '.join(settings.RUNNERS)}")
    defaults = {"db": str(Path(db).resolve()), "source": source, "chain": chain, "runner": runner}

    def deploy(flow, name: str, description: str, schedules=None, extra=None) -> RunnerDeployment:
        return flow.to_deployment(name, parameters=defaults | (extra or {}), description=description, tags=TAGS,
                                  schedules=schedules, entrypoint_type=EntrypointType.MODULE_PATH)

    return [
        deploy(trace_case, TRACE_CASE,
               "Trace a case from its seeds to exchange deposit addresses (run from the UI)."),
        deploy(trace_wallet, TRACE_WALLET,
               "Trace from one wallet, added to a case as a seed (run from the UI)."),
        deploy(monitor_clusters, MONITOR,
               "A monitoring pass over every watched case that is due by its own schedule; alerts "
               "as artifacts and webhooks.", schedules=[schedule], extra={"only_due": True}),
    ]


def serve(db: str | Path, cron: str = DEFAULT_CRON, source: str = "store", chain: str = "ethereum",
          limit: int = 1, runner: str = "threads") -> None:
    """Register the three deployments and run their flow runs until stopped (Ctrl-C, SIGTERM).

    `limit` flow runs at a time (default 1: one DuckDB file has one writer; a run started while
    another holds the store waits its turn in the queue).
    Stopping pauses the monitor's schedule; serving again resumes it.
    """
    if limit < 1:
        raise ServeError(f"--limit {limit}: give 1 or more flow runs at a time")
    served = deployments(db, cron, source, chain, runner)
    if not get_current_settings().api.url:
        raise ServeError("serving needs a Prefect server (schedules do not run on the temporary one): "
                         "run `prefect server start`, then set PREFECT_API_URL=http://127.0.0.1:4200/api")
    prefect_serve(*served, limit=limit)


def _schedule(cron: str) -> CronSchedule:
    """The monitor's schedule, in UTC; a bad one fails at start, not at the first run."""
    try:
        return CronSchedule(cron=cron, timezone="UTC")
    except ValueError:
        raise ServeError(f"--cron {cron!r} is not a cron schedule: give five fields "
                         "(minute hour day month weekday, UTC), e.g. '*/30 * * * *'") from None


def _check_source(source: str, chain: str) -> None:
    """A live source needs its URL in this process's environment (the flow runs inherit it)."""
    if source not in SOURCES:
        raise ServeError(f"--source {source!r}: use one of {', '.join(SOURCES)}")
    if source == "store":
        return
    setting = f"{source}_url"
    if not settings.resolve(setting, None, chain):
        names = " or ".join(settings.variables(setting, chain))
        raise ServeError(f"--source {source} reads its URL from the environment: set {names} "
                         "for the serving process (a URL may hold a key: it is never a parameter)")
    spec_from_options(source, chain, None, None, None)  # e.g. --source tron needs --chain tron
