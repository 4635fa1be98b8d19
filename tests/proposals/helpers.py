"""Shared test data for the proposal desk tests."""
from __future__ import annotations

from bot.proposals.staff import Actor

STAFF = Actor("U_STAFF", is_staff=True)
COMPANY_A = Actor("U_COMPANY_A")
COMPANY_B = Actor("U_COMPANY_B")


def proposal_form(**over) -> dict:
    form = {
        "organisation": "株式会社みらいテック",
        "contact_name": "山田 花子",
        "email": "hanako@example.co.jp",
        "title": "公園のスマート照明の実証",
        "summary": "夜間の公園をセンサー付き照明で見守る実証実験を提案します。\n費用は当社負担です。",
        "method": "pilot",
        "needs_budget": "no",
    }
    form.update(over)
    return form


def shipped_calendar():
    """The budget calendar the knowledge base ships (knowledge/calendar.yaml)."""
    from bot.config import ROOT
    from bot.fiscal import load_calendar

    return load_calendar(ROOT / "knowledge")
