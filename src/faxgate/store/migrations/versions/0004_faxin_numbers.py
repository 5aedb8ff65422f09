"""Fax-In: topics and inbound numbers

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "faxin_topics",
        sa.Column("cust_nr", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cust_nr"],
            ["accounts.cust_nr"],
            name=op.f("fk_faxin_topics_cust_nr_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cust_nr", "name", name=op.f("pk_faxin_topics")),
    )
    op.create_table(
        "inbound_numbers",
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("cust_nr", sa.String(length=32), nullable=False),
        sa.Column("topic", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cust_nr", "topic"],
            ["faxin_topics.cust_nr", "faxin_topics.name"],
            name=op.f("fk_inbound_numbers_cust_nr_faxin_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_inbound_numbers")),
    )
    op.create_index(
        op.f("ix_inbound_numbers_cust_nr_topic"), "inbound_numbers", ["cust_nr", "topic"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_inbound_numbers_cust_nr_topic"), table_name="inbound_numbers")
    op.drop_table("inbound_numbers")
    op.drop_table("faxin_topics")
