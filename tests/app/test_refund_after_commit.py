"""Refunds requested in a transaction go to Stripe after the *outer* commit, not when a savepoint is released."""

from __future__ import annotations

from sqlalchemy import event

from app_under_test.db import Database


def test_after_commit_fires_for_savepoints_too(tmp_path):
    """The SQLAlchemy behaviour the refund and mail hooks must guard against."""
    db = Database(f"sqlite:///{tmp_path}/s.sqlite3")
    calls: list[bool] = []
    with db.transaction() as session:
        event.listen(session, "after_commit", lambda s: calls.append(s.get_nested_transaction() is not None))
        with session.begin_nested():
            pass
    db.dispose()
    assert calls == [True, False]  # once for the savepoint (nested), once for the real commit
