"""The control interface under ``/__sandbox/``: clock, faults, save, config.

These paths are the sandbox's own, never Opn API paths, and take the same
secret key. Each has a Python equivalent on ``SandboxServer`` for tests.
Resource modules may add their own control routes (``add_control_routes``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opn_desk.sandbox import fields as f
from opn_desk.sandbox.autosave import AutoSaver
from opn_desk.sandbox.errors import ApiError
from opn_desk.sandbox.faults import FaultBook
from opn_desk.sandbox.router import Reply, Request, Router, json_reply
from opn_desk.sandbox.times import iso

if TYPE_CHECKING:
    from opn_desk.sandbox.state import SandboxState

PREFIX = "/__sandbox"

# For ``opn-desk sandbox --help``: each control path and what it takes.
HELP = """\
control interface (same secret key as the API; JSON or form bodies):
  GET    /__sandbox/clock    the sandbox time and its offset
  POST   /__sandbox/clock    advance_s=SECONDS or now=ISO-DATETIME: move the
                             clock forward and run what falls due on the way
                             (authorization lapse, source expiry, settlement,
                             refund window, schedule runs and retries,
                             dispute deadlines)
  GET    /__sandbox/faults   the active fault rules
  POST   /__sandbox/faults   add a rule: kind=latency|server_error|rate_limit|
                             drop_before|drop_after|slow_body, and optional
                             method, path (regex), probability (0-1), count,
                             delay_ms, status (500|503), retry_after_s,
                             chunk_bytes
  DELETE /__sandbox/faults   remove every rule (/__sandbox/faults/ID: one)
  POST   /__sandbox/save     write the data file now
  GET    /__sandbox/config   the behaviour settings (names below; what each
                             does and why its default: the sandbox README)
  PATCH  /__sandbox/config   change settings: a JSON object of name: value
  GET    /__sandbox/account  the account's default API version
  PATCH  /__sandbox/account  api_version=2014-07-27|2015-11-17|2017-11-02|
                             2019-05-29: the account's default version, as
                             set in the dashboard; requests without an
                             Omise-Version header and the events made from
                             then on use it
  POST   /__sandbox/disputes  charge=ID and optional reason_code: the
                             issuer disputes a paid card charge
  POST   /__sandbox/disputes/ID/resolve  status=won|lost: decide an open
                             or pending dispute (won credits it back)
"""


class Control:
    """The control endpoints, bound to one server's faults and saver."""

    def __init__(self, faults: FaultBook, saver: AutoSaver | None) -> None:
        self.faults = faults
        self.saver = saver

    def add_routes(self, router: Router) -> None:
        router.add("GET", rf"{PREFIX}/clock", self.get_clock)
        router.add("POST", rf"{PREFIX}/clock", self.move_clock)
        router.add("GET", rf"{PREFIX}/faults", self.list_faults)
        router.add("POST", rf"{PREFIX}/faults", self.add_fault)
        router.add("DELETE", rf"{PREFIX}/faults", self.clear_faults)
        router.add("DELETE", rf"{PREFIX}/faults/([^/]+)", self.remove_fault)
        router.add("POST", rf"{PREFIX}/save", self.save)
        router.add("GET", rf"{PREFIX}/config", self.get_config)
        router.add("PATCH", rf"{PREFIX}/config", self.patch_config)
        router.add("GET", rf"{PREFIX}/account", self.get_account)
        router.add("PATCH", rf"{PREFIX}/account", self.patch_account)

    def get_clock(self, state: SandboxState, request: Request) -> Reply:
        return json_reply(clock_object(state))

    def move_clock(self, state: SandboxState, request: Request) -> Reply:
        fields = request.fields
        f.only(fields, {"advance_s", "now"})
        advance_s = f.integer(fields, "advance_s")
        moment = f.moment(fields, "now")
        if (advance_s is None) == (moment is None):
            raise ApiError.bad_request("give either advance_s or now")
        try:
            if advance_s is not None:
                state.advance_clock(advance_s)
            elif moment is not None:
                state.set_clock(moment)
        except ValueError as exc:
            raise ApiError.bad_request(str(exc)) from None
        return json_reply(clock_object(state))

    def list_faults(self, state: SandboxState, request: Request) -> Reply:
        return json_reply(_fault_list(self.faults))

    def add_fault(self, state: SandboxState, request: Request) -> Reply:
        return json_reply(self.faults.add(request.fields).to_dict())

    def clear_faults(self, state: SandboxState, request: Request) -> Reply:
        self.faults.clear()
        return json_reply(_fault_list(self.faults))

    def remove_fault(self, state: SandboxState, request: Request) -> Reply:
        (rule_id,) = request.path_args
        if not self.faults.remove(rule_id):
            raise ApiError.not_found("fault", rule_id)
        return json_reply(_fault_list(self.faults))

    def save(self, state: SandboxState, request: Request) -> Reply:
        if self.saver is None:
            raise ApiError.bad_request("the sandbox was started without a data file")
        self.saver.save_now()
        return json_reply({"object": "sandbox_save", "path": str(self.saver.path)})

    def get_config(self, state: SandboxState, request: Request) -> Reply:
        return json_reply(state.config.to_dict())

    def patch_config(self, state: SandboxState, request: Request) -> Reply:
        try:
            with state.lock:
                state.config = state.config.updated(request.fields)
                state.revision += 1
        except ValueError as exc:
            raise ApiError.bad_request(str(exc)) from None
        return json_reply(state.config.to_dict())

    def get_account(self, state: SandboxState, request: Request) -> Reply:
        return json_reply(_account_object(state))

    def patch_account(self, state: SandboxState, request: Request) -> Reply:
        fields = request.fields
        f.only(fields, {"api_version"})
        version = f.text(fields, "api_version", required=True)
        try:
            state.set_api_version(str(version))
        except ValueError as exc:
            raise ApiError.bad_request(str(exc)) from None
        return json_reply(_account_object(state))


def _account_object(state: SandboxState) -> dict[str, Any]:
    return {"object": "sandbox_account", "api_version": state.api_version}


def clock_object(state: SandboxState) -> dict[str, Any]:
    return {
        "object": "sandbox_clock",
        "now": iso(state.now()),
        "offset_s": state.clock.offset_s,
        "pending_timers": len(state.timers),
    }


def _fault_list(faults: FaultBook) -> dict[str, Any]:
    rules = [rule.to_dict() for rule in faults.rules()]
    return {"object": "list", "data": rules, "total": len(rules)}
