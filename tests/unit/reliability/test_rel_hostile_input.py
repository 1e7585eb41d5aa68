"""Suite 3: hostile input for the WS decoders and the REST envelope parser (hypothesis).

Property, for every generated frame or HTTP answer: the code under test returns a well-formed value or
reports the input as bad in its documented way (public/private stream: counted in ``malformed_frames``,
in the ``tradingbot_malformed_frames_total`` metric and logged; REST: a ``GmoError``). Never another
exception, never a non-finite number handed on, and never a negative or absurd (>= 1e15) market
price (either could become a wrong trade).
`make test` runs a few hundred examples per target (derandomised); `make chaos` >= 10,000 per target.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tradingbot.marketdata import MALFORMED_REASONS, OrderBook, Ticker, Trade
from tradingbot.ops.metrics import BotMetrics
from tradingbot.venues.gmo import (
    Credentials,
    GmoEndpoints,
    GmoError,
    GmoRestClient,
    PrivateStream,
    PublicStream,
)
from tradingbot.venues.gmo.errors import InvalidOrder
from tradingbot.venues.gmo.market import ExchangeErrorFrame
from tradingbot.venues.gmo.models import OrderRequest
from tradingbot.venues.gmo.ws import Subscription

SIZES = [pytest.param(100, id="short"), pytest.param(10_000, id="long", marks=pytest.mark.chaos)]
LIMIT = Decimal("1e15")  # no GMO price, size or amount comes near this


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=examples < 1000,
        suppress_health_check=list(HealthCheck),
    )


# --- frame strategies ----------------------------------------------------------------------------------

NASTY_SCALARS = st.one_of(
    st.sampled_from(
        [
            "NaN",
            "nan",
            "sNaN",
            "Infinity",
            "-Infinity",
            "inf",
            "-inf",
            "1e999999",
            "-1",
            "1e-999999",
            "",
            " 1",
            "0x10",
            "1_000",
            "١٢٣",
            "9" * 400,
            "0",
            "-0",
        ]
    ),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([10**30, -(10**30)]).map(str),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.text(max_size=20),
    st.lists(st.integers(-5, 5), max_size=3),
    st.just([0, [1, 5], 0]),  # Decimal's (sign, digits, exponent) form: 15, if it were let through
    st.dictionaries(st.text(max_size=5), st.integers(-5, 5), max_size=2),
)
TS = "2026-11-27T06:00:00.000Z"
GOOD: dict[str, dict[str, Any]] = {
    "ticker": {"channel": "ticker", "ask": "15000100", "bid": "14999900", "high": "15100000",
               "last": "15000000", "low": "14900000", "symbol": "BTC_JPY", "timestamp": TS, "volume": "12.5"},
    "orderbooks": {"channel": "orderbooks", "asks": [{"price": "15000100", "size": "0.5"}],
                   "bids": [{"price": "14999900", "size": "0.4"}], "symbol": "BTC_JPY",
                   "timestamp": "2026-11-27T06:00:00.000Z"},
    "trades": {"channel": "trades", "price": "15000000", "side": "BUY", "size": "0.01",
               "timestamp": "2026-11-27T06:00:00.000Z", "symbol": "BTC_JPY"},
}  # fmt: skip
PRIVATE_GOOD: dict[str, dict[str, Any]] = {
    "executionEvents": {"channel": "executionEvents", "orderId": 1, "executionId": 2, "symbol": "BTC_JPY",
                        "settleType": "OPEN", "executionType": "MARKET", "side": "BUY",
                        "executionPrice": "15000000", "executionSize": "0.01", "positionId": 3,
                        "orderTimestamp": "2026-11-27T06:00:00.000Z",
                        "executionTimestamp": "2026-11-27T06:00:00.000Z", "lossGain": "0", "fee": "0",
                        "orderPrice": "0", "orderSize": "0.01", "orderExecutedSize": "0.01",
                        "timeInForce": "FAK", "msgType": "ER"},
    "positionEvents": {"channel": "positionEvents", "positionId": 3, "symbol": "BTC_JPY", "side": "BUY",
                       "size": "0.01", "orderdSize": "0", "price": "15000000", "lossGain": "0",
                       "leverage": "2", "losscutPrice": "0", "timestamp": TS, "msgType": "OPR"},
}  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, good: dict[str, dict[str, Any]]) -> bytes:
    frame = dict(draw(st.sampled_from(sorted(good.values(), key=lambda f: str(f["channel"])))))
    for key in draw(st.lists(st.sampled_from(sorted(frame)), max_size=4, unique=True)):
        if draw(st.booleans()):
            del frame[key]
        else:
            frame[key] = draw(NASTY_SCALARS)
    if draw(st.integers(0, 9)) == 0:
        frame["channel"] = draw(st.text(max_size=12))
    return orjson.dumps(frame, option=orjson.OPT_NON_STR_KEYS)


JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def frames(good: dict[str, dict[str, Any]]) -> st.SearchStrategy[bytes | str]:
    return st.one_of(
        mutated(good),
        mutated(good),
        mutated(good),
        st.binary(max_size=200),
        st.text(max_size=200),
        JSONISH.map(lambda v: orjson.dumps(v)),
        st.builds(lambda n: b'{"channel":"orderbooks","asks":' + b"[" * n, st.integers(1, 5000)),
        st.just(b'{"channel":"ticker","symbol":"BTC_JPY","last":"' + b"9" * 3_000_000 + b'"}'),
        st.just(orjson.dumps({"error": "ERR-5003 Request too many."})),
    )


def _finite_sane(value: Decimal) -> None:
    assert type(value) is Decimal, value
    assert value.is_finite(), value
    assert Decimal(0) <= value < LIMIT, value


def _positive_price(value: Decimal) -> None:
    _finite_sane(value)
    assert value > 0, value  # issue 13: a zero (or -0) price never reaches the strategy


# --- public stream: decoder + the daemon's consumer ----------------------------------------------------


class _MetricsObserver:
    def __init__(self, metrics: BotMetrics) -> None:
        self.metrics = metrics

    def on_malformed_frame(self, stream: str) -> None:
        self.metrics.malformed_frame(stream)

    def on_reconnect(self, stream: str) -> None:
        self.metrics.ws_reconnect(stream)


def _metric(metrics: BotMetrics, stream: str) -> float:
    text = metrics.render().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith("tradingbot_malformed_frames_total{") and f'stream="{stream}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


@pytest.mark.parametrize("examples", SIZES)
def test_public_frames_never_crash_or_trade_wrong(examples: int, caplog: pytest.LogCaptureFixture) -> None:
    metrics = BotMetrics()
    prices: list[Decimal] = []

    def consumer(event: object) -> None:
        # What the daemon's _on_market and a strategy read from each event kind: all typed already.
        if isinstance(event, Ticker):
            prices.extend((event.bid, event.ask, event.last, event.mid))
            _finite_sane(event.volume)
            assert event.bid <= event.ask
        elif isinstance(event, OrderBook):
            for level in event.bids[:5] + event.asks[:5]:
                prices.append(level.price)
                assert level.size > 0
                _finite_sane(level.size)
            if event.best_bid is not None and event.best_ask is not None:
                assert event.best_bid < event.best_ask
        elif isinstance(event, Trade):
            prices.append(event.price)
            assert event.size > 0
            _finite_sane(event.size)
        else:
            assert isinstance(event, ExchangeErrorFrame)

    reasons: list[str] = []

    def on_malformed(reason: str) -> None:
        reasons.append(reason)
        metrics.malformed_frame("public", reason)

    stream = PublicStream("ws://127.0.0.1:9/unused", [Subscription("ticker", "BTC_JPY")], on_event=consumer,
                          observer=_MetricsObserver(metrics), on_malformed=on_malformed)  # fmt: skip
    seen = 0

    @given(frame=frames(GOOD))
    def check(frame: bytes | str) -> None:
        nonlocal seen
        seen += 1
        del prices[:]
        stream._handle(frame)  # must not raise
        for price in prices:
            _positive_price(price)

    with caplog.at_level(logging.WARNING, logger="tradingbot.venues.gmo.ws"):
        _settings(examples)(check)()
    assert seen >= examples
    assert stream.malformed_frames > 0
    assert _metric(metrics, "public") == stream.malformed_frames == len(reasons)
    assert set(reasons) <= set(MALFORMED_REASONS)
    # Logged, but at most once per reason per minute (with a count of the lines left out): no log flood.
    lines = [r.getMessage() for r in caplog.records if "refused frame" in r.getMessage()]
    assert 0 < len(lines) <= len(set(reasons))
    assert not any("\x00" in line or "\n" in line for line in lines)


# --- private stream ------------------------------------------------------------------------------------


@pytest.mark.parametrize("examples", SIZES)
def test_private_frames_never_crash(examples: int, caplog: pytest.LogCaptureFixture) -> None:
    metrics = BotMetrics()
    events: list[Any] = []
    client = GmoRestClient(GmoEndpoints.at("http://127.0.0.1:9"), None)
    stream = PrivateStream(client, "ws://127.0.0.1:9/ws/private/v1", ["executionEvents", "positionEvents"],
                           on_event=events.append, observer=_MetricsObserver(metrics))  # fmt: skip
    seen = 0

    @given(frame=frames(PRIVATE_GOOD))
    def check(frame: bytes | str) -> None:
        nonlocal seen
        seen += 1
        del events[:]
        stream._handle(frame)  # must not raise
        for event in events:
            for name, value in event:
                if isinstance(value, Decimal):
                    assert value.is_finite(), (name, value)

    with caplog.at_level(logging.WARNING, logger="tradingbot.venues.gmo.ws"):
        _settings(examples)(check)()
    assert seen >= examples
    assert stream.malformed_frames > 0
    assert _metric(metrics, "private") == stream.malformed_frames


# --- REST envelope -------------------------------------------------------------------------------------

ENVELOPES = st.one_of(
    st.binary(max_size=100),
    JSONISH.map(lambda v: orjson.dumps(v)),
    st.builds(lambda status, data: orjson.dumps({"status": status, "data": data, "responsetime": "x"}),
              NASTY_SCALARS | JSONISH, JSONISH),
    st.builds(lambda messages: orjson.dumps({"status": 1, "messages": messages}), NASTY_SCALARS | JSONISH),
    st.builds(lambda data: orjson.dumps({"status": 0, "data": data}),
              st.fixed_dictionaries({}, optional={k: NASTY_SCALARS for k in (
                  "actualProfitLoss", "availableAmount", "margin", "marginCallStatus", "marginRatio",
                  "profitLoss", "transferableAmount", "list", "pagination")})),
)  # fmt: skip
CALLS: dict[str, Callable[[GmoRestClient], Any]] = {
    "margin": lambda c: c.get_margin(),
    "positions": lambda c: c.get_open_positions("BTC_JPY"),
    "active": lambda c: c.get_active_orders("BTC_JPY"),
    "executions": lambda c: c.get_latest_executions("BTC_JPY"),
    "ticker": lambda c: c.get_ticker("BTC_JPY"),
    "order": lambda c: c.place_order(
        OrderRequest(symbol="BTC_JPY", side="BUY", execution_type="MARKET", size=Decimal("0.01"))
    ),
}


def _walk_decimals(value: Any) -> list[Decimal]:
    if isinstance(value, Decimal):
        return [value]
    if isinstance(value, (list, tuple)):
        return [d for v in value for d in _walk_decimals(v)]
    if hasattr(value, "model_fields"):
        return [d for _, v in value for d in _walk_decimals(v)]
    return []


@pytest.mark.parametrize("examples", SIZES)
def test_rest_envelope_never_crashes(examples: int) -> None:
    seen = 0

    @given(body=ENVELOPES, status=st.sampled_from([200, 200, 200, 400, 404, 429, 500, 502]),
           call=st.sampled_from(sorted(CALLS)))  # fmt: skip
    def check(body: bytes, status: int, call: str) -> None:
        nonlocal seen
        seen += 1
        transport = httpx.MockTransport(lambda request: httpx.Response(status, content=body))

        async def go() -> Any:
            async def no_sleep(_: float) -> None:
                return None

            async with GmoRestClient(
                GmoEndpoints.at("http://127.0.0.1:9"), Credentials.of("k", "s"), transport=transport,
                read_retries=0, sleep=no_sleep,
            ) as client:  # fmt: skip
                return await CALLS[call](client)

        try:
            result = asyncio.run(go())
        except GmoError:
            return  # the documented way to report a bad answer
        except InvalidOrder:
            assert call == "order"  # symbol rules missing from a broken /v1/symbols answer
            return
        for d in _walk_decimals(result):
            assert d.is_finite(), d
        if call == "order":
            assert isinstance(result, int)

    _settings(examples)(check)()
    assert seen >= examples


def test_nan_is_not_a_number_here() -> None:
    assert math.isnan(float("nan"))  # guards the float('nan') assumptions of the strategies above
