"""The account, its balance and its capability (payment methods and limits)."""

from __future__ import annotations

import random
from datetime import datetime
from typing import TYPE_CHECKING, Any

from opn_desk.sandbox.ids import new_base36, new_id
from opn_desk.sandbox.methods import (
    CARD_BRANDS,
    CARD_CURRENCIES,
    LOAN_INSTALLMENT_TERMS,
    SOURCE_FLOWS,
    installment_terms,
    source_currencies,
)
from opn_desk.sandbox.resources import ledger
from opn_desk.sandbox.router import Request, Router
from opn_desk.sandbox.times import iso
from opn_desk.sandbox.wire import encode

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState


def add_routes(router: Router) -> None:
    router.add("GET", r"/account", get_account)
    router.add("GET", r"/balance", get_balance)
    router.add("GET", r"/capability", get_capability, public=True)


def get_account(state: SandboxState, request: Request) -> bytes:
    return state.account_json()


def get_balance(state: SandboxState, request: Request) -> bytes:
    total, transferable = ledger.balance(state)
    return encode(
        {
            "object": "balance",
            "livemode": False,
            "location": "/balance",
            "currency": state.account()["currency"],
            "total": total,
            "transferable": transferable,
            "reserve": 0,
            "on_hold": total - transferable,
            "created_at": iso(state.now()),
        }
    )


def get_capability(state: SandboxState, request: Request) -> bytes:
    limits = state.config.charge_limits.get("THB", [2000, 15_000_000])
    return encode(
        {
            "object": "capability",
            "location": "/capability",
            "country": "TH",
            "banks": ["bbl", "kbank", "ktb", "scb", "bay", "ttb", "uob"],
            "limits": {
                "charge_amount": {"max": limits[1], "min": limits[0]},
                "transfer_amount": {"max": 100_000_000_000, "min": 3000},
                "installment_amount": {"min": 200000},
            },
            "payment_methods": _payment_methods(),
            "tokenization_methods": [],  # no Apple Pay or Google Pay here
            "zero_interest_installments": False,
        }
    )


def _payment_methods() -> list[dict[str, Any]]:
    card = _method("card", list(CARD_CURRENCIES))
    card["card_brands"] = list(CARD_BRANDS)
    sources = [_method(name, list(source_currencies(name))) for name in SOURCE_FLOWS]
    for method in sources:
        name = method["name"]
        if name.startswith("installment_"):
            method["installment_terms"] = list(installment_terms(name))
        if name in LOAN_INSTALLMENT_TERMS:
            method["loan_installment_terms"] = list(LOAN_INSTALLMENT_TERMS[name])
    return [card, *sources]


def _method(name: str, currencies: list[str]) -> dict[str, Any]:
    return {
        "object": "payment_method",
        "name": name,
        "currencies": currencies,
        "card_brands": None,
        "installment_terms": None,
        "loan_installment_terms": None,
        "banks": [],
        "provider": None,
    }


def demo_account(rng: random.Random, created_at: datetime) -> dict[str, Any]:
    """The account object of the sandbox's demo merchant (test mode, TH)."""
    return {
        "object": "account",
        "id": new_id("account", rng),
        "team": f"acct_{new_base36(rng, 19)}",
        "livemode": False,
        "location": "/account",
        "country": "TH",
        "currency": "THB",
        "email": "demo-shop@example.co.th",
        "created_at": iso(created_at),
        "supported_currencies": list(CARD_CURRENCIES),
        "api_version": "2019-05-29",
        "auto_activate_recipients": False,
        "chain_enabled": False,
        "zero_interest_installments": False,
        "chain_return_uri": None,
        "webhook_uri": None,
        "metadata_export_keys": {
            "charge": ["branch", "campaign", "order_id"],
            "transfer": [],
            "refund": [],
            "dispute": [],
        },
        "chaining_allowed": False,
        "last_updated_api_version": iso(created_at)[:10],
        "transfer_config": {
            "min_transfer_amount": "30.00",
            "max_transfer_amount": "2000000.00",
            "same_bank_max_transfer_amount": "2000000.00",
            "is_payout_enabled": True,
            "fee": "30.00",
            "provider": "",
            "merchant_id": "OPNK",
            "transfer_service_availability": None,
            "max_active_realtime_transfer_schedules": None,
        },
    }
