"""What a new source charge shows for its payer: a QR code, bill payment
references, or the card an installment payer pays with.

The recordings show these on the charge's source as soon as the charge
exists: a QR payment's ``scannable_code`` (a barcode object whose image is
a document of the charge), a bill payment's ``references`` (two reference
numbers, a barcode image and the time they lapse), an Alipay barcode
payment's store ``references``, and an installment charge's ``card``.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from opn_desk.sandbox.ids import new_id
from opn_desk.sandbox.methods import (
    BILL_PAYMENT_PREFIX,
    QR_SOURCE_TYPES,
    new_card,
)

# Not a real tax id: the sandbox collects for nobody.
SANDBOX_TAX_ID = "0000000000000"
# The names of a bill payment's two reference numbers, as recorded per type.
REFERENCE_NAMES: dict[str, tuple[str, str]] = {
    "bill_payment_papaya": ("reference_1", "key"),
}
DEFAULT_REFERENCE_NAMES = ("reference_number_1", "reference_number_2")
# The card an installment payer enters on the bank's page (a Visa test card).
INSTALLMENT_CARD_NUMBER = "4242424242424242"


def add_payer_details(charge: dict[str, Any], at: datetime) -> None:
    """Fill in what the payer of the new source charge ``charge`` needs.

    The ids of what this makes are drawn from the charge's id, so the
    seeder's charges get the same without drawing from its generator.
    """
    source = charge["source"]
    kind = str(source["type"])
    rng = random.Random(f"payer:{charge['id']}")
    if kind in QR_SOURCE_TYPES:
        image = _charge_image(rng, charge, "qrcode.png")
        source["scannable_code"] = {"object": "barcode", "type": "qr", "image": image}
    elif kind.startswith(BILL_PAYMENT_PREFIX):
        source["references"] = _bill_references(rng, charge, kind)
    elif kind == "barcode_alipay":
        # Paid at the till from the payer's app; the exchange fields stay
        # null for a payer paying in the charge's currency.
        source["references"] = {
            "expires_at": charge["expires_at"],
            "device_id": None,
            "customer_amount": None,
            "customer_currency": None,
            "customer_exchange_rate": None,
        }
    elif kind.startswith("installment_"):
        charge["card"] = _installment_card(rng, at)


def _bill_references(
    rng: random.Random, charge: dict[str, Any], kind: str
) -> dict[str, Any]:
    """What the payer takes to the counter: references and their barcode."""
    first, second = REFERENCE_NAMES.get(kind, DEFAULT_REFERENCE_NAMES)
    image = _charge_image(rng, charge, "barcode.png")
    return {
        "omise_tax_id": SANDBOX_TAX_ID,
        first: _reference_number(rng),
        second: _reference_number(rng),
        "barcode": image["download_uri"],
        "expires_at": charge["expires_at"],
    }


def _charge_image(
    rng: random.Random, charge: dict[str, Any], filename: str
) -> dict[str, Any]:
    """A document object of the charge (the image the payer scans).

    Its ``download_uri`` is a path on the sandbox, as for dispute
    documents; the sandbox does not draw the image, so the path is 404.
    """
    document_id = new_id("docu", rng)
    location = f"{charge['location']}/documents/{document_id}"
    token = rng.randbytes(8).hex().upper()
    return {
        "object": "document",
        "livemode": False,
        "id": document_id,
        "deleted": False,
        "filename": filename,
        "location": location,
        "download_uri": f"{location}/downloads/{token}",
        "created_at": charge["created_at"],
    }


def _reference_number(rng: random.Random) -> str:
    """An 18-digit reference number."""
    return str(rng.randrange(10**18)).zfill(18)


def _installment_card(rng: random.Random, at: datetime) -> dict[str, Any]:
    """The payer's card. The real API shows it once the payer has entered it
    on the bank's page; the sandbox's payer does so at once."""
    fields = {"name": "INSTALLMENT PAYER", "expiration_month": 12}
    fields["expiration_year"] = at.year + 3
    card = new_card(new_id("card", rng), INSTALLMENT_CARD_NUMBER, fields, at)
    card["financing"] = "credit"
    return card
