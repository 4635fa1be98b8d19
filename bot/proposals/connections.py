"""What the staff card shows besides the proposal itself (情報蓄積): its nearest precedents and up
to three similar earlier proposals — the same idea from another company, or the same company again.

Computed once, when the proposal is stored (`enricher(advisor)` is passed to `service.submit`),
and kept in the proposal's `advice` JSON column:

    {"given":      the idea advisor's record, when the proposal came from "Propose this",
     "given_methods": [titles of the methods advised then],
     "precedents_reference": bool  (true: none of them is close; listed for reference only),
     "precedents": [{"id", "municipality", "title"}]  (the advisor's nearest precedents for the
                   title + summary; [] = none near),
     "similar":    [{"ref", "organisation", "title", "same_company", "score"}],
     "vec":        the proposal's text vector (float16, base64), for later proposals to compare with}

"Similar" is a cosine between the proposals' text vectors of at least the advisor model's
`similar_at` (fitted in bench/fit_advisor.py: higher than 99% of the cosines between different
ideas in our labelled set); the same company (same submitter, or the same organisation name once
folded) counts whatever the cosine, most similar first.
"""
from __future__ import annotations

import base64
import json
import logging

import numpy as np
from sqlmodel import Session, select

from bot import text as T
from bot.proposals.models import Proposal

log = logging.getLogger(__name__)

MAX_SIMILAR = 3
MAX_PRECEDENTS = 3
DEFAULT_SIMILAR_AT = 0.8


def pack_vector(v: np.ndarray) -> str:
    return base64.b64encode(np.asarray(v, dtype=np.float16).tobytes()).decode("ascii")


def unpack_vector(s: str | None) -> np.ndarray | None:
    if not s:
        return None
    try:
        v = np.frombuffer(base64.b64decode(s), dtype=np.float16).astype(np.float32)
    except (ValueError, TypeError):
        return None
    return v if v.shape == (512,) else None


def _org_key(name: str) -> str:
    f = T.fold(name or "")
    for w in ("株式会社", "(株)", "㈱", "有限会社", "合同会社", "一般社団法人", "特定非営利活動法人", "npo法人",
              " inc.", " inc", " co., ltd.", " co.,ltd.", " ltd.", " ltd", " llc", " corporation", " corp."):
        f = f.replace(w, "")
    return "".join(ch for ch in f if ch.isalnum())


def proposal_text(title: str, summary: str) -> str:
    return f"{title}\n{summary}"


def enricher(advisor):
    """The `enrich` callback for `service.submit`, over the process's idea advisor."""
    def enrich(s: Session, data, submitter: str, advice: dict | None = None) -> dict:
        text = proposal_text(data.title, data.summary)
        idea = advisor.clean(text) or text
        pm, pc, p_near, iv = advisor.scores(idea)
        vec = iv.q[0]
        precedents = []
        near_at, close_from = advisor.model.thresholds(T.detect_lang(idea))
        if len(pc) and p_near >= near_at:
            order = np.argsort(-pc, kind="stable")[:MAX_PRECEDENTS]
            for i in order:
                c = advisor.index.cases[int(i)]
                precedents.append({"id": c.id, "municipality": c.municipality.ja if c.municipality else "",
                                   "title": c.title.ja})
        similar_at = float(advisor.model.info.get("similar_at", DEFAULT_SIMILAR_AT))
        # Shown but none is close (the advisor's "for reference" state): the card says so.
        reference = bool(precedents) and p_near < close_from
        out = {"precedents": precedents, "precedents_reference": reference, "similar": similar_earlier(s, vec, submitter, data.organisation, similar_at),
               "vec": pack_vector(vec)}
        given = [m for m in (advice or {}).get("m") or [] if m in advisor.kb.entries]
        if given:
            out["given_methods"] = [advisor.kb.entries[m].title.ja for m in given[:3]]
        return out
    return enrich


def similar_earlier(s: Session, vec: np.ndarray, submitter: str, organisation: str, similar_at: float) -> list[dict]:
    """Up to three earlier proposals: the same company again, or a text at least `similar_at` alike."""
    org = _org_key(organisation)
    found = []
    rows = s.exec(select(Proposal.ref, Proposal.organisation, Proposal.title, Proposal.submitter, Proposal.advice)
                  .order_by(Proposal.id.desc()).limit(5000))
    for ref, organisation_, title, sub, advice in rows:
        try:
            other = unpack_vector((json.loads(advice) or {}).get("vec")) if advice else None
        except ValueError:
            other = None
        score = float(other @ vec) if other is not None else 0.0
        same = sub == submitter or (org and _org_key(organisation_) == org)
        if same or score >= similar_at:
            found.append({"ref": ref, "organisation": organisation_, "title": title, "same_company": bool(same),
                          "score": round(score, 3)})
    found.sort(key=lambda d: -d["score"])
    return found[:MAX_SIMILAR]
