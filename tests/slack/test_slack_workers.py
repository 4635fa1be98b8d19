"""`deskbot serve`: gunicorn with the checked-in config, N worker processes on one port.

The real CLI in a subprocess (its Web API client pointed at the stub, its database the test's),
driven with signed requests over fresh connections; `X-Deskbot-Worker` (the worker's pid) says
which worker answered. Exactly-once across workers comes from the database (bot/dedupe.py).
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

from conftest import SECRET, STAFF_CHANNEL, event_body, mention, new_id, sign_headers


class Served:
    """`deskbot serve --workers N` on a free loopback port."""

    def __init__(self, stub, db_url: str, tmp_path, workers: int = 2):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k not in ("SLACK_APP_TOKEN", "WEB_CONCURRENCY")}
        env.update(SLACK_BOT_TOKEN="xoxb-test-token", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=stub.api_url,
                   DATABASE_URL=db_url, DESK_STAFF_CHANNEL=STAFF_CHANNEL, LOG_LEVEL="INFO")
        self.log = open(tmp_path / "serve.log", "w+")
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1",
                                      "--port", str(self.port), "--workers", str(workers)],
                                     cwd=tmp_path, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        self.seen: set[str | None] = set()            # until every worker has answered once
        while len(self.seen) < workers:
            try:
                status, worker = self.request("GET", "/healthz")
                if status == 200:
                    self.seen.add(worker)
            except OSError:
                time.sleep(0.1)                       # not listening yet: nothing to wait on but time
            assert self.proc.poll() is None and time.monotonic() < deadline, self.output()

    def request(self, method: str, path: str, body: str | bytes = "", headers: dict | None = None,
                timeout: float = 20) -> tuple[int, str | None]:
        """One request on a fresh connection (the kernel hands it to one worker): (status, worker)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = body.encode() if isinstance(body, str) else body
            c.request(method, path, body=data or None, headers=headers or {})
            r = c.getresponse()
            r.read()
            return r.status, r.getheader("X-Deskbot-Worker")
        finally:
            c.close()

    def event(self, body: dict, retry: int | None = None) -> tuple[int, str | None]:
        raw = json.dumps(body)
        h = {"Content-Type": "application/json", **sign_headers(raw)}
        if retry:
            h |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return self.request("POST", "/slack/events", raw, h)

    def workers(self) -> list[int]:
        path = f"/proc/{self.proc.pid}/task/{self.proc.pid}/children"
        with open(path) as f:
            return [int(p) for p in f.read().split()]

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.log.close()


import pytest  # noqa: E402


# The server's own behaviour (slow clients, signals, dead workers) does not depend on the database,
# so those tests run once, on SQLite (`sqlite_db`); exactly-once across workers runs on both.
def _served(stub, db, tmp_path):
    started: list[Served] = []

    def start(workers: int = 2) -> Served:
        s = Served(stub, db.url, tmp_path, workers)
        started.append(s)
        return s

    return start, started


@pytest.fixture
def served(stub, db, tmp_path):
    """`deskbot serve` on the test's database (SQLite, and PostgreSQL when set)."""
    start, started = _served(stub, db, tmp_path)
    yield start
    for s in started:
        s.stop()


@pytest.fixture
def served_sqlite(stub, sqlite_db, tmp_path):
    start, started = _served(stub, sqlite_db, tmp_path)
    yield start
    for s in started:
        s.stop()


def test_two_workers_share_the_port_and_a_retry_on_the_other_worker_gets_no_second_reply(served, stub, kb):
    s = served(2)
    assert len(s.seen) == 2                         # both workers take connections

    ts = f"{time.time():.6f}"
    body = event_body(mention(kb.entries["naming-rights"].title.ja, ts=ts), event_id=new_id("Ev"))
    status, first = s.event(body)
    assert status == 200
    other = None
    for n in range(1, 200):                         # Slack's retries, until one lands on the other worker
        status, worker = s.event(body, retry=n)
        assert status == 200
        if worker != first:
            other = worker
            break
    assert other is not None
    stub.wait_for("chat.postMessage", 1)
    stub.settle(quiet=0.5)
    posts = [c for c in stub.of("chat.postMessage") if c.args.get("thread_ts") == ts]
    assert len(posts) == 1, s.output()
    assert kb.entries["naming-rights"].title.ja in json.dumps(posts[0].blocks(), ensure_ascii=False)


def test_simultaneous_deliveries_across_workers_get_one_reply_each(served, stub, kb):
    s = served(2)
    titles = [e.title.ja for e in list(kb.entries.values())[:8]]
    bodies = [event_body(mention(t, ts=f"{time.time():.6f}{i}"), event_id=new_id("Ev")) for i, t in enumerate(titles)]
    sends = [(b, r) for b in bodies for r in (None, None, 1)]     # a duplicate and a retry at once
    barrier = threading.Barrier(len(sends))
    results: list = [None] * len(sends)

    def send(i):
        barrier.wait()
        results[i] = s.event(*sends[i])
    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(sends))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(r is not None and r[0] == 200 for r in results), results
    stub.wait_for("chat.postMessage", len(bodies))
    stub.settle(quiet=0.5)
    threads_replied = [c.args.get("thread_ts") for c in stub.of("chat.postMessage")]
    assert sorted(threads_replied) == sorted(b["event"]["ts"] for b in bodies), s.output()


def test_stalled_clients_do_not_starve_the_workers(served_sqlite, stub, kb):
    """300 connections that stall (silent, half-sent headers, half-sent body) while real signed
    deliveries arrive: every delivery is acknowledged and answered."""
    s = served_sqlite(2)
    stalled: list[socket.socket] = []
    try:
        for i in range(300):
            c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
            if i % 3 == 1:
                c.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n")
            elif i % 3 == 2:
                c.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n{\"type\":")
            stalled.append(c)
        titles = [e.title.ja for e in list(kb.entries.values())[:20]]
        bodies = [event_body(mention(t, ts=f"{time.time():.6f}{i}"), event_id=new_id("Ev")) for i, t in enumerate(titles)]
        results: list = [None] * len(bodies)

        def send(i):
            results[i] = s.event(bodies[i])
        threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert [r and r[0] for r in results] == [200] * len(bodies), (results, s.output())
        stub.wait_for("chat.postMessage", len(bodies), timeout=30)
        assert s.request("GET", "/healthz")[0] == 200
    finally:
        for c in stalled:
            c.close()
    replied = {c.args.get("thread_ts") for c in stub.of("chat.postMessage")}
    assert replied == {b["event"]["ts"] for b in bodies}


def test_the_real_server_refuses_unsigned_junk_with_401_and_oversized_bodies_with_413(served_sqlite, stub):
    s = served_sqlite(1)
    deep = "[" * 100_000 + "]" * 100_000
    for headers in ({}, {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"}):
        assert s.request("POST", "/slack/events", deep, {"Content-Type": "application/json", **headers})[0] == 401
    assert s.request("POST", "/slack/events", b"x" * 1_100_000, {"Content-Type": "application/json"})[0] == 413
    assert s.request("GET", "/nope")[0] == 404
    assert s.request("GET", "/healthz")[0] == 200
    out = s.output()
    assert "Traceback" not in out, out
    stub.settle()
    assert stub.of("chat.postMessage") == []


def test_sigterm_drains_the_replies_in_flight_in_every_worker(served_sqlite, stub, kb):
    s = served_sqlite(2)
    stub.fail_next(2, status=429, retry_after=1, method="chat.postMessage")    # the first replies are slow
    sent, workers = [], set()
    for i in range(200):                            # until each worker has acknowledged one
        ts = f"{time.time():.6f}"
        status, worker = s.event(event_body(mention(kb.entries["naming-rights"].title.ja, ts=ts)))
        assert status == 200
        if worker not in workers:
            workers.add(worker)
            sent.append(ts)
        if len(workers) == 2:
            break
    assert len(workers) == 2
    assert s.stop() == 0                            # SIGTERM to the master, right away
    replied = {c.args.get("thread_ts") for c in stub.of("chat.postMessage")
               if c.args.get("thread_ts") in sent}
    assert replied == set(sent), s.output()


def test_workers_stop_when_their_parent_is_killed(served_sqlite):
    s = served_sqlite(2)
    pids = s.workers()
    assert len(pids) == 2
    s.proc.kill()                                   # no chance to stop its workers
    s.proc.wait(10)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)                             # polling other processes' state: no event to await
    assert not any(_alive(p) for p in pids)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"     # a zombie has exited
    except (FileNotFoundError, IndexError):
        return False


def test_work_after_the_ack_still_runs_while_acks_never_stop():
    from handlers.app import AckFirstExecutor

    ex = AckFirstExecutor(2)
    try:
        with ex.acking():                           # an acknowledgement that never ends …
            assert ex.submit(lambda: 42).result(timeout=10) == 42   # … delays work only boundedly
        assert ex.submit(lambda: 43).result(timeout=10) == 43
    finally:
        ex.shutdown()


def test_a_worker_that_dies_is_replaced(served_sqlite):
    s = served_sqlite(2)
    old = s.workers()
    os.kill(old[0], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (len(s.workers()) < 2 or old[0] in s.workers()):
        time.sleep(0.1)
    new = s.workers()
    assert len(new) == 2 and old[0] not in new and old[1] in new, s.output()
    seen = set()
    while time.monotonic() < deadline and len(seen) < 2:     # the new worker serves
        status, worker = s.request("GET", "/healthz")
        if status == 200:
            seen.add(worker)
    assert seen == {str(p) for p in new}
    assert s.stop() == 0


def test_a_server_that_cannot_reach_slack_stops_with_one_line(stub, sqlite_db, tmp_path):
    with socket.socket() as sk:                     # a Web API address where nothing listens
        sk.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sk.getsockname()[1]}/api/"
    env = {k: v for k, v in os.environ.items() if k not in ("SLACK_APP_TOKEN", "WEB_CONCURRENCY")}
    env.update(SLACK_BOT_TOKEN="xoxb-test-token", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=dead,
               DATABASE_URL=sqlite_db.url)
    proc = subprocess.run([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", "0",
                           "--workers", "2"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert "SLACK_API_URL" in last and dead in last, proc.stderr
