"""The plain answer object every surface renders (Slack Block Kit, console, CLI JSON)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

# answer: an entry answers the message; partial: the topic is known but the specific asked for is
# not (one line of what is known + the staff); suggest: did you mean; decline: nothing reliable
# (or out of scope); greeting: the message was only a greeting or thanks; invalid: empty, too long …
# handoff: the message asked for a person (or for something only a person can give).
ReplyKind = Literal["answer", "partial", "suggest", "decline", "greeting", "handoff", "invalid"]


@dataclass(frozen=True)
class Link:
    """A pointer to another knowledge entry (related entry or did-you-mean suggestion)."""

    entry_id: str
    title: str
    score: float = 0.0


@dataclass(frozen=True)
class Reply:
    kind: ReplyKind
    question: str
    lang: str                      # "ja" or "en": the language the text is written in
    text: str                      # the answer, or the suggestion / decline / error text
    title: str | None = None
    entry_id: str | None = None
    entry_kind: str | None = None  # calendar, method, case, howto, term, context
    score: float = 0.0
    source: str | None = None      # human-readable citation: document and section
    related: tuple[Link, ...] = ()
    suggestions: tuple[Link, ...] = ()
    handoff: bool = False          # offer "pass this to the desk staff"
    log_id: int | None = None      # id of the question-log row, for feedback
    # What the message asked for: answer (knowledge), timing, cases, propose, remind, contact,
    # handoff, greeting, thanks, out_of_scope, unknown (see bot/conversation.py).
    intent: str = "answer"
    items: tuple[Link, ...] = ()   # a list the reply holds (e.g. cases), each an entry to open
    actions: tuple[str, ...] = ()  # what a surface should offer: propose, remind, handoff

    @property
    def answered(self) -> bool:
        return self.kind == "answer"

    def to_json(self) -> dict:
        """The CLI's `ask --json` line (see issue: answer engine)."""
        return {
            "answered": self.answered,
            "entry_id": self.entry_id if self.answered else None,
            "title": self.title if self.answered else None,
            "answer": self.text,
            "score": round(self.score, 4),
            "suggestions": [asdict(s) | {"score": round(s.score, 4)} for s in self.suggestions],
            "lang": self.lang,
            "source": self.source,
            "handoff": self.handoff,
            "intent": self.intent,
            "items": [{"entry_id": i.entry_id, "title": i.title} for i in self.items],
        }
