"""Contract tests: the wire models accept GMO's documented example payloads (copied from its API docs)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError
from tradingbot.venues.gmo import models as m

MARGIN = {
    "actualProfitLoss": "5204923",
    "availableAmount": "5189523",
    "margin": "7298",
    "marginCallStatus": "NORMAL",
    "marginRatio": "345.6",
    "profitLoss": "8019",
}
ASSETS = [
    {"amount": "993982448", "available": "993982448", "conversionRate": "1", "symbol": "JPY"},
    {"amount": "4.0002", "available": "4.0002", "conversionRate": "859614", "symbol": "BTC"},
]
ORDERS = {
    "list": [
        {
            "orderId": 223456789,
            "rootOrderId": 223456789,
            "symbol": "BTC_JPY",
            "side": "BUY",
            "orderType": "NORMAL",
            "executionType": "LIMIT",
            "settleType": "OPEN",
            "size": "0.02",
            "executedSize": "0.02",
            "price": "1430001",
            "losscutPrice": "0",
            "status": "EXECUTED",
            "timeInForce": "FAS",
            "timestamp": "2020-10-14T20:18:59.343Z",
        },
        {
            "rootOrderId": 123456789,
            "orderId": 123456789,
            "symbol": "BTC",
            "side": "BUY",
            "orderType": "NORMAL",
            "executionType": "LIMIT",
            "settleType": "OPEN",
            "size": "1",
            "executedSize": "0",
            "price": "900000",
            "losscutPrice": "0",
            "status": "CANCELED",
            "cancelType": "USER",
            "timeInForce": "FAS",
            "timestamp": "2019-03-19T02:15:06.059Z",
        },
    ]
}
EXECUTIONS = {
    "pagination": {"currentPage": 1, "count": 30},
    "list": [
        {
            "executionId": 72123911,
            "orderId": 123456789,
            "positionId": 1234567,
            "symbol": "BTC",
            "side": "BUY",
            "settleType": "OPEN",
            "size": "0.7361",
            "price": "877404",
            "lossGain": "0",
            "fee": "323",
            "timestamp": "2019-03-19T02:15:06.086Z",
        }
    ],
}
POSITIONS = {
    "pagination": {"currentPage": 1, "count": 30},
    "list": [
        {
            "positionId": 1234567,
            "symbol": "BTC_JPY",
            "side": "BUY",
            "size": "0.22",
            "orderdSize": "0",
            "price": "876045",
            "lossGain": "14",
            "leverage": "4",
            "losscutPrice": "766540",
            "timestamp": "2019-03-19T02:15:06.094Z",
        }
    ],
}
SUMMARY = {
    "list": [
        {
            "averagePositionRate": "715656",
            "positionLossGain": "250675",
            "side": "BUY",
            "sumOrderQuantity": "2",
            "sumPositionQuantity": "11.6999",
            "symbol": "BTC_JPY",
        }
    ]
}
TICKER = {
    "ask": "750760",
    "bid": "750600",
    "high": "762302",
    "last": "756662",
    "low": "704874",
    "symbol": "BTC",
    "timestamp": "2018-03-30T12:34:56.789Z",
    "volume": "194785.8484",
}
ORDERBOOK = {
    "asks": [{"price": "455659", "size": "0.1"}, {"price": "455658", "size": "0.2"}],
    "bids": [{"price": "455665", "size": "0.1"}, {"price": "455655", "size": "0.3"}],
    "symbol": "BTC",
}
TRADES = {
    "pagination": {"currentPage": 1, "count": 30},
    "list": [{"price": "750760", "side": "BUY", "size": "0.1", "timestamp": "2018-03-30T12:34:56.789Z"}],
}
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
EXECUTION_EVENT = {
    "channel": "executionEvents",
    "orderId": 123456789,
    "executionId": 72123911,
    "symbol": "BTC_JPY",
    "settleType": "OPEN",
    "executionType": "LIMIT",
    "side": "BUY",
    "executionPrice": "877404",
    "executionSize": "0.5",
    "positionId": 123456789,
    "orderTimestamp": "2019-03-19T02:15:06.081Z",
    "executionTimestamp": "2019-03-19T02:15:06.081Z",
    "lossGain": "0",
    "fee": "323",
    "orderPrice": "877200",
    "orderSize": "0.8",
    "orderExecutedSize": "0.5",
    "timeInForce": "FAS",
    "msgType": "ER",
}
ORDER_EVENT = {
    "channel": "orderEvents",
    "orderId": 123456789,
    "symbol": "BTC_JPY",
    "settleType": "OPEN",
    "executionType": "LIMIT",
    "side": "BUY",
    "orderStatus": "ORDERED",
    "orderTimestamp": "2019-03-19T02:15:06.081Z",
    "orderPrice": "877200",
    "orderSize": "0.8",
    "orderExecutedSize": "0",
    "losscutPrice": "0",
    "timeInForce": "FAS",
    "msgType": "NOR",
}
POSITION_EVENT = {
    "channel": "positionEvents",
    "positionId": 1234567,
    "symbol": "BTC_JPY",
    "side": "BUY",
    "size": "0.22",
    "orderdSize": "0",
    "price": "876045",
    "lossGain": "14",
    "leverage": "4",
    "losscutPrice": "766540",
    "timestamp": "2019-03-19T02:15:06.094Z",
    "msgType": "OPR",
}
SUMMARY_EVENT = {
    "channel": "positionSummaryEvents",
    "symbol": "BTC_JPY",
    "side": "BUY",
    "averagePositionRate": "715656",
    "positionLossGain": "250675",
    "sumOrderQuantity": "2",
    "sumPositionQuantity": "11.6999",
    "timestamp": "2019-03-19T02:15:06.102Z",
    "msgType": "PERIODIC",
}


def test_margin() -> None:
    margin = m.Margin.model_validate(MARGIN)
    assert margin.available_amount == Decimal("5189523")
    assert margin.margin_ratio == Decimal("345.6")


def test_orders_and_times_are_aware_utc() -> None:
    orders = m.OrderList.model_validate(ORDERS).items
    assert [o.status for o in orders] == [m.OrderStatus.EXECUTED, m.OrderStatus.CANCELED]
    assert orders[0].order_id == 223456789
    assert orders[0].timestamp == datetime(2020, 10, 14, 20, 18, 59, 343000, tzinfo=UTC)
    assert orders[1].cancel_type == "USER"


def test_empty_list_answer_is_empty() -> None:
    assert m.OrderList.model_validate({}).items == []
    assert m.PositionList.model_validate({}).items == []
    assert m.ExecutionList.model_validate({}).items == []


@pytest.mark.parametrize(
    ("model", "payload"),
    [
        (m.ExecutionList, EXECUTIONS),
        (m.PositionList, POSITIONS),
        (m.PositionSummaryList, SUMMARY),
        (m.Ticker, TICKER),
        (m.OrderBook, ORDERBOOK),
        (m.TradesPage, TRADES),
        (m.ExecutionEvent, EXECUTION_EVENT),
        (m.OrderEvent, ORDER_EVENT),
        (m.PositionEvent, POSITION_EVENT),
        (m.PositionSummaryEvent, SUMMARY_EVENT),
    ],
)
def test_documented_payload_validates(model: type[m.WireModel], payload: dict[str, Any]) -> None:
    model.model_validate(payload)


def test_position_keeps_gmo_spelling() -> None:
    position = m.PositionList.model_validate(POSITIONS).items[0]
    assert position.ordered_size == Decimal("0")
    assert position.position_id == 1234567


def test_list_payloads() -> None:
    assert [a.symbol for a in (m.Asset.model_validate(x) for x in ASSETS)] == ["JPY", "BTC"]
    info = m.SymbolInfo.model_validate(SYMBOLS[0])
    assert info.size_step == Decimal("0.01")


def test_naive_timestamp_rejected() -> None:
    with pytest.raises(ValidationError):
        m.Ticker.model_validate({**TICKER, "timestamp": "2018-03-30T12:34:56.789"})


def test_unknown_side_rejected() -> None:
    with pytest.raises(ValidationError):
        m.PositionEvent.model_validate({**POSITION_EVENT, "side": "LONG"})


def test_order_request_wire_form() -> None:
    request = m.OrderRequest(
        symbol="BTC_JPY", side=m.Side.SELL, execution_type=m.ExecutionType.MARKET, size=Decimal("1E-2")
    )
    assert request.to_wire() == {
        "symbol": "BTC_JPY",
        "side": "SELL",
        "executionType": "MARKET",
        "size": "0.01",
    }
    with pytest.raises(ValidationError):
        m.OrderRequest(
            symbol="BTC_JPY", side=m.Side.SELL, execution_type=m.ExecutionType.MARKET, size=Decimal(0)
        )
