"""The Bolt app and the two ways to run it: Socket Mode and HTTP.

- `build_app()` wires a WebClient (Web API base URL from `SLACK_API_URL`, retries for 429
  Retry-After, 5xx and connection errors) into a Bolt `App` and registers every listener.
- `run_socket_mode()`: a websocket to Slack, no public URL needed (`SLACK_APP_TOKEN`).
- HTTP mode: `handlers/web.py` (`serve_http()`: Bolt's WSGI adapter under gunicorn, with the
  checked-in `handlers/gunicorn_conf.py`); `after_fork()` and `drain()` here are its worker hooks.

Acknowledging fast: every listener's ack function only acknowledges (and, for cheap `/desk`
sub-commands, renders); answering, posting and feedback run after the ack on a bounded thread
pool (`AckFirstExecutor`): Bolt *lazy listeners*, and for events `Deps.defer` (the same, without
Bolt's deep copy of the request). In HTTP mode `process_before_response=True`, so the HTTP
response is sent the moment the ack function returns (no polling for `ack()`), and queued work
waits while acknowledgements are in progress (`SlackWSGI` marks them); in Socket Mode Bolt's default (`False`) is used,
which acknowledges the envelope as soon as `ack()` is called.
"""
from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from bot.config import Settings, get_settings
from bot.db import ensure_database, get_engine
from handlers.deps import Deps
from handlers.send import retry_handlers

log = logging.getLogger(__name__)

DRAIN_SECONDS = 20            # on SIGTERM, how long in-flight replies may take to finish
# Work after the ack (answers, posts) per process. With the stub, 2, 8 and 16 measured alike
# (CPU-bound under the GIL, and acks go first anyway: AckFirstExecutor); against the real Slack
# each post waits ~0.1–0.3 s on the network, which these threads overlap.
LISTENER_THREADS = 8
MAX_YIELD = 0.1               # how long queued work may wait for acknowledgements in progress


class AckFirstExecutor(ThreadPoolExecutor):
    """The bounded pool for work after the ack (lazy listeners, `Deps.defer`), which lets
    acknowledgements go first: while the HTTP server is acknowledging requests (`acking()`),
    queued work waits (at most MAX_YIELD) before it starts. Under the GIL, a burst of acks would
    otherwise share one core with the answers of the burst's first events."""

    def __init__(self, max_workers: int, **kwargs):
        super().__init__(max_workers, **kwargs)
        self._acks = 0
        self._idle = threading.Condition()

    @contextmanager
    def acking(self):
        self.ack_begins()
        try:
            yield
        finally:
            self.ack_ends()

    def ack_begins(self) -> None:
        """A request has arrived and is being acknowledged (from any thread; pair with ack_ends)."""
        with self._idle:
            self._acks += 1

    def ack_ends(self) -> None:
        with self._idle:
            self._acks -= 1
            if not self._acks:
                self._idle.notify_all()

    def submit(self, fn, /, *args, **kwargs):
        def after_acks():
            with self._idle:
                self._idle.wait_for(lambda: not self._acks, timeout=MAX_YIELD)
            return fn(*args, **kwargs)
        return super().submit(after_acks)


def _secret(value) -> str | None:
    return value.get_secret_value() if value is not None else None


def build_client(settings: Settings) -> WebClient:
    """A Web API client that retries 429 (honouring Retry-After), 5xx and connection errors
    (backoff from `SLACK_RETRY_BACKOFF`)."""
    kwargs = {}
    if settings.slack_api_url:
        kwargs["base_url"] = settings.slack_api_url.rstrip("/") + "/"
    return WebClient(token=_secret(settings.slack_bot_token), timeout=10,
                     retry_handlers=retry_handlers(settings.slack_retry_backoff), **kwargs)


def check_slack(settings: Settings) -> None:
    """Before a server starts: the bot token works and Slack's Web API answers, else one
    OperatorError line (no retry noise, no traceback)."""
    from urllib.error import URLError

    from slack_sdk.errors import SlackApiError

    from bot.errors import OperatorError

    token = _secret(settings.slack_bot_token)
    if not token or not token.strip():
        raise OperatorError("SLACK_BOT_TOKEN is not set: the bot token (xoxb-…) from the app's Install App page")
    quiet = logging.getLogger("handlers.app.check")
    quiet.propagate = False
    quiet.addHandler(logging.NullHandler())
    base = build_client(settings).base_url
    probe = WebClient(token=token, base_url=base, timeout=10, logger=quiet)
    try:
        probe.auth_test()
    except SlackApiError as e:
        code = (e.response.get("error") if e.response is not None else None) or "refused"
        raise OperatorError(f"SLACK_BOT_TOKEN was refused by Slack ({code}): expected the app's Bot User "
                            "OAuth Token (xoxb-…) from its Install App page") from None
    except (URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or e
        raise OperatorError(f"cannot reach Slack's Web API at {base} (SLACK_API_URL): {reason}") from None


def build_app(settings: Settings | None = None, *, desk=None, client: WebClient | None = None,
              db: Engine | None = None, socket_mode: bool = False, executor: Executor | None = None) -> App:
    """The Bolt app with every listener registered.

    `desk` is the answer engine (loaded from the settings on first use when None); `client` a
    ready WebClient (otherwise built from the settings); `db` the database for exactly-once
    bookkeeping (default: the desk's, else DATABASE_URL's); `executor` runs the work after the
    ack (default: an `AckFirstExecutor` of LISTENER_THREADS; tests pass one that runs it at
    once, as bolt-python's own tests do, so a request is fully handled when dispatch returns).
    """
    from handlers import register

    settings = settings or get_settings()
    client = client or build_client(settings)
    db = db or getattr(desk, "engine", None) or get_engine(settings.database_url)
    ensure_database(db)
    executor = executor or AckFirstExecutor(LISTENER_THREADS, thread_name_prefix="deskbot-listener")
    _quiet_token_warning()
    app = App(
        client=client,
        signing_secret=_secret(settings.slack_signing_secret),
        # Socket Mode has no signature to verify (the websocket is authenticated by the app token).
        request_verification_enabled=not socket_mode,
        process_before_response=not socket_mode,
        listener_executor=executor,
        logger=logging.getLogger("handlers.bolt"),
    )
    deps = Deps(settings=settings, db=db, _desk=desk, pool=executor)

    @app.middleware
    def _inject_deps(context, next):
        context["deps"] = deps
        next()

    @app.error
    def _on_error(error, body, logger):
        # A listener crashed: log what kind of request it was (never tokens), keep serving.
        # The body is whatever the request held: `event` need not be an object, `type` not a str.
        body = body if isinstance(body, dict) else {}
        kind, event = body.get("type"), body.get("event")
        event = event.get("type") if isinstance(event, dict) else None
        kind = kind if isinstance(kind, str) else None
        event = event if isinstance(event, str) else None
        logger.error("listener failed on %s%s: %s", kind or "request", f"/{event}" if event else "",
                     type(error).__name__, exc_info=error)

    register(app)
    app.deskbot_executor = executor          # drained on shutdown (see drain())
    app.deskbot_db = db                      # /healthz reports its status
    app.deskbot_deps = deps                  # its engines are renewed after a fork (after_fork())
    return app


class _NoTokenWarning(logging.Filter):
    # Bolt reads SLACK_BOT_TOKEN from the environment and warns that it is unused when a client
    # is given too; the client carries that very token.
    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _quiet_token_warning() -> None:
    logger = logging.getLogger("handlers.bolt")
    if not any(isinstance(f, _NoTokenWarning) for f in logger.filters):
        logger.addFilter(_NoTokenWarning())


def drain(app: App, timeout: float = DRAIN_SECONDS) -> bool:
    """Let answers already acknowledged finish before the process exits (a deploy's SIGTERM must
    not drop replies in flight). True if everything finished within `timeout`."""
    executor = getattr(app, "deskbot_executor", None)
    if executor is None:
        return True
    done = threading.Event()

    def wait() -> None:
        executor.shutdown(wait=True)
        done.set()

    threading.Thread(target=wait, daemon=True).start()
    finished = done.wait(timeout)
    if not finished:
        log.warning("shutdown: replies still in progress after %.0fs; exiting anyway", timeout)
    return finished


def run_socket_mode(settings: Settings | None = None, *, desk=None) -> None:
    """Connect to Slack over Socket Mode and serve until interrupted."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    settings = settings or get_settings()
    if settings.slack_app_token is None:
        raise SystemExit("SLACK_APP_TOKEN (xapp-…) is required for Socket Mode")
    app = build_app(settings, desk=desk, socket_mode=True)
    log.info("deskbot: Socket Mode")
    handler = SocketModeHandler(app, _secret(settings.slack_app_token))
    try:
        handler.start()                  # blocks until interrupted
    except KeyboardInterrupt:
        pass
    finally:
        handler.close()
        drain(app)


def after_fork(wsgi_or_app) -> None:
    """In a freshly forked web worker: drop the database connections inherited from the parent
    (each process opens its own); the engines themselves stay and reconnect on first use."""
    from bot.db import dispose_engines

    app = getattr(wsgi_or_app, "app", wsgi_or_app)
    deps = getattr(app, "deskbot_deps", None)
    extra = []
    if deps is not None:
        extra = [deps.db, getattr(deps._desk, "engine", None)]
    dispose_engines(extra)


def default_workers() -> int:
    """`WEB_CONCURRENCY` (the PaaS convention) if set, else the CPUs this process may run on."""
    env = os.environ.get("WEB_CONCURRENCY", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
