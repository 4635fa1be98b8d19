"""The idea advisor on Slack: the idea modal, the result as Block Kit, and where results go.

    /desk idea [TEXT]            → the modal (a text area, pre-filled with TEXT)
    App Home "アイデアを相談"     → the same modal; its result replaces the modal (no channel there)
    message shortcut             → handlers/actions/idea.py (advice on the message, ephemeral)
    result "この内容で提案する"   → the proposal form pre-filled (handlers/actions/idea.py)

The core is `bot.advisor` (no Slack there); this module renders its `IdeaResult` with
slack_sdk.models (every text from the user or the knowledge escaped) and sends it.
"""
from __future__ import annotations

import json
import logging

from slack_bolt import App
from slack_sdk.models.blocks import ActionsBlock, Block, InputBlock, PlainTextInputElement, PlainTextObject
from slack_sdk.models.views import View

from bot.advisor import MAX_IDEA_CHARS, IdeaResult, advisor_for
from bot.i18n import t
from handlers.blocks import (A_HANDOFF, MESSAGE_BLOCKS, VIEW_BLOCKS, button, clip, context, divider, escape,
                             header, open_button, pack, section, unpack)
from handlers.deps import Deps, deps_of
from handlers.send import reason
from handlers.views.screens import home_section

log = logging.getLogger(__name__)

CB_IDEA = "desk_idea_form"
A_IDEA = "desk_idea"                    # App Home / help: open the idea modal
A_IDEA_PROPOSE = "desk_idea_propose"    # on a result: the proposal form, pre-filled
SHORTCUT = "desk_idea_message"          # message shortcut "デスクに相談 / Ask the desk" (manifest.yml)
BLOCK = "idea"                          # the modal's text area (block_id = action_id)




def _pt(text: str) -> PlainTextObject:
    return PlainTextObject(text=text, emoji=True)


# ---- the modal ----------------------------------------------------------------------------------

def idea_form(lang: str, *, initial: str | None = None, channel: str | None = None) -> dict:
    """The idea modal: one text area. `channel`: where the result goes (ephemeral); none → the
    result replaces the modal."""
    initial = clip(initial.strip(), MAX_IDEA_CHARS) if initial and initial.strip() else None
    blocks: list[Block] = [
        section(t("idea.intro", lang)),
        InputBlock(block_id=BLOCK, label=_pt(t("idea.label", lang)), hint=_pt(t("idea.hint", lang)),
                   element=PlainTextInputElement(action_id=BLOCK, multiline=True, max_length=MAX_IDEA_CHARS,
                                                 initial_value=initial)),
    ]
    view = View(type="modal", callback_id=CB_IDEA, title=_pt(t("idea.form_title", lang)), submit=_pt(t("idea.submit", lang)),
                close=_pt(t("idea.cancel", lang)), blocks=blocks,
                private_metadata=json.dumps({"l": lang, "ch": channel}, ensure_ascii=False))
    view.validate_json()
    return view.to_dict()


def open_idea_form(client, trigger_id: str, lang: str, *, initial: str | None = None, channel: str | None = None,
                   push: bool = False) -> None:
    view = idea_form(lang, initial=initial, channel=channel)
    (client.views_push if push else client.views_open)(trigger_id=trigger_id, view=view)


# ---- the result ---------------------------------------------------------------------------------

def propose_value(r: IdeaResult, method_key: str | None, challenge_id: int | None) -> str:
    """What "Propose this" carries: the logged idea's id (the full text is read back from the
    question log), the idea itself trimmed to fit, the pre-filled choices and the advice given."""
    rec = r.record()
    advice = {"on": rec["on"], "m": rec["methods"], "c": rec["cases"], "ch": rec["challenges"],
              "nb": rec["needs_budget"], "by": rec["budget_year"]}
    return pack(id=r.log_id, l=r.lang, k=method_key, c=challenge_id, a=advice, q=r.idea)


def idea_blocks(r: IdeaResult, *, max_blocks: int = MESSAGE_BLOCKS, in_modal: bool = False) -> list[Block]:
    """The advice (or the message about bad input) as Block Kit."""
    lang = r.lang
    if not r.ok:
        return [section(escape(r.message))]
    from bot.advisor import method_choice

    blocks: list[Block] = [header(t("idea.title", lang)),
                           context(f"*{t('idea.your_idea', lang)}*: {escape(clip(r.idea, 600))}"),
                           section(f"*{t('idea.methods', lang)}*\n" + "\n".join(
                               f"{i}. *{escape(m.title)}* — {escape(m.why)}" for i, m in enumerate(r.methods, 1)))]
    if r.cases:
        lines = []
        for i, c in enumerate(r.cases, 1):
            used = f" [{t('idea.used', lang)}: {escape(', '.join(c.methods[:3]))}]" if c.methods else ""
            lines.append(f"{i}. *{escape(c.municipality)}* — {escape(c.title)}{used}\n   {escape(clip(c.what, 300))}")
        head = f"*{t('idea.cases', lang)}*\n" + (f"{escape(t('idea_advice.reference', lang))}\n" if r.no_precedent else "")
        blocks.append(section(head + "\n".join(lines)))
        blocks.append(ActionsBlock(elements=[open_button(c.id, c.municipality or c.title, lang, i)
                                             for i, c in enumerate(r.cases)]))
    else:
        blocks.append(section(f"*{t('idea.cases', lang)}*\n{escape(t('idea_advice.no_precedent', lang))}"))
    if r.challenges:
        blocks.append(section(f"*{t('idea.challenges', lang)}*\n" + "\n".join(f"• {escape(c.title)}" for c in r.challenges)))
    blocks.append(section(f"*{t('idea.timing', lang)}*\n{escape(r.timing)}"))
    if r.next_steps:
        blocks.append(section(f"*{t('idea.steps', lang)}*\n" + "\n".join(f"• {escape(x)}" for x in r.next_steps)))
    blocks.append(divider())
    blocks.append(section(escape(r.handoff)))
    actions = [button(t("idea.propose", lang), A_IDEA_PROPOSE,
                      propose_value(r, method_choice([m.id for m in r.methods]),
                                    r.challenges[0].id if r.challenges else None), style="primary")]
    if not in_modal:      # a modal has no conversation to hand off from
        actions.append(button(t("idea.handoff", lang), A_HANDOFF, pack(q=r.idea, l=lang, id=r.log_id)))
    blocks.append(ActionsBlock(block_id="idea_actions", elements=actions))
    return blocks[:max_blocks]


def fallback_text(r: IdeaResult) -> str:
    if not r.ok:
        return clip(r.message, 3000)
    return clip(f"{t('idea.title', r.lang)}: " + ", ".join(m.title for m in r.methods), 3000)


def result_modal(r: IdeaResult) -> dict:
    view = View(type="modal", title=_pt(t("idea.form_title", r.lang)), close=_pt(t("idea.close", r.lang)),
                blocks=idea_blocks(r, max_blocks=VIEW_BLOCKS, in_modal=True))
    view.validate_json()
    return view.to_dict()


def send_result(client, r: IdeaResult, *, user: str, channel: str | None) -> bool:
    """The result as an ephemeral message in `channel` (to `user` only); in a channel the bot is
    not in (or with no channel), as a DM from the bot instead."""
    text, blocks = fallback_text(r), [b.to_dict() for b in idea_blocks(r)]
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
            return True
        except Exception as e:  # noqa: BLE001 — e.g. not_in_channel: the DM still reaches them
            log.info("idea result: chat.postEphemeral in %s failed (%s); sending a DM", channel, reason(e))
    try:
        client.chat_postMessage(channel=user, text=text, blocks=blocks, unfurl_links=False)
        return True
    except Exception as e:  # noqa: BLE001
        log.error("idea result to %s not delivered: %s", user, reason(e))
        return False


# ---- the submission -----------------------------------------------------------------------------

def _idea_of(view: dict) -> str:
    return (((view.get("state") or {}).get("values") or {}).get(BLOCK) or {}).get(BLOCK, {}).get("value") or ""


def submit_idea(ack, body, client, context):
    """view_submission of the idea modal: bad input → the message under the text area; a channel
    → close and send the result there (lazy); App Home → the result replaces the modal."""
    deps = deps_of(context)
    view = body.get("view") or {}
    meta = unpack(view.get("private_metadata"))
    lang = meta.get("l") or "ja"
    text = _idea_of(view)
    advisor = advisor_for(deps.desk)
    checked = advisor.check(text)
    if not isinstance(checked, str):
        ack(response_action="errors", errors={BLOCK: clip(checked.message, 150)})
        return
    if meta.get("ch"):
        ack()                                    # the result follows as an ephemeral message
        return
    user = (body.get("user") or {}).get("id")
    try:
        r = advisor.advise(text, asker=user, surface="idea")
        ack(response_action="update", view=result_modal(r))
    except Exception:  # noqa: BLE001
        log.exception("idea advice failed")
        ack(response_action="errors", errors={BLOCK: t("idea.error", lang)[:150]})


def after_idea(body, client, context):
    """Lazy: the advice for a modal opened from a channel, as an ephemeral message there."""
    view = body.get("view") or {}
    meta = unpack(view.get("private_metadata"))
    channel = meta.get("ch")
    if not channel:
        return                                   # answered in the modal itself
    deps = deps_of(context)
    user = (body.get("user") or {}).get("id", "")
    text = _idea_of(view)
    advisor = advisor_for(deps.desk)
    if not isinstance(advisor.check(text), str):
        return                                   # the modal showed the problem
    try:
        r = advisor.advise(text, asker=user, place=channel, surface="idea")
    except Exception:  # noqa: BLE001
        log.exception("idea advice failed")
        r = IdeaResult("invalid", text[:200], meta.get("l") or "ja", t("idea.error", meta.get("l") or "ja"))
    send_result(client, r, user=user, channel=channel)


@home_section
def home_idea(deps: Deps, user_id: str, lang: str) -> list[Block]:
    """App Home: ask the desk about an idea."""
    return [divider(), section(t("idea.home", lang), accessory=button(t("idea.home_button", lang), A_IDEA, pack(l=lang),
                                                                  style="primary"))]


def register(app: App) -> None:
    app.view(CB_IDEA)(ack=submit_idea, lazy=[after_idea])
