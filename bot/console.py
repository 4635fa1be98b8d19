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
from bot.reply import Link, Reply

log = logging.getLogger(__name__)
CONSOLE_USER = "cli:console"

HELP = {
    "ja": """公民連携デスク bot — ローカルコンソール(Slack のトークンが未設定のため、Slack と同じ回答をここで表示します)
質問をそのまま入力してください。例:
  提案はいつまでに出せばいい?      ネーミングライツとは      和光市の事例
コマンド:
  calendar          予算スケジュールと、今提案すると間に合う年度
  methods           公民連携の手法の一覧
  cases [キーワード] 事例の一覧(例: cases 和光市 / cases PFI / cases 健康)
  remind [on|off|status]  予算の節目のリマインダー(このコンソールに表示)
  propose           提案フォーム(1項目ずつ入力して登録します。途中でやめるには cancel)
  staff             直前の質問を担当職員に取り次ぐ
  handoffs          未対応の取り次ぎ(職員向け)
  idea [説明]       アイデアの説明から、合う連携の手法・近い事例・時期の目安
  1, 2, …           表示された候補・関連項目を開く
  lang en / lang ja 表示言語を切り替える(質問した言語に自動で合わせます)
  help en           English help      quit  終了""",
    "en": """Partnership desk bot — local console (no Slack tokens are set, so the Slack answers are shown here)
Type a question as you would ask it, e.g.:
  When is the deadline for proposals?      What are naming rights?      cases in Wako City
Commands:
  calendar          the budget calendar and which budget year a proposal made today can reach
  methods           the partnership methods
  cases [keyword]   precedents (e.g. cases Wako / cases PFI / cases health)
  remind [on|off|status]  reminders before each budget milestone (shown in this console)
  propose           the proposal form, one field at a time; it stores a real proposal (cancel stops)
  staff             pass your last question to the desk staff
  handoffs          open hand-offs (for staff)
  idea [text]       describe an idea: fitting methods, nearest precedents, timing
  1, 2, …           open a listed suggestion or related entry
  lang ja / lang en switch the language (it follows the language you ask in)
  help ja           日本語のヘルプ      quit  exit""",
}

S = {
    "no_question": {"ja": "まだ質問がありません。", "en": "No question yet."},
    "idea_prompt": {"ja": "アイデアを1行で入力してください(Describe your idea on one line):",
                    "en": "Describe your idea on one line:"},
    "handed": {"ja": "担当職員に取り次ぎました(取り次ぎ #{id})。職員が担当すると記録されます。",
               "en": "Passed to the desk staff (hand-off #{id}); it is recorded when someone takes it."},
    "handed_again": {"ja": "この質問はすでに取り次いであります(取り次ぎ #{id})。",
                     "en": "This question was already passed on (hand-off #{id})."},
    "handoffs_none": {"ja": "未対応の取り次ぎはありません。", "en": "No open hand-offs."},
    "methods": {"ja": "公民連携の手法", "en": "Partnership methods"},
    "cases": {"ja": "事例", "en": "Cases"},
    "cases_none": {"ja": "「{q}」に当てはまる事例は見つかりませんでした。", "en": "No cases match “{q}”."},
    "calendar": {"ja": "{fy}年度の予算スケジュール", "en": "Budget calendar, fiscal year {fy}"},
    "today": {"ja": "今日", "en": "today"},
    "form_intro": {"ja": "提案フォームです。1項目ずつ入力してください(やめるには cancel)。",
                   "en": "The proposal form: one field at a time (type cancel to stop)."},
    "form_cancel": {"ja": "提案フォームを中止しました。何も登録していません。", "en": "Form cancelled; nothing was stored."},
    "form_done": {"ja": "提案を受け付けました。受付番号: {ref}", "en": "Proposal received. Reference: {ref}"},
    "choose": {"ja": "番号で選んでください", "en": "Choose a number"},
    "lang": {"ja": "表示言語: 日本語", "en": "Language: English"},
}
FIELDS = [("organisation", {"ja": "会社・団体名", "en": "Organisation"}),
          ("contact_name", {"ja": "担当者名", "en": "Contact name"}),
          ("email", {"ja": "メールアドレス", "en": "E-mail"}),
          ("title", {"ja": "提案の件名", "en": "Title"}),
          ("summary", {"ja": "提案の内容(課題・アイデア・効果)", "en": "Summary (issue, idea, effect)"}),
          ("method", {"ja": "希望する連携の方法", "en": "Preferred way to partner"}),
          ("needs_budget", {"ja": "市の予算は必要ですか", "en": "Does it need city budget?"})]
CANCEL = {"cancel", "やめる", "中止", "キャンセル", ":q"}


def s(key: str, lang: str, **kw) -> str:
    text = S[key]["en" if lang == "en" else "ja"]
    return text.format(**kw) if kw else text


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
        self.say(HELP[self.lang])
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
            self.say(HELP["en" if rest.lower().startswith("en") else "ja" if rest else self.lang])
        elif cmd == "lang" and rest in ("ja", "en"):
            self.lang = rest
            self.say(s("lang", rest))
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
                self.say("→ propose" + ("(提案フォーム)" if self.lang == "ja" else " (the proposal form)"))
            if "remind" in self.last.actions:
                self.say("→ remind on" + ("(リマインダー登録)" if self.lang == "ja" else " (subscribe to reminders)"))

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
        lines = [f"■ {s('calendar', lang, fy=fy)}"]
        for m in cal.milestones_for(fy):
            mark = f"  ← {s('today', lang)}" if m.contains(on) else ""
            lines.append(f"・{calendar_text.milestone_label(m, on, lang)} {m.name.get(lang)}{mark}")
        advice = timing("", lang, on, cal)
        lines += ["", advice.text.split("\n\n", 1)[-1]]
        return "\n".join(lines)

    def methods(self) -> str:
        from bot.catalog import methods

        ms = methods(self.desk.kb)
        self.last = Reply("answer", "methods", self.lang, "", items=tuple(Link(m.id, m.title.get(self.lang)) for m in ms))
        return "\n".join([f"■ {s('methods', self.lang)}"] + [
            f"  {i}. {m.title.get(self.lang)} — {T.first_sentence(m.answer.get(self.lang))[:80]}"
            for i, m in enumerate(ms, 1)])

    def cases(self, query: str) -> str:
        from bot.catalog import find_cases

        lang = T.detect_lang(query) if query else self.lang
        if query:                              # the same list the cases intent gives
            from bot.conversation import cases

            reply = cases(self.desk, query, lang, self.desk.analyse(query))
            if reply.items:
                self.last = reply
                return "\n".join([f"■ {reply.title}", reply.text] +
                                 [f"  {i}. {it.title}" for i, it in enumerate(reply.items, 1)])
            _, found = find_cases(self.desk.kb, query)
            if not found:
                return s("cases_none", lang, q=query)
        else:
            _, found = find_cases(self.desk.kb, None)
        self.last = Reply("answer", query or "cases", lang, "", items=tuple(Link(c.id, c.title.get(lang)) for c in found))
        return "\n".join([f"■ {s('cases', lang)}"] + [
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
            return s("handoffs_none", self.lang)
        return "\n".join(H.summary_line(h, self.lang) for h in rows)

    def staff(self) -> str:
        from bot import handoffs as H

        if self.asked is None:
            return s("no_question", self.lang)
        r = self.asked
        if self.desk.engine is None:
            return s("handed", self.lang, id="-")
        done = H.hand_off(self.desk.engine, question=r.question, requested_by=CONSOLE_USER, place="console",
                          surface="console", lang=r.lang,
                          answer_seen=r.text if r.kind not in ("decline", "invalid") else "", log_id=r.log_id)
        return s("handed" if done.created else "handed_again", self.lang, id=done.handoff.id)

    def idea(self, text: str) -> None:
        """The idea advisor (`idea TEXT`, or `idea` alone and the idea on the next line)."""
        if not text:
            self.say(s("idea_prompt", self.lang))
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
        self.say(s("form_intro", lang))
        raw: dict = {}
        todo = [name for name, _ in FIELDS]
        labels = dict(FIELDS)
        while todo:
            for name in todo:
                value = self._ask_field(name, labels[name][lang], lang, METHODS if name == "method" else
                                        NEEDS_BUDGET if name == "needs_budget" else None)
                if value is None:
                    self.say(s("form_cancel", lang))
                    return
                raw[name] = value
            try:
                validate_proposal(raw, lang=lang)
                todo = []
            except ValidationFailed as e:
                for name, problem in e.errors.items():
                    self.say(f"  ! {labels.get(name, {lang: name})[lang]}: {problem}")
                todo = [name for name, _ in FIELDS if name in e.errors]
        if self.desk.engine is None:
            self.say(s("form_cancel", lang))
            return
        got = receive(self.desk.engine, raw, submitter=CONSOLE_USER, idempotency_key=f"console:{uuid.uuid4().hex}",
                      lang=lang)      # no staff sender here: the staff post waits in the outbox
        self.say(s("form_done", lang, ref=got.proposal.ref))
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
            line = self.read(f"{s('choose', lang)} (1–{len(keys)}): ")
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

    loc = (os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or "").lower()
    return "en" if loc.startswith("en") else "ja"


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
