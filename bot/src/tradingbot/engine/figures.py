"""Risk figures from account data: pure, so every row of the matrix can be driven from plain numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from tradingbot.exchange.ports import ExMargin, ExPosition
from tradingbot.risk import DailyLossWindow, EquityPeak, RiskFigures


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    margin: ExMargin
    positions: tuple[ExPosition, ...]
    jpy_balance: Decimal
    price: Decimal | None
    at: datetime


@dataclass(frozen=True, slots=True)
class RiskMemory:
    """What the figures need across snapshots (persisted by the daemon in the store's facts)."""

    peak: EquityPeak | None = None
    daily: DailyLossWindow | None = None
    wallet_baseline: Decimal | None = None
    realised_at_baseline: Decimal = Decimal(0)
    last_trade_loss: Decimal = Decimal(0)

    def to_json(self) -> dict[str, str | None]:
        return {
            "peak": None if self.peak is None else str(self.peak.peak),
            "daily_day": None if self.daily is None else self.daily.day.isoformat(),
            "daily_start_equity": None if self.daily is None else str(self.daily.start_equity),
            "wallet_baseline": None if self.wallet_baseline is None else str(self.wallet_baseline),
            "realised_at_baseline": str(self.realised_at_baseline),
            "last_trade_loss": str(self.last_trade_loss),
        }

    @classmethod
    def from_json(cls, raw: dict[str, str | None] | None) -> RiskMemory:
        if not raw:
            return cls()
        daily = None
        if raw.get("daily_day") and raw.get("daily_start_equity"):
            daily = DailyLossWindow(
                date.fromisoformat(str(raw["daily_day"])), Decimal(str(raw["daily_start_equity"]))
            )
        return cls(
            peak=None if raw.get("peak") is None else EquityPeak(Decimal(str(raw["peak"]))),
            daily=daily,
            wallet_baseline=(
                None if raw.get("wallet_baseline") is None else Decimal(str(raw["wallet_baseline"]))
            ),
            realised_at_baseline=Decimal(str(raw.get("realised_at_baseline") or "0")),
            last_trade_loss=Decimal(str(raw.get("last_trade_loss") or "0")),
        )


def compute(
    snapshot: AccountSnapshot, memory: RiskMemory, tz: ZoneInfo, realised_total: Decimal
) -> tuple[RiskFigures, RiskMemory]:
    """The six figures of the seed's matrix, and the memory updated by this snapshot.

    - drawdown: on equity (GMO ``actualProfitLoss`` = balance + unrealised P&L) against its running peak;
    - daily loss: equity lost since the start of the trading day in ``tz`` (the window rolls at midnight);
    - position size: absolute net position in base units;
    - trade loss: the worst of the open positions' unrealised loss and the last closed trade's loss;
    - leverage: gross position notional at the current price / equity;
    - wallet drift: |exchange JPY balance - (balance at baseline + realised P&L - fees of our fills)|.
    """
    equity = snapshot.margin.actual_profit_loss
    peak = (memory.peak or EquityPeak(equity)).update(equity)
    daily = (
        DailyLossWindow.start(snapshot.at, tz, equity)
        if memory.daily is None
        else memory.daily.roll(snapshot.at, tz, equity)
    )
    if memory.wallet_baseline is None:
        baseline, realised_at_baseline = snapshot.jpy_balance, realised_total
    else:
        baseline, realised_at_baseline = memory.wallet_baseline, memory.realised_at_baseline
    long = sum((p.size for p in snapshot.positions if p.side == "BUY"), Decimal(0))
    short = sum((p.size for p in snapshot.positions if p.side == "SELL"), Decimal(0))
    open_loss = max((-p.loss_gain for p in snapshot.positions), default=Decimal(0))
    trade_loss = max(open_loss, memory.last_trade_loss, Decimal(0))
    if snapshot.price is not None:
        gross_notional = (long + short) * snapshot.price
    else:
        gross_notional = sum((p.size * p.price for p in snapshot.positions), Decimal(0))
    # No equity left: any exposure is infinitely levered; report a figure above every sane limit.
    no_equity = Decimal(0) if gross_notional == 0 else Decimal(999)
    leverage = gross_notional / equity if equity > 0 else no_equity
    drift = abs(snapshot.jpy_balance - (baseline + realised_total - realised_at_baseline))
    figures = RiskFigures(
        current_drawdown=peak.drawdown(equity),
        current_daily_loss=daily.loss(equity),
        current_position_size=abs(long - short),
        current_trade_loss=trade_loss,
        current_leverage=leverage,
        current_wallet_drift=drift,
    )
    updated = RiskMemory(
        peak=peak,
        daily=daily,
        wallet_baseline=baseline,
        realised_at_baseline=realised_at_baseline,
        last_trade_loss=memory.last_trade_loss,
    )
    return figures, updated
