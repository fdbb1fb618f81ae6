"""``opn-desk sandbox`` as a real subprocess: announce, answer, stop cleanly."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from opn_desk.sandbox import SANDBOX_SECRET_KEY, cli
from opn_desk.sandbox.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]
START = "from opn_desk.sandbox.cli import main; raise SystemExit(main())"


@contextmanager
def running_sandbox(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """The CLI in a subprocess, and the base URL from its first stdout line."""
    process = subprocess.Popen(
        [sys.executable, "-c", START, *args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = process.stdout.readline()  # type: ignore[union-attr]
        assert first_line.startswith("listening on http://127.0.0.1:"), first_line
        yield process, first_line.removeprefix("listening on ").strip()
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def _stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=20)
    return process.returncode, stderr


def test_cli_serves_until_sigterm_and_exits_0() -> None:
    with running_sandbox("--port", "0", "--charges", "50") as (process, url):
        with httpx.Client(base_url=url, auth=(SANDBOX_SECRET_KEY, "")) as http:
            listed = http.get("/charges", params={"limit": "100"}).json()
            denied = http.get("/charges", auth=("skey_test_other", ""))
        returncode, stderr = _stop(process)

    assert listed["total"] == 50 and len(listed["data"]) == 50
    assert denied.status_code == 401
    assert returncode == 0
    assert "GET /charges" in stderr
    assert SANDBOX_SECRET_KEY not in stderr
    assert "skey_test_other" not in stderr and "Basic " not in stderr


def test_cli_data_file_is_created_then_reused(tmp_path: Path) -> None:
    data_file = tmp_path / "sandbox.json"
    args = ("--charges", "30", "--seed", "4", "--data-file", str(data_file))
    with running_sandbox(*args) as (process, url):
        first = httpx.get(f"{url}/charges", auth=(SANDBOX_SECRET_KEY, "")).json()
        assert _stop(process)[0] == 0
    assert data_file.exists()

    # A different seed is ignored: the existing file wins.
    reused = ("--charges", "5", "--seed", "99", "--data-file", str(data_file))
    with running_sandbox(*reused) as (process, url):
        second = httpx.get(f"{url}/charges", auth=(SANDBOX_SECRET_KEY, "")).json()
        assert _stop(process)[0] == 0

    assert second["total"] == 30
    assert second["data"] == first["data"]
    assert json.loads(data_file.read_text())["format"] == "opn-desk-sandbox"


def test_cli_serves_the_recorded_fixtures(fixtures_dir: Path) -> None:
    with running_sandbox("--fixtures", str(fixtures_dir)) as (process, url):
        charge = httpx.get(
            f"{url}/charges/chrg_test_63444wyfsg4mtvvck1z",
            auth=(SANDBOX_SECRET_KEY, ""),
        ).json()
        assert _stop(process)[0] == 0

    assert charge["amount"] == 100000 and charge["currency"] == "THB"


def test_cli_sets_the_account_api_version() -> None:
    args = ("--charges", "10", "--api-version", "2017-11-02")
    with running_sandbox(*args) as (process, url):
        auth = (SANDBOX_SECRET_KEY, "")
        plain = httpx.get(f"{url}/account", auth=auth)
        asked = httpx.get(
            f"{url}/account", auth=auth, headers={"Omise-Version": "2019-05-29"}
        )
        assert _stop(process)[0] == 0

    assert plain.headers["Omise-Version"] == "2017-11-02"
    assert plain.json()["api_version"] == "2017-11-02"
    assert "created" in plain.json() and "created_at" in asked.json()


def test_cli_refuses_an_unknown_api_version(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--api-version", "2016-01-01"])

    assert stopped.value.code == 2
    assert "2019-05-29" in capsys.readouterr().err


def test_cli_refuses_a_non_loopback_host(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--host", "0.0.0.0"])

    assert stopped.value.code == 2
    assert "loopback" in capsys.readouterr().err


def test_cli_help_describes_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])

    help_text = capsys.readouterr().out
    for option in ("--host", "--port", "--charges", "--seed", "--data-file"):
        assert option in help_text
    assert "--fixtures" in help_text and "repeatable" in help_text
    assert "--api-version" in help_text and "2017-11-02" in help_text
    for path in ("/__sandbox/clock", "/__sandbox/faults", "/__sandbox/account"):
        assert path in help_text
    for word in ("advance_s", "drop_after", "slow_body", "retry_after_s", "PATCH"):
        assert word in help_text
    # Every setting is named, and the public key's reach is told.
    for setting in ("authorization_window_days", "three_d_secure_enabled"):
        assert setting in help_text
    assert "/__sandbox/disputes/ID/resolve" in help_text
    assert "GET /capability" in help_text


def test_cli_stops_and_saves_when_its_standard_input_closes(tmp_path: Path) -> None:
    """How the app ties its sandbox to its own life, even when killed."""
    data_file = tmp_path / "sandbox.json"
    args = ("--charges", "20", "--data-file", str(data_file), "--stop-with-stdin")
    process = subprocess.Popen(
        [sys.executable, "-c", START, *args],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = process.stdout.readline()  # type: ignore[union-attr]
        url = first_line.removeprefix("listening on ").strip()
        with httpx.Client(base_url=url, auth=(SANDBOX_SECRET_KEY, "")) as http:
            charge_id = http.get("/charges", params={"limit": "1"}).json()["data"][0]
            changed = http.patch(
                f"/charges/{charge_id['id']}", json={"description": "kept on exit"}
            )
        assert changed.status_code == 200

        process.stdin.close()  # type: ignore[union-attr]
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        for stream in (process.stdin, process.stdout, process.stderr):
            stream.close()  # type: ignore[union-attr]

    assert process.returncode == 0
    assert "kept on exit" in data_file.read_text(encoding="utf-8")


def test_a_second_sandbox_on_one_data_file_is_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data_file = tmp_path / "sandbox.json"
    monkeypatch.setattr(cli, "DATA_FILE_WAIT_S", 0.2)
    with running_sandbox("--charges", "10", "--data-file", str(data_file)) as (
        process,
        _url,
    ):
        with pytest.raises(SystemExit) as stopped:
            main(["--charges", "10", "--data-file", str(data_file)])
        assert _stop(process)[0] == 0

    assert stopped.value.code == 2
    assert f"another sandbox is using {data_file}" in capsys.readouterr().err
    # Once the first has stopped, the file is free again.
    with running_sandbox("--data-file", str(data_file)) as (process, _url):
        assert _stop(process)[0] == 0
