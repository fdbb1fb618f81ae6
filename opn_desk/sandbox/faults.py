"""Injected faults: the network and server trouble a real API client meets.

A ``FaultRule`` picks requests (method, path regex, probability, at most
``count`` times) and does one thing to them:

* ``latency``: wait ``delay_ms`` before handling the request;
* ``server_error``: answer ``status`` 500 or 503 with an error object;
* ``rate_limit``: answer 429 ``too_many_requests`` with ``Retry-After``;
* ``drop_before``: close the connection without handling the request;
* ``drop_after``: handle the request (it takes effect), then close the
  connection without answering;
* ``slow_body``: send the answer's body in ``chunk_bytes`` pieces with
  ``delay_ms`` between them.

Probabilities draw from a random generator seeded per rule, so a run
repeats. Rules are not saved with the state.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from opn_desk.sandbox import fields as f
from opn_desk.sandbox.errors import ApiError

LATENCY = "latency"
SERVER_ERROR = "server_error"
RATE_LIMIT = "rate_limit"
DROP_BEFORE = "drop_before"
DROP_AFTER = "drop_after"
SLOW_BODY = "slow_body"
KINDS = (LATENCY, SERVER_ERROR, RATE_LIMIT, DROP_BEFORE, DROP_AFTER, SLOW_BODY)


@dataclass(slots=True)
class FaultRule:
    """One fault and the requests it applies to."""

    rule_id: str
    kind: str
    method: str | None = None
    path: re.Pattern[str] | None = None
    probability: float = 1.0
    count: int | None = None
    delay_ms: int = 0
    status: int = 500
    retry_after_s: int = 1
    chunk_bytes: int = 64
    applied: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.path is None or self.path.search(path) is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "object": "fault",
            "id": self.rule_id,
            "kind": self.kind,
            "method": self.method,
            "path": self.path.pattern if self.path is not None else None,
            "probability": self.probability,
            "count": self.count,
            "delay_ms": self.delay_ms,
            "status": self.status,
            "retry_after_s": self.retry_after_s,
            "chunk_bytes": self.chunk_bytes,
            "applied": self.applied,
        }


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """What to do to one request: the rules that fired, in order."""

    latency_ms: int = 0
    answer: FaultRule | None = None  # server_error, rate_limit or drop_before
    drop_after: bool = False
    slow_body: FaultRule | None = None


class FaultBook:
    """The active fault rules; thread-safe."""

    def __init__(self, seed: int = 1) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._next = 0
        self.seed = seed

    def add(self, values: dict[str, Any]) -> FaultRule:
        """Add a rule from request fields. Raises ``ApiError`` 400."""
        with self._lock:
            self._next += 1
            rule = _rule_from(f"fault_{self._next}", values)
            rule.rng.seed(f"{self.seed}-{rule.rule_id}")
            self._rules.append(rule)
            return rule

    def clear(self) -> int:
        """Remove every rule; how many there were."""
        with self._lock:
            removed = len(self._rules)
            self._rules.clear()
            return removed

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            kept = [r for r in self._rules if r.rule_id != rule_id]
            removed = len(kept) != len(self._rules)
            self._rules = kept
            return removed

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def plan(self, method: str, path: str) -> FaultPlan:
        """Roll every matching rule for this request and count those that fire."""
        with self._lock:
            fired = [r for r in self._rules if r.matches(method, path) and _roll(r)]
            for rule in fired:
                rule.applied += 1
            self._rules = [
                r for r in self._rules if r.count is None or r.applied < r.count
            ]
        return _plan_of(fired)


def _roll(rule: FaultRule) -> bool:
    return rule.probability >= 1.0 or rule.rng.random() < rule.probability


def _plan_of(fired: list[FaultRule]) -> FaultPlan:
    latency_ms = sum(r.delay_ms for r in fired if r.kind == LATENCY)
    answers = (SERVER_ERROR, RATE_LIMIT, DROP_BEFORE)
    answer = next((r for r in fired if r.kind in answers), None)
    slow = next((r for r in fired if r.kind == SLOW_BODY), None)
    return FaultPlan(
        latency_ms=latency_ms,
        answer=answer,
        drop_after=any(r.kind == DROP_AFTER for r in fired),
        slow_body=slow,
    )


def _rule_from(rule_id: str, values: dict[str, Any]) -> FaultRule:
    kind = f.text(values, "kind", required=True)
    if kind not in KINDS:
        raise ApiError.bad_request(f"kind must be one of {', '.join(KINDS)}")
    rule = FaultRule(rule_id, kind)
    method = f.text(values, "method")
    rule.method = method.upper() if method else None
    pattern = f.text(values, "path")
    if pattern:
        try:
            rule.path = re.compile(pattern)
        except re.error as exc:
            message = f"path is not a regular expression: {exc}"
            raise ApiError.bad_request(message) from None
    rule.probability = _probability(values)
    rule.count = _at_least(values, "count", 1)
    rule.delay_ms = _at_least(values, "delay_ms", 0) or 0
    if kind in (LATENCY, SLOW_BODY) and rule.delay_ms == 0:
        raise ApiError.bad_request(f"a {kind} fault needs delay_ms")
    rule.status = _at_least(values, "status", 500) or 500
    if kind == SERVER_ERROR and rule.status not in (500, 503):
        raise ApiError.bad_request("status must be 500 or 503")
    rule.retry_after_s = _at_least(values, "retry_after_s", 0) or 1
    rule.chunk_bytes = _at_least(values, "chunk_bytes", 1) or 64
    return rule


def _probability(values: dict[str, Any]) -> float:
    value = values.get("probability", 1.0)
    try:
        probability = float(value)
    except (TypeError, ValueError):
        probability = -1.0
    if not 0.0 <= probability <= 1.0:
        raise ApiError.bad_request("probability must be a number from 0 to 1")
    return probability


def _at_least(values: dict[str, Any], name: str, minimum: int) -> int | None:
    value = f.integer(values, name)
    if value is not None and value < minimum:
        raise ApiError.bad_request(f"{name} must be at least {minimum}")
    return value


def error_for(rule: FaultRule) -> ApiError:
    """The error object a ``server_error`` or ``rate_limit`` rule answers."""
    if rule.kind == RATE_LIMIT:
        return ApiError(429, "too_many_requests", "too many requests, retry later")
    if rule.status == 503:
        return ApiError(503, "service_unavailable", "service is unavailable")
    return ApiError(500, "internal_server_error", "internal server error")
