"""The job listing: a login's jobs, newest first

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_jobs_login_created", "jobs", ["login", "created_at", "job_id"])


def downgrade() -> None:
    op.drop_index("ix_jobs_login_created", table_name="jobs")
