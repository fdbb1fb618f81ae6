"""Secret keys go to the keyring and nowhere else; wrong keys are named."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from opn_desk.services.credentials import (
    SERVICE,
    KeyringUnavailable,
    WrongKeyKind,
    delete_secret_key,
    keyring_backend_name,
    load_secret_key,
    secret_key_mode,
    store_secret_key,
)
from opn_desk.services.logs import KeyMaskingFilter, mask_keys
from opn_desk.services.profiles import (
    Profile,
    ProfileBook,
    load_profiles,
    profiles_file,
    save_profiles,
)

KEY = "skey_test_5xyz0123456789abcdefg"


def test_key_is_stored_in_the_keyring_only(
    memory_keyring: dict[tuple[str, str], str], opn_home: Path
) -> None:
    store_secret_key("My shop", KEY)
    book = ProfileBook()
    book.put(Profile(name="My shop", mode="test"))
    save_profiles(book)

    assert memory_keyring == {(SERVICE, "My shop"): KEY}
    assert load_secret_key("My shop") == KEY
    assert KEY not in profiles_file().read_text(encoding="utf-8")

    delete_secret_key("My shop")
    assert load_secret_key("My shop") is None


def test_without_a_keyring_the_key_is_refused_not_stored(
    no_keyring: None, opn_home: Path
) -> None:
    assert keyring_backend_name() is None
    with pytest.raises(KeyringUnavailable):
        store_secret_key("My shop", KEY)
    assert load_secret_key("My shop") is None
    assert not opn_home.exists() or KEY not in _all_text(opn_home)


@pytest.mark.parametrize(
    ("key", "mode"),
    [("skey_test_5abcdefghijk", "test"), ("skey_5abcdefghijklmno", "live")],
)
def test_secret_key_mode(key: str, mode: str) -> None:
    assert secret_key_mode(key) == mode


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("pkey_test_5abcdefghijk", "public_key"),
        ("hello", "not_a_secret_key"),
        ("skey_test_ab cd", "not_a_secret_key"),
        ("", "not_a_secret_key"),
    ],
)
def test_wrong_kinds_of_key_are_named(key: str, reason: str) -> None:
    with pytest.raises(WrongKeyKind) as caught:
        secret_key_mode(key)
    assert caught.value.reason == reason


def test_profiles_round_trip(opn_home: Path) -> None:
    assert load_profiles() is None
    book = ProfileBook()
    book.put(Profile(name="Siam branch", mode="live", timezone="Asia/Bangkok"))
    book.put(Profile(name="Sandbox", mode="sandbox"))
    save_profiles(book)

    loaded = load_profiles()
    assert loaded is not None
    assert loaded.active == "Sandbox"
    assert loaded.get("Siam branch") == Profile(name="Siam branch", mode="live")


def test_log_records_never_carry_a_key(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("opn_desk.test")
    handler_filter = KeyMaskingFilter()
    caplog.handler.addFilter(handler_filter)
    try:
        logger.warning("request with %s failed", KEY)
        try:
            raise ValueError(f"bad key {KEY}")
        except ValueError:
            logger.exception("boom")
    finally:
        caplog.handler.removeFilter(handler_filter)
    assert KEY not in caplog.text
    assert "skey_test_****" in caplog.text
    assert mask_keys(f"x {KEY} y") == "x skey_test_**** y"


def _all_text(folder: Path) -> str:
    return "".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in folder.rglob("*")
        if p.is_file()
    )
