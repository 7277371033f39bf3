"""A reader sees one snapshot: what it reads in its second statement is as the first one found it.

Pages and the booking JSON read a booking, its payment and its refunds in several statements; a
commit landing between them must not show a mix (a payment as one commit left it, its refunds as the
next one did). Checked on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app_under_test.db import Database

pytestmark = pytest.mark.database


def test_a_reader_does_not_see_a_commit_made_after_its_first_read(db_url):
    database = Database(db_url)
    try:
        with database.transaction() as session:
            session.execute(text("INSERT INTO pathways (slug, name, description) VALUES ('a', 'A', '')"))
        with database.reader() as reader:
            first = reader.execute(text("SELECT count(*) FROM pathways")).scalar_one()
            with database.transaction() as session:
                session.execute(text("INSERT INTO pathways (slug, name, description) VALUES ('b', 'B', '')"))
            second = reader.execute(text("SELECT count(*) FROM pathways")).scalar_one()
        assert (first, second) == (1, 1)
        with database.reader() as reader:  # the next reader sees the commit
            assert reader.execute(text("SELECT count(*) FROM pathways")).scalar_one() == 2
    finally:
        database.dispose()


def test_a_reader_on_postgresql_cannot_write(postgresql_databases):
    """PostgreSQL's readers are READ ONLY transactions: a page that tried to write by mistake fails, writing nothing."""
    url = postgresql_databases.create()
    database = Database(url)
    try:
        with pytest.raises(DBAPIError, match="read-only transaction"), database.reader() as reader:
            reader.execute(text("INSERT INTO pathways (slug, name, description) VALUES ('a', 'A', '')"))
        with database.reader() as reader:
            assert reader.execute(text("SELECT count(*) FROM pathways")).scalar_one() == 0
    finally:
        database.dispose()
        postgresql_databases.drop(url)
