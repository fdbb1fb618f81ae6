"""How the sandbox encodes API objects: compact UTF-8 JSON bytes."""

from __future__ import annotations

import json
from typing import Any

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode(obj: Any) -> bytes:
    """``obj`` as compact JSON, Thai text kept as UTF-8."""
    return _ENCODER.encode(obj).encode()
