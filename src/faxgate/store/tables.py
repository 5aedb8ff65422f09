"""The schema. Timestamps are float seconds since the epoch (UTC) on both databases, so
ordering, arithmetic and indexes behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

accounts = Table(
    "accounts",
    metadata,
    Column("cust_nr", String(32), primary_key=True),
    Column("created_at", Float, nullable=False),
    Column("settings", Text, nullable=False, server_default="{}"),  # JSON: push, mail defaults
)

logins = Table(
    "logins",
    metadata,
    Column("login", String(128), primary_key=True),
    Column("cust_nr", ForeignKey("accounts.cust_nr", ondelete="CASCADE"), nullable=False),
    Column("password_hash", String(256), nullable=False),
    Column("created_at", Float, nullable=False),
)

templates = Table(
    "templates",
    metadata,
    Column("cust_nr", ForeignKey("accounts.cust_nr", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(16), primary_key=True),  # cover | overlay
    Column("name", String(128), primary_key=True),
    Column("content", LargeBinary, nullable=False),
    Column("is_default", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", Float, nullable=False),
)

jobs = Table(
    "jobs",
    metadata,
    Column("job_id", String(22), primary_key=True),
    Column("login", String(128), nullable=False),
    Column("cust_nr", String(32), nullable=False),
    Column("dc", String(3), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("completed_at", Float),  # set once every recipient is final
    Column("pages", Integer, nullable=False, server_default="0"),
    Column("customer_defined_id", String(256), nullable=False, server_default=""),
    Column("billing_code", String(80), nullable=False, server_default=""),
    Column("billing_info", String(80), nullable=False, server_default=""),
    Column("options", Text, nullable=False),  # JSON: the request without document content
    Column("payload_hash", String(64), nullable=False),
    Column("valid_start", Float, nullable=False),
    Column("valid_end", Float, nullable=False),
)
# The heart of the service: completed reports of one login, oldest first, deterministic.
Index(
    "ix_jobs_completed_order",
    jobs.c.login,
    jobs.c.completed_at,
    jobs.c.created_at,
    jobs.c.job_id,
    sqlite_where=jobs.c.completed_at.is_not(None),
    postgresql_where=jobs.c.completed_at.is_not(None),
)
Index("ix_jobs_duplicate", jobs.c.login, jobs.c.customer_defined_id, jobs.c.created_at)
Index("ix_jobs_completed_at", jobs.c.completed_at)
# The job listing (store/job_listing.py): a login's jobs, newest first, pending ones too.
Index("ix_jobs_login_created", jobs.c.login, jobs.c.created_at, jobs.c.job_id)

documents = Table(
    "documents",
    metadata,
    Column("job_id", ForeignKey("jobs.job_id", ondelete="CASCADE"), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("name", String(32), nullable=False),
    Column("charset", String(16)),
    Column("reference", Text),
    Column("content", LargeBinary),  # in the database, so one commit stores the whole job
)

recipients = Table(
    "recipients",
    metadata,
    Column("job_id", ForeignKey("jobs.job_id", ondelete="CASCADE"), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("number", String(64), nullable=False),
    Column("properties", Text, nullable=False, server_default="[]"),  # JSON [[key, value]]
    Column("numbers", Text, nullable=False),  # JSON: normalised main + alternative numbers
    Column("status", String(20), nullable=False, server_default="PENDING"),
    Column("reason", Text, nullable=False, server_default="PENDING"),
    Column("sent_ts", Float),
    Column("duration_secs", Integer, nullable=False, server_default="0"),
    Column("sent_to_number", String(64)),
    Column("remote_csid", String(64)),
    Column("pages", Integer, nullable=False, server_default="0"),
    # the queue: the fax state is the queue state
    Column("express", Boolean, nullable=False, server_default=text("false")),
    Column("next_attempt_at", Float, nullable=False),
    Column("valid_end", Float, nullable=False),
    Column("destination", String(64), nullable=False),  # normalised number dialled next
    Column("number_index", Integer, nullable=False, server_default="0"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("no_connect_failures", Integer, nullable=False, server_default="0"),
    Column("mid_fax_failures", Integer, nullable=False, server_default="0"),
    Column("lease_owner", String(64)),
    Column("lease_until", Float),
)
Index(
    "ix_recipients_due",
    recipients.c.express.desc(),
    recipients.c.next_attempt_at,
    sqlite_where=recipients.c.status == "PENDING",
    postgresql_where=recipients.c.status == "PENDING",
)
Index(
    "ix_recipients_busy_lines",
    recipients.c.destination,
    recipients.c.lease_until,
    sqlite_where=recipients.c.lease_owner.is_not(None),
    postgresql_where=recipients.c.lease_owner.is_not(None),
)

attempts = Table(
    "attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", ForeignKey("jobs.job_id", ondelete="CASCADE"), nullable=False),
    Column("recipient_idx", Integer, nullable=False),
    Column("attempt_no", Integer, nullable=False),
    Column("number", String(64), nullable=False),
    Column("carrier", String(32), nullable=False),
    Column("started_at", Float, nullable=False),
    Column("ended_at", Float, nullable=False),
    Column("status", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("pages_sent", Integer, nullable=False),
    Column("line_seconds", Float, nullable=False),
    Column("remote_csid", String(64), nullable=False),
    Column("details", Text, nullable=False, server_default="{}"),  # JSON: T.30 statistics
)
Index("ix_attempts_job", attempts.c.job_id, attempts.c.recipient_idx)

# The notification outbox: one row per push or report mail of a completed job, written in
# the transaction that completes the job, drained by the notifier with leases and back-off.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(22), nullable=False),  # no FK: a push outlives a deleted report
    Column("login", String(128), nullable=False),
    Column("channel", String(8), nullable=False),  # push | mail
    Column("target", Text, nullable=False),  # JSON: where and how to deliver
    Column("snapshot", Text, nullable=False),  # JSON: the report and context at completion
    Column("delivery_id", String(36), nullable=False, unique=True),  # stable across retries
    Column("state", String(12), nullable=False, server_default="pending"),  # delivered | failed
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("created_at", Float, nullable=False),
    Column("next_attempt_at", Float, nullable=False),
    Column("lease_owner", String(64)),
    Column("lease_until", Float),
    Column("last_error", Text),
)
Index(
    "ix_deliveries_due",
    deliveries.c.next_attempt_at,
    sqlite_where=deliveries.c.state == "pending",
    postgresql_where=deliveries.c.state == "pending",
)
Index("ix_deliveries_job", deliveries.c.job_id)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery", ForeignKey("deliveries.id", ondelete="CASCADE"), nullable=False),
    Column("at", Float, nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    Column("delivered", Boolean, nullable=False),
)
Index("ix_delivery_attempts_delivery", delivery_attempts.c.delivery)

# The database spool (FAXGATE_SPOOL=database): each fax image of a job, so that processes on
# different hosts serve and redial it with nothing shared but the database. Deleted with
# the job.
fax_images = Table(
    "fax_images",
    metadata,
    Column("job_id", ForeignKey("jobs.job_id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(16), primary_key=True),  # sent | received
    Column("recipient", Integer, primary_key=True),
    Column("content", LargeBinary, nullable=False),  # the TIFF, sealed when files are encrypted
    Column("stored_at", Float, nullable=False),
)

# Fax-In: a topic groups an account's inbound numbers and has its own polling password.
faxin_topics = Table(
    "faxin_topics",
    metadata,
    Column("cust_nr", ForeignKey("accounts.cust_nr", ondelete="CASCADE"), primary_key=True),
    Column("name", String(128), primary_key=True),
    Column("password_hash", String(256), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("push_target", Text),  # JSON (outbox_json's push target): the inbound push, if any
)

# A number of this installation (normalised, as outbound numbers are) belongs to one account
# and one of its topics.
inbound_numbers = Table(
    "inbound_numbers",
    metadata,
    Column("number", String(64), primary_key=True),
    Column("cust_nr", String(32), nullable=False),
    Column("topic", String(128), nullable=False),
    Column("created_at", Float, nullable=False),
    ForeignKeyConstraint(
        ["cust_nr", "topic"],
        ["faxin_topics.cust_nr", "faxin_topics.name"],
        ondelete="CASCADE",
    ),
    Index(None, "cust_nr", "topic"),
)

# Fax-In: one received fax (a call to an inbound number, or one a gateway handed in), owned
# by the topic its number belonged to. Invisible to polls until its files are stored
# (`ready`); hidden while fetched (`locked_until`); gone from polls once acknowledged.
faxin_faxes = Table(
    "faxin_faxes",
    metadata,
    Column("fax_id", String(22), primary_key=True),
    Column("cust_nr", String(32), nullable=False),
    Column("topic", String(128), nullable=False),
    Column("called_number", String(64), nullable=False),
    Column("calling_number", String(64), nullable=False),
    Column("remote_csid", String(64), nullable=False),
    Column("local_csid", String(64), nullable=False),
    Column("pages", Integer, nullable=False),
    Column("fine", Boolean, nullable=False),
    Column("bit_rate", Integer),
    Column("duration_secs", Float, nullable=False),
    Column("status", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("source", String(16), nullable=False),  # network | gateway
    Column("received_at", Float, nullable=False),
    Column("ready", Boolean, nullable=False, server_default=text("false")),
    Column("locked_until", Float, nullable=False, server_default="0"),
    Column("acknowledged_at", Float),
    ForeignKeyConstraint(["cust_nr"], ["accounts.cust_nr"], ondelete="CASCADE"),
    Index(None, "cust_nr", "topic", "received_at"),
    Index(None, "received_at"),
)

# The database spool's files of a received fax (FAXGATE_SPOOL=database): the TIFF as
# received and the PDF made of it. Deleted with the fax.
faxin_files = Table(
    "faxin_files",
    metadata,
    Column("fax_id", ForeignKey("faxin_faxes.fax_id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(16), primary_key=True),  # faxin-tiff | faxin-pdf
    Column("content", LargeBinary, nullable=False),  # sealed when files are encrypted
    Column("stored_at", Float, nullable=False),
)
