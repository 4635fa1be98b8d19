"""A local stand-in for the parts of Slack's Web API that reminders use, keeping what was posted.

Unlike a plain call recorder it keeps channel histories, so a sender can look for a message it may
have posted (`conversations.history` with metadata), and it can fail in the ways that matter for
exactly-once delivery:

    stub = ReminderSlackStub().start()              # WebClient(base_url=stub.api_url)
    stub.fail_next(2, status=429, retry_after=1)    # next 2 posts: 429 Retry-After: 1, not stored
    stub.fail_next(1, status=500, after_post=True)  # stored, and then answered 500
    stub.fail_next(1, error="channel_not_found")    # HTTP 200 ok:false
    stub.fail_next(1, status=0, after_post=True)    # stored, then the connection drops unanswered
    stub.rate_limit_share = 0.1                     # a random 10% of posts answer 429 (bench)
    stub.post_delay = 0.05                          # each post takes this long (slow Slack)
    stub.hang_after_post = 5                        # the 5th stored post never gets its answer
    stub.delivered_keys()                           # Counter of ledger keys stored

Loopback only; used by tests/reminders and bench/bench_reminders.py.
"""
from __future__ import annotations

import itertools
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    error: str | None
    after_post: bool


class ReminderSlackStub:
    def __init__(self, *, seed: int = 0):
        self.messages: dict[str, list[dict]] = {}       # channel id -> stored messages
        self.calls: list[tuple[str, dict, float]] = []  # (method, args, monotonic time)
        self.answers: Counter = Counter()               # (method, status) -> count
        self.rate_limit_share = 0.0
        self.retry_after_choices: tuple[int, ...] = (0, 1)
        self.post_delay = 0.0
        self.hang_after_post: int | None = None
        self.history_error: str | None = None           # e.g. "missing_scope" for conversations.history
        self.hung = threading.Event()                   # set when the hanging post was stored
        self._failures: list[_Failure] = []
        self._rng = random.Random(seed)
        self._lock = threading.Condition()
        self._ts = itertools.count(1)
        self._stored = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.server.request_queue_size = 512

    # ---- control --------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def start(self) -> "ReminderSlackStub":
        threading.Thread(target=self.server.serve_forever, daemon=True, name="reminder-slack-stub").start()
        return self

    def stop(self) -> None:
        self.hung.set()
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, n: int = 1, *, status: int = 500, retry_after: int | None = None,
                  error: str | None = None, after_post: bool = False) -> None:
        with self._lock:
            self._failures += [_Failure(status, retry_after, error, after_post)] * n

    def delivered_keys(self) -> Counter:
        with self._lock:
            return Counter(((m.get("metadata") or {}).get("event_payload") or {}).get("key")
                           for msgs in self.messages.values() for m in msgs)

    def posts(self) -> list[dict]:
        with self._lock:
            return [m for msgs in self.messages.values() for m in msgs]

    def calls_of(self, method: str) -> list[tuple[dict, float]]:
        with self._lock:
            return [(a, t) for m, a, t in self.calls if m == method]

    def wait_stored(self, n: int, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._stored < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True

    # ---- Slack behaviour -------------------------------------------------------------------
    @staticmethod
    def _channel_of(target: str) -> str:
        return "D" + target[1:] if target[:1] in "UW" else target   # a user's DM with the bot

    def _store(self, args: dict) -> dict:
        meta = args.get("metadata")
        if isinstance(meta, str):
            meta = json.loads(meta)
        channel = self._channel_of(args["channel"])
        with self._lock:
            ts = f"{time.time():.0f}.{next(self._ts):06d}"
            msg = {"ts": ts, "text": args.get("text"), "metadata": meta, "channel": channel}
            self.messages.setdefault(channel, []).append(msg)
            self._stored += 1
            n = self._stored
            self._lock.notify_all()
        return {"ok": True, "channel": channel, "ts": ts, "message": {"text": msg["text"], "ts": ts}}, n

    def _history(self, args: dict) -> dict:
        channel, oldest = args.get("channel", ""), float(args.get("oldest") or 0)
        with self._lock:
            msgs = [m for m in self.messages.get(channel, []) if float(m["ts"].split(".")[0]) >= int(oldest)]
        include = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        out = [{"type": "message", "ts": m["ts"], "text": m["text"],
                **({"metadata": m["metadata"]} if include and m["metadata"] else {})} for m in reversed(msgs)]
        return {"ok": True, "messages": out, "has_more": False, "response_metadata": {"next_cursor": ""}}

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                self._handle(dict(parse_qsl(urlsplit(self.path).query)))

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
                ctype = self.headers.get("Content-Type", "")
                args = json.loads(raw) if raw and ctype.startswith("application/json") else dict(parse_qsl(raw))
                self._handle(args)

            def _handle(self, args: dict):
                method = urlsplit(self.path).path.removeprefix("/api/")
                with stub._lock:
                    stub.calls.append((method, args, time.monotonic()))
                if method == "chat.postMessage":
                    self._post(args)
                elif method == "conversations.history":
                    self._reply(200, {"ok": False, "error": stub.history_error} if stub.history_error
                                else stub._history(args))
                elif method == "conversations.open":
                    self._reply(200, {"ok": True, "channel": {"id": stub._channel_of(args.get("users", ""))}})
                elif method == "auth.test":
                    self._reply(200, {"ok": True, "user_id": "UBOT", "team_id": "T0"})
                else:
                    self._reply(200, {"ok": True})

            def _post(self, args: dict):
                if stub.post_delay:
                    time.sleep(stub.post_delay)
                with stub._lock:
                    failure = stub._failures.pop(0) if stub._failures else None
                    if failure is None and stub.rate_limit_share and stub._rng.random() < stub.rate_limit_share:
                        failure = _Failure(429, stub._rng.choice(stub.retry_after_choices), None, False)
                if failure and not failure.after_post:
                    return self._fail(failure)
                body, n = stub._store(args)
                if stub.hang_after_post is not None and n == stub.hang_after_post:
                    stub.hung.set()
                    time.sleep(3600)        # stored, but the answer never comes (until killed)
                    return
                if failure:
                    return self._fail(failure)
                self._reply(200, body)

            def _fail(self, f: _Failure):
                if f.status == 0:                     # hang up without an answer
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if f.error:
                    return self._reply(200, {"ok": False, "error": f.error})
                headers = {"Retry-After": str(f.retry_after)} if f.retry_after is not None else {}
                self._reply(f.status, {"ok": False, "error": "ratelimited" if f.status == 429 else "internal_error"},
                            headers)

            def _reply(self, status: int, body: dict, headers: dict | None = None):
                with stub._lock:
                    stub.answers[(urlsplit(self.path).path.removeprefix("/api/"), status)] += 1
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass    # the client went away (killed)

        return Handler
