"""Retrieval: the lexical and the semantic signal over the same documents, as features.

    message → segments (the whole cleaned message, and its sentences when there are several)
            → semantic: each segment encoded once; cosine to every doc's vectors, best per doc
              over its names + example questions ("sem_q") and over its answer paragraphs ("sem_b")
            → lexical: bot.matching.Index (IDF coverage + name hits) per segment
            → candidates = lexical best ∪ semantic best, each with its features (`Features`)

A document is a knowledge entry or a pseudo-entry (an out-of-scope topic or a conversational
intent, scored from its example sentences by the same signals). Ranking and the answer decision
are learned from those features (bot/decision.py); nothing here is tuned per question.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from bot import text as T
from bot.matching import Index, IndexDoc, Synonyms, cued_kinds
from bot.semantic import DIM, Encoder, cached_vectors

POOL = 12                 # candidates taken from each signal
KNN = 3                   # a doc's nearest example rows averaged into one vote (sem_k)
MAX_SEGMENTS = 6          # sentences of a long message scored on their own (besides the whole)
SEGMENT_CHARS = 300


@dataclass
class SemDoc:
    """What the semantic index embeds of one document."""

    names: list[str]          # titles, aliases, example questions
    body: list[str]           # answer paragraphs
    # Labelled questions from our own training data (bot/exemplars.json), each with a tag naming
    # its item, so that fitting can leave an item's own row out when it scores that item.
    learned: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Features:
    key: str
    kind: str
    i: int
    lex: float = 0.0          # the lexical score (bot.matching), best over segments
    coverage: float = 0.0
    alias: float = 0.0
    sem_q: float = 0.0        # best cosine to the doc's names and example questions
    sem_b: float = 0.0        # best cosine to its answer paragraphs
    lex_whole: float = 0.0    # the lexical score of the whole message (not a sentence of it)
    sem_whole: float = 0.0
    # Relative to the other candidates of the same message: the gap to the best, and 1/rank.
    lex_gap: float = 0.0
    sem_gap: float = 0.0
    lex_rank: float = 0.0
    sem_rank: float = 0.0
    cued: float = 0.0         # 1 when the question's wording leans to this kind of entry
    sem_k: float = 0.0        # mean cosine of the KNN nearest of its names and example questions
    # Intents only: the best cosine of the message with the names it contains masked (〇), so
    # that 「〇〇の事例はある?」 is judged by how it asks, not by the topic it names.
    sem_masked: float = 0.0

    @property
    def sem(self) -> float:
        return max(self.sem_q, self.sem_b)

    def vector(self) -> list[float]:
        return [self.lex, self.coverage, self.alias, self.sem_q, self.sem_b, self.lex_whole, self.sem_whole,
                self.lex_gap, self.sem_gap, self.lex_rank, self.sem_rank, self.cued, self.sem_k]


FEATURE_NAMES = ["lex", "coverage", "alias", "sem_q", "sem_b", "lex_whole", "sem_whole",
                 "lex_gap", "sem_gap", "lex_rank", "sem_rank", "cued", "sem_k"]


class SemScores(NamedTuple):
    """Per document (`Retriever._sem_for`): the best cosine of any query vector to its names and
    example questions (q) and to its answer paragraphs (b), and of the whole message to its names
    (whole); per row, the best of any query vector (rows, for the k-nearest vote). Returned, not
    kept on the retriever: answers run on several threads at once."""

    q: np.ndarray
    b: np.ndarray
    whole: np.ndarray
    rows: np.ndarray


@dataclass
class Retrieval:
    """The candidates for one message, best first by `rank` (filled by the ranker)."""

    folded: str
    candidates: list[Features]
    segments: list[str] = field(default_factory=list)
    qvec: np.ndarray | None = None          # the whole message's vector
    masked_vec: np.ndarray | None = None    # the message with the entry names it names masked (None: none)


class Retriever:
    """Both signals over the same documents.

    Semantic search scores every row for a small base (on the rows' SEM_DIMS principal
    directions); for a large one (more than EXACT_DOCS documents) it first ranks documents by their
    centroid (one matrix-vector product) and then scores the rows of the best SHORTLIST documents,
    and of the lexical candidates, on the full vectors.
    """

    EXACT_DOCS = 5000
    SHORTLIST = 64
    LOW_DIMS = 128
    SEM_DIMS = 256
    PRESELECT = 4
    GEMM_FROM = 4             # query vectors from which one matrix product beats matrix-vector ones

    def __init__(self, docs: list[IndexDoc], sem_docs: list[SemDoc], synonyms: Synonyms | None,
                 encoder: Encoder, *, cache_dir: Path | None = None, vectors: np.ndarray | None = None):
        """`vectors`: precomputed rows in `rows_of(sem_docs)` order (benchmarks use stand-ins)."""
        self.docs = docs
        self.lex = Index.cached(docs, synonyms, cache_dir)
        self.encoder = encoder
        texts, name_start, body_start, tags = [], [], [], []
        for i, sd in enumerate(sem_docs):
            names, body = _rows(sd, docs[i].key)
            name_start.append(len(texts))
            texts += names
            tags += [""] * len(names)
            for tag, q in sd.learned:
                texts.append(q)
                tags.append(tag)
            body_start.append(len(texts))
            texts += body
            tags += [""] * len(body)
        self.tags = np.asarray(tags)
        self.leave_out: str | None = None      # fitting only: the tag whose rows must not count
        self.n = len(docs)
        # Pseudo-documents (out-of-scope topics, intents) always compete: their best two by meaning
        # join the candidates, so the decision always sees how close the nearest topic came.
        self.pseudo = np.asarray([i for i, d in enumerate(docs) if d.kind in ("oos", "intent")], dtype=np.int64)
        self.has_intents = any(d.kind == "intent" for d in docs)
        self.name_start = np.asarray(name_start, dtype=np.int64)
        self.body_start = np.asarray(body_start, dtype=np.int64)
        self.doc_end = np.append(self.name_start[1:], len(texts)).astype(np.int64)
        self.vectors = vectors if vectors is not None else cached_vectors(encoder, texts, cache_dir)
        assert self.vectors.shape == (len(texts), DIM)
        self.centroids = None
        self.vectors_t = None
        self._group_starts = _group_starts(self.name_start, self.body_start, self.doc_end)
        if self.n <= self.EXACT_DOCS:
            # Every row is scored on the rows' SEM_DIMS principal directions: half the memory a
            # question's pass reads (the pass is memory-bound), for cosines within ~0.01 of the full
            # ones (bench_answer; the decision is fitted on these same cosines).
            self.basis = principal_directions(self.vectors, self.SEM_DIMS)
            self.vectors_t = np.ascontiguousarray((self.vectors @ self.basis).T)   # (SEM_DIMS, rows)
        else:
            sums = np.add.reduceat(self.vectors, self.name_start, axis=0)
            self.centroids = (sums / np.linalg.norm(sums, axis=1, keepdims=True)).astype(np.float32)
            # The centroids projected on their LOW_DIMS principal directions: a first pass over
            # every document reads a quarter of the memory; the best PRESELECT × SHORTLIST of it are
            # then scored on their full centroids.
            self.projection = principal_directions(self.centroids, self.LOW_DIMS)
            self.centroids_low = np.ascontiguousarray(self.centroids @ self.projection)

    def _sem_for(self, qvecs: np.ndarray, ids: np.ndarray | None) -> SemScores:
        """The documents in `ids` (None: all) scored against the query vectors (the first: the
        whole message)."""
        if ids is None:
            ns, bs, de = self.name_start, self.body_start, self.doc_end
            # On the rows laid out column-wise: up to three query vectors, one matrix-vector
            # product each (BLAS's few-row matrix product is slower than these); from four (a
            # long message's sentences), one matrix product, which reads the rows once (eight
            # vectors over the shipped base's 13,600 rows, one core: 2.8 ms instead of 7.9 ms).
            low = qvecs @ self.basis
            sims = low @ self.vectors_t if len(low) >= self.GEMM_FROM else np.stack([v @ self.vectors_t for v in low])
        else:
            ns, bs, de = self.name_start[ids], self.body_start[ids], self.doc_end[ids]
            sub = self.vectors[_ranges(ns, de)]
            sims = np.stack([sub @ v for v in qvecs])
        if self.leave_out is not None:
            own = self.tags == self.leave_out if ids is None else self.tags[_ranges(ns, de)] == self.leave_out
            sims[:, own] = -1.0
        whole = sims[0]
        best = sims.max(axis=0) if len(sims) > 1 else whole
        starts = self._group_starts if ids is None else _group_starts(ns, bs, de)
        per_group = np.maximum.reduceat(best, starts)
        names_whole = per_group[0::2] if best is whole else np.maximum.reduceat(whole, starts)[0::2]
        return SemScores(per_group[0::2], per_group[1::2], names_whole, best)

    def _shortlist(self, qvecs: np.ndarray) -> np.ndarray:
        """The SHORTLIST documents whose centroid is nearest any of the query vectors."""
        low = (self.centroids_low @ (qvecs @ self.projection).T).max(axis=1)
        m = min(self.n, self.PRESELECT * self.SHORTLIST)
        pre = np.argpartition(-low, m - 1)[:m]
        exact = (self.centroids[pre] @ qvecs.T).max(axis=1)
        return pre[np.argpartition(-exact, self.SHORTLIST - 1)[: self.SHORTLIST]]

    def semantic(self, text: str) -> np.ndarray:
        """Per document: the best cosine of `text` to its names, questions and answer (every doc,
        no shortlist; used to find the closest entries of one kind, e.g. cases)."""
        qvecs = self.encoder.encode([text]).astype(np.float32)
        if self.centroids is not None:
            return (self.centroids @ qvecs.T).max(axis=1)
        sc = self._sem_for(qvecs, None)
        return np.maximum(sc.q, sc.b)

    def _masked_intents(self, cands: list[Features], qvec: np.ndarray | None) -> None:
        """Fill `sem_masked` of the intent candidates: their best cosine to the message with the
        names of the entries it names replaced by 〇 (`qvec`, None when it names none)."""
        for f in cands:
            if f.kind != "intent":
                continue
            f.sem_masked = f.sem_q
            if qvec is None:
                continue
            a, b = int(self.name_start[f.i]), int(self.body_start[f.i])
            sims = self.vectors[a:b] @ qvec
            if self.leave_out is not None:
                sims[self.tags[a:b] == self.leave_out] = -1.0
            f.sem_masked = max(f.sem_q, float(sims.max()))

    def retrieve(self, question: str) -> Retrieval:
        segments = _segments(question)
        # The lexical best of each segment first: the entry names they hit give the masked form
        # of the message, encoded in the same batch as the segments (one encoder call).
        queries = [self.lex.query(seg) for seg in segments]
        lex_best = [self.lex.best(q, POOL) for q in queries]
        masked = mask_names(self.docs, segments[0], [c for b in lex_best for c in b]) if self.has_intents else None
        vecs = self.encoder.encode(segments + ([masked] if masked is not None else [])).astype(np.float32)
        qvecs, masked_vec = vecs[:len(segments)], (vecs[-1] if masked is not None else None)
        if self.centroids is None:
            ids = None
            sc = self._sem_for(qvecs, None)
            sem = np.maximum(sc.q, sc.b)
            m = min(POOL, self.n)
            sem_top = np.argpartition(-sem, m - 1)[:m] if self.n > m else np.arange(self.n)
            if len(self.pseudo):
                sem_top = np.union1d(sem_top, self.pseudo[np.argsort(-sem[self.pseudo])[:2]])
        else:
            ids = self._shortlist(qvecs)
            sc = self._sem_for(qvecs, ids)
            sem = np.maximum(sc.q, sc.b)
            m = min(POOL, len(ids))
            sem_top = ids[np.argpartition(-sem, m - 1)[:m]]
        feats: dict[int, Features] = {}
        folded = queries[0].folded
        extra = sem_top.tolist()
        for s_i, (q, best) in enumerate(zip(queries, lex_best)):
            for c in self.lex.merge(best, self.lex.score_ids(q, extra, after_best=True), POOL):
                ft = feats.get(c.i)
                if ft is None:
                    ft = feats[c.i] = Features(c.key, c.kind, c.i)
                if c.score > ft.lex:
                    ft.lex, ft.coverage, ft.alias = c.score, c.coverage, c.alias
                if s_i == 0:
                    ft.lex_whole = c.score
        cand_ids = np.fromiter(feats, dtype=np.int64, count=len(feats))
        if len(cand_ids):
            if ids is None:
                cq, cb, cw = sc.q[cand_ids], sc.b[cand_ids], sc.whole[cand_ids]
                rows, base = sc.rows, self.name_start[cand_ids]
            else:
                cs = self._sem_for(qvecs, cand_ids)
                cq, cb, cw, rows = cs.q, cs.b, cs.whole, cs.rows
                lens = self.doc_end[cand_ids] - self.name_start[cand_ids]
                base = np.concatenate(([0], np.cumsum(lens)[:-1]))
            n_names = self.body_start[cand_ids] - self.name_start[cand_ids]
            sem_k = top_mean(rows, base, n_names, KNN)
            for k, i in enumerate(cand_ids.tolist()):
                ft = feats[i]
                ft.sem_q, ft.sem_b, ft.sem_whole = float(cq[k]), float(cb[k]), float(cw[k])
                ft.sem_k = float(sem_k[k])
        cands = list(feats.values())
        if not any(f.kind == "intent" for f in cands):
            masked_vec = None           # the masked form is only compared with intents
        self._masked_intents(cands, masked_vec)
        cued = cued_kinds(folded)
        for f in cands:
            f.cued = float(f.kind in cued)
        if cands:
            best_lex = max(f.lex for f in cands)
            best_sem = max(f.sem for f in cands)
            for r, f in enumerate(sorted(cands, key=lambda f: -f.lex)):
                f.lex_gap, f.lex_rank = f.lex - best_lex, 1.0 / (1 + r)
            for r, f in enumerate(sorted(cands, key=lambda f: -f.sem)):
                f.sem_gap, f.sem_rank = f.sem - best_sem, 1.0 / (1 + r)
        return Retrieval(folded, cands, segments, qvecs[0], masked_vec)


def mask_names(docs: list[IndexDoc], message: str, cands: list[Features]) -> str | None:
    """The message with the names of the entries it names (the lexical name hits) replaced by 〇,
    so that 「〇〇の事例はある?」 is judged by how it asks; None when it names none."""
    low = unicodedata.normalize("NFKC", message).lower()
    masked = low
    named = sorted((f for f in cands if f.alias >= 0.3 and f.kind not in ("intent", "oos")), key=lambda f: -f.alias)
    for f in named[:5]:
        for name in sorted(docs[f.i].names, key=len, reverse=True):
            n = unicodedata.normalize("NFKC", name).lower()
            if len(n) >= 2 and n in masked:
                masked = masked.replace(n, "〇")
    if masked == low or not T.has_words(T.fold(masked.replace("〇", ""))):
        return None
    return masked


def _rows(sd: SemDoc, key: str) -> tuple[list[str], list[str]]:
    """The texts embedded for one document: names and questions, then answer paragraphs (each
    group at least one row)."""
    names = [t for t in dict.fromkeys(sd.names) if t.strip()] or [key]
    body = [p for t in sd.body for p in _paragraphs(t)] or names[:1]
    return names, body


def rows_of(sem_docs: list[SemDoc], keys: list[str]) -> int:
    """How many vector rows the documents take (for stand-in vectors of the real shape)."""
    return sum(len(a) + len(b) + len(sd.learned) for sd, (a, b) in
               zip(sem_docs, (_rows(sd, k) for sd, k in zip(sem_docs, keys))))


def principal_directions(rows: np.ndarray, k: int) -> np.ndarray:
    """The k directions (DIM, k) that keep most of the rows' energy (uncentred PCA: cosines are
    dot products of unit vectors, so the projection keeps them as close as k dimensions can)."""
    gram = (rows.T @ rows).astype(np.float64)           # (DIM, DIM): one float32 product
    _, vecs = np.linalg.eigh(gram)
    return np.ascontiguousarray(vecs[:, ::-1][:, :k], dtype=np.float32)


def top_mean(values: np.ndarray, starts: np.ndarray, lens: np.ndarray, k: int) -> np.ndarray:
    """Per group values[start:start+len]: the mean of its k largest (fewer when shorter; 0 when
    empty), for all groups at once."""
    lens = np.asarray(lens, dtype=np.int64)
    out = np.zeros(len(lens))
    some = lens > 0
    if not some.any():
        return out
    vals = values[_ranges(np.asarray(starts, dtype=np.int64), starts + lens)].astype(np.float64)
    first = (np.cumsum(lens) - lens)[some]
    group = np.repeat(np.arange(len(first)), lens[some])
    # k rounds of: each group's largest value, then one occurrence of it taken out (k is small:
    # a few passes over the values cost less than sorting them).
    total, count = np.zeros(len(first)), np.zeros(len(first))
    for _ in range(min(k, int(lens.max()))):
        top = np.maximum.reduceat(vals, first)
        left = np.isfinite(top)
        total += np.where(left, top, 0.0)
        count += left
        at = np.flatnonzero(vals == top[group])
        vals[at[np.r_[True, group[at][1:] != group[at][:-1]]]] = -np.inf
    out[some] = np.where(count > 0, total / np.maximum(count, 1), 0.0)
    return out


def _group_starts(ns: np.ndarray, bs: np.ndarray, de: np.ndarray) -> np.ndarray:
    """Rows are laid out doc by doc (names, then body), each group at least one row: the
    interleaved starts of every doc's two groups (a per-doc, per-group maximum is one reduceat)."""
    offs = np.concatenate(([0], np.cumsum(de - ns)[:-1]))
    starts = np.empty(2 * len(offs), dtype=np.int64)
    starts[0::2], starts[1::2] = offs, offs + (bs - ns)
    return starts


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The concatenation of arange(s, e) for each pair, without a Python loop."""
    lens = ends - starts
    total = int(lens.sum())
    offs = np.repeat(starts - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
    return offs + np.arange(total)


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if len(p.strip()) >= 4]


def _segments(question: str) -> list[str]:
    """The message itself, then (for a message of several sentences) its sentences, last first:
    in a long message the question usually comes after the context."""
    whole = question[: T.MATCH_CHARS]
    parts = [s for s in T.sentences(whole) if T.has_words(T.fold(s))]
    if len(parts) <= 1:
        return [whole]
    parts = [p[:SEGMENT_CHARS] for p in parts[::-1][:MAX_SEGMENTS]]
    return [whole] + parts
