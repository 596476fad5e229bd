"""tracers.redact: keys in URLs, headers and texts are never shown; short innocuous values are."""

import logging

from hypothesis import given
from hypothesis import strategies as st

from tracers import redact
from tracers.redact import MASK, header_secrets, mask, register, secrets_of_url, shown_url

# A key: 16+ characters a provider might use, so that it can sit in any part of a URL.
keys = st.text("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789_-", min_size=16, max_size=40)
hosts = st.sampled_from(["mainnet.infura.io", "127.0.0.1:8545", "hooks.slack.com", "[::1]:8080"])
places = st.sampled_from(["user", "password", "query", "path", "first path", "fragment"])


def url_with(key: str, host: str, place: str) -> str:
    return {
        "user": f"https://{key}@{host}/v3",
        "password": f"https://analyst:{key}@{host}/rpc",
        "query": f"https://{host}/api?chainid=1&apikey={key}&page=2",
        "path": f"https://{host}/v3/{key}",
        "first path": f"https://{host}/{key}/",
        "fragment": f"https://{host}/hook#{key}",
    }[place]


@given(keys, hosts, places, st.booleans())
def test_a_key_anywhere_in_a_url_is_never_shown(key, host, place, path_is_secret):
    url = url_with(key, host, place)
    secrets = secrets_of_url(url, path_is_secret=path_is_secret)
    assert key not in shown_url(url, path_is_secret=path_is_secret)
    assert key not in mask(f"cannot reach {url} (ConnectionError): check the URL", secrets)
    assert key not in mask(f"Making request HTTP. URI: {url}, Method: eth_chainId", secrets)


def test_the_shown_form_keeps_what_helps_and_marks_what_was_hidden():
    key = "0123456789abcdef0123456789abcdef"
    assert shown_url(f"https://u:p@mainnet.infura.io:8545/v3/{key}?x=1#f") == \
        "https://***@mainnet.infura.io:8545/v3/***?***#***"
    assert shown_url("https://api.etherscan.io/v2/api") == "https://api.etherscan.io/v2/api"
    assert shown_url("http://127.0.0.1:8545") == "http://127.0.0.1:8545"
    assert shown_url("http://[::1]:8545/") == "http://[::1]:8545/"
    assert shown_url("https://hooks.example.org/hooks/catch/123/abc/", path_is_secret=True) == \
        "https://hooks.example.org/hooks/***"


def test_what_is_no_url_stays_and_what_does_not_parse_is_hidden():
    assert shown_url("/var/run/geth.ipc") == "/var/run/geth.ipc" and secrets_of_url("/var/run/geth.ipc") == []
    assert shown_url("https://host:port-KEY/v3") == MASK
    assert secrets_of_url("https://host:port-KEY/v3") == ["https://host:port-KEY/v3"]
    assert "pw" not in shown_url("user:pw@host/x")


def test_a_whole_url_in_a_text_is_replaced_by_its_shown_form():
    url = "https://analyst:hunter22@node.example/v3/0123456789abcdef0123?apikey=QUERYKEY99"
    assert mask(f"the node at {url} refused", secrets_of_url(url)) == \
        "the node at https://***@node.example/v3/***?*** refused"


def test_short_innocuous_pieces_do_not_garble_messages():
    url = "https://u:p@node.example/rpc?v=1#x"
    assert secrets_of_url(url) == [url]
    text = "eth_getLogs: the node refused block range 1..10 for user u (p=1, v=1)"
    assert mask(text, secrets_of_url(url)) == text


def test_apikey_query_values_and_key_headers_are_masked_without_being_registered():
    assert mask("GET /v2/api?module=account&apikey=SEKRET&page=1") == \
        "GET /v2/api?module=account&apikey=***&page=1"
    headers = {"Accept": "application/json", "TRON-PRO-API-KEY": "TRONKEY", "Authorization": "Bearer TOK"}
    assert mask(str(headers)) == \
        "{'Accept': 'application/json', 'TRON-PRO-API-KEY': '***', 'Authorization': '***'}"
    assert mask("Authorization: Bearer TOK\nAccept: */*") == "Authorization: ***\nAccept: */*"
    assert header_secrets(headers) == ["TRONKEY", "Bearer TOK"]
    assert mask("check the URL and its API key: HTTP 401") == "check the URL and its API key: HTTP 401"


def test_urllib3_and_web3_request_lines_are_masked_in_the_log(caplog):
    key, path_key = "LOGGED-KEY-0042", "0123456789abcdef0123456789abcdef"
    url = f"https://node.example/v3/{path_key}?apikey={key}"
    register(secrets_of_url(url) + [key])
    caplog.set_level(logging.DEBUG)
    logging.getLogger("urllib3.connectionpool").debug(
        '%s://%s:%s "%s %s %s" %s %s', "https", "node.example", 443, "GET",
        f"/v3/{path_key}?apikey={key}", "HTTP/1.1", 200, 17)
    logging.getLogger("web3.providers.HTTPProvider").debug(
        "Making request HTTP. URI: %s, Method: %s", url, "eth_chainId")
    assert "/v3/***?***" in caplog.text and "URI: https://node.example/v3/***?***," in caplog.text
    assert key not in caplog.text and path_key not in caplog.text
    assert all(redact._LOG_MASK in logging.getLogger(name).filters for name in redact.LOGGERS)
