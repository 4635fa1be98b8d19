"""`deskbot serve --workers N`: pre-forked processes on one port, each with its own Bolt app.

The real CLI in a subprocess (its Web API client pointed at the stub, its database the test's),
driven with signed requests over fresh connections; `X-Deskbot-Worker` says which worker answered.
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

import pytest
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
        deadline = time.monotonic() + 60
        self.seen: set[str | None] = set()            # until every worker has answered once
        while len(self.seen) < workers:
            try:
                status, worker = self.request("GET", "/healthz")
                if status == 200:
                    self.seen.add(worker)
            except OSError:
                time.sleep(0.1)
            assert self.proc.poll() is None and time.monotonic() < deadline, self.output()

    def request(self, method: str, path: str, body: str = "", headers: dict | None = None) -> tuple[int, str | None]:
        """One request on a fresh connection (the kernel hands it to one worker): (status, worker)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            c.request(method, path, body=body.encode() or None, headers=headers or {})
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
            return self.proc.wait(timeout=40)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.log.close()


@pytest.fixture
def served(stub, db, tmp_path):
    started: list[Served] = []

    def start(workers: int = 2) -> Served:
        s = Served(stub, db.url, tmp_path, workers)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


def test_two_workers_share_the_port_and_a_retry_on_the_other_worker_gets_no_second_reply(served, stub, kb):
    s = served(2)
    assert s.seen == {"1", "2"}                     # both workers take connections

    ts = f"{time.time():.6f}"
    body = event_body(mention(kb.entries["naming-rights"].title.ja, ts=ts), event_id=new_id("Ev"))
    status, first = s.event(body)
    assert status == 200
    other = None
    for n in range(1, 100):                         # Slack's retries, until one lands on the other worker
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


def test_sigterm_drains_the_replies_in_flight_in_every_worker(served, stub, kb):
    s = served(2)
    stub.fail_next(2, status=429, retry_after=1, method="chat.postMessage")    # the first replies are slow
    sent, workers = [], set()
    for i in range(50):                             # until each worker has acknowledged one
        ts = f"{time.time():.6f}"
        status, worker = s.event(event_body(mention(kb.entries["naming-rights"].title.ja, ts=ts)))
        assert status == 200
        if worker not in workers:
            workers.add(worker)
            sent.append(ts)
        if workers == {"1", "2"}:
            break
    assert workers == {"1", "2"}
    assert s.stop() == 0                            # SIGTERM to the parent, right away
    replied = {c.args.get("thread_ts") for c in stub.of("chat.postMessage")
               if c.args.get("thread_ts") in sent}
    assert replied == set(sent), s.output()


def test_workers_stop_when_their_parent_is_killed(served):
    s = served(2)
    pids = s.workers()
    assert len(pids) == 2
    s.proc.kill()                                   # no chance to stop its workers
    s.proc.wait(10)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{p}") and _alive(p) for p in pids):
        time.sleep(0.1)
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


def test_a_worker_that_dies_is_replaced(served):
    from handlers.app import RESPAWN_AFTER

    s = served(2)
    time.sleep(RESPAWN_AFTER + 0.5)                 # sooner, a death counts as a broken set-up
    old = s.workers()
    os.kill(old[0], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (len(s.workers()) < 2 or old[0] in s.workers()):
        time.sleep(0.1)
    new = s.workers()
    assert len(new) == 2 and old[0] not in new and old[1] in new, s.output()
    seen = set()
    while time.monotonic() < deadline and seen != {"1", "2"}:     # the new worker serves
        seen.add(s.request("GET", "/healthz")[1])
    assert seen == {"1", "2"}
    assert s.stop() == 0


def test_workers_that_cannot_start_stop_the_server_with_an_error(stub, db, tmp_path):
    with socket.socket() as sk:                     # a Web API address where nothing listens
        sk.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sk.getsockname()[1]}/api/"
    env = {k: v for k, v in os.environ.items() if k not in ("SLACK_APP_TOKEN", "WEB_CONCURRENCY")}
    env.update(SLACK_BOT_TOKEN="xoxb-test-token", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=dead,
               DATABASE_URL=db.url)
    proc = subprocess.run([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", "0",
                           "--workers", "2"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "right after starting; stopping" in proc.stderr
