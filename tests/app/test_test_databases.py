"""The harness's per-test PostgreSQL databases: a reused one is indistinguishable from a fresh copy.

A database a test has finished with is emptied and handed to the next test (much cheaper than a new
copy of the template); these tests hold it to the promise that the next test cannot tell.
"""

from __future__ import annotations

import psycopg
import pytest

pytestmark = pytest.mark.database


def _insert_pathway(url: str, slug: str) -> int:
    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute(
            "INSERT INTO pathways (slug, name, description) VALUES (%s, %s, '') RETURNING id", (slug, slug)
        ).fetchone()[0]


def test_a_reused_database_is_empty_and_numbers_rows_from_one_again(postgresql_databases):
    url = postgresql_databases.create()
    assert [_insert_pathway(url, slug) for slug in ("a", "b")] == [1, 2]
    lingering = psycopg.connect(url, autocommit=True)  # a connection the test forgot to close
    postgresql_databases.drop(url)
    with pytest.raises(psycopg.OperationalError):  # ended, as DROP DATABASE ... WITH (FORCE) would end it
        lingering.execute("SELECT 1")
    again = postgresql_databases.create()
    try:
        assert again == url  # reused, not copied
        with psycopg.connect(again, autocommit=True) as connection:
            assert connection.execute("SELECT count(*) FROM pathways").fetchone()[0] == 0
        assert _insert_pathway(again, "a") == 1  # the unique slug is free and the sequence restarted
    finally:
        postgresql_databases.drop(again)
        lingering.close()


def test_a_database_whose_schema_a_test_changed_is_dropped_not_reused(postgresql_databases):
    url = postgresql_databases.create()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("ALTER TABLE pathways ADD COLUMN colour text")
    postgresql_databases.drop(url)
    fresh = postgresql_databases.create()
    try:
        assert fresh != url
        with psycopg.connect(fresh, autocommit=True) as connection:
            columns = {
                row[0]
                for row in connection.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = 'pathways'"
                )
            }
        assert "colour" not in columns
    finally:
        postgresql_databases.drop(fresh)
