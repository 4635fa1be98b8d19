"""The idea advisor's similarity features (bot/advisor.py): one idea against every method entry,
precedent (case entry), labelled earlier idea and open city challenge, by the answer engine's
sentence encoder.

    idea → segments (the whole text, and its sentences: bot.retrieval's segmentation)
         → one encoder call for all segments
         → cosine to the rows the answer engine already embedded for each entry (names, example
           questions and its learned exemplar questions; answer paragraphs), and to each method's
           `fits` situations (embedded here, cached like the entry vectors)
         → per entry: the best cosine over rows and segments, the whole text's best, and the mean
           over segments of each segment's best (how much of the idea the entry covers)
         → the lexical signal of the whole idea over the same entries (bot.matching's index)
         → links in the knowledge: a method's best-matching precedent that used or cites it, a
           precedent's best-matching linked method, and (once the methods are scored) how likely
           the precedent's own methods are for this idea
         → how close the idea comes to what the precedent's municipality did (the first sentence
           of its answer, in both languages: `what_max`, `what_whole`) — the answer's other
           paragraphs are mostly where it was told and what the record leaves out
         → how the precedent stands out among all precedents for this idea (a z-score of its
           whole-text cosine), so that "near" means the same for a long idea as for a short one
         → the labelled ideas nearest to it (`IdeaNeighbours`: the development part of our idea
           set, kept in bot/advisor.json): how many of them, weighted by cosine², a desk officer
           labelled with each method and each precedent

A city challenge (a staff-written テーマ型 row in the database, not a knowledge entry) has no
example questions and no lexical index entry, so its own features (CHALLENGE_FEATURES) are only
cosines to its title and sentences, and the same whole-text cosine as a z-score against the
idea's cosines to short texts in the challenge's language (the methods' `fits` lines: an English
idea is less alike to any Japanese text, so raw cosines across languages are on another footing);
its scorer is fitted on labelled challenges.

The rows are read straight from the retriever's matrix by each document's own row ranges (names:
[name_start, body_start), body: [body_start, doc_end)), so a document's score never includes its
neighbour's rows. Nothing here is tuned per idea; the weights on these features are fitted on our
labelled ideas (bench/fit_advisor.py → bot/advisor.json).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot import text as T
from bot.knowledge import Entry
from bot.retrieval import _segments
from bot.semantic import DIM, cached_vectors

# Per entry: cosine features from the idea's segments, and the lexical signal of the whole idea
# (bot.matching: IDF-weighted coverage, with names counting more) over the same entries.
ENTRY_FEATURES = ["names_max", "names_whole", "names_cover", "body_max", "body_whole", "body_cover",
                  "lex", "lex_cover"]
METHOD_FEATURES = ENTRY_FEATURES + ["fits_max", "fits_whole", "fits_cover", "case_support", "idea_vote"]
CASE_FEATURES = ENTRY_FEATURES + ["method_support", "what_max", "what_whole", "whole_z", "method_agree", "idea_vote",
                                  "whole_colz", "what_colz"]
CHALLENGE_FEATURES = ["whole", "top", "cover", "whole_z"]
N_BASE_METHOD = len(METHOD_FEATURES) - 1        # what IdeaIndex.base gives, before the vote
N_BASE_CASE = len(ENTRY_FEATURES) + 3
CASE_WHAT_WHOLE = len(ENTRY_FEATURES) + 2      # the base case column of `what_whole`
MIN_NORM_IDEAS = 20                            # case_norms: fewer labelled ideas in a language → all of them
NEIGHBOURS = 10                                # labelled ideas that vote (5, 7, 10, 15 compared by nested CV)
# Methods that are not routes of their own (an overview of the routes) are never advised.
NOT_A_ROUTE = frozenset({"methods-overview"})


@dataclass
class IdeaVectors:
    segments: list[str]
    q: np.ndarray          # (segments, DIM), the first row is the whole text
    lex: dict | None = None  # kind → (entries, 2): lexical score and coverage of the whole idea
    baseline: dict | None = None   # lang → (mean, sd) of the whole text's cosine to the `fits` lines in it


def _group_stats(sims: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """sims: (rows, segments), rows laid out group after group from `starts` (every group at
    least one row) → per group: [max over rows and segments, max over rows of the whole-text
    column, mean over the sentence segments of each one's max over rows]."""
    per_seg = np.maximum.reduceat(sims, starts, axis=0)        # (groups, segments)
    cover = per_seg[:, 1:].mean(axis=1) if per_seg.shape[1] > 1 else per_seg[:, 0]
    return np.stack([per_seg.max(axis=1), per_seg[:, 0], cover], axis=1).astype(np.float64)


class _Rows:
    """Vectors of several groups laid out one group after another, and where each starts."""

    def __init__(self, blocks: list[np.ndarray]):
        blocks = [b if len(b) else np.zeros((1, DIM), np.float32) for b in blocks]
        lens = np.asarray([len(b) for b in blocks], dtype=np.int64)
        self.V = np.ascontiguousarray(np.concatenate(blocks), dtype=np.float32) if blocks else \
            np.zeros((1, DIM), np.float32)
        self.starts = np.concatenate(([0], np.cumsum(lens)[:-1])).astype(np.int64)

    def stats(self, q: np.ndarray) -> np.ndarray:
        return _group_stats(self.V @ q.T, self.starts)


def case_norms(cf_bases: list[np.ndarray], langs: list[str]) -> dict[str, np.ndarray]:
    """Per language (of the labelled ideas): (4, cases) — the mean and SD over those ideas of each
    precedent's whole-text cosine (the better of names and body) and of its "what they did"
    whole-text cosine. An idea's cosines to a precedent, standardised by how that precedent
    scores against ideas in the idea's own language (`whole_colz`, `what_colz`): some precedents
    are alike to almost any idea (a city's list of six partnership routes), and an English idea
    is less alike to the mostly Japanese rows than a Japanese one; the row-wise `whole_z` corrects
    for the idea, these for the precedent and the language. A language with fewer than
    MIN_NORM_IDEAS labelled ideas uses all of them."""
    W = np.stack([np.maximum(c[:, 1], c[:, 4]) for c in cf_bases])
    T_ = np.stack([c[:, CASE_WHAT_WHOLE] for c in cf_bases])
    langs = np.asarray(langs)
    out = {}
    for lang in ("ja", "en"):
        s = langs == lang if (langs == lang).sum() >= MIN_NORM_IDEAS else np.ones(len(langs), bool)
        out[lang] = np.stack([W[s].mean(0), W[s].std(0) + 1e-6, T_[s].mean(0), T_[s].std(0) + 1e-6])
    return out


def _z(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / (x.std() + 1e-6) if len(x) > 1 else np.zeros_like(x)


class IdeaIndex:
    """The rows of the answer engine's semantic index for method and case entries, plus the
    methods' `fits` situations. `extra_texts` (the advisor's next-step lines, its labelled ideas)
    are embedded in the same call and cached together: `self.extra`."""

    def __init__(self, retriever, entries: dict[str, Entry], cache_dir=None, extra_texts: list[str] = ()):
        self.retriever = retriever
        self.encoder = retriever.encoder
        pos = {d.key: i for i, d in enumerate(retriever.docs)}
        self.methods = [e for e in entries.values() if e.kind == "method" and e.id not in NOT_A_ROUTE]
        self.cases = [e for e in entries.values() if e.kind == "case"]
        r, V = retriever, retriever.vectors
        # Each document's own row ranges: names [name_start, body_start), body [body_start, doc_end).
        self.rows = {}
        for kind, es in (("method", self.methods), ("case", self.cases)):
            ps = [pos[e.id] for e in es]
            self.rows[kind] = (_Rows([V[r.name_start[p]:r.body_start[p]] for p in ps]),
                               _Rows([V[r.body_start[p]:r.doc_end[p]] for p in ps]))
        fits = [list(e.fits.ja) + list(e.fits.en) if e.fits else [] for e in self.methods]
        flat = [t for f in fits for t in f]
        # What each precedent's municipality did: the first sentence of its answer, ja and en.
        what = [[T.first_sentence(a) for a in (c.answer.ja, c.answer.en) if a and a.strip()] for c in self.cases]
        what_flat = [t for w in what for t in w]
        extra = list(extra_texts)
        both = flat + what_flat + extra
        F = cached_vectors(self.encoder, both, cache_dir) if both else np.zeros((0, DIM), np.float32)
        self.extra = F[len(flat) + len(what_flat):]
        W = F[len(flat):len(flat) + len(what_flat)]
        w_offs = np.concatenate(([0], np.cumsum([len(w) for w in what]))).astype(np.int64)
        self.what = _Rows([W[w_offs[k]:w_offs[k + 1]] for k in range(len(what))])
        F = F[:len(flat)]
        offs = np.concatenate(([0], np.cumsum([len(f) for f in fits]))).astype(np.int64)
        self.fits = _Rows([F[offs[k]:offs[k + 1]] for k in range(len(fits))])
        # The same lines by language: what an unrelated short text in that language is like to
        # this idea (the baseline of a challenge's z-score).
        n_ja = [len(e.fits.ja) if e.fits else 0 for e in self.methods]
        ja = np.zeros(len(flat), bool)
        for k, n in enumerate(n_ja):
            ja[offs[k]:offs[k] + n] = True
        self.reference = {"ja": F[ja], "en": F[~ja]}
        m_index = {e.id: k for k, e in enumerate(self.methods)}
        # case → the advised methods it is linked to in the knowledge (indices into self.methods):
        # the methods it used, method entries it relates to, and method entries that cite it.
        self.case_methods = []
        for c in self.cases:
            linked = set(c.methods) | {r for r in c.related if r in m_index}
            linked |= {m.id for m in self.methods if c.id in m.related}
            self.case_methods.append(sorted(m_index[m] for m in linked if m in m_index))
        # Methods no recorded precedent is linked to (the advisor says so when one of them leads).
        used = {m for ms in self.case_methods for m in ms}
        self.without_precedent = np.asarray([k not in used for k in range(len(self.methods))])
        self._lex_pos = {"method": [pos[e.id] for e in self.methods], "case": [pos[e.id] for e in self.cases]}
        self._lex_all = self._lex_pos["method"] + self._lex_pos["case"]

    def encode(self, text: str) -> IdeaVectors:
        segs = _segments(text)
        iv = IdeaVectors(segs, self.encoder.encode(segs).astype(np.float32))
        cands, _ = self.retriever.lex.search(segs[0], k=1, extra=self._lex_all)
        got = {c.i: (c.score, c.coverage) for c in cands}
        iv.lex = {kind: np.asarray([got.get(p, (0.0, 0.0)) for p in ps], dtype=np.float64).reshape(-1, 2)
                  for kind, ps in self._lex_pos.items()}
        iv.baseline = {}
        for lang, R in self.reference.items():
            b = R @ iv.q[0] if len(R) > 1 else np.zeros(2)
            iv.baseline[lang] = (float(b.mean()), float(b.std()) + 1e-6)
        return iv

    def entry_stats(self, iv: IdeaVectors, kind: str) -> np.ndarray:
        """(entries of `kind`, ENTRY_FEATURES) for one idea."""
        names, body = self.rows[kind]
        return np.hstack([names.stats(iv.q), body.stats(iv.q), iv.lex[kind]])

    def base(self, iv: IdeaVectors) -> tuple[np.ndarray, np.ndarray]:
        """The features that need no other scorer: (methods, N_BASE_METHOD), (cases, N_BASE_CASE)."""
        m = self.entry_stats(iv, "method")
        c = self.entry_stats(iv, "case")
        fits = self.fits.stats(iv.q)
        case_sim = np.maximum(c[:, 0], c[:, 3])
        support = np.zeros(len(self.methods))
        for ci, ms in enumerate(self.case_methods):
            for mi in ms:
                support[mi] = max(support[mi], case_sim[ci])
        mf = np.hstack([m, fits, support[:, None]])
        meth_sim = np.maximum(m[:, 0], fits[:, 0])
        msup = np.asarray([max((meth_sim[mi] for mi in ms), default=0.0) for ms in self.case_methods])
        what = self.what.stats(iv.q)[:, :2]                 # what they did: best over segments, whole text
        cf = np.hstack([c, msup[:, None], what])
        return mf, cf

    @staticmethod
    def method_features(mf_base: np.ndarray, vote: np.ndarray) -> np.ndarray:
        """(methods, METHOD_FEATURES): the base features and the labelled neighbours' vote."""
        return np.hstack([mf_base, np.asarray(vote, dtype=np.float64)[:, None]])

    def case_features(self, cf_base: np.ndarray, pm: np.ndarray, vote: np.ndarray,
                      norm: np.ndarray | None = None) -> np.ndarray:
        """(cases, CASE_FEATURES), given the methods' probabilities `pm` for this idea and `norm`
        (case_norms: how each precedent's whole-text and "what they did" cosines run over the
        labelled ideas in this idea's language; None: those two features are 0)."""
        whole = np.maximum(cf_base[:, 1], cf_base[:, 4])
        agree = np.asarray([max((float(pm[m]) for m in ms), default=0.0) for ms in self.case_methods])
        if norm is None:
            colz = np.zeros((len(whole), 2))
        else:
            colz = np.stack([(whole - norm[0]) / norm[1], (cf_base[:, CASE_WHAT_WHOLE] - norm[2]) / norm[3]], axis=1)
        return np.hstack([cf_base, _z(whole)[:, None], agree[:, None], np.asarray(vote, dtype=np.float64)[:, None],
                          colz])

    def challenge_stats(self, iv: IdeaVectors, rows: np.ndarray, lang: str = "ja") -> np.ndarray:
        """CHALLENGE_FEATURES of one challenge given its row vectors (title, then its sentences)
        and the language it is written in."""
        s = rows @ iv.q.T                                  # (rows, segments)
        per_seg = s.max(axis=0)
        whole = float(s[:, 0].max())
        cover = float(per_seg[1:].mean()) if len(per_seg) > 1 else float(per_seg[0])
        mu, sd = (iv.baseline or {}).get(lang, (0.0, 1.0))
        return np.asarray([whole, float(per_seg.max()), cover, (whole - mu) / sd])


class IdeaNeighbours:
    """Labelled ideas as exemplars: for a new idea, its NEIGHBOURS nearest labelled ideas (whole-
    text cosine) vote for the methods and precedents a desk officer named for them, each with
    weight cosine² / NEIGHBOURS — not normalised, so an idea unlike every labelled one gets a weak
    vote and is judged by its similarity to the entries. With no labelled ideas every vote is 0."""

    def __init__(self, vectors: np.ndarray, methods: list[list[str]], cases: list[list[str]],
                 method_ids: list[str], case_ids: list[str], k: int = NEIGHBOURS):
        self.V = np.asarray(vectors, dtype=np.float32).reshape(-1, DIM)
        mi, ci = {m: j for j, m in enumerate(method_ids)}, {c: j for j, c in enumerate(case_ids)}
        self.M = np.zeros((len(self.V), len(method_ids)))
        self.C = np.zeros((len(self.V), len(case_ids)))
        for n, (ms, cs) in enumerate(zip(methods, cases)):
            self.M[n, [mi[m] for m in ms if m in mi]] = 1.0
            self.C[n, [ci[c] for c in cs if c in ci]] = 1.0
        self.k = k

    def __len__(self) -> int:
        return len(self.V)

    def vote(self, q_whole: np.ndarray, exclude: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(vote per method, vote per precedent); `exclude`: a labelled idea's own row, left out
        when it is scored itself (fitting, evaluation)."""
        if not len(self.V) or (exclude is not None and len(self.V) == 1):
            return np.zeros(self.M.shape[1]), np.zeros(self.C.shape[1])
        s = self.V @ q_whole
        if exclude is not None:
            s = s.copy()
            s[exclude] = -np.inf
        k = min(self.k, len(s) - (exclude is not None))
        top = np.argpartition(-s, k - 1)[:k]
        w = np.maximum(s[top], 0.0) ** 2 / k         # not normalised: far neighbours say little
        return w @ self.M[top], w @ self.C[top]
