"""Fixtures for the Slack app tests: the real Bolt app behind its WSGI front door, its Web API
client pointed at the local stub (`tests/slack_stub.py`), the real answer engine over the shipped
knowledge, on SQLite and (when TEST_POSTGRES_URL is set) PostgreSQL.

One database (`slack_db`, tests/conftest.py) and one Desk per backend for the whole session
(building the index takes about a second); tests stay independent by using fresh event ids,
users and channels.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import json
import time
import uuid
from concurrent.futures import Executor, Future
from urllib.parse import urlencode

import pytest

from slack_stub import BOT_USER_ID, TEAM_ID, SlackStub

from bot.config import Settings

SECRET = "test-signing-secret"
STAFF_CHANNEL = "CSTAFF0001"


# ---- infrastructure -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def stub():
    s = SlackStub().start()
    yield s
    s.stop()


@pytest.fixture(autouse=True)
def _clean_stub(stub):
    stub.reset()
    yield
    stub.reset()


@pytest.fixture(scope="session")
def kb():
    from bot.config import get_settings
    from bot.knowledge import load_knowledge

    return load_knowledge(get_settings().knowledge_dir)


@pytest.fixture(scope="session")
def desk(kb, slack_db):
    from bot.engine import Desk

    return Desk(kb, engine=slack_db)


def make_settings(stub, **over) -> Settings:
    base = dict(slack_bot_token="xoxb-test-token", slack_signing_secret=SECRET, slack_api_url=stub.api_url,
                desk_staff_channel=STAFF_CHANNEL, database_url="sqlite://",
                slack_retry_backoff=0.0)          # retries of 5xx and dropped connections at once
    base.update(over)
    return Settings(**base)


class InlineExecutor(Executor):
    """Runs the work after the ack (Bolt lazy listeners, `Deps.defer`) at once, in the request's
    thread, as bolt-python's own tests do: when a request returns, everything it caused has
    happened, so a test asserts on the outcome without waiting or polling."""

    def submit(self, fn, /, *args, **kwargs):
        f = Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001 — kept in the future, as a pool would
            f.set_exception(e)
        return f


class Running:
    """One app behind its WSGI front door (`handlers.web.SlackWSGI`, what gunicorn serves),
    driven in-process: each request is a WSGI environ as gunicorn builds it, so everything from
    the signature check on runs for real; the HTTP server itself is tested with the real
    `deskbot serve` (test_slack_workers.py). The work after the ack runs inline (InlineExecutor)
    unless the app was built with its own worker pool."""

    def __init__(self, app, settings, stub=None):
        from handlers.web import make_wsgi

        self.app, self.settings, self.stub = app, settings, stub
        self.wsgi = make_wsgi(app, settings)
        self.stopped = False

    @classmethod
    def build(cls, settings, stub=None, *, threaded: bool = False, **kw) -> "Running":
        """`build_app(settings, **kw)` behind its front door; `threaded`: with the production
        worker pool (then `settle()` waits for Slack calls to stop arriving)."""
        from handlers.app import build_app

        return cls(build_app(settings, executor=None if threaded else InlineExecutor(), **kw), settings, stub)

    @property
    def inline(self) -> bool:
        return isinstance(getattr(self.app, "deskbot_executor", None), InlineExecutor)

    def settle(self) -> None:
        """Until the work after the acks is over: at once when it ran inline."""
        if not self.inline:
            self.stub.settle()

    def stop(self):
        self.stopped = True

    def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None) -> tuple[int, str]:
        assert not self.stopped, "the app was stopped"
        path, _, query = path.partition("?")
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
                   "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.input": io.BytesIO(body),
                   "CONTENT_LENGTH": str(len(body))}
        for k, v in (headers or {}).items():
            key = k.upper().replace("-", "_")
            environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = v
        out = {}

        def start_response(status, hdrs):
            out["status"] = int(status.split()[0])

        chunks = self.wsgi(environ, start_response)
        return out["status"], b"".join(chunks).decode()

    def post(self, body: str, *, content_type: str, secret: str = SECRET, timestamp: int | None = None,
             headers: dict | None = None, path: str = "/slack/events", sign: bool = True) -> tuple[int, str]:
        h = {"Content-Type": content_type}
        if sign:
            h.update(sign_headers(body, secret, timestamp))
        h.update(headers or {})
        return self.request("POST", path, body.encode(), h)

    def get(self, path: str) -> tuple[int, str]:
        return self.request("GET", path)

    # Slack's three request shapes
    def event(self, event: dict, *, event_id: str | None = None, retry: int | None = None, **kw):
        body = event_body(event, event_id=event_id)
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return self.post(json.dumps(body), content_type="application/json", headers=headers, **kw)

    def command(self, text: str, *, response_url: str, user="UASKER01", channel="CPUBLIC01", **kw):
        form = {"token": "x", "team_id": TEAM_ID, "team_domain": "test", "channel_id": channel,
                "channel_name": "general", "user_id": user, "user_name": "asker", "command": "/desk",
                "text": text, "api_app_id": "A0TEST", "response_url": response_url,
                "trigger_id": "1337.42.abcd"}
        return self.post(urlencode(form), content_type="application/x-www-form-urlencoded", **kw)

    def click(self, action_id: str, value: str, *, response_url: str | None, user="UASKER01",
              channel="CPUBLIC01", container: dict | None = None, view: dict | None = None,
              message: dict | None = None, **kw):
        payload = {"type": "block_actions", "team": {"id": TEAM_ID, "domain": "test"},
                   "user": {"id": user, "team_id": TEAM_ID}, "api_app_id": "A0TEST", "token": "x",
                   "trigger_id": "1337.42.abcd",
                   "container": container or {"type": "message", "message_ts": "1.2", "channel_id": channel},
                   "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value,
                                "action_ts": str(time.time())}]}
        if response_url:
            payload["response_url"] = response_url
        if message is not None:             # the message the button is on (Slack sends it)
            payload["message"] = message
        if view is None:
            payload["channel"] = {"id": channel}
        else:
            payload["view"] = view
        return self.post(urlencode({"payload": json.dumps(payload)}),
                         content_type="application/x-www-form-urlencoded", **kw)


def sign_headers(body: str, secret: str = SECRET, timestamp: int | None = None) -> dict:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    sig = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}


def event_body(event: dict, *, event_id: str | None = None) -> dict:
    return {"token": "x", "team_id": TEAM_ID, "api_app_id": "A0TEST", "type": "event_callback",
            "event_id": event_id or new_id("Ev"), "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
            "event": event}


def new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:10].upper()


def mention(text: str, *, user="UASKER01", channel="CPUBLIC01", ts=None, **extra) -> dict:
    ev = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER_ID}> {text}", "channel": channel,
          "ts": ts or f"{time.time():.6f}", "event_ts": f"{time.time():.6f}"}
    ev.update(extra)
    return ev


def dm(text: str, *, user="UASKER01", channel="DDIRECT01", **extra) -> dict:
    ev = {"type": "message", "channel_type": "im", "user": user, "text": text, "channel": channel,
          "ts": f"{time.time():.6f}", "event_ts": f"{time.time():.6f}"}
    ev.update(extra)
    return ev


@pytest.fixture
def make_running(stub, desk, slack_db):
    """make_running(threaded=False, **settings) -> Running: an app and its WSGI front door
    (work after the ack inline, or on the production pool); stopped after the test."""
    started: list[Running] = []

    def make(*, threaded: bool = False, **over) -> Running:
        settings = make_settings(stub, **over)
        r = Running.build(settings, stub, threaded=threaded, desk=desk, db=slack_db)
        started.append(r)
        return r

    yield make
    for r in started:
        r.stop()


@pytest.fixture
def running(make_running) -> Running:
    return make_running()


# ---- Block Kit validity ---------------------------------------------------------------------------

def valid_blocks(blocks, limit: int = 50) -> list[dict]:
    """Re-parse blocks with slack_sdk's models and run their validators (raises when invalid)."""
    from slack_sdk.models.blocks import Block

    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    assert 0 < len(blocks) <= limit, f"{len(blocks)} blocks"
    parsed = Block.parse_all(blocks)
    assert len(parsed) == len(blocks) and all(p is not None for p in parsed)
    return [p.to_dict() for p in parsed]


def valid_view(view) -> dict:
    from slack_sdk.models.views import View

    if isinstance(view, str):
        view = json.loads(view)
    v = View(**view)
    v.validate_json()
    valid_blocks([b if isinstance(b, dict) else b.to_dict() for b in v.blocks], limit=100)
    return view


def texts(blocks) -> str:
    """All human-readable text in blocks, joined (for 'mentions the title' style assertions)."""
    out: list[str] = []

    def walk(x):
        if isinstance(x, dict):
            for k, v in x.items():
                if k == "text" and isinstance(v, str):
                    out.append(v)
                else:
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(blocks)
    return "\n".join(out)


def buttons(blocks) -> list[dict]:
    out = []
    for b in blocks:
        for el in b.get("elements", []) if b.get("type") == "actions" else []:
            if el.get("type") == "button":
                out.append(el)
        acc = b.get("accessory")
        if acc and acc.get("type") == "button":
            out.append(acc)
    return out
