"""gunicorn settings for production (README.md, Deployment and Operations):

    gunicorn -c gunicorn.conf.py

Every setting can be overridden from the environment (GUNICORN_*) or on the
command line. What it adds to gunicorn's defaults:

* **Zero-downtime stop.** On SIGTERM the master first *drains*: it creates
  ``DRAIN_FILE``, so ``/healthz`` answers 503 ``{"status": "draining"}`` and the
  load balancer takes this server out of rotation, while every request
  already queued or still arriving is served as usual. After ``DRAIN_SECONDS``
  (default 10: longer than the load balancer's health-check interval times
  its failure threshold) it stops gracefully: the listening socket is closed,
  each worker finishes its request (``graceful_timeout``) and exits. SIGINT
  and SIGQUIT still stop at once.
* **No cold start.** Each worker renders the most-read public pages and the
  calendar of all consultations before it takes its first request
  (``post_worker_init``, app/warmup.py, at most ``WARM_UP_SECONDS``).
* **An access log without private data** (app/web/accesslog.py): private
  tokens and reference codes replaced by ``…``, no client address or user
  agent on the routes where people take part anonymously, no Referer.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from pathlib import Path

wsgi_app = "app:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
#: Sync workers: each handles one request at a time; the app's own deadlines
#: (DB_REQUEST_TIMEOUT, 8 s) end a request stuck on the database long before ``timeout``.
worker_class = "sync"
workers = int(os.environ.get("GUNICORN_WORKERS") or min(2 * multiprocessing.cpu_count() + 1, 8))
#: A worker silent for this long is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
#: After the drain: how long workers may take to finish their requests on SIGTERM.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or 30)
#: Behind a load balancer that reuses connections.
keepalive = 5
#: Workers are replaced now and then (memory growth), never all at once.
max_requests = 2000
max_requests_jitter = 200
backlog = 2048
#: gunicorn's control socket (one fixed path per user) is not used: several
#: instances on one host would share it.
control_socket_disable = True

accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
logger_class = "app.web.accesslog.AccessLogger"
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms %(h)s "%(a)s"'  # = accesslog.ACCESS_LOG_FORMAT

DRAIN_SECONDS = float(os.environ.get("DRAIN_SECONDS") or 10)
# Read by the application (config.DRAIN_FILE) in every worker, which inherit the environment.
os.environ.setdefault("DRAIN_FILE", os.path.join(tempfile.gettempdir(), f"samradsportalen-{os.getpid()}.drain"))


def on_starting(server):  # noqa: ANN001, ANN201 - gunicorn hook
    Path(os.environ["DRAIN_FILE"]).unlink(missing_ok=True)  # left by a killed predecessor


def when_ready(server):  # noqa: ANN001, ANN201 - gunicorn hook
    stop = server.handle_term

    def drain_then_stop() -> None:
        Path(os.environ["DRAIN_FILE"]).touch()
        server.log.info("SIGTERM: draining for %.0f s (/healthz answers 503), then stopping", DRAIN_SECONDS)
        time.sleep(DRAIN_SECONDS)
        stop()

    server.handle_term = drain_then_stop


def post_worker_init(worker):  # noqa: ANN001, ANN201 - gunicorn hook
    from flask import Flask

    from app.warmup import warm

    if isinstance(worker.wsgi, Flask):
        warm(worker.wsgi, tick=worker.notify)


def on_exit(server):  # noqa: ANN001, ANN201 - gunicorn hook
    Path(os.environ["DRAIN_FILE"]).unlink(missing_ok=True)
