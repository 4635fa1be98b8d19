"""Our labelled idea set (tests/data/ideas.jsonl) and its fixed split.

Each line: {"id", "text", "lang", "methods": [method entry ids a desk officer would name],
"cases": [precedent entry ids; empty when no recorded precedent fits]}.

The split is decided by a hash of the id (bench/evalsets.split_of: one fifth is held back), never
chosen; nothing is fitted or tuned on the held-back part.
"""
from __future__ import annotations

import json
from pathlib import Path

from evalsets import split_of

IDEAS = Path(__file__).resolve().parent.parent / "tests" / "data" / "ideas.jsonl"


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
    """Who wrote the idea: "first" (i0001–i0073, the session that built the advisor) or "second"
    (i0074 on, written later from the issue and the knowledge base). Training on one writer's
    ideas and judging the other's is the nearest we have to an idea set written by someone else."""
    return "first" if int(item["id"].lstrip("i")) <= 73 else "second"


def method_hit(item: dict, method_ids: list[str], k: int = 3) -> bool:
    return bool(set(item["methods"]) & set(method_ids[:k]))


def case_hit(item: dict, case_ids: list[str], k: int = 5) -> bool:
    """A fitting precedent among the first k; for an idea with none recorded, right when the
    advisor says there is no close precedent (lists none)."""
    if not item["cases"]:
        return not case_ids
    return bool(set(item["cases"]) & set(case_ids[:k]))
