"""gunicorn's threaded worker (`gthread`), with requests read in the event loop, not in a thread.

Stock gthread hands every new connection to a pool thread at once; the thread waits up to 5 s
for the first bytes and then reads the request with a blocking socket and no timeout. Measured
on this machine (1 worker × 8 threads): with 300 connections that were opened and then stalled
(silent, half-sent headers, or a half-sent body) a real request got no answer within 60 s.
Slack's deliveries must be acknowledged within 3 s.

`DeskbotWorker` changes one thing: a connection goes to a thread only once its whole request
(headers, and a body of the announced Content-Length) has arrived. Until then it sits in the
worker's poller like a kept-alive connection, its bytes read without blocking by the event loop,
and it is closed when the request has not arrived within `REQUEST_READ_TIMEOUT` seconds. A pool
thread therefore never waits on a client; slow or stalled clients cost a file descriptor each
(`worker_connections` bounds them), not a thread. In the thread the socket has the same timeout
(a chunked body, or a client that stops reading the response).
"""
from __future__ import annotations

import errno
import logging
import selectors
import socket
import time
from functools import partial

from gunicorn.workers.gthread import ThreadWorker, TConn

REQUEST_READ_TIMEOUT = 10.0     # seconds a client may take to send one whole request
MAX_HEAD = 64 * 1024            # bytes of request line + headers buffered at most
MAX_BUFFERED_BODY = 1_100_000   # larger bodies are handed over unread (the app answers 413)


class _Conn(TConn):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pre = bytearray()            # bytes read by the event loop, not yet parsed

    def init(self):
        super().init()
        self.sock.settimeout(REQUEST_READ_TIMEOUT)     # after handle()'s setblocking(True)
        if self.pre:
            self.parser.unreader.unread(bytes(self.pre))
            self.pre = bytearray()


def request_complete(buf: bytes | bytearray) -> bool:
    """Whether `buf` holds a whole request head and (if it says Content-Length) its body; True
    also when waiting longer would not help (an oversized head or body: the parser or the app
    refuses it)."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return len(buf) > MAX_HEAD
    length = 0
    for line in bytes(buf[:end]).split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return True                   # the parser answers 400
        elif name.strip().lower() == b"transfer-encoding":
            return True                       # chunked: read in the thread, under the socket timeout
        elif name.strip().lower() == b"expect":
            return True                       # 100-continue: the client waits for gunicorn's go-ahead
    if length < 0 or length > MAX_BUFFERED_BODY:
        return True
    return len(buf) >= end + 4 + length


class DeskbotWorker(ThreadWorker):
    """gthread whose pool threads only ever see requests that have fully arrived."""

    def accept(self, listener):
        try:
            client, addr = listener.accept()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = _Conn(self.cfg, client, addr, listener.getsockname())   # non-blocking
        if self.cfg.is_ssl:
            conn.data_ready = True            # TLS is read by the thread (behind a router here)
            self.enqueue_req(conn)
            return
        self._wait_for_request(conn)

    def enqueue_req(self, conn):
        # From the moment a whole request is here until its response is written, the app's
        # work after the ack waits (AckFirstExecutor): the request's parsing counts as acking.
        executor = getattr(getattr(getattr(self, "wsgi", None), "app", None), "deskbot_executor", None)
        if executor is None or not hasattr(executor, "ack_begins"):
            return super().enqueue_req(conn)
        executor.ack_begins()
        fs = self.tpool.submit(self.handle, conn)
        fs.add_done_callback(lambda fut: executor.ack_ends())
        fs.add_done_callback(lambda fut: self.method_queue.defer(self.finish_request, conn, fut))

    def _wait_for_request(self, conn):
        conn.timeout = time.monotonic() + REQUEST_READ_TIMEOUT
        self.pending_conns.append(conn)       # sorted by timeout: all get the same delay
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))

    def on_client_socket_readable(self, conn, client):
        # A kept-alive connection's next request: read it here too before a thread takes it.
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        if not isinstance(conn, _Conn) or self.cfg.is_ssl:
            self.enqueue_req(conn)
            return
        self._wait_for_request(conn)
        self._on_readable(conn, client)

    def _on_readable(self, conn, client):
        try:
            data = client.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:                          # the client went away
            self._drop_pending(conn)
            conn.close()
            return
        conn.pre += data
        if request_complete(conn.pre):
            self._drop_pending(conn, closing=False)
            conn.data_ready = True
            self.enqueue_req(conn)

    def _drop_pending(self, conn, closing: bool = True):
        try:
            self.poller.unregister(conn.sock)
        except (OSError, KeyError, ValueError):
            pass
        try:
            self.pending_conns.remove(conn)
        except ValueError:
            pass
        if closing:
            self.nr_conns -= 1


class _QuietTimeouts(logging.Filter):
    """gthread logs a socket timeout with a traceback ("Socket error processing request");
    for a client that stalled mid-request one line is enough."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, (socket.timeout, TimeoutError)):
            record.msg, record.args, record.exc_info, record.exc_text = \
                "closed a connection whose client stalled mid-request", (), None, None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def quiet_timeouts(logger: logging.Logger) -> None:
    if not any(isinstance(f, _QuietTimeouts) for f in logger.filters):
        logger.addFilter(_QuietTimeouts())
