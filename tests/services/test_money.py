"""Amounts to text and back, exactly, for the currencies clerks meet."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opn_desk.services.money import (
    AmountError,
    decimals,
    format_amount,
    parse_amount,
)


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (123456, "THB", "฿1,234.56"),
        (2000, "THB", "฿20.00"),
        (5, "THB", "฿0.05"),
        (1200, "JPY", "¥1,200"),
        (100, "SGD", "S$1.00"),
        (99999, "USD", "$999.99"),
        (-4500, "THB", "-฿45.00"),
        (0, "JPY", "¥0"),
    ],
)
def test_format_amount(amount: int, currency: str, text: str) -> None:
    assert format_amount(amount, currency) == text


@pytest.mark.parametrize(
    ("text", "currency", "amount"),
    [
        ("1,234.56", "THB", 123456),
        ("12,345,678", "JPY", 12_345_678),
        ("1234.5", "THB", 123450),
        ("20", "THB", 2000),
        ("฿ 20.00", "THB", 2000),
        ("0.07", "THB", 7),
        ("500", "JPY", 500),
        ("¥1,200", "JPY", 1200),
        ("1200.00", "JPY", 1200),
        ("12.34", "SGD", 1234),
        ("S$1", "SGD", 100),
        ("0.10", "USD", 10),
        ("999999999999.99", "THB", 99999999999999),
    ],
)
def test_parse_amount(text: str, currency: str, amount: int) -> None:
    result = parse_amount(text, currency)
    assert result == amount
    assert type(result) is int


@pytest.mark.parametrize(
    ("text", "currency", "reason"),
    [
        ("", "THB", "empty"),
        ("   ", "THB", "empty"),
        ("abc", "THB", "not_a_number"),
        ("1.2.3", "THB", "not_a_number"),
        ("1e3", "THB", "not_a_number"),
        ("-5", "THB", "negative"),
        ("0.001", "THB", "too_many_decimals"),
        ("1.5", "JPY", "too_many_decimals"),
        ("nan", "USD", "not_a_number"),
        ("1,00.5", "THB", "not_a_number"),
        ("1,0,0", "THB", "not_a_number"),
        ("1,000,00", "THB", "not_a_number"),
        (",100", "THB", "not_a_number"),
        ("100,", "JPY", "not_a_number"),
        ("1.000,50", "THB", "not_a_number"),
    ],
)
def test_parse_amount_refuses(text: str, currency: str, reason: str) -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount(text, currency)
    assert caught.value.reason == reason


def test_decimals_per_currency() -> None:
    assert [decimals(c) for c in ("THB", "jpy", "SGD", "USD")] == [2, 0, 2, 2]


@given(
    amount=st.integers(min_value=0, max_value=10**15),
    currency=st.sampled_from(["THB", "JPY", "SGD", "USD"]),
)
def test_format_then_parse_is_exact(amount: int, currency: str) -> None:
    assert parse_amount(format_amount(amount, currency), currency) == amount
