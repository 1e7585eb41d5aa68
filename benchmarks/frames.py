"""A generated GMO public stream: 20% ticker, 40% orderbooks (20 levels a side), 40% trades."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson


def _ts(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def generate(n: int, *, seed: int = 7, symbol: str = "BTC_JPY", levels: int = 20) -> list[bytes]:
    """`n` frames as the exchange sends them (numbers as strings), in a seeded random order."""
    rng = random.Random(seed)
    mid = 15_000_000.0
    at = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    out: list[bytes] = []
    for _ in range(n):
        mid *= 1 + rng.gauss(0, 0.0002)
        at += timedelta(milliseconds=rng.randint(1, 40))
        stamp = _ts(at)
        roll = rng.random()
        if roll < 0.2:
            bid, ask = round(mid - rng.randint(1, 500)), round(mid + rng.randint(1, 500))
            frame: dict[str, Any] = {
                "channel": "ticker",
                "ask": str(ask),
                "bid": str(bid),
                "high": str(round(mid * 1.02)),
                "last": str(round(mid)),
                "low": str(round(mid * 0.98)),
                "symbol": symbol,
                "timestamp": stamp,
                "volume": f"{rng.uniform(100, 900):.4f}",
            }
        elif roll < 0.6:
            base = round(mid)
            frame = {
                "channel": "orderbooks",
                "asks": [
                    {"price": str(base + 1 + i * 50), "size": f"{rng.uniform(0.01, 3):.2f}"}
                    for i in range(levels)
                ],
                "bids": [
                    {"price": str(base - 1 - i * 50), "size": f"{rng.uniform(0.01, 3):.2f}"}
                    for i in range(levels)
                ],
                "symbol": symbol,
                "timestamp": stamp,
            }
        else:
            frame = {
                "channel": "trades",
                "price": str(round(mid)),
                "side": "BUY" if rng.random() < 0.5 else "SELL",
                "size": f"{rng.uniform(0.01, 1):.2f}",
                "timestamp": stamp,
                "symbol": symbol,
            }
        out.append(orjson.dumps(frame))
    return out
