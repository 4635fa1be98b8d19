"""Idea advisor actions: the message shortcut, the App Home button, and "Propose this".

- message shortcut `desk_idea_message` ("デスクに相談 / Ask the desk", manifest.yml): advice on the
  message's text, to the person who used it (ephemeral, through the shortcut's response_url, so it
  works in channels the bot is not in).
- `desk_idea` (App Home): opens the idea modal (handlers/views/idea.py).
- `desk_idea_propose` (on a result): the proposal form pre-filled — summary = the idea, method =
  the top advised method the form offers, challenge = the top challenge — carrying the advice
  given, which the stored proposal keeps.
Acks are immediate; the work runs in lazy listeners.
"""
from __future__ import annotations

import logging

from slack_bolt import App

from bot.advisor import advisor_for
from handlers.actions.common import ack_now as _ack, first_action as _action
from handlers.blocks import unpack
from handlers.deps import deps_of
from handlers.send import reason, respond_to
from bot.i18n import t
from handlers.views.idea import A_IDEA, A_IDEA_PROPOSE, SHORTCUT, fallback_text, idea_blocks, open_idea_form

log = logging.getLogger(__name__)


def _user(body: dict) -> str:
    return (body.get("user") or {}).get("id", "")


def ask_about_message(body, client, context):
    """Lazy part of the message shortcut: advise on the message, answer the user only."""
    deps = deps_of(context)
    msg = body.get("message") or {}
    text = msg.get("text") or ""
    channel = (body.get("channel") or {}).get("id")
    r = advisor_for(deps.desk).advise(text, asker=_user(body), place=channel, surface="idea")
    blocks = [b.to_dict() for b in idea_blocks(r)]
    if not respond_to(body.get("response_url"), text=fallback_text(r), blocks=blocks, what="idea shortcut"):
        from handlers.views.idea import send_result

        send_result(client, r, user=_user(body), channel=channel)


def open_form(body, client, context):
    data = unpack(_action(body).get("value"))
    lang = data.get("l") or "ja"
    try:
        open_idea_form(client, body["trigger_id"], lang, push=(body.get("view") or {}).get("type") == "modal")
    except Exception as e:  # noqa: BLE001
        log.error("opening the idea form failed: %s", reason(e))


def _logged_idea(deps, log_id, user: str) -> str | None:
    """The idea's full text from the question log (only the asker's own)."""
    if not isinstance(log_id, int) or getattr(deps.desk, "engine", None) is None:
        return None
    from bot.db import session_scope
    from bot.models import QuestionLog

    try:
        with session_scope(deps.desk.engine) as ses:
            row = ses.get(QuestionLog, log_id)
            if row is not None and row.surface == "idea" and row.asker == user:
                return row.question
    except Exception as e:  # noqa: BLE001 — fall back to the text the button carries
        log.info("idea %s not read from the question log (%s)", log_id, type(e).__name__)
    return None


def propose_this(body, client, context):
    from handlers.proposals.form import open_proposal_form

    deps = deps_of(context)
    data = unpack(_action(body).get("value"))
    lang = data.get("l") or "ja"
    idea = _logged_idea(deps, data.get("id"), _user(body)) or data.get("q") or ""
    advice = data.get("a") if isinstance(data.get("a"), dict) else None
    try:
        open_proposal_form(deps, client, body["trigger_id"], lang, challenge_id=data.get("c"),
                           push=(body.get("view") or {}).get("type") == "modal",
                           summary=idea, method=data.get("k"), needs_budget=(advice or {}).get("nb"),
                           advice=advice)
    except Exception as e:  # noqa: BLE001
        log.error("opening the pre-filled proposal form failed: %s", reason(e))
        if body.get("response_url"):
            respond_to(body["response_url"], text=t("idea.open_failed", lang), what="propose this")


def register(app: App) -> None:
    app.shortcut(SHORTCUT)(ack=_ack, lazy=[ask_about_message])
    app.action(A_IDEA)(ack=_ack, lazy=[open_form])
    app.action(A_IDEA_PROPOSE)(ack=_ack, lazy=[propose_this])
