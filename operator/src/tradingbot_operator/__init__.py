"""kopf operator for the TradingBot custom resource (tradingbots.tradingbot.dev/v1alpha1).

`kopf run -m tradingbot_operator` imports this package: importing it registers the handlers in kopf's
default registry (the pure modules do not depend on it).
"""

from __future__ import annotations

import kopf

from tradingbot_operator.handlers import register

register(kopf.get_default_registry())

__all__ = ["register"]
