"""HTTP mode: the Bolt app as a WSGI application, served by gunicorn (`deskbot serve`).

    GET  /healthz        200 "ok" (the load balancer's check)
    POST /slack/events   events, slash commands, interactivity (Bolt's WSGI adapter)

`SlackWSGI` is Bolt's own adapter (`slack_bolt.adapter.wsgi.SlackRequestHandler`) with a front
door: the body is read within a size limit and its Slack signature checked **before anything is
parsed**, so unsigned or badly signed requests (a non-numeric timestamp, a 100,000-level nested
JSON body …) get 401 without reaching a parser, and a signed but malformed payload gets 400
instead of a 500. The response leaves as soon as the listener's ack function returns
(`process_before_response=True`); answers run after it on the app's `AckFirstExecutor`, which
lets acknowledgements in progress go first.

`serve_http()` runs gunicorn in this process with the checked-in `handlers/gunicorn_conf.py`
(worker count, threads, timeouts, graceful drain on SIGTERM, engines disposed after fork). The
Bolt app and the answer desk are built once, before forking (a bad token or knowledge base
stops the server before it starts), and shared copy-on-write by the workers.
"""
from __future__ import annotations

import logging
import os
import runpy
from pathlib import Path

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1_000_000          # Slack payloads are far smaller; refuse anything bigger
CONF_FILE = Path(__file__).with_name("gunicorn_conf.py")
_TEXT = {"content-type": ["text/plain; charset=utf-8"]}


def health_text(engine) -> str:
    """ "ok", and the database's state on a second line: the web process answers questions while
    the database is away (200 either way), but an operator should see it."""
    if engine is None:
        return "ok"
    from bot.db import database_status

    st = database_status(engine)
    state = "stalled" if st.get("stalled") else "ready" if st.get("ready") else \
        "waiting" if st.get("ready") is False else "unknown"
    return f"ok\ndatabase: {state}"


class SlackWSGI(SlackRequestHandler):
    """Bolt's WSGI adapter, verifying the signature before Bolt parses the body."""

    def __init__(self, app: App, signing_secret: str, path: str = EVENTS_PATH):
        super().__init__(app, path)
        self.verifier = SignatureVerifier(signing_secret)
        executor = getattr(app, "deskbot_executor", None)
        self.acking = getattr(executor, "acking", None)

    def __call__(self, environ, start_response):
        request = WsgiHttpRequest(environ)
        status, headers, body = self._respond(request)
        resp = WsgiHttpResponse(status=status, headers=headers, body=body)
        out = resp.get_headers() + [("X-Deskbot-Worker", str(os.getpid()))]   # which worker answered
        start_response(resp.status, out)
        return resp.get_body()

    def _respond(self, request: WsgiHttpRequest) -> tuple[int, dict, str]:
        if request.path == HEALTH_PATH and request.method in ("GET", "HEAD"):
            return 200, _TEXT, health_text(getattr(self.app, "deskbot_db", None))
        if request.path != self.path or request.method != "POST":
            return 404, _TEXT, "not found"
        env = request.environ
        try:
            length = int(env.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            log.warning("rejected request to %s: bad Content-Length %r", self.path, env.get("CONTENT_LENGTH"))
            return (413 if length > MAX_BODY else 400), {**_TEXT, "connection": ["close"]}, "bad request"
        try:
            raw = env["wsgi.input"].read(length) if length else b""
        except OSError:                       # the client stalled or went away mid-body
            return 408, {**_TEXT, "connection": ["close"]}, "request timeout"
        headers = request.get_headers()
        if not self._signed(raw, headers):
            return 401, _TEXT, "invalid request"
        text = raw.decode("utf-8", errors="replace")
        if self.acking is None:
            return self._dispatch(text, request.query_string, headers)
        with self.acking():
            return self._dispatch(text, request.query_string, headers)

    def _signed(self, raw: bytes, headers: dict) -> bool:
        """A valid, fresh Slack signature over exactly these bytes (never raises)."""
        ts, sig = headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")
        if not ts or not sig or not ts.isdigit():
            return False
        try:
            return self.verifier.is_valid(body=raw, timestamp=ts, signature=sig)
        except (ValueError, TypeError, OverflowError):
            return False

    def _dispatch(self, text: str, query: str, headers: dict) -> tuple[int, dict, str]:
        try:
            req = BoltRequest(body=text, query=query, headers=headers)
        except (ValueError, TypeError, AttributeError, RecursionError) as e:
            log.warning("malformed Slack payload (%d bytes, content-type %s): %s",
                        len(text), headers.get("content-type"), type(e).__name__)
            return 400, _TEXT, "malformed payload"
        problem = _shape_problem(req.body, text)
        if problem:
            log.warning("malformed Slack payload (%d bytes): %s", len(text), problem)
            return 400, _TEXT, "malformed payload"
        try:
            resp = self.app.dispatch(req)
        except Exception:  # noqa: BLE001 — Bolt's own code failed on this payload: one request lost, not the worker
            log.exception("request to %s failed", self.path)
            return 500, _TEXT, "internal error"
        body = resp.body if isinstance(resp.body, str) else str(resp.body or "")
        return resp.status, resp.headers, body


def _shape_problem(body, text: str) -> str | None:
    """Why a signed payload is not something Bolt can route safely, or None. (Bolt indexes
    `body["event"]["type"]` and the like without checking, and fails inside its error path.)"""
    if not isinstance(body, dict) or (text and not body):
        return "not a Slack request"
    for key in ("event", "user", "team", "channel", "view", "container", "message"):
        if key in body and body[key] is not None and not isinstance(body[key], (dict, str)):
            return f"{key} is a {type(body[key]).__name__}"
    if body.get("type") == "event_callback" and not isinstance(body.get("event"), dict):
        return "event is not an object"
    event = body.get("event")
    if isinstance(event, dict) and "type" in event and not isinstance(event["type"], str):
        return "event type is not a string"
    if "actions" in body and not isinstance(body["actions"], list):
        return "actions is not a list"
    return None


def make_wsgi(app: App, settings) -> SlackWSGI:
    secret = settings.slack_signing_secret
    if secret is None or not secret.get_secret_value().strip():
        raise SystemExit("SLACK_SIGNING_SECRET is required for HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)")
    return SlackWSGI(app, secret.get_secret_value())


def serve_http(settings=None, *, host: str = "0.0.0.0", port: int | None = None, desk=None,
               workers: int | None = None, app: App | None = None, options: dict | None = None) -> int:
    """Serve `/slack/events` and `/healthz` with gunicorn until SIGTERM / Ctrl-C; an exit code.

    The Bolt app (`app`, else `build_app(settings, desk=desk)`) is built here, before gunicorn
    forks its workers; `workers` overrides the config's count (WEB_CONCURRENCY, else the CPUs).
    `options` are further gunicorn settings (tests, bench).
    """
    from bot.config import get_settings
    from handlers.app import build_app

    settings = settings or get_settings()
    if app is None:
        app = build_app(settings, desk=desk)
    wsgi = make_wsgi(app, settings)
    bind = f"{host}:{settings.port if port is None else port}"
    return run_gunicorn(wsgi, bind=bind, workers=workers, options=options)


def run_gunicorn(wsgi, *, bind: str, workers: int | None = None, options: dict | None = None) -> int:
    """Run gunicorn in this process on `wsgi` with the checked-in config (handlers/gunicorn_conf.py,
    read as `gunicorn -c` reads it) plus `bind`, `workers` and `options`; returns its exit code."""
    from gunicorn.app.base import BaseApplication

    overrides = {"bind": [bind], **(options or {})}
    if workers is not None:
        overrides["workers"] = workers

    class Server(BaseApplication):
        def load_config(self):
            for key, value in runpy.run_path(str(CONF_FILE)).items():
                if key in self.cfg.settings and value is not None:
                    self.cfg.set(key, value)
            for key, value in overrides.items():
                self.cfg.set(key, value)

        def load(self):
            return wsgi

    try:
        Server().run()                # returns only through SystemExit (gunicorn's arbiter)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0
