"""A local stand-in for Slack's Web API and response_urls, for every test and bench script.

    stub = SlackStub().start()          # http://127.0.0.1:<port>; WebClient(base_url=stub.api_url)
    stub.response_url("abc")            # a response_url that records what is posted to it
    stub.wait_for("chat.postMessage", 1)           # block until that many calls arrived
    stub.of("views.open")[0].view()                # recorded calls: method, args, time, headers

It records every call, and it keeps what `chat.postMessage` stored, per conversation, so a sender
can look for a message it may have posted (`conversations.history` with metadata); a post to a
user id lands in that user's DM ("U123" → "D123"), as `conversations.open` says. Failures:

    stub.fail_next(2, status=429, retry_after=1)    # the next 2 calls: 429 Retry-After: 1, not stored
    stub.fail_next(3, status=500, method="chat.postMessage")   # only calls of that method
    stub.fail_next(1, status=500, after_post=True)  # stored, and then answered 500
    stub.fail_next(1, error="channel_not_found")    # HTTP 200 ok:false
    stub.fail_next(1, status=0, after_post=True)    # stored, then the connection drops unanswered
    stub.history_error = "missing_scope"            # conversations.history answers ok:false
    stub.user_locales["U1"] = "en-US"               # users.info(include_locale) answers that locale
    stub.rate_limit_share = 0.1                     # a random 10% of posts answer 429 (bench)
    stub.post_delay = 0.05                          # each post takes this long (slow Slack)
    stub.hang_after_post = 5                        # the 5th stored post never gets its answer
    stub.delivered_keys()                           # Counter of ledger keys stored (metadata)

`SlackStub(fail_method="chat.postMessage")` makes `fail_next` without `method=` apply to posts
only (the reminder tests, where a sender also calls conversations.open/history). Subclasses may
override `_answer(method, args)` to answer more methods. `GET /_calls` lists what was recorded,
for a stub running in another process. Loopback only.
"""
from __future__ import annotations

import itertools
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
import http.client
import socketserver
from urllib.parse import parse_qsl, urlsplit

BOT_USER_ID = "UBOTDESK"
BOT_ID = "BBOTDESK"
TEAM_ID = "T0TEST"


@dataclass
class Call:
    method: str                 # "chat.postMessage", … or "response_url"
    args: dict
    at: float                   # time.monotonic() on arrival
    path: str = ""
    headers: dict = field(default_factory=dict)

    def blocks(self) -> list[dict]:
        b = self.args.get("blocks") or []
        return json.loads(b) if isinstance(b, str) else b

    def view(self) -> dict:
        v = self.args.get("view") or {}
        return json.loads(v) if isinstance(v, str) else v


@dataclass
class _Failure:
    status: int
    retry_after: int | None = None
    error: str | None = None
    method: str | None = None
    after_post: bool = False


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512      # listen backlog: bursts of 100+ concurrent calls


class _HTTPHandler(socketserver.StreamRequestHandler):
    """Just enough HTTP/1.1 for a Web API stub on loopback: a request line, headers, a body of
    Content-Length bytes, keep-alive; subclasses define do_GET / do_POST and answer with
    send_response / send_header / end_headers / wfile (the shape of the stdlib's handler)."""

    protocol_version = "HTTP/1.1"

    def handle(self):
        self.close_connection = False
        while not self.close_connection:
            try:
                line = self.rfile.readline(65537)
            except OSError:
                return
            if not line or not line.strip():
                return
            try:
                self.command, self.path, self.request_version = line.decode("latin-1").split()
                self.headers = http.client.parse_headers(self.rfile)
            except (ValueError, http.client.HTTPException):
                return
            if self.headers.get("Connection", "").lower() == "close" or self.request_version == "HTTP/1.0":
                self.close_connection = True
            self._out: list[bytes] = []
            handler = getattr(self, "do_" + self.command, None)
            if handler is None:
                self.send_response(405)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                handler()
            try:
                self.wfile.flush()
            except OSError:
                return

    def send_response(self, status: int) -> None:
        self._out = [f"HTTP/1.1 {status} {'OK' if status < 400 else 'Error'}\r\n".encode()]

    def send_header(self, name: str, value: str) -> None:
        self._out.append(f"{name}: {value}\r\n".encode("latin-1"))

    def end_headers(self) -> None:
        self._out.append(b"\r\n")
        self.wfile.write(b"".join(self._out))
        self._out = []


class SlackStub:
    def __init__(self, *, seed: int = 0, fail_method: str | None = None):
        self.calls: list[Call] = []
        self.messages: dict[str, list[dict]] = {}       # conversation id -> stored messages
        self.answers: Counter = Counter()               # (method, HTTP status) -> count
        self.fail_method = fail_method
        self.rate_limit_share = 0.0
        self.retry_after_choices: tuple[int, ...] = (0, 1)
        self.post_delay = 0.0
        self.hang_after_post: int | None = None
        self.history_error: str | None = None
        self.user_locales: dict[str, str] = {}           # users.info: user id -> locale ("en-US")
        self.hung = threading.Event()                   # set when the hanging post was stored
        self._failures: list[_Failure] = []
        self._rng = random.Random(seed)
        self._cond = threading.Condition()
        self._ts = itertools.count(1)
        self._stored = 0
        self.server = _Server(("127.0.0.1", 0), self._handler())

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
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
                         name="slack-stub").start()
        return self

    def stop(self) -> None:
        self.hung.set()
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self._cond:
            self.calls.clear()
            self.messages.clear()
            self.answers.clear()
            self._failures.clear()
            self.user_locales.clear()

    def fail_next(self, n: int = 1, *, status: int = 500, retry_after: int | None = None,
                  error: str | None = None, method: str | None = None, after_post: bool = False) -> None:
        """The next `n` calls (to `method`, else `fail_method`, else any) fail: HTTP `status`
        (429 with Retry-After, 5xx), HTTP 200 `{"ok": false, "error": error}` when `error` is
        given, or a dropped connection when `status` is 0; with `after_post`, a post is stored
        first (Slack has it, the caller does not know)."""
        with self._cond:
            self._failures += [_Failure(status, retry_after, error, method or self.fail_method, after_post)] * n

    # ---- what happened ------------------------------------------------------------------------
    def of(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def calls_of(self, method: str) -> list[tuple[dict, float]]:
        return [(c.args, c.at) for c in self.of(method)]

    def posts(self) -> list[dict]:
        with self._cond:
            return [m for msgs in self.messages.values() for m in msgs]

    def delivered_keys(self) -> Counter:
        return Counter(((m.get("metadata") or {}).get("event_payload") or {}).get("key") for m in self.posts())

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                got = [c for c in self.calls if c.method == method]
                left = deadline - time.monotonic()
                if len(got) >= count or left <= 0:
                    return got
                self._cond.wait(left)

    def wait_stored(self, n: int, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._stored < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until no call has arrived for `quiet` seconds (to assert that nothing more comes)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                last = self.calls[-1].at if self.calls else 0.0
            if time.monotonic() - last >= quiet:
                return
            time.sleep(quiet / 3)

    # ---- Slack's behaviour --------------------------------------------------------------------
    @staticmethod
    def _channel_of(target: str) -> str:
        return "D" + target[1:] if target[:1] in "UW" else target   # a user's DM with the bot

    def _take_failure(self, method: str) -> _Failure | None:
        with self._cond:
            for i, f in enumerate(self._failures):
                if f.method in (None, method):
                    return self._failures.pop(i)
            if method == "chat.postMessage" and self.rate_limit_share and self._rng.random() < self.rate_limit_share:
                return _Failure(429, self._rng.choice(self.retry_after_choices))
        return None

    def _store(self, args: dict) -> tuple[dict, int]:
        meta = args.get("metadata")
        if isinstance(meta, str):
            meta = json.loads(meta)
        channel = self._channel_of(args.get("channel") or "")
        with self._cond:
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            blocks = args.get("blocks") or []
            msg = {"ts": ts, "text": args.get("text"), "metadata": meta, "channel": channel,
                   "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks}
            self.messages.setdefault(channel, []).append(msg)
            self._stored += 1
            self._cond.notify_all()
            return {"ok": True, "channel": channel, "ts": ts, "message": {"text": msg["text"], "ts": ts}}, self._stored

    def _history(self, args: dict) -> dict:
        if self.history_error:
            return {"ok": False, "error": self.history_error}
        channel, oldest = args.get("channel", ""), float(args.get("oldest") or 0)
        with self._cond:
            msgs = [m for m in self.messages.get(channel, []) if int(m["ts"].split(".")[0]) >= int(oldest)]
        include = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        out = [{"type": "message", "ts": m["ts"], "text": m["text"],
                **({"metadata": m["metadata"]} if include and m["metadata"] else {})} for m in reversed(msgs)]
        return {"ok": True, "messages": out, "has_more": False, "response_metadata": {"next_cursor": ""}}

    def _answer(self, method: str, args: dict) -> dict:
        """The answer to a call that does not fail (chat.postMessage is stored before this)."""
        if method == "auth.test":
            return {"ok": True, "url": "https://test.slack.com/", "team": "test", "user": "deskbot",
                    "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID}
        if method == "chat.postEphemeral":
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            return {"ok": True, "channel": args.get("channel"), "ts": ts, "message_ts": ts,
                    "message": {"text": args.get("text"), "ts": ts}}
        if method == "conversations.history":
            return self._history(args)
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": self._channel_of(args.get("users", ""))}}
        if method.startswith("views."):
            return {"ok": True, "view": {"id": f"V{next(self._ts)}"}}
        if method == "chat.getPermalink":
            return {"ok": True, "channel": args.get("channel"),
                    "permalink": f"https://test.slack.com/archives/{args.get('channel')}/p{str(args.get('message_ts')).replace('.', '')}"}
        if method == "users.info":
            user = {"id": args.get("user"), "name": "someone"}
            locale = self.user_locales.get(args.get("user") or "")
            if locale and str(args.get("include_locale", "")).lower() in ("1", "true"):
                user["locale"] = locale
            return {"ok": True, "user": user}
        if method == "bots.info":
            return {"ok": True, "bot": {"id": BOT_ID, "user_id": BOT_USER_ID}}
        return {"ok": True}

    def _handler(self):
        stub = self

        class Handler(_HTTPHandler):

            def do_GET(self):
                parts = urlsplit(self.path)
                if parts.path == "/_calls":     # what was recorded, for a stub in another process (bench)
                    with stub._cond:
                        rows = [{"method": c.method, "at": c.at, "channel": c.args.get("channel"),
                                 "thread_ts": c.args.get("thread_ts")} for c in stub.calls]
                    self._reply(200, rows)
                elif parts.path.startswith("/api/"):
                    self._handle(parts.path, dict(parse_qsl(parts.query)))
                else:
                    self._reply(404, {"ok": False})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length)
                if len(data) < length:      # the client died mid-request: Slack never acts on half a request
                    self.close_connection = True
                    return
                raw = data.decode("utf-8")
                ctype = self.headers.get("Content-Type", "")
                args = json.loads(raw) if raw and ctype.startswith("application/json") else dict(parse_qsl(raw))
                self._handle(urlsplit(self.path).path, args)

            def _handle(self, path: str, args: dict):
                if path.startswith("/api/"):
                    method = path[len("/api/"):]
                elif path.startswith("/response/"):
                    method = "response_url"
                else:
                    return self._reply(404, {"ok": False, "error": "unknown_path"})
                call = Call(method, args, time.monotonic(), path, {k.lower(): v for k, v in self.headers.items()})
                with stub._cond:
                    stub.calls.append(call)
                    stub._cond.notify_all()
                if method == "chat.postMessage" and stub.post_delay:
                    time.sleep(stub.post_delay)
                failure = stub._take_failure(method)
                if failure is not None and not failure.after_post:
                    return self._fail(method, failure)
                if method == "response_url":
                    return self._reply(200, None, text="ok", method=method)
                if method != "chat.postMessage":
                    return self._reply(200, stub._answer(method, args), method=method)
                if not args.get("channel"):
                    return self._reply(200, {"ok": False, "error": "channel_not_found"}, method=method)
                body, n = stub._store(args)
                if stub.hang_after_post is not None and n == stub.hang_after_post:
                    stub.hung.set()
                    time.sleep(3600)        # stored, but the answer never comes (until killed)
                    return
                if failure is not None:
                    return self._fail(method, failure)
                self._reply(200, body, method=method)

            def _fail(self, method: str, f: _Failure):
                if f.status == 0:                     # hang up without an answer
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if f.error:
                    return self._reply(200, {"ok": False, "error": f.error}, method=method)
                headers = {"Retry-After": str(f.retry_after)} if f.retry_after is not None else {}
                self._reply(f.status, {"ok": False, "error": "ratelimited" if f.status == 429 else "internal_error"},
                            headers, method=method)

            def _reply(self, status: int, body, headers: dict | None = None, text: str | None = None,
                       method: str | None = None):
                if method:
                    with stub._cond:
                        stub.answers[(method, status)] += 1
                data = (text if text is not None else json.dumps(body)).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain" if text is not None else "application/json; charset=utf-8")
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass    # the client went away (killed)

        return Handler
