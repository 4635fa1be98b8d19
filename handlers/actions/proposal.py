"""Proposal desk buttons (block_actions): propose, and the staff's triage buttons.

- `desk_propose` (App Home, answers, `/desk challenges`): opens the proposal form, for anyone.
- `desk_prop_status:<new>` / `desk_prop_assign` / `desk_prop_note` on the staff card, and
  `desk_challenge_add`: staff only; anyone else gets a polite refusal and nothing changes.
Acks are immediate; the work runs in lazy listeners (modals open with the click's trigger_id).
"""
from __future__ import annotations

import logging
import re

from slack_bolt import App

from bot.i18n import t
from bot.proposals import status as st
from bot.proposals.service import Conflict, NotFound, change_status, departments, get_proposal
from handlers.actions.common import ack_now as _ack, first_action as _action, open_modal
from handlers.blocks import A_PROPOSE, escape, section, unpack
from handlers.deps import deps_of
from handlers.send import reason, respond_to
from handlers.proposals.form import flush_outbox, open_proposal_form
from handlers.proposals.staff import actor_of, not_staff_text
from handlers.proposals.staff_modals import assign_form, challenge_form, note_form
from handlers.proposals.ui import A_ADD_CHALLENGE, A_ASSIGN, A_NOTE, A_STATUS, _modal

log = logging.getLogger(__name__)


def _user(body: dict) -> str:
    return (body.get("user") or {}).get("id", "")


def _tell(client, body: dict, text: str, lang: str = "ja") -> None:
    """An ephemeral reply to the clicker: via response_url, or (App Home, modals) a small modal."""
    if body.get("response_url"):
        respond_to(body["response_url"], text=escape(text), what="proposal action")
        return
    open_modal(client, body, _modal(t("proposal.desk_title", lang), [section(escape(text))], lang))


def propose(body, client, context):
    deps = deps_of(context)
    data = unpack(_action(body).get("value"))
    lang = data.get("l") or "ja"
    try:
        open_proposal_form(deps, client, body["trigger_id"], lang, challenge_id=data.get("c"),
                           push=(body.get("view") or {}).get("type") == "modal")
    except Exception as e:  # noqa: BLE001
        log.error("opening the proposal form failed: %s", reason(e))
        _tell(client, body, t("proposal.form_open_failed", lang), lang)


def _staff(body, client, context):
    """The acting staff member, or None after telling a non-staff user politely."""
    actor = actor_of(deps_of(context), client, _user(body))
    if not actor.is_staff:
        log.info("non-staff %s tried %s", actor.user_id, _action(body).get("action_id"))
        _tell(client, body, not_staff_text("ja"))
        return None
    return actor


def change(body, client, context):
    actor = _staff(body, client, context)
    if actor is None:
        return
    deps = deps_of(context)
    action = _action(body)
    data = unpack(action.get("value"))
    ref, expected = data.get("r", ""), data.get("o")
    new = action.get("action_id", "").split(":", 1)[-1]
    try:
        v = change_status(deps.db, ref, new, actor, expected=expected)
    except Conflict:
        now = get_proposal(deps.db, ref, actor)
        _tell(client, body, f"{ref} は先に別の職員が更新しました(現在: {st.label(now.status)})。変更は行っていません。")
        return
    except (st.BadTransition, NotFound, ValueError) as e:
        _tell(client, body, f"{ref}: {e}")
        return
    flush_outbox(deps, client)     # the proposer's notice and the card update
    old = next((e.old for e in reversed(v.events) if e.field == "status"), expected) or ""
    _tell(client, body, f"{v.ref} を「{st.label(old)}」から「{st.label(v.status)}」にしました。提案者に通知しました。")


def assign(body, client, context):
    actor = _staff(body, client, context)
    if actor is None:
        return
    deps = deps_of(context)
    ref = unpack(_action(body).get("value")).get("r", "")
    try:
        v = get_proposal(deps.db, ref, actor)
    except NotFound:
        _tell(client, body, f"{ref} は見つかりませんでした。")
        return
    open_modal(client, body, assign_form(v.ref, departments(deps.db), v.department, "ja"))


def note(body, client, context):
    if _staff(body, client, context) is None:
        return
    ref = unpack(_action(body).get("value")).get("r", "")
    open_modal(client, body, note_form(ref, "ja"))


def add_challenge(body, client, context):
    if _staff(body, client, context) is None:
        return
    lang = unpack(_action(body).get("value")).get("l") or "ja"
    open_modal(client, body, challenge_form(lang))


def register(app: App) -> None:
    app.action(A_PROPOSE)(ack=_ack, lazy=[propose])
    app.action(re.compile(rf"^{A_STATUS}:"))(ack=_ack, lazy=[change])
    app.action(A_ASSIGN)(ack=_ack, lazy=[assign])
    app.action(A_NOTE)(ack=_ack, lazy=[note])
    app.action(A_ADD_CHALLENGE)(ack=_ack, lazy=[add_challenge])
