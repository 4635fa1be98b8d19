"""The HTTP front door (`handlers.web.SlackWSGI`, served by gunicorn): health check, request
verification before any parsing, malformed payloads. Driven in-process through WSGI environs
(conftest.Running); the same door behind the real `deskbot serve` is in test_slack_workers.py."""
from __future__ import annotations

import json
import logging
import time

from conftest import SECRET, event_body, mention, sign_headers


def test_healthz_and_unknown_paths(running):
    assert running.get("/healthz") == (200, "ok\ndatabase: ready")
    assert running.get("/nope")[0] == 404
    assert running.post("{}", content_type="application/json", path="/elsewhere")[0] == 404


def test_url_verification_challenge(running):
    body = json.dumps({"token": "x", "challenge": "c-123", "type": "url_verification"})
    status, text = running.post(body, content_type="application/json")
    assert status == 200 and "c-123" in text


def test_bad_stale_and_missing_signatures_get_401(running, stub):
    body = json.dumps(event_body(mention("PFIとは")))
    assert running.post(body, content_type="application/json", secret="wrong-secret")[0] == 401
    assert running.post(body, content_type="application/json", timestamp=int(time.time()) - 600)[0] == 401
    assert running.post(body, content_type="application/json", sign=False)[0] == 401
    # a valid signature over a different body
    h = sign_headers(body.replace("PFI", "PPP"), SECRET)
    assert running.post(body, content_type="application/json", sign=False, headers=h)[0] == 401
    running.settle()
    assert stub.of("chat.postMessage") == []


def test_malformed_payloads_are_logged_and_refused_without_crashing(running, stub, caplog):
    bad = [
        ("{not json", "application/json"),
        ("payload=%7Bbroken", "application/x-www-form-urlencoded"),
        ("[1, 2, 3]", "application/json"),
        ('"just a string"', "application/json"),
    ]
    with caplog.at_level(logging.WARNING, logger="handlers.web"):
        for body, ctype in bad:
            status, _ = running.post(body, content_type=ctype)
            assert status == 400, body
    assert caplog.text.count("malformed Slack payload") == len(bad)
    # unsigned junk is refused as unsigned
    assert running.post("{not json", content_type="application/json", sign=False)[0] == 401
    # an event envelope without its event, and a block_actions payload without actions
    for body, ctype in [(json.dumps({"type": "event_callback", "event_id": "Ev1", "team_id": "T0TEST"}), "application/json"),
                        ("payload=" + json.dumps({"type": "block_actions", "user": {"id": "U1"}}), "application/x-www-form-urlencoded")]:
        status, _ = running.post(body, content_type=ctype)
        assert status < 500, body
    assert running.get("/healthz")[0] == 200 and running.get("/healthz")[1].startswith("ok")          # still serving
    running.settle()
    assert stub.of("chat.postMessage") == []


def test_oversized_body_is_refused_before_it_is_read(running):
    h = {"Content-Type": "application/json", "Content-Length": "1100000"}
    assert running.request("POST", "/slack/events", b"", h)[0] == 413     # the body is never read
    assert running.request("POST", "/slack/events", b"", {**h, "Content-Length": "abc"})[0] == 400
    assert running.get("/healthz")[0] == 200 and running.get("/healthz")[1].startswith("ok")


def test_unsigned_junk_gets_401_before_any_parsing(running, stub, caplog):
    deep = "[" * 100_000 + "]" * 100_000                 # json.loads would hit the recursion limit
    good = sign_headers(deep)
    cases = [
        (deep, {}),                                                        # no signature at all
        (deep, {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"}),
        (deep, {"X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": good["X-Slack-Signature"]}),
        (deep, {"X-Slack-Request-Timestamp": "9" * 400, "X-Slack-Signature": "v0=00"}),
        (deep, {"X-Slack-Request-Timestamp": good["X-Slack-Request-Timestamp"], "X-Slack-Signature": "v0=00"}),
        ('{"type": "event_callback"}', {"X-Slack-Request-Timestamp": "-5", "X-Slack-Signature": "v0=00"}),
        ("payload=" + deep, {"X-Slack-Request-Timestamp": " 1", "X-Slack-Signature": "x"}),
    ]
    with caplog.at_level(logging.DEBUG):
        for body, headers in cases:
            for ctype in ("application/json", "application/x-www-form-urlencoded"):
                status, text = running.post(body, content_type=ctype, sign=False, headers=headers)
                assert status == 401, (headers, ctype, text)
    assert "Traceback" not in caplog.text and "RecursionError" not in caplog.text
    # the same nested body, validly signed: refused as malformed, not a 500
    assert running.post(deep, content_type="application/json")[0] == 400
    assert running.get("/healthz")[0] == 200 and running.get("/healthz")[1].startswith("ok")
    running.settle()
    assert stub.of("chat.postMessage") == []


def test_a_signed_event_that_is_not_an_object_does_not_crash_the_error_handler(running, stub, caplog):
    import json as _json

    from conftest import new_id

    with caplog.at_level(logging.ERROR):
        for event in ("not an object", [1, 2], 42, None, {"type": ["x"]}, {"type": "app_mention", "text": 5}):
            body = _json.dumps({"token": "x", "team_id": "T0TEST", "api_app_id": "A0TEST", "type": "event_callback",
                                "event_id": new_id("Ev"), "event_time": int(time.time()), "event": event})
            status, _ = running.post(body, content_type="application/json")
            assert status in (200, 400), (event, status)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    # our error handler ran without failing itself (it logs one line per failed listener)
    assert not any("Error in" in r.getMessage() and "error handler" in r.getMessage() for r in errors), caplog.text
    assert not any(isinstance(r.exc_info[1] if r.exc_info else None, AttributeError) and r.name == "handlers.bolt"
                   and "_on_error" in (r.exc_text or "") for r in errors)
    assert running.get("/healthz")[0] == 200 and running.get("/healthz")[1].startswith("ok")
    running.settle()
    assert stub.of("chat.postMessage") == []


def test_shutdown_drains_replies_already_acknowledged(make_running, stub, kb):
    from conftest import mention

    from handlers.app import drain

    running = make_running(threaded=True)          # the production pool: the reply is still under way
    stub.fail_next(1, status=429, retry_after=1, method="chat.postMessage")   # the reply is slow
    assert running.event(mention(kb.entries["naming-rights"].title.ja))[0] == 200
    running.stop()                                  # SIGTERM: the server stops taking requests …
    assert drain(running.app, timeout=10)           # … and waits for the reply in flight
    assert len(stub.of("chat.postMessage")) == 2 and stub.of("chat.postMessage")[1].blocks()


def test_the_error_handler_survives_any_body_shape(running, caplog):
    import json as _json

    from slack_bolt import BoltRequest
    from slack_bolt.response import BoltResponse

    handler = running.app._middleware_error_handler          # our @app.error (_on_error)
    with caplog.at_level(logging.ERROR, logger="handlers.bolt"):
        for body in ({"type": "event_callback", "event": "a string"}, {"type": "event_callback", "event": [1]},
                     {"type": ["x"], "event": {"type": {"y": 1}}}):
            # (an `event` of None or a number breaks Bolt itself before our handler: SlackWSGI refuses those)
            req = BoltRequest(body=_json.dumps(body), headers={"content-type": ["application/json"]})
            handler.handle(error=RuntimeError("listener broke"), request=req, response=BoltResponse(status=500))
    lines = [r.getMessage() for r in caplog.records if r.name == "handlers.bolt"]
    assert lines == ["listener failed on event_callback: RuntimeError"] * 2 + ["listener failed on request: RuntimeError"], lines


def test_a_request_is_complete_only_with_its_whole_body():
    from handlers.gunicorn_worker import MAX_HEAD, request_complete

    head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"
    assert not request_complete(head[:20])
    assert not request_complete(head + b"abc")
    assert request_complete(head + b"abcde")
    assert request_complete(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    # handed over at once (the parser or the app answers): chunked, 100-continue, junk, oversized
    assert request_complete(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
    assert request_complete(b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 9\r\n\r\n")
    assert request_complete(b"POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n")
    assert request_complete(b"POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n")
    assert request_complete(b"X" * (MAX_HEAD + 1))


def test_the_web_app_starts_and_answers_while_the_database_is_away(stub, desk, tmp_path):
    """A database that cannot be reached at start (here: a SQLite file whose folder is missing)
    does not stop the web app: it answers mentions, and /healthz says it is waiting."""
    from bot.db import make_engine

    from tests.slack.conftest import Running, make_settings, mention

    away = make_engine(f"sqlite:///{tmp_path / 'not-there' / 'db.sqlite3'}")
    (tmp_path / "not-there").rmdir()          # make_engine created the folder: take it away again
    r = Running.build(make_settings(stub), stub, desk=desk, db=away)
    assert r.get("/healthz") == (200, "ok\ndatabase: waiting")
    assert r.event(mention("PFIとは", channel="CAWAY0001"))[0] == 200
    [call] = stub.wait_for("chat.postMessage")
    assert call.args["channel"] == "CAWAY0001"
