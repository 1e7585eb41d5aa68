from __future__ import annotations

import pytest
from tradingbot.venues.gmo.endpoints import GmoEndpoints
from tradingbot.venues.gmo.errors import (
    CODE_CATEGORY,
    DRILL_CATEGORY,
    ErrorCategory,
    category_for_codes,
    category_for_http_status,
)


def test_production_endpoints() -> None:
    endpoints = GmoEndpoints.production()
    assert endpoints.public_rest == "https://api.coin.z.com/public"
    assert endpoints.private_rest == "https://api.coin.z.com/private"
    assert endpoints.public_ws == "wss://api.coin.z.com/ws/public/v1"
    assert endpoints.private_ws == "wss://api.coin.z.com/ws/private/v1"


def test_simulator_layout() -> None:
    endpoints = GmoEndpoints.at("http://127.0.0.1:8123/")
    assert endpoints.public_rest == "http://127.0.0.1:8123/public"
    assert endpoints.private_ws == "ws://127.0.0.1:8123/ws/private/v1"


def test_bad_base_url_named() -> None:
    with pytest.raises(ValueError, match="ftp://x"):
        GmoEndpoints.at("ftp://x")


def test_every_drill_category_is_one_of_the_four() -> None:
    assert set(DRILL_CATEGORY) == set(ErrorCategory)
    assert set(DRILL_CATEGORY.values()) == {"auth", "network", "rate_limit", "exchange"}


@pytest.mark.parametrize(
    ("codes", "category"),
    [
        (("ERR-5003",), ErrorCategory.RATE_LIMIT),
        (("ERR-5008",), ErrorCategory.AUTH),
        (("ERR-5009",), ErrorCategory.AUTH),
        (("ERR-5010",), ErrorCategory.AUTH),
        (("ERR-5011",), ErrorCategory.AUTH),
        (("ERR-5012",), ErrorCategory.AUTH),
        (("ERR-5201",), ErrorCategory.EXCHANGE),
        (("ERR-5202",), ErrorCategory.EXCHANGE),
        (("ERR-5203",), ErrorCategory.EXCHANGE),
        (("ERR-201",), ErrorCategory.INSUFFICIENT_FUNDS),
        (("ERR-208",), ErrorCategory.INSUFFICIENT_FUNDS),
        (("ERR-254",), ErrorCategory.NOT_FOUND),
        (("ERR-5122",), ErrorCategory.NOT_FOUND),
        (("ERR-5123",), ErrorCategory.NOT_FOUND),
        (("ERR-5106",), ErrorCategory.INVALID_REQUEST),
        (("ERR-5114",), ErrorCategory.INVALID_REQUEST),
        (("ERR-9999",), ErrorCategory.UNKNOWN),
        ((), ErrorCategory.UNKNOWN),
        (("ERR-5106", "ERR-5201"), ErrorCategory.EXCHANGE),
        (("ERR-5003", "ERR-5010"), ErrorCategory.AUTH),
    ],
)
def test_code_mapping(codes: tuple[str, ...], category: ErrorCategory) -> None:
    assert category_for_codes(codes) is category


def test_drill_classes_of_the_drill_scenarios() -> None:
    assert DRILL_CATEGORY[CODE_CATEGORY["ERR-5010"]] == "auth"
    assert DRILL_CATEGORY[CODE_CATEGORY["ERR-5003"]] == "rate_limit"
    assert DRILL_CATEGORY[CODE_CATEGORY["ERR-5201"]] == "exchange"
    assert DRILL_CATEGORY[ErrorCategory.NETWORK] == "network"


@pytest.mark.parametrize(
    ("status", "category"),
    [
        (401, ErrorCategory.AUTH),
        (429, ErrorCategory.RATE_LIMIT),
        (502, ErrorCategory.NETWORK),
        (400, ErrorCategory.INVALID_REQUEST),
    ],
)
def test_http_status_mapping(status: int, category: ErrorCategory) -> None:
    assert category_for_http_status(status) is category
