"""One headless opn-desk instance of the soak test, in a process of its own.

Usage: python soak_worker.py PLAN.json

The instance opens a profile in its own home folder (``OPN_DESK_HOME``)
whose cache is the shared PostgreSQL database, then, for the plan's number
of seconds, works as a clerk would: refunds in full and in part, captures
of pre-authorizations in full and in part, dispute evidence uploaded and
submitted, syncs. Everything goes through the app's services (the
operations journal, ``refunds``, ``captures``, ``evidence``,
``AccountSync``), on targets drawn at random from the plan, which the other
instance draws from too. What it tried and what it was told is written to
the plan's ``out`` file as JSON; an unexpected exception ends it with a
traceback and a non-zero status.
"""

from __future__ import annotations

import json
import logging
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from write_checks import attempt

from opn_desk.services import captures, evidence, paths, refunds
from opn_desk.services.api import ApiError, OpnClient
from opn_desk.services.disputes import questions_for
from opn_desk.services.logs import configure_logging
from opn_desk.services.operations import Journal
from opn_desk.services.profiles import Profile, save_profile
from opn_desk.services.sync import AccountSync, LeaseHeld, SyncCancelled
from opn_desk.services.workspace import Workspace, open_workspace

logger = logging.getLogger("soak_worker")

# The journal waits this long before reading a target back after an
# ambiguous failure; the app waits 2 s, which would leave a one-minute
# soak with a handful of operations.
SETTLE_DELAY_S = 0.2
# How many targets from where the run has got to a clerk picks among.
NEIGHBOURS = 3
# A clerk's pause between two actions, at most.
PAUSE_S = 0.3
# (action, weight): how often a clerk does each.
ACTIONS = (
    ("refund in full", 3),
    ("refund in part", 6),
    ("capture in full", 2),
    ("capture in part", 3),
    ("dispute evidence", 3),
    ("sync", 2),
)
PARTIAL_REFUNDS = (15_000, 30_000, 45_000)
PARTIAL_CAPTURES = (40_000, 60_000, 75_000)
FULL_AUTHORIZATION = 100_000
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Clerk:
    """One instance's clerk, its services and what it was told."""

    name: str
    workspace: Workspace
    client: OpnClient
    journal: Journal
    plan: dict[str, Any]
    rng: random.Random
    started: float
    deadline: float
    told: list[dict[str, str]] = field(default_factory=list)
    files_added: int = 0

    def act(self, action: str) -> None:
        run, target = self._chosen(action)
        self.told.append({"action": action, "target": target, "told": run()})

    def pick(self, targets: list[Any]) -> Any:
        """A target near where the run has got to in the list.

        Both clerks work down the same lists at the same pace, as two
        clerks on one queue do, so they often reach for the same one.
        """
        done = (time.monotonic() - self.started) / (self.deadline - self.started)
        place = int(min(done, 1.0) * (len(targets) - 1))
        return targets[min(place + self.rng.randrange(NEIGHBOURS), len(targets) - 1)]

    def _chosen(self, action: str) -> tuple[Callable[[], str], str]:
        if action.startswith("refund"):
            charge_id = self.pick(self.plan["paid"])
            full = action.endswith("full")
            return lambda: self.refund(charge_id, full), charge_id
        if action.startswith("capture"):
            charge_id = self.pick(self.plan["held"])
            full = action.endswith("full")
            return lambda: self.capture(charge_id, full), charge_id
        if action == "dispute evidence":
            dispute = self.pick(self.plan["disputes"])
            code = dispute["reason_code"]
            return lambda: self.answer(dispute["id"], code), dispute["id"]
        return self.sync, "account"

    def refund(self, charge_id: str, full: bool) -> str:
        amount = self.rng.choice(PARTIAL_REFUNDS)
        if full:
            try:
                terms = refunds.read_refund_terms(self.client, charge_id, utc_now())
            except ApiError:
                return "failed before sending"
            amount = terms.remaining_amount or terms.captured_amount
        request = refunds.RefundRequest(charge_id, amount, "", f"soak {self.name}")
        return attempt(
            lambda: refunds.refund(self.journal, self.client, request, utc_now())
        )

    def capture(self, charge_id: str, full: bool) -> str:
        amount = FULL_AUTHORIZATION if full else self.rng.choice(PARTIAL_CAPTURES)
        return attempt(
            lambda: captures.capture(
                self.journal, self.client, charge_id, amount, utc_now()
            )
        )

    def answer(self, dispute_id: str, reason_code: str) -> str:
        """Draft the answers, attach a receipt, and submit the evidence."""
        engine, now = self.workspace.engine, utc_now()
        questions = questions_for(reason_code)
        answers = {q.key: f"{q.heading}, told by {self.name}." for q in questions}
        evidence.save_draft(
            engine, dispute_id, reason_code, answers, clerk=self.name, now=now
        )
        wanted = next((q.key for q in questions if q.wants_document), None)
        self.files_added += 1
        name = f"receipt-{self.name}-{self.files_added}.pdf"
        evidence.add_file(engine, dispute_id, wanted, name, PDF, now)
        return attempt(
            lambda: evidence.submit_evidence(
                engine, self.journal, self.client, dispute_id, utc_now()
            )
        )

    def sync(self) -> str:
        sync = AccountSync(self.client, self.workspace.engine)
        try:
            sync.run(cancelled=lambda: time.monotonic() > self.deadline)
        except LeaseHeld:
            return "lease held by the other instance"
        except SyncCancelled:
            return "stopped at the end of the run"
        except ApiError:
            return "failed, resumes at the next sync"
        return "done"


def main() -> int:
    plan = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    os.environ[paths.HOME_ENV] = plan["home"]
    configure_logging(logging.INFO)
    profile = Profile(
        name=f"Soak {plan['clerk']}",
        mode="test",
        base_url=plan["base_url"],
        database_url=plan["database_url"],
        clerk=plan["clerk"],
    )
    save_profile(profile, activate=True)
    workspace = open_workspace(profile, secret_key=plan["secret_key"])
    rng = random.Random(plan["seed"])
    actions = [name for name, _weight in ACTIONS]
    weights = [weight for _name, weight in ACTIONS]
    try:
        with workspace.client() as client:
            journal = Journal(
                workspace.engine, client, plan["clerk"], settle_delay_s=SETTLE_DELAY_S
            )
            started = time.monotonic()
            deadline = started + float(plan["seconds"])
            clerk = Clerk(
                plan["clerk"], workspace, client, journal, plan, rng, started, deadline
            )
            while time.monotonic() < deadline:
                clerk.act(rng.choices(actions, weights)[0])
                time.sleep(rng.uniform(0, PAUSE_S))
    finally:
        workspace.close()
    out = {"clerk": plan["clerk"], "told": clerk.told}
    Path(plan["out"]).write_text(json.dumps(out, indent=1), encoding="utf-8")
    logger.info("Soak instance %s made %d attempts", plan["clerk"], len(clerk.told))
    return 0


if __name__ == "__main__":
    sys.exit(main())
