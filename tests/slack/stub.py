"""A local stand-in for Slack's Web API and response_urls, for tests and the bench.

    stub = SlackStub().start()          # http://127.0.0.1:<port>
    WebClient(base_url=stub.api_url)    # /api/<method>
    stub.response_url("abc")            # a response_url that records what is posted to it
    stub.fail_next(2, status=429, retry_after=1)   # the next 2 calls answer 429 Retry-After: 1
    stub.wait_for("chat.postMessage", 1)           # block until that many calls arrived

Every call is recorded with its method, decoded arguments and arrival time. Loopback only.
"""
from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

BOT_USER_ID = "UBOTDESK"
BOT_ID = "BBOTDESK"
TEAM_ID = "T0TEST"


@dataclass
class Call:
    method: str                 # "chat.postMessage", … or "response_url"
    args: dict
    at: float
    path: str = ""
    headers: dict = field(default_factory=dict)

    def blocks(self) -> list[dict]:
        b = self.args.get("blocks") or []
        return json.loads(b) if isinstance(b, str) else b

    def view(self) -> dict:
        v = self.args.get("view") or {}
        return json.loads(v) if isinstance(v, str) else v


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512      # listen backlog: bursts of 100+ concurrent calls


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    error: str | None
    method: str | None


class SlackStub:
    def __init__(self):
        self.calls: list[Call] = []
        self._failures: list[_Failure] = []
        self._cond = threading.Condition()
        self._ts = itertools.count(1)
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self._thread: threading.Thread | None = None

    # ---- control ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def response_url(self, key: str = "r") -> str:
        return f"{self.url}/response/{key}"

    def start(self) -> "SlackStub":
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="slack-stub")
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self._cond:
            self.calls.clear()
            self._failures.clear()

    def fail_next(self, n: int = 1, *, status: int = 500, retry_after: int | None = None,
                  error: str | None = None, method: str | None = None) -> None:
        """The next `n` calls (to `method`, or any) fail: HTTP `status` (429 with Retry-After,
        5xx), HTTP 200 with `{"ok": false, "error": error}` when `error` is given, or a dropped
        connection (no answer at all) when `status` is 0."""
        with self._cond:
            self._failures += [_Failure(status, retry_after, error, method)] * n

    def of(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                got = [c for c in self.calls if c.method == method]
                if len(got) >= count:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    return got
                self._cond.wait(left)

    def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until no call has arrived for `quiet` seconds (to assert that nothing more comes)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                last = self.calls[-1].at if self.calls else 0.0
            if time.monotonic() - last >= quiet:
                return
            time.sleep(quiet / 3)

    # ---- the server ---------------------------------------------------------------------------
    def _take_failure(self, method: str) -> _Failure | None:
        with self._cond:
            for i, f in enumerate(self._failures):
                if f.method in (None, method):
                    return self._failures.pop(i)
        return None

    def _answer(self, method: str, args: dict) -> dict:
        if method == "auth.test":
            return {"ok": True, "url": "https://test.slack.com/", "team": "test", "user": "deskbot",
                    "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID}
        if method in ("chat.postMessage", "chat.postEphemeral"):
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            return {"ok": True, "channel": args.get("channel"), "ts": ts, "message_ts": ts,
                    "message": {"text": args.get("text"), "ts": ts}}
        if method.startswith("views."):
            return {"ok": True, "view": {"id": f"V{next(self._ts)}"}}
        if method == "chat.getPermalink":
            return {"ok": True, "channel": args.get("channel"),
                    "permalink": f"https://test.slack.com/archives/{args.get('channel')}/p{str(args.get('message_ts')).replace('.', '')}"}
        if method == "bots.info":
            return {"ok": True, "bot": {"id": BOT_ID, "user_id": BOT_USER_ID}}
        return {"ok": True}

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                # /_calls: what was recorded, for a stub running in another process (bench)
                if urlsplit(self.path).path == "/_calls":
                    with stub._cond:
                        rows = [{"method": c.method, "at": c.at, "channel": c.args.get("channel"),
                                 "thread_ts": c.args.get("thread_ts")} for c in stub.calls]
                    self._reply(200, rows)
                else:
                    self._reply(404, {"ok": False})

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
                path = urlsplit(self.path).path
                if path.startswith("/api/"):
                    method = path[len("/api/"):]
                elif path.startswith("/response/"):
                    method = "response_url"
                else:
                    self._reply(404, {"ok": False, "error": "unknown_path"})
                    return
                ctype = self.headers.get("Content-Type", "")
                args = json.loads(raw) if raw and ctype.startswith("application/json") else dict(parse_qsl(raw))
                failure = stub._take_failure(method)
                call = Call(method, args, time.monotonic(), path, {k.lower(): v for k, v in self.headers.items()})
                with stub._cond:
                    stub.calls.append(call)
                    stub._cond.notify_all()
                if failure is not None:
                    if failure.status == 0:            # connection dropped without an answer
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return
                    if failure.error:
                        self._reply(200, {"ok": False, "error": failure.error})
                    else:
                        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
                        self._reply(failure.status, {"ok": False, "error": "ratelimited" if failure.status == 429
                                                     else "internal_error"}, headers)
                    return
                if method == "response_url":
                    self._reply(200, None, text="ok")
                else:
                    self._reply(200, stub._answer(method, args))

            def _reply(self, status: int, body, headers: dict | None = None, text: str | None = None):
                data = (text if text is not None else json.dumps(body)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain" if text is not None else "application/json")
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
