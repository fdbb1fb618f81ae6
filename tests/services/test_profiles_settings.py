"""Profile settings on disk, their checks, and the database check."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from opn_desk.models.db import open_engine
from opn_desk.services.profiles import (
    Profile,
    ProfileBook,
    activate_profile,
    load_profiles,
    profiles_file,
    save_profile,
    save_profiles,
)
from opn_desk.services.settings import (
    BAD_CLERK,
    BAD_DATABASE_URL,
    BAD_DEADLINE_DAYS,
    BAD_SYNC_INTERVAL,
    BAD_TIMEZONE,
    DATABASE_TOO_NEW,
    DATABASE_UNREACHABLE,
    UNSUPPORTED_DATABASE,
    DatabaseRefused,
    ProfileSettings,
    buddhist_era_shown,
    check_database,
    chosen_language,
    database_url_of,
    save_display,
    settings_problems,
)

SHOP = Profile(name="Siam shop", mode="live", clerk="Somchai")


def valid() -> ProfileSettings:
    return ProfileSettings.of(SHOP)


def test_profile_settings_survive_a_save_and_a_load(opn_home: Path) -> None:
    tuned = replace(SHOP, sync_interval_min=30, dispute_deadline_days=10)
    save_profiles(ProfileBook(profiles=[tuned], active=tuned.name))

    book = load_profiles()

    assert book is not None and book.get("Siam shop") == tuned
    assert book.get("Siam shop").is_live  # type: ignore[union-attr]


def test_a_book_written_before_these_settings_loads_with_defaults(
    opn_home: Path,
) -> None:
    profiles_file().parent.mkdir(parents=True)
    old = {"active": "Old", "profiles": [{"name": "Old", "mode": "test"}]}
    profiles_file().write_text(json.dumps(old), encoding="utf-8")

    profile = load_profiles().get("Old")  # type: ignore[union-attr]

    assert profile is not None
    assert (profile.sync_interval_min, profile.dispute_deadline_days) == (5, 7)


def test_saving_one_profile_keeps_the_others_and_their_order(opn_home: Path) -> None:
    first, second = Profile("A", "test"), Profile("B", "test")
    save_profiles(ProfileBook(profiles=[first, second], active="B"))

    save_profile(replace(first, clerk="Malee"))
    activate_profile("A")

    book = load_profiles()
    assert book is not None
    assert [p.name for p in book.profiles] == ["A", "B"]
    assert book.get("A").clerk == "Malee"  # type: ignore[union-attr]
    assert book.active == "A"


def test_a_profile_not_in_the_book_is_added_and_becomes_active(
    opn_home: Path,
) -> None:
    save_profile(SHOP)
    book = load_profiles()
    assert book is not None and book.active == SHOP.name


def test_valid_settings_have_no_problems() -> None:
    assert settings_problems(valid()) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"timezone": "Asia/Bangkk"}, BAD_TIMEZONE),
        ({"timezone": "../etc/passwd"}, BAD_TIMEZONE),
        ({"timezone": ""}, BAD_TIMEZONE),
        ({"sync_interval_min": 0}, BAD_SYNC_INTERVAL),
        ({"sync_interval_min": 1441}, BAD_SYNC_INTERVAL),
        ({"dispute_deadline_days": 0}, BAD_DEADLINE_DAYS),
        ({"dispute_deadline_days": 61}, BAD_DEADLINE_DAYS),
        ({"clerk": "x" * 81}, BAD_CLERK),
        ({"clerk": "Somchai\nJaidee"}, BAD_CLERK),
    ],
)
def test_each_bad_value_is_named(change: dict[str, object], problem: str) -> None:
    assert settings_problems(replace(valid(), **change)) == [problem]  # type: ignore[arg-type]


def test_display_settings_round_trip(opn_home: Path) -> None:
    assert (chosen_language(), buddhist_era_shown()) == (None, False)
    save_display("th", True)
    assert (chosen_language(), buddhist_era_shown()) == ("th", True)
    save_display(None, False)
    assert (chosen_language(), buddhist_era_shown()) == (None, False)
    with pytest.raises(ValueError):
        save_display("fr", False)


def test_a_bare_postgresql_scheme_gets_the_installed_driver() -> None:
    assert database_url_of(" postgresql://u:p@h/db ") == "postgresql+psycopg://u:p@h/db"
    assert database_url_of("postgres://u@h/db") == "postgresql+psycopg://u@h/db"


def test_a_new_sqlite_file_is_migrated_to_the_newest_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'cache.db'}"
    revision = check_database(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT version_num FROM alembic_version"))
        assert kept.scalar_one() == revision
    engine.dispose()


def test_a_database_from_a_newer_app_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    open_engine(url).dispose()
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()

    with pytest.raises(DatabaseRefused) as refused:
        check_database(url)
    assert refused.value.reason == DATABASE_TOO_NEW


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("not a url", BAD_DATABASE_URL),
        ("sqlite://", BAD_DATABASE_URL),
        ("mysql://shop@127.0.0.1/cache", UNSUPPORTED_DATABASE),
        ("postgresql+psycopg://shop:pw@127.0.0.1:9/cache", DATABASE_UNREACHABLE),
    ],
)
def test_an_unusable_database_is_refused(url: str, reason: str) -> None:
    with pytest.raises(DatabaseRefused) as refused:
        check_database(url)
    assert refused.value.reason == reason
    assert "pw" not in refused.value.detail


@pytest.mark.postgres
def test_an_empty_postgresql_database_is_migrated(pg_url: str, tmp_path: Path) -> None:
    newest = check_database(f"sqlite:///{tmp_path / 'cache.db'}")
    assert check_database(pg_url) == newest
    assert check_database(pg_url) == newest  # a second check changes nothing
    engine = create_engine(pg_url)
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT version_num FROM alembic_version"))
        assert kept.scalar_one() == newest
    engine.dispose()
