"""Recording public market data as replay input (``tradingbot record``)."""
