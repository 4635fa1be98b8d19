"""Operator mistakes end in one clear line on stderr and a non-zero exit, never a traceback
(bot/preflight.py, bot/cli.py): the command run in this process (`cli`, tests/conftest.py), and
a real process where the subject is a process that must not start, or its signals."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest

from bot.config import ROOT


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


DOWN_PG = f"postgresql://deskbot@127.0.0.1:{_closed_port()}/deskbot"


def run(args, tmp_path, timeout=120, **env):
    """The real `deskbot ARGS` process."""
    base = {k: v for k, v in os.environ.items()
            if k not in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "CALENDAR_FILE", "LOG_LEVEL")}
    base["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    base.update(env)
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, encoding="utf-8",
                          env=base, cwd=tmp_path, timeout=timeout)


def one_line(p, *expected: str) -> str:
    """The process failed with exactly one stderr line that mentions every `expected` text."""
    assert p.returncode != 0, (p.stdout, p.stderr)
    assert "Traceback" not in p.stderr, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("url,expected", [
    (DOWN_PG, "cannot connect"),                         # unreachable
    ("postgress://deskbot@localhost/deskbot", "unknown database 'postgress'"),   # mistyped scheme
    ("localhost:5432/deskbot", "is not a database URL"),                          # not a URL
], ids=["unreachable", "mistyped-scheme", "not-a-url"])   # stable ids: the closed port differs per process
@pytest.mark.parametrize("command", [["proposals", "list"], ["reminders", "history"], ["kb", "gaps"], ["db", "upgrade"]])
def test_a_bad_database_url_is_one_line(cli, url, expected, command):
    line = one_line(cli(*command, DATABASE_URL=url), "DATABASE_URL", expected)
    assert line.startswith("deskbot: ")


def test_a_database_password_is_not_shown(tmp_path):
    url = DOWN_PG.replace("deskbot@", "deskbot:s3cret-pw@")
    line = one_line(run(["proposals", "list"], tmp_path, DATABASE_URL=url), "DATABASE_URL")   # the real process
    assert "s3cret-pw" not in line and "***" in line


@pytest.mark.parametrize("url", [DOWN_PG, "postgress://x@localhost/y"], ids=["unreachable", "mistyped-scheme"])
def test_ask_answers_without_a_database_and_says_the_question_was_not_logged(cli, url):
    p = cli("ask", "PFIとは", DATABASE_URL=url)
    assert p.returncode == 0, p.stderr
    assert "PFI" in p.stdout
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "could not be logged" in lines[0] and "DATABASE_URL" in lines[0], p.stderr


def test_a_sqlite_file_in_a_missing_folder_is_refused(tmp_path, cli):
    url = f"sqlite:///{tmp_path / 'no-such-dir' / 'deskbot.sqlite3'}"
    one_line(cli("proposals", "list", DATABASE_URL=url), "does not exist", str(tmp_path / "no-such-dir"))
    assert not (tmp_path / "no-such-dir").exists()


def test_the_default_var_folder_is_created(tmp_path, monkeypatch):
    import bot.config
    from bot.preflight import database_problem

    monkeypatch.setattr(bot.config, "ROOT", tmp_path)
    assert database_problem(f"sqlite:///{tmp_path / 'var' / 'deskbot.sqlite3'}") is None
    assert (tmp_path / "var").is_dir()
    assert database_problem(f"sqlite:///{tmp_path / 'vra' / 'deskbot.sqlite3'}") is not None


@pytest.mark.parametrize("env,expected", [
    ({"LOG_LEVEL": "verbose"}, ["LOG_LEVEL='verbose'", "DEBUG, INFO"]),
    ({"PORT": "abc"}, ["PORT='abc'", "integer"]),
    ({"PORT": "70000"}, ["PORT='70000'", "65535"]),
    ({"DB_ANSWER_TIMEOUT": "2s"}, ["DB_ANSWER_TIMEOUT='2s'", "number"]),
    ({"DB_CONNECT_TIMEOUT": "1"}, ["DB_CONNECT_TIMEOUT='1'", "from 2 to 600"]),
])
def test_bad_settings_are_one_line(cli, env, expected):
    one_line(cli("kb", "list", **env), *expected)


@pytest.mark.parametrize("args,expected", [
    (["advise", "--date", "9999-12-31"], ["--date", "9999-12-31", "out of range"]),
    (["advise", "--date", "2026-13-01"], ["--date", "YYYY-MM-DD"]),
    (["reminders", "preview", "--fiscal-year", "99999"], ["--fiscal-year", "99999", "out of range"]),
    (["clock", "--interval", "-1"], ["--interval", "positive"]),
    (["clock", "--interval", "0"], ["--interval", "positive"]),
    (["proposals", "export", "-o", "missing/dir/x.csv"], ["--output", "missing/dir", "does not exist"]),
])
def test_bad_values_are_one_line(tmp_path, cli, args, expected):
    one_line(cli(*args), *expected)
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("command", [["run"], ["clock"], ["serve"], ["reminders", "preview"], ["reminders", "history"]])
def test_a_broken_calendar_stops_the_processes_before_they_start(tmp_path, cli, command):
    broken = tmp_path / "calendar.yaml"
    broken.write_text("milestones: [unclosed\n", encoding="utf-8")
    env = dict(CALENDAR_FILE=str(broken), SLACK_BOT_TOKEN="xoxb-test",
               SLACK_SIGNING_SECRET="s" if command == ["serve"] else "")
    if command[0] == "reminders":
        p = cli(*command, **env)
    else:                                    # a process that must not start: the real one
        p = run(command, tmp_path, timeout=60, **env)
    one_line(p, "calendar", str(broken), "kb check")


def test_an_invalid_slack_token_is_one_line(tmp_path):
    from slack_stub import SlackStub

    stub = SlackStub().start()
    try:
        stub.fail_next(5, error="invalid_auth", method="auth.test")
        p = run(["serve", "--port", "0"], tmp_path, timeout=60, SLACK_BOT_TOKEN="xoxb-wrong",
                SLACK_SIGNING_SECRET="secret", SLACK_API_URL=stub.api_url)
    finally:
        stub.stop()
    one_line(p, "SLACK_BOT_TOKEN", "invalid_auth", "xoxb-")
    assert "xoxb-wrong" not in p.stderr


def test_sigterm_stops_the_clock(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", LOG_LEVEL="INFO")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "clock", "--interval", "3600"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in proc.stdout:                     # until the signal handler is in place
            if "clock: reminders every" in line:
                break
        assert proc.poll() is None                   # (SIGTERM before or after start() both stop it)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()


def test_the_procfile_runs_migrations_before_web_and_clock():
    lines = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if ":" in line)
    assert lines["release"].strip() == "deskbot db upgrade"
    assert lines["web"].strip() == "deskbot serve" and lines["clock"].strip() == "deskbot clock"
