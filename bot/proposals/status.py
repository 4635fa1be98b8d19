"""The proposal status machine.

    受付 → 検討中 → 担当課へ紹介 → 実証・協定 → 予算要求 → 採択 → 完了
                                   ↘ 予算要求 (no pilot)   ↘ 完了 (agreement/pilot done, no budget)
    見送り from any open status; 見送り → 検討中 to reconsider (a mistaken or revived decision).

Statuses are stored as ASCII keys; people see and may type the Japanese labels.
"""
from __future__ import annotations

from dataclasses import dataclass

RECEIVED, REVIEWING, REFERRED, PILOT, BUDGET, ADOPTED, DECLINED, COMPLETED = (
    "received", "reviewing", "referred", "pilot_agreement", "budget_request",
    "adopted", "declined", "completed")


@dataclass(frozen=True)
class Status:
    key: str
    ja: str
    en: str

    def label(self, lang: str = "ja") -> str:
        return self.en if lang == "en" else self.ja


STATUSES: dict[str, Status] = {s.key: s for s in (
    Status(RECEIVED, "受付", "Received"),
    Status(REVIEWING, "検討中", "Under review"),
    Status(REFERRED, "担当課へ紹介", "Referred to the department"),
    Status(PILOT, "実証・協定", "Pilot / agreement"),
    Status(BUDGET, "予算要求", "In the budget request"),
    Status(ADOPTED, "採択", "Adopted"),
    Status(DECLINED, "見送り", "Not taken forward"),
    Status(COMPLETED, "完了", "Completed"),
)}

TRANSITIONS: dict[str, tuple[str, ...]] = {
    RECEIVED: (REVIEWING, DECLINED),
    REVIEWING: (REFERRED, DECLINED),
    REFERRED: (PILOT, BUDGET, DECLINED),
    PILOT: (BUDGET, COMPLETED, DECLINED),
    BUDGET: (ADOPTED, DECLINED),
    ADOPTED: (COMPLETED,),
    DECLINED: (REVIEWING,),
    COMPLETED: (),
}

# Statuses still waiting for the desk to move them: these get the stale nudge.
OPEN = (RECEIVED, REVIEWING, REFERRED, PILOT, BUDGET)
CLOSED = (ADOPTED, DECLINED, COMPLETED)


class BadTransition(ValueError):
    def __init__(self, old: str, new: str):
        self.old, self.new = old, new
        allowed = "、".join(label(s) for s in TRANSITIONS.get(old, ())) or "なし"
        super().__init__(f"「{label(old)}」から「{label(new)}」へは変更できません(変更できる先: {allowed})")


def parse(text: str) -> str:
    """A status key from a key, a Japanese label or an English label; ValueError otherwise."""
    t = text.strip()
    for s in STATUSES.values():
        if t in (s.key, s.ja) or t.lower() == s.en.lower():
            return s.key
    raise ValueError(f"unknown status {text!r} (one of: {', '.join(s.ja for s in STATUSES.values())})")


def label(key: str, lang: str = "ja") -> str:
    s = STATUSES.get(key)
    return s.label(lang) if s else key


def can_move(old: str, new: str) -> bool:
    return new in TRANSITIONS.get(old, ())


def check_move(old: str, new: str) -> None:
    if not can_move(old, new):
        raise BadTransition(old, new)
