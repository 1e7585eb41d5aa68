"""A GMO-compatible exchange simulator on loopback.

It speaks GMO Coin's wire format (paths, envelope, signature check, error codes) independently of the
client in ``tradingbot.venues.gmo`` so that the two can catch each other's mistakes.
"""

from tradingbot.sim.config import PAPER_API_KEY, PAPER_API_SECRET, SimConfig, SymbolSpec
from tradingbot.sim.faults import FaultPlan
from tradingbot.sim.simulator import Simulator, SimUrls

__all__ = [
    "PAPER_API_KEY",
    "PAPER_API_SECRET",
    "FaultPlan",
    "SimConfig",
    "SimUrls",
    "Simulator",
    "SymbolSpec",
]
