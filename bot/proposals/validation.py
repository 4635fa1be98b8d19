"""Validation of proposal and challenge input, with an error message per field.

The Slack modal shows each message under its own input (`response_action: errors`); the CLI
prints them. Text is normalised first (NFKC: full-width ＠ or digits typed on a Japanese keyboard
are accepted), then checked.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from bot.i18n import t

SUMMARY_MAX = 3000


@dataclass(frozen=True)
class Choice:
    key: str
    ja: str
    en: str
    entry_id: str | None = None      # the knowledge entry that explains it

    def label(self, lang: str = "ja") -> str:
        return self.en if lang == "en" else self.ja


METHODS: dict[str, Choice] = {c.key: c for c in (
    Choice("agreement", "連携協定", "Partnership agreement", "partnership-agreement"),
    Choice("pilot", "実証実験", "Demonstration experiment", "demonstration-experiment"),
    Choice("designated_manager", "指定管理者制度", "Designated manager system", "designated-manager"),
    Choice("pfi_ppp", "PFI/PPP", "PFI/PPP", "pfi"),
    Choice("naming_rights", "ネーミングライツ", "Naming rights", "naming-rights"),
    Choice("advertising", "広告掲載", "Advertising", "advertising"),
    Choice("furusato", "企業版ふるさと納税", "Corporate hometown tax donation", "corporate-furusato-nozei"),
    Choice("unsure", "わからない", "Not sure"),
)}

NEEDS_BUDGET: dict[str, Choice] = {c.key: c for c in (
    Choice("yes", "はい(市の予算が必要)", "Yes (needs city budget)"),
    Choice("no", "いいえ(市の予算は不要)", "No (no city budget needed)"),
    Choice("unsure", "わからない", "Not sure"),
)}

# Routes that start without new city budget (offered while the budget window is closed).
NO_BUDGET_ROUTES = ("agreement", "pilot", "furusato", "naming_rights", "advertising")

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")

def msg(code: str, lang: str = "ja", **kw) -> str:
    """The error message `code` (bot/messages/*.yaml `proposal.error.*`)."""
    return t(f"proposal.error.{code}", lang, **kw)


# What PostgreSQL refuses to store in text (NUL; lone surrogates, e.g. from invalid UTF-8 or a JSON
# "\ud800", cannot even be encoded) and other control characters nobody types on purpose.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(v: object, *, multiline: bool = False) -> str:
    """NFKC-normalised text that any database stores: the characters in `_UNSTORABLE` removed,
    line ends unified, and (unless `multiline`) white space folded to single spaces."""
    s = unicodedata.normalize("NFKC", _UNSTORABLE.sub("", str(v or "")))
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        s = " ".join(s.split())
    return s.strip()


class ValidationFailed(ValueError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


@dataclass(frozen=True)
class ProposalInput:
    organisation: str
    contact_name: str
    email: str
    title: str
    summary: str
    method: str
    needs_budget: str
    challenge_id: int | None = None


def validate_proposal(raw: dict, *, lang: str = "ja", open_challenge_ids: set[int] | None = None) -> ProposalInput:
    """Check every field and raise `ValidationFailed` with all the problems at once.

    `open_challenge_ids`: the challenges that may be answered now (None = don't check).
    """
    errors: dict[str, str] = {}
    limits = {"organisation": 200, "contact_name": 100, "email": 254, "title": 200, "summary": SUMMARY_MAX}
    out: dict[str, object] = {}
    for name, limit in limits.items():
        v = clean_text(raw.get(name), multiline=(name == "summary"))
        if not v:
            errors[name] = msg("required", lang)
        elif len(v) > limit:
            errors[name] = msg("too_long", lang, n=limit, len=len(v))
        out[name] = v
    if "email" not in errors and not _EMAIL.match(str(out["email"])):
        errors["email"] = msg("email", lang)
    for name, choices in (("method", METHODS), ("needs_budget", NEEDS_BUDGET)):
        v = clean_text(raw.get(name))
        if v not in choices:
            errors[name] = msg("choice" if v else "required", lang)
        out[name] = v
    ch = raw.get("challenge_id")
    out["challenge_id"] = None
    if ch not in (None, "", "none"):
        try:
            cid = int(ch)
        except (TypeError, ValueError):
            cid = None
        if cid is None or (open_challenge_ids is not None and cid not in open_challenge_ids):
            errors["challenge_id"] = msg("challenge", lang)
        out["challenge_id"] = cid
    if errors:
        raise ValidationFailed(errors)
    return ProposalInput(**out)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ChallengeInput:
    title: str
    department: str
    description: str
    desired_outcome: str
    open_until: date | None


def validate_challenge(raw: dict, *, today: date, lang: str = "ja") -> ChallengeInput:
    errors: dict[str, str] = {}
    out: dict[str, object] = {}
    for name, limit, multi in (("title", 200, False), ("department", 100, False),
                               ("description", SUMMARY_MAX, True), ("desired_outcome", SUMMARY_MAX, True)):
        v = clean_text(raw.get(name), multiline=multi)
        if not v:
            errors[name] = msg("required", lang)
        elif len(v) > limit:
            errors[name] = msg("too_long", lang, n=limit, len=len(v))
        out[name] = v
    d = raw.get("open_until")
    if isinstance(d, str) and d.strip():
        try:
            d = date.fromisoformat(d.strip())
        except ValueError:
            errors["open_until"] = msg("date", lang)
            d = None
    elif not isinstance(d, date):
        d = None
    if isinstance(d, date) and d < today:
        errors["open_until"] = msg("past", lang)
    out["open_until"] = d
    if errors:
        raise ValidationFailed(errors)
    return ChallengeInput(**out)  # type: ignore[arg-type]
