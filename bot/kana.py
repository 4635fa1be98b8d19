"""Messages typed all in kana (「れんらくさき おしえてください」), written back in the knowledge's own
words (「連絡先 おしえてください」) before they are matched.

The sentence encoder reads a run of hiragana poorly, and a phone's or a tired typist's message often
is one. The knowledge base's own vocabulary gives the words to look for: every kanji compound in
it (two kanji or more, with a reading of three kana or more: 提案書, 職員, 指定管理者制度) and every
katakana word (リマインダー), under its hiragana reading (pykakasi). A mostly-kana message has the
longest such readings replaced, left to right; shorter readings and grammar stay as typed, so
ください does not become 下さい and いい stays いい. Readings are the same forms the lexical
signal already matches (bot/matching.py); this gives the semantic signal the same words.

The vocabulary is built once per knowledge base and kept under the cache folder (a restart reads
a small JSON file instead of running pykakasi over every text, ~3 s).
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter
from pathlib import Path

import jaconv

from bot.cachefile import prune, write_atomic

log = logging.getLogger(__name__)

VERSION = 1                  # bump when the way the vocabulary is built changes
MIN_READING = 3              # kana: shorter readings are too often grammar (いい, どう, した)
_KANJI_WORD = re.compile(r"[\u4e00-\u9fff々]{2,}")
_KATA_WORD = re.compile(r"[\u30a1-\u30faー]{3,}")
_HIRA = re.compile(r"[\u3041-\u309f]")
_NAME = re.compile(r"[\u4e00-\u9fff々\u30a1-\u30faー]{2,}")
# Hiragana a word commonly follows: particles and the last kana of inflected words
_BOUNDARY = frozenset("はがをにのでともへやかてばらねよなるたい")
_KANJI = re.compile(r"[\u4e00-\u9fff々]")


class KanaWords:
    """Hiragana reading → the knowledge's written form, the most frequent one per reading."""

    def __init__(self, words: dict[str, str]):
        self.words = words
        self.longest = max(map(len, words), default=0)

    @classmethod
    def build(cls, texts: list[str]) -> "KanaWords":
        import pykakasi

        kakasi = pykakasi.kakasi()
        counts: Counter[tuple[str, str]] = Counter()
        for text in texts:
            parts = kakasi.convert(text)
            for part in parts:
                if _KANJI_WORD.fullmatch(part["orig"]) and len(part["hira"]) >= MIN_READING:
                    counts[(part["hira"], part["orig"])] += 1
            if len(parts) > 1 and _NAME.fullmatch(text):      # a name whole (指定管理者制度, 逆提案)
                counts[("".join(p["hira"] for p in parts), text)] += 1
            for m in _KATA_WORD.finditer(text):
                counts[(jaconv.kata2hira(m.group()), m.group())] += 1
        words: dict[str, str] = {}
        for (hira, orig), _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            words.setdefault(hira, orig)
        return cls(words)

    def rewrite(self, text: str) -> str:
        """`text` with the longest known readings, left to right, in their written form. A reading
        is taken only where a word can start: at the start, after a space, punctuation, a kanji or
        katakana, or after a particle or a word ending (の, を, に, て, た, る …). So 「わかりやすい」
        keeps its かりや and 「ぎゃくていあん」 its ていあん (the lexical signal finds it whole)."""
        out, i, n = [], 0, len(text)
        after_word = True               # at the start, or right after a word written back
        while i < n:
            form = None
            if _HIRA.match(text, i) and (after_word or not _HIRA.match(text, i - 1) or text[i - 1] in _BOUNDARY):
                for size in range(min(self.longest, n - i), MIN_READING - 1, -1):
                    form = self.words.get(text[i:i + size])
                    if form is not None:
                        out.append(form)
                        i += size
                        break
            if form is None:
                out.append(text[i])
                i += 1
            after_word = form is not None
        return "".join(out)


    def rewrite_runs(self, text: str) -> str:
        """A message in kanji and kana with a word of the knowledge in kana (「わくはいぶん方式って
        なに」): a run of hiragana that is a known reading of RUN_READING kana or more, whole or
        before a particle, in its written form. A run that goes on in other kana is grammar
        (「どうしたら」 keeps its どうし)."""
        def one(m: re.Match) -> str:
            run = m.group()
            # (the run may open with the particle after a kanji word: 市の|ねーみんぐらいつ)
            for lead in (0, 1) if run[0] in "のはがをにでとも" else (0,):
                for size in range(min(self.longest, len(run) - lead), RUN_READING - 1, -1):
                    form = self.words.get(run[lead:lead + size])
                    if form is not None and _RUN_REST.fullmatch(run[lead + size:]):
                        return run[:lead] + form + run[lead + size:]
            return run
        return _HIRA_RUN.sub(one, text)

    def rewrite_romaji(self, text: str) -> str:
        """English with a term of the knowledge typed in romaji ("What is shitei kanrisha?", "sogo
        gyosei shutai"): a run of one to four romaji words that reads as a kanji word of the
        knowledge of ROMAJI_READING kana or more (long vowels and spelling systems aside: sogo =
        そうごう, sitei = してい) in its written form. Anything else stays as typed."""
        if not any("a" <= ch.lower() <= "z" for ch in text):
            return text
        index = self._romaji_index()
        words = list(re.finditer(r"[A-Za-z]+", text))
        romaji = [_romaji_word(w.group().lower()) for w in words]     # once per word, not per span
        out, last, i = [], 0, 0
        while i < len(words):
            for size in range(min(4, len(words) - i), 0, -1):
                span = words[i:i + size]
                if any(text[a.end():b.start()] not in (" ", "-") for a, b in zip(span, span[1:])):
                    continue
                if not all(romaji[i:i + size]):
                    continue
                form = index.get(_romaji_key("".join(w.group() for w in span)))
                if form is not None:
                    out += [text[last:span[0].start()], form]
                    last, i = span[-1].end(), i + size
                    break
            else:
                i += 1
        return "".join(out) + text[last:] if out else text

    def _romaji_index(self) -> dict[str, str]:
        index = self.__dict__.get("_romaji")
        if index is None:
            index = {}
            for hira, form in self.words.items():
                if len(hira) >= ROMAJI_READING and _KANJI.search(form):
                    index.setdefault(_romaji_key(jaconv.kana2alphabet(hira)), form)
            self.__dict__["_romaji"] = index
        return index


ROMAJI_READING = 5
_ROMAJI_SPELLINGS = (("shi", "si"), ("chi", "ti"), ("tsu", "tu"), ("fu", "hu"), ("ji", "zi"),
                     ("sh", "sy"), ("ch", "ty"), ("j", "zy"))


def _romaji_key(romaji: str) -> str:
    """One spelling for Hepburn, Kunrei and macron-less long vowels (sougou, sogo → sogo)."""
    s = re.sub(r"[^a-z]", "", romaji.lower())
    for a, b in _ROMAJI_SPELLINGS:
        s = s.replace(a, b)
    s = re.sub(r"o[ou]", "o", s)
    return re.sub(r"([aiue])\1", r"\1", s)


def _romaji_word(w: str) -> bool:
    """Whether a lower-case word can be Japanese in romaji (Hepburn has no l, q, v, x, no c
    outside "ch", no word-final m; it reads as plain hiragana with no stray っ at either end)."""
    if len(w) < 2 or re.search(r"[lqvx]|c(?!h)|m$", w):
        return False
    k = jaconv.alphabet2kana(w)
    return re.fullmatch(r"[\u3041-\u3093ー]+", k) is not None and not k.endswith("っ") and not k.startswith("っ")


RUN_READING = 4
_HIRA_RUN = re.compile(r"[\u3041-\u309fー]+")
_RUN_REST = re.compile(r"(?:って|とは|について|の(?:こと)?|は|が|を|に|で|と|も|や)?(?:なに|何)?")


def mostly_kana(text: str) -> bool:
    """A Japanese message written without kanji: at least six hiragana letters and at most one
    kanji (「ていあんしょ って どこに だせば いいの」; katakana loanwords may be among them:
    「かんりょうせいのデメリットってなに」)."""
    return len(_HIRA.findall(text)) >= 6 and len(_KANJI.findall(text)) <= 1


def knowledge_texts(kb) -> list[str]:
    """The Japanese texts of a knowledge base the vocabulary is drawn from."""
    texts = []
    for e in kb.entries.values():
        texts += [e.title.ja, e.answer.ja, *e.aliases, *e.questions]
    for it in kb.intents:
        texts += list(it.examples)
    for topic in kb.out_of_scope:
        texts += list(topic.examples)
    return [t for t in texts if t]


_loaded: dict[str, KanaWords] = {}


def kana_words(kb, cache_dir: Path | None = None) -> KanaWords:
    """The vocabulary of `kb`: from memory, else the cache folder, else built (and saved)."""
    from importlib.metadata import version

    texts = knowledge_texts(kb)
    h = hashlib.sha256(f"{VERSION} {version('pykakasi')} {version('jaconv')}".encode())
    h.update(json.dumps(texts, ensure_ascii=False).encode())
    key = h.hexdigest()[:20]
    if key in _loaded:
        return _loaded[key]
    path = Path(cache_dir) / f"kana-{key}.json" if cache_dir is not None else None
    words = None
    if path is not None:
        try:
            words = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as e:
            log.warning("kana vocabulary cache %s unreadable (%s); rebuilding", path, e)
    if isinstance(words, dict):
        kw = KanaWords(words)
    else:
        kw = KanaWords.build(texts)
        if path is not None:
            try:
                data = json.dumps(kw.words, ensure_ascii=False).encode("utf-8")
                write_atomic(path, lambda f: f.write(data))
                prune(path.parent, "kana-*.json")
            except OSError as e:
                log.warning("cannot cache the kana vocabulary under %s (%s)", path.parent, e)
    _loaded[key] = kw
    return kw
