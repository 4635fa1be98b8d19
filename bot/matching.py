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

import dataclasses
import functools
import hashlib
import json
import logging
import math
import pickle
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from bot.cachefile import prune, write_atomic
from bot.text import fold, reading, stem, text_form, tokens, tokens_with_script

log = logging.getLogger(__name__)

# Field weights for a token found in that field of an entry.
FIELD_WEIGHTS = {"name": 1.0, "tag": 0.7, "question": 0.6, "body": 0.45}
UNKNOWN_TOKEN_SHARE = 0.5      # weight of never-seen tokens in the coverage denominator
# Weight of a query token by the script it came from: hiragana runs are mostly grammar
# (って, から, まで), so they count less — unless the whole question is hiragana.
SCRIPT_WEIGHTS = {"kanji": 1.0, "kata": 1.0, "latin": 1.0, "num": 1.0, "hira": 0.35}
# Evidence needed for full confidence, in summed IDF: one rare word (わぴあ, LGWAN) is enough,
# one common word (市長, "mayor") is not.
NAME_SPECIFIC_IDF = 2.5
MATCHED_MASS_FULL = 2.5
SPECIFIC_IDF = 2.0             # a token rarer than this says something beyond the domain's common words
PLACE_BONUS = 0.15             # entries about a place the question names
PLACE_MISMATCH = 0.6           # factor for entries that never mention a place the question names
CASE_WITHOUT_PLACE = 0.97      # no place named: on a tie, the general entry beats a city's case
FUZZY_CUTOFF_LATIN, FUZZY_CUTOFF = 88, 80   # partial_ratio a fuzzy name hit needs (Latin / other names)
FUZZY_MIN_CUTOFF = min(FUZZY_CUTOFF_LATIN, FUZZY_CUTOFF)

_HAS_KANJI = re.compile(r"[\u4e00-\u9fff]")
_PLACE_SUFFIX = re.compile(r"(?:市|町|村|県|区|都)$")
_PLACE_WORDS = re.compile(r"\b(?:city|town|village|prefecture|pref|ward|and|also|others?|named|municipalit\w*|etc)\b")


@functools.lru_cache(maxsize=4096)
def _place_forms(place: str) -> frozenset[str]:
    """磐田市 → {磐田市, 磐田}; "Fuchu City (Tokyo)" → {fuchu}; lists (愛媛県・鹿児島市など) split.
    Cached: a knowledge base names a few dozen places, asked about on every message."""
    forms = set()
    place = re.sub(r"\(.*?\)", " ", fold(place))        # "(Tokyo)", "(府中市ほか)": asides
    for part in re.split(r"[・、,/]|など|ほか", place):
        f = fold(part)
        if not f.strip():
            continue
        if f.isascii():
            for w in re.findall(r"[a-z]+", _PLACE_WORDS.sub(" ", f)):
                if len(w) >= 4:
                    forms.add(w)
        else:
            t = text_form(f)
            if len(t) >= 2:
                forms.add(t)
                short = _PLACE_SUFFIX.sub("", t)
                if len(short) >= 2:
                    forms.add(short)
    return frozenset(forms)


def _inside(short: str, long: str, text: str) -> bool:
    """Whether every occurrence of `short` in `text` lies within an occurrence of `long`."""
    spans = []
    at = text.find(long)
    while at >= 0:
        spans.append((at, at + len(long)))
        at = text.find(long, at + 1)
    at = text.find(short)
    while at >= 0:
        if not any(a <= at and at + len(short) <= b for a, b in spans):
            return False
        at = text.find(short, at + 1)
    return True


CANDIDATES = 24                # entries re-ranked with the alias signal

# Question scaffolding removed before tokenising (folded forms; long marks are already gone).
_SCAFFOLDING = re.compile("|".join(sorted(map(re.escape, """
教えてください 教えて下さい おしえてください 教えてほしい 教えて おしえて について に関して に関する
とはなんですか とは何ですか とはなに とは ってなに って何 ってなんですか ってどういうこと って
何ですか なんですか なんでしょうか でしょうか ですか ますか ください 下さい 知りたいです 知りたい
聞きたい わかりますか 分かりますか ありますか お願いします よろしく 詳しく 具体的に
いつから いつまで いつごろ いつ頃 いつ 何月 何日 何時 どこで どこに どこ どれ どの だれ 誰 なぜ
どうして どうやって どうすれば どうしたら どうやったら どうなって どんな どういう のですが んですが
""".split()), key=len, reverse=True)))

# Intent cues → (kinds they favour, bonus). Matched on folded text.
INTENTS: list[tuple[re.Pattern, tuple[str, ...], float]] = [
    (re.compile(r"いつ|何月|時期|期間|スケジュ|日程|締め切|締切|〆切|開始|始ま|\bwhen\b|\bschedule|\bdeadline|\bmonth"),
     ("calendar",), 0.15),
    (re.compile(r"事例|実例|先進|自治体|どこ|取り組|取組|実績|成果|\bexample|\bcase|\bprecedent|\bwhich (?:city|cities|municipalit)"
                r"|\bachiev|\bresults?\b|\bwhat did\b|\bdid\b.*\bdo\b"),
     ("case",), 0.06),
    (re.compile(r"どうすれば|どうしたら|方法|手順|流れ|気をつけ|注意|コツ|準備|ポイント|\bhow\b|\bprepare|\btips?\b|\bsteps?\b"),
     ("howto",), 0.06),
    (re.compile(r"とは|意味|違い|\bwhat (?:is|are|does)\b|\bmeaning|\bdifference"),
     ("term", "method", "context"), 0.03),
]


def cued_kinds(folded: str) -> set[str]:
    """Kinds of entry the question's wording leans to (「いつ」 → calendar, 「事例」 → case …)."""
    return {kd for pat, kinds, _ in INTENTS if pat.search(folded) for kd in kinds}


@dataclass
class IndexDoc:
    """What the index needs of one entry."""

    key: str
    kind: str
    names: list[str]          # titles first, then aliases
    n_titles: int
    tags: list[str]
    body: list[str]           # answer texts
    places: list[str] = field(default_factory=list)   # municipality names (cases)
    questions: list[str] = field(default_factory=list)  # example questions


@dataclass
class Candidate:
    key: str
    kind: str
    score: float
    coverage: float
    alias: float
    i: int = -1               # the doc's position in the index
    rank_score: float = 0.0   # the unclipped score the candidates are ordered by


def _index_key(docs: list[IndexDoc], synonyms: Synonyms | None) -> str:
    """What an index is built from: the documents, the synonyms, and the code and library
    versions that build it (this module, bot/text.py, pykakasi, Python)."""
    from importlib.metadata import version

    h = hashlib.sha256()
    for module in (__file__, Path(__file__).with_name("text.py")):
        h.update(Path(module).read_bytes())
    h.update(f"{sys.version_info[:2]} {version('pykakasi')} {version('jaconv')}".encode())
    h.update(json.dumps([dataclasses.asdict(d) for d in docs], ensure_ascii=False, sort_keys=True).encode())
    h.update(json.dumps(sorted((synonyms or Synonyms()).canonical.items()), ensure_ascii=False).encode())
    return h.hexdigest()[:20]


@dataclass
class LexQuery:
    """A question prepared for lexical scoring (`Index.query`); `matched` False: no known word."""

    folded: str
    matched: bool = False
    scores: np.ndarray | None = None
    coverage: np.ndarray | None = None
    ids: list[int] = field(default_factory=list)       # the lexical candidates (coverage best)
    named: list[str] = field(default_factory=list)     # place forms the question names
    place_mask: np.ndarray | None = None
    mentions_mask: np.ndarray | None = None
    prior: dict[str, float] = field(default_factory=dict)
    words: set[str] = field(default_factory=set)
    qform: str = ""
    qform_full: str = ""
    qread: str = ""
    beyond: dict[int, Candidate] = field(default_factory=dict)   # scored, but not among the best


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
    @classmethod
    def cached(cls, docs: list[IndexDoc], synonyms: Synonyms | None, cache_dir: Path | None) -> "Index":
        """The index of these documents, from `cache_dir` when the same documents were indexed
        by the same code before (a restart skips tokenising and the kana readings, ~1.5 s);
        built, and saved there, otherwise."""
        if cache_dir is None:
            return cls(docs, synonyms)
        path = Path(cache_dir) / f"lexical-{_index_key(docs, synonyms)}.pickle"
        try:
            with open(path, "rb") as f:
                index = pickle.load(f)      # our own cache folder, written below
            if isinstance(index, cls) and len(index.docs) == len(docs):
                return index
        except FileNotFoundError:
            pass
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError) as e:
            log.warning("lexical index cache %s unreadable (%s); rebuilding", path, e)
        index = cls(docs, synonyms)
        try:
            write_atomic(path, lambda f: pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL))
            prune(path.parent, "lexical-*.pickle")
        except OSError as e:
            log.warning("cannot cache the lexical index under %s (%s)", path.parent, e)
        return index

    def __init__(self, docs: list[IndexDoc], synonyms: Synonyms | None = None):
        self.docs = docs
        self.synonyms = synonyms or Synonyms()
        n = len(docs)
        body_tokens: list[list[str]] = []
        question_tokens: list[list[str]] = []
        for d in docs:
            # Hiragana runs of answer prose are grammar (すること, ために): not indexed.
            body_tokens.append([t for s in d.body for t, script in tokens_with_script(fold(s))
                                if script != "hira"])
            question_tokens.append([t for s in d.questions for t, script in
                                    tokens_with_script(_SCAFFOLDING.sub(" ", fold(s))) if script != "hira"])
        avg_body = (sum(map(len, body_tokens)) / n) if n else 1.0

        # (token id, doc, weight) triples, then grouped by token into numpy postings.
        vocab: dict[str, int] = {}
        tok_ids: list[int] = []
        doc_ids: list[int] = []
        wts: list[float] = []
        for i, d in enumerate(docs):
            local: dict[str, float] = {}
            damp = min(1.0, 1.0 / (0.6 + 0.4 * len(body_tokens[i]) / avg_body)) if avg_body else 1.0
            name_toks = [t for s in d.names for t in tokens(fold(s))]
            # Readings of names with kanji, so a question typed all in kana still finds them.
            name_toks += [t for s in d.names if not s.isascii() for t in tokens(reading(fold(s)))]
            for toks, w in ((body_tokens[i], FIELD_WEIGHTS["body"] * damp),
                            (question_tokens[i], FIELD_WEIGHTS["question"]),
                            ([t for s in d.tags for t in tokens(fold(s))], FIELD_WEIGHTS["tag"]),
                            (name_toks, FIELD_WEIGHTS["name"])):
                counts: dict[str, int] = {}
                for t in toks:
                    counts[t] = counts.get(t, 0) + 1
                for t, c in counts.items():   # a field's weight, a little more when repeated
                    v = min(1.0, w * (1.0 + 0.15 * min(c - 1, 3)))
                    if v > local.get(t, 0.0):
                        local[t] = v
            for t, v in local.items():
                tok_ids.append(vocab.setdefault(t, len(vocab)))
                doc_ids.append(i)
                wts.append(v)
        tok_arr = np.asarray(tok_ids, dtype=np.int32)
        order = np.argsort(tok_arr, kind="stable")
        doc_arr = np.asarray(doc_ids, dtype=np.int32)[order]
        w_arr = np.asarray(wts, dtype=np.float32)[order]
        bounds = np.searchsorted(tok_arr[order], np.arange(len(vocab) + 1))
        del tok_ids, doc_ids, wts, tok_arr, order, body_tokens, question_tokens
        self.idf: dict[str, float] = {}
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for t, k in vocab.items():
            lo, hi = bounds[k], bounds[k + 1]
            df = int(hi - lo)
            self.idf[t] = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
            self.postings[t] = (doc_arr[lo:hi], w_arr[lo:hi])
        self.unknown_idf = math.log(1.0 + (n + 0.5) / 0.5) if n else 1.0

        # Place names → the entries about that place. A place in a question is context, not the
        # topic: it leans to that place's entries, but only the rest of the question is matched.
        places: dict[str, list[int]] = {}
        for i, d in enumerate(docs):
            for p in d.places:
                for form in _place_forms(p):
                    places.setdefault(form, []).append(i)
        self.places: dict[str, np.ndarray] = {f: np.asarray(ids, dtype=np.int32) for f, ids in places.items()}
        self._place_tokens = {f: set(tokens(f if f.isascii() else fold(f))) if not f.isascii() else {"#" + stem(f)}
                              for f in self.places}

        # Names in the form used for substring / fuzzy checks, longest first, each with whether
        # it is a title and how specific it is: a name made of common words ("mayor", 市長) is
        # weak evidence even when it occurs in the question.
        self.name_forms: list[list[tuple[str, bool, float]]] = []
        for d in docs:
            forms: dict[str, tuple[bool, float]] = {}
            for k, s in enumerate(d.names):
                f = fold(s)
                spec = min(1.0, sum(self.idf.get(t, 0.0) for t in set(tokens(f))) / NAME_SPECIFIC_IDF)
                # The kana reading too (not for one- or two-character names: too many homophones).
                with_reading = not s.isascii() and len(text_form(f)) >= 3
                for form in (text_form(f), *((text_form(reading(f)),) if with_reading else ())):
                    if len(form) >= 2 and form not in self.places and _PLACE_SUFFIX.sub("", form) not in self.places:
                        old = forms.get(form, (False, 0.0))
                        forms[form] = (old[0] or k < d.n_titles, max(old[1], spec))
            self.name_forms.append(sorted(((f, t, sp) for f, (t, sp) in forms.items()),
                                          key=lambda x: (-len(x[0]), not x[1])))

    def __len__(self) -> int:
        return len(self.docs)

    def search(self, question: str, k: int = 5, extra: list[int] | tuple = ()) -> tuple[list[Candidate], str]:
        """Best `k` candidates for the question, and the folded question actually matched.

        `extra`: positions of docs to score as well (candidates found by another signal); they are
        returned beside the best `k` whatever their lexical score."""
        q = self.query(question)
        extra = [int(i) for i in extra]
        return self.merge(self.best(q, k), self.score_ids(q, extra, after_best=True), k), q.folded

    @staticmethod
    def merge(best: list[Candidate], others: list[Candidate], k: int) -> list[Candidate]:
        """The best `k` of both lists, then the rest of `others` (another signal's candidates stay
        whatever their lexical score; a lexical candidate they outrank drops out)."""
        if not others:
            return best
        out = sorted(best + others, key=lambda c: (-c.rank_score, -c.alias, c.key))
        keep = {c.i for c in others}
        return out[:k] + [c for c in out[k:] if c.i in keep]

    def query(self, question: str) -> "LexQuery":
        """Everything about the question that does not depend on the candidate: its tokens'
        coverage of every doc, the places it names, its name forms. Scoring candidates from it
        (`best`, `score_ids`) may come in several steps (the retrieval asks for the lexical best
        first and for the semantic signal's candidates later)."""
        folded = fold(question)
        q = LexQuery(folded)
        core = _SCAFFOLDING.sub(" ", folded)
        expanded = self.synonyms.expand(core)
        qtoks: dict[str, float] = {}
        for t, script in tokens_with_script(expanded):
            qtoks[t] = max(qtoks.get(t, 0.0), SCRIPT_WEIGHTS[script])
        if not qtoks or not self.docs:
            return q
        # Places named in the question: their tokens leave the match (unless nothing else is left).
        words = set(re.findall(r"[a-z0-9]+", folded))
        qform_full = text_form(folded + " " + expanded)
        named = [f for f in self.places if (f in words if f.isascii() else f in qform_full)]
        n = len(self.docs)
        place_mask = np.zeros(n, dtype=bool)        # entries about a named place
        for f in named:
            place_mask[self.places[f]] = True
        place_toks = {t for f in named for t in self._place_tokens[f]}
        rest = {t: w for t, w in qtoks.items() if t not in place_toks}
        # What the question says besides the place, counting only specific words (IDF ≥ 2):
        # 「磐田市の取り組み」, "examples of partnerships in Wako" ask about the place itself.
        rest_mass = sum(w * self.idf.get(t, UNKNOWN_TOKEN_SHARE * self.unknown_idf) for t, w in rest.items()
                        if self.idf.get(t, 99.0) >= SPECIFIC_IDF)
        mentions_mask = place_mask.copy()            # … or whose text mentions one
        if named and rest_mass >= MATCHED_MASS_FULL:
            qtoks = rest
            for t in place_toks:
                if t in self.postings:
                    mentions_mask[self.postings[t][0]] = True
        scores = np.zeros(n, dtype=np.float32)
        denom = 0.0
        for t, qw in qtoks.items():
            idf = self.idf.get(t)
            if idf is None:
                if qw >= 1.0:   # an unknown content word lowers confidence; unknown grammar doesn't
                    denom += UNKNOWN_TOKEN_SHARE * self.unknown_idf
                continue
            denom += qw * idf
            ids, ws = self.postings[t]
            scores[ids] += ws * (qw * idf)
        if denom <= 0:
            return q
        coverage = scores / denom
        m = min(CANDIDATES, n)
        top = np.argpartition(-coverage, m - 1)[:m] if n > m else np.arange(n)
        top = top[coverage[top] > 0]
        prior = {}
        for pat, kinds, bonus in INTENTS:
            if pat.search(folded):
                for kd in kinds:
                    prior[kd] = max(prior.get(kd, 0.0), bonus)
        ids = top.tolist()
        if named:    # a named place's best entries always compete
            pd = np.flatnonzero(place_mask)
            if len(pd) > m:
                pd = pd[np.argpartition(-coverage[pd], m - 1)[:m]]
            ids = list(dict.fromkeys(ids + pd.tolist()))
        q.matched = True
        q.scores, q.coverage, q.ids = scores, coverage, ids
        q.named, q.place_mask, q.mentions_mask, q.prior, q.words = named, place_mask, mentions_mask, prior, words
        # Names are looked for in the question plus its synonym expansion (何から始め → 提案の進め方).
        q.qform, q.qform_full = text_form(expanded), qform_full
        q.qread = text_form(reading(core)) if _HAS_KANJI.search(core) else ""
        return q

    def best(self, q: "LexQuery", k: int) -> list[Candidate]:
        """The query's `k` best candidates by the lexical score."""
        if not q.matched:
            return []
        out = self._scored(q, q.ids)
        for c in out[k:]:
            q.beyond[c.i] = c
        return out[:k]

    def score_ids(self, q: "LexQuery", ids: list[int], after_best: bool = False) -> list[Candidate]:
        """Candidates for the docs at `ids` (found by another signal), whatever their score;
        after `best(q, k)`, the ones already among its best are left out."""
        if not q.matched:
            return [Candidate(self.docs[i].key, self.docs[i].kind, 0.0, 0.0, 0.0, i) for i in dict.fromkeys(ids)]
        if after_best:
            shown = set(q.ids) - set(q.beyond)
            ids = [i for i in dict.fromkeys(ids) if i not in shown]
        known = [q.beyond[i] for i in ids if i in q.beyond]
        return known + self._scored(q, [i for i in ids if i not in q.beyond])

    def _scored(self, q: "LexQuery", ids: list[int]) -> list[Candidate]:
        """Score docs: coverage OR'ed with the name signal, best first. Names are checked on the
        candidates only (a name in the question contributes its own tokens, so its entry is
        already among the lexical best); other signals' candidates get exact name checks only."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return []
        fuzzy_ids = set(q.ids)
        alias = self._alias_signals(ids, q.qform, q.qform_full, q.qread, q.words, fuzzy_ids)
        out: list[Candidate] = []
        named, coverage, scores = q.named, q.coverage, q.scores
        for i in ids:
            a = alias[i]
            cov = float(coverage[i])
            # OR of the two signals, discounted when the matched evidence is thin (one common word).
            s = (1.0 - (1.0 - cov) * (1.0 - 0.85 * a)) * min(1.0, float(scores[i]) / MATCHED_MASS_FULL)
            if named and not q.mentions_mask[i]:
                s *= PLACE_MISMATCH      # the question is about a place this entry never mentions
            elif not named and self.docs[i].places:
                s *= CASE_WITHOUT_PLACE
            bonus = q.prior.get(self.docs[i].kind, 0.0) + (PLACE_BONUS if named and q.place_mask[i] else 0.0)
            raw = s + bonus * (0.7 + 0.3 * max(cov, a))
            out.append(Candidate(self.docs[i].key, self.docs[i].kind, min(1.0, raw), cov, a, i, raw))
        # Ranked on the unclipped score (so a bonus still separates two saturated candidates),
        # reported clipped to [0, 1].
        out.sort(key=lambda c: (-c.rank_score, -c.alias, c.key))
        return out

    def _alias_signals(self, ids: list[int], qform: str, qform_full: str, qread: str,
                       words: set[str], fuzzy_ids: set[int] | None = None) -> dict[int, float]:
        """Per candidate: 1.0 when one of its names is in the question; less for fuzzy hits.

        A title counts a little more than an alias, so an entry about X beats one that merely
        lists X among its other names. The question's kana reading catches kanji typed with the
        wrong homophone (連系協定 → 連携協定). Fuzzy comparisons run as one rapidfuzz batch.
        """
        best = dict.fromkeys(ids, 0.0)
        qlen = max(len(qform), 1)
        fuzzy: list[tuple[int, str, bool, float, int]] = []   # (entry, name, title?, specificity, cutoff)
        exact: list[tuple[int, str, float]] = []               # names found as they are in the question
        for i in ids:
            for name, is_title, spec in self.name_forms[i]:
                v = 0.0
                if name.isascii():
                    if len(name) <= 5:       # short Latin names (PFI, PPP, MaaS) must be whole words
                        v = 0.9 if name in words else 0.0
                    elif name in qform_full:
                        v = min(1.0, 0.8 + 0.2 * len(name) / qlen)
                        exact.append((i, name, v * spec * (1.0 if is_title else 0.95)))
                        continue
                    elif len(name) >= 8 and (fuzzy_ids is None or i in fuzzy_ids):
                        fuzzy.append((i, name, is_title, spec, FUZZY_CUTOFF_LATIN))
                elif name in qform_full:
                    # A two-character name (協定) is a weak hint alone; longer names tell more,
                    # and a name covering most of the question is best.
                    v = 0.4 if len(name) == 2 else min(1.0, 0.7 + 0.05 * len(name) + 0.3 * len(name) / qlen)
                    exact.append((i, name, v * spec * (1.0 if is_title else 0.95)))
                    continue
                elif qread and len(name) >= 4 and name in qread:
                    v = 0.8
                elif len(name) >= 4 and (fuzzy_ids is None or i in fuzzy_ids):
                    fuzzy.append((i, name, is_title, spec, FUZZY_CUTOFF))
                if v:
                    best[i] = max(best[i], v * spec * (1.0 if is_title else 0.95))
        for i, name, v in exact:
            # Longest match: a name found only inside another entry's longer name in the question
            # is that name's, not its own (官民共創 inside 「官官民共創」).
            if not any(j != i and len(other) > len(name) and name in other and _inside(name, other, qform_full)
                       for j, other, _ in exact):
                best[i] = max(best[i], v)
        if fuzzy and qform:
            # score_cutoff one below the lowest cutoff: rapidfuzz prunes hopeless names early,
            # and every score that could pass a cutoff (after uint8 rounding) is kept as is.
            ratios = process.cdist([qform], [f[1] for f in fuzzy], scorer=fuzz.partial_ratio,
                                   dtype=np.uint8, score_cutoff=FUZZY_MIN_CUTOFF - 1)[0]
            for (i, name, is_title, spec, cutoff), r in zip(fuzzy, ratios.tolist()):
                if r >= cutoff:
                    v = (r - (cutoff - 10)) / (110 - cutoff) * 0.8
                    best[i] = max(best[i], v * spec * (1.0 if is_title else 0.95))
        return best
