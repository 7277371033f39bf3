"""Database engine and transactions for one app instance (no module-level globals).

``transaction()`` is the only way handlers write: it commits on success and
rolls back on any exception, so nothing half-written stays behind.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from flask import current_app
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def normalise_url(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def make_engine(url: str, *, write_locks: bool = True) -> Engine:
    """An engine; on SQLite ``write_locks`` makes every transaction take the write lock at BEGIN."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below be the only one
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # Writers take the lock at BEGIN so concurrent writers queue (busy_timeout) instead of
            # failing with "database is locked" when a read transaction tries to upgrade.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write_locks else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class Database:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite readers must not take the write lock; other backends share one engine.
        self.read_engine = make_engine(url, write_locks=False) if self.engine.dialect.name == "sqlite" else self.engine
        self.read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        session = self.sessions()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    @contextmanager
    def reader(self) -> Iterator[Session]:
        session = self.read_sessions()
        try:
            yield session
        finally:
            session.close()  # detaches without expiring: loaded objects stay readable in templates

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()


def get_db() -> Database:
    return current_app.extensions["booking_db"]
