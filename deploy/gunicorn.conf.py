# gunicorn settings for one Một Cửa Queue process (see deploy/README.md).
# Flask-SocketIO in threading mode: exactly one worker, many threads (≥ connected clients of this process).
import os

bind = os.environ.get("BIND", "127.0.0.1:8001")
workers = 1
threads = int(os.environ.get("THREADS", "200"))
worker_class = "gthread"
# gthread stops accepting past worker_connections (default 1000), and every websocket keeps one open.
worker_connections = max(1000, threads + 100)
timeout = 120
graceful_timeout = 20
keepalive = 5
accesslog = "-"
