"""Object ids shaped like the Opn API's: ``chrg_test_`` + 19 base36 chars."""

from __future__ import annotations

import random

_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
# Maps each byte to a base36 character (256 = 7 * 36 + 4: a slight skew
# towards 0-3, harmless for ids).
_BYTE_TO_BASE36 = bytes(ord(_BASE36[value % 36]) for value in range(256))
ID_BODY_LENGTH = 19


def new_id(prefix: str, rng: random.Random, *, test_mode: bool = True) -> str:
    """A fresh id such as ``chrg_test_5fzo4pkp8zb8u8mqrcd`` drawn from ``rng``."""
    mode = "_test" if test_mode else ""
    return f"{prefix}{mode}_{new_base36(rng, ID_BODY_LENGTH)}"


def new_base36(rng: random.Random, length: int) -> str:
    """``length`` random lowercase base36 characters."""
    return rng.randbytes(length).translate(_BYTE_TO_BASE36).decode("ascii")
