"""Matching a question against the knowledge index.

Two signals, both computed on folded text (see bot/text.py):

- coverage: how much of the question's informative content an entry contains. Each query token
  (kanji/kana bigram or English stem) is weighted by its IDF; an entry holds a token with a
  weight set by the field it appears in (title and aliases count fully, tags less, answer text
  least, and long answers are damped). coverage = Σ idf·w / Σ idf over the query's tokens, so it
  lies in [0, 1]; tokens the index has never seen still count in the denominator (at half
  weight), which keeps chatty out-of-scope questions low.
- alias: whether a name of the entry (title or alias) occurs in the question, exactly or, for
  longer names, fuzzily (rapidfuzz partial_ratio), so typos and kana variants still hit.

The final score is a probabilistic OR of the two plus a small prior from the question's intent
(「いつ」 leans to calendar entries, 「事例」 to cases …). Candidates come from an inverted index
(numpy postings), so a query costs O(postings of its tokens), not O(entries).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz

from bot.text import fold, text_form, tokens

# Field weights for a token found in that field of an entry.
FIELD_WEIGHTS = {"name": 1.0, "tag": 0.7, "body": 0.45}
UNKNOWN_TOKEN_SHARE = 0.5      # weight of never-seen tokens in the coverage denominator
CANDIDATES = 24                # entries re-ranked with the alias signal

# Question scaffolding removed before tokenising (folded forms; long marks are already gone).
_SCAFFOLDING = re.compile("|".join(sorted(map(re.escape, """
教えてください 教えて下さい おしえてください 教えてほしい 教えて おしえて について に関して に関する
とはなんですか とは何ですか とはなに とは ってなに って何 ってなんですか ってどういうこと
何ですか なんですか なんでしょうか でしょうか ですか ますか ください 下さい 知りたいです 知りたい
聞きたい わかりますか 分かりますか ありますか お願いします よろしく 詳しく 具体的に
""".split()), key=len, reverse=True)))

# Intent cues → (kinds they favour, bonus). Matched on folded text.
INTENTS: list[tuple[re.Pattern, tuple[str, ...], float]] = [
    (re.compile(r"いつ|何月|時期|期間|スケジュ|日程|締め切|締切|〆切|開始|始ま|\bwhen\b|\bschedule|\bdeadline|\bmonth"),
     ("calendar",), 0.10),
    (re.compile(r"事例|実例|先進|自治体|どこ|取り組|取組|実績|\bexample|\bcase|\bprecedent|\bwhich (?:city|cities|municipalit)"),
     ("case",), 0.06),
    (re.compile(r"どうすれば|どうしたら|方法|手順|流れ|気をつけ|注意|コツ|準備|ポイント|\bhow\b|\bprepare|\btips?\b|\bsteps?\b"),
     ("howto",), 0.06),
    (re.compile(r"とは|意味|違い|\bwhat (?:is|are|does)\b|\bmeaning|\bdifference"),
     ("term", "method", "context"), 0.03),
]


@dataclass
class IndexDoc:
    """What the index needs of one entry."""

    key: str
    kind: str
    names: list[str]          # titles and aliases
    tags: list[str]
    body: list[str]           # answer texts


@dataclass
class Candidate:
    key: str
    kind: str
    score: float
    coverage: float
    alias: float


@dataclass
class Synonyms:
    """Everyday wording → the words entries use; the canonical form is added to the query."""

    pattern: re.Pattern | None = None
    canonical: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, groups: dict[str, list[str]]) -> "Synonyms":
        canon: dict[str, str] = {}
        for target, variants in groups.items():
            for v in variants:
                fv = fold(v)
                if fv:
                    canon[fv] = fold(target)
        if not canon:
            return cls()
        pat = re.compile("|".join(map(re.escape, sorted(canon, key=len, reverse=True))))
        return cls(pat, canon)

    def expand(self, folded: str) -> str:
        if not self.pattern:
            return folded
        extra = {self.canonical[m.group()] for m in self.pattern.finditer(folded)}
        return folded + (" " + " ".join(sorted(extra)) if extra else "")


class Index:
    def __init__(self, docs: list[IndexDoc], synonyms: Synonyms | None = None):
        self.docs = docs
        self.synonyms = synonyms or Synonyms()
        n = len(docs)
        self.kinds = np.array([d.kind for d in docs])
        # Names in the form used for substring / fuzzy checks, longest first.
        self.name_forms: list[list[str]] = []
        weights: dict[str, dict[int, float]] = {}
        body_lens = []
        doc_body_tokens = []
        for i, d in enumerate(docs):
            forms = {text_form(fold(s)) for s in d.names}
            self.name_forms.append(sorted((f for f in forms if len(f) >= 2), key=len, reverse=True))
            bt = [t for s in d.body for t in tokens(fold(s))]
            doc_body_tokens.append(bt)
            body_lens.append(len(bt))
        avg_body = (sum(body_lens) / n) if n else 1.0
        for i, d in enumerate(docs):
            local: dict[str, float] = {}

            def put(toks: list[str], w: float) -> None:
                counts: dict[str, int] = {}
                for t in toks:
                    counts[t] = counts.get(t, 0) + 1
                for t, c in counts.items():
                    v = w * (1.0 + 0.15 * min(c - 1, 3))
                    if v > local.get(t, 0.0):
                        local[t] = v

            damp = 1.0 / (0.6 + 0.4 * body_lens[i] / avg_body) if avg_body else 1.0
            put(doc_body_tokens[i], FIELD_WEIGHTS["body"] * min(1.0, damp))
            put([t for s in d.tags for t in tokens(fold(s))], FIELD_WEIGHTS["tag"])
            put([t for s in d.names for t in tokens(fold(s))], FIELD_WEIGHTS["name"])
            for t, v in local.items():
                weights.setdefault(t, {})[i] = min(v, 1.0)
        self.idf: dict[str, float] = {}
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for t, per_doc in weights.items():
            df = len(per_doc)
            self.idf[t] = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
            ids = np.fromiter(per_doc.keys(), dtype=np.int32, count=df)
            ws = np.fromiter(per_doc.values(), dtype=np.float32, count=df)
            self.postings[t] = (ids, ws)
        self.unknown_idf = math.log(1.0 + (n + 0.5) / 0.5) if n else 1.0

    def __len__(self) -> int:
        return len(self.docs)

    def search(self, question: str, k: int = 5) -> tuple[list[Candidate], str]:
        """Best `k` candidates for the question, and the folded question actually matched."""
        folded = fold(question)
        core = _SCAFFOLDING.sub(" ", folded)
        expanded = self.synonyms.expand(core)
        qtoks = list(dict.fromkeys(tokens(expanded)))
        if not qtoks or not self.docs:
            return [], folded
        n = len(self.docs)
        scores = np.zeros(n, dtype=np.float32)
        denom = 0.0
        for t in qtoks:
            idf = self.idf.get(t)
            if idf is None:
                denom += UNKNOWN_TOKEN_SHARE * self.unknown_idf
                continue
            denom += idf
            ids, ws = self.postings[t]
            scores[ids] += ws * idf
        if denom <= 0:
            return [], folded
        coverage = scores / denom
        m = min(CANDIDATES, n)
        top = np.argpartition(-coverage, m - 1)[:m] if n > m else np.arange(n)
        top = top[coverage[top] > 0]

        qform = text_form(core)
        qform_full = text_form(folded)
        prior = {}
        for pat, kinds, bonus in INTENTS:
            if pat.search(folded):
                for kd in kinds:
                    prior[kd] = max(prior.get(kd, 0.0), bonus)
        # Entries whose name is in the question but that share too few tokens to be candidates
        # (short names) are found by the alias pass over the candidates only; that's deliberate:
        # a name always contributes its own tokens, so it reaches the candidates.
        out: list[Candidate] = []
        for i in top.tolist():
            a = self._alias_signal(i, qform, qform_full)
            cov = float(coverage[i])
            s = 1.0 - (1.0 - cov) * (1.0 - 0.85 * a)
            s = min(1.0, s + prior.get(self.docs[i].kind, 0.0) * (0.5 + 0.5 * max(cov, a)))
            out.append(Candidate(self.docs[i].key, self.docs[i].kind, s, cov, a))
        out.sort(key=lambda c: (-c.score, -c.alias, c.key))
        return out[:k], folded

    def _alias_signal(self, i: int, qform: str, qform_full: str) -> float:
        """1.0 when a name of entry i is in the question; less for fuzzy or partial hits."""
        best = 0.0
        qlen = max(len(qform), 1)
        for name in self.name_forms[i]:
            if name.isascii() and len(name) <= 4:
                hit = re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", qform_full) is not None
                if hit:
                    best = max(best, 0.9)
                continue
            if name in qform_full:
                if len(name) == 2:       # a two-character name (協定) is a weak hint alone
                    best = max(best, 0.6)
                    continue
                # Longer names are more telling; a name covering most of the question is best.
                best = max(best, min(1.0, 0.7 + 0.05 * len(name) + 0.3 * len(name) / qlen))
            elif len(name) >= 4 and qform:
                r = fuzz.partial_ratio(name, qform)
                if r >= 80:
                    best = max(best, (r - 70) / 30 * 0.8)
            if best >= 1.0:
                break
        return best
