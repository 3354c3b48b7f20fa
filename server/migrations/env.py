"""Alembic environment: runs migrations against the URL set by server.schema."""
from alembic import context
from sqlalchemy import create_engine, pool

from server.db import POSTGRES_CONNECT_ARGS, postgres_driver_url
from server.models import load_all_models

config = context.config
target_metadata = load_all_models().metadata


def _url() -> str:
    return postgres_driver_url(config.get_main_option("sqlalchemy.url"))


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = _url()
    # Data migrations write times too: the same UTC session as the app (see server/db.py).
    connect_args = POSTGRES_CONNECT_ARGS if url.startswith("postgresql") else {}
    engine = create_engine(url, poolclass=pool.NullPool, connect_args=connect_args)
    with engine.connect() as connection:
        # render_as_batch lets ALTERs work on SQLite too.
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
