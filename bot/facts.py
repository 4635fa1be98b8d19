"""Kinds of specific fact a question can ask for, and whether an answer text holds one.

A question about a known topic can still ask for something the knowledge does not hold: the
usual fee, the exact deadline date this year, a phone number, a count. Then the honest reply
says what the bot does know and that the specific is not in its knowledge (bot/engine.py).
These are patterns of the *kind of fact* (an amount, a day, a count, contact details), not of
topics, so they do not depend on the knowledge base's wording.
"""
from __future__ import annotations

import re

_MONTHS_EN = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"

# What the question asks for (matched on the folded question: NFKC, lower case).
ASKS: dict[str, re.Pattern] = {
    "amount": re.compile(
        r"いくら|幾ら|料金|手数料|金額|価格|値段|相場|単価|予算額|予算規模|予算の規模|契約額|報酬|対価は|費用は|費用が|費用を教え|年収|給料"
        r"|how much|\bfees?\b|\bprices?\b|\bcost(?:s|ing)?\b(?! down)|\bamount\b|\bsalary|\brates?\b for|budget (?:size|amount)"
        r"|size of [a-z' ]*budget"),
    "contact": re.compile(
        r"電話|でんわ|メール|めーる|連絡先|メアド|url|ウェブサイトのアドレス|サイトのアドレス|住所|所在地|窓口の場所|fax|ファックス"
        r"|\bphone\b|\bcall\b|e-?mail|contact (?:details|info|address|number)|\bwebsite\b|\baddress\b|\burl\b|where is the (?:desk|office)"),
    "date": re.compile(
        r"何日|なん日|日付|期日|締切日|締め切り日|〆切日|何月何日|具体的な日|正確な日|曜日"
        r"|exact (?:date|day)|what date|which date|which day|(?:deadline|due|closing) (?:date|day)|\bon what day"),
    "count": re.compile(
        r"何件|何社|件数|何人|何名|人数|何団体|何か所|何カ所|何ヶ所|何校|採択数|採択率|倍率"
        r"|how many|number of|\bhow often\b"),
}

# The question is folded with long-vowel marks dropped (メール → メル, ホームページ → ホムペジ):
# in the patterns' katakana words the mark is optional.
ASKS = {k: re.compile(re.sub(r"(?<=[ァ-ヶ])ー", "ー?", p.pattern), p.flags) for k, p in ASKS.items()}

# Whether an answer text holds such a fact.
HOLDS: dict[str, re.Pattern] = {
    "amount": re.compile(r"\d[\d,.]*\s*(?:円|万円|億円|千円|兆円|兆|億|yen|million|billion)|[¥$€]\s*\d"),
    "contact": re.compile(r"\d{2,4}-\d{2,4}-\d{3,4}|[\w.+-]+@[\w-]+\.[\w.]+|https?://|www\."),
    "date": re.compile(rf"\d{{1,2}}月\d{{1,2}}日|\d{{1,2}}/\d{{1,2}}\b|\b{_MONTHS_EN}\s+\d{{1,2}}\b|\b\d{{1,2}}\s+{_MONTHS_EN}\b"),
    "count": re.compile(r"\d[\d,.]*\s*(?:件|社|団体|人|名|か所|カ所|自治体|市町|サービス|項目|部門|課|校|%|％|割)"
                        r"|\b\d[\d,.]*\s*(?:companies|firms|municipalities|cities|groups|organisations|organizations"
                        r"|people|persons|staff|services|items|percent|%)"),
}


def asked(folded_question: str) -> list[str]:
    """The kinds of specific fact the question asks for (usually none)."""
    return [k for k, pat in ASKS.items() if pat.search(folded_question)]


def missing(folded_question: str, answer_text: str) -> list[str]:
    """The kinds the question asks for that the answer text does not hold."""
    return [k for k in asked(folded_question) if not HOLDS[k].search(answer_text.lower())]
