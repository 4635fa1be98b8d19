"""The idea advisor's similarity features (bot/advisor.py): one idea against every method entry,
precedent (case entry) and open city challenge, by the answer engine's sentence encoder.

    idea → segments (the whole text, and its sentences: bot.retrieval's segmentation)
         → one encoder call for all segments
         → cosine to the rows the answer engine already embedded for each entry (names, example
           questions and its learned exemplar questions; answer paragraphs), and to each method's
           `fits` situations (embedded here, cached like the entry vectors)
         → per entry: the best cosine over rows and segments, the whole text's best, and the mean
           over segments of each segment's best (how much of the idea the entry covers)
         → the lexical signal of the whole idea over the same entries (bot.matching's index)
         → links in the knowledge: a method's best-matching precedent that used or cites it, a
           precedent's best-matching linked method

The rows are read straight from the retriever's matrix by each document's own row ranges (names:
[name_start, body_start), body: [body_start, doc_end)), so a document's score never includes its
neighbour's rows. Nothing here is tuned per idea; the weights on these features are fitted on our
labelled ideas (bench/fit_advisor.py → bot/advisor.json).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.knowledge import Entry
from bot.retrieval import _segments
from bot.semantic import DIM, cached_vectors

# Per entry: cosine features from the idea's segments (see module docstring).
# Per entry: cosine features from the idea's segments, and the lexical signal of the whole idea
# (bot.matching: IDF-weighted coverage, with names counting more) over the same entries.
ENTRY_FEATURES = ["names_max", "names_whole", "names_cover", "body_max", "body_whole", "body_cover",
                  "lex", "lex_cover"]
METHOD_FEATURES = ENTRY_FEATURES + ["fits_max", "fits_whole", "fits_cover", "case_support"]
CASE_FEATURES = ENTRY_FEATURES + ["method_support"]
# Methods that are not routes of their own (an overview of the routes) are never advised.
NOT_A_ROUTE = frozenset({"methods-overview"})


@dataclass
class IdeaVectors:
    segments: list[str]
    q: np.ndarray          # (segments, DIM), the first row is the whole text
    lex: dict | None = None  # kind → (entries, 2): lexical score and coverage of the whole idea


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


class IdeaIndex:
    """The rows of the answer engine's semantic index for method and case entries, plus the
    methods' `fits` situations."""

    def __init__(self, retriever, entries: dict[str, Entry], cache_dir=None):
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
        F = cached_vectors(self.encoder, flat, cache_dir) if flat else np.zeros((0, DIM), np.float32)
        offs = np.concatenate(([0], np.cumsum([len(f) for f in fits]))).astype(np.int64)
        self.fits = _Rows([F[offs[k]:offs[k + 1]] for k in range(len(fits))])
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
        return iv

    def entry_stats(self, iv: IdeaVectors, kind: str) -> np.ndarray:
        """(entries of `kind`, ENTRY_FEATURES) for one idea."""
        names, body = self.rows[kind]
        return np.hstack([names.stats(iv.q), body.stats(iv.q), iv.lex[kind]])

    def features(self, iv: IdeaVectors) -> tuple[np.ndarray, np.ndarray]:
        """(method features (methods, METHOD_FEATURES), case features (cases, CASE_FEATURES))."""
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
        cf = np.hstack([c, msup[:, None]])
        return mf, cf

    def text_stats(self, q: np.ndarray, names: np.ndarray, body: np.ndarray) -> np.ndarray:
        """The cosine part of ENTRY_FEATURES (the first six) for one outside document (a city
        challenge) given its row vectors."""
        def stats(rows: np.ndarray) -> np.ndarray:
            if not len(rows):
                return np.zeros(3)
            s = rows @ q.T
            per_seg = s.max(axis=0)
            return np.asarray([per_seg.max(), per_seg[0], per_seg[1:].mean() if len(per_seg) > 1 else per_seg[0]])
        return np.concatenate([stats(names), stats(body)])
