"""Alembic migrations produce exactly the models' schema, on SQLite and PostgreSQL, and run down and up."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect

from app_under_test.db import normalise_url
from app_under_test.migrate import alembic_config, upgrade

pytestmark = pytest.mark.database


def test_migrated_database_matches_the_models(db_url):
    command.check(alembic_config(db_url))  # raises when autogenerate would find a difference


def test_migration_messages_go_to_the_output_of_the_moment_not_the_one_alembic_was_imported_under(capsys):
    alembic_config("sqlite://").print_stdout("No new upgrade operations detected.")
    assert capsys.readouterr().out == "No new upgrade operations detected.\n"


def test_downgrade_to_nothing_and_back(db_url):
    config = alembic_config(db_url)
    command.downgrade(config, "base")
    engine = create_engine(normalise_url(db_url))
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    command.upgrade(config, "head")
    engine = create_engine(normalise_url(db_url))
    assert {"bookings", "slot_claims", "webhook_events", "outbox_messages"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_a_database_whose_url_holds_a_percent_sign_is_migrated(tmp_path):
    # A percent-encoded password (p%40ss) or a folder named "100%": Alembic's config file syntax must not read it.
    path = tmp_path / "100%25 done" / "booking.sqlite3"
    upgrade(f"sqlite:///{path}")
    engine = create_engine(f"sqlite:///{path}")
    assert "bookings" in inspect(engine).get_table_names()
    engine.dispose()
