"""What the desk does when a message asks for something besides a knowledge answer.

The engine recognises the intent (knowledge/intents.yaml, scored by the same signals as entries);
this module builds the plain `Reply` for it, the same for every surface:

- timing:  where today falls in the configured budget calendar, the next window, and which
           budget year a proposal made now reaches (bot/proposals/advice.py);
- cases:   the recorded precedents for a place, a method or a theme, or an honest "none recorded"
           with the closest ones;
- propose: the how-to in short and the way to the proposal form (action "propose");
- remind:  how to subscribe to reminders (action "remind");
- contact: the desk's contact from the settings, or — none configured — says so and offers staff;
- handoff: the offer of a person (action "handoff").
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot import facts
from bot import text as T
from bot.i18n import t
from bot.reply import Link, Reply

# The knowledge entries the replies are built on: the desk-where reply is the entry about the desk,
# the proposal reply carries the how-to's first sentence (bot/intent.py REPLY_ENTRY, bot/engine.py).
DESK_ENTRY = "partnership-desk"
HOWTO_ENTRY = "how-to-propose"

CASES_SHOWN = 8
# An entry the ranker gives at least this probability is what the message is about (on our training
# messages, the cases that match a theme get 0.4 and more, the best of a theme with no case 0.1 and
# less); a method described rather than named must reach it too before its cases are listed.
THEME_MATCH = 0.2

def contact_label(field: str, lang: str) -> str:
    """電話 / Phone, メール / E-mail, ウェブページ / Web page, 受付時間 / Hours."""
    return t("conversation.contact_label." + field, lang)


def today_in(tz: str) -> date:
    return datetime.now(ZoneInfo(tz)).date()


def calendar_steps(cal, fy: int, lang: str) -> str:
    """The cycle as the configured calendar has it: 4〜8月 新規事業の提案 → 9月 … (never hard-coded)."""
    parts = []
    for m in cal.milestones_for(fy):
        a, b = (t("fmt.months_long", lang).split(",")[d.month - 1] for d in (m.start, m.end))
        span = t("conversation.step_month", lang, m=a) if a == b else t("conversation.step_months", lang, a=a, b=b)
        parts.append(t("conversation.step", lang, span=span, name=m.name.get(lang)))
    return " → ".join(parts)


def timing(question: str, lang: str, today: date, calendar) -> Reply:
    from bot.fiscal import fiscal_year_of
    from bot.proposals.advice import timing_advice

    advice = timing_advice(today, "unsure", lang, calendar)
    line = t("conversation.calendar_line", lang, steps=calendar_steps(calendar, fiscal_year_of(today), lang))
    text = line + "\n\n" + "\n\n".join(advice.paragraphs[1:] if advice.needs_budget == "unsure" else advice.paragraphs)
    title = t("conversation.timing_title", lang)
    return Reply("answer", question, lang, text, title=title, entry_kind="calendar", intent="timing",
                 actions=("propose", "remind"), score=1.0)


def cases(desk, question: str, lang: str, analysis) -> Reply:
    """Precedents, in this order of what the message points to:

    - a place: every recorded case of each municipality the message names (all of them);
    - a method: the cases whose `methods` include the method entry the message names, or — when
      it names none — the best-ranked entry if that is a method with cases; a named method with
      no case gets an honest "none recorded", the method itself and the closest cases by meaning;
    - else a theme: the cases the ranker finds about it (THEME_MATCH) and those whose curated
      tags the message names; none → an honest "none recorded" and the closest by meaning.
    An answer either way (`answered`: the reply says what is recorded), except for a municipality
    no document mentions (none recorded, the closest for reference, the staff offered: not
    answered, as any question about such a city); nothing found at all is a hand-off."""
    kb = desk.kb
    folded = T.text_form(T.fold(question))
    ci = _case_index(kb)
    case_entries = ci.cases
    ranked_ids = [f.key for f, _ in analysis.ranked if f.kind not in ("oos", "intent")]
    rank = {k: n for n, k in enumerate(ranked_ids)}
    # The one case the answer engine would confidently answer with: shown in full at the top
    # (「ラグビーチームと協定を結んだ例は?」). A list by place leads with a case only when the
    # message names that case, not just its city (「和光市の事例」 lists every case one line each).
    top = getattr(analysis, "top", None)
    lead = top.key if top is not None and top.kind == "case" and analysis.p_right >= desk.model.answer_at else None
    if lead is None:      # a case the message names itself (「わぴあの事例」), though the method it used ranks first
        lead = next((k for k in ranked_ids[:3] if kb.entries[k].kind == "case" and _names_the_case(kb.entries[k], folded)), None)
    named_places = _places_named(ci.municipalities, folded, question)
    if named_places:
        order = list(named_places)
        by_place = ci.select(k for p in named_places for k in ci.by_place.get(p, ()))
        chosen = sorted(by_place, key=lambda e: (min(order.index(p) for p in _places_of(e) if p in named_places),
                                                 rank.get(e.id, 999)))
        if lead is not None and len(chosen) > 1 and not _names_the_case(kb.entries[lead], folded):
            lead = None
        sep = t("conversation.place_sep", lang)
        head = _head("cases_place", lang, len(chosen), place=sep.join(named_places[p][lang] for p in order))
        return _case_list(question, lang, head, chosen[:CASES_SHOWN], more=len(chosen) - CASES_SHOWN, lead=lead)
    # A municipality no document mentions (「札幌市の事例ある?」): none recorded, and the closest
    # cases to what else the message asks.
    unknown = desk.unknown_places(question, kb.entries[ranked_ids[0]] if ranked_ids else None, loose=True)
    if unknown:
        sep = t("conversation.place_sep", lang)
        place = sep.join(facts.place_label(p) for p in unknown)
        rest = unicodedata.normalize("NFKC", question)
        for p in unknown:                      # the closest by what is asked, not by the place
            rest = re.sub(re.escape(p), " ", rest, flags=re.I)
        near = desk.closest(rest, "case", 3)
        # Not an answer (the knowledge holds nothing on that city): the closest for reference,
        # and the offer of the desk staff.
        listed = _case_list(question, lang, t("conversation.cases_none_place", lang, place=place), near)
        return replace(listed, kind="partial", handoff=True)
    mentioned = _places_mentioned(desk, question, ci)
    if mentioned:
        # A place the knowledge names without a case of its own (「郡山市の取り組みは?」, named
        # among cities that support staff qualifications): the entries that mention it.
        hits = sorted((e for e in kb.entries.values() if any(_mentions(e, p) for p in mentioned)),
                      key=lambda e: rank.get(e.id, 999))
        if hits:
            sep = t("conversation.place_sep", lang)
            place = sep.join(facts.place_label(p) for p in sorted(mentioned))
            return _mention_list(question, lang, t("conversation.cases_mentioned", lang, place=place),
                                 hits[:CASES_SHOWN], more=len(hits) - CASES_SHOWN)
    methods = [kb.entries[k] for k in ranked_ids if kb.entries[k].kind == "method"]
    named = next((m for m in methods if _name_in(m, folded)), None)
    method = named
    probs = {f.key: p for f, p in analysis.ranked}
    if method is None and ranked_ids and kb.entries[ranked_ids[0]].kind == "method" \
            and probs.get(ranked_ids[0], 0.0) >= THEME_MATCH:
        method = kb.entries[ranked_ids[0]]          # described, not named: the best entry, when sure
    if method is not None:
        used = sorted(ci.select(ci.by_method.get(method.id, ())), key=lambda e: rank.get(e.id, 999))
        name = method.title.get(lang)
        if used:
            return _case_list(question, lang, _head("cases_method", lang, len(used), method=name),
                              used[:CASES_SHOWN], more=len(used) - CASES_SHOWN, lead=lead)
        # No case used it, named or sure from the description (a typo: "namign rights examples"):
        # the honest "none recorded", the method itself and the closest cases.
        near = desk.closest(f"{method.title.get('ja')} {question}", "case", 3)
        return _case_list(question, lang, t("conversation.cases_none_method", lang, method=name), near,
                          first=method)
    # A theme: the cases the ranker finds about it, and those curated with a tag the message names.
    strong = ci.select(k for k, p in probs.items() if p >= THEME_MATCH and k in ci.position)
    tags = _theme_tags_named(ci, folded, question)
    tagged = ci.select(k for tag in tags for k in ci.by_tag.get(tag, ()))
    strong_ids = {e.id for e in strong}
    chosen = sorted({e.id: e for e in strong + tagged}.values(),
                    key=lambda e: (e.id not in strong_ids, rank.get(e.id, 999)))
    if chosen:
        return _case_list(question, lang, _head("cases_theme", lang, len(chosen)), chosen[:CASES_SHOWN],
                          more=len(chosen) - CASES_SHOWN, lead=lead)
    near = [kb.entries[k] for k in ranked_ids if kb.entries[k].kind == "case"][:3]
    if len(near) < 3:
        near += desk.closest(question, "case", 3 - len(near), exclude={e.id for e in near})
    if not near:
        return Reply("handoff", question, lang, t("conversation.cases_none", lang), intent="cases", handoff=True,
                     actions=("handoff",))
    return _case_list(question, lang, t("conversation.cases_none_theme", lang), near)


def _places_mentioned(desk, question: str, ci: "_CaseIndex") -> set[str]:
    """The municipalities the message names that the knowledge mentions (bot/engine.py
    `known_text`) but that have no recorded case of their own (NFKC, lower case)."""
    from bot.engine import known_text

    text, known_names = known_text(desk.kb)
    named = facts.places_named(unicodedata.normalize("NFKC", question))
    own = ci.__dict__.get("_place_names")
    if own is None:         # the cases' own places, as places_named finds them (「和光市」, "wako")
        own = ci.__dict__["_place_names"] = {p.lower() for ja, en in ci.municipalities
                                             for p in facts.places_named(f"{ja}\n{en or ''}")}
    return {p.lower() for p in named if p.lower() not in own and facts.place_known(p.lower(), text, known_names)}


def _mentions(e, place: str) -> bool:
    """Whether an entry's text names the place (a Latin name as a whole word)."""
    from bot.engine import entry_text

    text = unicodedata.normalize("NFKC", entry_text(e)).lower()
    return re.search(rf"\b{re.escape(place)}\b(?! prefecture)", text) is not None if place.isascii() else place in text


def _mention_list(question: str, lang: str, head: str, entries, more: int = 0) -> Reply:
    """The entries that mention a place, one line each (not cases of the place: no place column)."""
    bullet = t("conversation.bullet", lang)
    lines = [head] + [f"{bullet}{e.title.get(lang)}: {T.first_sentence(e.answer.get(lang))}" for e in entries]
    if more > 0:
        lines.append(t("conversation.cases_more", lang, n=more))
    return Reply("answer", question, lang, "\n".join(lines), intent="cases", score=1.0,
                 items=tuple(Link(e.id, e.title.get(lang)) for e in entries), title=t("conversation.cases_title", lang))


def _head(key: str, lang: str, n: int, **fmt) -> str:
    return t("conversation." + (key + "_one" if n == 1 else key), lang, n=n, **fmt)


def _places_of(e) -> tuple[str, ...]:
    """The municipalities of a case, one by one (「愛媛県・鹿児島市など」 → 愛媛県, 鹿児島市)."""
    return _split_places(e.municipality.ja)


@functools.lru_cache(maxsize=4096)
def _split_places(municipality: str) -> tuple[str, ...]:
    """A bracket is a note (府中市(東京都)) and is dropped, unless it lists further places of the
    case (滋賀県(ほか東京都・鹿屋市…), "Shiga Prefecture (also Tokyo, Kanoya …)")."""
    m = _MORE_PLACES.search(municipality)
    if m:
        # (a prefecture listed there is where such cases sit, not one of its own: 東京都, Tokyo)
        more = [p.strip() for p in re.split(r"[・、,]", m.group(1) or m.group(2)) if p.strip() and not _PREFECTURE.search(p.strip())]
        municipality = municipality[:m.start()] + "・" + "・".join(more)
    return tuple(p for p in (x.strip() for x in re.split(r"[・、,/]|など|ほか|\band\b|[(\uff08].*?[)\uff09]", municipality)) if p)


_PREFECTURE = re.compile(r"[都道府県]$|\bPrefecture$|^(?:Tokyo|Hokkaido|Osaka|Kyoto)$")
_MORE_PLACES = re.compile(r"[(\uff08](?:ほか|他|also |incl\. |including )([^)\uff09]*)[)\uff09]|[(\uff08]([^)\uff09]*)ほか[)\uff09]")


def _places_named(municipalities, folded: str, question: str) -> dict[str, dict[str, str]]:
    """The municipalities of recorded cases that the message names (in Japanese, or in English
    where a case gives the English name), in the order of the cases, each with its name in both
    languages. `municipalities`: the cases' distinct (ja, en) names, in the cases' order."""
    out: dict[str, dict[str, str]] = {}
    q = T.fold(question)
    for ja, en_name in municipalities:
        parts = _split_places(ja)
        # English names part by part when both name as many places (滋賀県(ほか東京都・…) and
        # "Shiga Prefecture (also Tokyo, …)"); a single place keeps its whole English name.
        en_parts = _split_places(en_name) if en_name and len(parts) > 1 else ()
        for p, en in zip(parts, en_parts if len(en_parts) == len(parts) else
                         [en_name if len(parts) == 1 and en_name else None] * len(parts)):
            if p in out:
                if en:
                    out[p]["en"] = en
            elif _place_named(p, folded, question, q) or (en and _place_named(en, folded, question, q)):
                out[p] = {"ja": p, "en": en or p}
    return out


@dataclass
class _CaseIndex:
    """The recorded cases of a knowledge base, looked up by place, method and tag (built once
    per knowledge base: a list of cases must not scan every entry)."""

    cases: list
    position: dict[str, int]                     # case id → its place in `cases`
    municipalities: list[tuple[str, str | None]]  # distinct (ja, en), in the cases' order
    by_place: dict[str, list[str]]
    by_method: dict[str, list[str]]
    by_tag: dict[str, list[str]]
    theme_tags: list                             # `_theme_tags`

    def select(self, ids) -> list:
        """The cases with these ids, once each, in the cases' order."""
        return [self.cases[i] for i in sorted({self.position[k] for k in ids})]


def _case_index(kb) -> _CaseIndex:
    ci = kb.__dict__.get("_case_index")
    if ci is None:
        cases = [e for e in kb.entries.values() if e.kind == "case"]
        by_place, by_method, by_tag = {}, {}, {}
        for e in cases:
            for p in (_places_of(e) if e.municipality else ()):
                by_place.setdefault(p, []).append(e.id)
            for m in e.methods:
                by_method.setdefault(m, []).append(e.id)
            for tag in e.tags:
                by_tag.setdefault(tag, []).append(e.id)
        munis = list(dict.fromkeys((e.municipality.ja, e.municipality.en) for e in cases if e.municipality))
        ci = kb.__dict__["_case_index"] = _CaseIndex(cases, {e.id: n for n, e in enumerate(cases)}, munis,
                                                     by_place, by_method, by_tag, _theme_tags(kb, cases))
    return ci


def _theme_tags_named(ci: "_CaseIndex", folded: str, question: str) -> set[str]:
    """The cases' curated tags that the message names (`_theme_tags`)."""
    low = T.fold(question)
    out = set()
    for tag, form, pattern in ci.theme_tags:
        if (pattern.search(low) is not None) if pattern is not None else form in folded:
            out.add(tag)
    return out


def _theme_tags(kb, case_entries) -> list:
    """(tag, its katakana form, a word pattern for a Latin tag) for the tags a message may name
    to ask for a theme: not the words people use to ask for cases at all (a tag found in a fifth
    or more of the `cases` intent's example sentences, such as 事例, in the tag's own language)
    and not municipality names (a place is its own list). Built with the case index."""
    examples = {True: [], False: []}          # English / Japanese example sentences
    for it in kb.intents:
        if it.id == "cases":
            for x in it.examples:
                examples[x.isascii()].append(T.text_form(T.fold(x)))
    places = {p for e in case_entries if e.municipality for p in _places_of(e)}
    out = []
    for tag in sorted({t for e in case_entries for t in e.tags}):
        form = T.text_form(T.fold(tag))
        if len(form) < 2 or tag in places:
            continue
        same = examples[tag.isascii()]
        if same and sum(form in x for x in same) >= 0.2 * len(same):
            continue
        out.append((tag, form, re.compile(rf"\b{re.escape(T.fold(tag))}") if tag.isascii() else None))
    return out


def _place_named(place: str, folded: str, question: str, q: str | None = None) -> bool:
    """Whether the message names `place` (`folded`: its text form; `q`: T.fold(question), when
    the caller asks about many places)."""
    from bot.matching import _place_forms

    q = T.fold(question) if q is None else q
    forms = _place_forms(place)
    return any((f in q and re.search(rf"\b{re.escape(f)}\b", q) is not None) if f.isascii()
               else _form_in(f, folded, forms) for f in forms)


def _form_in(form: str, folded: str, forms) -> bool:
    """Whether a Japanese place form occurs in the message as that place: 沖縄 (of 沖縄市) is
    not named by 沖縄県, where another place suffix follows it."""
    at = folded.find(form)
    while at >= 0:
        nxt = folded[at + len(form): at + len(form) + 1]
        if not (nxt and nxt in "市町村県区都" and form + nxt not in forms):
            return True
        at = folded.find(form, at + 1)
    return False


def _names_the_case(entry, folded: str) -> bool:
    """Whether the message names the case itself, not only its municipality (a case's aliases
    include its city's name, 和光市 / Wako, which every case of the city shares)."""
    from rapidfuzz import fuzz

    from bot.matching import _PLACE_WORDS, FUZZY_CUTOFF, _place_forms

    places = sorted({f for p in (*_places_of(entry), *_split_places(entry.municipality.en or ""))
                     for f in _place_forms(p)}, key=len, reverse=True)
    for n in (entry.title.ja, entry.title.en or "", *entry.aliases):
        rest = _PLACE_WORDS.sub(" ", T.fold(n))
        for p in places:
            rest = rest.replace(p, " ")
        rest = T.text_form(rest)
        # The rest of the name in the message, exactly or (as the matcher allows) with a typo.
        if len(rest) >= 2 and rest in folded or len(rest) >= 4 and fuzz.partial_ratio(rest, folded) >= FUZZY_CUTOFF:
            return True
    return False


def _name_in(entry, folded: str) -> bool:
    """Whether the message names the entry: one of its names as written, or with a particle
    between its kanji and its kana (「人材をシェア」 names 人材シェア)."""
    return any(p is not None and p.search(folded)
               for p in map(_name_pattern, (entry.title.ja, *entry.aliases)))


_PARTICLE = "[ヲノガハニデトモヘ]?"     # in text_form hiragana is katakana


@functools.lru_cache(maxsize=4096)
def _name_pattern(name: str) -> re.Pattern | None:
    """The name in text_form, a particle allowed where kanji and kana meet; None under 2 letters."""
    form = T.text_form(T.fold(name))
    if len(form) < 2:
        return None
    kanji = [bool(re.match(r"[\u4e00-\u9fff々]", ch)) for ch in form]
    out = [re.escape(form[0])]
    for i in range(1, len(form)):
        if kanji[i] != kanji[i - 1]:
            out.append(_PARTICLE)
        out.append(re.escape(form[i]))
    return re.compile("".join(out))


def _case_list(question: str, lang: str, head: str, entries, *, first=None, more: int = 0,
               lead: str | None = None) -> Reply:
    """The list as text and as items (each an entry to open); `first`: an entry shown before the
    cases (the method itself, when no case of it is recorded); `lead`: the id of a case the
    message is about for certain, shown first and in full."""
    bullet = t("conversation.bullet", lang)
    lines = [head]
    if first is not None:
        label = t("conversation.the_method", lang)
        lines.append(f"{bullet}{label}: {first.title.get(lang)}: {T.first_sentence(first.answer.get(lang))}")
    entries = sorted(entries, key=lambda e: e.id != lead)
    for e in entries:
        place = e.municipality.get(lang)
        name = t("conversation.case_with_place", lang, title=e.title.get(lang), place=place)
        if e.id == lead:
            lines.append(f"{bullet}{name}:\n{e.answer.get(lang).strip()}")
        else:
            lines.append(f"{bullet}{name}: {T.first_sentence(e.answer.get(lang))}")
    if more > 0:
        lines.append(t("conversation.cases_more", lang, n=more))
    items = tuple(Link(e.id, e.title.get(lang)) for e in ([first] if first is not None else []) + list(entries))
    # The case shown in full is the entry the reply answers from; a plain list answers from none.
    return Reply("answer", question, lang, "\n".join(lines), intent="cases", items=items, score=1.0,
                 title=t("conversation.cases_title", lang), entry_id=lead if any(e.id == lead for e in entries) else None,
                 entry_kind="case" if any(e.id == lead for e in entries) else None)


def propose(desk, question: str, lang: str, analysis=None) -> Reply:
    """The how-to in short and the way to the form; when the message names a knowledge entry for
    sure (「ネーミングライツを提案したい。どこに送れば?」: the analysis's best entry with a name signal
    of NAMED), one line about that entry (its first sentence, and the entry to open) comes first,
    so the reply serves the message read as a question about it too."""
    how = desk.kb.entries.get(HOWTO_ENTRY)
    lines, related = [], ()
    named = named_entry(desk, analysis, exclude=(HOWTO_ENTRY,))
    if named is not None:
        e_lang = lang if lang == "ja" or named.answer.en else "ja"
        title = named.title.get(e_lang)
        lines.append(t("conversation.propose_about", lang, title=title, first=T.first_sentence(named.answer.get(e_lang))))
        related = (Link(named.id, title),)
    text = t("conversation.propose", lang)
    if how is not None:
        text += "\n" + T.first_sentence(how.answer.get(lang if how.answer.en else "ja"))
    lines.append(text + "\n" + t("conversation.propose_how", lang))
    return Reply("answer", question, lang, "\n".join(lines), title=t("conversation.propose_title", lang),
                 entry_id=how.id if how else None, entry_kind="howto", intent="propose", actions=("propose",),
                 score=1.0, related=related)


def named_entry(desk, analysis, exclude=()):
    """The knowledge entry the message names for sure: the analysis's best in-scope entry when its
    name signal is at least bot/intent.py's NAMED; else None."""
    from bot.intent import NAMED

    top = getattr(analysis, "top", None)
    if top is None or top.alias < NAMED or top.key in exclude or top.key not in desk.kb.entries:
        return None
    return desk.kb.entries[top.key]


def remind(question: str, lang: str) -> Reply:
    text = t("conversation.remind", lang) + "\n" + t("conversation.remind_how", lang)
    return Reply("answer", question, lang, text, title=t("conversation.remind_title", lang),
                 intent="remind", actions=("remind",), score=1.0)


def contact(question: str, lang: str, settings) -> Reply:
    desk = desk_name(settings, lang)
    fields = contact_fields(settings)
    if not fields:
        return Reply("handoff", question, lang, t("conversation.contact_none", lang, desk=desk), intent="contact",
                     handoff=True, actions=("handoff",))
    lines = [t("conversation.contact", lang, desk=desk)] + [f"{contact_label(k, lang)}: {v}" for k, v in fields]
    return Reply("answer", question, lang, "\n".join(lines), title=desk, intent="contact", score=1.0)


def contact_fields(settings) -> list[tuple[str, str]]:
    out = []
    for k in ("phone", "email", "url", "hours"):
        v = (getattr(settings, f"desk_contact_{k}", None) or "").strip()
        if v:
            out.append((k, v))
    return out


def desk_name(settings, lang: str) -> str:
    name = (getattr(settings, "desk_name", None) or "").strip()
    city = (getattr(settings, "city_name", None) or "").strip()
    if name:
        return name
    if lang == "en":
        return f"the {city} partnership desk" if city else "the partnership desk"
    return f"{city}公民連携デスク" if city else "公民連携デスク"


def desk_where(desk, question: str, lang: str, settings) -> Reply:
    """Where / which the desk is: the knowledge entry about the desk, and its contact when one is
    configured (none configured: the entry alone, which says where to turn)."""
    from dataclasses import replace

    if DESK_ENTRY not in desk.kb.entries:
        return contact(question, lang, settings)
    r = desk.reply_for_entry(DESK_ENTRY, lang, question=question)
    fields = contact_fields(settings)
    text = r.text
    if fields:
        name = desk_name(settings, r.lang)
        text += "\n\n" + "\n".join([t("conversation.contact", r.lang, desk=name)]
                                     + [f"{contact_label(k, r.lang)}: {v}" for k, v in fields])
    return replace(r, text=text, intent="contact")


def handoff(question: str, lang: str) -> Reply:
    return Reply("handoff", question, lang, t("conversation.handoff", lang), intent="handoff", handoff=True,
                 actions=("handoff",))
