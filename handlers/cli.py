"""`deskbot serve`: the Slack app in HTTP mode under gunicorn (the `web` process; settings in
handlers/gunicorn_conf.py), or Socket Mode with --socket-mode."""
from __future__ import annotations

import argparse
import sys


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the Slack app over HTTP (/slack/events, /healthz)")
    p.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    p.add_argument("--port", type=int, default=None, help="port (default: PORT, else 3000)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="web processes sharing the port (default: WEB_CONCURRENCY, else one per CPU)")
    p.add_argument("--socket-mode", action="store_true", help="connect over Socket Mode instead (SLACK_APP_TOKEN)")
    p.set_defaults(func=cmd_serve)


def cmd_serve(args) -> int:
    from bot.config import get_settings
    from bot.knowledge import KnowledgeError

    from handlers.app import check_slack

    settings = get_settings()
    check_slack(settings)            # the token works and Slack answers, or one line and exit 2
    try:
        from bot.engine import Desk

        desk = Desk.load(settings)   # refuse to start on a broken knowledge base
        desk.warm()                  # before forking: the workers share what it builds
    except KnowledgeError as e:
        print(e, file=sys.stderr)
        return 1
    from handlers.app import run_socket_mode
    from handlers.web import serve_http

    if args.socket_mode:
        run_socket_mode(settings, desk=desk)
        return 0
    workers = args.workers
    if workers is not None and workers < 1:
        print("deskbot: --workers must be at least 1", file=sys.stderr)
        return 2
    return serve_http(settings, host=args.host, port=args.port, desk=desk, workers=workers)
