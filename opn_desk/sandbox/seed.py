"""Seed data: a deterministic, realistic charge history for a Thai merchant.

``seed_history(count, seed, now)`` draws every value from one
``random.Random(seed)`` in a fixed order, so the same arguments always give
the same charges, ids and events.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import accumulate
from typing import Any

from opn_desk.sandbox import catalog
from opn_desk.sandbox import charges as ch
from opn_desk.sandbox.ids import new_id
from opn_desk.sandbox.times import iso
from opn_desk.sandbox.wire import encode

BANGKOK = timezone(timedelta(hours=7), "Asia/Bangkok")
HISTORY_DAYS = 120
SOURCE_WINDOW = timedelta(days=1)

_CARD_FAILURES = (
    ("insufficient_fund", 40),
    ("failed_processing", 20),
    ("payment_rejected", 20),
    ("stolen_or_lost_card", 10),
    ("invalid_security_code", 10),
)
_SOURCE_FAILURES = (("payment_rejected", 3), ("payment_cancelled", 5), ("timeout", 2))

# Scenarios every seed of 20 charges or more contains at least once.
_FORCED = (
    ("card", "successful"),
    ("card", "failed"),
    ("card", "refund_full"),
    ("card", "refund_partial"),
    ("card", "disputed"),
    ("card", "reversed"),
    ("card", "partial_capture"),
    ("promptpay", "expired"),
    ("card", "pending_auth"),
    ("promptpay", "pending"),
)
_METHODS = ["card"] + [name for name, _, _ in catalog.SOURCE_TYPES]
_METHOD_CUM_WEIGHTS = list(
    accumulate([catalog.CARD_WEIGHT] + [w for _, w, _ in catalog.SOURCE_TYPES])
)
_RECENT = frozenset({"pending_auth", "pending"})
_MANUAL_RECENT = (("pending_auth", 6), ("captured", 3), ("reversed", 1))
_MANUAL_OLD = (("captured", 5), ("partial_capture", 2), ("reversed", 3))


@dataclass(slots=True)
class SeedEvent:
    """An event of the seeded history; ``data`` None = the charge's final state."""

    event_id: str
    at: datetime
    key: str
    charge_id: str
    data: bytes | None


@dataclass(slots=True)
class SeedHistory:
    """Charges oldest first as (id, created_at, encoded), and their events."""

    charges: list[tuple[str, str, bytes]] = field(default_factory=list)
    events: list[SeedEvent] = field(default_factory=list)


def seed_history(count: int, seed: int, now: datetime) -> SeedHistory:
    """``count`` charges created in the ``HISTORY_DAYS`` days before ``now``."""
    return _Seeder(seed, now.astimezone(UTC).replace(microsecond=0)).run(count)


@dataclass(slots=True)
class _Customer:
    customer_id: str
    card: dict[str, Any]


class _Seeder:
    def __init__(self, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.history = SeedHistory()
        self.customers: list[_Customer] = []
        self.order_number = 0

    def run(self, count: int) -> SeedHistory:
        times = self._creation_times(count)
        forced = _FORCED if count >= 2 * len(_FORCED) else ()
        plan: dict[int, tuple[str, str]] = {}
        recent = [s for s in forced if s[1] in _RECENT]
        older = [s for s in forced if s[1] not in _RECENT]
        for offset, scenario in enumerate(recent):
            plan[count - 1 - offset] = scenario
            times[count - 1 - offset] = self.now - timedelta(minutes=30 + 90 * offset)
        for index, scenario in zip(
            self.rng.sample(range(count // 2), len(older)), older, strict=True
        ):
            plan[index] = scenario
        times.sort()
        for index, created_at in enumerate(times):
            charge = self._charge(created_at, plan.get(index))
            encoded = (charge["id"], charge["created_at"], encode(charge))
            self.history.charges.append(encoded)
        return self.history

    # -- time ------------------------------------------------------------

    def _creation_times(self, count: int) -> list[datetime]:
        local_today = self.now.astimezone(BANGKOK).date()
        latest = self.now - timedelta(minutes=1)
        days = self.rng.choices(range(HISTORY_DAYS), k=count)
        hours = self.rng.choices(range(24), weights=catalog.HOUR_WEIGHTS, k=count)
        times = []
        for day, hour in zip(days, hours, strict=True):
            date = local_today - timedelta(days=day)
            moment = datetime(
                date.year,
                date.month,
                date.day,
                hour,
                self.rng.randrange(60),
                self.rng.randrange(60),
                tzinfo=BANGKOK,
            ).astimezone(UTC)
            if moment > latest:
                moment -= timedelta(days=1)
            times.append(moment)
        return times

    def _later(self, start: datetime, low: timedelta, high: timedelta) -> datetime:
        """A moment between start+low and start+high, never after now."""
        span_s = int((high - low).total_seconds())
        moment = start + low + timedelta(seconds=self.rng.randrange(span_s + 1))
        return min(moment, self.now)

    # -- one charge --------------------------------------------------------

    def _charge(
        self, created_at: datetime, forced: tuple[str, str] | None
    ) -> ch.Charge:
        method = forced[0] if forced else self._pick_method()
        if method == "card":
            charge = self._card_charge(created_at, forced)
        else:
            charge = self._source_charge(created_at, method, forced)
        return charge

    def _pick_method(self) -> str:
        return self.rng.choices(_METHODS, cum_weights=_METHOD_CUM_WEIGHTS)[0]

    def _order(self, created_at: datetime, method: str) -> dict[str, Any]:
        """Amount, currency, description and metadata of one sale."""
        rng = self.rng
        currency = "THB"
        if method == "card":
            currency = rng.choices(["THB", "JPY", "SGD"], weights=[88, 7, 5])[0]
        self.order_number += 1
        local = created_at.astimezone(BANGKOK)
        order_id = f"TH{local:%y%m%d}-{self.order_number:06d}"
        product, amount = self._basket(currency, method)
        branch = rng.choices(catalog.BRANCHES, weights=catalog.BRANCH_WEIGHTS)[0]
        metadata: dict[str, Any] = {}
        if rng.random() < 0.88:
            metadata["branch"] = branch
            if rng.random() < 0.92:
                metadata["order_id"] = order_id
            if rng.random() < 0.45:
                metadata["campaign"] = rng.choice(catalog.CAMPAIGNS)
        description: str | None = product
        if branch == "Online store":
            description = f"Order {order_id}: {product}"
        if rng.random() < 0.06:
            description = None
        return {
            "amount": amount,
            "currency": currency,
            "description": description,
            "metadata": metadata,
            "online": branch == "Online store",
            "order_id": order_id,
        }

    def _basket(self, currency: str, method: str) -> tuple[str, int]:
        rng = self.rng
        products = catalog.PRODUCTS
        weights = catalog.PRODUCT_WEIGHTS
        if method.startswith("installment_"):
            products = tuple(p for p in products if p[1] >= 3000)
            weights = tuple(1 for _ in products)
        name, price_thb = rng.choices(products, weights=weights)[0]
        quantity = 1
        if price_thb < 10000:
            quantity = rng.choices([1, 2, 3], weights=[75, 18, 7])[0]
        label = name if quantity == 1 else f"{name} x{quantity}"
        if currency == "JPY":
            return label, rng.choice(catalog.JPY_PRICES) * quantity
        if currency == "SGD":
            return label, rng.choice(catalog.SGD_PRICES) * quantity
        amount = price_thb * quantity * 100
        if rng.random() < 0.1:
            amount = amount * 90 // 100  # member discount, keeps satang
        return label, max(amount, 2000)

    # -- cards -------------------------------------------------------------

    def _card_charge(
        self, created_at: datetime, forced: tuple[str, str] | None
    ) -> ch.Charge:
        rng = self.rng
        order = self._order(created_at, "card")
        customer, card = self._card(created_at)
        scenario = forced[1] if forced else self._card_scenario(created_at)
        manual = scenario in ("pending_auth", "reversed", "captured", "partial_capture")
        auth_type = None
        if manual:
            pre_auth = scenario == "partial_capture" or rng.random() < 0.4
            auth_type = "pre_auth" if pre_auth else "final_auth"
        charge = ch.new_charge(
            new_id("chrg", rng),
            created_at,
            order["amount"],
            order["currency"],
            card=card,
            customer=customer,
            description=order["description"],
            metadata=order["metadata"],
            capture=not manual,
            authorization_type=auth_type,
            ip=self._ip(),
        )
        if order["online"]:
            charge["return_uri"] = self._return_uri(order["order_id"])
        charge["expires_at"] = iso(created_at + ch.AUTHORIZATION_WINDOW)
        self._card_outcome(charge, created_at, scenario)
        return charge

    def _card_scenario(self, created_at: datetime) -> str:
        rng = self.rng
        if rng.random() < 0.06:
            recent = self.now - created_at < ch.AUTHORIZATION_WINDOW
            return _pick(rng, _MANUAL_RECENT if recent else _MANUAL_OLD)
        if rng.random() < 0.07:
            return "failed"
        roll = rng.random()
        if roll < 0.005 and self.now - created_at > timedelta(days=10):
            return "disputed"
        if roll < 0.035:
            return "refund_full"
        if roll < 0.06:
            return "refund_partial"
        return "successful"

    def _card_outcome(
        self, charge: ch.Charge, created_at: datetime, scenario: str
    ) -> None:
        rng = self.rng
        charge_id = charge["id"]
        if scenario == "failed":
            ch.fail(charge, _pick(rng, _CARD_FAILURES))
            self._event(created_at, "charge.create", charge_id, None)
            return
        if charge["capture"]:
            paid_at = created_at + timedelta(seconds=rng.randint(1, 4))
            self._succeed(charge, paid_at)
            self._event(created_at, "charge.create", charge_id, None)
            self._after_payment(charge, paid_at, scenario)
            return
        ch.authorize(charge, created_at)
        self._event(created_at, "charge.create", charge_id, _snapshot(charge))
        if scenario == "pending_auth":
            return
        if scenario == "reversed":
            released = self._later(
                created_at, timedelta(hours=1), ch.AUTHORIZATION_WINDOW
            )
            ch.reverse(charge, released)
            self._event(released, "charge.reverse", charge_id, None)
            return
        captured_at = self._later(created_at, timedelta(minutes=5), timedelta(days=3))
        captured_amount = None
        if scenario == "partial_capture":
            captured_amount = max(charge["amount"] * rng.randint(50, 95) // 100, 1)
        self._succeed(charge, captured_at, captured_amount)
        self._event(captured_at, "charge.capture", charge_id, None)

    def _card(self, at: datetime) -> tuple[str | None, dict[str, Any]]:
        rng = self.rng
        if self.customers and rng.random() < 0.45:
            known = rng.choice(self.customers)
            return known.customer_id, known.card
        if rng.random() < 0.55:
            customer_id = new_id("cust", rng)
            card = self._new_card(at, customer_id)
            self.customers.append(_Customer(customer_id, card))
            return customer_id, card
        return None, self._new_card(at, None)

    def _new_card(self, at: datetime, customer_id: str | None) -> dict[str, Any]:
        rng = self.rng
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
            "first_digits": None,
            "last_digits": f"{rng.randrange(10000):04d}",
            "name": name,
            "expiration_month": rng.randint(1, 12),
            "expiration_year": at.year + rng.randint(1, 5),
            "security_code_check": True,
            "tokenization_method": None,
            "created_at": iso(at - timedelta(seconds=rng.randint(5, 90))),
        }

    # -- sources -----------------------------------------------------------

    def _source_charge(
        self, created_at: datetime, kind: str, forced: tuple[str, str] | None
    ) -> ch.Charge:
        rng = self.rng
        order = self._order(created_at, kind)
        flow = next(f for name, _, f in catalog.SOURCE_TYPES if name == kind)
        charge_id = new_id("chrg", rng)
        source = self._source(kind, flow, order["amount"], created_at)
        charge = ch.new_charge(
            charge_id,
            created_at,
            order["amount"],
            order["currency"],
            source=source,
            description=order["description"],
            metadata=order["metadata"],
            ip=self._ip(),
        )
        if order["online"]:
            charge["return_uri"] = self._return_uri(order["order_id"])
        uri = f"https://pay.omise.co/payments/{new_id('pay2', rng)}/authorize"
        expires_at = created_at + SOURCE_WINDOW
        ch.await_payer(charge, expires_at, uri)
        self._event(created_at, "charge.create", charge_id, _snapshot(charge))
        scenario = forced[1] if forced else self._source_scenario(created_at)
        self._source_outcome(charge, created_at, scenario)
        return charge

    def _source_scenario(self, created_at: datetime) -> str:
        rng = self.rng
        if self.now - created_at < SOURCE_WINDOW and rng.random() < 0.5:
            return "pending"
        roll = rng.random()
        if roll < 0.08:
            return "expired"
        if roll < 0.12:
            return "failed"
        if roll < 0.14:
            return "refund_full"
        if roll < 0.16:
            return "refund_partial"
        return "successful"

    def _source_outcome(
        self, charge: ch.Charge, created_at: datetime, scenario: str
    ) -> None:
        rng = self.rng
        charge_id = charge["id"]
        if scenario == "pending":
            return
        if scenario == "expired":
            expired_at = created_at + SOURCE_WINDOW
            ch.expire(charge, expired_at)
            _settle_source(charge)
            self._event(expired_at, "charge.expire", charge_id, None)
            return
        done_at = self._later(created_at, timedelta(seconds=20), timedelta(minutes=15))
        if scenario == "failed":
            ch.fail(charge, _pick(rng, _SOURCE_FAILURES))
            _settle_source(charge)
            self._event(done_at, "charge.complete", charge_id, None)
            return
        self._succeed(charge, done_at)
        _settle_source(charge)
        self._event(done_at, "charge.complete", charge_id, None)
        if charge["refundable"]:
            self._after_payment(charge, done_at, scenario)

    def _source(
        self, kind: str, flow: str, amount: int, at: datetime
    ) -> dict[str, Any]:
        source_id = new_id("src", self.rng)
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
            "installment_term": self.rng.choice([3, 6, 10]) if installment else None,
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

    # -- after payment -----------------------------------------------------

    def _succeed(
        self, charge: ch.Charge, paid_at: datetime, captured: int | None = None
    ) -> None:
        same_day = _bangkok_day(paid_at) == _bangkok_day(self.now)
        transaction_id = new_id("trxn", self.rng)
        ch.succeed(
            charge,
            paid_at,
            transaction_id,
            captured_amount=captured,
            voidable=same_day and charge["card"] is not None,
        )

    def _after_payment(
        self, charge: ch.Charge, paid_at: datetime, scenario: str
    ) -> None:
        if scenario not in ("disputed", "refund_full", "refund_partial"):
            return
        self._freeze_last_event(charge)
        if scenario == "disputed":
            self._dispute(charge, paid_at)
        elif scenario == "refund_full":
            self._refund(charge, paid_at, charge["captured_amount"])
        elif scenario == "refund_partial" and charge["partially_refundable"]:
            parts = self.rng.choice([1, 1, 2])
            for _ in range(parts):
                share = self.rng.randint(10, 45)
                self._refund(charge, paid_at, charge["captured_amount"] * share // 100)

    def _refund(self, charge: ch.Charge, paid_at: datetime, amount: int) -> None:
        rng = self.rng
        if amount <= 0 or not charge["refundable"]:
            return
        earlier = charge["refunds"]["data"]
        start = _parse(earlier[-1]["created_at"]) if earlier else paid_at
        at = self._later(start, timedelta(minutes=10), timedelta(days=20))
        voided = (
            _bangkok_day(at) == _bangkok_day(paid_at) and charge["card"] is not None
        )
        refund = ch.refund_object(
            new_id("rfnd", rng), charge, amount, at, new_id("trxn", rng), voided=voided
        )
        ch.add_refund(charge, refund)
        self._event(at, "refund.create", charge["id"], _snapshot(refund))

    def _dispute(self, charge: ch.Charge, paid_at: datetime) -> None:
        rng = self.rng
        opened_at = self._later(paid_at, timedelta(days=3), timedelta(days=40))
        code, message = rng.choice(catalog.DISPUTE_REASONS)
        dispute = ch.dispute_object(
            new_id("dspt", rng),
            charge,
            opened_at,
            new_id("trxn", rng),
            reason_code=code,
            reason_message=message,
        )
        self._event(opened_at, "dispute.create", charge["id"], _snapshot(dispute))
        ch.attach_dispute(charge, dispute)
        if self.now - opened_at < timedelta(days=7):
            return
        decision = rng.choice(["pending", "won", "lost"])
        if decision == "pending":
            dispute["status"] = "pending"
            dispute["message"] = "Goods were delivered; tracking number attached."
            return
        closed_at = self._later(opened_at, timedelta(days=7), timedelta(days=30))
        ch.close_dispute(dispute, decision, closed_at, new_id("trxn", rng))
        self._event(closed_at, "dispute.close", charge["id"], _snapshot(dispute))

    # -- small things ------------------------------------------------------

    def _event(
        self, at: datetime, key: str, charge_id: str, data: bytes | None
    ) -> None:
        event_id = new_id("evnt", self.rng)
        self.history.events.append(SeedEvent(event_id, at, key, charge_id, data))

    def _freeze_last_event(self, charge: ch.Charge) -> None:
        """Keep the state the charge's latest event showed before it changes."""
        last = self.history.events[-1]
        if last.charge_id == charge["id"] and last.data is None:
            last.data = _snapshot(charge)

    def _ip(self) -> str:
        rng = self.rng
        return f"49.228.{rng.randrange(256)}.{rng.randrange(1, 255)}"

    @staticmethod
    def _return_uri(order_id: str) -> str:
        return f"https://shop.example.co.th/orders/{order_id}/complete"


def _snapshot(obj: dict[str, Any]) -> bytes:
    """The object as it is now, encoded (later changes do not touch it)."""
    return encode(obj)


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    """One value of ``(value, weight)`` pairs, drawn by weight."""
    values = [value for value, _ in weighted]
    return rng.choices(values, weights=[weight for _, weight in weighted])[0]


def _settle_source(charge: ch.Charge) -> None:
    """A source reports the status of the charge it paid for."""
    charge["source"]["charge_status"] = charge["status"]


def _bangkok_day(moment: datetime) -> date:
    return moment.astimezone(BANGKOK).date()


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
