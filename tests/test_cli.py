"""`deskbot ask` as the scorer and a person use it: the real command (`bot.cli.main`, in this
process: `cli` in tests/conftest.py), a real SQLite file. The process itself, with a strict
locale, is tests/test_cli_stdin.py."""
from __future__ import annotations

import json


def test_ask_json_reads_one_question_per_line(cli):
    qs = ["PFIとは何ですか", "", "今日の天気は?", "What are naming rights?", "x" * 5000]
    p = cli("ask", "--json", "-", stdin="\n".join(qs) + "\n")
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


def test_ask_prints_answer_source_and_related(cli):
    p = cli("ask", "ネーミングライツとは")
    assert p.returncode == 0
    assert "ネーミングライツ" in p.stdout and "出典" in p.stdout and "関連" in p.stdout


def test_gaps_after_questions(cli):
    cli("ask", "--json", "-", stdin="宇宙エレベーターの誘致\n宇宙エレベーターの誘致\nPFIとは\n")
    p = cli("kb", "gaps")
    assert p.returncode == 0 and "2×" in p.stdout and "宇宙エレベーターの誘致" in p.stdout


def test_explain_shows_the_intent_step_the_engine_takes(cli):
    # --explain follows the engine: the fitted intent classifier decides first, not the older gate.
    p = cli("ask", "--explain", "提案したい")
    assert p.returncode == 0, p.stderr
    assert "intent classifier: propose" in p.stderr and "→ intent: propose" in p.stderr
    p = cli("ask", "--explain", "PFIとは何ですか")
    assert "→ answer:" in p.stderr and "→ intent" not in p.stderr
