"""A local webhook receiver that records every POST and fails on request.

    with WebhookServer(fail_first=3, fault="500") as hook:      # then answers 200
        deliver_pending(con, session, ...)  # to hook.url + "/hooks/alerts?token=..."
        hook.accepted_ids()                 # Counter of alert ids answered 2xx

Faults: "500" (HTTP 500 with a short body), "drop" (the connection closes with no answer), "slow"
(sleeps `stall` seconds, past the client's timeout, then answers 200 to nobody; not counted as
accepted). `fail_first=N` fails the first N requests then succeeds; `always_fail=True` fails every
request until `recover()`.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

FAULTS = ("500", "drop", "slow")


@dataclass(frozen=True)
class Received:
    at: float  # time.monotonic() when the request arrived
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]  # as sent (case of names kept); see `header`
    body: bytes
    outcome: str  # "ok" (answered 2xx), or the fault it got

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


class WebhookServer:
    def __init__(self, *, fail_first: int = 0, fault: str = "500", always_fail: bool = False,
                 stall: float = 1.0, status: int = 200):
        if fault not in FAULTS:
            raise ValueError(f"fault must be one of {FAULTS}, got {fault!r}")
        self.fault = fault
        self.fail_first = fail_first
        self.always_fail = always_fail
        self.stall = stall
        self.status = status  # the success answer
        self.received: list[Received] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 - http.server's name
                server._handle(self)

            def do_GET(self):  # noqa: N802
                server._handle(self)

            def log_message(self, *args):  # quiet
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> WebhookServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # -- control and questions -----------------------------------------------------------------

    def recover(self) -> None:
        """From now on, answer every request with success."""
        with self._lock:
            self.always_fail = False
            self.fail_first = 0

    def accepted(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.outcome == "ok"]

    def accepted_ids(self) -> Counter:
        """How many times each alert id (by its Idempotency-Key) was answered with success."""
        return Counter(r.header("Idempotency-Key") for r in self.accepted())

    def count(self, outcome: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.received if outcome is None or r.outcome == outcome)

    # -- serving -------------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        with self._lock:
            failing = self.always_fail or len(self.received) < self.fail_first
            outcome = self.fault if failing else "ok"
            self.received.append(Received(time.monotonic(), handler.command, parts.path, params,
                                          dict(handler.headers.items()), body, outcome))
        try:
            if outcome == "drop":
                handler.close_connection = True  # closed with nothing written: RemoteDisconnected
            elif outcome == "slow":
                time.sleep(self.stall)
                self._send(handler, 200, {"ok": True, "late": True})
            elif outcome == "500":
                self._send(handler, 500, {"error": "Internal Server Error"})
            else:
                self._send(handler, self.status, {"ok": True})
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout): nothing to answer

    @staticmethod
    def _send(handler, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
