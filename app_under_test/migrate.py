"""Alembic, driven from code: ``upgrade(url)`` brings any database to the latest schema.

The migration scripts live in ``app_under_test/migrations``; there is no
alembic.ini to keep in sync, the script location is this package's folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

from app_under_test.db import normalise_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> AlembicConfig:
    # Alembic's own default is the sys.stdout of the moment alembic was imported, which may be a stream closed
    # since (a test's captured output): its messages go to the stdout of the moment instead.
    config = AlembicConfig(stdout=sys.stdout)
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)
