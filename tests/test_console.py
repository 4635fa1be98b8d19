"""The local console (bot/console.py) driven line by line: the Slack sub-commands, the proposal
form storing a real proposal, hand-offs, help in both languages, the UI language following the user."""
from __future__ import annotations

import io
from datetime import date

import pytest
from sqlmodel import Session, select

from bot.config import get_settings
from bot.console import Console
from bot.i18n import t
from bot.engine import Desk
from bot.render import render_text


def console(kb, engine, lines: list[str], **kw) -> str:
    out = io.StringIO()
    desk = Desk(kb, engine=engine) if engine is not None else Desk(kb, engine=None)
    Console(desk, render_text, stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out, **kw).run()
    return out.getvalue()


def test_the_form_stores_a_real_proposal_asking_again_for_a_bad_field(kb, db_engine):
    from bot.proposals.models import OutboxMessage, Proposal

    lines = ["propose", "株式会社コンソール", "佐藤 一郎", "not-an-email", "公園のベンチにQRコード",
             "公園のベンチに案内QRを付けて利用者の声を集めます。", "2", "2",
             "sato@example.co.jp", "quit"]
    out = console(kb, db_engine, lines, today=date(2026, 6, 1))
    assert "メールアドレスの形式になっていません" in out          # asked again, then accepted
    with Session(db_engine) as s:
        [p] = s.exec(select(Proposal)).all()
        staff = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "staff_new")).all()
    assert (p.organisation, p.email, p.method, p.needs_budget) == ("株式会社コンソール", "sato@example.co.jp", "pilot", "no")
    assert p.ref in out and len(staff) == 1


def test_cancelling_the_form_stores_nothing(kb, db_engine):
    from bot.proposals.models import Proposal

    out = console(kb, db_engine, ["propose", "株式会社X", "cancel", "quit"])
    assert "何も登録していません" in out
    with Session(db_engine) as s:
        assert s.exec(select(Proposal)).all() == []


def test_sub_commands_and_help_in_both_languages(kb, db_engine):
    out = console(kb, db_engine, ["help en", "calendar", "methods", "cases 和光市", "remind on", "remind status", "quit"],
                  today=date(2026, 6, 1))
    assert t("console.help", "ja").splitlines()[0] in out and t("console.help", "en").splitlines()[2] in out
    assert "2026年度の予算スケジュール" in out and "← 今日" in out and "2027年" in out
    assert "ネーミングライツ" in out and "和光市" in out
    assert "リマインダーを登録しました" in out and "/desk" not in out


def test_the_ui_follows_the_language_asked_in(kb):
    out = console(kb, None, ["What is PFI?", "help", "calendar", "quit"], today=date(2026, 6, 1))
    assert t("console.help", "en").splitlines()[0] in out
    assert "Budget calendar, fiscal year 2026" in out


def test_staff_records_a_handoff_once_and_handoffs_lists_it(kb, db_engine):
    from bot import handoffs as H

    out = console(kb, db_engine, ["宇宙エレベーターの誘致について", "staff", "staff", "handoffs", "quit"])
    [h] = H.list_open(db_engine)
    assert h.surface == "console" and "宇宙エレベーター" in h.question
    assert f"取り次ぎ #{h.id}" in out and "すでに取り次いであります" in out
    assert f"#{h.id} [未対応]" in out


def test_a_number_opens_a_listed_entry(kb):
    from bot import conversation as C

    desk = Desk(kb, engine=None)
    first = C.cases(desk, "和光市", "ja", desk.analyse("和光市")).items[0]
    out = console(kb, None, ["cases 和光市", "1", "quit"])
    assert f"■ {kb.entries[first.entry_id].title.ja}" in out


def test_chat_keeps_log_lines_off_the_prompt_in_a_file_under_var(tmp_path):
    import os
    import subprocess
    import sys

    from bot.config import ROOT

    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "cache").symlink_to(get_settings().cache_dir)   # the session's model cache: no re-encoding
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "CACHE_DIR": str(tmp_path / "var" / "cache"),
                        "LOG_LEVEL": "INFO"}
    p = subprocess.run([sys.executable, "-m", "bot", "chat", "--date", "2026-06-01"], input="PFIとは\nquit\n",
                       capture_output=True, text=True, encoding="utf-8", env=env, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "PFI" in p.stdout and " INFO " not in p.stdout and " INFO " not in p.stderr
    assert " INFO " in (tmp_path / "var" / "console.log").read_text(encoding="utf-8")
