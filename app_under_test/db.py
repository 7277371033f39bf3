"""Database engine and transactions for one app instance (no module-level globals).

``transaction()`` is the only way handlers write: it commits on success and
rolls back on any exception, so nothing half-written stays behind. On
PostgreSQL, pooled connections are pinged only after sitting idle (see
``IDLE_BEFORE_PING``): the ping is a round trip every busy transaction would pay.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection


def normalise_url(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, *, write_locks: bool = True) -> Engine:
    """An engine; on SQLite ``write_locks`` makes every transaction take the write lock at BEGIN."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = make_url(url).database  # None or ":memory:" for an in-memory database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
            dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below be the only one
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            # Writers take the lock at BEGIN so concurrent writers queue (busy_timeout) instead of
            # failing with "database is locked" when a read transaction tries to upgrade.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write_locks else "BEGIN")

        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20)
    _ping_idle_connections(engine)
    return engine


# A pooled connection that sat unused this long is pinged before it is handed out (a database restart
# or an idle timeout may have closed it); busier ones are not, which saves a round trip per transaction.
IDLE_BEFORE_PING = 5.0  # seconds


def _ping_idle_connections(engine: Engine) -> None:
    """SQLAlchemy's pessimistic disconnect handling, for idle connections only.

    A ping that fails raises ``DisconnectionError``, on which the pool discards the connection and
    hands out a new one. A connection that breaks while in use still fails that one transaction (it
    rolls back whole) and SQLAlchemy then drops every pooled connection opened before it."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(
        dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        checked_in_at = record.info.get("checked_in_at")
        if checked_in_at is None or time.monotonic() - checked_in_at < IDLE_BEFORE_PING:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_connection.rollback()  # end the transaction the ping opened
        except Exception as exc:
            raise DisconnectionError(f"pooled connection failed its ping: {exc}") from exc


class Database:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        # Shared with every write session (their ``info``): the app's configuration and its event bus.
        self.session_info: dict[str, Any] = {}
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info=self.session_info)
        # A page or JSON answer reads several rows in several statements; each reader is one snapshot,
        # so it never shows a payment as one commit left it and its refunds as the next one did.
        # SQLite: a deferred BEGIN (no write lock) reads one WAL snapshot. PostgreSQL: read-only
        # REPEATABLE READ on the same pool (READ COMMITTED gives every statement its own snapshot).
        if self.engine.dialect.name == "sqlite":
            self.read_engine = make_engine(url, write_locks=False)
        else:
            self.read_engine = self.engine.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
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
    db: Database = current_app.extensions["booking_db"]  # set by create_app
    return db
