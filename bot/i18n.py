"""The message catalogue: one data file per language (`bot/messages/ja.yaml`, `bot/messages/en.yaml`),
one `t()`, one language type and the one language detector.

    t("desk.handoff_done", lang)            → the text in that language
    t("desk.source", lang, source="…")      → with str.format placeholders filled

The files are nested mappings; a key is the dotted path to a string (`proposal.receipt_title`).
Both files must hold the same keys and, per key, the same placeholders: `catalogue_problems()`
lists every difference as `file: key: what`, checked by `deskbot kb check` and by
tests/test_i18n.py. Because of that check there is no fallback between languages: an unknown key
is a `KeyError` in either language. A `lang` other than "en" means Japanese (the default), so a
missing or unknown language never fails.

Strings are formatted only when fields are given (as the old tables did), so a text with literal
braces and no fields is returned as it is.
"""
from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml

Lang = Literal["ja", "en"]
LANGS: tuple[Lang, ...] = ("ja", "en")
MESSAGES_DIR = Path(__file__).resolve().parent / "messages"

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml when PyYAML has it


class CatalogueError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("message catalogue is broken:\n" + "\n".join(f"  {p}" for p in problems))


def lang_of(lang: str | None) -> Lang:
    """Normalise any language value: "en" is English, everything else (None included) Japanese."""
    return "en" if lang == "en" else "ja"


def _flatten(node, prefix: str, out: dict[str, str], problems: list[str], path: Path) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            if not isinstance(k, str) or not k:
                problems.append(f"{path}: {prefix or '(top)'}: key {k!r} must be a non-empty string")
                continue
            _flatten(v, f"{prefix}.{k}" if prefix else k, out, problems, path)
    elif isinstance(node, str):
        out[prefix] = node
    else:
        problems.append(f"{path}: {prefix or '(top)'}: must be a string or a mapping, got {type(node).__name__}")


def placeholders(text: str) -> frozenset[str]:
    """The str.format field names in `text` ("{n}" → n, "{x!r:>3}" → x)."""
    names = set()
    for _, field, _, _ in string.Formatter().parse(text):
        if field is not None:
            names.add(re.split(r"[.\[]", field, maxsplit=1)[0])
    return frozenset(names)


def _load_file(path: Path, problems: list[str]) -> dict[str, str]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506 — a safe loader
    except (OSError, yaml.YAMLError) as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        problems.append(f"{where}: (file): {getattr(e, 'problem', None) or str(e).splitlines()[0]}")
        return {}
    if not isinstance(data, dict):
        problems.append(f"{path}: (file): must be a mapping of keys, got {type(data).__name__}")
        return {}
    out: dict[str, str] = {}
    _flatten(data, "", out, problems, path)
    return out


def catalogue_problems(directory: Path | None = None) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Load both files (from MESSAGES_DIR unless told); return ({lang: {key: text}}, problems),
    each problem as `file: key: what`."""
    directory = directory or MESSAGES_DIR
    problems: list[str] = []
    tables: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        path = directory / f"{lang}.yaml"
        tables[lang] = _load_file(path, problems)
        for key, text in tables[lang].items():
            try:
                placeholders(text)
            except ValueError as e:
                problems.append(f"{path}: {key}: not a valid format string: {e}")
    ja, en = tables["ja"], tables["en"]
    for lang, mine, other in (("ja", ja, en), ("en", en, ja)):
        path = directory / f"{lang}.yaml"
        for key in sorted(set(other) - set(mine)):
            problems.append(f"{path}: {key}: missing (present in the other language's file)")
    en_path = directory / "en.yaml"
    for key in sorted(set(ja) & set(en)):
        try:
            a, b = placeholders(ja[key]), placeholders(en[key])
        except ValueError:
            continue
        if a != b:
            problems.append(f"{en_path}: {key}: placeholders {sorted(b)} differ from ja.yaml's {sorted(a)}")
    return tables, problems


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """The catalogue, loaded and checked once per process; a broken catalogue raises CatalogueError."""
    tables, problems = catalogue_problems()
    if problems:
        raise CatalogueError(problems)
    return tables


def t(key: str, lang: str | None = "ja", **fmt) -> str:
    """The message `key` in `lang` (anything but "en" → Japanese), formatted with `fmt` if given."""
    text = catalogue()[lang_of(lang)][key]
    return text.format(**fmt) if fmt else text


def has(key: str) -> bool:
    return key in catalogue()["ja"]


# -- dates and lists, in the catalogue's formats (fmt.*) -------------------------------------------

# style → (format key, month names key, weekday names key)
_DATE_STYLES = {"day": ("fmt.day", "fmt.months", "fmt.weekdays"),
                "day_wd": ("fmt.day_wd", "fmt.months", "fmt.weekdays"),
                "day_wd_year": ("fmt.day_wd_year", "fmt.months", "fmt.weekdays"),
                "date": ("fmt.date", "fmt.months_long", "fmt.weekdays"),
                "month": ("fmt.month", "fmt.months_long", "fmt.weekdays")}


def fmt_date(d, lang: str | None, style: str = "day_wd") -> str:
    """A date as the language writes it: day 8/24 · 24 Aug; day_wd 8/24(月) · Mon 24 Aug;
    day_wd_year 2026/8/24(月) · Mon 24 Aug 2026; date 2026年8月24日(月) · Mon 24 August 2026;
    month 2026年8月 · August 2026. The Japanese month "names" are the numbers."""
    key, months, weekdays = _DATE_STYLES[style]
    mon = t(months, lang).split(",")[d.month - 1]
    return t(key, lang, year=d.year, mon=mon, day=d.day, wd=t(weekdays, lang).split(",")[d.weekday()])


def weekday_name(d, lang: str | None) -> str:
    """月曜日 · Monday."""
    return t("fmt.weekdays_long", lang).split(",")[d.weekday()]


def fmt_range(a: str, b: str, lang: str | None) -> str:
    """8/24(月)〜8/31(月) · Mon 24 Aug – Mon 31 Aug."""
    return t("fmt.range", lang, a=a, b=b)


def fmt_list(items, lang: str | None, *, numbers: bool = False) -> str:
    """A、B、C · A, B, C (numbers: 30・14・7 · 30/14/7)."""
    return t("fmt.numbers" if numbers else "fmt.list", lang).join(str(x) for x in items)


# -- the one language detector ------------------------------------------------------------------

_CODES: dict[str, Lang] = {"en": "en", "english": "en", "ja": "ja", "jp": "ja", "日本語": "ja"}


def detect_lang(text: str | None, default: Lang = "ja") -> Lang:
    """The language of a user's text: 'ja' when it has any kana or kanji; a lone language code
    ("en", "ja") picks that language; 'en' for English words (two or more, or an English function
    word); else `default` — a bare acronym like "PFI" stays Japanese."""
    from bot.text import EN_STOPWORDS, is_japanese   # bot.text re-exports this function

    if not text or not text.strip():
        return default
    if is_japanese(text):
        return "ja"
    code = _CODES.get(text.strip().lower())
    if code:
        return code
    words = re.findall(r"[A-Za-z]{2,}", text)
    return "en" if len(words) >= 2 or any(w.lower() in EN_STOPWORDS for w in words) else default


def lang_from_locale(locale: str | None, default: Lang) -> Lang:
    """A locale (Slack's `ja-JP`, POSIX `en_US.UTF-8`) as a language: `ja…` Japanese, `en…`
    English, anything else `default`."""
    loc = (locale or "").strip().lower()
    return "ja" if loc.startswith("ja") else "en" if loc.startswith("en") else default
