"""The metrics of a carrier on a real line (the SIP trunk): read from the line at each scrape
of the process that holds it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from faxgate.carriers.base import LineFigures


class LineCollector(Collector):
    def __init__(self, figures: Callable[[], LineFigures | None]) -> None:
        self._figures = figures

    def collect(self) -> Iterator[Metric]:
        figures = self._figures()
        if figures is None:
            return
        channels = GaugeMetricFamily(
            "faxgate_line_channels",
            "Calls the line takes at once (FAXGATE_SIP_CHANNELS), and those in progress.",
            labels=["state"],
        )
        channels.add_metric(["total"], figures.channels)
        channels.add_metric(["busy"], figures.busy)
        yield channels
        messages = CounterMetricFamily(
            "faxgate_line_bad_messages",
            "Signalling from the line that was answered 400 (malformed) or dropped.",
            labels=["fate"],
        )
        messages.add_metric(["malformed"], figures.messages_malformed)
        messages.add_metric(["dropped"], figures.messages_dropped)
        yield messages
