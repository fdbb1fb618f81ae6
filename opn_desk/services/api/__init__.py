"""The Opn API client: typed objects, typed errors, pagination.

Import from here; the submodules are an implementation detail.
"""

from opn_desk.services.api.client import (
    DEFAULT_API_VERSION,
    DEFAULT_BASE_URL,
    MAX_PAGE_SIZE,
    OpnClient,
    Walk,
    Window,
)
from opn_desk.services.api.customers import (
    Card,
    Customer,
    parse_card,
    parse_customer,
)
from opn_desk.services.api.disputes import (
    OPEN_STATUSES as OPEN_DISPUTE_STATUSES,
)
from opn_desk.services.api.disputes import (
    Dispute,
    DisputeDocument,
    parse_dispute,
    parse_document,
)
from opn_desk.services.api.errors import (
    ApiError,
    ApiOffline,
    ApiTimeout,
    AuthenticationFailure,
    BadRequest,
    ConnectionLost,
    InsecureBaseUrl,
    InvalidResponse,
    NotFound,
    OpnError,
    RateLimited,
    ServerError,
    error_from_response,
)
from opn_desk.services.api.ledger import (
    Balance,
    Capability,
    Transaction,
    parse_balance,
    parse_capability,
    parse_transaction,
)
from opn_desk.services.api.objects import (
    Account,
    Charge,
    Event,
    Page,
    parse_account,
    parse_charge,
    parse_event,
    parse_page,
)
from opn_desk.services.api.refunds import (
    FINAL_STATUSES as FINAL_REFUND_STATUSES,
)
from opn_desk.services.api.refunds import Refund, embedded_refunds, parse_refund
from opn_desk.services.api.schedules import (
    Occurrence,
    Schedule,
    parse_occurrence,
    parse_schedule,
)

__all__ = [
    "DEFAULT_API_VERSION",
    "DEFAULT_BASE_URL",
    "FINAL_REFUND_STATUSES",
    "MAX_PAGE_SIZE",
    "OPEN_DISPUTE_STATUSES",
    "Account",
    "ApiError",
    "ApiOffline",
    "ApiTimeout",
    "AuthenticationFailure",
    "BadRequest",
    "Balance",
    "Capability",
    "Card",
    "Charge",
    "ConnectionLost",
    "Customer",
    "Dispute",
    "DisputeDocument",
    "Event",
    "InsecureBaseUrl",
    "InvalidResponse",
    "NotFound",
    "Occurrence",
    "OpnClient",
    "OpnError",
    "Page",
    "RateLimited",
    "Refund",
    "Schedule",
    "ServerError",
    "Transaction",
    "Walk",
    "Window",
    "embedded_refunds",
    "error_from_response",
    "parse_account",
    "parse_balance",
    "parse_capability",
    "parse_card",
    "parse_charge",
    "parse_customer",
    "parse_dispute",
    "parse_document",
    "parse_event",
    "parse_occurrence",
    "parse_page",
    "parse_refund",
    "parse_schedule",
    "parse_transaction",
]
