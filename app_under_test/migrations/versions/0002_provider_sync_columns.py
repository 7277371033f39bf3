"""Provider sync columns: no-show ordering, booking source, routing form links, payment failure details.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("no_show_changed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=20), server_default="app", nullable=False))

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failure_code", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("checkout_url", sa.String(length=1024), nullable=True))

    with op.batch_alter_table("routing_form_submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("routing_form_uri", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("result_event_type_uri", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("routing_form_submissions", schema=None) as batch_op:
        batch_op.drop_column("result_event_type_uri")
        batch_op.drop_column("routing_form_uri")

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("checkout_url")
        batch_op.drop_column("failure_code")

    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_column("source")
        batch_op.drop_column("no_show_changed_at")
