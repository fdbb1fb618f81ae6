"""The Opn API client: typed objects, typed errors, pagination.

Import from here; the submodules are an implementation detail.
"""

from opn_desk.services.api.client import (
    DEFAULT_API_VERSION,
    DEFAULT_BASE_URL,
    MAX_PAGE_SIZE,
    OpnClient,
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

__all__ = [
    "DEFAULT_API_VERSION",
    "DEFAULT_BASE_URL",
    "MAX_PAGE_SIZE",
    "Account",
    "ApiError",
    "ApiOffline",
    "ApiTimeout",
    "AuthenticationFailure",
    "BadRequest",
    "Charge",
    "ConnectionLost",
    "Event",
    "InsecureBaseUrl",
    "InvalidResponse",
    "NotFound",
    "OpnClient",
    "OpnError",
    "Page",
    "RateLimited",
    "ServerError",
    "error_from_response",
    "parse_account",
    "parse_charge",
    "parse_event",
    "parse_page",
]
