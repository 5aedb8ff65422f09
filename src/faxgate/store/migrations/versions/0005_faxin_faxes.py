"""Fax-In: received faxes, their files in the database spool, a topic's inbound push

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("faxin_topics", sa.Column("push_target", sa.Text(), nullable=True))
    op.create_table(
        "faxin_faxes",
        sa.Column("fax_id", sa.String(length=22), nullable=False),
        sa.Column("cust_nr", sa.String(length=32), nullable=False),
        sa.Column("topic", sa.String(length=128), nullable=False),
        sa.Column("called_number", sa.String(length=64), nullable=False),
        sa.Column("calling_number", sa.String(length=64), nullable=False),
        sa.Column("remote_csid", sa.String(length=64), nullable=False),
        sa.Column("local_csid", sa.String(length=64), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("fine", sa.Boolean(), nullable=False),
        sa.Column("bit_rate", sa.Integer(), nullable=True),
        sa.Column("duration_secs", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.Column("ready", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("locked_until", sa.Float(), server_default="0", nullable=False),
        sa.Column("acknowledged_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cust_nr"],
            ["accounts.cust_nr"],
            name=op.f("fk_faxin_faxes_cust_nr_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("fax_id", name=op.f("pk_faxin_faxes")),
    )
    op.create_index(
        op.f("ix_faxin_faxes_cust_nr_topic_received_at"),
        "faxin_faxes",
        ["cust_nr", "topic", "received_at"],
    )
    op.create_index(op.f("ix_faxin_faxes_received_at"), "faxin_faxes", ["received_at"])
    op.create_table(
        "faxin_files",
        sa.Column("fax_id", sa.String(length=22), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fax_id"],
            ["faxin_faxes.fax_id"],
            name=op.f("fk_faxin_files_fax_id_faxin_faxes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("fax_id", "kind", name=op.f("pk_faxin_files")),
    )


def downgrade() -> None:
    op.drop_table("faxin_files")
    op.drop_index(op.f("ix_faxin_faxes_received_at"), table_name="faxin_faxes")
    op.drop_index(op.f("ix_faxin_faxes_cust_nr_topic_received_at"), table_name="faxin_faxes")
    op.drop_table("faxin_faxes")
    op.drop_column("faxin_topics", "push_target")
