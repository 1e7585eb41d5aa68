"""REST behaviour with httpx.MockTransport: envelopes, retries only for reads, OutcomeUnknown for writes."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest
from tradingbot.venues.gmo.auth import Credentials
from tradingbot.venues.gmo.endpoints import GmoEndpoints
from tradingbot.venues.gmo.errors import ErrorCategory, GmoError, InvalidOrder, OutcomeUnknown
from tradingbot.venues.gmo.models import ExecutionType, OrderRequest, SettlePosition, Side
from tradingbot.venues.gmo.rest import GmoRestClient

PLANTED_KEY = "PLANTED-KEY-7f3a9c"
PLANTED_SECRET = "PLANTED-SECRET-b81e44"
SYMBOLS = [
    {
        "symbol": "BTC_JPY",
        "minOrderSize": "0.01",
        "maxOrderSize": "5",
        "sizeStep": "0.01",
        "tickSize": "1",
        "takerFee": "0",
        "makerFee": "0",
    }
]
MARGIN = {
    "actualProfitLoss": "1",
    "availableAmount": "1",
    "margin": "0",
    "marginCallStatus": "NORMAL",
    "marginRatio": "0",
    "profitLoss": "0",
    "transferableAmount": "1",
}


def ok(data: Any) -> httpx.Response:
    return httpx.Response(200, json={"status": 0, "data": data, "responsetime": "2026-11-27T06:00:00.000Z"})


def refused(code: str, http: int = 200) -> httpx.Response:
    return httpx.Response(
        http,
        json={
            "status": 1,
            "messages": [{"message_code": code, "message_string": "refused"}],
            "responsetime": "2026-11-27T06:00:00.000Z",
        },
    )


class Recorder:
    def __init__(self) -> None:
        self.requests = 0
        self.rate_limited = 0
        self.retries: list[str] = []
        self.outcomes: list[str] = []

    def on_request(self, method: str, path: str, seconds: float, outcome: str) -> None:
        self.outcomes.append(outcome)

    def on_rate_limited(self) -> None:
        self.rate_limited += 1

    def on_retry(self, path: str) -> None:
        self.retries.append(path)


async def _nosleep(_: float) -> None:
    return None


def make(
    handler: Callable[[httpx.Request], httpx.Response], observer: Recorder | None = None, **kw: Any
) -> GmoRestClient:
    def routed(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/public/v1/symbols":
            return ok(SYMBOLS)
        return handler(request)

    return GmoRestClient(
        GmoEndpoints.at("http://127.0.0.1:1"),
        Credentials.of(PLANTED_KEY, PLANTED_SECRET),
        transport=httpx.MockTransport(routed),
        observer=observer,
        sleep=_nosleep,
        rng=random.Random(1),
        **kw,
    )


ORDER = OrderRequest(
    symbol="BTC_JPY", side=Side.BUY, execution_type=ExecutionType.MARKET, size=Decimal("0.02")
)


@pytest.mark.parametrize(
    ("code", "category"),
    [
        ("ERR-5003", ErrorCategory.RATE_LIMIT),
        ("ERR-5008", ErrorCategory.AUTH),
        ("ERR-5009", ErrorCategory.AUTH),
        ("ERR-5010", ErrorCategory.AUTH),
        ("ERR-5011", ErrorCategory.AUTH),
        ("ERR-5012", ErrorCategory.AUTH),
        ("ERR-5201", ErrorCategory.EXCHANGE),
        ("ERR-5202", ErrorCategory.EXCHANGE),
        ("ERR-5203", ErrorCategory.EXCHANGE),
        ("ERR-201", ErrorCategory.INSUFFICIENT_FUNDS),
        ("ERR-208", ErrorCategory.INSUFFICIENT_FUNDS),
        ("ERR-254", ErrorCategory.NOT_FOUND),
        ("ERR-5122", ErrorCategory.NOT_FOUND),
        ("ERR-5123", ErrorCategory.NOT_FOUND),
        ("ERR-5106", ErrorCategory.INVALID_REQUEST),
        ("ERR-5114", ErrorCategory.INVALID_REQUEST),
    ],
)
async def test_status_not_zero_on_http_200_is_an_error(code: str, category: ErrorCategory) -> None:
    async with make(lambda r: refused(code), read_retries=0) as client:
        with pytest.raises(GmoError) as info:
            await client.get_margin()
        assert info.value.category is category
        assert info.value.codes == (code,)
        assert info.value.http_status == 200
        with pytest.raises(GmoError) as info:
            await client.place_order(ORDER)
        assert not isinstance(info.value, OutcomeUnknown)  # a refusal is a definite answer
        assert info.value.category is category


async def test_reads_retried_on_network_errors_and_5xx() -> None:
    answers = iter(["reset", "5xx", "ok"])
    recorder = Recorder()

    def handler(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if answer == "reset":
            raise httpx.ReadError("connection reset", request=request)
        if answer == "5xx":
            return httpx.Response(502, text="bad gateway")
        return ok(MARGIN)

    async with make(handler, recorder) as client:
        margin = await client.get_margin()
    assert margin.margin_call_status == "NORMAL"
    assert recorder.retries == ["/v1/account/margin", "/v1/account/margin"]


async def test_reads_give_up_after_retries() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(503)

    async with make(handler, read_retries=2) as client:
        with pytest.raises(GmoError) as info:
            await client.get_margin()
    assert calls == 3
    assert info.value.http_status == 503


async def test_rate_limit_backs_off_and_read_recovers() -> None:
    answers = iter([refused("ERR-5003"), ok(MARGIN)])
    recorder = Recorder()
    clock_now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock_now[0] += seconds

    client = make(lambda r: next(answers), recorder, clock=lambda: clock_now[0], rate_limit_pause=1.0)
    client._sleep = sleep
    client.limiter._sleep = sleep
    async with client:
        await client.get_margin()
    assert recorder.rate_limited == 1
    assert sum(slept) >= 1.0  # the GET budget was blocked for the pause


@pytest.mark.parametrize("failure", ["read_timeout", "reset", "5xx", "garbage"])
async def test_write_never_retried_and_outcome_unknown(failure: str) -> None:
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        if failure == "read_timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if failure == "reset":
            raise httpx.RemoteProtocolError("server disconnected", request=request)
        if failure == "5xx":
            return httpx.Response(500, text="oops")
        return httpx.Response(200, text="<html>")

    async with make(handler) as client:
        with pytest.raises(OutcomeUnknown) as info:
            await client.place_order(ORDER)
    assert len(bodies) == 1
    sent = info.value.sent
    assert (sent.method, sent.path) == ("POST", "/v1/order")
    assert sent.body == {"symbol": "BTC_JPY", "side": "BUY", "executionType": "MARKET", "size": "0.02"}
    assert orjson.loads(bodies[0]) == sent.body


async def test_close_and_cancel_are_never_retried() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        raise httpx.ReadTimeout("timed out", request=request)

    async with make(handler) as client:
        with pytest.raises(OutcomeUnknown) as info:
            await client.close_order(
                "BTC_JPY",
                Side.SELL,
                ExecutionType.MARKET,
                [SettlePosition(position_id=7, size=Decimal("0.02"))],
            )
        assert info.value.sent.body == {
            "symbol": "BTC_JPY",
            "side": "SELL",
            "executionType": "MARKET",
            "settlePosition": [{"positionId": 7, "size": "0.02"}],
        }
        with pytest.raises(OutcomeUnknown):
            await client.cancel_order(5)
        with pytest.raises(OutcomeUnknown):
            await client.close_bulk_order("BTC_JPY", Side.SELL, ExecutionType.MARKET, Decimal("0.02"))
    assert calls == ["/private/v1/closeOrder", "/private/v1/cancelOrder", "/private/v1/closeBulkOrder"]


async def test_connect_error_on_write_is_a_definite_network_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with make(handler) as client:
        with pytest.raises(GmoError) as info:
            await client.place_order(ORDER)
    assert not isinstance(info.value, OutcomeUnknown)
    assert info.value.category is ErrorCategory.NETWORK
    assert info.value.drill_category == "network"


async def test_invalid_order_not_sent() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return ok("1")

    async with make(handler) as client:
        with pytest.raises(InvalidOrder, match="below minOrderSize"):
            await client.place_order(ORDER.model_copy(update={"size": Decimal("0.001")}))
        with pytest.raises(InvalidOrder, match="needs a price"):
            await client.place_order(ORDER.model_copy(update={"execution_type": ExecutionType.LIMIT}))
        with pytest.raises(InvalidOrder, match="unknown symbol 'DOGE_JPY'"):
            await client.place_order(ORDER.model_copy(update={"symbol": "DOGE_JPY"}))
    assert calls == 0


async def test_empty_object_is_empty_list_and_results_parsed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/cancelBulkOrder"):
            return ok([1, 2])
        if path.endswith("/ws-auth"):
            return ok("tok" if request.method == "POST" else None)
        return ok({})

    async with make(handler) as client:
        assert await client.get_active_orders("BTC_JPY") == []
        assert await client.get_open_positions("BTC_JPY") == []
        assert await client.get_latest_executions("BTC_JPY") == []
        assert await client.get_executions(order_id=3) == []
        assert await client.cancel_bulk_order(["BTC_JPY"], side=Side.BUY) == [1, 2]
        assert await client.create_ws_token() == "tok"
        await client.delete_ws_token("tok")
        with pytest.raises(ValueError, match="exactly one"):
            await client.get_executions()


async def test_unexpected_payload_is_a_clear_error() -> None:
    async with make(lambda r: ok({"list": [{"orderId": "x"}]})) as client:
        with pytest.raises(GmoError, match="unexpected payload") as info:
            await client.get_orders([1])
    assert info.value.category is ErrorCategory.UNKNOWN


async def test_secrets_never_in_exceptions_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seen_headers: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen_headers.append(request.headers["API-SIGN"])
        if request.method == "GET":
            return refused("ERR-5010", http=401)
        raise httpx.ReadTimeout("timed out", request=request)

    texts: list[str] = []
    async with make(handler, read_retries=1) as client:
        for call in (client.get_margin(), client.place_order(ORDER)):
            with pytest.raises(GmoError) as info:
                await call
            texts += [str(info.value), repr(info.value), repr(getattr(info.value, "sent", ""))]
        texts.append(repr(client))
    texts.append(caplog.text)
    texts += [repr(r.__dict__) for r in caplog.records]
    blob = "\n".join(texts)
    assert seen_headers  # the planted values were really used on the wire
    for secret in (PLANTED_KEY, PLANTED_SECRET, *seen_headers):
        assert secret not in blob
    assert PLANTED_SECRET not in repr(Credentials.of(PLANTED_KEY, PLANTED_SECRET))
    assert PLANTED_KEY not in repr(Credentials.of(PLANTED_KEY, PLANTED_SECRET))


async def test_private_call_without_credentials() -> None:
    client = GmoRestClient(
        GmoEndpoints.at("http://127.0.0.1:1"), None, transport=httpx.MockTransport(lambda r: ok({}))
    )
    async with client:
        with pytest.raises(GmoError, match="needs API credentials") as info:
            await client.get_margin()
    assert info.value.category is ErrorCategory.AUTH
