"""Which webhook URLs tracers POSTs alerts to: http(s) to public addresses, unless told otherwise.

    check_webhook_url(url)                          # the URL as written: raises WebhookError
    check_webhook(url)                              # ... and every address its host resolves to
    check_webhook(url, allow_private=True)          # a receiver on this machine or the unit's network
    check_webhook(url, resolve=fake_getaddrinfo)    # tests: no real DNS

An alert carries a case's addresses and amounts, and the POST comes from the analyst's machine,
inside the unit's network: a webhook must not be a way to reach that network, this machine, or a
cloud's metadata service (169.254.169.254), nor a way to smuggle headers into the request.

- Refused as written: a scheme other than http/https; no host; a userinfo (`user:pass@`); spaces,
  control characters (CR/LF) or a backslash anywhere; a host that is not ASCII letters, digits,
  `-`, `_` and dots (an international name goes in its `xn--` form), or an IPv6 zone.
- A host written as a number is read as the C resolver reads it: `0x7f000001`, `2130706433`,
  `0177.0.0.1` and `127.1` are all 127.0.0.1.
- Every address the host stands for must be public: not loopback, private, shared (100.64/10),
  link-local, multicast, reserved or unspecified, nor one of those inside an IPv6 form
  (IPv4-mapped, IPv4-compatible, 6to4, Teredo, NAT64). Names of this machine or a metadata service
  (`localhost`, `*.localhost`, `*.local`, `*.internal`, `metadata.goog`, ...) are not public either.
- `allow_private` (`--allow-private-webhook`) lets loopback, private and shared addresses through,
  for a receiver on the analyst's machine or the unit's own network. Link-local addresses and
  metadata names, multicast, reserved and unspecified addresses stay refused: no receiver lives there.
- `check_webhook` resolves the host (getaddrinfo); a host that does not resolve raises
  `WebhookUnresolved`. It runs when a monitor is added and again before every delivery (DNS
  answers change); redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import Any, NamedTuple
from urllib.parse import SplitResult, urlsplit

from tracers import redact
from tracers.errors import TracersError

Resolve = Callable[..., list[tuple[Any, ...]]]  # socket.getaddrinfo's shape

SCHEMES = ("http", "https")
ALLOWED_WITH_FLAG = ("loopback", "private", "shared")
FIX_PUBLIC = "give a webhook on a public address"
FIX_FLAG = "or, for a receiver on this machine or your own network, add --allow-private-webhook"

_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)")
_SHARED = IPv4Network("100.64.0.0/10")
_THIS_NETWORK = IPv4Network("0.0.0.0/8")
_NAT64 = IPv6Network("64:ff9b::/96")
_METADATA_IPS = {IPv4Address("169.254.169.254"), IPv4Address("100.100.100.200"),
                 IPv6Address("fd00:ec2::254")}
_METADATA_NAMES = ("metadata", "metadata.goog", "metadata.google.internal", "instance-data",
                   "instance-data.ec2.internal")
_LOOPBACK_NAMES = ("localhost", "localhost.localdomain")  # and every name under .localhost
_PRIVATE_SUFFIXES = (".local", ".internal", ".localdomain", ".lan", ".home.arpa")


class Webhook(NamedTuple):
    """A webhook as a monitor keeps it: the URL, and whether private addresses were allowed."""

    url: str
    allow_private: bool = False


class WebhookError(TracersError, ValueError):
    """A webhook URL tracers will not POST to; the message says why and the fix."""


class WebhookUnresolved(WebhookError):
    """A webhook whose host does not resolve now, so its addresses cannot be checked."""


def shown_url(url: str) -> str:
    """`url` safe to show: `scheme://host[:port]/<first path segment>/***`, a userinfo, query or
    fragment as ***. Slack and Discord put the token in the path, others in the query or userinfo."""
    return redact.shown_url(url, path_is_secret=True)


def check_webhook_url(url: str, *, allow_private: bool = False) -> str:
    """`url` if tracers may POST to it as written (see the module docstring), else WebhookError.
    Judges a host written as an address; a name is judged here only by what it says (localhost,
    metadata); `check_webhook` resolves it."""
    parts = _parts(url)
    host = _host(url, parts)
    address = _literal_address(url, host)
    if address is not None:
        _judge(url, host, address, allow_private)
    else:
        _judge_name(url, host, allow_private)
    return url


def check_webhook(url: str, *, allow_private: bool = False,
                  resolve: Resolve = socket.getaddrinfo) -> str:
    """`check_webhook_url`, then every address the host resolves to must pass too. A host that
    does not resolve raises WebhookUnresolved."""
    check_webhook_url(url, allow_private=allow_private)
    parts = urlsplit(url)
    host = _bare(parts.hostname or "")
    if _literal_address(url, host) is not None:
        return url
    for address in _resolved(url, host, parts.port or (443 if parts.scheme.lower() == "https" else 80), resolve):
        _judge(url, host, address, allow_private)
    return url


# -- the URL as written ------------------------------------------------------------------------


def _parts(url: Any) -> SplitResult:
    if not isinstance(url, str) or not url.strip():
        raise WebhookError("the webhook URL is empty: give an http:// or https:// URL such as "
                           "https://hooks.example.org/alerts")
    shown = shown_url(re.split(r"[\r\n]", url, maxsplit=1)[0])  # urlsplit drops CR/LF: show what came before
    if re.search(r"[\r\n]", url):
        raise WebhookError(f"the webhook URL {shown!r} is followed by a line break (CR/LF) and more "
                           "text: give the URL alone, on one line")
    if re.search(r"[\s\x00-\x1f\x7f\\]", url):
        raise WebhookError(f"the webhook URL {shown!r} contains a space, a control character or a "
                           "backslash: give the URL exactly, percent-encoding such characters (%20)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise WebhookError(f"the webhook URL {shown!r} cannot be parsed: give an http:// or https:// "
                           "URL such as https://hooks.example.org/alerts") from None
    if parts.scheme.lower() not in SCHEMES:
        raise WebhookError(f"the webhook URL {shown!r} has scheme {parts.scheme or '(none)'}: only "
                           "http:// and https:// webhooks are allowed: give one such as "
                           "https://hooks.example.org/alerts")
    if "@" in parts.netloc:
        raise WebhookError(f"the webhook URL {shown!r} carries a user name or password (user:pass@), "
                           "which tracers does not send: give the URL without it, the receiver's token "
                           "in the path or the query (as Slack, Discord and Teams do)")
    if port == 0:
        raise WebhookError(f"the webhook URL {shown!r} has port 0: give the receiver's port, or none")
    return parts


def _host(url: str, parts: SplitResult) -> str:
    host = _bare(parts.hostname or "")
    if not host:
        raise WebhookError(f"the webhook URL {shown_url(url)!r} has no host: give a full URL such as "
                           "https://hooks.example.org/alerts")
    if not host.isascii():
        raise WebhookError(f"the webhook URL {shown_url(url)!r} has a host that is not plain ASCII: "
                           "give an international name in its xn-- (punycode) form")
    if ":" in host:
        if "%" in host:
            raise WebhookError(f"the webhook URL {shown_url(url)!r} names an IPv6 zone (%): give a "
                               "public address or host name")
        return host
    if not _NAME.fullmatch(host) or len(host) > 253 or any(len(label) > 63 for label in host.split(".")):
        raise WebhookError(f"the webhook URL {shown_url(url)!r} has host {host!r}, which is no host "
                           "name: use letters, digits, '-' and dots only")
    return host


def _bare(host: str) -> str:
    """The host without one trailing dot (`localhost.` is `localhost`), lowercase."""
    return host[:-1].lower() if host.endswith(".") else host.lower()


def _literal_address(url: str, host: str) -> IPv4Address | IPv6Address | None:
    """The address a host written as one stands for (the C resolver's IPv4 forms included), else
    None. A host whose last label is a number but that is no valid address is refused: no name
    ends in a number, and resolvers differ on what such a host means."""
    if ":" in host:
        try:
            return IPv6Address(host)
        except ValueError:
            raise WebhookError(f"the webhook URL {shown_url(url)!r} has an IPv6 host that does not "
                               "parse: give a public address or host name") from None
    if not _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
        return None
    address = inet_aton(host)
    if address is None:
        raise WebhookError(f"the webhook URL {shown_url(url)!r} has host {host!r}, which is neither "
                           "an IP address nor a host name: give a public address or host name")
    return address


def inet_aton(text: str) -> IPv4Address | None:
    """`text` read as the C library's inet_aton reads it, or None: one to four parts, each decimal,
    0x-hex or 0-octal; the last part fills the bytes left (`127.1` is 127.0.0.1,
    `2130706433` and `0x7f000001` are 127.0.0.1, `0177.0.0.1` is 127.0.0.1)."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = []
    for part in parts:
        if re.fullmatch(r"0x[0-9a-f]+", part, re.IGNORECASE):
            values.append(int(part[2:], 16))
        elif re.fullmatch(r"0[0-7]*", part):
            values.append(int(part, 8))
        elif re.fullmatch(r"[1-9][0-9]*", part):
            values.append(int(part))
        else:
            return None
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    number = last
    for index, value in enumerate(head):
        number += value << (8 * (3 - index))
    return IPv4Address(number)


# -- what the host stands for ------------------------------------------------------------------


def _resolved(url: str, host: str, port: int, resolve: Resolve) -> list[IPv4Address | IPv6Address]:
    try:
        answers = resolve(host, port)
    except (OSError, UnicodeError, ValueError) as exc:
        raise WebhookUnresolved(f"the webhook host {host} of {shown_url(url)!r} does not resolve now "
                                f"({type(exc).__name__}): check the name; nothing is sent to it until "
                                "it resolves to public addresses") from None
    addresses = []
    for answer in answers:
        text = str(answer[4][0]).split("%", 1)[0]
        try:
            addresses.append(ipaddress.ip_address(text))
        except ValueError:
            raise WebhookUnresolved(f"the webhook host {host} of {shown_url(url)!r} resolved to "
                                    f"{text!r}, which is no IP address: check the name") from None
    if not addresses:
        raise WebhookUnresolved(f"the webhook host {host} of {shown_url(url)!r} resolved to no "
                                "address: check the name")
    return addresses


def address_kind(address: IPv4Address | IPv6Address) -> str | None:
    """What kind of non-public address this is ('loopback', 'private', 'link-local', ...), or None
    for a public one. An IPv4 address inside an IPv6 form counts as that IPv4 address."""
    if isinstance(address, IPv6Address):
        for inner in _embedded(address):
            kind = address_kind(inner)
            if kind is not None:
                return kind
        if address.ipv4_mapped is not None or address in _NAT64:
            return None
    if address in _METADATA_IPS:
        return "metadata"
    if address.is_unspecified or (isinstance(address, IPv4Address) and address in _THIS_NETWORK):
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, IPv4Address) and address in _SHARED:
        return "shared"
    if address.is_reserved:
        return "reserved"
    if address.is_private or (isinstance(address, IPv6Address) and address.is_site_local):
        return "private"
    return None if address.is_global else "reserved"


def _embedded(address: IPv6Address) -> list[IPv4Address]:
    """The IPv4 addresses an IPv6 form carries: IPv4-mapped, IPv4-compatible (::a.b.c.d), 6to4,
    Teredo (server and client), NAT64 (64:ff9b::/96)."""
    found = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    number = int(address)
    if number >> 32 == 0 and number > 1:  # ::a.b.c.d, but not :: or ::1
        found.append(IPv4Address(number))
    if address in _NAT64:
        found.append(IPv4Address(number & 0xFFFFFFFF))
    return found


def _judge(url: str, host: str, address: IPv4Address | IPv6Address, allow_private: bool) -> None:
    kind = address_kind(address)
    if kind is None or (allow_private and kind in ALLOWED_WITH_FLAG):
        return
    if isinstance(address, IPv6Address):  # name the IPv4 address an IPv6 form hides, if it is the one
        address = next((inner for inner in _embedded(address) if address_kind(inner)), address)
    said = host if host == str(address) else f"{host} (that is {address})"
    what = {"metadata": "the cloud metadata service", "unspecified": "an unspecified address",
            "link-local": "a link-local address (where cloud metadata services live)"}.get(kind, f"a {kind} address")
    fix = (f"{FIX_PUBLIC}, {FIX_FLAG}" if kind in ALLOWED_WITH_FLAG
           else f"no alert receiver lives there: {FIX_PUBLIC}")
    raise WebhookError(f"the webhook URL {shown_url(url)!r} points at {said}, {what}: {fix}")


def _judge_name(url: str, host: str, allow_private: bool) -> None:
    if host in _METADATA_NAMES:
        raise WebhookError(f"the webhook URL {shown_url(url)!r} names {host}, a cloud metadata "
                           f"service: no alert receiver lives there: {FIX_PUBLIC}")
    if allow_private:
        return
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        raise WebhookError(f"the webhook URL {shown_url(url)!r} names {host}, this machine: "
                           f"{FIX_PUBLIC}, {FIX_FLAG}")
    if host.endswith(_PRIVATE_SUFFIXES) or "." not in host:
        raise WebhookError(f"the webhook URL {shown_url(url)!r} names {host}, a name of the local "
                           f"network: {FIX_PUBLIC}, {FIX_FLAG}")
