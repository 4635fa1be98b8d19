"""The hand-off record (bot/handoffs.py) on SQLite and PostgreSQL, and `deskbot handoffs list`."""
from __future__ import annotations

import threading

import pytest

from bot import handoffs as H
from bot.proposals.staff import Actor, NotStaff



def _create(db, **over):
    kw = dict(question="担当者と話したい", asker="UASK", clicked_by="UCLICK", place="C1", surface="slack-mention",
              lang="ja", answer_seen="", log_id=None)
    kw.update(over)
    return H.create(db.engine, **kw)


def test_one_row_per_question_under_concurrent_creates(db):
    results = []
    threads = [threading.Thread(target=lambda: results.append(_create(db, log_id=77))) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len({h.id for h, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    claims = [H.claim_card(db.engine, results[0][0].id) for _ in range(3)]
    assert claims == [True, False, False]


def test_a_failed_card_can_be_claimed_again(db):
    h, _ = _create(db)
    assert H.claim_card(db.engine, h.id)
    H.card_failed(db.engine, h.id)
    assert H.claim_card(db.engine, h.id)


def test_take_and_close_are_staff_only_and_move_forward(db):
    h, _ = _create(db)
    with pytest.raises(NotStaff):
        H.take(db.engine, h.id, Actor("UNOBODY", False))
    assert H.get(db.engine, h.id).status == "open"
    first = H.take(db.engine, h.id, Actor("USTAFF1", True))
    again = H.take(db.engine, h.id, Actor("USTAFF2", True))
    assert first.changed and not again.changed and again.handoff.owner == "USTAFF1"
    assert [x.id for x in H.list_open(db.engine)] == [h.id]
    done = H.close(db.engine, h.id, Actor("USTAFF2", True))
    assert done.changed and done.handoff.status == "done" and done.handoff.owner == "USTAFF1"
    assert H.list_open(db.engine) == []


def test_cli_lists_open_handoffs_with_their_age(tmp_path, cli):
    from bot.db import make_engine, init_db

    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    engine = make_engine(url)
    init_db(engine)
    H.create(engine, question="ネーミングライツの料金を直接聞きたい", asker="UASK9", clicked_by="UASK9", place="D1",
             surface="slack-dm", lang="ja")
    engine.dispose()
    p = cli("handoffs", "list", DATABASE_URL=url)
    assert p.returncode == 0, p.stderr
    assert "ネーミングライツの料金" in p.stdout and "未対応" in p.stdout and "分前" in p.stdout
    p = cli("handoffs", "list", "--lang", "en", DATABASE_URL=url)
    assert "open" in p.stdout and "min ago" in p.stdout
