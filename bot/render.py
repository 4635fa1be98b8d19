"""Plain-text rendering of a Reply, for the console and `deskbot ask` (Slack renders Block Kit)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.i18n import t
from bot.reply import Reply

if TYPE_CHECKING:
    from bot.advisor import IdeaResult

def render_text(reply: Reply, *, console: bool = False) -> str:
    def L(key: str) -> str:
        return t("render." + key, reply.lang)

    lines: list[str] = []
    if reply.title:
        lines.append(f"■ {reply.title}")
    lines.append(reply.text)
    if reply.source:
        lines.append(f"({L('source')}: {reply.source})")
    # In the console the links are numbered: typing the number opens one (see bot/console.py).
    if reply.related:
        start = len(reply.suggestions) + 1
        items = [f"{i}. {r.title}" if console else r.title for i, r in enumerate(reply.related, start)]
        lines.append(f"{L('related')}: " + " / ".join(items))
    if reply.suggestions:
        # A partial answer links the one entry it is about; a did-you-mean offers candidates.
        lines.append(f"{L('entry' if reply.kind == 'partial' else 'suggest')}:")
        lines += [f"  {i}. {s.title}" for i, s in enumerate(reply.suggestions, 1)]
    if reply.handoff and console:
        lines.append(L("handoff"))
    return "\n".join(lines)


def render_idea(r: "IdeaResult", *, console: bool = False) -> str:
    """The idea advisor's result as plain text (console, `deskbot idea`, the JSON line's `text`)."""
    if not r.ok:
        return r.message
    def L(key: str) -> str:
        return t({"staff": "idea_advice.staff_console", "propose": "idea_advice.propose_console"}.get(key, "idea." + key), r.lang)

    sep = ": " if r.lang == "en" else ":"
    lines = [r.message, "", f"■ {L('methods')}"]
    lines += [f"  {i}. {m.title} — {m.why}" for i, m in enumerate(r.methods, 1)]
    lines += ["", f"■ {L('cases')}"]
    if r.cases:
        if r.no_precedent:                       # unsure: the nearest ones, under an honest heading

            lines.append("  " + t("idea_advice.reference", r.lang))
        for i, c in enumerate(r.cases, 1):
            used = f" [{L('used')}{sep}{', '.join(c.methods[:3])}]" if c.methods else ""
            lines.append(f"  {i}. {c.municipality} — {c.title}{used}")
            lines.append(f"     {c.what}")
    else:

        lines.append("  " + t("idea_advice.no_precedent", r.lang))
    if r.challenges:
        lines += ["", f"■ {L('challenges')}"] + [f"  • {c.title}" for c in r.challenges]
    lines += ["", f"■ {L('timing')}", "  " + r.timing]
    if r.next_steps:
        lines += ["", f"■ {L('steps')}"] + [f"  • {s}" for s in r.next_steps]
    lines += ["", r.handoff]
    if console:
        lines.append(L("staff"))
    return "\n".join(lines)
