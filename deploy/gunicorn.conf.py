# gunicorn settings for one Một Cửa Queue process (see deploy/README.md).
# One worker per process (Socket.IO keeps per-process state). gevent by default: a greenlet per
# connected client, chosen by figures (server/worker_model.py, issue 17); its worker patches the
# standard library before it loads the app, and the app then runs Flask-SocketIO in gevent mode.
# MOTCUA_WORKER=threads keeps the threaded worker (a thread per client: THREADS ≥ connected clients).
# Kept in step with server/cli.py worker_options (tests/integration/maintenance/test_worker_model.py).
import os

bind = os.environ.get("BIND", "127.0.0.1:8001")
workers = 1
if os.environ.get("MOTCUA_WORKER", "gevent").strip().lower() == "threads":
    worker_class = "gthread"
    threads = int(os.environ.get("THREADS", "1000"))
    # gthread stops accepting past worker_connections, and every websocket keeps one open.
    worker_connections = max(1000, threads + 100)
else:
    worker_class = "gevent"
    worker_connections = 10000  # server/worker_model.py GEVENT_CONNECTIONS
timeout = 120
graceful_timeout = 20
keepalive = 5
accesslog = "-"
