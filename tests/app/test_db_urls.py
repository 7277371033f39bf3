"""The database URLs operators write: Heroku's ``postgres://``, SQLite files in folders not made yet, memory."""

from __future__ import annotations

from sqlalchemy import text

from app_under_test.db import Database, make_engine, normalise_url


def test_postgres_urls_in_every_spelling_reach_psycopg_3():
    assert normalise_url("postgres://u:p@db:5432/booking") == "postgresql+psycopg://u:p@db:5432/booking"
    assert normalise_url("postgresql://u@db/booking") == "postgresql+psycopg://u@db/booking"
    assert normalise_url("postgresql+psycopg://u@db/booking") == "postgresql+psycopg://u@db/booking"
    assert normalise_url("sqlite:///var/booking.db") == "sqlite:///var/booking.db"


def test_a_sqlite_file_in_a_folder_not_made_yet_gets_its_folder(tmp_path):
    file = tmp_path / "data" / "nested" / "booking.db"
    database = Database(f"sqlite:///{file}")
    try:
        with database.transaction() as session:
            session.execute(text("CREATE TABLE t (x INTEGER)"))
            session.execute(text("INSERT INTO t VALUES (1)"))
        with database.read_sessions() as session:
            assert session.scalar(text("SELECT x FROM t")) == 1
    finally:
        database.dispose()
    assert file.is_file()


def test_in_memory_urls_make_no_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for url in ("sqlite://", "sqlite:///:memory:"):
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                assert connection.scalar(text("SELECT 1")) == 1
        finally:
            engine.dispose()
    assert list(tmp_path.iterdir()) == []
