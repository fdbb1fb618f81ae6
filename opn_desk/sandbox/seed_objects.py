"""Objects the seeder draws for its charges: cards and payment sources."""

from __future__ import annotations

import base64
import random
from datetime import datetime, timedelta
from typing import Any

from opn_desk.sandbox import catalog
from opn_desk.sandbox.ids import new_id
from opn_desk.sandbox.times import iso

# A brand's test-card prefix (REFERENCE.md section 2.9), as a card's first
# digits: the seed draws no card numbers.
FIRST_DIGITS = {
    "Visa": "424242",
    "MasterCard": "555555",
    "JCB": "353011",
    "American Express": "377138",
    "UnionPay": "625094",
}


def seeded_card(
    rng: random.Random, at: datetime, customer_id: str | None
) -> dict[str, Any]:
    """A card as a customer's or a one-off charge's, drawn from ``rng``."""
    card_id = new_id("card", rng)
    brands = catalog.CARD_BRANDS
    brand = rng.choices([b for b, _ in brands], [w for _, w in brands])[0]
    location = None
    if customer_id is not None:
        location = f"/customers/{customer_id}/cards/{card_id}"
    name = f"{rng.choice(catalog.GIVEN_NAMES)} {rng.choice(catalog.FAMILY_NAMES)}"
    fingerprint = base64.b64encode(rng.randbytes(32)).decode("ascii")
    return {
        "object": "card",
        "id": card_id,
        "livemode": False,
        "location": location,
        "deleted": False,
        "street1": None,
        "street2": None,
        "city": rng.choice(["Bangkok", "Chiang Mai", "Phuket", None]),
        "state": None,
        "phone_number": None,
        "postal_code": None,
        "country": "th",
        "financing": rng.choice(["credit", "credit", "debit"]),
        "bank": rng.choice(catalog.CARD_BANKS),
        "brand": brand,
        "fingerprint": fingerprint,
        "first_digits": FIRST_DIGITS.get(brand),
        "last_digits": f"{rng.randrange(10000):04d}",
        "name": name,
        "expiration_month": rng.randint(1, 12),
        "expiration_year": at.year + rng.randint(1, 5),
        "security_code_check": True,
        "tokenization_method": None,
        "created_at": iso(at - timedelta(seconds=rng.randint(5, 90))),
    }


def seeded_source(
    rng: random.Random, kind: str, flow: str, amount: int, at: datetime
) -> dict[str, Any]:
    """A source of type ``kind`` for ``amount`` THB subunits."""
    source_id = new_id("src", rng)
    installment = kind.startswith("installment_")
    return {
        "object": "source",
        "id": source_id,
        "livemode": False,
        "location": f"/sources/{source_id}",
        "amount": amount,
        "barcode": None,
        "bank": None,
        "created_at": iso(at - timedelta(seconds=2)),
        "currency": "THB",
        "email": None,
        "flow": flow,
        "installment_term": rng.choice([3, 6, 10]) if installment else None,
        "ip": None,
        "absorption_type": "customer" if installment else None,
        "name": None,
        "mobile_number": None,
        "phone_number": None,
        "platform_type": None,
        "scannable_code": None,
        "qr_settings": None,
        "billing": None,
        "shipping": None,
        "items": [],
        "references": None,
        "provider_references": None,
        "store_id": None,
        "store_name": None,
        "terminal_id": None,
        "type": kind,
        "zero_interest_installments": False if installment else None,
        "charge_status": "pending",
        "receipt_amount": None,
        "discounts": [],
        "promotion_code": None,
    }
