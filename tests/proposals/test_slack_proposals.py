"""The proposal desk through the real Bolt request path: signed slash commands, view_submission and
block_actions posted to the real HTTP server, Web API calls answered by the local stub
(tests/slack_stub.py). SQLite, and PostgreSQL when TEST_POSTGRES_URL is set."""
from __future__ import annotations

import importlib.util
import json
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlmodel import Session, func, select

from bot.proposals import status as st
from bot.proposals.models import OutboxMessage, Proposal
from bot.proposals.service import get_proposal
from bot.proposals.staff import Actor
from handlers.blocks import pack
from proposals.helpers import shipped_calendar
from slack_stub import TEAM_ID, SlackStub

SLACK_TESTS = Path(__file__).resolve().parent.parent / "slack"


def _load(name: str, path: Path):
    if str(SLACK_TESTS) not in sys.path:
        sys.path.insert(0, str(SLACK_TESTS))
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


_fx = _load("proposals_slack_fixtures", SLACK_TESTS / "conftest.py")
Running, make_settings = _fx.Running, _fx.make_settings

STAFF_CHANNEL = "CSTAFF0001"
LISTED_STAFF = "U_LISTED_STAFF"        # in DESK_STAFF_USER_IDS
CHANNEL_STAFF = "U_CHANNEL_STAFF"      # a member of the staff channel
COMPANY, OTHER_COMPANY = "U_COMPANY_A", "U_COMPANY_B"


class DeskStub(SlackStub):
    """The shared stub, plus the staff channel's member list."""

    def _answer(self, method, args):
        if method == "conversations.members":
            members = [CHANNEL_STAFF, "U_BOT"] if args.get("channel") == STAFF_CHANNEL else []
            return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}
        return super()._answer(method, args)


@pytest.fixture(scope="module")
def stub():
    s = DeskStub().start()
    yield s
    s.stop()


@pytest.fixture
def desk_app(stub, db_engine):
    from handlers.app import build_app

    stub.reset()
    settings = make_settings(stub, desk_staff_user_ids=LISTED_STAFF, desk_staff_channel=STAFF_CHANNEL)
    r = Running.build(settings, stub, db=db_engine)
    yield r
    r.stop()
    stub.reset()


# ---- request builders ---------------------------------------------------------------------------

def form_state(**over) -> dict:
    v = {"organisation": "株式会社みらいテック", "contact_name": "山田 花子", "email": "hanako@example.co.jp",
         "title": "公園のスマート照明の実証", "summary": "センサー付き照明で夜の公園を見守ります。",
         "method": "pilot", "needs_budget": "yes"}
    v.update(over)
    values = {}
    for k, val in v.items():
        if k in ("method", "needs_budget", "challenge_id"):
            typ = "radio_buttons" if k == "needs_budget" else "static_select"
            values[k] = {k: {"type": typ, "selected_option": {"value": val} if val else None}}
        else:
            values[k] = {k: {"type": "email_text_input" if k == "email" else "plain_text_input", "value": val}}
    return {"values": values}


def view_submission(r: Running, callback_id: str, state: dict, *, user: str, view_id: str,
                    metadata: dict | None = None) -> tuple[int, dict]:
    payload = {"type": "view_submission", "team": {"id": TEAM_ID, "domain": "test"},
               "user": {"id": user, "team_id": TEAM_ID}, "api_app_id": "A0TEST", "token": "x",
               "trigger_id": "1337.42.abcd",
               "view": {"id": view_id, "team_id": TEAM_ID, "type": "modal", "callback_id": callback_id,
                        "private_metadata": json.dumps(metadata or {"l": "ja"}), "hash": "h-" + view_id,
                        "state": state}}
    status, body = r.post(urlencode({"payload": json.dumps(payload)}),
                          content_type="application/x-www-form-urlencoded")
    return status, (json.loads(body) if body.strip() else {})


def propose(r: Running, *, user=COMPANY, view_id="VPROP1", **fields) -> tuple[int, dict]:
    return view_submission(r, "desk_proposal_form", form_state(**fields), user=user, view_id=view_id)


def receipt_text(resp: dict) -> str:
    view = resp["view"]
    return "\n".join(json.dumps(b, ensure_ascii=False) for b in view["blocks"])


def count(engine, model, *where) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def the_proposal(engine) -> Proposal:
    with Session(engine) as s:
        return s.exec(select(Proposal).order_by(Proposal.id.desc())).first()


def posts_to(stub, channel: str) -> list:
    return [c for c in stub.of("chat.postMessage") if c.args.get("channel") == channel]


def outbox_idle(engine) -> None:
    """No outbox message is being sent (each is sent, or waits unclaimed for a retry): the work
    after the ack ran inline, so this holds as soon as the request returned."""
    with Session(engine) as s:
        busy = s.exec(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.claimed_until.is_not(None))).one()
    assert busy == 0, "outbox still busy"


def wait_until(fn, timeout: float | None = None):
    """What a request caused, which must be there when it returned (the app runs the work after
    the ack inline: tests/slack/conftest.py InlineExecutor); `timeout` is kept for old callers."""
    got = fn()
    assert got, "the request had no such outcome"
    return got


# ---- companies ----------------------------------------------------------------------------------

def test_desk_propose_opens_the_form(desk_app, stub):
    status, body = desk_app.command("propose", response_url=stub.response_url("p"), user=COMPANY)
    assert status == 200 and "提案フォーム" in json.loads(body)["text"]
    view = stub.wait_for("views.open", 1)[0].view()
    assert view["callback_id"] == "desk_proposal_form"
    ids = [b.get("block_id") for b in view["blocks"]]
    assert {"organisation", "contact_name", "email", "title", "summary", "method", "needs_budget"} <= set(ids)
    assert "challenge_id" not in ids                        # no open challenges yet


def test_submit_stores_posts_to_staff_and_gives_a_receipt_with_advice(desk_app, stub, db_engine):
    status, resp = propose(desk_app)
    assert status == 200 and resp["response_action"] == "update"
    p = the_proposal(db_engine)
    text = receipt_text(resp)
    assert p.ref in text and "デスクの職員に届けました" in text
    fy_reached = f"{p.fiscal_year + (1 if p.submitted_on.month <= 8 and p.submitted_on.month >= 4 else 2)}年度"
    assert fy_reached in text                             # the advice, computed for today
    card = posts_to(stub, STAFF_CHANNEL)
    assert len(card) == 1 and p.ref in card[0].args["text"]
    actions = [e["action_id"] for b in card[0].blocks() if b["type"] == "actions" for e in b["elements"]]
    assert "desk_prop_status:reviewing" in actions and "desk_prop_assign" in actions and "desk_prop_note" in actions
    dm = wait_until(lambda: posts_to(stub, COMPANY))        # the receipt, kept in the DM
    assert p.ref in dm[0].args["text"]
    assert p.staff_ts and p.staff_channel == STAFF_CHANNEL


def test_field_errors_are_shown_in_the_modal(desk_app, stub, db_engine):
    status, resp = propose(desk_app, email="hanako@", summary="あ" * 3001, method=None)
    assert status == 200 and resp["response_action"] == "errors"
    assert set(resp["errors"]) == {"email", "summary", "method"}
    assert count(db_engine, Proposal) == 0
    desk_app.settle()
    assert posts_to(stub, STAFF_CHANNEL) == []


def test_double_click_on_submit_creates_one_proposal(desk_app, stub, db_engine):
    _, first = propose(desk_app, view_id="VDOUBLE")
    _, second = propose(desk_app, view_id="VDOUBLE")
    assert count(db_engine, Proposal) == 1
    ref = the_proposal(db_engine).ref
    assert ref in receipt_text(first) and ref in receipt_text(second)
    desk_app.settle()
    assert len(posts_to(stub, STAFF_CHANNEL)) == 1 and len(posts_to(stub, COMPANY)) == 1


def test_staff_post_failing_is_told_honestly_and_retried(desk_app, stub, db_engine):
    stub.fail_next(30, status=500, method="chat.postMessage")        # Slack is down for a while
    status, resp = propose(desk_app)
    assert status == 200 and resp["response_action"] == "update"
    p = the_proposal(db_engine)
    text = receipt_text(resp)
    assert p.ref in text and "自動で再送" in text and "届けました" not in text
    outbox_idle(db_engine)
    assert count(db_engine, Proposal) == 1                            # stored whatever happened
    assert the_proposal(db_engine).staff_ts is None
    assert count(db_engine, OutboxMessage, OutboxMessage.kind == "staff_new", OutboxMessage.sent_at.is_(None)) == 1
    # Slack is back; the next submission (another company) retries the waiting post.
    stub.reset()
    propose(desk_app, user=OTHER_COMPANY, view_id="VNEXT", title="別の提案")
    outbox_idle(db_engine)
    cards = posts_to(stub, STAFF_CHANNEL)
    assert sorted(re.search(r"P-\d{4}-\d{4}", c.args["text"])[0] for c in cards) == sorted(
        [p.ref, the_proposal(db_engine).ref])
    assert get_proposal(db_engine, p.ref, Actor("x", True)).staff_ts is not None
    assert count(db_engine, OutboxMessage, OutboxMessage.sent_at.is_(None)) == 0
    assert len([c for c in posts_to(stub, COMPANY) if p.ref in c.args["text"]]) == 1   # its receipt DM, once


def test_outbox_job_delivers_what_failed(desk_app, stub, db_engine):
    """The scheduler's job sends a failed staff post once its retry is due."""
    from datetime import datetime, timedelta, timezone

    import time_machine
    from slack_sdk import WebClient

    from bot.proposals.outbox import run_outbox_job
    from handlers.proposals.sender import SlackOutboxSender

    stub.fail_next(30, status=500, method="chat.postMessage")
    propose(desk_app)
    outbox_idle(db_engine)
    stub.reset()
    send = SlackOutboxSender(WebClient(base_url=stub.api_url, token="xoxb-test"), STAFF_CHANNEL,
                              shipped_calendar())
    run_outbox_job(db_engine, send)
    assert posts_to(stub, STAFF_CHANNEL) == []                 # not due yet (backoff)
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(minutes=10)):
        run_outbox_job(db_engine, send)
    assert len(posts_to(stub, STAFF_CHANNEL)) == 1
    assert the_proposal(db_engine).staff_ts is not None
    assert count(db_engine, OutboxMessage, OutboxMessage.sent_at.is_(None)) == 0


def test_my_proposals_and_another_companys_proposal(desk_app, stub, db_engine):
    propose(desk_app, user=COMPANY, view_id="VA", title="Aの提案")
    ref_a = the_proposal(db_engine).ref
    propose(desk_app, user=OTHER_COMPANY, view_id="VB", title="Bの提案")
    ref_b = the_proposal(db_engine).ref
    desk_app.command("my-proposals", response_url=stub.response_url("mine"), user=COMPANY)
    mine = wait_until(lambda: [c for c in stub.of("response_url") if c.path.endswith("/mine")])[0]
    assert ref_a in json.dumps(mine.args, ensure_ascii=False) and ref_b not in json.dumps(mine.args, ensure_ascii=False)
    desk_app.command(f"proposal {ref_b}", response_url=stub.response_url("peek"), user=COMPANY)
    peek = wait_until(lambda: [c for c in stub.of("response_url") if c.path.endswith("/peek")])[0]
    assert "見つかりませんでした" in peek.args["text"] and "Bの提案" not in json.dumps(peek.args, ensure_ascii=False)
    desk_app.command(f"proposal {ref_a}", response_url=stub.response_url("own"), user=COMPANY)
    own = wait_until(lambda: [c for c in stub.of("response_url") if c.path.endswith("/own")])[0]
    assert "Aの提案" in json.dumps(own.args, ensure_ascii=False)


# ---- staff ----------------------------------------------------------------------------------------

def click_status(r: Running, stub, ref: str, old: str, new: str, *, user: str, key: str):
    return r.click(f"desk_prop_status:{new}", pack(r=ref, o=old), response_url=stub.response_url(key),
                   user=user, channel=STAFF_CHANNEL)


def responses(stub, key: str) -> list:
    return [c for c in stub.of("response_url") if c.path.endswith("/" + key)]


def test_staff_change_status_proposer_is_told_and_card_updated(desk_app, stub, db_engine):
    propose(desk_app)
    ref = the_proposal(db_engine).ref
    wait_until(lambda: posts_to(stub, COMPANY))                        # the receipt DM
    assert click_status(desk_app, stub, ref, st.RECEIVED, st.REVIEWING, user=LISTED_STAFF, key="s1")[0] == 200
    ok = wait_until(lambda: responses(stub, "s1"))
    assert "検討中" in ok[0].args["text"]
    notices = wait_until(lambda: [c for c in posts_to(stub, COMPANY) if "検討中" in c.args["text"]])
    assert ref in notices[0].args["text"] and "受付" in notices[0].args["text"]
    updates = wait_until(lambda: stub.of("chat.update"))
    assert updates[0].args["channel"] == STAFF_CHANNEL and "desk_prop_status:referred" in json.dumps(updates[0].args)
    # a member of the staff channel (not in the configured list) is staff too
    click_status(desk_app, stub, ref, st.REVIEWING, st.REFERRED, user=CHANNEL_STAFF, key="s2")
    wait_until(lambda: responses(stub, "s2"))
    v = get_proposal(db_engine, ref, Actor("x", True))
    assert [(e.new, e.by) for e in v.events if e.field == "status"] == [
        (st.RECEIVED, COMPANY), (st.REVIEWING, LISTED_STAFF), (st.REFERRED, CHANNEL_STAFF)]


def test_non_staff_are_refused_politely_and_nothing_changes(desk_app, stub, db_engine):
    propose(desk_app)
    ref = the_proposal(db_engine).ref
    desk_app.settle()
    dms_before = len(posts_to(stub, COMPANY))
    for i, (action, value) in enumerate([(f"desk_prop_status:{st.REVIEWING}", pack(r=ref, o=st.RECEIVED)),
                                         ("desk_prop_assign", pack(r=ref)), ("desk_prop_note", pack(r=ref))]):
        desk_app.click(action, value, response_url=stub.response_url(f"n{i}"), user=COMPANY, channel=STAFF_CHANNEL)
        refusal = wait_until(lambda: responses(stub, f"n{i}"))
        assert "職員の方のみ" in refusal[0].args["text"]
    desk_app.command("proposals", response_url=stub.response_url("list"), user=COMPANY)
    assert "職員の方のみ" in wait_until(lambda: responses(stub, "list"))[0].args["text"]
    # a forged submission of the staff-only note modal is refused as well
    status, resp = view_submission(desk_app, "desk_proposal_note_form", {"values": {"text": {"text": {
        "type": "plain_text_input", "value": "勝手なメモ"}}}}, user=COMPANY, view_id="VNOTE", metadata={"l": "ja", "r": ref})
    assert resp["response_action"] == "errors"
    desk_app.settle()
    v = get_proposal(db_engine, ref, Actor("x", True))
    assert v.status == st.RECEIVED and not v.notes and v.department is None
    assert stub.of("views.open") == [] and stub.of("chat.update") == []
    assert len(posts_to(stub, COMPANY)) == dms_before


def test_staff_note_and_department_through_modals(desk_app, stub, db_engine):
    propose(desk_app)
    ref = the_proposal(db_engine).ref
    desk_app.click("desk_prop_note", pack(r=ref), response_url=stub.response_url("note"), user=LISTED_STAFF,
                   channel=STAFF_CHANNEL)
    assert wait_until(lambda: stub.of("views.open"))[0].view()["callback_id"] == "desk_proposal_note_form"
    status, resp = view_submission(desk_app, "desk_proposal_note_form", {"values": {"text": {"text": {
        "type": "plain_text_input", "value": "来週、公園緑地課と面談"}}}}, user=LISTED_STAFF, view_id="VN1",
        metadata={"l": "ja", "r": ref})
    assert status == 200 and resp == {}
    status, resp = view_submission(desk_app, "desk_proposal_assign_form", {"values": {"department": {"department": {
        "type": "plain_text_input", "value": "公園緑地課"}}}}, user=LISTED_STAFF, view_id="VD1",
        metadata={"l": "ja", "r": ref})
    assert status == 200 and resp == {}
    v = get_proposal(db_engine, ref, Actor("x", True))
    assert v.department == "公園緑地課" and v.notes[0].text == "来週、公園緑地課と面談"
    # the empty department is a field error
    _, resp = view_submission(desk_app, "desk_proposal_assign_form", {"values": {"department": {"department": {
        "type": "plain_text_input", "value": ""}}}}, user=LISTED_STAFF, view_id="VD2", metadata={"l": "ja", "r": ref})
    assert resp["response_action"] == "errors" and "department" in resp["errors"]
    # staff see the note in the details; the proposer does not
    desk_app.command(f"proposal {ref}", response_url=stub.response_url("staffview"), user=LISTED_STAFF)
    staff_view = json.dumps(wait_until(lambda: responses(stub, "staffview"))[0].args, ensure_ascii=False)
    assert "来週" in staff_view and "desk_prop_status:reviewing" in staff_view     # triage from here too
    desk_app.command(f"proposal {ref}", response_url=stub.response_url("ownerview"), user=COMPANY)
    owner = json.dumps(wait_until(lambda: responses(stub, "ownerview"))[0].args, ensure_ascii=False)
    assert "公園緑地課" in owner and "来週" not in owner and "desk_prop_status" not in owner
    desk_app.command("proposals 公園緑地", response_url=stub.response_url("kw"), user=CHANNEL_STAFF)
    assert ref in json.dumps(wait_until(lambda: responses(stub, "kw"))[0].args, ensure_ascii=False)


def test_challenges_added_by_staff_and_answered_by_a_company(desk_app, stub, db_engine):
    desk_app.command("challenges", response_url=stub.response_url("c0"), user=LISTED_STAFF)
    staff_list = json.dumps(wait_until(lambda: responses(stub, "c0"))[0].args, ensure_ascii=False)
    assert "desk_challenge_add" in staff_list
    desk_app.click("desk_challenge_add", pack(l="ja"), response_url=stub.response_url("c1"), user=LISTED_STAFF)
    assert wait_until(lambda: stub.of("views.open"))[0].view()["callback_id"] == "desk_challenge_form"
    state = {"values": {
        "title": {"title": {"type": "plain_text_input", "value": "空き家の活用"}},
        "department": {"department": {"type": "plain_text_input", "value": "都市計画課"}},
        "description": {"description": {"type": "plain_text_input", "value": "空き家が増えています"}},
        "desired_outcome": {"desired_outcome": {"type": "plain_text_input", "value": "活用の仕組みづくり"}},
        "open_until": {"open_until": {"type": "datepicker", "selected_date": None}}}}
    status, resp = view_submission(desk_app, "desk_challenge_form", state, user=LISTED_STAFF, view_id="VC1")
    assert resp["response_action"] == "update"
    _, resp = view_submission(desk_app, "desk_challenge_form", state, user=COMPANY, view_id="VC2")
    assert resp["response_action"] == "errors"                     # companies cannot add challenges
    desk_app.command("challenges", response_url=stub.response_url("c2"), user=COMPANY)
    company_list = json.dumps(wait_until(lambda: responses(stub, "c2"))[0].args, ensure_ascii=False)
    assert "空き家の活用" in company_list and "desk_challenge_add" not in company_list
    cid = json.loads(json.loads(company_list)["blocks"][1]["accessory"]["value"])["c"]
    stub.reset()
    desk_app.click("desk_propose", pack(l="ja", c=cid), response_url=None, user=COMPANY,
                   container={"type": "view", "view_id": "VHOME"}, view={"id": "VHOME", "type": "home"})
    form = wait_until(lambda: stub.of("views.open"))[0].view()
    select_ = next(b for b in form["blocks"] if b.get("block_id") == "challenge_id")
    assert select_["element"]["initial_option"]["value"] == str(cid)
    _, resp = propose(desk_app, view_id="VCH", challenge_id=str(cid))
    assert resp["response_action"] == "update"
    assert get_proposal(db_engine, the_proposal(db_engine).ref, Actor("x", True)).challenge_title == "空き家の活用"


def test_app_home_has_the_propose_button_and_own_proposals(stub, db_engine):
    from bot.config import get_settings
    from bot.engine import Desk
    from bot.knowledge import load_knowledge
    from handlers.app import build_app

    settings = make_settings(stub, desk_staff_user_ids=LISTED_STAFF, desk_staff_channel=STAFF_CHANNEL)
    desk = Desk(load_knowledge(get_settings().knowledge_dir), engine=db_engine)
    r = Running.build(settings, stub, db=db_engine, desk=desk)
    try:
        propose(r, user=COMPANY, view_id="VHOME1", title="Aの提案")
        propose(r, user=OTHER_COMPANY, view_id="VHOME2", title="Bの提案")
        stub.reset()
        r.event({"type": "app_home_opened", "user": COMPANY, "channel": "DHOME", "tab": "home",
                 "event_ts": f"{time.time():.6f}"})
        home = json.dumps(wait_until(lambda: stub.of("views.publish"))[0].view(), ensure_ascii=False)
        assert "desk_propose" in home and "Aの提案" in home and "Bの提案" not in home
    finally:
        r.stop()


def test_cli_deliver_sends_waiting_posts_and_the_stale_nudge(desk_app, stub, db_engine, monkeypatch, capsys):
    """`deskbot proposals deliver [--all] [--nudge]`: what cron or the clock runs."""
    from datetime import datetime, timedelta, timezone

    import time_machine

    from bot import db as dbmod
    from bot.cli import main
    from bot.config import get_settings

    url = db_engine.url.render_as_string(hide_password=False)
    for k, v in {"DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": stub.api_url,
                 "DESK_STAFF_CHANNEL": STAFF_CHANNEL}.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    monkeypatch.setitem(dbmod._engines, url, db_engine)
    try:
        stub.fail_next(30, status=500, method="chat.postMessage")
        propose(desk_app)
        outbox_idle(db_engine)
        stub.reset()
        ref = the_proposal(db_engine).ref
        assert main(["proposals", "deliver", "--all"]) == 0
        assert "outbox empty" in capsys.readouterr().out
        assert [ref in c.args["text"] for c in posts_to(stub, STAFF_CHANNEL)] == [True]
        stub.reset()
        with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=15)):
            assert main(["proposals", "deliver", "--nudge"]) == 0
        nudge = posts_to(stub, STAFF_CHANNEL)
        assert len(nudge) == 1 and "14日以上" in nudge[0].args["text"] and ref in json.dumps(nudge[0].blocks(), ensure_ascii=False)
    finally:
        get_settings.cache_clear()


def test_english_form_gets_an_english_receipt(desk_app, stub, db_engine):
    desk_app.command("propose in English", response_url=stub.response_url("en"), user=COMPANY)
    form = stub.wait_for("views.open", 1)[0].view()
    assert json.loads(form["private_metadata"])["l"] == "en" and form["title"]["text"] == "Propose a partnership"
    _, resp = view_submission(desk_app, "desk_proposal_form", form_state(needs_budget="unsure"), user=COMPANY,
                              view_id="VEN", metadata={"l": "en"})
    text = receipt_text(resp)
    p = the_proposal(db_engine)
    assert f"Reference number: {p.ref}" in text and "fiscal" in text and "年度" not in text
    _, resp = view_submission(desk_app, "desk_proposal_form", form_state(email="x"), user=COMPANY,
                              view_id="VEN2", metadata={"l": "en"})
    assert resp["errors"]["email"].startswith("Not an e-mail address")
