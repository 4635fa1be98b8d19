"""`deskbot ask --json -` reads stdin as UTF-8 with replacement: invalid bytes, under a strict
ASCII locale, do not stop the run (a real subprocess)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from bot.config import ROOT


def test_invalid_utf8_on_stdin_under_a_strict_locale(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "PYTHONIOENCODING", "PYTHONUTF8"))}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "LC_ALL": "C", "PYTHONUTF8": "0"}
    stdin = "PFIとは\n".encode() + b"\xff\xfe\xe3\x81\n" + "ネーミングライツとは\n".encode()
    p = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "-"], input=stdin, capture_output=True,
                       env=env, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr.decode("utf-8", "replace")
    lines = [json.loads(line) for line in p.stdout.decode("utf-8").splitlines()]
    assert len(lines) == 3 and lines[0]["entry_id"] == "pfi" and lines[2]["entry_id"] == "naming-rights"
