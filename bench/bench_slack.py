"""HTTP mode under load: signed `app_mention` events at 20 and 100 concurrent requests.

Separate processes on loopback: the apps, each under gunicorn with the checked-in config
(`handlers/gunicorn_conf.py`, as `deskbot serve` runs it: same worker class, threads, workers),
the Slack Web API stub (tests/slack_stub.py), and this load generator (one thread and a
selector; each concurrent delivery has its own keep-alive connection). For each event: ack
latency (HTTP round trip of the event delivery) and time until the stub receives the reply's
`chat.postMessage` (CLOCK_MONOTONIC is shared by processes). A tenth of the events are
delivered twice more (a duplicate, and a Slack retry with X-Slack-Retry-Num) to count duplicate
replies; events without a reply count as lost. Then the top level once more while `--stalled`
connections (silent, half-sent headers, half-sent body) are held open to the app.

Baseline, measured in the same run under the same gunicorn config: a bare Bolt app behind
Bolt's own WSGI adapter (`slack_bolt.adapter.wsgi.SlackRequestHandler`) whose listener only acks
and, in a lazy listener, posts a fixed text (no engine, no database, no exactly-once check).

    .venv/bin/python bench/bench_slack.py [--events 500] [--levels 20 100] [--workers 2] [--stalled 300]

Goals (issue #11): deskbot's ack p99 within 1.5× bare Bolt's; (issue #3) ack p99 < 100 ms and
reply p99 < 500 ms at 100 concurrent; zero duplicates, zero lost. Bounded: every wait has a
timeout; the child processes are stopped at the end.
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import multiprocessing as mp
import os
import selectors
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

SECRET = "bench-signing-secret"
BOT = "UBOTDESK"


# ---- child processes ----------------------------------------------------------------------------

def run_stub(q):
    import logging

    logging.disable(logging.CRITICAL)
    from slack_stub import SlackStub

    s = SlackStub()
    q.put(s.url)
    s.server.serve_forever()


def run_app(kind: str, stub_url: str, db_url: str, q, workers: int = 1):
    """One app on a free loopback port under gunicorn with the checked-in config
    (handlers/gunicorn_conf.py, `deskbot serve`'s): deskbot's real app and front door, or the
    bare Bolt baseline behind Bolt's own WSGI adapter."""
    import logging

    logging.basicConfig(level=logging.WARNING)
    from bot.config import Settings
    from handlers.web import run_gunicorn

    settings = Settings(slack_bot_token="xoxb-bench", slack_signing_secret=SECRET,
                        slack_api_url=stub_url + "/api/", database_url=db_url)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    options = {"loglevel": "warning"}
    if kind == "deskbot":
        from bot.db import get_engine
        from bot.engine import Desk
        from handlers.app import build_app
        from handlers.web import make_wsgi

        desk = Desk.load(settings, engine=get_engine(db_url))
        wsgi = make_wsgi(build_app(settings, desk=desk), settings)
    else:
        from concurrent.futures import ThreadPoolExecutor as TPE

        from slack_bolt import App
        from slack_bolt.adapter.wsgi import SlackRequestHandler

        from handlers.app import build_client

        app = App(client=build_client(settings), signing_secret=SECRET, process_before_response=True,
                  listener_executor=TPE(max_workers=32))

        def ack(ack):
            ack()

        def post(event, client):
            client.chat_postMessage(channel=event["channel"], thread_ts=event["ts"], text="ok")

        app.event("app_mention")(ack=ack, lazy=[post])
        wsgi = SlackRequestHandler(app)
    q.put(port)
    run_gunicorn(wsgi, bind=f"127.0.0.1:{port}", workers=workers, options=options)


def wait_listening(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def stall(port: int, n: int) -> list[socket.socket]:
    """`n` connections that stall: silent, half-sent headers, half-sent body (a third each)."""
    out = []
    for i in range(n):
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        if i % 3 == 1:
            c.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n")
        elif i % 3 == 2:
            c.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n{")
        out.append(c)
    return out


# ---- load generator -----------------------------------------------------------------------------

def request_bytes(body: str, retry: str | None = None) -> bytes:
    """A signed event delivery as Slack sends it, ready to write to a socket."""
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    data = body.encode()
    head = (f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"X-Slack-Request-Timestamp: {ts}\r\nX-Slack-Signature: {sig}\r\n")
    if retry:
        head += f"X-Slack-Retry-Num: {retry}\r\nX-Slack-Retry-Reason: http_timeout\r\n"
    return (head + f"Content-Length: {len(data)}\r\n\r\n").encode() + data


class Conn:
    """One keep-alive connection of the load generator (one request at a time)."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def response(self) -> int | None:
        """The status once a whole response is in `buf` (then consumed), else None."""
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = self.buf[:end].decode("latin-1").split("\r\n")
        length = next((int(h.split(":", 1)[1]) for h in head[1:] if h.lower().startswith("content-length:")), 0)
        if len(self.buf) < end + 4 + length:
            return None
        self.buf = self.buf[end + 4 + length:]
        return int(head[0].split()[1])


def round_trips(items: list[tuple[Conn, bytes]], timeout: float = 15) -> list[tuple[float, float, int]]:
    """Send every request at once and wait for the answers, in one thread: (t0, t1, status) each.

    A single thread with a selector instead of one thread per request: with 100 Python threads the
    generator's own GIL queue (sending and noting the arrival time) was part of the "latency" it
    measured, and its CPU competed with the app on the same cores."""
    sel = selectors.DefaultSelector()
    out: list[list] = [[0.0, 0.0, 0] for _ in items]
    for i, (c, data) in enumerate(items):
        sel.register(c.sock, selectors.EVENT_READ, i)
    for i, (c, data) in enumerate(items):
        out[i][0] = time.monotonic()
        try:
            c.sock.sendall(data)
        except OSError:
            out[i][1], out[i][2] = time.monotonic(), -1
            sel.unregister(c.sock)
    pending = sum(1 for r in out if r[2] == 0)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(0.5):
            i, c = key.data, items[key.data][0]
            try:
                chunk = c.sock.recv(65536)
            except OSError:
                chunk = b""
            now = time.monotonic()
            c.buf += chunk
            status = c.response() if chunk else -1
            if status is not None:
                out[i][1], out[i][2] = now, status
                sel.unregister(c.sock)
                pending -= 1
    for key in list(sel.get_map().values()):              # timed out
        out[key.data][1], out[key.data][2] = time.monotonic(), -1
    sel.close()
    return [tuple(r) for r in out]


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def stub_calls(stub_url: str) -> list[dict]:
    host, port = stub_url.removeprefix("http://").split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    c.request("GET", "/_calls")
    rows = json.loads(c.getresponse().read())
    c.close()
    return rows


def _event(i: int, question: str) -> tuple[str, str]:
    ts = f"{1800000000 + i}.{uuid.uuid4().int % 10**6:06d}"
    ev = {"type": "app_mention", "user": "UBENCH01", "channel": "CBENCH01", "ts": ts, "event_ts": ts,
          "text": f"<@{BOT}> {question}"}
    body = {"token": "x", "team_id": "T0TEST", "api_app_id": "A0", "type": "event_callback",
            "event_id": "Ev" + uuid.uuid4().hex[:12], "event_time": int(time.time()), "event": ev,
            "authorizations": [{"team_id": "T0TEST", "user_id": BOT, "is_bot": True}]}
    return ts, json.dumps(body)


def _replies(stub_url: str, start: int) -> list[dict]:
    return [c for c in stub_calls(stub_url)[start:] if c["method"] == "chat.postMessage"]


def drive(ports: list[int], stub_url: str, questions: list[str], n_events: int, concurrency: int) -> dict:
    """Bursts of `concurrency` simultaneous event deliveries (each on its own keep-alive
    connection, all written at once), each burst followed by a redelivery of a tenth of its
    events (a duplicate and a Slack retry, at the same time, on other connections), then a wait
    for the burst's replies before the next burst. With several web processes (`--web`),
    deliveries alternate between them and a redelivery goes to another process than the first
    delivery (as behind a load balancer); pre-forked workers share a port and the kernel hands
    each connection to one of them."""
    conns: dict[tuple[str, int, int], Conn] = {}
    sent_at: dict[str, float] = {}
    acks: list[float] = []
    errors = 0

    def conn(kind: str, slot: int, port: int) -> Conn:
        key = (kind, slot, port)
        if key not in conns:
            conns[key] = Conn(port)
        return conns[key]

    def deliver(items: list[tuple[Conn, bytes]]) -> list[tuple[float, float, int]]:
        nonlocal errors
        results = round_trips(items)
        for (c, _), (_, _, status) in zip(items, results):
            if status != 200:
                errors += 1
                conns.pop(next(k for k, v in conns.items() if v is c), None)
                c.sock.close()
        return results

    start = len(stub_calls(stub_url))
    n = 0
    while n < n_events:
        burst = [_event(n + k, questions[(n + k) % len(questions)]) for k in range(concurrency)]
        n += len(burst)
        items = [(conn("burst", k, ports[k % len(ports)]), request_bytes(body)) for k, (_, body) in enumerate(burst)]
        for (ts, _), (t0, t1, status) in zip(burst, deliver(items)):
            sent_at[ts] = t0
            acks.append((t1 - t0) * 1000)
        again = burst[:: 10]
        items = [(conn("again", k, ports[(k + 1 + k % 2) % len(ports)]), request_bytes(body, retry))
                 for k, (ts, body, retry) in enumerate((ts, body, r) for ts, body in again for r in (None, "1"))]
        deliver(items)
        want = {ts for ts, _ in burst}
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not want <= {p["thread_ts"] for p in _replies(stub_url, start)}:
            time.sleep(0.2)           # /_calls returns every call so far: polling it costs the stub CPU
    for c in conns.values():
        c.sock.close()
    time.sleep(1.0)                      # late duplicates would show up here
    first: dict[str, float] = {}
    count: dict[str, int] = {}
    for p in _replies(stub_url, start):
        ts = p["thread_ts"]
        count[ts] = count.get(ts, 0) + 1
        first[ts] = min(first.get(ts, p["at"]), p["at"])
    replies = [(first[ts] - sent_at[ts]) * 1000 for ts in sent_at if ts in first]
    return {"events": len(sent_at), "errors": errors,
            "ack_p50": statistics.median(acks), "ack_p99": pct(acks, 99),
            "reply_p50": statistics.median(replies) if replies else float("nan"), "reply_p99": pct(replies, 99),
            "duplicates": sum(k - 1 for k in count.values() if k > 1),
            "lost": sum(1 for ts in sent_at if ts not in first)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=500, help="events per concurrency level")
    ap.add_argument("--levels", type=int, nargs="+", default=[20, 100])
    ap.add_argument("--workers", type=int, default=2,
                    help="pre-forked workers per app on one port (deskbot serve --workers N; default 2)")
    ap.add_argument("--stalled", type=int, default=300,
                    help="then the top level again with this many stalled connections held open to each app (0: skip)")
    ap.add_argument("--web", type=int, default=1,
                    help="separate web processes per app on their own ports, deliveries alternating (a load balancer)")
    args = ap.parse_args()

    from bot.config import get_settings
    from bot.knowledge import load_knowledge

    kb = load_knowledge(get_settings().knowledge_dir)
    questions = [e.title.ja for e in kb.entries.values()] + [a for e in kb.entries.values() for a in e.aliases[:2]]

    ctx = mp.get_context("spawn")
    procs: list = []
    tmp = tempfile.mkdtemp(prefix="bench-slack-")
    try:
        q = ctx.Queue()
        p = ctx.Process(target=run_stub, args=(q,), daemon=True)
        p.start()
        procs.append(p)
        stub_url = q.get(timeout=30)
        ports: dict[str, list[int]] = {"baseline": [], "deskbot": []}
        for kind in ports:
            for _ in range(args.web):
                p = ctx.Process(target=run_app, args=(kind, stub_url, f"sqlite:///{tmp}/{kind}.sqlite3", q, args.workers),
                                daemon=True)
                p.start()
                procs.append(p)
                ports[kind].append(q.get(timeout=60))
        for port in ports["deskbot"] + ports["baseline"]:
            wait_listening(port)
        drive(ports["deskbot"], stub_url, questions, 50, 10)      # warm-up (not reported)
        drive(ports["baseline"], stub_url, questions, 50, 10)
        print(f"bench_slack: {args.events} app_mention events per level, in bursts of `conc` simultaneous "
              f"deliveries (+10% redelivered: duplicate and X-Slack-Retry-Num); {args.web} web process(es) × {args.workers} worker(s) per app; "
              f"loopback, {os.cpu_count()} cores, load average before {os.getloadavg()[0]:.2f}")
        hdr = f"{'app':9s} {'conc':>4s} {'ack p50':>8s} {'ack p99':>8s} {'reply p50':>9s} {'reply p99':>9s} {'dup':>4s} {'lost':>4s} {'err':>4s}"
        print(hdr)
        results = {}
        for level in args.levels:
            for kind in ("baseline", "deskbot"):
                r = drive(ports[kind], stub_url, questions, args.events, level)
                results[(kind, level)] = r
                print(f"{kind:9s} {level:4d} {r['ack_p50']:7.1f}ms {r['ack_p99']:7.1f}ms {r['reply_p50']:8.1f}ms "
                      f"{r['reply_p99']:8.1f}ms {r['duplicates']:4d} {r['lost']:4d} {r['errors']:4d}")
        if args.stalled:
            top = max(args.levels)
            for kind in ("baseline", "deskbot"):
                held = [c for port in ports[kind] for c in stall(port, args.stalled)]
                try:
                    r = drive(ports[kind], stub_url, questions, args.events, top)
                finally:
                    for c in held:
                        c.close()
                label = f"{kind}+{args.stalled}"
                print(f"{label:9s} {top:4d} {r['ack_p50']:7.1f}ms {r['ack_p99']:7.1f}ms {r['reply_p50']:8.1f}ms "
                      f"{r['reply_p99']:8.1f}ms {r['duplicates']:4d} {r['lost']:4d} {r['errors']:4d}   "
                      f"(with {args.stalled} stalled connections held open)")
        top = max(args.levels)
        d, b = results[("deskbot", top)], results[("baseline", top)]
        print(f"at {top} concurrent: ack p99 {d['ack_p99']:.1f} ms (baseline {b['ack_p99']:.1f} ms, ×{d['ack_p99'] / b['ack_p99']:.2f}); "
              f"reply p99 {d['reply_p99']:.1f} ms (baseline {b['reply_p99']:.1f} ms, ×{d['reply_p99'] / b['reply_p99']:.2f})")
        goals = {"ack p99 within 1.5x bare Bolt's": d["ack_p99"] <= 1.5 * b["ack_p99"],
                 "ack p99 < 100 ms": d["ack_p99"] < 100, "reply p99 < 500 ms": d["reply_p99"] < 500,
                 "zero duplicates": all(results[("deskbot", lv)]["duplicates"] == 0 for lv in args.levels),
                 "zero lost": all(results[("deskbot", lv)]["lost"] == 0 for lv in args.levels)}
        print("goals: " + ", ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in goals.items()))
        return 0
    finally:
        for p in procs:
            p.terminate()                # SIGTERM: a pre-fork parent stops its workers
            p.join(timeout=25)
            if p.is_alive():
                p.kill()


if __name__ == "__main__":
    sys.exit(main())
