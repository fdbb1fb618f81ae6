"""Test set-up shared by every test: headless Qt, an isolated home, the sandbox."""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from opn_desk.views.tasks import TaskRunner

# Qt reads these when the first QGuiApplication is built; pytest-qt builds it
# lazily, after conftest has been imported.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["LANG"] = "en_US.UTF-8"

# Helpers that judge with plain asserts get pytest's detailed messages too.
pytest.register_assert_rewrite("cache_comparison")

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """A test that runs the app's entry point in-process configures logging;
    its handlers go with the test, before their streams are closed."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


@pytest.fixture(autouse=True)
def _source_language_restored() -> Iterator[None]:
    """A test that starts the app or saves settings installs a catalog;
    the next test sees the source English again, as it expects."""
    yield
    from PySide6.QtCore import QCoreApplication

    from opn_desk import i18n

    app = QCoreApplication.instance()
    if app is not None:
        i18n.set_buddhist_era(False)
        i18n.clear_language(app)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The project's shared references (API notes and recorded responses)."""
    if not (SHARED_DIR / "fixtures" / "opn-sdk").is_dir():
        pytest.fail(f"shared references not found at {SHARED_DIR}")
    return SHARED_DIR


@pytest.fixture(scope="session")
def fixtures_dir(shared_dir: Path) -> Path:
    return shared_dir / "fixtures" / "opn-sdk"


@pytest.fixture
def opn_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty opn-desk home folder (settings, caches, logs) for one test."""
    home = tmp_path / "opn-home"
    monkeypatch.setenv("OPN_DESK_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def sandbox_state_small():  # type: ignore[no-untyped-def]
    from opn_desk.sandbox import SandboxState

    return SandboxState.seeded(charges=600, seed=11)


@pytest.fixture(scope="session")
def sandbox(sandbox_state_small) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A seeded sandbox serving over loopback HTTP for the whole session.

    Tests that change its state must use ``fresh_sandbox`` instead.
    """
    from opn_desk.sandbox import SandboxServer

    with SandboxServer(sandbox_state_small, host="127.0.0.1", port=0) as server:
        yield server


@pytest.fixture
def fresh_sandbox() -> Iterator[object]:
    """A seeded sandbox of its own for one test."""
    from opn_desk.sandbox import SandboxServer, SandboxState

    state = SandboxState.seeded(charges=300, seed=5)
    with SandboxServer(state, host="127.0.0.1", port=0) as server:
        yield server


@pytest.fixture
def kept() -> Iterator[list[object]]:
    """Widgets and models of a test, released only once the runner stopped.

    A finished task's future holds its callbacks, and so their widget,
    until the worker thread lets go of it. Were that the last reference,
    the widget would be destroyed on the worker thread, which crashes Qt.
    """
    objects: list[object] = []
    yield objects
    objects.clear()


@pytest.fixture
def runner(qapp: Any, kept: list[object]) -> Iterator[TaskRunner]:
    """The app's worker threads, stopped before ``kept`` lets go."""
    from opn_desk.views.tasks import TaskRunner

    runner = TaskRunner()
    yield runner
    runner.shutdown(wait=True)


@pytest.fixture
def make_charge(fresh_sandbox: Any) -> Callable[..., dict[str, Any]]:
    """Makes a card charge on ``fresh_sandbox`` through its API, as a
    checkout would: ฿1,000.00 on a Visa card unless ``fields`` say more."""
    import httpx

    from opn_desk.sandbox import SANDBOX_PUBLIC_KEY

    card = {
        "name": "SOMSRI JAIDEE",
        "number": "4242424242424242",
        "expiration_month": 12,
        "expiration_year": 2031,
        "security_code": "123",
    }

    def make(**fields: Any) -> dict[str, Any]:
        base = fresh_sandbox.base_url
        token = httpx.post(
            f"{base}/tokens", auth=(SANDBOX_PUBLIC_KEY, ""), json={"card": card}
        ).json()["id"]
        body = {"amount": 100000, "currency": "THB", "card": token, **fields}
        reply = httpx.post(
            f"{base}/charges", auth=(fresh_sandbox.secret_key, ""), json=body
        )
        assert reply.status_code == 200, reply.text
        charge: dict[str, Any] = reply.json()
        return charge

    return make


@pytest.fixture
def memory_keyring() -> Iterator[dict[tuple[str, str], str]]:
    """A keyring that keeps passwords in this process only.

    A headless CI machine has no OS keyring, and a test must never write
    into a developer's real one.
    """
    import keyring
    import keyring.backend
    import keyring.errors

    class Backend(keyring.backend.KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.passwords: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.passwords.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.passwords[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            if self.passwords.pop((service, username), None) is None:
                raise keyring.errors.PasswordDeleteError(username)

    previous = keyring.get_keyring()
    backend = Backend()
    keyring.set_keyring(backend)
    try:
        yield backend.passwords
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


PG_URL_ENV = "OPN_DESK_TEST_PG_URL"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = os.environ.get(PG_URL_ENV)
    if not admin_url:
        how = (
            "PostgreSQL tests need a server: run `sudo scripts/test-postgres` "
            f"and export {PG_URL_ENV} set to the URL it prints."
        )
        if os.environ.get("CI"):
            pytest.fail(how)
        pytest.skip(how)

    name = f"opndesk_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(False)
    finally:
        _drop_database(admin, name)
        admin.dispose()


def _drop_database(admin: Any, name: str) -> None:
    """Drop a test database once our own sessions on it are gone.

    ``WITH (FORCE)`` would also try to end the server's own workers on it
    (autovacuum), which a non-superuser may not; a plain DROP lets the
    server stop those itself. A database that stays busy is left behind
    (it has a unique name) rather than failing the test that used it.
    """
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    for _attempt in range(10):
        try:
            with admin.connect() as connection:
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid() "
                        "AND usename = current_user"
                    ),
                    {"name": name},
                )
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            return
        except DBAPIError:
            time.sleep(0.3)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def cache_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A cache database URL: a SQLite file, then a PostgreSQL database."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("pg_url")
        return url
    return f"sqlite:///{tmp_path / 'cache.db'}"
