"""The API client's exceptions, one class per way a call to Opn can fail.

::

    ApiError                      anything the client raises
    ├── InsecureBaseUrl           plain-http base URL to a host off this machine
    ├── OpnError                  the API answered with an error (code, message)
    │   ├── AuthenticationFailure 401, the secret key was refused
    │   ├── NotFound              404, no such object
    │   ├── BadRequest            other 4xx (failed_refund, invalid_charge, ...)
    │   ├── RateLimited           429, too many requests
    │   └── ServerError           5xx, with or without an error object
    ├── ApiOffline                no connection could be made (DNS, refused)
    ├── ApiTimeout                connecting or waiting for the answer took too long
    ├── ConnectionLost            the connection dropped in the middle of a call
    └── InvalidResponse           an answer that is not the JSON object expected

Every class has ``ambiguous``: True when a write may have taken effect even
though the call failed (the request left this machine and no clear answer
came back). The operations journal reads the target back before it resends
such a write. Every class also has ``user_message()``: one plain English
sentence that says what failed and what to do next.

No message built here contains the secret key: the client never passes it in.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """Base class of every error the Opn API client raises."""

    ambiguous: bool = False

    def user_message(self) -> str:
        return "The request to Opn failed. Please try again."


class InsecureBaseUrl(ApiError, ValueError):
    """A base URL that would send the secret key unencrypted over a network.

    Plain ``http`` is only allowed to a loopback host (the local sandbox).
    """

    def __init__(self, base_url: str) -> None:
        super().__init__(f"refusing a non-https base URL: {base_url}")
        self.base_url = base_url

    def user_message(self) -> str:
        return (
            f"The server address {self.base_url} is not secure. "
            "Use an https:// address, or http:// only for this computer."
        )


class OpnError(ApiError):
    """The API answered with an error object (or an error status).

    Attributes:
        code: Opn's error code, e.g. ``failed_refund``. When the answer had no
            error object, a stand-in derived from the HTTP status.
        message: Opn's message, in English, meant for developers.
        http_status: the HTTP status code of the answer.
        location: the documentation link Opn gave, or None.
        request_id: the ``X-Request-Id`` response header, for support.
    """

    def __init__(
        self,
        code: str,
        message: str,
        http_status: int,
        location: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(f"HTTP {http_status} {code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status
        self.location = location
        self.request_id = request_id

    def user_message(self) -> str:
        return (
            f"Opn refused the request ({self.code}: {self.message}). "
            "Check the details and try again."
        )


class AuthenticationFailure(OpnError):
    """The secret key was refused (HTTP 401)."""

    def user_message(self) -> str:
        return (
            "Opn did not accept the secret key. Enter the key again "
            "from the Opn dashboard (Keys page) in the profile settings."
        )


class NotFound(OpnError):
    """The object asked for does not exist in this account and mode (404)."""

    def user_message(self) -> str:
        return (
            f"Opn could not find it ({self.message}). Check the id, and that "
            "the profile uses the right account and test or live mode."
        )


class BadRequest(OpnError):
    """Opn refused the request as invalid (400 and other 4xx).

    ``code`` says why: ``failed_refund``, ``failed_capture``,
    ``invalid_charge``, ``bad_request`` and so on.
    """

    def user_message(self) -> str:
        return f"Opn refused the request: {self.message}. Correct it and try again."


class RateLimited(OpnError):
    """Too many requests in a short time (429).

    ``retry_after_s`` is the server's ``Retry-After`` in seconds, when given.
    """

    retry_after_s: float | None = None

    def user_message(self) -> str:
        return "Opn is receiving too many requests. Wait a minute and try again."


class ServerError(OpnError):
    """Opn failed on its side (5xx). A write may or may not have happened."""

    ambiguous = True

    def user_message(self) -> str:
        return (
            "Opn had a problem on its side and the outcome is unknown. "
            "opn-desk will check the result before trying again."
        )


class ApiOffline(ApiError):
    """No connection to the API could be made; nothing was sent."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"could not connect to {host}: {reason}")
        self.host = host

    def user_message(self) -> str:
        return (
            f"Could not reach {self.host}. Check the internet connection and try again."
        )


class ApiTimeout(ApiError):
    """The API did not answer in time.

    ``ambiguous`` is False when the timeout struck while connecting (nothing
    was sent) and True when it struck after the request was sent.
    """

    def __init__(self, host: str, phase: str, *, ambiguous: bool) -> None:
        super().__init__(f"{host} did not answer in time ({phase})")
        self.host = host
        self.phase = phase
        self.ambiguous = ambiguous

    def user_message(self) -> str:
        if self.ambiguous:
            return (
                f"The server {self.host} did not answer in time, so the "
                "outcome is unknown. opn-desk will check the result before "
                "trying again."
            )
        return (
            f"The server {self.host} did not answer in time. Check the "
            "internet connection and try again."
        )


class ConnectionLost(ApiError):
    """The connection dropped after the request was sent; outcome unknown."""

    ambiguous = True

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"connection to {host} was lost: {reason}")
        self.host = host

    def user_message(self) -> str:
        return (
            f"The connection to {self.host} was lost before an answer came, "
            "so the outcome is unknown. opn-desk will check the result "
            "before trying again."
        )


class InvalidResponse(ApiError):
    """An answer that is not the JSON object the client expected.

    Raised for a success status whose body is not JSON, and by the
    ``parse_*`` functions for an object they cannot read (a missing id, an
    amount that is not an integer). Ambiguous: the server did answer, so a
    write it acknowledged has taken effect.
    """

    ambiguous = True

    def user_message(self) -> str:
        return (
            "Opn sent an answer opn-desk cannot read. Try again later; "
            "if it keeps happening, send the log to support."
        )


def error_from_response(
    http_status: int,
    body: Any,
    request_id: str | None = None,
) -> OpnError:
    """The exception for an error answer: an Opn error object and its status.

    ``body`` is the decoded JSON, or anything else when the body was not an
    error object (a proxy's HTML page, say); the class then follows the
    status alone.
    """
    if _is_error_object(body):
        code = str(body["code"])
        message = str(body.get("message") or code)
        location = body.get("location")
        location = location if isinstance(location, str) else None
    else:
        code = _stand_in_code(http_status)
        message = f"HTTP {http_status} without an Opn error object"
        location = None
    cls = _error_class(http_status, code)
    return cls(code, message, http_status, location, request_id)


def _is_error_object(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and body.get("object") == "error"
        and isinstance(body.get("code"), str)
    )


def _error_class(http_status: int, code: str) -> type[OpnError]:
    if http_status >= 500:
        return ServerError
    if http_status == 401 or code == "authentication_failure":
        return AuthenticationFailure
    if http_status == 404 or code == "not_found":
        return NotFound
    if http_status == 429:
        return RateLimited
    return BadRequest


def _stand_in_code(http_status: int) -> str:
    known = {
        400: "bad_request",
        401: "authentication_failure",
        404: "not_found",
        429: "too_many_requests",
    }
    if http_status in known:
        return known[http_status]
    return "server_error" if http_status >= 500 else f"http_{http_status}"
