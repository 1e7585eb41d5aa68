"""GMO wire formatting: numbers as strings, ids as integers, millisecond UTC timestamps with Z."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson

ERROR_MESSAGES: dict[str, str] = {
    "ERR-201": "Trading margin is insufficient.",
    "ERR-208": "Exceeds the available balance.",
    "ERR-254": "Not found position.",
    "ERR-5003": "Requests are too many.",
    "ERR-5008": "The API-TIMESTAMP set in the request header is later than the system time of the API.",
    "ERR-5009": "The API-TIMESTAMP set in the request header is earlier than the system time of the API.",
    "ERR-5010": "The API-SIGN (Signature) is invalid.",
    "ERR-5011": "The API-KEY is not specified.",
    "ERR-5012": "The API authentication is invalid.",
    "ERR-5106": "Invalid request parameter.",
    "ERR-5114": "The order size is out of range.",
    "ERR-5122": "The request is invalid due to the status of the specified order.",
    "ERR-5123": "The specified order cannot be cancelled in its current status.",
    "ERR-5201": "Maintenance. Please try again later.",
    "ERR-5202": "The exchange is stopped.",
    "ERR-5203": "The exchange is in pre-open.",
}


def num(value: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros ("750760", "0.02")."""
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", "0"} else text


def ts(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now_utc() -> datetime:
    return datetime.now(UTC)


def ok(data: Any, now: datetime) -> bytes:
    body: dict[str, Any] = {"status": 0}
    if data is not None:
        body["data"] = data
    body["responsetime"] = ts(now)
    return orjson.dumps(body)


def error(code: str, now: datetime, detail: str | None = None) -> bytes:
    message = ERROR_MESSAGES.get(code, "Error.")
    if detail:
        message = f"{message} {detail}"
    return orjson.dumps(
        {
            "status": 1,
            "messages": [{"message_code": code, "message_string": message}],
            "responsetime": ts(now),
        }
    )
