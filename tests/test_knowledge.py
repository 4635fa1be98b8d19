"""The shipped knowledge base is complete and valid; a broken one is rejected with file and field."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.config import ROOT, get_settings
from bot.knowledge import KINDS, KnowledgeError, load_knowledge

SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="module")
def kb():
    return load_knowledge(get_settings().knowledge_dir)


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


@pytest.mark.skipif(not SEEDS.exists(), reason="seed documents not beside the repo")
def test_answers_are_in_our_own_words(kb):
    """No answer sentence repeats a long run of the source text verbatim."""
    text = "".join(p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt"))
    run = 30
    copied = []
    for e in kb.entries.values():
        a = e.answer.ja.replace("\n", "")
        for i in range(0, max(0, len(a) - run)):
            if a[i:i + run] in text:
                copied.append(f"{e.id}: {a[i:i + run]}")
                break
    assert not copied, "\n".join(copied)


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
    assert "broken.yaml: (file): not valid YAML" in text
    assert "entries/case/pfi.yaml: kind: file must live under entries/method/" in text


def test_cli_check_and_refusal_to_start(tmp_path):
    root = _copy_kb(tmp_path)
    _edit(root / "entries" / "method" / "pfi.yaml", related=["ghost"])
    env = {"KNOWLEDGE_DIR": str(root), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PATH": "/usr/bin:/bin"}
    check = subprocess.run([sys.executable, "-m", "bot", "kb", "check"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert check.returncode == 1 and "pfi.yaml: related.0: unknown entry id 'ghost'" in check.stderr
    ask = subprocess.run([sys.executable, "-m", "bot", "ask", "PFIとは"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert ask.returncode == 1 and "refusing to start" in ask.stderr and "ghost" in ask.stderr
    good = subprocess.run([sys.executable, "-m", "bot", "kb", "check"], capture_output=True, text=True,
                          env=env | {"KNOWLEDGE_DIR": str(get_settings().knowledge_dir)}, cwd=ROOT)
    assert good.returncode == 0 and "entries ok" in good.stdout
