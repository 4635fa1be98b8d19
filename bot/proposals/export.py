"""CSV export of every proposal, for the desk's records and the council's questions.

UTF-8 with a byte-order mark by default, so Excel on a Japanese PC opens it without mojibake.
Cells that a spreadsheet would run as a formula (=, +, -, @ …) are prefixed with an apostrophe:
companies type these texts, staff open them in Excel.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from bot.proposals import status as st
from bot.proposals.service import ProposalView
from bot.proposals.validation import METHODS, NEEDS_BUDGET

COLUMNS = ["ref", "fiscal_year", "submitted_at", "status", "status_changed_at", "department",
           "organisation", "contact_name", "email", "title", "summary", "challenge", "method",
           "needs_budget", "submitter", "history"]
HEADERS_JA = ["受付番号", "年度", "受付日時", "状況", "状況更新日時", "担当課", "団体名", "担当者", "メール",
              "件名", "概要", "対応する課題", "希望する手法", "市の予算", "提出者(Slack ID)", "経過"]


def _safe(v: object) -> str:
    s = "" if v is None else str(v)
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


def _when(dt, tz: ZoneInfo) -> str:
    return dt.astimezone(tz).strftime("%Y-%m-%d %H:%M") if dt else ""


def history_text(v: ProposalView, tz: ZoneInfo) -> str:
    lines = []
    for e in v.events:
        what = st.label(e.new) if e.field == "status" else f"担当課: {e.new}"
        lines.append(f"{_when(e.at, tz)} {what} ({e.by})" + (f" {e.comment}" if e.comment else ""))
    return "\n".join(lines)


def to_csv(proposals: Iterable[ProposalView], *, tz: str = "Asia/Tokyo", header: str = "ja",
           include_notes: bool = False) -> str:
    z = ZoneInfo(tz)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    cols = COLUMNS + (["notes"] if include_notes else [])
    w.writerow((HEADERS_JA + (["メモ"] if include_notes else [])) if header == "ja" else cols)
    for v in proposals:
        row = [v.ref, v.fiscal_year, _when(v.submitted_at, z), st.label(v.status), _when(v.status_changed_at, z),
               v.department, v.organisation, v.contact_name, v.email, v.title, v.summary, v.challenge_title,
               METHODS[v.method].ja if v.method in METHODS else v.method,
               NEEDS_BUDGET[v.needs_budget].ja if v.needs_budget in NEEDS_BUDGET else v.needs_budget,
               v.submitter, history_text(v, z)]
        if include_notes:
            row.append("\n".join(f"{_when(n.at, z)} {n.author}: {n.text}" for n in v.notes))
        w.writerow([_safe(c) for c in row])
    return buf.getvalue()
