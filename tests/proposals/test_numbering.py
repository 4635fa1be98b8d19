"""Reference numbers under concurrent submission (threads, and two processes at once), and text a
database refuses (NUL, lone surrogates). SQLite, and PostgreSQL when TEST_POSTGRES_URL is set."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from sqlmodel import Session, select

from bot.proposals.models import Proposal
from bot.proposals.service import submit
from proposals.helpers import proposal_form

ROOT = Path(__file__).resolve().parents[2]


def stored(engine) -> list[Proposal]:
    with Session(engine) as s:
        return list(s.exec(select(Proposal).order_by(Proposal.seq)))


def test_thirty_threads_at_once_get_thirty_numbers(db_engine):
    n, errors, refs = 30, [], []
    barrier = threading.Barrier(n)

    def go(i):
        barrier.wait()
        try:
            refs.append(submit(db_engine, proposal_form(title=f"提案 {i}"), submitter=f"U_CO_{i}",
                               idempotency_key=f"view-{i}").proposal.ref)
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = stored(db_engine)
    assert len(rows) == n and sorted(refs) == sorted(p.ref for p in rows)
    assert [p.seq for p in rows] == list(range(1, n + 1))


WORKER = """
import json, sys, threading
from bot.db import get_engine, init_db
from bot.proposals.service import submit
tag, n = sys.argv[1], int(sys.argv[2])
engine = get_engine()
init_db(engine)
form = dict(organisation="株式会社X", contact_name="山田", email="a@example.jp", title="件名",
            summary="概要", method="pilot", needs_budget="no")
barrier, refs, errors = threading.Barrier(n), [], []
def go(i):
    barrier.wait()
    try:
        refs.append(submit(engine, form, submitter=f"U{tag}{i}", idempotency_key=f"{tag}-{i}").proposal.ref)
    except Exception as e:
        errors.append(repr(e))
print("ready", flush=True)
sys.stdin.readline()
threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
[t.start() for t in threads]
[t.join() for t in threads]
print(json.dumps({"refs": refs, "errors": errors}))
"""


def test_two_processes_at_once_get_distinct_numbers(db, tmp_path):
    env = {**os.environ, "DATABASE_URL": db.url, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, tag, "15"], cwd=tmp_path, env=env, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for tag in ("A", "B")]
    for p in procs:                      # both connected and waiting: then go at once
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert [r["errors"] for r in results] == [[], []]
    refs = [ref for r in results for ref in r["refs"]]
    rows = stored(db.engine)
    assert len(rows) == 30 and len(set(refs)) == 30 and sorted(refs) == sorted(p.ref for p in rows)


def test_numbers_continue_after_proposals_stored_before_the_counter(db_engine, submit_as):
    from bot.proposals.models import ProposalCounter

    first = submit_as()
    with Session(db_engine) as s:                  # a database from before the counter table
        s.delete(s.get(ProposalCounter, first.proposal.fiscal_year))
        s.commit()
    submit_as()
    assert [p.seq for p in stored(db_engine)] == [1, 2]


def test_nul_and_lone_surrogates_are_removed_not_a_failure(db_engine, submit_as):
    sub = submit_as(organisation="株式会社\x00X", title="照明\ud800の実証", summary="一行目\x00\n二行目\udfff",
                    contact_name="山田\x07花子")
    v = sub.proposal
    assert (v.organisation, v.title, v.summary, v.contact_name) == ("株式会社X", "照明の実証", "一行目\n二行目", "山田花子")
    assert stored(db_engine)[0].summary == "一行目\n二行目"
