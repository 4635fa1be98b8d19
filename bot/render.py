"""Plain-text rendering of a Reply, for the console and `deskbot ask` (Slack renders Block Kit)."""
from __future__ import annotations

from bot.reply import Reply

LABELS = {
    "ja": {"source": "出典", "related": "関連", "suggest": "候補", "handoff":
           "担当職員に相談するには「staff」と入力してください。"},
    "en": {"source": "Source", "related": "Related", "suggest": "Did you mean", "handoff":
           "Type \"staff\" to pass your question to the desk staff."},
}


def render_text(reply: Reply, *, console: bool = False) -> str:
    L = LABELS[reply.lang]
    lines: list[str] = []
    if reply.title:
        lines.append(f"■ {reply.title}")
    lines.append(reply.text)
    if reply.source:
        lines.append(f"({L['source']}: {reply.source})")
    # In the console the links are numbered: typing the number opens one (see bot/console.py).
    if reply.related:
        start = len(reply.suggestions) + 1
        items = [f"{i}. {r.title}" if console else r.title for i, r in enumerate(reply.related, start)]
        lines.append(f"{L['related']}: " + " / ".join(items))
    if reply.suggestions:
        lines.append(f"{L['suggest']}:")
        lines += [f"  {i}. {s.title}" for i, s in enumerate(reply.suggestions, 1)]
    if reply.handoff and console:
        lines.append(L["handoff"])
    return "\n".join(lines)
