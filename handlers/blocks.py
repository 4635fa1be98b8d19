"""Reply → Block Kit, built with `slack_sdk.models.blocks` so Slack's limits are checked on build.

Everything the Slack app shows goes through here or `handlers/views/`: answers, did-you-mean
suggestions, declines with the hand-off button, and the small building blocks the `/desk`
sub-commands and App Home share. `message_payload()` returns `(text, blocks_as_dicts)`;
`to_dict()` runs slack_sdk's validators, so an over-long field fails loudly in tests instead of
being rejected by Slack at run time.
"""
from __future__ import annotations

import json

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.reply import Reply
from bot.i18n import t

# Slack's limits (https://api.slack.com/reference/block-kit/blocks), with a little headroom.
SECTION_CHARS = 3000
HEADER_CHARS = 150
BUTTON_TEXT_CHARS = 75
BUTTON_VALUE_CHARS = 2000
CONTEXT_CHARS = 2000
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
FALLBACK_CHARS = 3000      # notification / screen-reader text; Slack allows more, nobody reads more
MAX_RELATED = 3
MAX_SUGGESTIONS = 5
MAX_ITEMS = 10            # entries a list reply (e.g. cases) offers to open
SEEN_CHARS = 600          # how much of the answer shown travels with a hand-off

# action_ids (a button's action_id must be unique within its block, hence the ":n" suffixes)
A_OPEN = "desk_open_entry"        # open a knowledge entry (related, did-you-mean, methods, cases)
A_FEEDBACK_UP = "desk_feedback_up"
A_FEEDBACK_DOWN = "desk_feedback_down"
A_HANDOFF = "desk_handoff"
A_SHOW = "desk_show"              # App Home buttons: calendar / methods / cases
A_PROPOSE = "desk_propose"        # open the proposal form (handlers/actions/proposal.py)
A_REMIND = "desk_remind_toggle"   # reminders on/off for the clicker (handlers/views/remind.py)

# Answers after which proposing is the natural next step get a "propose" button: how to propose
# (howto), when to (calendar: the budget window) and by which route (method). Not precedents
# (case), definitions (term) or background (context): there the asker is still reading up, and
# a button on every answer would be noise.
PROPOSE_AFTER_KINDS = frozenset({"howto", "calendar", "method"})


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split_text(text: str, limit: int = SECTION_CHARS - 100) -> list[str]:
    """Cut text into chunks of at most `limit` characters, at paragraph, line or sentence ends
    where possible (never inside a `&amp;`-style entity)."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut < limit // 2:
            cut = max(window.rfind(c) for c in ("。", ". ", "！", "？", "! ", "? ", "、", " "))
            cut = cut + 1 if cut >= limit // 2 else limit
        amp = window.rfind("&", 0, cut)
        if amp != -1 and ";" not in window[amp:cut]:
            cut = amp                                  # don't split an entity
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def mrkdwn(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text)


def section(text: str, accessory=None) -> SectionBlock:
    return SectionBlock(text=mrkdwn(clip(text, SECTION_CHARS)), accessory=accessory)


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[mrkdwn(clip(text, CONTEXT_CHARS))])


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=clip(text, HEADER_CHARS), emoji=True))


def button(text: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    if len(value) > BUTTON_VALUE_CHARS:
        raise ValueError("button value too long")  # callers trim what they pack (see pack())
    return ButtonElement(text=PlainTextObject(text=clip(text, BUTTON_TEXT_CHARS), emoji=True),
                         action_id=action_id, value=value, style=style)


def pack(**fields) -> str:
    """A button value: compact JSON; the free-text field `q` is trimmed to fit Slack's 2000 chars."""
    fields = {k: v for k, v in fields.items() if v is not None}
    s = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    if len(s) > BUTTON_VALUE_CHARS and "q" in fields:
        over = len(s) - BUTTON_VALUE_CHARS
        fields["q"] = fields["q"][: max(0, len(fields["q"]) - over - 2)] + "…"
        s = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return s


def unpack(value: str | None) -> dict:
    try:
        data = json.loads(value or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def open_button(entry_id: str, title: str, lang: str, i: int = 0, question: str | None = None) -> ButtonElement:
    return button(title, f"{A_OPEN}:{i}", pack(e=entry_id, l=lang, q=question))


def propose_button(lang: str = "ja", challenge_id: int | None = None) -> ButtonElement:
    """The "propose" button (App Home, answers, challenges); it opens the proposal form."""
    return button(t("proposal.button", lang), A_PROPOSE, pack(l=lang, c=challenge_id),
                  style="primary")


def remind_button(lang: str = "ja") -> ButtonElement:
    """Subscribe the clicker to reminders by DM (handlers/views/remind.py)."""
    return button(t("desk.remind_button", lang), A_REMIND, pack(on=1, l=lang))


def handoff_button(reply: Reply) -> ButtonElement:
    """"Ask the desk staff": the question, its log id (whose question it was, where) and the
    start of the answer the asker saw travel in the value."""
    seen = clip(reply.text or "", SEEN_CHARS) if reply.kind not in ("decline", "invalid") else ""
    return button(t("desk.handoff_button", reply.lang), A_HANDOFF,
                  pack(q=reply.question, l=reply.lang, id=reply.log_id, s=seen or None), style="primary")


def render_reply(reply: Reply, *, max_blocks: int = MESSAGE_BLOCKS) -> list[Block]:
    """The Block Kit blocks for one Reply (answer, partial answer, did-you-mean, decline, greeting,
    hand-off or invalid): its text, then its items (entries to open), the actions it offers
    (propose, remind, hand-off) and, for answers, the feedback buttons."""
    lang = reply.lang
    tail: list[Block] = []   # blocks after the text; always kept whole
    if reply.source:
        tail.append(context(t("desk.source", lang, source=escape(reply.source))))
    if reply.items:
        tail.append(ActionsBlock(elements=[
            open_button(i.entry_id, i.title, lang, n) for n, i in enumerate(reply.items[:MAX_ITEMS])]))
    if reply.kind in ("suggest", "partial") and reply.suggestions:
        tail.append(ActionsBlock(elements=[
            open_button(s.entry_id, s.title, lang, i, reply.question)
            for i, s in enumerate(reply.suggestions[:MAX_SUGGESTIONS])]))
    if reply.kind in ("answer", "handoff") and reply.related:
        tail.append(context(t("desk.related", lang)))
        tail.append(ActionsBlock(elements=[
            open_button(r.entry_id, r.title, lang, i) for i, r in enumerate(reply.related[:MAX_RELATED])]))
    offer: list[ButtonElement] = []
    if "propose" in reply.actions or (reply.kind == "answer" and reply.entry_kind in PROPOSE_AFTER_KINDS):
        offer.append(propose_button(lang))
    if "remind" in reply.actions:
        offer.append(remind_button(lang))
    if reply.kind == "decline" or reply.handoff or "handoff" in reply.actions:
        offer.append(handoff_button(reply))
    if offer:
        tail.append(ActionsBlock(elements=offer))
    if reply.kind == "answer" and reply.log_id is not None:
        tail.append(ActionsBlock(block_id=f"feedback:{reply.log_id}", elements=[
            button(t("desk.helpful_yes", lang), A_FEEDBACK_UP, pack(id=reply.log_id, e=reply.entry_id, l=lang)),
            button(t("desk.helpful_no", lang), A_FEEDBACK_DOWN,
                   pack(id=reply.log_id, e=reply.entry_id, l=lang, q=reply.question)),
        ]))

    head: list[Block] = []
    if reply.kind == "answer" and reply.title:
        head.append(header(reply.title))
    body = escape(reply.text or "")
    if reply.kind == "suggest" and reply.suggestions and not body:
        body = t("desk.did_you_mean", lang)
    chunks = split_text(body) if body else []
    room = max_blocks - len(head) - len(tail)
    if len(chunks) > room:                     # only a pathological answer gets here
        chunks = chunks[: room - 1] + [t("desk.trimmed", lang)]
    return head + [section(c) for c in chunks] + tail


def fallback_text(reply: Reply) -> str:
    """The plain `text` sent beside the blocks (notifications, screen readers)."""
    text = reply.text or ""
    if reply.kind == "answer" and reply.title:
        text = f"{reply.title}\n{text}"
    return clip(escape(text), FALLBACK_CHARS)     # `text` is mrkdwn too: user text must not ping


def blocks_json(blocks: list[Block]) -> list[dict]:
    """Validate (slack_sdk raises SlackObjectFormationError on a broken limit) and serialise."""
    if len(blocks) > MESSAGE_BLOCKS:
        raise ValueError(f"{len(blocks)} blocks; a message holds at most {MESSAGE_BLOCKS}")
    return [b.to_dict() for b in blocks]


def message_payload(reply: Reply) -> tuple[str, list[dict]]:
    return fallback_text(reply), blocks_json(render_reply(reply))


def divider() -> DividerBlock:
    return DividerBlock()


def feedback_done_blocks(original: list[dict], log_id: int, lang: str, helpful: bool,
                         question: str | None = None) -> list[dict]:
    """The message's blocks with its feedback buttons replaced by the thanks (👎: and the offer
    of a person, unless the message already has the staff button)."""
    has_handoff = any(el.get("action_id") == A_HANDOFF for b in original for el in b.get("elements", []) or []
                      if isinstance(el, dict))
    out: list[dict] = []
    for b in original:
        if b.get("block_id") != f"feedback:{log_id}":
            out.append(b)
            continue
        out.append(context(t("desk.thanks_up" if helpful else "desk.thanks_down", lang)).to_dict())
        if not helpful and not has_handoff:
            out.append(context(t("desk.feedback_offer", lang)).to_dict())
            out.append(ActionsBlock(block_id=f"feedback_handoff:{log_id}", elements=[button(
                t("desk.handoff_button", lang), A_HANDOFF, pack(q=question or "", l=lang, id=log_id),
                style="primary")]).to_dict())
    return out
