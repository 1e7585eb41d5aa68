from __future__ import annotations

import hashlib
import hmac

import httpx
import orjson
from tradingbot.venues.gmo.auth import Credentials, sign
from tradingbot.venues.gmo.endpoints import GmoEndpoints
from tradingbot.venues.gmo.models import ExecutionType, OrderRequest, Side
from tradingbot.venues.gmo.rest import GmoRestClient

SECRET = "vector-secret-\u79d8\u5bc6"
TS = "1700000000123"


def _expected(text: str, secret: str = SECRET) -> str:
    return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def test_post_signs_exact_non_ascii_body() -> None:
    body = '{"symbol":"BTC_JPY","note":"\u30c6\u30b9\u30c8"}'
    assert sign(SECRET, TS, "POST", "/v1/order", body) == _expected(TS + "POST/v1/order" + body)


def test_get_signs_path_without_query_and_no_body() -> None:
    # The caller passes the path only; the query string is never part of the signed text.
    expected = _expected(TS + "GET/v1/activeOrders")
    assert sign(SECRET, TS, "GET", "/v1/activeOrders") == expected
    assert sign(SECRET, TS, "get", "/v1/activeOrders", "ignored") == expected


def test_put_ws_token_extension_signs_without_body() -> None:
    expected = _expected(TS + "PUT/v1/ws-auth")
    assert sign(SECRET, TS, "PUT", "/v1/ws-auth", '{"token":"abc"}') == expected
    assert sign(SECRET, TS, "DELETE", "/v1/ws-auth", '{"token":"abc"}') == _expected(TS + "DELETE/v1/ws-auth")


def test_signature_is_lower_hex_sha256() -> None:
    signature = sign(SECRET, TS, "GET", "/v1/account/margin")
    assert len(signature) == 64
    assert signature == signature.lower()


def _rules_payload() -> dict[str, object]:
    return {
        "status": 0,
        "data": [
            {
                "symbol": "BTC_JPY",
                "minOrderSize": "0.01",
                "maxOrderSize": "5",
                "sizeStep": "0.01",
                "tickSize": "1",
                "takerFee": "0",
                "makerFee": "0",
            }
        ],
        "responsetime": "2026-11-27T06:00:00.000Z",
    }


async def test_client_sends_exactly_the_bytes_it_signed() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/v1/symbols"):
            return httpx.Response(200, json=_rules_payload())
        seen.append(request)
        return httpx.Response(200, json={"status": 0, "data": "637000", "responsetime": "x"})

    client = GmoRestClient(
        GmoEndpoints.at("http://127.0.0.1:1"),
        Credentials.of("vector-key", SECRET),
        transport=httpx.MockTransport(handler),
        timestamp=lambda: TS,
    )
    async with client:
        order = OrderRequest(
            symbol="BTC_JPY", side=Side.BUY, execution_type=ExecutionType.LIMIT, size="0.015", price="100.7"
        )
        assert await client.place_order(order) == 637000
        await client.extend_ws_token("tok-\u00e9")
    post, put = seen
    assert post.url.path == "/private/v1/order"
    assert post.headers["API-SIGN"] == _expected(TS + "POST/v1/order" + post.content.decode())
    assert post.headers["API-KEY"] == "vector-key"
    assert post.headers["API-TIMESTAMP"] == TS
    # Rounded before sending: size down to the step, BUY price down to the tick.
    assert orjson.loads(post.content) == {
        "symbol": "BTC_JPY",
        "side": "BUY",
        "executionType": "LIMIT",
        "price": "100",
        "size": "0.01",
    }
    assert put.method == "PUT"
    assert put.headers["API-SIGN"] == _expected(TS + "PUT/v1/ws-auth")
    assert orjson.loads(put.content) == {"token": "tok-\u00e9"}


async def test_get_with_query_signs_path_only() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": 0, "data": {}, "responsetime": "x"})

    client = GmoRestClient(
        GmoEndpoints.at("http://127.0.0.1:1"),
        Credentials.of("vector-key", SECRET),
        transport=httpx.MockTransport(handler),
        timestamp=lambda: TS,
    )
    async with client:
        assert await client.get_active_orders("BTC_JPY") == []
    (request,) = seen
    assert request.url.query
    assert request.headers["API-SIGN"] == _expected(TS + "GET/v1/activeOrders")
    assert request.content == b""
