"""Our labelled idea set (tests/data/ideas.jsonl) and its fixed split.

Each line: {"id", "text", "lang", "methods": [method entry ids a desk officer would name],
"cases": [precedent entry ids; empty when no recorded precedent fits]}.

The split is decided by a hash of the id (bench/evalsets.split_of: one fifth is held back), never
chosen; nothing is fitted or tuned on the held-back part. DESKBOT_IDEAS=path scores another
file of the same form instead (e.g. a subset while a newer writer's ideas are kept unseen).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from evalsets import split_of

IDEAS = Path(os.environ.get("DESKBOT_IDEAS") or Path(__file__).resolve().parent.parent / "tests" / "data" / "ideas.jsonl")


def load(split: str | None = None, path: Path = IDEAS) -> list[dict]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            it = json.loads(line)
            it["split"] = "held" if split_of(it["id"]) == "val" else "dev"
            if split is None or it["split"] == split:
                out.append(it)
    return out


def writer(item: dict) -> str:
    """Who wrote the idea: "first" (i0001–i0073, the session that built the advisor), "second"
    (i0074–i0150, written later from the issue and the knowledge base) or "third" (i0151 on: terse
    one-liners, long multi-paragraph pitches, English from foreign companies, ideas that name money
    or a place), "fourth" (i0241 on: written after the advisor's precedent scorer was last
    changed, before its scores on them were looked at; short e-mail-like requests, health,
    welfare, schools, energy, disaster prevention, tourism, advertising, and more ideas with no
    recorded precedent), "fifth" (i0288 on: a regional bank's business-matching officer and a
    chamber-of-commerce adviser forwarding their clients' ideas — "a client of ours …",
    「取引先の…から」 —, written and labelled before the advisor's scores on them were looked at,
    21 of 60 with no recorded precedent), "sixth" (i0348–i0397: a municipal-finance consultant —
    「顧問先の…」, "a client of our public-finance practice" — budgets, snow-clearing costs,
    facility upkeep, payroll, council budget policy, and a startup accelerator — 「採択企業の…」,
    "a startup in our cohort" —; 26 of 50 in English, one-liners to multi-paragraph letters, 16 of 50
    with no recorded precedent; written and labelled from the seeds and the case entries before the
    advisor's scores on them were looked at), "seventh" (i0398–i0447: the Japan managers of
    foreign-owned companies writing in English — "our parent company in Stuttgart", "our UK group",
    a Danish leak-detector maker, a Korean battery maker — and owners of small Japanese firms
    writing plainly — 「町の小さな印刷屋です」「うちは昔からの銭湯です」 —; 29 of 50 in English,
    19 of 50 with no recorded precedent; written and labelled from the case and method entries
    before the advisor's scores on them were looked at), "eighth" (i0448–i0527: regional banks,
    insurers and trading companies writing for a client or a local subsidiary — "one of our
    clients", 「当行の取引先が…」 —, university labs, NPOs and social enterprises, and individuals
    such as retired engineers, farmers and a café owner; health, care, facilities, mobility, snow,
    DX, donations, talent, farming, tourism and naming; 44 of 80 in English, one-liners to three
    paragraphs, 28 of 80 with no recorded precedent; written and labelled from the method and case
    entries before the advisor's scores on them were looked at), "ninth" (i0528 on: staff of companies
    writing through a web contact form or a LinkedIn-style message — a logistics firm, a telecom, a
    food maker, a gym chain, a developer, IT vendors, a pharmacy chain, childcare operators, outdoor-gear
    makers, a shrine and a temple, a shopping-street association, university spin-offs, foreign tour
    operators —; health, care, childcare, schools, parks and facilities, mobility, DX, disaster
    prevention, energy, tourism, farming, donations, advertising and naming, staffing, sounding and
    PFI/PPP; 35 of 70 in English, one-liners to three paragraphs, 26 of 70 with no recorded precedent;
    written and labelled from the method and case entries before the advisor's scores on them were
    looked at). Training on the other writers' ideas and judging one writer's is the nearest we have
    to an idea set written by someone else."""
    n = int(item["id"].lstrip("i"))
    return ("first" if n <= 73 else "second" if n <= 150 else "third" if n <= 240 else "fourth" if n <= 287
            else "fifth" if n <= 347 else "sixth" if n <= 397 else "seventh" if n <= 447 else "eighth" if n <= 527
            else "ninth")


WRITERS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")
CHALLENGES_LABELLED_UPTO = 150     # tests/data/idea_challenges.jsonl labels ideas i0001–i0150 only


def challenge_labelled(item: dict) -> bool:
    """Whether the idea was labelled against the city challenges (the third writer's were not:
    counting them as answering none would teach the challenge scorer false negatives)."""
    return int(item["id"].lstrip("i")) <= CHALLENGES_LABELLED_UPTO


def method_hit(item: dict, method_ids: list[str], k: int = 3) -> bool:
    return bool(set(item["methods"]) & set(method_ids[:k]))


def case_hit(item: dict, case_ids: list[str], k: int = 5) -> bool:
    """A fitting precedent among the first k; for an idea with none recorded, right when the
    advisor says there is no close precedent (lists none)."""
    if not item["cases"]:
        return not case_ids
    return bool(set(item["cases"]) & set(case_ids[:k]))
