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
                stdin=None, stdout=None) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    scheduler = _start_scheduler() if with_scheduler else None
    interactive = stdin.isatty()

    def say(s: str) -> None:
        print(s, file=stdout, flush=True)

    say(HELP)
    last: Reply | None = None
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
            if q == "staff" and last is not None:
                say(f"[staff channel] 質問を担当職員に引き継ぎました: {last.question!r}")
                log.info("console hand-off: %r", last.question)
                continue
            if q.isdigit() and last is not None and 1 <= int(q) <= len(last.suggestions):
                s = last.suggestions[int(q) - 1]
                last = desk.reply_for_entry(s.entry_id, last.lang, question=last.question)
            else:
                last = desk.answer(q, surface="console", asker="console")
            say(render(last, console=True))
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
    return 0


def _start_scheduler():
    """Reminders run in-process for the console; they print what they would post."""
    try:
        from bot.reminders import start_background_scheduler
        from bot.reminders.delivery import ConsoleSender
    except ImportError:  # reminders not installed in this build
        return None
    from bot.config import get_settings

    return start_background_scheduler(get_settings(), ConsoleSender())
