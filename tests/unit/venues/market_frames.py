"""Generated hostile GMO public frames (seeded), shared by the property tests and the chaos corpus.

About a quarter are valid (random prices, sizes, depths and key orders); the rest break one to three rules
of every kind (numbers, ranges, symbols, timestamps, sides, order, crossing, schema, JSON) or are garbage.
"""

from __future__ import annotations

import contextlib
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson

SUBSCRIBED = ("BTC_JPY", "ETH_JPY")
NASTY_NUMBERS: list[Any] = [
    "0", "-0", "00", "0.0", "0.000", "-1", "+1", "1e-30", "1E5", "7.5e6", " 1", "1 ", "\t1", "1\n", "１２３",
    "١٢٣", "۱۲۳", "१२३", "²", "1_000", "NaN", "nan", "Infinity", "-Infinity", "sNaN", "1.", ".5", "1.2.3",
    "", "0x10", "9" * 40, "1" + "0" * 12, "999999999999.5", "1,5", "1|2", "15000000\u0000", 5, 1.5, -3, None,
    True, [], {}, [0, [1, 5], 0],
]  # fmt: skip
BAD_SYMBOLS: list[Any] = [
    "\u0000",
    "",
    "XRP_JPY",
    "btc_jpy",
    "BTC_JPY ",
    "BTC_JPY\n",
    5,
    None,
    ["BTC_JPY"],
    {},
]
BAD_TIMESTAMPS: list[Any] = [
    "2018-03-30T12:34:56.789+09:00", "2018-03-30T12:34:56.789", "yesterday", "２018-03-30T12:34:56.789Z",
    "2018-02-30T00:00:00Z", "", "2018-03-30T12:34:56.789-05:00", 1522413296, None,
]  # fmt: skip
START = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


def _num(rng: random.Random, low: float, high: float, places: int) -> str:
    value = Decimal(str(round(rng.uniform(low, high), places)))
    return format(value.normalize() if rng.random() < 0.5 else value, "f")


def _stamp(rng: random.Random) -> str:
    at = START + timedelta(milliseconds=rng.randint(0, 10**9))
    text = at.strftime("%Y-%m-%dT%H:%M:%S")
    return (
        text
        + rng.choice(["", f".{at.microsecond // 1000:03d}", ".5", ".123456"])
        + rng.choice(["Z", "+00:00"])
    )


def valid_frame(rng: random.Random) -> dict[str, Any]:
    symbol = rng.choice(SUBSCRIBED)
    channel = rng.choice(["ticker", "orderbooks", "orderbooks", "trades", "trades"])
    mid = rng.uniform(1, 2e7)
    places = rng.choice([0, 0, 1, 3])
    if channel == "ticker":
        bid = _num(rng, mid * 0.99, mid, places)
        ask = str(max(Decimal(bid), Decimal(_num(rng, mid, mid * 1.01, places))))
        last = _num(rng, mid * 0.99, mid, places)
        return {"channel": "ticker", "ask": ask, "bid": bid, "high": "1", "last": last, "low": "1",
                "symbol": symbol, "timestamp": _stamp(rng),
                "volume": rng.choice(["0", _num(rng, 0, 1e4, 4)])}  # fmt: skip
    if channel == "trades":
        price = _num(rng, mid * 0.99, mid, places)
        return {"channel": "trades", "price": price, "side": rng.choice(["BUY", "SELL"]),
                "size": _num(rng, 0.0001, 5, 4),
                "timestamp": _stamp(rng), "symbol": symbol}  # fmt: skip
    step = Decimal(1) if places == 0 else Decimal(1).scaleb(-places)
    base = Decimal(_num(rng, mid, mid, places))
    asks = [base + step * (1 + i * rng.randint(1, 50)) for i in range(rng.randint(0, 25))]
    bids = [base - step * (i * rng.randint(1, 50)) for i in range(rng.randint(0, 25))]
    asks = sorted(set(asks))
    bids = sorted({b for b in bids if b > 0}, reverse=True)

    def level(price: Decimal) -> dict[str, str]:
        size = _num(rng, 0.0001, 3, 4)
        return {"price": format(price, "f"), "size": size if Decimal(size) > 0 else "0.0001"}

    return {"channel": "orderbooks", "asks": [level(p) for p in asks], "bids": [level(p) for p in bids],
            "symbol": symbol, "timestamp": _stamp(rng)}  # fmt: skip


def _mutate(rng: random.Random, frame: dict[str, Any]) -> None:
    # An earlier mutation may have broken what this one builds on: the frame stays hostile either way.
    with contextlib.suppress(ArithmeticError, LookupError, TypeError, ValueError, AttributeError):
        _mutate_once(rng, frame)


def _mutate_once(rng: random.Random, frame: dict[str, Any]) -> None:
    kind = rng.randrange(9)
    sides = [s for s in ("asks", "bids") if isinstance(frame.get(s), list) and frame[s]]
    if kind <= 2:
        if sides and rng.random() < 0.6:
            side = frame[rng.choice(sides)]
            side[rng.randrange(len(side))][rng.choice(["price", "size"])] = rng.choice(NASTY_NUMBERS)
        else:
            keys = [k for k in ("bid", "ask", "last", "volume", "price", "size") if k in frame]
            if keys:
                frame[rng.choice(keys)] = rng.choice(NASTY_NUMBERS)
    elif kind == 3:
        frame["symbol"] = rng.choice(BAD_SYMBOLS)
    elif kind == 4:
        frame["timestamp"] = rng.choice(BAD_TIMESTAMPS)
    elif kind == 5 and sides:
        side = frame[rng.choice(sides)]
        if len(side) >= 2:
            i, j = rng.sample(range(len(side)), 2)
            side[i], side[j] = (side[j], side[i]) if rng.random() < 0.5 else (side[j], dict(side[j]))
        else:
            side.append(dict(side[0]))
    elif kind == 6 and "bids" in frame and frame["asks"]:
        top = Decimal(frame["asks"][0]["price"]) + rng.choice([0, 0, 1])
        frame["bids"].insert(0, {"price": format(top, "f"), "size": "1"})
    elif kind == 6 and "bid" in frame:
        frame["bid"] = str(Decimal(frame["ask"]) + 1)
    elif kind == 7:
        target = rng.choice([*frame, "asks", "side"])
        if target in frame and rng.random() < 0.5:
            del frame[target]
        else:
            frame[target] = rng.choice([*NASTY_NUMBERS, "SELL ", "buy", [{"price": "1"}], [1, 2], {"x": 1}])
    else:
        frame["channel"] = rng.choice(["", "Ticker", "orderbook", "trade", "executionEvents", 5, None])


def _garbage(rng: random.Random) -> bytes | str:
    choice = rng.randrange(6)
    if choice == 0:
        return rng.randbytes(rng.randint(0, 200))
    if choice == 1:
        return "".join(
            chr(rng.choice([rng.randint(32, 126), rng.randint(0, 0x2FFF)])) for _ in range(rng.randint(0, 80))
        )
    if choice == 2:
        return orjson.dumps(valid_frame(rng))[: rng.randint(0, 60)]
    if choice == 3:
        return b'{"channel":"orderbooks","asks":' + b"[" * rng.randint(1, 3000)
    if choice == 4:
        return orjson.dumps({"error": "ERR-5003 Request too many."})
    return orjson.dumps(rng.choice([[1, 2], "text", 5, None, {"symbol": "BTC_JPY"}]))


def hostile_frame(rng: random.Random) -> bytes | str:
    roll = rng.random()
    if roll < 0.08:
        return _garbage(rng)
    frame = valid_frame(rng)
    if roll >= 0.3:
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            _mutate(rng, frame)
    if rng.random() < 0.15:  # key order and whitespace are free in JSON: valid either way
        keys = list(frame)
        rng.shuffle(keys)
        frame = {k: frame[k] for k in keys}
    option = orjson.OPT_INDENT_2 if rng.random() < 0.1 else 0
    data = orjson.dumps(frame, option=option | orjson.OPT_NON_STR_KEYS)
    return data.decode() if rng.random() < 0.7 else data
