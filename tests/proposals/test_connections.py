"""What a stored proposal keeps besides its fields (bot/proposals/connections.py): the advice it was
given, its nearest precedents and similar earlier proposals; and an older database gaining the
column. SQLite, and PostgreSQL when TEST_POSTGRES_URL is set."""
from __future__ import annotations

import itertools
import json

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from bot.proposals.models import Proposal
from bot.proposals.service import submit
from proposals.helpers import COMPANY_A, COMPANY_B, proposal_form

_keys = itertools.count(1)
POOL = "市営の温水プールとトレーニング室の管理運営をまとめてお任せいただき、利用者サービスの向上と運営コストの削減を両立したい。"


@pytest.fixture(scope="module")
def advisor():
    from bot.advisor import Advisor
    from bot.config import get_settings
    from bot.engine import Desk
    from bot.knowledge import load_knowledge

    return Advisor(Desk(load_knowledge(get_settings().knowledge_dir), engine=None))


def _submit(db_engine, advisor, actor, advice=None, **fields):
    from bot.proposals.connections import enricher

    sub = submit(db_engine, proposal_form(**fields), submitter=actor.user_id, idempotency_key=f"k-{next(_keys)}",
                 advice=advice, enrich=enricher(advisor))
    with Session(db_engine) as s:
        return sub.proposal, json.loads(s.get(Proposal, sub.proposal.id).advice)


def test_advice_precedents_and_similar_proposals_are_kept(db_engine, advisor):
    given = {"on": "2026-06-01", "m": ["designated-manager", "ppp", "sounding"], "c": ["wako-wapia"], "ch": [],
             "nb": "unsure", "by": 2027}
    first, kept = _submit(db_engine, advisor, COMPANY_A, advice=given, organisation="株式会社アクアライフ",
                          title="市営プールの運営", summary=POOL, method="designated_manager")
    assert kept["given"] == given and first.advice["given"] == given
    assert kept["given_methods"][0] == advisor.kb.entries["designated-manager"].title.ja
    assert "wako-wapia" in [c["id"] for c in kept["precedents"]]
    assert kept["precedents_reference"] in (True, False)       # whether none of them is close
    assert kept["similar"] == [] and kept["vec"]
    # the same idea from another company
    second, kept2 = _submit(db_engine, advisor, COMPANY_B, organisation="スイム合同会社", title="プールの指定管理",
                            summary=POOL.replace("両立したい", "両立したいと考えています"))
    assert [(x["ref"], x["same_company"]) for x in kept2["similar"]] == [(first.ref, False)]
    # the same company again (another user, the name written another way), another idea
    from bot.proposals.staff import Actor

    third, kept3 = _submit(db_engine, advisor, Actor("U_COMPANY_A2"), organisation="(株)アクアライフ",
                           title="プログラミング教室", summary="地域の子ども向けに週末のプログラミング教室を無料で開きたい。")
    assert [(x["ref"], x["same_company"]) for x in kept3["similar"]] == [(first.ref, True)]


def test_a_failing_enrichment_never_costs_the_proposal(db_engine, caplog):
    def broken(*a):
        raise RuntimeError("encoder away")

    with caplog.at_level("WARNING", logger="bot.proposals.service"):
        sub = submit(db_engine, proposal_form(), submitter=COMPANY_A.user_id, idempotency_key="k-broken",
                     advice={"m": ["pfi"]}, enrich=broken)
    assert sub.created and sub.proposal.advice == {"given": {"m": ["pfi"]}}
    assert "connections not computed" in caplog.text


def test_a_proposal_without_advice_or_enrichment_stores_null(db_engine):
    sub = submit(db_engine, proposal_form(), submitter=COMPANY_A.user_id, idempotency_key="k-plain")
    with Session(db_engine) as s:
        assert s.get(Proposal, sub.proposal.id).advice is None
    assert sub.proposal.advice is None


def test_an_older_database_gains_the_advice_column(db_engine):
    """A database at revision 0002 (before the advice column) is upgraded by migration 0003."""
    from sqlalchemy import inspect

    from bot.db import init_db

    with db_engine.begin() as c:
        c.execute(text("ALTER TABLE desk_proposal DROP COLUMN advice"))
        c.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    init_db(db_engine)                               # as at every start-up
    assert "advice" in {col["name"] for col in inspect(db_engine).get_columns("desk_proposal")}
    sub = submit(db_engine, proposal_form(), submitter=COMPANY_A.user_id, idempotency_key="k-old", advice={"m": []})
    with Session(db_engine) as s:
        assert s.exec(select(Proposal.advice).where(Proposal.id == sub.proposal.id)).one() == '{"given": {"m": []}}'


def test_the_staff_card_marks_precedents_listed_only_for_reference():
    """When the advisor is unsure whether any precedent is near, the card lists the nearest ones
    under a heading that says none is close."""
    from types import SimpleNamespace

    from handlers.proposals.cards import connection_blocks

    prec = [{"id": "wako-wapia", "municipality": "和光市", "title": "わぴあ"}]
    text = lambda advice: json.dumps([b.to_dict() for b in connection_blocks(SimpleNamespace(advice=advice))],
                                     ensure_ascii=False)
    assert "近い事例はなし" in text({"precedents": prec, "precedents_reference": True})
    close = text({"precedents": prec, "precedents_reference": False})
    assert "*近い事例*" in close and "近い事例はなし" not in close and "和光市「わぴあ」" in close
