"""The local console: the same engine, reply text and sub-commands as Slack, for a machine without
Slack tokens (`deskbot run` / `deskbot chat`).

    calendar · methods · cases [x] · remind [on|off|status] · propose · handoffs · staff · idea [x] · lang ja|en
    help [en] · quit — anything else is a question; a number opens a listed entry.

The UI language follows the user: the language of the last question typed (or `lang en`).
With a terminal, lines are edited and remembered with the standard library's `readline`
(history in var/console_history); log lines go to var/console.log, never onto the prompt
(`log_to_file`).
"""
from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bot import text as T
from bot.engine import Desk
from bot.i18n import detect_lang, lang_from_locale, t
from bot.reply import Link, Reply

log = logging.getLogger(__name__)
CONSOLE_USER = "cli:console"

FIELDS = ("organisation", "contact_name", "email", "title", "summary", "method", "needs_budget")  # console.field.*
CANCEL = {"cancel", "やめる", "中止", "キャンセル", ":q"}



def log_to_file(path: Path) -> None:
    """Console mode: every log line goes to `path` (under var/), none onto the prompt."""
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    fh = logging.FileHandler(path, encoding="utf-8")
    fh.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    from bot.config import get_settings
    from bot.logsafe import install, settings_secrets

    install([fh], settings_secrets(get_settings()))      # the same redaction as on stderr
    root.addHandler(fh)


class Console:
    def __init__(self, desk: Desk, render: Callable[..., str], *, stdin, stdout, today: date | None = None,
                 lang: str = "ja", history: Path | None = None):
        self.desk, self.render, self.stdin, self.stdout = desk, render, stdin, stdout
        self.today, self.lang = today, lang
        self.interactive = bool(getattr(stdin, "isatty", lambda: False)())
        self.last: Reply | None = None       # the last reply shown (its numbered links)
        self.asked: Reply | None = None      # the last reply to a typed question (for "staff")
        self._readline = self._setup_readline(history) if self.interactive and stdin is sys.stdin else None

    # ---- input and output ----------------------------------------------------------------
    def say(self, text: str) -> None:
        print(text, file=self.stdout, flush=True)

    def read(self, prompt: str) -> str | None:
        if self._readline is not None:
            try:
                return input(prompt)
            except EOFError:
                return None
        if self.interactive:
            self.stdout.write(prompt)
            self.stdout.flush()
        line = self.stdin.readline()
        return None if not line else line.rstrip("\r\n")

    @staticmethod
    def _setup_readline(history: Path | None):
        try:
            import readline
        except ImportError:          # pragma: no cover — Windows without pyreadline
            return None
        if history is not None:
            try:
                history.parent.mkdir(parents=True, exist_ok=True)
                if history.exists():
                    readline.read_history_file(history)
                readline.set_history_length(1000)
                import atexit

                atexit.register(lambda: _save_history(readline, history))
            except OSError as e:
                log.info("console history unavailable: %s", e)
        return readline

    # ---- the loop ------------------------------------------------------------------------
    def run(self) -> int:
        self.say(t("console.help", self.lang))
        while True:
            line = self.read("\n> ")
            if line is None:
                break
            q = line.strip()
            if not q:
                continue
            if q.lower() in ("quit", "exit", ":q", "終了"):
                break
            self.handle(q)
        return 0

    def handle(self, q: str) -> None:
        word, _, rest = q.partition(" ")
        cmd, rest = word.lower(), rest.strip()
        if cmd in ("help", "?", "ヘルプ"):
            self.say(t("console.help", "en" if rest.lower().startswith("en") else "ja" if rest else self.lang))
        elif cmd == "lang" and rest in ("ja", "en"):
            self.lang = rest
            self.say(t("console.lang", rest))
        elif cmd == "calendar" and not rest:
            self.say(self.calendar())
        elif cmd == "methods" and not rest:
            self.say(self.methods())
        elif cmd == "cases":
            self.say(self.cases(rest))
        elif cmd == "remind" and (not rest or rest.split()[0].lower() in ("on", "off", "status", "ja", "en")):
            self.say(self.remind(rest))
        elif cmd == "propose" and not rest:
            self.propose()
        elif cmd == "handoffs" and not rest:
            self.say(self.handoffs())
        elif cmd == "staff" and not rest:
            self.say(self.staff())
        elif cmd == "idea":
            self.idea(rest)
        elif q.isdigit() and self.last is not None and 1 <= int(q) <= len(self._links()):
            link = self._links()[int(q) - 1]
            self.last = self.desk.reply_for_entry(link.entry_id, self.last.lang, question=self.last.question)
            self.say(self.render(self.last, console=True))
        else:
            self.last = self.asked = self.desk.answer(q, surface="console", asker=CONSOLE_USER, today=self.today)
            if self.last.kind != "invalid":
                self.lang = self.last.lang           # the UI follows the language the user asks in
            self.say(self.render(self.last, console=True))
            if "propose" in self.last.actions:
                self.say("→ propose" + t("console.propose_hint", self.lang))
            if "remind" in self.last.actions:
                self.say("→ remind on" + t("console.remind_hint", self.lang))

    def _links(self) -> tuple[Link, ...]:
        r = self.last
        return (r.suggestions + r.related + r.items) if r else ()

    # ---- the sub-commands (the same content as Slack's /desk …) ------------------------------
    def _calendar(self):
        from bot.fiscal import calendar_for
        from bot.config import get_settings

        return calendar_for(self.desk.settings or get_settings())

    def _on(self) -> date:
        from bot.conversation import today_in

        return self.today or today_in(self._calendar().spec.timezone)

    def calendar(self) -> str:
        from bot import calendar_text
        from bot.conversation import timing
        from bot.fiscal import fiscal_year_of

        cal, on, lang = self._calendar(), self._on(), self.lang
        fy = fiscal_year_of(on)
        lines = [f"■ {t('console.calendar', lang, fy=fy)}"]
        for m in cal.milestones_for(fy):
            mark = f"  ← {t('console.today', lang)}" if m.contains(on) else ""
            lines.append(f"・{calendar_text.milestone_label(m, on, lang)} {m.name.get(lang)}{mark}")
        advice = timing("", lang, on, cal)
        lines += ["", advice.text.split("\n\n", 1)[-1]]
        return "\n".join(lines)

    def methods(self) -> str:
        from bot.catalog import methods

        ms = methods(self.desk.kb)
        self.last = Reply("answer", "methods", self.lang, "", items=tuple(Link(m.id, m.title.get(self.lang)) for m in ms))
        return "\n".join([f"■ {t('console.methods', self.lang)}"] + [
            f"  {i}. {m.title.get(self.lang)} — {T.first_sentence(m.answer.get(self.lang))[:80]}"
            for i, m in enumerate(ms, 1)])

    def cases(self, query: str) -> str:
        from bot.catalog import find_cases

        lang = detect_lang(query) if query else self.lang
        if query:                              # the same list the cases intent gives
            from bot.conversation import cases

            reply = cases(self.desk, query, lang, self.desk.analyse(query))
            if reply.items:
                self.last = reply
                return "\n".join([f"■ {reply.title}", reply.text] +
                                 [f"  {i}. {it.title}" for i, it in enumerate(reply.items, 1)])
            _, found = find_cases(self.desk.kb, query)
            if not found:
                return t("console.cases_none", lang, q=query)
        else:
            _, found = find_cases(self.desk.kb, None)
        self.last = Reply("answer", query or "cases", lang, "", items=tuple(Link(c.id, c.title.get(lang)) for c in found))
        return "\n".join([f"■ {t('console.cases', lang)}"] + [
            f"  {i}. {c.title.get(lang)}({c.municipality.get(lang) if c.municipality else ''})"
            for i, c in enumerate(found, 1)])

    def remind(self, args: str) -> str:
        from bot.reminders.command import remind_command

        text = remind_command(args, channel_id=None, user_id=CONSOLE_USER, is_dm=True, lang=self.lang,
                              engine=self.desk.engine, calendar=self._calendar())
        return text.replace("/desk remind", "remind").replace("`", "")

    def handoffs(self) -> str:
        from bot import handoffs as H

        rows = H.list_open(self.desk.engine, limit=100) if self.desk.engine is not None else []
        if not rows:
            return t("console.handoffs_none", self.lang)
        return "\n".join(H.summary_line(h, self.lang) for h in rows)

    def staff(self) -> str:
        from bot import handoffs as H

        if self.asked is None:
            return t("console.no_question", self.lang)
        r = self.asked
        if self.desk.engine is None:
            return t("console.handed", self.lang, id="-")
        done = H.hand_off(self.desk.engine, question=r.question, requested_by=CONSOLE_USER, place="console",
                          surface="console", lang=r.lang,
                          answer_seen=r.text if r.kind not in ("decline", "invalid") else "", log_id=r.log_id)
        return t("console.handed" if done.created else "console.handed_again", self.lang, id=done.handoff.id)

    def idea(self, text: str) -> None:
        """The idea advisor (`idea TEXT`, or `idea` alone and the idea on the next line)."""
        if not text:
            self.say(t("console.idea_prompt", self.lang))
            line = self.read("> ")
            text = (line or "").strip()
        self.say(_idea(self.desk, text))
        self.asked = Reply("answer", text, self.lang, "")      # "staff" passes the idea on
        self.last = None

    def propose(self) -> None:
        """Field by field; checked by the core's validation (each problem asked again); stored
        through bot.proposals like the Slack form (staff notified through the outbox)."""
        from bot.proposals.advice import timing_advice
        from bot.proposals.intake import receive
        from bot.proposals.validation import METHODS, NEEDS_BUDGET, ValidationFailed, validate_proposal

        lang = self.lang
        self.say(t("console.form_intro", lang))
        raw: dict = {}
        todo = list(FIELDS)
        while todo:
            for name in todo:
                value = self._ask_field(name, t(f"console.field.{name}", lang), lang, METHODS if name == "method" else
                                        NEEDS_BUDGET if name == "needs_budget" else None)
                if value is None:
                    self.say(t("console.form_cancel", lang))
                    return
                raw[name] = value
            try:
                validate_proposal(raw, lang=lang)
                todo = []
            except ValidationFailed as e:
                for name, problem in e.errors.items():
                    label = t(f"console.field.{name}", lang) if name in FIELDS else name
                    self.say(f"  ! {label}: {problem}")
                todo = [name for name in FIELDS if name in e.errors]
        if self.desk.engine is None:
            self.say(t("console.form_cancel", lang))
            return
        got = receive(self.desk.engine, raw, submitter=CONSOLE_USER, idempotency_key=f"console:{uuid.uuid4().hex}",
                      lang=lang)      # no staff sender here: the staff post waits in the outbox
        self.say(t("console.form_done", lang, ref=got.proposal.ref))
        try:
            self.say(timing_advice(self._on(), raw["needs_budget"], lang, calendar=self._calendar()).text)
        except Exception as e:  # noqa: BLE001 — the proposal is stored; advice is a courtesy
            log.warning("timing advice unavailable: %r", e)

    def _ask_field(self, name: str, label: str, lang: str, choices: dict | None) -> str | None:
        if choices is None:
            line = self.read(f"{label}: ")
            if line is None or line.strip().lower() in CANCEL:
                return None
            return line.strip()
        keys = list(choices)
        self.say(f"{label}:")
        for i, k in enumerate(keys, 1):
            self.say(f"  {i}. {choices[k].label(lang)}")
        while True:
            line = self.read(f"{t('console.choose', lang)} (1–{len(keys)}): ")
            if line is None or line.strip().lower() in CANCEL:
                return None
            v = line.strip()
            if v.isdigit() and 1 <= int(v) <= len(keys):
                return keys[int(v) - 1]
            if v in choices:
                return v


def _save_history(readline, path: Path) -> None:
    try:
        readline.write_history_file(path)
    except OSError:
        pass


def ui_lang_from_env() -> str:
    import os

    return lang_from_locale(os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG"),
                            default="ja")


def run_console(desk: Desk, render: Callable[..., str], *, with_scheduler: bool = False,
                stdin=None, stdout=None, today: date | None = None, lang: str | None = None,
                senders=None) -> int:
    from bot.config import get_settings

    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    var = get_settings().cache_dir.parent
    if stdin is sys.stdin:               # a person at the terminal: logs to a file, not the prompt
        log_to_file(var / "console.log")
        log.info("console started: %d entries, database %s", len(desk.kb.entries),
                 desk.engine.url.render_as_string(hide_password=True) if desk.engine is not None else "-")
    scheduler = _start_scheduler(senders) if with_scheduler else None
    try:
        return Console(desk, render, stdin=stdin, stdout=stdout, today=today, lang=lang or ui_lang_from_env(),
                       history=var / "console_history").run()
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


def _idea(desk: Desk, text: str) -> str:
    """The idea advisor's result as the console shows it (the same core as Slack and the CLI)."""
    from bot.advisor import advisor_for
    from bot.render import render_idea

    return render_idea(advisor_for(desk).advise(text, surface="idea", asker="console"), console=True)


def _start_scheduler(senders=None):
    """Reminders run in-process for the console; they print what they would post. Proposal
    messages go through `senders` (the entry point's; none: they wait in the outbox)."""
    from bot.config import get_settings
    from bot.reminders import ConsoleSender, start_background_scheduler

    return start_background_scheduler(get_settings(), ConsoleSender(), senders=senders)
