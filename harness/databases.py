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
    def __init__(self, admin_url: str | None = None) -> None:
        self.admin_url = admin_url or postgres_admin_url()
        self.prefix = f"bh_{os.getpid()}"
        self.template = f"{self.prefix}_template"
        self._names = itertools.count(1)
        self._execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.template)))
        self._execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.template)))
        upgrade(self._url_for(self.template))

    def _execute(self, statement) -> None:
        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as connection:
            connection.execute(statement)

    def _url_for(self, name: str) -> str:
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{name}"

    def create(self) -> str:
        name = f"{self.prefix}_{next(self._names)}"
        self._execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name),
                                                                       sql.Identifier(self.template)))
        return self._url_for(name)

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def close(self) -> None:
        self._execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.template)))
