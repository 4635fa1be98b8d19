"""English words mistyped in a message ("netwrok", "stadum", "partnrship"), put right before the
message is matched.

The lexical signal matches Latin words whole, so one slipped letter loses the word; the sentence
encoder reads it poorly too. A word of four letters or more is mistyped when it is neither in the
knowledge base's English (titles, aliases, answers, example questions, intents' and out-of-scope
topics' examples) nor an English word by pyspellchecker's dictionary. It becomes the closest word
of the knowledge (rapidfuzz's normalised Indel similarity at least MIN_SIMILARITY, same first
letter, at most two letters longer or shorter), else pyspellchecker's correction when that is a
word of the knowledge; otherwise it stays as typed. Names (a capital inside the message) and
romaji (「shitei kanrisha」) are never touched.
"""
from __future__ import annotations

import re
import threading
from collections import Counter

from rapidfuzz import fuzz, process

MIN_LEN = 4
MIN_SIMILARITY = 85.0        # one slip in a word of seven letters or more, two in a long one
_WORD = re.compile(r"[A-Za-z]+")
_lock = threading.Lock()


class EnglishWords:
    def __init__(self, counts: Counter[str], load_dictionary=None):
        self.known = frozenset(counts)
        # makes pyspellchecker's SpellChecker, on the first word the knowledge does not use
        # (~0.1 s, ~27 MB); None: the knowledge's words only
        self._load = load_dictionary
        self._dictionary = None
        # by first letter: a slip rarely hits it, and the search is a tenth of the vocabulary
        self.by_initial: dict[str, list[str]] = {}
        for w, _ in counts.most_common():
            self.by_initial.setdefault(w[0], []).append(w)

    def warm(self) -> None:
        """Read the dictionary now (long-running processes, before they answer)."""
        self.dictionary

    @property
    def dictionary(self):
        if self._dictionary is None and self._load is not None:
            with _lock:
                if self._dictionary is None:
                    self._dictionary = self._load()
        return self._dictionary

    @classmethod
    def build(cls, texts: list[str], load_dictionary=None) -> "EnglishWords":
        return cls(Counter(w.lower() for t in texts for w in _WORD.findall(t) if len(w) >= MIN_LEN), load_dictionary)

    def closest(self, word: str) -> str | None:
        """The word `word` is a slip of, or None (a word, a name, romaji, or no likely one)."""
        w = word.lower()
        if len(w) < MIN_LEN or w in self.known or _is_romaji(w):     # (romaji: shitei, kanrisha, satei)
            return None
        if self.dictionary is not None and w in self.dictionary:
            return None
        pool = [c for c in self.by_initial.get(w[0], ()) if abs(len(c) - len(w)) <= 2]
        hit = process.extractOne(w, pool, scorer=fuzz.ratio, score_cutoff=MIN_SIMILARITY)
        if hit:
            return hit[0]
        if self.dictionary is not None:       # ("abuot" → about): a word the knowledge uses
            fixed = self.dictionary.correction(w)
            return fixed if fixed in self.known else None
        return None

    def fix(self, text: str) -> str:
        """`text` with its mistyped English words put right (unchanged when it has none). A word
        written with a capital inside the message is a name (Kobe, Nagoya) and stays."""
        if not _WORD.search(text):
            return text

        def one(m: re.Match) -> str:
            w = m.group(0)
            if w[0].isupper() and text[:m.start()].strip():
                return w
            return self.closest(w) or w

        return _WORD.sub(one, text)


def _is_romaji(word: str) -> bool:
    return _ROMAJI.fullmatch(word) is not None


# A word made of romaji syllables only (ka, shi, kyo, n, a doubled consonant for っ): 「shitei」
# 「kanrisha」, not "digtal" or "shareing".
_ROMAJI = re.compile(r"(?:(?:[kgszdtnhbpmr]y?|sh|ch|ts|j|f|w|y)?[aiueo]|n(?![aiueoy])|([kgsztdpcbmf])(?=\1))+")


def knowledge_texts(kb) -> list[str]:
    texts = []
    for e in kb.entries.values():
        texts += [e.title.en or "", e.answer.en or "", *e.aliases, *e.questions]
    for it in kb.intents:
        texts += list(it.examples)
    for topic in kb.out_of_scope:
        texts += list(topic.examples)
    return [t for t in texts if t]


def _english_dictionary():
    from spellchecker import SpellChecker

    return SpellChecker(language="en")


def english_words(kb) -> EnglishWords:
    """The English vocabulary of `kb` (built once per knowledge base, in milliseconds, and kept
    on it) with the English dictionary, read when first needed."""
    ew = kb.__dict__.get("_english_words")
    if ew is None:
        with _lock:
            ew = kb.__dict__.get("_english_words")
            if ew is None:
                ew = kb.__dict__["_english_words"] = EnglishWords.build(knowledge_texts(kb), _english_dictionary)
    return ew
