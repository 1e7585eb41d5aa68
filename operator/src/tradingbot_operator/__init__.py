"""kopf operator for the TradingBot custom resource (tradingbots.tradingbot.dev/v1alpha1).

`kopf run -m tradingbot_operator` imports this package after kopf itself: the handlers are then
registered in kopf's default registry. Importing the package without kopf loaded (the pure modules, the
CRD generator used by the charts) registers nothing and does not import kopf.
"""

from __future__ import annotations

import sys

__version__ = "0.1.0"

if "kopf" in sys.modules:  # `kopf run -m tradingbot_operator`
    from tradingbot_operator.handlers import register_default

    register_default()
