"""Plain-text wording shared by the CLI and the Slack side (Slack uses it as notification text)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import t
from bot.proposals import status as st
from bot.proposals.service import ProposalView
from bot.proposals.validation import METHODS, NEEDS_BUDGET


def when(dt: datetime | None, tz: str = "Asia/Tokyo") -> str:
    return dt.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") if dt else ""


def one_line(v: ProposalView, lang: str = "ja") -> str:
    dept = f" / {v.department}" if v.department else ""
    return f"{v.ref} [{st.label(v.status, lang)}{dept}] {v.organisation}: {v.title}"


def details(v: ProposalView, lang: str = "ja", *, staff: bool = False) -> str:
    method = METHODS[v.method].label(lang) if v.method in METHODS else v.method
    budget = NEEDS_BUDGET[v.needs_budget].label(lang) if v.needs_budget in NEEDS_BUDGET else v.needs_budget
    rows = [
        ("reference", v.ref),
        ("status", st.label(v.status, lang)),
        ("department", v.department or t("proposal.field.no_department", lang)),
        ("organisation", v.organisation),
        ("contact", f"{v.contact_name} <{v.email}>"),
        ("title", v.title),
        ("challenge", v.challenge_title or t("proposal.field.no_challenge", lang)),
        ("method", method),
        ("needs_budget", budget),
        ("submitted", when(v.submitted_at)),
    ]
    out = [f"{t(f'proposal.field.{k}', lang)}: {value}" for k, value in rows]
    out += ["", v.summary, "", t("proposal.text.history", lang)]
    for e in v.events:
        what = st.label(e.new, lang) if e.field == "status" else t("proposal.text.department_event", lang,
                                                                    department=e.new)
        who = f" ({e.by})" if staff else ""
        out.append(f"  {when(e.at)} {what}{who}" + (f" — {e.comment}" if e.comment and staff else ""))
    if staff and v.notes:
        out += ["", t("proposal.text.notes", lang)]
        out += [f"  {when(n.at)} {n.author}: {n.text}" for n in v.notes]
    return "\n".join(out)


def status_notice(v: ProposalView, old: str, new: str) -> str:
    """What the proposer is told when the status changes (in the proposal's language)."""
    lang = v.lang
    return (t("proposal.text.status_notice", lang, ref=v.ref, title=v.title, old=st.label(old, lang),
              new=st.label(new, lang))
            + (t("proposal.text.status_notice_department", lang, department=v.department) if v.department else ""))


def receipt(v: ProposalView, advice_text: str, *, staff_notified: bool | None) -> str:
    """The receipt: reference number, what happens next (honestly), and the timing advice."""
    head = t("proposal.text.receipt_head", v.lang, ref=v.ref)
    nxt = t("proposal.text.receipt_notified" if staff_notified is True else "proposal.text.receipt_pending", v.lang)
    return f"{head}\n{nxt}\n\n{advice_text}"
