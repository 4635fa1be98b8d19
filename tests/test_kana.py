"""Messages typed all in kana get the knowledge's own words back in kanji (bot/kana.py)."""
from __future__ import annotations

import pytest

from bot.kana import KanaWords, kana_words, mostly_kana
from bot.text import message_core


@pytest.fixture(scope="module")
def words():
    return KanaWords.build(["提案書を公民連携デスクに出す。", "連絡先と職員の評価。", "リマインダーを登録する。",
                            "指定管理者制度の仕様書。", "逆提案", "仮屋さんの話。"])


@pytest.mark.parametrize("typed,written", [
    ("れんらくさき おしえてください", "連絡先 おしえてください"),          # ください stays (no 下さい)
    ("ていあんしょ って どこに だせば いいの", "提案書 って どこに だせば いいの"),
    ("しょくいんの ひょうかって", "職員の 評価って"),
    ("りまいんだーをとうろくしたい", "リマインダーを登録したい"),          # katakana words too
    ("していかんりしゃせいどについて", "指定管理者制度について"),           # word after word
    ("ぎゃくていあん よこはま", "逆提案 よこはま"),                       # a name whole
])
def test_readings_of_the_knowledge_are_written_in_its_words(words, typed, written):
    assert words.rewrite(typed) == written


@pytest.mark.parametrize("typed", ["しりとりしよう",          # しよう (仕様) inside a word: no word starts at り
                                   "わかりやすかったです"])  # nor かりや (仮屋) after わ
def test_a_reading_inside_a_word_is_left_as_typed(words, typed):
    assert words.rewrite(typed) == typed


@pytest.mark.parametrize("typed,written", [
    ("ていあんしょの様式", "提案書の様式"),                           # a run of kana before kanji
    ("市のしょくいんについて", "市の職員について"),                     # after the particle of a kanji word
    ("どうしたら提案書を出せますか", "どうしたら提案書を出せますか"),     # a run that goes on is grammar
])
def test_a_word_in_kana_among_kanji_is_written_in_its_word(words, typed, written):
    assert words.rewrite_runs(typed) == written


def test_only_messages_without_kanji_or_katakana_are_rewritten():
    assert mostly_kana("ていあんのしめきりはいつ")
    assert not mostly_kana("提案の締切はいつですか")
    assert not mostly_kana("PFIとは")                       # too few kana to say
    assert not mostly_kana("わかりやすかったです、感謝です")


def test_the_vocabulary_of_the_shipped_base_is_cached_and_reused(kb, tmp_path, monkeypatch):
    from bot import kana

    monkeypatch.setattr(kana, "_loaded", {})          # not this process's copy: the folder's
    first = kana_words(kb, tmp_path)
    [cached] = tmp_path.glob("kana-*.json")
    assert first.words["ていあんしょ"] == "提案書"
    cached.write_text('{"ていあんしょ": "テスト"}', encoding="utf-8")    # what a restart reads
    kana._loaded.clear()
    assert kana_words(kb, tmp_path).words == {"ていあんしょ": "テスト"}
    kana._loaded.clear()
    cached.write_text("{broken", encoding="utf-8")
    assert kana_words(kb, tmp_path).words["ていあんしょ"] == "提案書"   # unreadable: built again


@pytest.mark.parametrize("typed,intent", [("れんらくさき おしえてください", "contact"),
                                          ("ていあんしょ って どこに だせば いいの", "propose"),
                                          ("りまいんだーをとうろくしたい", "remind")])
def test_a_message_all_in_kana_is_understood(desk, typed, intent):
    assert message_core(typed, desk.kana)[0] != typed
    assert desk.answer(typed).intent == intent
