"""Field-level validation of proposals and challenges."""
from __future__ import annotations

from datetime import date

import pytest

from bot.proposals.validation import (METHODS, SUMMARY_MAX, ValidationFailed, validate_challenge,
                                      validate_proposal)
from proposals.helpers import proposal_form


def errors_of(raw, **kw) -> dict:
    with pytest.raises(ValidationFailed) as e:
        validate_proposal(raw, **kw)
    return e.value.errors


def test_a_complete_form_passes_and_is_cleaned():
    p = validate_proposal(proposal_form(organisation="  株式会社　みらい  ", email="ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ"))
    assert p.organisation == "株式会社 みらい"          # full-width space folded, trimmed
    assert p.email == "hanako@example.jp"               # typed on a Japanese keyboard
    assert p.challenge_id is None


def test_every_missing_field_is_named_at_once():
    errs = errors_of({})
    assert set(errs) == {"organisation", "contact_name", "email", "title", "summary", "method", "needs_budget"}
    assert all(errs.values())


@pytest.mark.parametrize("email", ["hanako", "hanako@", "@example.jp", "hanako@example", "a b@example.jp",
                                   "hanako@exa_mple.jp"])
def test_bad_email(email):
    assert set(errors_of(proposal_form(email=email))) == {"email"}


def test_summary_limit_is_3000_characters():
    validate_proposal(proposal_form(summary="あ" * SUMMARY_MAX))
    errs = errors_of(proposal_form(summary="あ" * (SUMMARY_MAX + 1)))
    assert set(errs) == {"summary"} and str(SUMMARY_MAX + 1) in errs["summary"]


def test_method_and_budget_must_be_from_the_lists():
    assert set(errors_of(proposal_form(method="bribery", needs_budget="maybe"))) == {"method", "needs_budget"}
    for key in METHODS:
        assert validate_proposal(proposal_form(method=key)).method == key


def test_challenge_must_be_open():
    assert validate_proposal(proposal_form(challenge_id="7"), open_challenge_ids={7}).challenge_id == 7
    assert set(errors_of(proposal_form(challenge_id="8"), open_challenge_ids={7})) == {"challenge_id"}
    assert set(errors_of(proposal_form(challenge_id="x"), open_challenge_ids={7})) == {"challenge_id"}


def test_english_messages():
    assert errors_of({}, lang="en")["title"] == "Required"


def test_challenge_validation():
    today = date(2026, 11, 24)
    c = validate_challenge({"title": "空き家の活用", "department": "都市計画課", "description": "増える空き家",
                            "desired_outcome": "活用件数の増加", "open_until": "2027-03-31"}, today=today)
    assert c.open_until == date(2027, 3, 31)
    with pytest.raises(ValidationFailed) as e:
        validate_challenge({"title": "", "department": "x", "description": "y", "desired_outcome": "z",
                            "open_until": "2026-11-23"}, today=today)
    assert set(e.value.errors) == {"title", "open_until"}
