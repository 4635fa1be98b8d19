"""Plain-text rendering of a Reply, for the console and `deskbot ask` (Slack renders Block Kit)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.reply import Reply

if TYPE_CHECKING:
    from bot.advisor import IdeaResult

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


IDEA_LABELS = {
    "ja": {"methods": "合いそうな連携の手法", "cases": "近い事例", "challenges": "応えられそうな市の課題",
           "timing": "時期の目安", "steps": "準備すること", "used": "手法", "staff": "担当職員に相談するには「staff」と入力してください。",
           "propose": "この内容で提案するには `/desk propose`(Slack)またはデスクへ。"},
    "en": {"methods": "Partnership methods that fit", "cases": "Nearest precedents",
           "challenges": "City challenges it could answer", "timing": "Timing", "steps": "What to prepare",
           "used": "method", "staff": "Type \"staff\" to pass this to the desk staff.",
           "propose": "To propose this, use `/desk propose` in Slack or contact the desk."},
}


def render_idea(r: "IdeaResult", *, console: bool = False) -> str:
    """The idea advisor's result as plain text (console, `deskbot idea`, the JSON line's `text`)."""
    if not r.ok:
        return r.message
    L = IDEA_LABELS[r.lang]
    sep = ": " if r.lang == "en" else ":"
    lines = [r.message, "", f"■ {L['methods']}"]
    lines += [f"  {i}. {m.title} — {m.why}" for i, m in enumerate(r.methods, 1)]
    lines += ["", f"■ {L['cases']}"]
    if r.cases:
        if r.no_precedent:                       # unsure: the nearest ones, under an honest heading
            from bot.advisor import MESSAGES

            lines.append("  " + MESSAGES["reference"][r.lang])
        for i, c in enumerate(r.cases, 1):
            used = f" [{L['used']}{sep}{', '.join(c.methods[:3])}]" if c.methods else ""
            lines.append(f"  {i}. {c.municipality} — {c.title}{used}")
            lines.append(f"     {c.what}")
    else:
        from bot.advisor import MESSAGES

        lines.append("  " + MESSAGES["no_precedent"][r.lang])
    if r.challenges:
        lines += ["", f"■ {L['challenges']}"] + [f"  • {c.title}" for c in r.challenges]
    lines += ["", f"■ {L['timing']}", "  " + r.timing]
    if r.next_steps:
        lines += ["", f"■ {L['steps']}"] + [f"  • {s}" for s in r.next_steps]
    lines += ["", r.handoff]
    if console:
        lines.append(L["staff"])
    return "\n".join(lines)
