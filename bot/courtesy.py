"""Is a sentence of a message only courtesy (a greeting, an introduction, thanks, a closing, a
signature) rather than part of what is asked? A learned check beside the rules of bot/text.py.

The rules strip the forms someone has written down; people keep inventing others
(「先日はご丁寧にご回答いただき、ありがとうございました！」「いつもこのボットに助けられてます」
"hope your week is going ok"). This model generalises from examples instead:

    sentence → fold (NFKC, lower case), digits as 0 → character 1–3-grams, TF-IDF (sublinear tf,
    L2-normalised) → logistic regression → P(courtesy)

fitted by bench/fit_courtesy.py on what writers put around questions (tests/data/wrappers_*.json
but the newest set, kept unseen to measure with, and the built-in wrappings of
bench/eval_wrapped.py) against the sentences of our labelled questions (training split only).
The vectoriser is scikit-learn's TfidfVectorizer(analyzer="char"); its vocabulary, idf and the
coefficients are stored in bot/courtesy.json and applied here with the same arithmetic (the fit
script checks the two agree), so answering does not import scikit-learn.
"""
from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

MODEL_FILE = Path(__file__).with_name("courtesy.json")
_DIGIT = re.compile(r"\d")
_SPACES = re.compile(r"\s\s+")      # (scikit-learn's char analyzer collapses runs of white space)


def normalise(sentence: str) -> str:
    """The form the model reads (fit and run time alike)."""
    from bot.text import fold

    return _DIGIT.sub("0", fold(sentence))


class Model:
    def __init__(self, data: dict):
        self.min_n, self.max_n = data["ngram_range"]
        self.weights = {g: (idf, coef) for g, idf, coef in data["features"]}
        self.intercept = float(data["intercept"])
        self.threshold = float(data["threshold"])

    def probability(self, sentence: str) -> float:
        text = _SPACES.sub(" ", normalise(sentence))
        counts = Counter(text[i:i + n] for n in range(self.min_n, self.max_n + 1)
                         for i in range(len(text) - n + 1))
        norm = dot = 0.0
        for gram, tf in counts.items():
            w = self.weights.get(gram)
            if w is None:
                continue
            v = (1.0 + math.log(tf)) * w[0]
            norm += v * v
            dot += v * w[1]
        z = self.intercept + (dot / math.sqrt(norm) if norm else 0.0)
        return 1.0 / (1.0 + math.exp(-z))

    def is_courtesy(self, sentence: str) -> bool:
        return self.probability(sentence) >= self.threshold


@lru_cache(maxsize=1)
def get_model() -> Model | None:
    """The shipped model, or None (the rules alone) when its file is missing or unreadable."""
    try:
        return Model(json.loads(MODEL_FILE.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as e:
        log.warning("courtesy model %s unreadable (%s); greetings are stripped by the rules alone", MODEL_FILE, e)
        return None


@lru_cache(maxsize=4096)
def is_courtesy(sentence: str) -> bool:
    m = get_model()
    return m is not None and m.is_courtesy(sentence)
