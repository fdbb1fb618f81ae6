"""Seed data: a deterministic, realistic charge history for a Thai merchant.

``seed_history(count, seed, now)`` draws every value from one
``random.Random(seed)`` in a fixed order, so the same arguments always give
the same charges, customers and their cards, refunds, balance transactions,
events, and the timers still pending (authorizations that will lapse,
source charges that will expire, charges that will settle).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import accumulate
from typing import Any

from opn_desk.sandbox import catalog, rules
from opn_desk.sandbox import charges as ch
from opn_desk.sandbox.config import SandboxConfig
from opn_desk.sandbox.ids import new_id
from opn_desk.sandbox.payer_details import add_payer_details
from opn_desk.sandbox.resources import ledger, payments
from opn_desk.sandbox.resources.customers import attach_card, new_customer
from opn_desk.sandbox.resources.refunds import refund_debit
from opn_desk.sandbox.resources.tokens import VAULT_CARD
from opn_desk.sandbox.seed_objects import seeded_card, seeded_source
from opn_desk.sandbox.times import epoch_s, iso
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
    """An event of the seeded history; ``data`` None = the object's final state."""

    event_id: str
    at: datetime
    key: str
    kind: str
    object_id: str
    data: bytes | None


@dataclass(slots=True)
class SeedHistory:
    """Objects by kind as (id, created_at epoch s, encoded), events, timers."""

    objects: dict[str, list[tuple[str, int, bytes]]] = field(default_factory=dict)
    events: list[SeedEvent] = field(default_factory=list)
    timers: list[tuple[datetime, str, str]] = field(default_factory=list)
    module_data: dict[str, Any] = field(default_factory=dict)

    @property
    def charges(self) -> list[tuple[str, int, bytes]]:
        return self.objects.get("charge", [])


def seed_history(
    count: int, seed: int, now: datetime, config: SandboxConfig | None = None
) -> SeedHistory:
    """``count`` charges created in the ``HISTORY_DAYS`` days before ``now``."""
    moment = now.astimezone(UTC).replace(microsecond=0)
    return _Seeder(seed, moment, config or SandboxConfig()).run(count)


@dataclass(slots=True)
class _Customer:
    customer_id: str
    card: dict[str, Any]


class _Seeder:
    def __init__(self, seed: int, now: datetime, config: SandboxConfig) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.config = config
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
            self._put("charge", charge, created_at)
            self._pending_timers(charge)
        self._declining_customer()
        return self.history

    def _put(self, kind: str, obj: dict[str, Any], created_at: datetime) -> None:
        rows = self.history.objects.setdefault(kind, [])
        rows.append((obj["id"], epoch_s(created_at), encode(obj)))

    def _pending_timers(self, charge: ch.Charge) -> None:
        """Timers for what will still happen to the charge after now."""
        timers = payments.timers_for(charge, self.config, self.now)
        self.history.timers.extend(timers)

    def _declining_customer(self) -> None:
        """A customer whose card is declined (insufficient funds), for
        schedules and retries to meet."""
        at = self.now - timedelta(days=HISTORY_DAYS)
        customer_id = new_id("cust", self.rng)
        card = seeded_card(self.rng, at, customer_id)
        card["name"] = "DECLINED TESTCARD"
        self._new_customer(customer_id, card, at)
        secret = {
            "id": card["id"],
            "created_at": iso(at),
            "failure": "insufficient_fund",
        }
        self._put(VAULT_CARD, secret, at)

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
        """A moment between start+low and start+high, never after now.

        Near now the span is cut at now rather than every late moment
        being moved to now, so recent refunds do not all share one time.
        """
        earliest = min(start + low, self.now)
        latest = min(start + high, self.now)
        span_s = int((latest - earliest).total_seconds())
        return earliest + timedelta(seconds=self.rng.randrange(span_s + 1))

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
        if roll < 0.008 and self.now - created_at > timedelta(days=10):
            return "disputed"
        if roll < 0.038:
            return "refund_full"
        if roll < 0.063:
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
            card = seeded_card(self.rng, at, customer_id)
            self.customers.append(_Customer(customer_id, card))
            self._new_customer(customer_id, card, _parse(card["created_at"]))
            return customer_id, card
        return None, seeded_card(self.rng, at, None)

    def _new_customer(
        self, customer_id: str, card: dict[str, Any], at: datetime
    ) -> None:
        name = card["name"].title()
        email = f"{name.replace(' ', '.').lower()}@example.co.th"
        customer = new_customer(customer_id, iso(at), email=email, description=name)
        attach_card(customer, dict(card), iso(at))
        self._put("customer", customer, at)
        self._put("card", card, at)
        self._event(at, "customer.create", customer_id, None, kind="customer")

    # -- sources -----------------------------------------------------------

    def _source_charge(
        self, created_at: datetime, kind: str, forced: tuple[str, str] | None
    ) -> ch.Charge:
        rng = self.rng
        order = self._order(created_at, kind)
        flow = next(f for name, _, f in catalog.SOURCE_TYPES if name == kind)
        charge_id = new_id("chrg", rng)
        source = seeded_source(self.rng, kind, flow, order["amount"], created_at)
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
        uri: str | None = (
            f"https://pay.omise.co/payments/{new_id('pay2', rng)}/authorize"
        )
        if flow == "offline":  # the payer scans a code or pays at a till
            uri = None
        expires_at = created_at + SOURCE_WINDOW
        ch.await_payer(charge, expires_at, uri)
        add_payer_details(charge, created_at)
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

    # -- after payment -----------------------------------------------------

    def _succeed(
        self, charge: ch.Charge, paid_at: datetime, captured: int | None = None
    ) -> None:
        captured_amount = charge["amount"] if captured is None else captured
        _, _, net = ch.fees(captured_amount)
        credit = ch.funding_amount(net, charge["currency"])
        transaction_id = self._transaction(
            credit, ledger.CREDIT, ledger.CHARGE_CAPTURED, charge["id"], paid_at
        )
        ch.succeed(charge, paid_at, transaction_id, captured_amount=captured)
        rules.refresh_flags(charge, self.config, self.now)

    def _transaction(
        self, amount: int, direction: str, key: str, origin: str, at: datetime
    ) -> str:
        transaction_id = new_id("trxn", self.rng)
        hold_days = self.config.transfer_hold_days if direction == "credit" else 0
        transferable_at = at + timedelta(days=hold_days)
        self._put(
            "transaction",
            ch.transaction_object(
                transaction_id,
                "THB",
                amount,
                direction,
                key,
                origin,
                at,
                transferable_at,
            ),  # fmt: skip
            at,
        )
        signed = amount if direction == ledger.CREDIT else -amount
        ledger.add_to_balance(
            self.history.module_data, signed, transferable_at, self.now
        )
        return transaction_id

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
        voided = rules.voidable(charge, self.config, at)
        refund_id = new_id("rfnd", rng)
        transaction_id = self._transaction(
            refund_debit(charge, amount, voided),
            ledger.DEBIT,
            ledger.REFUND_CREATED,
            refund_id,
            at,
        )
        refund = ch.refund_object(
            refund_id, charge, amount, at, transaction_id, voided=voided
        )
        ch.add_refund(charge, refund)
        rules.refresh_flags(charge, self.config, self.now)
        self._put("refund", refund, at)
        self._event(at, "refund.create", refund_id, None, kind="refund")

    def _dispute(self, charge: ch.Charge, paid_at: datetime) -> None:
        rng = self.rng
        opened_at = self._later(paid_at, timedelta(days=3), timedelta(days=40))
        code, message = rng.choice(catalog.DISPUTE_REASONS)
        dispute_id = new_id("dspt", rng)
        amount = ch.funding_amount(charge["captured_amount"], charge["currency"])
        debit_id = self._transaction(
            amount, ledger.DEBIT, ledger.DISPUTE_STARTED, dispute_id, opened_at
        )
        dispute = ch.dispute_object(
            dispute_id,
            charge,
            opened_at,
            debit_id,
            reason_code=code,
            reason_message=message,
        )
        snapshot = _snapshot(dispute)
        self._event(opened_at, "dispute.create", dispute_id, snapshot, "dispute")
        ch.attach_dispute(charge, dispute)
        self._decide_dispute(dispute, opened_at, amount)
        self._put("dispute", dispute, opened_at)

    def _decide_dispute(
        self, dispute: dict[str, Any], opened_at: datetime, amount: int
    ) -> None:
        rng = self.rng
        if self.now - opened_at < timedelta(days=7):
            return
        decision = rng.choice(["pending", "won", "lost"])
        if decision == "pending":
            dispute["status"] = "pending"
            dispute["message"] = "Goods were delivered; tracking number attached."
            return
        closed_at = self._later(opened_at, timedelta(days=7), timedelta(days=30))
        credit_id = None
        if decision == "won":
            credit_id = self._transaction(
                amount, ledger.CREDIT, ledger.DISPUTE_WON, dispute["id"], closed_at
            )
        ch.close_dispute(dispute, decision, closed_at, credit_id)
        self._event(
            closed_at, "dispute.close", dispute["id"], _snapshot(dispute), "dispute"
        )

    # -- small things ------------------------------------------------------

    def _event(
        self,
        at: datetime,
        key: str,
        object_id: str,
        data: bytes | None,
        kind: str = "charge",
    ) -> None:
        event_id = new_id("evnt", self.rng)
        event = SeedEvent(event_id, at, key, kind, object_id, data)
        self.history.events.append(event)

    def _freeze_last_event(self, charge: ch.Charge) -> None:
        """Keep the state the charge's latest event showed before it changes."""
        for event in reversed(self.history.events):
            if event.object_id == charge["id"]:
                if event.data is None:
                    event.data = _snapshot(charge)
                return

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
