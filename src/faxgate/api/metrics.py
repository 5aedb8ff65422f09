"""What `GET /faxgate/v1/metrics` shows: this process's counters plus the shared database's
queue, outbox and Fax-In figures, in the Prometheus text format (rendered by prometheus_client).

The counters live in a registry of faxgate's own, not prometheus_client's global default,
so nothing else imported into the process can clash with them. It is one per process, not
one per app: a counter describes the process that served the requests (like the process_*
metrics beside it), and the access-log middleware, which Starlette builds without arguments,
can reach it without a handle on the app. Apps sharing a process (tests) share the counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, ProcessCollector, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from faxgate.service.metrics import DatabaseFigures, database_figures
from faxgate.store.db import Database

REGISTRY = CollectorRegistry()
HTTP_REQUESTS = Counter(
    "faxgate_http_requests",
    "HTTP requests answered by this process, by method and status code.",
    ["method", "status"],
    registry=REGISTRY,
)
ProcessCollector(registry=REGISTRY)  # process_cpu_seconds_total, process_resident_memory_bytes…

# The method is whatever the client sent: anything else is folded into one label value so a
# scanner cannot grow the series without bound. Status codes are three digits by protocol.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def count_request(method: str, status: int) -> None:
    HTTP_REQUESTS.labels(method if method in _METHODS else "OTHER", str(status)).inc()


class _Scrape:
    """One scrape: the process registry, then the database figures read for this scrape."""

    def __init__(self, database: Iterable[Metric]) -> None:
        self.database = database

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()
        yield from self.database


def _database_families(figures: DatabaseFigures) -> list[Metric]:
    queue = figures.queue
    pending = GaugeMetricFamily(
        "faxgate_recipients_pending",
        "Pending recipients: due (may be dialled now, unleased), scheduled (waiting for a "
        "retry or a jobValid start), in_progress (a worker holds a live lease).",
        labels=["state"],
    )
    pending.add_metric(["due"], queue.due)
    pending.add_metric(["scheduled"], queue.scheduled)
    pending.add_metric(["in_progress"], queue.in_progress)
    notifications = GaugeMetricFamily(
        "faxgate_notifications_pending",
        "Status pushes and report mails not yet delivered nor given up, by kind.",
        labels=["kind"],
    )
    oldest_notification = GaugeMetricFamily(
        "faxgate_notifications_oldest_pending_seconds",
        "Age of the oldest undelivered notification of each kind (0 when none).",
        labels=["kind"],
    )
    for kind, figure in figures.outbox.items():
        notifications.add_metric([kind], figure.pending)
        oldest_notification.add_metric([kind], figure.oldest_pending_secs)
    return [
        pending,
        GaugeMetricFamily(
            "faxgate_queue_oldest_due_seconds",
            "How long the oldest due, unleased recipient has waited to be dialled (0 when none).",
            value=queue.oldest_due_secs,
        ),
        notifications,
        oldest_notification,
        *_faxin_families(figures),
    ]


def _faxin_families(figures: DatabaseFigures) -> list[Metric]:
    faxin = figures.faxin
    received = GaugeMetricFamily(
        "faxgate_faxin_faxes",
        "Received faxes kept (FAXGATE_FAXIN_RETENTION_DAYS), acknowledged or not, by status.",
        labels=["status"],
    )
    for status, count in sorted(faxin.by_status.items()):
        received.add_metric([status], count)
    return [
        received,
        GaugeMetricFamily(
            "faxgate_faxin_unacknowledged",
            "Received faxes that no poll has acknowledged yet.",
            value=faxin.unacknowledged,
        ),
        GaugeMetricFamily(
            "faxgate_faxin_oldest_unacknowledged_seconds",
            "Age of the oldest received fax not yet acknowledged (0 when none).",
            value=faxin.oldest_unacknowledged_secs,
        ),
    ]


async def render(db: Database) -> bytes:
    return generate_latest(_Scrape(_database_families(await database_figures(db))))
