"""Hostile webhook URLs (issue 12): alerts are POSTed over http(s) to public addresses only.

A webhook must not reach inside: not the cloud metadata service, not this machine, not the unit's
network, however the address is written (decimal, hex, octal, short, IPv4 inside IPv6) or whatever
a name resolves to, when the monitor is added and again before every delivery (DNS answers change).
Nor may a URL smuggle headers (CR/LF) or credentials (user:pass@). Private and loopback receivers
need `--allow-private-webhook`, kept with the monitor so that delivery applies the same rule.

No test depends on real DNS: the resolver is injected (`resolve=`), in the shape of getaddrinfo.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from ipaddress import IPv4Address, IPv6Address
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from fakes.webhook_server import WebhookServer
from test_deliver import NoSleep, alert, store_alerts
from tracers.cases import open_case
from tracers.cli import app
from tracers.errors import TracersError
from tracers.monitor.deliver import deliver_pending, enqueue
from tracers.monitor.watch import add_monitor, watched_cases
from tracers.monitor.webhook import (
    Webhook,
    WebhookError,
    WebhookUnresolved,
    address_kind,
    check_webhook,
    check_webhook_url,
    inet_aton,
)
from tracers.store import connect

CASE = "FIU-HOOK-1"
PUBLIC = "93.184.216.34"
TOKEN = "T0KEN-s3cr3t-123456"


def resolver(*addresses: str):
    """A getaddrinfo that answers every name with `addresses` (and records what it was asked)."""
    asked: list[str] = []

    def resolve(host, port, *_args, **_kwargs):
        asked.append(host)
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in addresses]

    resolve.asked = asked
    return resolve


def unresolvable(host, port, *_args, **_kwargs):
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "store.duckdb"
    con = connect(path)
    open_case(con, CASE)
    con.close()
    return path


def monitors(path) -> list[tuple]:
    con = connect(path)
    try:
        return con.execute("SELECT monitor_id, webhook, allow_private_webhook FROM monitors").fetchall()
    finally:
        con.close()


def invoke(*args):
    return CliRunner().invoke(app, list(args))


# -- refused as written, at `monitor add` ------------------------------------------------------

REFUSED = {  # URL -> what the message must say
    "http://169.254.169.254/latest/meta-data/iam": "the cloud metadata service",
    "http://10.0.0.1/hook": "10.0.0.1, a private address",
    "http://[::ffff:169.254.169.254]/": "(that is 169.254.169.254), the cloud metadata service",
    "http://0x7f000001/hook": "(that is 127.0.0.1), a loopback address",
    "http://2130706433/hook": "(that is 127.0.0.1), a loopback address",
    "http://0177.0.0.1/hook": "(that is 127.0.0.1), a loopback address",
    "http://127.1/hook": "(that is 127.0.0.1), a loopback address",
    "http://metadata.google.internal/computeMetadata/v1/": "a cloud metadata service",
    "http://localhost:8080/hook": "localhost, this machine",
    "http://[::1]:8080/hook": "::1, a loopback address",
    "http://100.64.0.7/hook": "a shared address",
    "http://0.0.0.0:80/": "an unspecified address",
    "http://[fe80::1]/": "a link-local address",
    "http://224.0.0.1/": "a multicast address",
    "http://[2002:7f00:1::1]/": "(that is 127.0.0.1), a loopback address",  # 6to4
    "http://[64:ff9b::a00:1]/": "(that is 10.0.0.1), a private address",  # NAT64
    "http://[::127.0.0.1]/": "a loopback address",  # IPv4-compatible
    "http://intranet/hook": "a name of the local network",
    "https://hooks.example.org/alerts\r\nX-Injected: 1": "line break (CR/LF)",
    "https://hooks.example.org/alerts\nHost: evil": "line break (CR/LF)",
    "https://hooks.example.org/a b": "a space",
    "https://hooks.example.org\\@127.0.0.1/": "backslash",
    f"https://analyst:{TOKEN}@hooks.example.org/alerts": "user name or password",
    "https://user@hooks.example.org/alerts": "user name or password",
    "http://256.0.0.1/": "neither an IP address nor a host name",
    "http://[fe80::1%25eth0]/": "IPv6 zone",
    "https://hooks.exаmple.org/": "not plain ASCII",  # a Cyrillic 'а'
    "ftp://hooks.example.org/x": "only http:// and https://",
    "https://hooks.example.org:0/x": "port 0",
    "": "empty",
}


@pytest.mark.parametrize("url", list(REFUSED))
def test_monitor_add_refuses_a_webhook_that_reaches_inside_and_stores_nothing(db, url):
    result = invoke("--db", str(db), "monitor", "add", "--case", CASE, "--webhook", url)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    message = " ".join(result.stderr.split())
    assert message.startswith("error: ") and REFUSED[url] in message
    assert "give" in message or "add --allow-private-webhook" in message  # the fix
    assert TOKEN not in result.output  # a key in the URL is never echoed
    assert monitors(db) == []


@pytest.mark.parametrize("url", list(REFUSED))
def test_the_library_refuses_the_same_urls_without_any_dns(url):
    with pytest.raises(WebhookError):
        check_webhook_url(url)  # what enqueue runs, inside the pass's transaction: no DNS
    resolve = resolver(PUBLIC)
    with pytest.raises(WebhookError):
        check_webhook(url, resolve=resolve)
    assert resolve.asked == []  # judged as written, before any lookup


@pytest.mark.parametrize("url", ["http://169.254.169.254/", "http://[::ffff:a9fe:a9fe]/",
                                 "http://metadata.google.internal/", "http://224.0.0.1/",
                                 "http://0.0.0.0/", "http://[fe80::1]/", "http://240.0.0.1/"])
def test_metadata_link_local_and_reserved_stay_refused_with_the_flag(url):
    with pytest.raises(WebhookError, match="no alert receiver lives there"):
        check_webhook(url, allow_private=True, resolve=resolver(PUBLIC))


# -- names: every address they resolve to must be public ----------------------------------------


@pytest.mark.parametrize("answers", [["10.1.2.3"], [PUBLIC, "127.0.0.1"], ["::ffff:10.0.0.1"],
                                     ["169.254.169.254"], ["fc00::5"], ["100.100.100.200"]])
def test_a_name_that_resolves_to_any_inside_address_is_refused(answers):
    url = f"https://hooks.example.org/services/{TOKEN}"
    with pytest.raises(WebhookError, match="points at hooks.example.org") as refused:
        check_webhook(url, resolve=resolver(*answers))
    assert TOKEN not in str(refused.value) and "/services/***" in str(refused.value)


def test_a_name_that_resolves_to_public_addresses_only_is_accepted():
    resolve = resolver(PUBLIC, "2606:4700::1111")
    url = "https://hooks.example.org/alerts?token=1"
    assert check_webhook(url, resolve=resolve) == url
    assert resolve.asked == ["hooks.example.org"]


def test_a_name_that_does_not_resolve_is_kept_at_monitor_add_and_checked_at_delivery(db):
    con = connect(db)
    try:
        with pytest.raises(WebhookUnresolved, match="does not resolve now"):
            check_webhook("https://hooks.invalid/x", resolve=unresolvable)
        add_monitor(con, CASE, webhook="https://hooks.invalid/x", resolve=unresolvable)
        assert watched_cases(con) == {CASE: [Webhook("https://hooks.invalid/x", False)]}
    finally:
        con.close()


def test_monitor_add_warns_of_a_name_that_does_not_resolve(db):
    result = invoke("--db", str(db), "monitor", "add", "--case", CASE, "--webhook",
                    "https://hooks.invalid/alerts")  # .invalid never resolves (RFC 2606)
    assert result.exit_code == 0, result.output
    assert "warning: the webhook host hooks.invalid" in " ".join(result.stderr.split())
    assert monitors(db) == [(CASE, "https://hooks.invalid/alerts", False)]


# -- --allow-private-webhook: stored with the monitor, honoured at delivery ----------------------


def test_a_private_receiver_needs_the_flag_which_is_kept_with_the_monitor(db):
    url = "http://127.0.0.1:8080/hook"
    refused = invoke("--db", str(db), "monitor", "add", "--case", CASE, "--webhook", url)
    assert refused.exit_code == 1 and "--allow-private-webhook" in refused.stderr
    assert monitors(db) == []
    taken = invoke("--db", str(db), "monitor", "add", "--case", CASE, "--webhook", url,
                   "--allow-private-webhook")
    assert taken.exit_code == 0, taken.output
    assert monitors(db) == [(CASE, url, True)]
    con = connect(db)
    try:
        assert watched_cases(con) == {CASE: [Webhook(url, True)]}
    finally:
        con.close()


def deliver(con, resolve):
    with requests.Session() as session:
        return deliver_pending(con, session, sleep=NoSleep(), timeout=2.0, max_attempts_now=2,
                               resolve=resolve)


def test_delivery_checks_the_address_again_and_sends_nothing_inside(tmp_path):
    """DNS rebinding: public when the monitor was added, the metadata service at delivery."""
    con = connect(tmp_path / "s.duckdb")
    try:
        [aid] = store_alerts(con, [alert(1)])
        url = f"https://hooks.example.org/services/{TOKEN}"
        check_webhook(url, resolve=resolver(PUBLIC))  # fine when added
        enqueue(con, [aid], url)
        report = deliver(con, resolver("169.254.169.254"))
        assert (report.delivered, report.still_pending, report.attempts) == (0, 1, 0)
        [(status, attempts, error)] = con.execute(
            "SELECT status, attempts, last_error FROM alert_deliveries").fetchall()
        assert (status, attempts) == ("pending", 0)  # never lost, never POSTed
        assert "the cloud metadata service" in error and TOKEN not in error
        assert TOKEN not in " ".join(report.errors)
    finally:
        con.close()


def test_delivery_to_a_local_receiver_needs_the_flag_stored_with_the_delivery(tmp_path):
    con = connect(tmp_path / "s.duckdb")
    try:
        ids = store_alerts(con, [alert(1), alert(2)])
        with WebhookServer() as hook:
            with pytest.raises(WebhookError, match="--allow-private-webhook"):
                enqueue(con, ids, hook.url + "/hook")
            con.execute("INSERT INTO alert_deliveries (alert_id, webhook, status, attempts) "
                        "VALUES (?, ?, 'pending', 0)", [ids[0], hook.url + "/sneaked"])
            enqueue(con, ids[1:], hook.url + "/hook", allow_private=True)
            report = deliver(con, socket.getaddrinfo)  # 127.0.0.1 is a literal: no DNS
            assert hook.accepted_ids() == {ids[1]: 1}  # the row written around enqueue is not sent
            assert [r.path for r in hook.received] == ["/hook"]
        assert (report.delivered, report.still_pending) == (1, 1)
    finally:
        con.close()


def test_a_url_written_oddly_into_the_store_is_not_fetched(tmp_path):
    con = connect(tmp_path / "s.duckdb")
    try:
        ids = store_alerts(con, [alert(1), alert(2), alert(3)])
        for aid, url in zip(ids, ["http://0x7f000001:9/x", "http://a.example/x\r\nX: 1", "http://[::1]:9/"]):
            con.execute("INSERT INTO alert_deliveries (alert_id, webhook, status, attempts) "
                        "VALUES (?, ?, 'pending', 0)", [aid, url])
        report = deliver(con, resolver(PUBLIC))
        assert (report.delivered, report.still_pending, report.attempts) == (0, 3, 0)
    finally:
        con.close()


def test_monitor_run_refuses_a_webhook_inside_before_the_flow_starts(db):
    """The installed command (a flow must not run inside CliRunner): refused in about a second."""
    command = [str(Path(sys.executable).with_name("tracers")), "--db", str(db), "monitor", "run",
               "--case", CASE, "--webhook", "http://0x0a000001/hook"]
    env = os.environ | {"PREFECT_HOME": str(db.parent / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output and "Prefect" not in output  # no flow was started
    assert "(that is 10.0.0.1), a private address" in output and "--allow-private-webhook" in output


# -- properties --------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789xXabcdefABCDEF.", min_size=1, max_size=18))
def test_numeric_hosts_are_read_as_the_c_resolver_reads_them(text):
    try:
        expected = IPv4Address(socket.inet_aton(text))
    except OSError:
        expected = None
    assert inet_aton(text) == expected


INSIDE_V4 = st.one_of(
    st.ip_addresses(v=4, network="10.0.0.0/8"), st.ip_addresses(v=4, network="127.0.0.0/8"),
    st.ip_addresses(v=4, network="169.254.0.0/16"), st.ip_addresses(v=4, network="172.16.0.0/12"),
    st.ip_addresses(v=4, network="192.168.0.0/16"), st.ip_addresses(v=4, network="100.64.0.0/10"),
    st.ip_addresses(v=4, network="0.0.0.0/8"), st.ip_addresses(v=4, network="224.0.0.0/4"),
)


def spellings(address: IPv4Address) -> list[str]:
    """The ways a URL's host can spell one IPv4 address."""
    n = int(address)
    a, b, c, d = address.packed
    return [str(address), str(n), hex(n), f"0{n:o}", f"{a}.{b}.{(c << 8) | d}", f"{a}.{(b << 16) | (c << 8) | d}",
            ".".join(f"0{x:o}" for x in address.packed), ".".join(hex(x) for x in address.packed),
            f"[::ffff:{address}]", f"[{IPv6Address((0xFFFF << 32) | n)}]", f"[2002:{a:02x}{b:02x}:{c:02x}{d:02x}::1]",
            f"[64:ff9b::{address}]"]


@settings(max_examples=200, deadline=None)
@given(INSIDE_V4, st.sampled_from(range(12)))
def test_an_inside_address_is_refused_however_it_is_spelled(address, spelling):
    host = spellings(address)[spelling]
    url = f"http://{host}:8080/hook"
    with pytest.raises(WebhookError):
        check_webhook(url, resolve=resolver(PUBLIC))
    with pytest.raises(WebhookError):  # and as what a name resolves to
        check_webhook("http://hooks.example.org/x", resolve=resolver(str(address)))
    assert address_kind(address) is not None


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80) | st.from_regex(r"https?://[^/]{0,30}(/[^?#]{0,20})?(\?.{0,10})?", fullmatch=True))
def test_any_text_is_either_refused_with_a_webhook_error_or_safe(url):
    try:
        checked = check_webhook(url, resolve=resolver(PUBLIC))
    except WebhookError as exc:
        assert str(exc) and isinstance(exc, TracersError)
        return
    parts = urlsplit(url)
    assert checked == url and parts.scheme.lower() in ("http", "https")
    assert not any(ch in url for ch in "\r\n\t \\") and "@" not in parts.netloc
    assert parts.hostname and parts.hostname.isascii()
