"""Error taxonomy of the GMO client: every failure is a GmoError with a category the caller can act on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class ErrorCategory(StrEnum):
    AUTH = "auth"
    NETWORK = "network"
    RATE_LIMIT = "rate_limit"
    EXCHANGE = "exchange"  # maintenance, exchange stopped, pre-open
    INSUFFICIENT_FUNDS = "insufficient_funds"
    INVALID_REQUEST = "invalid_request"
    NOT_FOUND = "not_found"
    UNKNOWN = "unknown"


# The ops guide's connectivity drill knows four classes only. Everything the exchange itself refused for
# business reasons is "exchange": the connection, the credentials and the budget were all fine.
DRILL_CATEGORY: Mapping[ErrorCategory, str] = MappingProxyType(
    {
        ErrorCategory.AUTH: "auth",
        ErrorCategory.NETWORK: "network",
        ErrorCategory.RATE_LIMIT: "rate_limit",
        ErrorCategory.EXCHANGE: "exchange",
        ErrorCategory.INSUFFICIENT_FUNDS: "exchange",
        ErrorCategory.INVALID_REQUEST: "exchange",
        ErrorCategory.NOT_FOUND: "exchange",
        ErrorCategory.UNKNOWN: "exchange",
    }
)

# GMO message codes -> category. Timestamp errors (ERR-5008/5009) are auth: the request was refused by the
# authentication check, and the usual cause (clock skew) is fixed where credentials are configured.
CODE_CATEGORY: Mapping[str, ErrorCategory] = MappingProxyType(
    {
        "ERR-5003": ErrorCategory.RATE_LIMIT,
        "ERR-5008": ErrorCategory.AUTH,
        "ERR-5009": ErrorCategory.AUTH,
        "ERR-5010": ErrorCategory.AUTH,
        "ERR-5011": ErrorCategory.AUTH,
        "ERR-5012": ErrorCategory.AUTH,
        "ERR-5201": ErrorCategory.EXCHANGE,
        "ERR-5202": ErrorCategory.EXCHANGE,
        "ERR-5203": ErrorCategory.EXCHANGE,
        "ERR-201": ErrorCategory.INSUFFICIENT_FUNDS,
        "ERR-208": ErrorCategory.INSUFFICIENT_FUNDS,
        "ERR-254": ErrorCategory.NOT_FOUND,
        # "Cannot change/cancel in this state" is also what an unknown order id gets on cancel: for the
        # caller both mean "that order is not (or no longer) there to act on".
        "ERR-5122": ErrorCategory.NOT_FOUND,
        "ERR-5123": ErrorCategory.NOT_FOUND,
        "ERR-5106": ErrorCategory.INVALID_REQUEST,
        "ERR-5114": ErrorCategory.INVALID_REQUEST,
    }
)

# When one answer carries several codes, the one the operator must act on first wins.
_PRECEDENCE = (
    ErrorCategory.AUTH,
    ErrorCategory.EXCHANGE,
    ErrorCategory.RATE_LIMIT,
    ErrorCategory.INSUFFICIENT_FUNDS,
    ErrorCategory.NOT_FOUND,
    ErrorCategory.INVALID_REQUEST,
    ErrorCategory.UNKNOWN,
)


def category_for_codes(codes: Iterable[str]) -> ErrorCategory:
    """The category of an error answer carrying these message codes (UNKNOWN for none or unmapped)."""
    found = {CODE_CATEGORY.get(code, ErrorCategory.UNKNOWN) for code in codes}
    for category in _PRECEDENCE:
        if category in found:
            return category
    return ErrorCategory.UNKNOWN


def category_for_http_status(status: int) -> ErrorCategory:
    """The category of an HTTP failure that carried no GMO envelope."""
    if status in (401, 403):
        return ErrorCategory.AUTH
    if status == 429:
        return ErrorCategory.RATE_LIMIT
    if status == 503:
        return ErrorCategory.EXCHANGE
    if status >= 500:
        return ErrorCategory.NETWORK
    if status == 404:
        return ErrorCategory.NOT_FOUND
    if status >= 400:
        return ErrorCategory.INVALID_REQUEST
    return ErrorCategory.UNKNOWN


@dataclass(frozen=True)
class SentRequest:
    """What a write put on the wire (no headers: they carry the key and signature)."""

    method: str
    path: str
    body: dict[str, Any] | None = field(default=None)


class GmoError(Exception):
    """A request to GMO (or the simulator) failed; `category` says what kind of failure it was."""

    def __init__(
        self,
        message: str,
        *,
        category: ErrorCategory,
        codes: tuple[str, ...] = (),
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.category = category
        self.codes = codes
        self.http_status = http_status

    @property
    def drill_category(self) -> str:
        return DRILL_CATEGORY[self.category]


class OutcomeUnknown(GmoError):  # noqa: N818 - name fixed by the contracts
    """A write left this process but no answer came back: the order may or may not exist.

    Never resend: resolve it from active orders, executions and positions.
    """

    def __init__(self, message: str, *, sent: SentRequest, http_status: int | None = None) -> None:
        super().__init__(message, category=ErrorCategory.NETWORK, http_status=http_status)
        self.sent = sent


class InvalidOrder(ValueError):  # noqa: N818 - name fixed by the contracts
    """An order breaks the symbol's rules (size bounds, step, tick); it was not sent."""
