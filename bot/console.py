"""The local console: the same engine and reply text as Slack, for a machine without Slack tokens."""
from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from bot.engine import Desk
from bot.reply import Reply

log = logging.getLogger(__name__)

HELP = """公民連携デスク bot — ローカルコンソール (Slack トークンが未設定のため)
質問を入力してください。番号: 候補を開く / staff: 直前の質問を担当職員へ / help / quit"""


def run_console(desk: Desk, render: Callable[..., str], *, with_scheduler: bool = False,
                stdin=None, stdout=None, today=None) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    scheduler = _start_scheduler() if with_scheduler else None
    interactive = stdin.isatty()

    def say(s: str) -> None:
        print(s, file=stdout, flush=True)

    say(HELP)
    if with_scheduler:
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    last: Reply | None = None          # the last reply shown
    asked: Reply | None = None         # the last reply to a question typed (for "staff")
    try:
        while True:
            if interactive:
                stdout.write("\n> ")
                stdout.flush()
            line = stdin.readline()
            if not line:
                break
            q = line.strip()
            if q in ("quit", "exit", ":q"):
                break
            if q in ("help", "?"):
                say(HELP)
                continue
            if q == "staff":
                if asked is None:
                    say("まだ質問がありません。")
                    continue
                # No Slack here: show what would go to the staff channel.
                say(f"[staff channel] 質問: {asked.question!r} (console) — 担当職員に引き継ぎました。")
                continue
            links = (last.suggestions + last.related) if last else ()
            if q.isdigit() and 1 <= int(q) <= len(links):
                link = links[int(q) - 1]
                last = desk.reply_for_entry(link.entry_id, last.lang, question=last.question)
            else:
                last = asked = desk.answer(q, surface="console", asker="console", today=today)
            say(render(last, console=True))
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
    return 0


def _start_scheduler():
    """Reminders run in-process for the console; they print what they would post."""
    from bot.config import get_settings
    from bot.reminders import ConsoleSender, start_background_scheduler

    return start_background_scheduler(get_settings(), ConsoleSender())
