"""The message catalogue (bot/i18n.py, bot/messages/*.yaml) and the one language detector."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.i18n import MESSAGES_DIR, catalogue, catalogue_problems, detect_lang, lang_from_locale, placeholders, t


def test_the_shipped_catalogue_has_the_same_keys_and_placeholders_in_both_languages():
    tables, problems = catalogue_problems()
    assert problems == []
    assert set(tables["ja"]) == set(tables["en"]) and len(tables["ja"]) > 100
    for key in tables["ja"]:
        assert placeholders(tables["ja"][key]) == placeholders(tables["en"][key]), key


def test_t_picks_the_language_and_fills_placeholders():
    assert t("desk.source", "en", source="X") == "Source: X"
    assert t("desk.source", "ja", source="X") == "出典: X"
    assert t("desk.source", None, source="X") == "出典: X"          # anything but "en" is Japanese
    assert t("desk.help_body", "en").count("{bot}") == 1             # no fields: returned as written


def test_an_unknown_key_is_a_key_error_in_either_language():
    for lang in ("ja", "en"):
        with pytest.raises(KeyError):
            t("desk.no_such_message", lang)


def _write(d: Path, ja: str, en: str) -> Path:
    (d / "ja.yaml").write_text(ja, encoding="utf-8")
    (d / "en.yaml").write_text(en, encoding="utf-8")
    return d


def test_problems_name_the_file_and_the_key(tmp_path):
    d = _write(tmp_path, 'a:\n  one: "一 {n}"\n  two: "二"\n  only_ja: "日本語だけ"\n',
               'a:\n  one: "one {count}"\n  two: "two"\n  only_en: "English only"\n  bad: "{unclosed"\n')
    _, problems = catalogue_problems(d)
    text = "\n".join(problems)
    assert f"{d / 'ja.yaml'}: a.only_en: missing" in text
    assert f"{d / 'en.yaml'}: a.only_ja: missing" in text
    assert f"{d / 'en.yaml'}: a.one: placeholders ['count'] differ from ja.yaml's ['n']" in text
    assert f"{d / 'en.yaml'}: a.bad: not a valid format string" in text
    assert not any(": a.two:" in p for p in problems)


def test_a_broken_file_is_named_with_its_line(tmp_path):
    d = _write(tmp_path, 'a:\n  one: "一"\n', 'a:\n  one: [\n')
    _, problems = catalogue_problems(d)
    assert any(p.startswith(f"{d / 'en.yaml'}:") for p in problems)
    d2 = tmp_path / "x"
    d2.mkdir()
    _write(d2, 'a:\n  one: 3\n', 'a:\n  one: "one"\n')
    _, problems = catalogue_problems(d2)
    assert f"{d2 / 'ja.yaml'}: a.one: must be a string or a mapping, got int" in problems


def test_kb_check_reports_a_broken_catalogue(cli, monkeypatch, tmp_path):
    import bot.i18n as i18n

    d = _write(tmp_path, 'a:\n  one: "一 {n}"\n', 'a:\n  one: "one"\n')
    monkeypatch.setattr(i18n, "MESSAGES_DIR", d)
    r = cli("kb", "check")
    assert r.returncode == 1
    assert f"{d / 'en.yaml'}: a.one: placeholders [] differ from ja.yaml's ['n']" in r.stderr
    assert f"1 problem(s) in {d}" in r.stderr


def test_the_catalogue_is_loaded_once():
    assert catalogue() is catalogue()
    assert MESSAGES_DIR.joinpath("ja.yaml").is_file()


@pytest.mark.parametrize("text, lang", [
    ("PFIとは", "ja"), ("What is PFI?", "en"), ("12345", "ja"), ("PFI", "ja"), ("naming rights", "en"),
    ("", "ja"), (None, "ja"), ("en", "en"), ("EN", "en"), ("ja", "ja"), ("Wako City", "en"),
])
def test_the_one_detector(text, lang):
    assert detect_lang(text) == lang


def test_the_detector_keeps_a_given_default_for_text_without_language():
    assert detect_lang("PFI", default="en") == "en"
    assert detect_lang("PFIとは", default="en") == "ja"


@pytest.mark.parametrize("loc, default, lang", [
    ("ja-JP", "en", "ja"), ("en-US", "ja", "en"), ("fr-FR", "en", "en"), ("C.UTF-8", "ja", "ja"),
    ("", "ja", "ja"), (None, "en", "en"), ("en_GB.UTF-8", "ja", "en"),
])
def test_locales(loc, default, lang):
    assert lang_from_locale(loc, default) == lang
