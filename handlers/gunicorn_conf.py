"""gunicorn settings for the `web` process (`deskbot serve`; also usable as
`gunicorn -c handlers/gunicorn_conf.py handlers.wsgi:application`).

Numbers chosen for this app (see handlers/README.md for the measurements):
- workers: WEB_CONCURRENCY if set (the PaaS convention), else one per CPU this process may use.
  Answering is CPU-bound under the GIL, so one process per core uses the machine; more would
  only cost memory (about 150–200 MB each with the knowledge index).
- threads: 8 per worker for requests. An ack takes a few milliseconds; the answers run after
  the ack on the app's own pool (handlers/app.py, LISTENER_THREADS).
- worker_class: gthread, reading each request in the event loop before a thread takes it
  (handlers/gunicorn_worker.py): stalled or slow clients cost a file descriptor, not a thread.
- graceful_timeout: on SIGTERM a worker stops accepting, finishes the requests it has, then
  drains the answers it has acknowledged (worker_exit, up to DRAIN_SECONDS) before it exits.
"""
import os

from handlers.app import DRAIN_SECONDS, default_workers


bind = [f"0.0.0.0:{os.environ.get('PORT', '3000')}"]
workers = default_workers()
worker_class = "handlers.gunicorn_worker.DeskbotWorker"
threads = 8
worker_connections = 1000        # open connections per worker, stalled ones included
keepalive = 5                    # seconds an idle kept-alive connection stays open
timeout = 30                     # a worker silent this long (its event loop stuck) is restarted
graceful_timeout = DRAIN_SECONDS + 10
backlog = 512
control_socket_disable = True    # no control socket under ~/.gunicorn (several servers per host)
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = "deskbot-web"


def post_fork(server, worker):
    """Database connections must not be shared with the master: each worker opens its own."""
    from handlers.app import after_fork

    after_fork(server.app.wsgi())


def post_worker_init(worker):
    from bot.config import get_settings
    from bot.logsafe import install, settings_secrets
    from handlers.gunicorn_worker import quiet_timeouts

    quiet_timeouts(worker.log.error_log)
    # gunicorn's own handlers get the same redaction as the CLI's (no token or response_url).
    install(worker.log.error_log.handlers, settings_secrets(get_settings()))


def worker_exit(server, worker):
    """SIGTERM: the answers this worker already acknowledged still get posted."""
    from handlers.app import drain

    app = getattr(getattr(worker, "wsgi", None), "app", None)
    if app is not None:
        drain(app)
