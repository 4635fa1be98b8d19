"""Mistyped English words put right before matching (bot/spelling.py), and what stays as typed."""
from __future__ import annotations

from collections import Counter

import pytest

from bot.spelling import EnglishWords, english_words


@pytest.fixture(scope="module")
def words(kb):
    return english_words(kb)


@pytest.mark.parametrize("typed,fixed", [("what is the netwrok model", "what is the network model"),
                                         ("the partnrship desk", "the partnership desk"),
                                         ("naming rigths for a facilty", "naming rights for a facility"),
                                         ("how do we go abuot it", "how do we go about it")])
def test_a_slipped_letter_gets_the_knowledge_word_back(words, typed, fixed):
    assert words.fix(typed) == fixed


@pytest.mark.parametrize("text", ["Any examples from Kyoto or Nagoya?",        # names (a capital inside)
                                  "What is shitei kanrisha?", "yosan satei wa itsu",   # romaji
                                  "We are a local printing company with a direct line",  # words, though not the knowledge's
                                  "zzzz asdf qwer", "PFIとは何ですか"])
def test_names_romaji_words_and_gibberish_stay_as_typed(words, text):
    assert words.fix(text) == text


def test_without_the_dictionary_only_the_knowledge_words_are_known():
    ew = EnglishWords(Counter(["network", "partnership"]))
    assert ew.fix("netwrok") == "network" and ew.fix("printing") == "printing"   # nothing close: kept


def test_a_mistyped_question_is_answered_like_the_right_one(desk):
    r = desk.answer("what is the thre-layer netwrok model?")
    assert r.answered and r.entry_id == desk.answer("what is the three-layer network model?").entry_id
