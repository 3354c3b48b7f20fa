"""Backup, restore and moving a center's data from SQLite to PostgreSQL."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from server.db import POSTGRES_CONNECT_ARGS, postgres_driver_url
from server.models import load_all_models
from server.schema import upgrade


def sqlite_path(database_url: str) -> Path:
    if not database_url.startswith("sqlite:///"):
        raise ValueError("backup/restore work on the SQLite database; use pg_dump for PostgreSQL")
    return Path(database_url[len("sqlite:///") :])


def backup_sqlite(database_url: str, target: Path) -> Path:
    """Online backup (SQLite's backup API): consistent even while the server writes."""
    source = sqlite3.connect(sqlite_path(database_url))
    target.parent.mkdir(parents=True, exist_ok=True)
    dest = sqlite3.connect(target)
    try:
        with dest:
            source.backup(dest)
    finally:
        dest.close()
        source.close()
    return target


def restore_sqlite(database_url: str, backup: Path) -> None:
    """Replace the database with a backup (stop the server first). The old file is kept as .before-restore."""
    check = sqlite3.connect(backup)
    try:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise ValueError(f"{backup} is not a healthy SQLite database")
    finally:
        check.close()
    path = sqlite_path(database_url)
    if path.exists():
        shutil.copyfile(path, path.with_suffix(path.suffix + ".before-restore"))
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    shutil.copyfile(backup, path)


def migrate_to_postgres(sqlite_url: str, postgres_url: str) -> dict[str, int]:
    """Copy every table from SQLite into an empty PostgreSQL database; returns rows per table."""
    upgrade(postgres_url)
    metadata = load_all_models().metadata
    src = create_engine(sqlite_url)
    dst = create_engine(postgres_driver_url(postgres_url), connect_args=POSTGRES_CONNECT_ARGS)
    copied: dict[str, int] = {}
    with src.connect() as read, dst.begin() as write:
        for table in metadata.sorted_tables:
            if write.execute(select(func.count()).select_from(table)).scalar_one():
                raise ValueError(f"PostgreSQL table {table.name} is not empty; migrate into a fresh database")
        for table in metadata.sorted_tables:
            rows = [dict(r._mapping) for r in read.execute(select(table))]
            if rows:
                write.execute(table.insert(), rows)
            copied[table.name] = len(rows)
            # Keep id sequences ahead of the copied ids.
            if "id" in table.c and rows:
                write.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT MAX(id) FROM {table.name}))")
                )
    src.dispose()
    dst.dispose()
    return copied
