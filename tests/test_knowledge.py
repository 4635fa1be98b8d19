"""The shipped knowledge base is complete and valid; a broken one is rejected with file and field."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.config import ROOT, get_settings
from bot.knowledge import KINDS, KnowledgeError, load_knowledge

SEEDS = ROOT.parent / "shared" / "seeds"


def test_coverage_of_the_shipped_base(kb):
    by_kind = {k: [e for e in kb.entries.values() if e.kind == k] for k in KINDS}
    assert len(kb.entries) >= 80
    assert len(by_kind["case"]) >= 25
    assert all(by_kind[k] for k in KINDS), {k: len(v) for k, v in by_kind.items()}
    assert all(e.municipality for e in by_kind["case"])
    # the budget milestones the desk revolves around each have an entry
    titles = " ".join(e.title.ja for e in by_kind["calendar"])
    for month in ("4〜8月", "9月", "10月", "12〜1月", "3月"):
        assert month in titles, month
    # every method the desk offers companies is covered
    names = " ".join(e.title.ja + " " + " ".join(e.aliases) for e in by_kind["method"])
    for m in ("連携協定", "実証実験", "指定管理者", "PFI", "PPP", "ネーミングライツ", "広告", "企業版ふるさと納税", "サウンディング", "ガバメントピッチ"):
        assert m in names, m


def test_every_entry_is_bilingual_and_cited(kb):
    for e in kb.entries.values():
        assert e.title.en and e.answer.en, e.id
        assert e.sources and all(s.doc in kb.docs for s in e.sources), e.id


def test_answers_are_in_our_own_words(kb):
    """No answer, background or example question shares a run of 28 characters with a seed
    (spaces and punctuation dropped), so copied text cannot come back."""
    from bot.knowledge import COPY_RUN, copied_runs

    assert SEEDS.exists(), f"the seed documents belong beside the repo ({SEEDS})"
    assert COPY_RUN == 28
    copied = copied_runs(kb, SEEDS)
    assert not copied, "\n".join(f"{eid}: {field}: {run}" for eid, field, run in copied)


def test_the_copy_check_finds_a_copied_sentence(kb, tmp_path):
    seed = (SEEDS / "000_efd51e46be534f43.txt").read_text(encoding="utf-8")
    i = seed.index("官民連携の行政側の仕組み")
    pfi = kb.entries["pfi"]
    copied = pfi.model_copy(update={"answer": pfi.answer.model_copy(update={"ja": "前置き。" + seed[i:i + 60]})})
    kb2 = type(kb)(entries={"pfi": copied}, docs=kb.docs, root=kb.root)
    from bot.knowledge import copied_runs

    assert [(e, f) for e, f, _ in copied_runs(kb2, SEEDS)] == [("pfi", "answer.ja")]


def test_every_entry_has_example_questions_with_an_english_one(kb):
    for e in kb.entries.values():
        assert 5 <= len(e.questions) <= 12 and any(q.isascii() for q in e.questions), e.id
    for e in kb.entries.values():
        if e.kind == "method":
            assert e.fits and e.needs_budget in ("yes", "no", "depends"), e.id


def _copy_kb(tmp_path: Path) -> Path:
    dst = tmp_path / "knowledge"
    shutil.copytree(get_settings().knowledge_dir, dst)
    return dst


def _edit(path: Path, **changes) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for k, v in changes.items():
        if v is None:
            data.pop(k, None)
        else:
            data[k] = v
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize("change,expect", [
    ({"answer": None}, "answer: Field required"),
    ({"kind": "recipe"}, "kind: Input should be"),
    ({"related": ["no-such-entry"]}, "related.0: unknown entry id 'no-such-entry'"),
    ({"sources": [{"doc": "000_efd51e46be534f43.txt", "section": "⑪ 存在しない"}]}, "sources.0.section"),
    ({"sources": []}, "sources: List should have at least 1 item"),
    ({"id": "Bad Id"}, "id: String should match pattern"),
    ({"title": {"en": "no Japanese"}}, "title.ja: Field required"),
    ({"questions": ["PFIとは", "PFIって?"]}, "questions: 2 example question(s); write 5–12"),
    ({"questions": ["PFIとは", "PFIって?", "PFIの例", "PFIの流れ", "PFIの注意"]}, "questions: none in English"),
    ({"fits": None}, "fits: required for kind 'method'"),
    ({"needs_budget": "maybe"}, "needs_budget: Input should be 'yes', 'no' or 'depends' (got 'maybe')"),
])
def test_broken_entries_are_named_by_file_and_field(tmp_path, change, expect):
    root = _copy_kb(tmp_path)
    target = root / "entries" / "method" / "pfi.yaml"
    _edit(target, **change)
    with pytest.raises(KnowledgeError) as exc:
        load_knowledge(root)
    assert any(str(target) in p and expect in p for p in exc.value.problems), exc.value.problems


def test_duplicate_ids_bad_yaml_and_misplaced_files(tmp_path):
    root = _copy_kb(tmp_path)
    shutil.copy(root / "entries" / "method" / "pfi.yaml", root / "entries" / "case" / "pfi.yaml")
    (root / "entries" / "term" / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as exc:
        load_knowledge(root)
    text = "\n".join(exc.value.problems)
    assert "duplicate id 'pfi'" in text
    assert "broken.yaml:2:1: (file): not valid YAML" in text
    assert "entries/case/pfi.yaml: kind: file must live under entries/method/" in text


def test_cli_check_and_refusal_to_start(tmp_path, cli):
    root = _copy_kb(tmp_path)
    _edit(root / "entries" / "method" / "pfi.yaml", related=["ghost"])
    check = cli("kb", "check", KNOWLEDGE_DIR=str(root))
    assert check.returncode == 1 and "pfi.yaml: related.0: unknown entry id 'ghost'" in check.stderr
    ask = cli("ask", "PFIとは", KNOWLEDGE_DIR=str(root))
    assert ask.returncode == 1 and "refusing to start" in ask.stderr and "ghost" in ask.stderr
    good = cli("kb", "check", KNOWLEDGE_DIR=str(get_settings().knowledge_dir))
    assert good.returncode == 0 and "entries ok" in good.stdout


def test_a_yaml_error_names_line_and_column_and_causes_no_cascade(tmp_path):
    root = _copy_kb(tmp_path)
    target = root / "entries" / "method" / "pfi.yaml"
    target.write_text("id: pfi\nkind: method\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as exc:
        load_knowledge(root)
    assert len(exc.value.problems) == 1, exc.value.problems     # no "unknown entry id 'pfi'" follow-ons
    assert exc.value.problems[0].startswith(f"{target}:4:1: (file): not valid YAML")


def test_calendar_problems_name_the_milestone_by_id(tmp_path):
    from bot.fiscal import load_calendar

    root = _copy_kb(tmp_path)
    cal = yaml.safe_load((root / "calendar.yaml").read_text(encoding="utf-8"))
    first = cal["milestones"][0]
    first["entry"] = "no-such-entry"
    (root / "calendar.yaml").write_text(yaml.safe_dump(cal, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError) as exc:
        load_calendar(root)
    assert f"milestones.{first['id']}.entry: unknown entry id 'no-such-entry'" in exc.value.problems[0]


def test_kb_new_writes_a_template_that_validates(tmp_path, cli):
    root = _copy_kb(tmp_path)
    r = cli("kb", "new", "method", "city-pool-pfi", KNOWLEDGE_DIR=str(root))
    assert r.returncode == 0 and (root / "entries" / "method" / "city-pool-pfi.yaml").exists()
    entry = load_knowledge(root).entries["city-pool-pfi"]
    assert entry.kind == "method" and entry.needs_budget == "depends" and len(entry.questions) == 5
    again = cli("kb", "new", "method", "city-pool-pfi", KNOWLEDGE_DIR=str(root))
    assert again.returncode == 1 and "already exists" in again.stderr
