"""CSV export and the `deskbot advise|proposals` commands."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from bot.cli import main
from bot.config import get_settings
from bot.fiscal import load_calendar
from bot.proposals import status as st
from bot.proposals.advice import fy_name, month_name
from bot.proposals.export import to_csv
from bot.proposals.service import add_note, all_proposals, assign_department, change_status
from proposals.helpers import COMPANY_B, STAFF


def test_csv_has_every_proposal_with_history_and_is_safe_for_excel(db_engine, submit_as):
    a = submit_as(summary="改行を含む\n概要, カンマも").proposal.ref
    b = submit_as(COMPANY_B, organisation="=HYPERLINK(\"http://evil\")", title="+1").proposal.ref
    change_status(db_engine, a, st.REVIEWING, STAFF, comment="初回面談済み")
    assign_department(db_engine, a, "公園緑地課", STAFF)
    add_note(db_engine, a, "内部メモ", STAFF)
    text = to_csv(all_proposals(db_engine))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "受付番号" and len(rows) == 3
    ra, rb = rows[1], rows[2]
    assert (ra[0], ra[3], ra[5]) == (a, "検討中", "公園緑地課")
    assert ra[10] == "改行を含む\n概要, カンマも"                     # quoted, round-trips
    assert "受付" in ra[-1] and "検討中" in ra[-1] and "初回面談済み" in ra[-1] and "担当課: 公園緑地課" in ra[-1]
    assert "内部メモ" not in text                                      # notes only when asked
    assert rb[0] == b and rb[6].startswith("'=") and rb[9] == "'+1"    # no formula runs in Excel
    with_notes = list(csv.reader(io.StringIO(to_csv(all_proposals(db_engine), include_notes=True, header="en"))))
    assert with_notes[0][-1] == "notes" and "内部メモ" in with_notes[1][-1]


@pytest.fixture
def cli_db(db_engine, monkeypatch):
    """Point the CLI's settings at the test database."""
    monkeypatch.setenv("DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    from bot import db as dbmod
    dbmod._engines[db_engine.url.render_as_string(hide_password=False)] = db_engine   # same schema on PostgreSQL
    yield db_engine
    dbmod._engines.pop(db_engine.url.render_as_string(hide_password=False), None)
    get_settings.cache_clear()


def test_cli_export_to_file_with_bom(cli_db, submit_as, tmp_path, capsys):
    ref = submit_as().proposal.ref
    out = tmp_path / "proposals.csv"
    assert main(["proposals", "export", "--format", "csv", "--output", str(out)]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [ref]
    assert "1 proposal(s)" in capsys.readouterr().err


def test_cli_list_by_status(cli_db, submit_as, capsys):
    a = submit_as().proposal.ref
    b = submit_as(COMPANY_B).proposal.ref
    change_status(cli_db, b, st.REVIEWING, STAFF)
    assert main(["proposals", "list", "--status", "検討中"]) == 0
    out = capsys.readouterr().out
    assert b in out and a not in out
    assert main(["proposals", "list", "--status", "nonsense"]) == 2


@pytest.mark.parametrize("d, budget_fy", [("2027-03-31", 2028), ("2027-04-01", 2028),
                                          ("2026-08-31", 2027), ("2026-09-01", 2028)])
def test_cli_advise(d, budget_fy, capsys):
    cal = load_calendar(get_settings().knowledge_dir)
    assert cal.budget_year_reachable(date.fromisoformat(d)) == budget_fy
    request = next(m for m in cal.milestones_for(budget_fy - 1) if m.id == "budget-request")
    for lang in ("ja", "en"):
        assert main(["advise", "--date", d, "--needs-budget", "yes", "--lang", lang]) == 0
        out = capsys.readouterr().out
        assert fy_name(budget_fy, lang) in out and month_name(request.start, lang) in out
