"""Read-only views of the bot's trading for people: trade statistics, tables, charts, replay summaries.

Nothing here writes to the engine's state: the store is opened read-only (:mod:`.store_reader`), and the
pure parts (:mod:`.ledger`, :mod:`.table`, :mod:`.equity_svg`) take plain records.
"""
