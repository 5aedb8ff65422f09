from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from faxgate.domain.report import JobReport, RecipientReport, Reference
from faxgate.domain.statuses import FaxStatus

from .receiver import ReceiverState, running_receiver


@pytest.fixture
def receiver() -> Iterator[ReceiverState]:
    with running_receiver() as state:
        yield state


def sample_report(*, failed: bool = False) -> JobReport:
    sent = datetime(2026, 11, 8, 15, 38, 8, tzinfo=UTC)
    return JobReport(
        job_id="FJIJPNJYN906EDIJNFGI5S",
        recipients=(
            RecipientReport(
                number="+49 89 1234567-8900",
                properties=(("ToName", "Jörg Müller"), ("SubjectTitle", "Invoice <1> & co")),
                status=FaxStatus.OK,
                reason="OK",
                sent_ts=sent,
                duration_secs=26,
                sent_to_number="00498912345678900",
                remote_csid="+49/89/1234567-8900",
                num_id="FNIJPNJYNA06EDIJNFUO1Q",
            ),
            RecipientReport(
                number="+12015551000",
                properties=(),
                status=FaxStatus.BUSY if failed else FaxStatus.OK,
                reason="line busy after 5 attempts" if failed else "OK",
                sent_ts=None if failed else sent,
                duration_secs=0 if failed else 31,
                sent_to_number="0012015551000",
                remote_csid=None if failed else "",
                num_id="FNIJPNJYNA06EDIJNFUO2R",
            ),
        ),
        pages=3,
        reference=Reference(customer_defined_id="order-17", billing_code="", billing_info=""),
        created_at=datetime(2026, 11, 8, 15, 37, 0, tzinfo=UTC),
        completed_at=datetime(2026, 11, 8, 15, 39, 0, tzinfo=UTC),
    )


def parse_xml(data: bytes) -> ET.Element:
    return ET.fromstring(data)
