"""Fresh, migrated databases for every scenario, fast.

The schema is migrated once per test session into a *template* (a SQLite file,
or a PostgreSQL database); each scenario then gets a copy (file copy, or
``CREATE DATABASE ... TEMPLATE``), so scenarios never see each other's rows and
no scenario pays for a migration.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from app_under_test.migrate import upgrade

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def postgres_unreachable_reason(url: str | None = None) -> str | None:
    """None when PostgreSQL answers; otherwise why not (used to skip, or to fail in CI)."""
    try:
        with psycopg.connect(url or postgres_admin_url(), connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"PostgreSQL is not reachable at {url or postgres_admin_url()}: {exc}".strip()
    return None


class SqliteDatabases:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="booking-sqlite-"))
        self.template = self.folder / "template.sqlite3"
        upgrade(f"sqlite:///{self.template}")
        self._names = itertools.count(1)

    def create(self) -> str:
        target = self.folder / f"scenario-{next(self._names)}.sqlite3"
        shutil.copyfile(self.template, target)
        return f"sqlite:///{target}"

    def drop(self, url: str) -> None:
        path = Path(url.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class PostgresDatabases:
    """Per-test PostgreSQL databases, cloned from a migrated template and reused once emptied.

    ``CREATE DATABASE ... TEMPLATE`` costs 75-150 ms here (PostgreSQL writes the whole copy through
    its WAL), and ``TRUNCATE`` of every table about 50 ms (a new file per table); deleting the few
    rows a test wrote and restarting the sequences takes a few milliseconds. So a database a test
    has finished with is handed to the next test empty, with every sequence restarted, as a fresh
    copy would be; one whose schema no longer matches the template's (a migration test moved it)
    is dropped instead.
    """

    def __init__(self, admin_url: str | None = None) -> None:
        self.admin_url = admin_url or postgres_admin_url()
        self.prefix = f"bh_{os.getpid()}"
        self.template = f"{self.prefix}_template"
        self._names = itertools.count(1)
        self._free: list[str] = []
        self._made: set[str] = set()
        self._execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.template)))
        self._execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.template)))
        upgrade(self._url_for(self.template))
        with psycopg.connect(self._url_for(self.template), autocommit=True, connect_timeout=5) as connection:
            self._schema = _schema_of(connection)
            # Emptying reproduces a fresh copy only while the migrations leave every table empty.
            self._reusable = not any(_has_rows(connection, table) for table in _tables(connection))

    def _execute(self, statement: sql.Composed) -> None:
        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as connection:
            connection.execute(statement)

    def _url_for(self, name: str) -> str:
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{name}"

    def create(self) -> str:
        if self._free:
            return self._url_for(self._free.pop())
        name = f"{self.prefix}_{next(self._names)}"
        self._execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(self.template))
        )
        self._made.add(name)
        return self._url_for(name)

    def drop(self, url: str) -> None:
        """Give the database back: emptied for the next test, or dropped if its schema changed."""
        name = url.rsplit("/", 1)[1]
        if self._reusable and name in self._made and self._emptied(url):
            self._free.append(name)
            return
        self._made.discard(name)
        self._execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def _emptied(self, url: str) -> bool:
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=5) as connection:
                # Whatever the test left connected (a pool, a thread) goes, as DROP ... WITH (FORCE) would.
                connection.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                if _schema_of(connection) != self._schema:
                    return False
                with connection.transaction():
                    connection.execute("SET LOCAL session_replication_role = replica")  # rows in any order
                    for table in _tables(connection):
                        connection.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
                    for (sequence,) in connection.execute(
                        "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
                    ).fetchall():
                        connection.execute(sql.SQL("ALTER SEQUENCE {} RESTART").format(sql.Identifier(sequence)))
                return True
        except psycopg.Error:
            return False

    def close(self) -> None:
        for name in [*sorted(self._made), self.template]:
            self._execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _has_rows(connection: psycopg.Connection, table: str) -> bool:
    row = connection.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table))).fetchone()
    if row is None:  # SELECT EXISTS always answers one row
        raise RuntimeError(f"no answer to whether {table} has rows")
    return bool(row[0])


def _tables(connection: psycopg.Connection) -> list[str]:
    """The application's tables (Alembic's version table is schema, not data)."""
    return [
        row[0]
        for row in connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        )
    ]


def _schema_of(connection: psycopg.Connection) -> tuple[Any, ...]:
    """What a test could change about a database's schema: its columns, constraints, indexes,
    sequences and migration version."""
    queries = (
        "SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns "
        "WHERE table_schema = 'public' ORDER BY 1, 2",
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
        "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1",
        "SELECT version_num FROM alembic_version",
    )
    return tuple(tuple(connection.execute(query).fetchall()) for query in queries)
