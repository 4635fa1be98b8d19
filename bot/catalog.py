"""Lists over the knowledge base for `/desk methods` and `/desk cases` (read-only lookups).

`find_cases(kb, query)` reads the query as, in this order: a method (its id, title or an alias),
a municipality (Japanese or English name, either contained in the other), or a keyword matched
against a case's title, aliases, tags and answer — all after the matcher's text folding, so
ＰＦＩ, pfi and PFI are the same and ネーミングライツ matches ねーみんぐらいつ.
"""
from __future__ import annotations

from bot.knowledge import Entry, Knowledge
from bot.text import fold


def _f(s: str | None) -> str:
    return fold(s or "").replace(" ", "")


def methods(kb: Knowledge) -> list[Entry]:
    """The method entries, the overview first, then by Japanese title."""
    ms = [e for e in kb.entries.values() if e.kind == "method"]
    return sorted(ms, key=lambda e: (not e.id.endswith("overview"), e.title.ja))


def cases(kb: Knowledge) -> list[Entry]:
    return sorted((e for e in kb.entries.values() if e.kind == "case"),
                  key=lambda e: ((e.municipality.ja if e.municipality else ""), e.title.ja))


def _method_ids(kb: Knowledge, q: str) -> set[str]:
    out = set()
    for m in methods(kb):
        names = [m.id, m.title.ja, m.title.en or "", *m.aliases]
        if any(_f(n) == q for n in names if n):
            out.add(m.id)
    return out


def find_cases(kb: Knowledge, query: str | None) -> tuple[str, list[Entry]]:
    """(how the query was read: "all" | "method" | "city" | "keyword", the matching cases)."""
    all_cases = cases(kb)
    q = _f(query)
    if not q:
        return "all", all_cases
    mids = _method_ids(kb, q)
    if mids:
        return "method", [c for c in all_cases if mids & set(c.methods)]
    by_city = [c for c in all_cases if c.municipality and any(
        n and (q in _f(n) or _f(n) in q) for n in (c.municipality.ja, c.municipality.en))]
    if by_city:
        return "city", by_city
    def hay(c: Entry) -> str:
        return _f(" ".join([c.title.ja, c.title.en or "", *c.aliases, *c.tags, c.answer.ja, c.answer.en or ""]))
    return "keyword", [c for c in all_cases if q in hay(c)]
