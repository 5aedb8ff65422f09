"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("cust_nr", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("settings", sa.Text(), server_default="{}", nullable=False),
        sa.PrimaryKeyConstraint("cust_nr", name=op.f("pk_accounts")),
    )
    op.create_table(
        "jobs",
        sa.Column("job_id", sa.String(length=22), nullable=False),
        sa.Column("login", sa.String(length=128), nullable=False),
        sa.Column("cust_nr", sa.String(length=32), nullable=False),
        sa.Column("dc", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("completed_at", sa.Float(), nullable=True),
        sa.Column("pages", sa.Integer(), server_default="0", nullable=False),
        sa.Column("customer_defined_id", sa.String(length=256), server_default="", nullable=False),
        sa.Column("billing_code", sa.String(length=80), server_default="", nullable=False),
        sa.Column("billing_info", sa.String(length=80), server_default="", nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("valid_start", sa.Float(), nullable=False),
        sa.Column("valid_end", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_completed_at", ["completed_at"], unique=False)
        batch_op.create_index(
            "ix_jobs_completed_order",
            ["login", "completed_at", "created_at", "job_id"],
            unique=False,
            sqlite_where=sa.text("completed_at IS NOT NULL"),
            postgresql_where=sa.text("completed_at IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_jobs_duplicate", ["login", "customer_defined_id", "created_at"], unique=False
        )

    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.String(length=22), nullable=False),
        sa.Column("recipient_idx", sa.Integer(), nullable=False),
        sa.Column("attempt_no", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("carrier", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("ended_at", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("pages_sent", sa.Integer(), nullable=False),
        sa.Column("line_seconds", sa.Float(), nullable=False),
        sa.Column("remote_csid", sa.String(length=64), nullable=False),
        sa.Column("details", sa.Text(), server_default="{}", nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.job_id"], name=op.f("fk_attempts_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempts")),
    )
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.create_index("ix_attempts_job", ["job_id", "recipient_idx"], unique=False)

    op.create_table(
        "documents",
        sa.Column("job_id", sa.String(length=22), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("charset", sa.String(length=16), nullable=True),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.job_id"], name=op.f("fk_documents_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", "idx", name=op.f("pk_documents")),
    )
    op.create_table(
        "logins",
        sa.Column("login", sa.String(length=128), nullable=False),
        sa.Column("cust_nr", sa.String(length=32), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cust_nr"],
            ["accounts.cust_nr"],
            name=op.f("fk_logins_cust_nr_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("login", name=op.f("pk_logins")),
    )
    op.create_table(
        "recipients",
        sa.Column("job_id", sa.String(length=22), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("properties", sa.Text(), server_default="[]", nullable=False),
        sa.Column("numbers", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="PENDING", nullable=False),
        sa.Column("reason", sa.Text(), server_default="PENDING", nullable=False),
        sa.Column("sent_ts", sa.Float(), nullable=True),
        sa.Column("duration_secs", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sent_to_number", sa.String(length=64), nullable=True),
        sa.Column("remote_csid", sa.String(length=64), nullable=True),
        sa.Column("pages", sa.Integer(), server_default="0", nullable=False),
        sa.Column("express", sa.Boolean(), server_default=sa.text("(false)"), nullable=False),
        sa.Column("next_attempt_at", sa.Float(), nullable=False),
        sa.Column("valid_end", sa.Float(), nullable=False),
        sa.Column("destination", sa.String(length=64), nullable=False),
        sa.Column("number_index", sa.Integer(), server_default="0", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("no_connect_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("mid_fax_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.job_id"], name=op.f("fk_recipients_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", "idx", name=op.f("pk_recipients")),
    )
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.create_index(
            "ix_recipients_busy_lines",
            ["destination", "lease_until"],
            unique=False,
            sqlite_where=sa.text("lease_owner IS NOT NULL"),
            postgresql_where=sa.text("lease_owner IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_recipients_due",
            [sa.literal_column("express DESC"), "next_attempt_at"],
            unique=False,
            sqlite_where=sa.text("status = 'PENDING'"),
            postgresql_where=sa.text("status = 'PENDING'"),
        )

    op.create_table(
        "templates",
        sa.Column("cust_nr", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.text("(false)"), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cust_nr"],
            ["accounts.cust_nr"],
            name=op.f("fk_templates_cust_nr_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cust_nr", "kind", "name", name=op.f("pk_templates")),
    )


def downgrade() -> None:
    op.drop_table("templates")
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_recipients_due",
            sqlite_where=sa.text("status = 'PENDING'"),
            postgresql_where=sa.text("status = 'PENDING'"),
        )
        batch_op.drop_index(
            "ix_recipients_busy_lines",
            sqlite_where=sa.text("lease_owner IS NOT NULL"),
            postgresql_where=sa.text("lease_owner IS NOT NULL"),
        )

    op.drop_table("recipients")
    op.drop_table("logins")
    op.drop_table("documents")
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_attempts_job")

    op.drop_table("attempts")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_duplicate")
        batch_op.drop_index(
            "ix_jobs_completed_order",
            sqlite_where=sa.text("completed_at IS NOT NULL"),
            postgresql_where=sa.text("completed_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_jobs_completed_at")

    op.drop_table("jobs")
    op.drop_table("accounts")
