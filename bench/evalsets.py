"""Our own labelled question sets (tests/data/) and their fixed training / validation split.

Every item's split is decided by a hash of its id, never chosen: one fifth is validation, and
nothing is fitted or tuned on it (bench/fit_decision.py fits on the training part only).

Item fields: q, lang, style, entries (right entry ids), expect (groups of alternatives the answer
must contain), fallback (the reply must not answer: out of scope, or a specific the knowledge
does not hold — then `partial` is true and `entries` names the topic).
"""
from __future__ import annotations

import functools
import hashlib
import json
import unicodedata
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
ANSWER_SETS = ("eval_a.jsonl", "eval_b.jsonl", "eval_c.jsonl", "eval_d.jsonl", "eval_e.jsonl", "eval_f.jsonl", "eval_g.jsonl",
               "eval_h.jsonl", "eval_i.jsonl", "eval_j.jsonl", "eval_k.jsonl", "eval_l.jsonl",
               "eval_m.jsonl", "eval_n.jsonl",
               "eval_o.jsonl", "eval_p.jsonl", "eval_q.jsonl", "eval_r.jsonl", "eval_s.jsonl", "eval_t.jsonl",
               "eval_u.jsonl", "eval_v.jsonl", "eval_w.jsonl", "eval_x.jsonl", "eval_y.jsonl", "eval_z.jsonl", "eval_aa.jsonl", "eval_ab.jsonl", "eval_ac.jsonl", "eval_ad.jsonl", "eval_ae.jsonl",
               "paraphrases.jsonl")
CONVERSATION = "conversation.jsonl"
INTENT_DOCS = ("handoff", "timing", "cases", "propose", "remind", "contact")


def load_conversation(split: str | None = None, path: Path | None = None) -> list[dict]:
    """The conversation set (intent, date, answered, entries, expect per message); `path`: another
    file of the same schema instead of tests/data/conversation.jsonl."""
    path = Path(path) if path is not None else DATA / CONVERSATION
    items = []
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        if line.strip():
            it = json.loads(line)
            it["split"] = split_of(it["id"])
            it.setdefault("expect", [])
            it.setdefault("entries", [])
            if split is None or it["split"] == split:
                items.append(it)
    return items


def conversation_as_training(split: str = "train") -> list[dict]:
    """Conversation messages in the answer sets' shape, for fitting: an intent's gold is its
    pseudo-document ("intent:timing" …); greetings and thanks never reach retrieval."""
    out = []
    for it in load_conversation(split):
        intent = it["intent"]
        if intent in ("greeting", "thanks"):
            continue
        base = {"id": it["id"], "q": it["q"], "lang": it["lang"], "style": "conversation", "expect": [],
                "set": "conversation", "split": it["split"], "partial": False}
        if intent in INTENT_DOCS:
            out.append(base | {"entries": [f"intent:{intent}"], "fallback": False})
        elif intent in ("out_of_scope", "unknown"):
            out.append(base | {"entries": [], "fallback": True})
        elif it["entries"]:
            out.append(base | {"entries": it["entries"], "fallback": not it.get("answered", True),
                               "partial": not it.get("answered", True)})
    return out


@functools.lru_cache(maxsize=1)
def _vocabularies():
    """The knowledge's kana readings and English words (bot/kana.py, bot/spelling.py), loaded once."""
    from bot.config import get_settings
    from bot.kana import kana_words
    from bot.knowledge import load_knowledge
    from bot.spelling import english_words

    kb = load_knowledge(get_settings().knowledge_dir)
    return kana_words(kb, get_settings().cache_dir), english_words(kb)


def core_of(q: str) -> str:
    """A question as Desk._decide matches it (bot/text.py `message_core`), for the fitting scripts."""
    from bot import text as T

    return T.message_core(T.clean(q, keep_lines=True), *_vocabularies())[0]


def split_of(key: str) -> str:
    return "val" if int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % 5 == 0 else "train"


def load(split: str | None = None, files=ANSWER_SETS) -> list[dict]:
    items = []
    for name in files:
        path = DATA / name
        if not path.exists():
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if not line.strip():
                continue
            it = json.loads(line)
            it.setdefault("id", f"{path.stem}:{n}")
            if "ids" in it:                           # paraphrases.jsonl's older shape
                it["entries"] = it.pop("ids")
            it.setdefault("entries", [])
            it.setdefault("expect", [])
            it.setdefault("fallback", False)
            it.setdefault("partial", False)
            it.setdefault("style", "paraphrase")
            it.setdefault("lang", "en" if it["q"].isascii() else "ja")
            it["set"] = path.stem
            it["split"] = split_of(it["id"])
            if split is None or it["split"] == split:
                items.append(it)
    return items


def _fold(s: str) -> str:
    return unicodedata.normalize("NFKC", s).lower()


def facts_present(item: dict, text: str) -> bool:
    t = _fold(text or "")
    return all(any(_fold(a) in t for a in group) for group in item.get("expect") or [])


def judge(item: dict, reply: dict) -> bool:
    """As ../shared/eval/score.py judges (answered + the expected facts), and the right entry
    where the item names entries."""
    if item["fallback"]:
        return reply.get("answered") is False
    if reply.get("answered") is not True:
        return False
    if item["entries"] and reply.get("entry_id") not in item["entries"]:
        return False
    return facts_present(item, reply.get("answer") or "")
