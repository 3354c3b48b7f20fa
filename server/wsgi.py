"""WSGI entry for production: ``gunicorn -w 1 --threads 200 server.wsgi:app``.

One worker per process (Socket.IO keeps per-process state); scale with more
processes behind nginx (ip_hash) sharing PostgreSQL and Redis.
"""
from server.app import create_app
from server.worker_model import settled

app = settled(create_app())
