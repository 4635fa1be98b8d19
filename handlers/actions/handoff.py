"""Hand-off buttons: "ask the desk staff" (anyone), and 担当します / 対応済み on the staff card
(staff only). The record and its rules are the core's (`bot.handoffs`); this module translates
clicks, renders the staff card and tells people.

- desk_handoff: one hand-off per question (the core's unique key), naming the person whose
  question it was (from the question log) and the person who clicked; the card goes to
  DESK_STAFF_CHANNEL once (claimed in the database); the clicker is told.
- desk_handoff_take / desk_handoff_done: the staff check (members of the staff channel, plus
  DESK_STAFF_USER_IDS); non-staff are refused and nothing changes; the card is redrawn in place
  (chat.update); on take, the asker is told by DM who took it.
"""
from __future__ import annotations

import logging
from datetime import timezone
from zoneinfo import ZoneInfo

from slack_bolt import App
from slack_sdk.models.blocks import ActionsBlock

from bot import handoffs as H
from bot.proposals.staff import NotStaff
from handlers.actions.common import ack_now as _ack, first_action as _action
from handlers.blocks import A_HANDOFF, button, clip, context, escape, pack, section, unpack
from handlers.deps import deps_of
from handlers.send import post, reason, respond_to
from bot.i18n import t
from handlers.proposals.staff import actor_of, not_staff_text

log = logging.getLogger(__name__)

A_TAKE = "desk_handoff_take"
A_DONE = "desk_handoff_done"


def _quote(text: str, limit: int) -> str:
    return "\n".join("> " + line for line in escape(clip(text, limit)).splitlines()) or "> —"


def _where(place: str | None, lang: str) -> str:
    if not place:
        return ""
    if place.startswith("D"):
        return t("desk.handoff_where_dm", lang)
    return t("desk.handoff_where", lang, channel=escape(place))


def card(h: H.Handoff, *, timezone_name: str = "Asia/Tokyo", link: str | None = None) -> list[dict]:
    """The staff card: Japanese for the staff, plus the asker's language when it is not Japanese;
    the question and the answer the asker had seen (escaped); status, owner and the buttons."""
    asker = escape(h.asker or "?")
    blocks = [section(t("desk.handoff_staff", "ja", user=asker, where=_where(h.place, "ja"), id=h.id))]
    if h.lang == "en":
        blocks.append(context(t("desk.handoff_staff", "en", user=asker, where=_where(h.place, "en"), id=h.id)))
    if h.clicked_by and h.clicked_by != h.asker:
        blocks.append(context(t("desk.handoff_clicker", "ja", user=escape(h.clicked_by))))
    blocks.append(section(_quote(h.question, 2500)))
    if h.answer_seen:
        blocks.append(section(f"*{t('desk.handoff_seen', 'ja')}*\n{_quote(h.answer_seen, 1200)}"))
    at = h.created_at if h.created_at.tzinfo else h.created_at.replace(tzinfo=timezone.utc)
    notes = [at.astimezone(ZoneInfo(timezone_name)).strftime("%Y-%m-%d %H:%M"), f"surface {escape(h.surface)}",
             f"lang {h.lang}"]
    if h.question_log_id:
        notes.append(f"question log #{h.question_log_id}")
    if link:
        notes.append(f"<{link}|{t('desk.handoff_link', 'ja')}>")
    blocks.append(context(" · ".join(notes)))
    state = H.state_label(h.status, "ja")
    if h.owner:
        state += " — " + t("desk.handoff_owner", "ja", user=escape(h.owner))
    blocks.append(section(f"*{t('desk.handoff_state', 'ja')}*: {state}"))
    elements = []
    if h.status == "open":
        elements.append(button(t("desk.handoff_take", "ja"), A_TAKE, pack(h=h.id), style="primary"))
    if h.status != "done":
        elements.append(button(t("desk.handoff_close", "ja"), A_DONE, pack(h=h.id)))
    if elements:
        blocks.append(ActionsBlock(block_id=f"handoff:{h.id}", elements=elements))
    return [b.to_dict() for b in blocks]


def card_text(h: H.Handoff) -> str:
    """The notification text beside the card (escaped: it is mrkdwn too)."""
    return clip(f"{t('desk.handoff_staff', 'ja', user=escape(h.asker or '?'), where=_where(h.place, 'ja'), id=h.id)}\n"
                f"{escape(h.question)}", 2000)


def _permalink(client, channel: str | None, message_ts: str | None) -> str | None:
    if not (channel and message_ts):
        return None
    try:
        return client.chat_getPermalink(channel=channel, message_ts=message_ts).get("permalink")
    except Exception as e:  # noqa: BLE001 — the card goes out without the link
        log.info("no permalink for the hand-off: %s", reason(e))
        return None


def handoff(body, client, context):
    deps = deps_of(context)
    data = unpack(_action(body).get("value"))
    lang, question = data.get("l") or "ja", data.get("q") or ""
    clicker = (body.get("user") or {}).get("id") or None
    channel = (body.get("channel") or {}).get("id")
    url = body.get("response_url")
    staff = deps.settings.desk_staff_channel
    if not staff:
        log.warning("hand-off requested but DESK_STAFF_CHANNEL is not set")
        respond_to(url, text=t("desk.handoff_unset", lang), what="hand-off")
        return
    def post_card(h: H.Handoff):          # only the request that claims the card posts it
        link = _permalink(client, channel, (body.get("container") or {}).get("message_ts"))
        try:
            resp = client.chat_postMessage(channel=staff, text=card_text(h), unfurl_links=False, unfurl_media=False,
                                           blocks=card(h, timezone_name=deps.settings.timezone, link=link))
        except Exception as e:
            log.error("hand-off card to %s failed: %s", staff, reason(e))
            raise
        return resp.get("channel") or staff, resp.get("ts")

    try:
        done = H.hand_off(deps.db, question=question, requested_by=clicker, place=channel, surface="slack",
                          lang=lang, answer_seen=data.get("s") or "", log_id=data.get("id"), post=post_card)
    except Exception as e:  # noqa: BLE001
        log.error("hand-off not stored: %s", type(e).__name__)
        respond_to(url, text=t("desk.post_failed", lang), what="hand-off")
        return
    if done.card is None:
        respond_to(url, text=t("desk.handoff_again", lang), what="hand-off")
        return
    delivered = done.card
    respond_to(url, text=t("desk.handoff_done" if delivered else "desk.post_failed", lang), what="hand-off")


def _tell(body, text: str) -> None:
    respond_to(body.get("response_url"), text=text, what="hand-off staff action")


def _redraw(deps, client, h: H.Handoff) -> None:
    if not (h.card_channel and h.card_ts):
        return
    try:
        client.chat_update(channel=h.card_channel, ts=h.card_ts, text=card_text(h),
                           blocks=card(h, timezone_name=deps.settings.timezone))
    except Exception as e:  # noqa: BLE001 — the record is right; the card catches up next time
        log.error("chat.update of hand-off card #%s failed: %s", h.id, reason(e))


def _staff_change(body, client, context, fn):
    deps = deps_of(context)
    user = (body.get("user") or {}).get("id", "")
    actor = actor_of(deps, client, user)
    try:
        hid = int(unpack(_action(body).get("value")).get("h"))
        change = fn(deps.db, hid, actor)
    except NotStaff:
        log.info("non-staff %s tried a hand-off action", user)
        _tell(body, not_staff_text("ja"))
        return None
    except (H.NotFound, TypeError, ValueError):
        _tell(body, t("desk.handoff_missing", "ja"))
        return None
    _redraw(deps, client, change.handoff)
    return change


def take(body, client, context):
    change = _staff_change(body, client, context, H.take)
    if change is None:
        return
    h = change.handoff
    if not change.changed:
        _tell(body, t("desk.handoff_already", "ja", id=h.id, state=H.state_label(h.status, "ja"),
                      user=escape(h.owner or "?")))
        return
    _tell(body, t("desk.handoff_taken_staff", "ja", id=h.id))
    if h.asker and not h.asker.startswith("cli:"):
        post(client, channel=h.asker, text=t("desk.handoff_taken_asker", h.lang, user=escape(h.owner or ""),
                                             q=escape(clip(" ".join(h.question.split()), 80))),
             what="hand-off taken notice")


def close(body, client, context):
    change = _staff_change(body, client, context, H.close)
    if change is None:
        return
    h = change.handoff
    _tell(body, t("desk.handoff_closed_staff", "ja", id=h.id) if change.changed else
          t("desk.handoff_already", "ja", id=h.id, state=H.state_label(h.status, "ja"), user=escape(h.owner or "?")))


def register(app: App) -> None:
    app.action(A_HANDOFF)(ack=_ack, lazy=[handoff])
    app.action(A_TAKE)(ack=_ack, lazy=[take])
    app.action(A_DONE)(ack=_ack, lazy=[close])
