"""The curated knowledge base: one YAML file per entry under `knowledge/entries/<kind>/<id>.yaml`.

`load_knowledge()` reads and validates everything and raises `KnowledgeError` listing every
problem as `file: field: message`; `deskbot kb check` prints that list, and the bot refuses to
start on it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

KINDS = ("calendar", "method", "case", "howto", "term", "context")
Kind = Literal["calendar", "method", "case", "howto", "term", "context"]


class KnowledgeError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("knowledge base is broken:\n" + "\n".join(f"  {p}" for p in problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Localized(_Strict):
    ja: str = Field(min_length=1)
    en: str | None = None

    def get(self, lang: str) -> str:
        return self.en if lang == "en" and self.en else self.ja


class LocalizedList(_Strict):
    ja: list[str] = Field(min_length=1)
    en: list[str] = Field(min_length=1)


class Source(_Strict):
    doc: str = Field(min_length=1)       # seed file name, e.g. 000_efd51e46be534f43.txt
    section: str = Field(min_length=1)   # a section listed for that doc in knowledge/sources.yaml


class Entry(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,79}$")
    kind: Kind
    title: Localized
    aliases: list[str] = []
    tags: list[str] = []
    answer: Localized
    municipality: Localized | None = None   # required for kind: case
    methods: list[str] = []                 # for cases: ids of the method entries used
    related: list[str] = []
    sources: list[Source] = Field(min_length=1)
    # 5–12 questions a real asker would type, in the curator's own words (never test questions):
    # at least one describing the situation without naming the concept, one short, one English.
    questions: list[str] = []
    # General knowledge the documents do not state (e.g. the April–March fiscal year), shown
    # apart from the documents' facts and labelled as background.
    background: Localized | None = None
    # Methods only (the idea advisor): situations the method serves, whether the city needs new
    # budget for it, and what the company must bring.
    fits: LocalizedList | None = None
    needs_budget: Literal["yes", "no", "depends"] | None = None
    brings: Localized | None = None
    # How-to entries only (the idea advisor's next steps): short lines of what to prepare.
    prepare: LocalizedList | None = None

    @field_validator("aliases", "tags", "questions")
    @classmethod
    def _no_blank(cls, v: list[str]) -> list[str]:
        if any(not s.strip() for s in v):
            raise ValueError("must not contain empty strings")
        return [s.strip() for s in v]


class DocInfo(_Strict):
    title: Localized
    sections: list[str] = Field(min_length=1)


class OutOfScopeTopic(_Strict):
    """Questions the desk does not handle; the bot declines them and says where to go.

    `examples` are sentences a person would type about the topic, in both languages: the engine
    scores them with the same signals as entries, and the topic declines only when it beats the
    best in-scope entry."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    examples: list[str] = Field(min_length=4)
    reply: Localized
    # Optional: who other than the city a budget or a proposal may belong to (町内会, "my manager").
    # A message about a budget or a proposal that names one of them, and neither the city nor any
    # entry, is this topic, whatever intent its wording suggests (bot/engine.py `_owner_topic`).
    owners: list[str] = []


INTENTS = ("handoff", "timing", "cases", "propose", "remind", "contact")


class Intent(_Strict):
    """Something a message asks of the desk besides a knowledge answer (bot/conversation.py)."""

    id: Literal["handoff", "timing", "cases", "propose", "remind", "contact"]
    examples: list[str] = Field(min_length=4)


class IntentFile(_Strict):
    intents: list[Intent]


class SynonymFile(_Strict):
    # canonical word (as entries write it) -> everyday variants people type
    groups: dict[str, list[str]]


class OutOfScopeFile(_Strict):
    topics: list[OutOfScopeTopic]


@dataclass
class Knowledge:
    entries: dict[str, Entry]
    docs: dict[str, DocInfo]
    root: Path
    files: dict[str, Path] = field(default_factory=dict)   # entry id -> file
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    out_of_scope: list[OutOfScopeTopic] = field(default_factory=list)
    intents: list[Intent] = field(default_factory=list)

    def cite(self, entry: Entry, lang: str = "ja") -> str:
        parts = []
        for s in entry.sources:
            doc = self.docs[s.doc].title.get(lang)
            parts.append(f"{doc} — {s.section}")
        return " / ".join(dict.fromkeys(parts))


def _fmt_loc(loc: tuple, data=None) -> str:
    """A field path for a curator: list items that have an `id` are named by it
    (milestones.proposal-window.month, not milestones.3.month)."""
    parts, node = [], data
    for x in loc:
        if isinstance(x, int) and isinstance(node, list) and x < len(node) and isinstance(node[x], dict) \
                and isinstance(node[x].get("id"), str):
            parts.append(node[x]["id"])
        else:
            parts.append(str(x))
        node = node[x] if isinstance(node, (list, dict)) and _has(node, x) else None
    return ".".join(parts) or "(file)"


def _has(node, key) -> bool:
    return (isinstance(node, dict) and key in node) or (isinstance(node, list) and isinstance(key, int) and key < len(node))


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml: ten times faster than pure Python


def load_yaml(text: str):
    """`yaml.safe_load`, through libyaml when PyYAML has it (the same documents, the same errors)."""
    return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 — a safe loader


def yaml_problem(path: Path, e: Exception) -> str:
    """A YAML or reading error as `file:line:column: (file): what`."""
    mark = getattr(e, "problem_mark", None)
    where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
    what = getattr(e, "problem", None) or str(e).splitlines()[0]
    kind = "not valid YAML" if isinstance(e, yaml.YAMLError) else "cannot read"
    return f"{where}: (file): {kind}: {what}"


def validation_problems(path: Path, e: ValidationError, data=None) -> list[str]:
    """pydantic's errors as `file: field: message`, echoing a wrong value beside the allowed ones."""
    out = []
    for err in e.errors():
        msg = err["msg"]
        given = err.get("input")
        if err["type"] not in ("missing", "extra_forbidden") and isinstance(given, (str, int, float, bool)):
            msg += f" (got {given!r})"
        out.append(f"{path}: {_fmt_loc(err['loc'], data)}: {msg}")
    return out


def _load_optional(path: Path, model: type[BaseModel], problems: list[str]):
    """Validate an optional YAML file of the knowledge folder; None when absent or broken."""
    if not path.exists():
        return None
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        problems.append(yaml_problem(path, e))
        return None
    try:
        return model.model_validate(data)
    except ValidationError as e:
        problems += validation_problems(path, e, data)
    return None


MIN_QUESTIONS, MAX_QUESTIONS = 5, 12


def _entry_problems(e: Entry) -> list[str]:
    """Rules pydantic's field types cannot say: example questions, method facts."""
    out = []
    n = len(e.questions)
    if not MIN_QUESTIONS <= n <= MAX_QUESTIONS:
        out.append(f"questions: {n} example question(s); write {MIN_QUESTIONS}–{MAX_QUESTIONS}")
    elif not any(q.isascii() for q in e.questions):
        out.append("questions: none in English; add at least one")
    if len(set(e.questions)) != n:
        out.append("questions: the same question twice")
    if e.kind == "method":
        for name in ("fits", "needs_budget"):
            if getattr(e, name) is None:
                out.append(f"{name}: required for kind 'method' (see knowledge/README.md)")
    else:
        for name in ("fits", "needs_budget", "brings"):
            if getattr(e, name) is not None:
                out.append(f"{name}: only method entries have it")
    if e.prepare is not None:
        if e.kind != "howto":
            out.append("prepare: only how-to entries have it")
        elif len(e.prepare.ja) != len(e.prepare.en):
            out.append(f"prepare: {len(e.prepare.ja)} Japanese line(s) but {len(e.prepare.en)} English; "
                       "give each line in both languages")
    return out


def load_knowledge(root: Path) -> Knowledge:
    """Read and validate the whole knowledge base; raise KnowledgeError naming file and field."""
    problems: list[str] = []
    root = Path(root)
    syn = _load_optional(root / "synonyms.yaml", SynonymFile, problems)
    oos = _load_optional(root / "out_of_scope.yaml", OutOfScopeFile, problems)
    intents = _load_optional(root / "intents.yaml", IntentFile, problems)
    docs: dict[str, DocInfo] = {}
    src_file = root / "sources.yaml"
    try:
        raw = load_yaml(src_file.read_text(encoding="utf-8")) or {}
        for name, info in raw.items():
            try:
                docs[name] = DocInfo.model_validate(info)
            except ValidationError as e:
                for err in e.errors():
                    problems.append(f"{src_file}: {name}.{_fmt_loc(err['loc'])}: {err['msg']}")
    except (OSError, yaml.YAMLError, AttributeError) as e:
        problems.append(yaml_problem(src_file, e))

    entries: dict[str, Entry] = {}
    files: dict[str, Path] = {}
    broken: set[str] = set()      # ids of files that failed: references to them are not reported again
    paths = sorted((root / "entries").rglob("*.yaml")) + sorted((root / "entries").rglob("*.yml"))
    if not paths:
        problems.append(f"{root / 'entries'}: (folder): no entry files found")
    for path in paths:
        try:
            data = load_yaml(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
            problems.append(yaml_problem(path, e))
            broken.add(path.stem)
            continue
        if not isinstance(data, dict):
            problems.append(f"{path}: (file): must be a mapping of fields, got {type(data).__name__}")
            broken.add(path.stem)
            continue
        try:
            entry = Entry.model_validate(data)
        except ValidationError as e:
            problems += validation_problems(path, e, data)
            broken.update({path.stem, str(data.get("id"))})
            continue
        if path.stem != entry.id:
            problems.append(f"{path}: id: file name must be the id ({entry.id}.yaml)")
        if path.parent.name != entry.kind:
            problems.append(f"{path}: kind: file must live under entries/{entry.kind}/")
        if entry.id in entries:
            problems.append(f"{path}: id: duplicate id {entry.id!r} (also in {files[entry.id]})")
            continue
        if entry.kind == "case" and entry.municipality is None:
            problems.append(f"{path}: municipality: required for kind 'case'")
        problems += [f"{path}: {p}" for p in _entry_problems(entry)]
        entries[entry.id] = entry
        files[entry.id] = path

    # Cross-references, once every entry is known.
    for eid, entry in entries.items():
        path = files[eid]
        for i, rid in enumerate(entry.related):
            if rid in broken:
                continue
            if rid not in entries:
                problems.append(f"{path}: related.{i}: unknown entry id {rid!r}")
            elif rid == eid:
                problems.append(f"{path}: related.{i}: an entry cannot relate to itself")
        for i, mid in enumerate(entry.methods):
            if mid not in entries and mid not in broken:
                problems.append(f"{path}: methods.{i}: unknown entry id {mid!r}")
        for i, src in enumerate(entry.sources):
            if docs and src.doc not in docs:
                problems.append(f"{path}: sources.{i}.doc: unknown document {src.doc!r} "
                                f"(known: {', '.join(docs)})")
            elif docs and src.section not in docs[src.doc].sections:
                problems.append(f"{path}: sources.{i}.section: {src.section!r} is not a section of "
                                f"{src.doc} (see knowledge/sources.yaml)")
    if problems:
        raise KnowledgeError(problems)
    return Knowledge(entries=entries, docs=docs, root=root, files=files,
                     synonyms=syn.groups if syn else {}, out_of_scope=oos.topics if oos else [],
                     intents=intents.intents if intents else [])


# ---- copied text ----------------------------------------------------------------------------
COPY_RUN = 28      # an answer sharing this many characters in a row with a seed is copied text


def _letters(text: str) -> str:
    """The text without spaces, punctuation and symbols (NFKC), as the copy check compares it."""
    import unicodedata

    t = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in t if unicodedata.category(ch)[0] in "LN")


def copied_runs(kb: "Knowledge", seeds_dir: Path, n: int = COPY_RUN) -> list[tuple[str, str, str]]:
    """(entry id, field, the shared run) for every answer, background or question that shares a
    run of `n` characters with a seed document once spaces and punctuation are dropped."""
    shingles: set[str] = set()
    for p in sorted(Path(seeds_dir).glob("*.txt")):
        s = _letters(p.read_text(encoding="utf-8"))
        shingles.update(s[i:i + n] for i in range(len(s) - n + 1))
    out = []
    for e in kb.entries.values():
        fields = [("answer.ja", e.answer.ja), ("answer.en", e.answer.en or "")]
        if e.background:
            fields.append(("background.ja", e.background.ja))
        fields += [(f"questions.{i}", q) for i, q in enumerate(e.questions)]
        if e.prepare:
            fields += [(f"prepare.ja.{i}", t) for i, t in enumerate(e.prepare.ja)]
        for name, text in fields:
            s = _letters(text)
            hit = next((s[i:i + n] for i in range(len(s) - n + 1) if s[i:i + n] in shingles), None)
            if hit:
                out.append((e.id, name, hit))
    return out
