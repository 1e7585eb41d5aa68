"""``python -m tradingbot``: see :mod:`tradingbot.cli`."""

from tradingbot.cli import main

raise SystemExit(main())
