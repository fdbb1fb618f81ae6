"""The API's error object and the HTTP status that goes with each code."""

from __future__ import annotations

import json

ERRORS_PAGE = "https://docs.omise.co/api/errors"


class ApiError(Exception):
    """An error the sandbox answers with, as the Opn API would."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    @classmethod
    def bad_request(cls, message: str) -> ApiError:
        return cls(400, "bad_request", message)

    @classmethod
    def not_found(cls, kind: str, object_id: str) -> ApiError:
        return cls(404, "not_found", f"{kind} {object_id} was not found")

    @classmethod
    def authentication_failure(cls) -> ApiError:
        return cls(401, "authentication_failure", "authentication failed")

    def body(self) -> bytes:
        """The error object, encoded."""
        anchor = self.code.replace("_", "-")
        error = {
            "object": "error",
            "location": f"{ERRORS_PAGE}#{anchor}",
            "code": self.code,
            "message": self.message,
        }
        return json.dumps(error, separators=(",", ":")).encode()
