"""Plain-text wording shared by the CLI and the Slack side (Slack uses it as notification text)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.proposals import status as st
from bot.proposals.service import ProposalView
from bot.proposals.validation import METHODS, NEEDS_BUDGET


def when(dt: datetime | None, tz: str = "Asia/Tokyo") -> str:
    return dt.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") if dt else ""


def one_line(v: ProposalView, lang: str = "ja") -> str:
    dept = f" / {v.department}" if v.department else ""
    return f"{v.ref} [{st.label(v.status, lang)}{dept}] {v.organisation}: {v.title}"


def details(v: ProposalView, lang: str = "ja", *, staff: bool = False) -> str:
    en = lang == "en"
    method = METHODS[v.method].label(lang) if v.method in METHODS else v.method
    budget = NEEDS_BUDGET[v.needs_budget].label(lang) if v.needs_budget in NEEDS_BUDGET else v.needs_budget
    rows = [
        (("Reference", v.ref), ("受付番号", v.ref)),
        (("Status", st.label(v.status, lang)), ("状況", st.label(v.status, lang))),
        (("Department", v.department or "—"), ("担当課", v.department or "未定")),
        (("Organisation", v.organisation), ("団体名", v.organisation)),
        (("Contact", f"{v.contact_name} <{v.email}>"), ("担当者", f"{v.contact_name} <{v.email}>")),
        (("Title", v.title), ("件名", v.title)),
        (("Challenge", v.challenge_title or "—"), ("対応する課題", v.challenge_title or "なし")),
        (("Method", method), ("希望する手法", method)),
        (("Needs city budget", budget), ("市の予算", budget)),
        (("Submitted", when(v.submitted_at)), ("受付日時", when(v.submitted_at))),
    ]
    out = [f"{(en_ if en else ja_)[0]}: {(en_ if en else ja_)[1]}" for en_, ja_ in rows]
    out += ["", v.summary, "", "History:" if en else "経過:"]
    for e in v.events:
        what = st.label(e.new, lang) if e.field == "status" else (f"Department: {e.new}" if en else f"担当課: {e.new}")
        who = f" ({e.by})" if staff else ""
        out.append(f"  {when(e.at)} {what}{who}" + (f" — {e.comment}" if e.comment and staff else ""))
    if staff and v.notes:
        out += ["", "Notes:" if en else "メモ:"]
        out += [f"  {when(n.at)} {n.author}: {n.text}" for n in v.notes]
    return "\n".join(out)


def status_notice(v: ProposalView, old: str, new: str) -> str:
    """What the proposer is told when the status changes (in the proposal's language)."""
    if v.lang == "en":
        return (f"Your proposal {v.ref} \"{v.title}\" has moved from {st.label(old, 'en')} to "
                f"{st.label(new, 'en')}." + (f" Department in charge: {v.department}." if v.department else ""))
    return (f"ご提案 {v.ref}「{v.title}」の状況が「{st.label(old)}」から「{st.label(new)}」に変わりました。"
            + (f"担当課: {v.department}" if v.department else ""))


def receipt(v: ProposalView, advice_text: str, *, staff_notified: bool | None) -> str:
    """The receipt: reference number, what happens next (honestly), and the timing advice."""
    en = v.lang == "en"
    head = (f"Thank you. Your proposal has been received. Reference number: {v.ref}" if en else
            f"ご提案を受け付けました。受付番号: {v.ref}")
    if staff_notified is True:
        nxt = ("The desk staff have been notified and will contact you." if en else
               "デスクの職員に届けました。担当からご連絡します。")
    else:
        nxt = ("Your proposal is safely stored; the desk staff will be notified shortly (we retry automatically)."
               if en else "ご提案は保存済みです。デスクの職員への通知は少し遅れていますが、自動で再送し、まもなく届きます。")
    return f"{head}\n{nxt}\n\n{advice_text}"
