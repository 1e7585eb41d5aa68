"""kopf operator for TradingBot resources."""

__version__ = "0.1.0"
