"""The Bolt app and the two ways to run it: Socket Mode and HTTP.

- `build_app()` wires a WebClient (Web API base URL from `SLACK_API_URL`, retries for 429
  Retry-After, 5xx and connection errors) into a Bolt `App` and registers every listener.
- `run_socket_mode()`: a websocket to Slack, no public URL needed (`SLACK_APP_TOKEN`).
- `serve_http()`: a threaded stdlib HTTP server; `/slack/events` takes events, slash commands and
  interactivity (Bolt verifies `SLACK_SIGNING_SECRET`: bad or stale signatures get 401),
  `/healthz` answers 200.

Acknowledging fast: every listener's ack function only acknowledges (and, for cheap `/desk`
sub-commands, renders); answering, posting and feedback run in Bolt *lazy listeners* on the
listener thread pool after the ack. In HTTP mode `process_before_response=True`, so the HTTP
response is sent the moment the ack function returns (no polling for `ack()`); in Socket Mode
Bolt's default (`False`) is used, which acknowledges the envelope as soon as `ack()` is called.
"""
from __future__ import annotations

import json
import logging
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.engine import Engine

from bot.config import Settings, get_settings
from bot.db import get_engine, init_db, with_retry
from handlers.deps import Deps

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1_000_000          # Slack payloads are far smaller; refuse anything bigger
DRAIN_SECONDS = 20            # on SIGTERM, how long in-flight replies may take to finish
LISTENER_THREADS = 8          # lazy listeners (answers, posts); mostly CPU-bound under the GIL: more threads only queue for it (see bench/bench_slack.py)


def _secret(value) -> str | None:
    return value.get_secret_value() if value is not None else None


def build_client(settings: Settings) -> WebClient:
    """A Web API client that retries 429 (honouring Retry-After), 5xx and connection errors."""
    kwargs = {}
    if settings.slack_api_url:
        kwargs["base_url"] = settings.slack_api_url.rstrip("/") + "/"
    return WebClient(
        token=_secret(settings.slack_bot_token),
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
        **kwargs,
    )


def build_app(settings: Settings | None = None, *, desk=None, client: WebClient | None = None,
              db: Engine | None = None, socket_mode: bool = False) -> App:
    """The Bolt app with every listener registered.

    `desk` is the answer engine (`bot.engine.get_desk()` on first use when None); `client` a
    ready WebClient (otherwise built from the settings); `db` the database for exactly-once
    bookkeeping (default: the desk's, else DATABASE_URL's).
    """
    from handlers import register

    settings = settings or get_settings()
    client = client or build_client(settings)
    db = db or getattr(desk, "engine", None) or get_engine(settings.database_url)
    with_retry(lambda: init_db(db), what="database set-up")
    executor = ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="deskbot-listener")
    app = App(
        client=client,
        signing_secret=_secret(settings.slack_signing_secret),
        # Socket Mode has no signature to verify (the websocket is authenticated by the app token).
        request_verification_enabled=not socket_mode,
        process_before_response=not socket_mode,
        listener_executor=executor,
        logger=logging.getLogger("handlers.bolt"),
    )
    deps = Deps(settings=settings, db=db, _desk=desk)

    @app.middleware
    def _inject_deps(context, next):
        context["deps"] = deps
        next()

    @app.error
    def _on_error(error, body, logger):
        # A listener crashed: log what kind of request it was (never tokens), keep serving.
        kind = body.get("type") if isinstance(body, dict) else None
        event = (body.get("event") or {}).get("type") if isinstance(body, dict) else None
        logger.error("listener failed on %s%s: %r", kind or "request", f"/{event}" if event else "",
                     error, exc_info=error)

    register(app)
    app.deskbot_executor = executor          # drained on shutdown (see drain())
    return app


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


# ---- HTTP mode ---------------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    server: "SlackHTTPServer"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # access log at debug level only
        log.debug("%s " + fmt, self.address_string(), *args)

    def _send(self, status: int, body: bytes | str = b"", headers: dict | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v if isinstance(v, str) else ",".join(v))
        if not any(k.lower() == "content-type" for k in (headers or {})):
            self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if urlsplit(self.path).path == HEALTH_PATH:
            self._send(200, "ok")
        else:
            self._send(404, "not found")

    def do_POST(self):
        url = urlsplit(self.path)
        if url.path != EVENTS_PATH:
            self._send(404, "not found")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            log.warning("rejected request to %s: bad Content-Length %r", EVENTS_PATH, self.headers.get("Content-Length"))
            self._send(413 if length > MAX_BODY else 400, "bad request")
            self.close_connection = True
            return
        raw = self.rfile.read(length).decode("utf-8", errors="replace")
        headers = {k.lower(): [v] for k, v in self.headers.items()}
        try:
            status, body, out_headers = self.server.handle_slack(raw, url.query, headers)
        except Exception:  # noqa: BLE001 — a bug here must cost one request, not the connection
            log.exception("request to %s failed", EVENTS_PATH)
            status, body, out_headers = 500, "internal error", {}
        self._send(status, body, out_headers)


class SlackHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, app: App, signing_secret: str | None, address: tuple[str, int]):
        self.app = app
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None
        super().__init__(address, _Handler)

    def handle_slack(self, raw: str, query: str, headers: dict) -> tuple[int, str, dict]:
        """One request to /slack/events → (status, body, headers), never an exception."""
        flat = {k: v[0] for k, v in headers.items()}
        try:
            req = BoltRequest(body=raw, query=query, headers=headers)
        except (ValueError, TypeError, AttributeError) as e:
            # Bolt could not parse the body. Unsigned junk is 401 like any unsigned request;
            # a signed but malformed payload is logged (kind and size only) and refused.
            if self.verifier and not self.verifier.is_valid_request(raw, flat):
                return 401, "invalid request", {}
            log.warning("malformed Slack payload (%d bytes, content-type %s): %s",
                        len(raw), flat.get("content-type"), type(e).__name__)
            return 400, "malformed payload", {}
        if not isinstance(req.body, dict) or (raw and not req.body):
            if self.verifier and not self.verifier.is_valid_request(raw, flat):
                return 401, "invalid request", {}
            log.warning("malformed Slack payload (%d bytes): not a Slack request", len(raw))
            return 400, "malformed payload", {}
        resp = self.app.dispatch(req)
        body = resp.body if isinstance(resp.body, str) else json.dumps(resp.body)
        return resp.status, body, {k: v for k, v in resp.headers.items() if k.lower() != "content-length"}


def make_http_server(app: App, settings: Settings, host: str = "0.0.0.0", port: int | None = None) -> SlackHTTPServer:
    """An HTTP server for `app`, not yet serving (port 0 picks a free one: see `server_address`)."""
    return SlackHTTPServer(app, _secret(settings.slack_signing_secret),
                           (host, settings.port if port is None else port))


def serve_http(settings: Settings | None = None, *, host: str = "0.0.0.0", port: int | None = None,
               desk=None) -> None:
    """Serve `/slack/events` and `/healthz` until SIGTERM / Ctrl-C."""
    settings = settings or get_settings()
    if settings.slack_signing_secret is None:
        raise SystemExit("SLACK_SIGNING_SECRET is required for HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)")
    app = build_app(settings, desk=desk)
    server = make_http_server(app, settings, host, port)

    def _stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    try:
        signal.signal(signal.SIGTERM, _stop)      # a PaaS stops `web` with SIGTERM
    except ValueError:
        pass                                      # not the main thread (embedded use)
    log.info("deskbot: HTTP mode on %s:%d (%s, %s)", *server.server_address[:2], EVENTS_PATH, HEALTH_PATH)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()            # no new requests …
        drain(app)                       # … and the acknowledged ones still get their replies
        log.info("deskbot: HTTP server stopped")
