"""Redaction: the one place that knows what in a URL, a header or a text may be a key, and hides it.

    shown_url("https://u:p@mainnet.infura.io/v3/KEY?x=1")   # https://***@mainnet.infura.io/v3/***?***
    secrets = secrets_of_url(url)                          # the URL, "u:p", "KEY", ... longest first
    register(secrets)                                      # urllib3's and web3's request lines: masked
    message = mask(text, secrets)                          # the URL shown, every piece ***

- In a URL, a key may be the userinfo, the query (each value and the whole), the fragment, or a
  key-like path segment (16 or more letters, digits, `_` or `-`: Infura, Alchemy, Ankr, QuickNode
  put the key there). Where the whole path is the secret (webhooks: Slack and Discord put the
  token after the first segment), pass `path_is_secret=True`: only the first segment is shown.
- Pieces of a URL shorter than 4 characters are not masked on their own (a user "u" or a query
  value "1" would garble every message); the whole URL, wherever it appears, is replaced by its
  shown form.
- `mask` also hides, registered or not, `apikey=` query values and the values that follow the
  names of headers that carry keys (`SECRET_HEADERS`).
- One logging filter, installed by the first `register` on the loggers that print request lines
  and endpoints at DEBUG (`LOGGERS`), masks every registered secret in their records.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping
from urllib.parse import SplitResult, urlsplit

MASK = "***"
SECRET_HEADERS = ("Authorization", "Proxy-Authorization", "X-API-Key", "Api-Key", "X-Auth-Token",
                  "TRON-PRO-API-KEY")
LOGGERS = ("urllib3.connectionpool", "web3.providers.HTTPProvider",
           "web3._utils.http_session_manager.HTTPSessionManager", "web3.providers.base.JSONBaseProvider")

_KEYLIKE = re.compile(r"[A-Za-z0-9_\-]{16,}")
_SHORTEST_PIECE = 4
_APIKEY_QUERY = re.compile(r"(?i)(apikey=)[^&\s'\"#]+")
_HEADER_VALUE = re.compile(  # `Authorization: Bearer x`, `'X-API-Key': 'x'`, `TRON-PRO-API-KEY=x`
    r"(?i)(" + "|".join(re.escape(h) for h in SECRET_HEADERS) + r")(['\"]?\s*[:=]\s*['\"]?)[^'\"\r\n,}]+")


def shown_url(url: str, *, path_is_secret: bool = False, shown_segments: Iterable[str] | None = None) -> str:
    """`url` as it may be shown: scheme://host[:port] and the path, with key-like segments (or,
    with `path_is_secret`, all after the first) as ***; a userinfo, query or fragment shows as ***
    (`https://***@host/v3/***?***`). With `shown_segments` (e.g. an API's own `v2`, `api`), every
    other path segment shows as ***: for a URL refused for its path, where a key may have been
    pasted. A text that is no URL (an IPC path, a provider's name) comes back as it is; a URL that
    does not parse, as ***."""
    parts = _split(url)
    if parts is None:
        return MASK
    if not parts.scheme and not parts.netloc:
        return url
    if not parts.netloc:  # "user:pw@host" parses as scheme "user": nothing after it is safe to show
        return f"{parts.scheme}:{MASK}"
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    port = f":{parts.port}" if parts.port is not None else ""
    userinfo = f"{MASK}@" if "@" in parts.netloc else ""
    query = f"?{MASK}" if parts.query else ""
    fragment = f"#{MASK}" if parts.fragment else ""
    scheme = f"{parts.scheme}:" if parts.scheme else ""
    path = _shown_path(parts.path, path_is_secret, None if shown_segments is None else set(shown_segments))
    return f"{scheme}//{userinfo}{host}{port}{path}{query}{fragment}"


def secrets_of_url(url: str, *, path_is_secret: bool = False) -> list[str]:
    """What to mask in any text that may carry `url`, longest first: the URL itself (`mask` shows
    it as `shown_url`), its userinfo, query, query values, fragment and key-like path segments (all
    after the first with `path_is_secret`); none shorter than 4 characters. A text that is no
    URL has none; a URL that does not parse is one whole secret."""
    parts = _split(url)
    if parts is None:
        return [url]
    if not parts.scheme and not parts.netloc:
        return []
    pieces = [url]
    if not parts.netloc:
        pieces.append(url.split(":", 1)[1])
    if "@" in parts.netloc:
        userinfo = parts.netloc.rsplit("@", 1)[0]
        pieces += [userinfo, *userinfo.split(":", 1)]
    segments = [s for s in parts.path.split("/") if s]
    pieces += [s for s in segments if _KEYLIKE.fullmatch(s)]
    if path_is_secret:
        pieces += segments[1:]
    if parts.query:
        pieces += [parts.query] + [p.split("=", 1)[-1] for p in parts.query.split("&")]
    pieces.append(parts.fragment)
    return sorted({p for p in pieces if len(p) >= _SHORTEST_PIECE}, key=len, reverse=True)


def header_secrets(headers: Mapping[str, str]) -> list[str]:
    """The values of `headers` that carry keys (see SECRET_HEADERS), to mask or register."""
    wanted = {h.lower() for h in SECRET_HEADERS}
    return [value for name, value in headers.items() if name.lower() in wanted and value]


def mask(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with every secret replaced, longest first (a URL by its shown form, anything else
    by ***), then `apikey=` query values and key-carrying header values by ***."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, shown_url(secret) if "://" in secret else MASK)
    text = _APIKEY_QUERY.sub(lambda m: m.group(1) + MASK, text)
    return _HEADER_VALUE.sub(lambda m: m.group(1) + m.group(2) + MASK, text)


def register(secrets: Iterable[str | None]) -> None:
    """Mask `secrets` from now on in the records of the loggers that print request lines (LOGGERS)."""
    _LOG_MASK.add(secrets)


# -- helpers -----------------------------------------------------------------------------------


def _split(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return None
    return parts


def _shown_path(path: str, path_is_secret: bool, shown_segments: set[str] | None = None) -> str:
    segments = path.split("/")  # "/v3/KEY" -> ["", "v3", "KEY"]
    shown = [MASK if _KEYLIKE.fullmatch(s) or (shown_segments is not None and s and s not in shown_segments)
             else s for s in segments]
    named = [i for i, s in enumerate(segments) if s]
    if path_is_secret and len(named) > 1:
        shown = shown[:named[0] + 1] + [MASK]
    return "/".join(shown)


class _LogMask(logging.Filter):
    """Masks the registered secrets in a logger's records (urllib3 prints each request line with
    its query at DEBUG, web3 the node's URL)."""

    def __init__(self) -> None:
        super().__init__("tracers-redact")
        self._secrets: frozenset[str] = frozenset()
        self._lock = threading.Lock()

    def add(self, secrets: Iterable[str | None]) -> None:
        with self._lock:
            self._secrets = self._secrets | {s for s in secrets if s}
            for name in LOGGERS:
                logger = logging.getLogger(name)
                if self not in logger.filters:
                    logger.addFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is its logger's to report, not ours
            return True
        masked = mask(message, self._secrets)
        if masked != message:
            record.msg, record.args = masked, None
        return True


_LOG_MASK = _LogMask()
