"""Valuation and the account's REST views (margin, assets, positions, summaries, executions)."""

from __future__ import annotations

from collections import OrderedDict
from decimal import ROUND_DOWN, Decimal
from typing import Any

from tradingbot.sim.book import Market
from tradingbot.sim.config import SymbolSpec
from tradingbot.sim.ledger import SIDES, Account, ExchangeError, Execution, Order, Position, jpy
from tradingbot.sim.wire import num, ts


class AccountViews:
    """Mixed into :class:`tradingbot.sim.exchange.Exchange`: reads its state, never changes it."""

    specs: dict[str, SymbolSpec]
    markets: dict[str, Market]
    accounts: dict[str, Account]
    leverage: Decimal
    orders: OrderedDict[int, Order]
    active: dict[int, Order]
    executions: OrderedDict[int, Execution]
    positions: dict[int, Position]

    # ---------------------------------------------------------------- valuation
    def _mark(self, pos: Position) -> Decimal:
        market = self.markets[pos.symbol]
        # A long is valued at what it could be sold for, a short at what it costs to buy back.
        return market.best_bid if pos.side == "BUY" else market.best_ask

    def unrealised(self, pos: Position) -> Decimal:
        sign = 1 if pos.side == "BUY" else -1
        return jpy((self._mark(pos) - pos.price) * pos.size * sign)

    def margin(self, api_key: str) -> dict[str, Decimal]:
        account = self._account(api_key)
        positions = [p for p in self.positions.values() if p.api_key == api_key]
        upl = sum((self.unrealised(p) for p in positions), Decimal(0))
        pos_margin = sum((p.price * p.size / self.leverage for p in positions), Decimal(0))
        order_margin = sum(
            (
                (o.price or Decimal(0)) * o.remaining / self.leverage
                for o in self.active.values()
                if o.api_key == api_key and o.settle_type == "OPEN"
            ),
            Decimal(0),
        )
        equity = account.cash + upl
        available = max(Decimal(0), jpy(equity - pos_margin - order_margin))
        ratio = (
            (equity / pos_margin * 100).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
            if pos_margin
            else Decimal(0)
        )
        return {
            "cash": account.cash,
            "equity": equity,
            "profit_loss": upl,
            "margin": jpy(pos_margin),
            "available": available,
            "margin_ratio": ratio,
        }

    def margin_view(self, api_key: str) -> dict[str, Any]:
        m = self.margin(api_key)
        return {
            "actualProfitLoss": num(m["equity"]),
            "availableAmount": num(m["available"]),
            "margin": num(m["margin"]),
            "marginCallStatus": "NORMAL",
            "marginRatio": num(m["margin_ratio"]),
            "profitLoss": num(m["profit_loss"]),
            "transferableAmount": num(m["available"]),
        }

    def assets_view(self, api_key: str) -> list[dict[str, Any]]:
        m = self.margin(api_key)
        return [
            {
                "symbol": "JPY",
                "amount": num(m["cash"]),
                "available": num(m["available"]),
                "conversionRate": "1",
            }
        ]

    def position_view(self, pos: Position) -> dict[str, Any]:
        return {
            "positionId": pos.position_id,
            "symbol": pos.symbol,
            "side": pos.side,
            "size": num(pos.size),
            "orderdSize": num(pos.ordered_size),
            "price": num(pos.price),
            "lossGain": num(self.unrealised(pos)),
            "leverage": num(self.leverage),
            "losscutPrice": num(pos.losscut_price),
            "timestamp": ts(pos.timestamp),
        }

    def open_positions(self, api_key: str, symbol: str) -> list[Position]:
        return [p for p in self.positions.values() if p.api_key == api_key and p.symbol == symbol]

    def summary_view(self, api_key: str, symbol: str, side: str) -> dict[str, Any] | None:
        positions = [p for p in self.open_positions(api_key, symbol) if p.side == side]
        if not positions:
            return None
        qty = sum((p.size for p in positions), Decimal(0))
        avg = sum((p.price * p.size for p in positions), Decimal(0)) / qty
        spec = self.specs[symbol]
        return {
            "averagePositionRate": num(avg.quantize(spec.tick_size / 1000, rounding=ROUND_DOWN)),
            "positionLossGain": num(sum((self.unrealised(p) for p in positions), Decimal(0))),
            "side": side,
            "sumOrderQuantity": num(sum((p.ordered_size for p in positions), Decimal(0))),
            "sumPositionQuantity": num(qty),
            "symbol": symbol,
        }

    def summaries(self, api_key: str, symbol: str) -> list[dict[str, Any]]:
        views = (self.summary_view(api_key, symbol, side) for side in SIDES)
        return [v for v in views if v is not None]

    def latest_executions(self, api_key: str, symbol: str, count: int) -> list[Execution]:
        found: list[Execution] = []
        for execution in reversed(self.executions.values()):
            if execution.order.api_key == api_key and execution.order.symbol == symbol:
                found.append(execution)
                if len(found) >= count:
                    break
        return found

    # ---------------------------------------------------------------- validation
    def _account(self, api_key: str) -> Account:
        try:
            return self.accounts[api_key]
        except KeyError:
            raise ExchangeError("ERR-5012", "unknown API key") from None
