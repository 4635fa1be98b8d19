"""The HTTP front door: health check, request verification, malformed payloads."""
from __future__ import annotations

import json
import logging
import time

from conftest import SECRET, event_body, mention, sign_headers


def test_healthz_and_unknown_paths(running):
    assert running.get("/healthz") == (200, "ok")
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
    stub.settle()
    assert stub.of("chat.postMessage") == []


def test_malformed_payloads_are_logged_and_refused_without_crashing(running, stub, caplog):
    bad = [
        ("{not json", "application/json"),
        ("payload=%7Bbroken", "application/x-www-form-urlencoded"),
        ("[1, 2, 3]", "application/json"),
        ('"just a string"', "application/json"),
    ]
    with caplog.at_level(logging.WARNING, logger="handlers.app"):
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
    assert running.get("/healthz") == (200, "ok")          # still serving
    stub.settle()
    assert stub.of("chat.postMessage") == []


def test_oversized_body_is_refused_before_it_is_read(running):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", int(running.url.rsplit(":", 1)[1]), timeout=5)
    conn.putrequest("POST", "/slack/events")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", "1100000")
    conn.endheaders()                                    # the body never comes: no need to read it
    assert conn.getresponse().status == 413
    conn.close()
    assert running.get("/healthz") == (200, "ok")


def test_shutdown_drains_replies_already_acknowledged(make_running, stub, kb):
    from conftest import mention

    from handlers.app import drain

    running = make_running()
    stub.fail_next(1, status=429, retry_after=1, method="chat.postMessage")   # the reply is slow
    assert running.event(mention(kb.entries["naming-rights"].title.ja))[0] == 200
    running.stop()                                  # SIGTERM: the server stops taking requests …
    assert drain(running.app, timeout=10)           # … and waits for the reply in flight
    assert len(stub.of("chat.postMessage")) == 2 and stub.of("chat.postMessage")[1].blocks()
