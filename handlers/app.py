"""The Bolt app and the two ways to run it: Socket Mode and HTTP.

- `build_app()` wires a WebClient (Web API base URL from `SLACK_API_URL`, retries for 429
  Retry-After, 5xx and connection errors) into a Bolt `App` and registers every listener.
- `run_socket_mode()`: a websocket to Slack, no public URL needed (`SLACK_APP_TOKEN`).
- `serve_http()`: a threaded stdlib HTTP server (keep-alive, a thread per connection);
  `/slack/events` takes events, slash commands and interactivity (Bolt verifies
  `SLACK_SIGNING_SECRET`: bad or stale signatures get 401), `/healthz` answers 200. With
  `workers=N` (`deskbot serve --workers N`) it pre-forks N processes that share one listening
  socket, each with its own Bolt app (`serve_prefork`); the database keeps replies exactly-once
  across them, and SIGTERM drains the replies in flight in every worker.

Acknowledging fast: every listener's ack function only acknowledges (and, for cheap `/desk`
sub-commands, renders); answering, posting and feedback run after the ack on a bounded thread
pool (`AckFirstExecutor`): Bolt *lazy listeners*, and for events `Deps.defer` (the same, without
Bolt's deep copy of the request). In HTTP mode `process_before_response=True`, so the HTTP
response is sent the moment the ack function returns (no polling for `ack()`), and queued work
waits while acknowledgements are in progress; in Socket Mode Bolt's default (`False`) is used,
which acknowledges the envelope as soon as `ack()` is called.
"""
from __future__ import annotations

import _thread
import io
import json
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
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
RESPAWN_AFTER = 5.0           # a worker that dies sooner after starting is not restarted
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
        with self._idle:
            self._acks += 1
        try:
            yield
        finally:
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
    executor = AckFirstExecutor(LISTENER_THREADS, thread_name_prefix="deskbot-listener")
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
    protocol_version = "HTTP/1.1"            # keep-alive: Slack and load balancers reuse connections
    disable_nagle_algorithm = True           # TCP_NODELAY: a small ack must not wait for a delayed ACK
    wbufsize = io.DEFAULT_BUFFER_SIZE        # status, headers and body leave in one write (flushed per request)

    def log_message(self, fmt, *args):  # access log at debug level only
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s " + fmt, self.address_string(), *args)

    def _send(self, status: int, body: bytes | str = b"", headers: dict | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v if isinstance(v, str) else ",".join(v))
        if not any(k.lower() == "content-type" for k in (headers or {})):
            self.send_header("Content-Type", "text/plain; charset=utf-8")
        if self.server.worker:
            self.send_header("X-Deskbot-Worker", str(self.server.worker))
        if self.server.stopping.is_set():
            self.send_header("Connection", "close")
            self.close_connection = True
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
        if self.server.stopping.is_set():
            # Shutting down (a keep-alive connection outlived the listener): not acknowledged,
            # so Slack delivers it again, to a process that is still running.
            self._send(503, "shutting down")
            return
        headers = {k.lower(): [v] for k, v in self.headers.items()}
        with self.server.acking():
            try:
                status, body, out_headers = self.server.handle_slack(raw, url.query, headers)
            except Exception:  # noqa: BLE001 — a bug here must cost one request, not the connection
                log.exception("request to %s failed", EVENTS_PATH)
                status, body, out_headers = 500, "internal error", {}
            self._send(status, body, out_headers)


class SlackHTTPServer(ThreadingHTTPServer):
    """One thread per connection (a keep-alive connection keeps its thread). With `sock`, serves
    on an already listening socket (shared by pre-forked workers) instead of binding one."""
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, app: App, signing_secret: str | None, address: tuple[str, int],
                 sock: socket.socket | None = None, worker: int | None = None, parent: int | None = None):
        self.app = app
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self.worker = worker                 # 1…N under `--workers N`, shown as X-Deskbot-Worker
        self.parent = parent                 # a pre-fork worker's parent pid: the worker stops when it is gone
        self.stopping = threading.Event()
        executor = getattr(app, "deskbot_executor", None)
        self.acking = executor.acking if isinstance(executor, AckFirstExecutor) else nullcontext
        super().__init__(address, _Handler, bind_and_activate=sock is None)
        if sock is not None:
            self.socket.close()
            self.socket = sock
            self.server_address = sock.getsockname()

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

    def process_request(self, request, client_address) -> None:
        # A thread per connection, like ThreadingMixIn, but without waiting until the new thread
        # has started (threading.Thread.start does, which needs a GIL hand-over per connection:
        # under a burst of new connections the accept loop crawled). Daemon-like: not joined.
        _thread.start_new_thread(self.process_request_thread, (request, client_address))

    def service_actions(self) -> None:
        # Called by serve_forever about twice a second: a worker whose parent died (killed
        # without a chance to stop it) stops too, instead of serving on as an orphan.
        if self.parent is not None and os.getppid() != self.parent and not self.stopping.is_set():
            log.error("worker %s: parent process gone; stopping", self.worker)
            self.stopping.set()
            threading.Thread(target=self.shutdown, daemon=True).start()

    def stop(self) -> None:
        """Stop taking requests (from any thread but the serving one); serve_forever returns."""
        self.stopping.set()
        self.shutdown()


def make_http_server(app: App, settings: Settings, host: str = "0.0.0.0", port: int | None = None, *,
                     sock: socket.socket | None = None, worker: int | None = None,
                     parent: int | None = None) -> SlackHTTPServer:
    """An HTTP server for `app`, not yet serving (port 0 picks a free one: see `server_address`)."""
    return SlackHTTPServer(app, _secret(settings.slack_signing_secret),
                           (host, settings.port if port is None else port), sock=sock, worker=worker, parent=parent)


def listen_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket for pre-forked workers to share (port 0 picks a free one)."""
    # Every worker polls it; the one that accepts first serves the connection (an idle worker
    # tends to win, which balances load better than SO_REUSEPORT's hashing).
    return socket.create_server((host, port), backlog=SlackHTTPServer.request_queue_size)


def default_workers() -> int:
    """`WEB_CONCURRENCY` (the PaaS convention) if set, else the CPUs this process may run on."""
    env = os.environ.get("WEB_CONCURRENCY", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def serve_http(settings: Settings | None = None, *, host: str = "0.0.0.0", port: int | None = None,
               desk=None, workers: int = 1, sock: socket.socket | None = None) -> int:
    """Serve `/slack/events` and `/healthz` until SIGTERM / Ctrl-C; returns an exit code.

    `workers` > 1 pre-forks that many processes sharing one listening socket (`sock`, or one
    bound to host:port), each with its own Bolt app, worker pool and database connections; the
    database keeps replies exactly-once across them. `desk` is loaded before forking and shared.
    """
    settings = settings or get_settings()
    if settings.slack_signing_secret is None:
        raise SystemExit("SLACK_SIGNING_SECRET is required for HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)")
    if workers <= 1:
        app = build_app(settings, desk=desk)
        _serve(app, make_http_server(app, settings, host, port, sock=sock))
        return 0
    if desk is None:
        from bot.engine import get_desk

        desk = get_desk()
    if sock is None:
        sock = listen_socket(host, settings.port if port is None else port)

    def make_app() -> App:                            # runs in each worker, after the fork
        # Database connections must not be shared with the parent: new ones in each worker.
        engines = {id(e): e for e in (getattr(desk, "engine", None), get_engine(settings.database_url)) if e}
        for engine in engines.values():
            engine.dispose(close=False)
        return build_app(settings, desk=desk)

    return serve_prefork(make_app, settings, sock, workers)


def _serve(app: App, server: SlackHTTPServer) -> None:
    """Serve until SIGTERM / Ctrl-C, then drain the replies already acknowledged."""
    def _stop(*_):
        threading.Thread(target=server.stop, daemon=True).start()

    try:
        signal.signal(signal.SIGTERM, _stop)      # a PaaS stops `web` with SIGTERM
    except ValueError:
        pass                                      # not the main thread (embedded use)
    log.info("deskbot: HTTP mode on %s:%d (%s, %s)%s", *server.server_address[:2], EVENTS_PATH, HEALTH_PATH,
             f", worker {server.worker} (pid {os.getpid()})" if server.worker else "")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stopping.set()
        server.server_close()            # no new requests …
        drain(app)                       # … and the acknowledged ones still get their replies
        log.info("deskbot: HTTP server stopped%s", f" (worker {server.worker})" if server.worker else "")


def serve_prefork(make_app: Callable[[], App], settings: Settings, sock: socket.socket, n: int) -> int:
    """The parent of `n` worker processes serving `make_app()` (called in each worker) on the
    shared listening `sock`: starts them, restarts one that dies, and on SIGTERM / Ctrl-C passes
    SIGTERM on and waits until every worker has drained its replies. Returns an exit code."""
    sock.setblocking(False)       # workers race to accept: the losers must get EAGAIN, not block
    children: dict[int, tuple[int, float]] = {}       # pid → (worker number, started at)
    me = os.getpid()
    stopping = False
    failed = False

    def spawn(worker: int) -> None:
        pid = os.fork()
        if pid:
            children[pid] = (worker, time.monotonic())
            return
        code = 1                                      # the child: never returns from here
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)   # not the parent's handler (it kills workers)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            app = make_app()
            _serve(app, make_http_server(app, settings, sock=sock, worker=worker, parent=me))
            code = 0
        except BaseException:  # noqa: BLE001 — report, then leave with a failure code
            log.exception("worker %d failed", worker)
        finally:
            os._exit(code)

    def stop(signum, _frame) -> None:
        nonlocal stopping
        if not stopping:
            log.info("deskbot: stopping %d worker(s) (signal %d)", len(children), signum)
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    old = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        log.info("deskbot: HTTP mode on %s:%d with %d workers", *sock.getsockname()[:2], n)
        for worker in range(1, n + 1):
            spawn(worker)
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            worker, started = children.pop(pid, (None, 0.0))
            if worker is None or stopping:
                continue
            code = os.waitstatus_to_exitcode(status)
            if time.monotonic() - started < RESPAWN_AFTER:
                # It died right after starting: a broken set-up, not bad luck; don't loop on it.
                log.error("worker %d exited with %s right after starting; stopping", worker, code)
                failed = True
                stop(signal.SIGTERM, None)
            else:
                log.error("worker %d exited with %s; starting a new one", worker, code)
                spawn(worker)
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        sock.close()
    log.info("deskbot: HTTP server stopped")
    return 1 if failed else 0
