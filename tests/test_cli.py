"""`deskbot ask` as the scorer and a person use it: a real subprocess, a real SQLite file."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from bot.config import ROOT


def run(args, tmp_path, stdin=None):
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True,
                          text=True, encoding="utf-8", env=env, cwd=ROOT, timeout=120)


def test_ask_json_reads_one_question_per_line(tmp_path):
    qs = ["PFIとは何ですか", "", "今日の天気は?", "What are naming rights?", "x" * 5000]
    p = run(["ask", "--json", "-"], tmp_path, stdin="\n".join(qs) + "\n")
    assert p.returncode == 0, p.stderr
    lines = [json.loads(l) for l in p.stdout.splitlines()]
    assert len(lines) == len(qs)
    for line in lines:
        assert set(line) >= {"answered", "entry_id", "title", "answer", "score", "suggestions"}
        assert isinstance(line["score"], float) and line["answer"]
    pfi, empty, weather, naming, huge = lines
    assert pfi["answered"] and pfi["entry_id"] == "pfi" and "PFI" in pfi["answer"]
    assert not empty["answered"] and not weather["answered"] and not huge["answered"]
    assert weather["entry_id"] is None and weather["title"] is None
    assert naming["answered"] and naming["entry_id"] == "naming-rights" and naming["lang"] == "en"


def test_ask_prints_answer_source_and_related(tmp_path):
    p = run(["ask", "ネーミングライツとは"], tmp_path)
    assert p.returncode == 0
    assert "ネーミングライツ" in p.stdout and "出典" in p.stdout and "関連" in p.stdout


def test_gaps_after_questions(tmp_path):
    run(["ask", "--json", "-"], tmp_path, stdin="宇宙エレベーターの誘致\n宇宙エレベーターの誘致\nPFIとは\n")
    p = run(["kb", "gaps"], tmp_path)
    assert p.returncode == 0 and "2×" in p.stdout and "宇宙エレベーターの誘致" in p.stdout
