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

    @field_validator("aliases", "tags")
    @classmethod
    def _no_blank(cls, v: list[str]) -> list[str]:
        if any(not s.strip() for s in v):
            raise ValueError("must not contain empty strings")
        return [s.strip() for s in v]


class DocInfo(_Strict):
    title: Localized
    sections: list[str] = Field(min_length=1)


class OutOfScopeTopic(_Strict):
    """Questions the desk does not handle; the bot declines them and says where to go."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    keywords: list[str] = Field(min_length=1)
    reply: Localized


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

    def cite(self, entry: Entry, lang: str = "ja") -> str:
        parts = []
        for s in entry.sources:
            doc = self.docs[s.doc].title.get(lang)
            parts.append(f"{doc} — {s.section}")
        return " / ".join(dict.fromkeys(parts))


def _fmt_loc(loc: tuple) -> str:
    return ".".join(str(x) for x in loc) or "(file)"


def _load_optional(path: Path, model: type[BaseModel], problems: list[str]):
    """Validate an optional YAML file of the knowledge folder; None when absent or broken."""
    if not path.exists():
        return None
    try:
        return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        problems.append(f"{path}: (file): not valid YAML: {str(e).splitlines()[0]}")
    except ValidationError as e:
        for err in e.errors():
            problems.append(f"{path}: {_fmt_loc(err['loc'])}: {err['msg']}")
    return None


def load_knowledge(root: Path) -> Knowledge:
    """Read and validate the whole knowledge base; raise KnowledgeError naming file and field."""
    problems: list[str] = []
    root = Path(root)
    syn = _load_optional(root / "synonyms.yaml", SynonymFile, problems)
    oos = _load_optional(root / "out_of_scope.yaml", OutOfScopeFile, problems)
    docs: dict[str, DocInfo] = {}
    src_file = root / "sources.yaml"
    try:
        raw = yaml.safe_load(src_file.read_text(encoding="utf-8")) or {}
        for name, info in raw.items():
            try:
                docs[name] = DocInfo.model_validate(info)
            except ValidationError as e:
                for err in e.errors():
                    problems.append(f"{src_file}: {name}.{_fmt_loc(err['loc'])}: {err['msg']}")
    except (OSError, yaml.YAMLError, AttributeError) as e:
        problems.append(f"{src_file}: (file): cannot read: {e}")

    entries: dict[str, Entry] = {}
    files: dict[str, Path] = {}
    paths = sorted((root / "entries").rglob("*.yaml")) + sorted((root / "entries").rglob("*.yml"))
    if not paths:
        problems.append(f"{root / 'entries'}: (folder): no entry files found")
    for path in paths:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
            problems.append(f"{path}: (file): not valid YAML: {str(e).splitlines()[0]}")
            continue
        if not isinstance(data, dict):
            problems.append(f"{path}: (file): must be a mapping of fields, got {type(data).__name__}")
            continue
        try:
            entry = Entry.model_validate(data)
        except ValidationError as e:
            for err in e.errors():
                problems.append(f"{path}: {_fmt_loc(err['loc'])}: {err['msg']}")
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
        entries[entry.id] = entry
        files[entry.id] = path

    # Cross-references, once every entry is known.
    for eid, entry in entries.items():
        path = files[eid]
        for i, rid in enumerate(entry.related):
            if rid not in entries:
                problems.append(f"{path}: related.{i}: unknown entry id {rid!r}")
            elif rid == eid:
                problems.append(f"{path}: related.{i}: an entry cannot relate to itself")
        for i, mid in enumerate(entry.methods):
            if mid not in entries:
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
                     synonyms=syn.groups if syn else {}, out_of_scope=oos.topics if oos else [])
