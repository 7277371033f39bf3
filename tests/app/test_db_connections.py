"""Pooled PostgreSQL connections: an idle one that the server closed is replaced, not handed out broken.

The engine pings a pooled connection only when it sat unused for ``IDLE_BEFORE_PING`` seconds
(a restart or an idle timeout closes such connections); a busy pool skips the round trip. The
server side of a connection is closed here with ``pg_terminate_backend``, as a restart would.
"""

from __future__ import annotations

import threading
from contextlib import ExitStack

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from app_under_test import db as db_module
from app_under_test.db import Database
from harness.waiting import wait_until

pytestmark = pytest.mark.database


@pytest.fixture
def database(postgresql_databases):
    url = postgresql_databases.create()
    database = Database(url)
    yield database
    database.dispose()
    postgresql_databases.drop(url)


def backend_pid(database: Database) -> int:
    with database.transaction() as session:
        return session.scalar(text("SELECT pg_backend_pid()"))


def terminate(database: Database, pid: int) -> None:
    """Close the server side of connection ``pid`` from a connection of its own (not from the pool)."""
    other = create_engine(database.engine.url, poolclass=NullPool)
    try:
        with other.connect() as connection:
            # with a timeout it returns once the backend has gone (PostgreSQL 14+), not just signalled
            assert connection.scalar(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}) is True
    finally:
        other.dispose()


def test_an_idle_connection_closed_by_the_server_is_replaced_before_use(database, monkeypatch):
    pid = backend_pid(database)
    terminate(database, pid)
    monkeypatch.setattr(db_module, "IDLE_BEFORE_PING", 0.0)  # the pooled connection counts as idle

    assert backend_pid(database) != pid  # pinged, found dead, and a new connection took its place


def test_a_busy_connection_is_not_pinged(database, monkeypatch):
    pid = backend_pid(database)
    terminate(database, pid)
    monkeypatch.setattr(db_module, "IDLE_BEFORE_PING", 3600.0)  # just used: no ping

    with pytest.raises(OperationalError):  # the dead connection is used as is: the transaction fails whole
        backend_pid(database)
    assert backend_pid(database) != pid  # and the pool has dropped it: the next transaction works


def test_a_burst_of_thirty_transactions_gets_a_connection_each_and_ten_stay_open_after(database):
    """One app process serves up to 30 transactions at once (ten pooled, twenty more while busy); once the burst
    is over it keeps ten connections to PostgreSQL, not thirty (every worker of every process counts against
    the server's max_connections)."""
    with ExitStack() as held:
        connections = [held.enter_context(database.engine.connect()) for _ in range(30)]
        pids = {c.scalar(text("SELECT pg_backend_pid()")) for c in connections}
    assert len(pids) == 30
    observer = create_engine(database.engine.url, poolclass=NullPool)

    def still_open() -> int:
        with observer.connect() as connection:
            return int(
                connection.scalar(
                    text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid = ANY(:p)"),
                    {"p": list(pids)},
                )
            )

    try:  # a closed connection's server process ends a moment after the client hangs up: wait for it
        wait_until(
            lambda: still_open() == 10, timeout=10, what="the burst's extra connections to close", seen=still_open
        )
    finally:
        observer.dispose()


def test_a_thirty_first_transaction_at_once_waits_for_a_connection_instead_of_opening_one_more(database):
    """At most 30 connections per app process, so workers x 30 is what an operator budgets against max_connections:
    one transaction more than that waits for a busy one to finish and then reuses its connection."""
    with ExitStack() as held:
        connections = [held.enter_context(database.engine.connect()) for _ in range(30)]
        pids = [c.scalar(text("SELECT pg_backend_pid()")) for c in connections]
        late: list[int] = []

        def one_more() -> None:
            with database.engine.connect() as connection:
                late.append(connection.scalar(text("SELECT pg_backend_pid()")))

        waiter = threading.Thread(target=one_more, daemon=True)
        waiter.start()
        # The pool lets it wait up to 30 s for a connection: 2 s later it is certainly still waiting.
        waiter.join(timeout=2)
        assert waiter.is_alive() and late == [], f"a 31st connection was opened (backend {late})"
        connections[0].close()  # the first of the thirty finishes and returns its connection
        waiter.join(timeout=20)
        assert not waiter.is_alive()
    assert late == [pids[0]]
